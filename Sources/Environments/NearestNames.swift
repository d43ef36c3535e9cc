/// Levenshtein distance between two strings, by characters: how close a mistyped name is to a known
/// one (environment names here, setting keys in `Training`).
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    var previous = Array(0...y.count), current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...Swift.max(y.count, 1) where j <= y.count {
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}

/// Up to three of `known` whose `distance` is within a third of `target`'s length (at least 1, at most 3),
/// nearest first, ties in name order: the "did you mean" of environment names here and of setting keys in
/// `Training`, which differ in how they fold a name before measuring it, not in what counts as near.
public func nearestByEditDistance(_ target: String, in known: [String], distance: (String) -> Int) -> [String] {
    let limit = Swift.min(3, Swift.max(1, target.count / 3))
    let scored = known.map { ($0, distance($0)) }.filter { $0.1 <= limit }
    return Array(scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(3).map(\.0))
}

/// Up to three environment names of `known` closest to `name`, for "did you mean": case, `_` and `-`
/// ignored (`atari/BeamRider`, `atari/beamrider`, `minatar/space-invaders`), a game named without its family
/// (`breakout`), then ``nearestByEditDistance(_:in:distance:)``. Empty when none is that close.
public func nearestEnvironmentNames(to name: String, in known: [String]) -> [String] {
    func folded(_ s: String) -> String { String(s.lowercased().filter { $0 != "_" && $0 != "-" }) }
    let target = folded(name)
    let same = known.filter { folded($0) == target }
    if !same.isEmpty { return Array(same.prefix(3)) }
    // A game without its family (`breakout`: MinAtar's and Atari's).
    let game = known.filter { $0.contains("/") && folded(String($0.split(separator: "/").last!)) == target }
    if !game.isEmpty { return Array(game.sorted().prefix(3)) }
    return nearestByEditDistance(target, in: known) { editDistance(target, folded($0)) }
}
