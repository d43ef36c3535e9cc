import Foundation

/// Seed lists as a user writes them, on the command line (`--seeds`) and in a sweep plan's `seeds`:
/// a range "FIRST..LAST", a list "0,3,7", or one number "5". One parser for both, so that what one
/// accepts the other does, with the same reasons when it does not.
public enum SeedList {
    /// The most seeds one list may name (far above any grid here; a typo like 0..99999999 is refused
    /// rather than expanded).
    public static let maximumCount: UInt64 = 10_000

    /// Why a seed list was refused: a reason without the input's name (the caller adds where it
    /// came from, `--seeds 3..1` or the plan's line).
    public struct Refusal: Error, Equatable {
        public let reason: String
    }

    /// The seeds `text` names, in its order.
    /// - Throws: ``Refusal`` for a reversed or too-long range, an empty part ("0,,1", "0,"), a part
    ///   that is not a whole number ≥ 0, or a repeated seed.
    public static func parse(_ text: String) throws(Refusal) -> [UInt64] {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let r = t.range(of: "..") {
            let first = t[..<r.lowerBound].trimmingCharacters(in: .whitespaces), last = t[r.upperBound...].trimmingCharacters(in: .whitespaces)
            guard let a = UInt64(first), let b = UInt64(last) else {
                let bad = UInt64(first) == nil ? first : last
                throw Refusal(reason: digitsOnly(bad) ?? "write a range as FIRST..LAST of whole numbers ≥ 0, e.g. 0..4")
            }
            guard a <= b else { throw Refusal(reason: "the range runs backwards: write FIRST..LAST with FIRST ≤ LAST, e.g. \(b)..\(a)") }
            // b − a + 1 itself overflows for 0..UInt64.max: the count is said without it.
            guard b - a < maximumCount else { throw Refusal(reason: "names more than 10,000 seeds (\(a) to \(b)): give at most 10,000 in one list") }
            return Array(a...b)
        }
        // Split keeping empty parts, so that "0,,1" or "0," is refused rather than read as "0,1" or "0".
        let parts = t.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if let bad = parts.first(where: { UInt64($0) == nil }) {
            throw Refusal(reason: bad.isEmpty ? "has an empty entry: give 0..4, 0,3,7 or one number"
                                              : digitsOnly(bad) ?? "\"\(bad)\" is not a whole number ≥ 0: give 0..4, 0,3,7 or one number")
        }
        let seeds = parts.map { UInt64($0)! }
        guard seeds.count <= Int(maximumCount) else { throw Refusal(reason: "names \(seeds.count) seeds: give at most 10,000 in one list") }
        if let repeated = firstRepeat(seeds) { throw Refusal(reason: "repeats seed \(repeated): list each once") }
        return seeds
    }

    /// Why `text`, which is not a seed, still reads as a whole number ≥ 0 (`1e3`, `1000.0`, `+5`): a seed
    /// names a random stream and is written in digits, where counts (`--steps 5e6`) take any number form.
    /// nil for text that is no such number, whose reason the caller gives.
    public static func digitsOnly(_ text: String) -> String? {
        guard let x = Settings.number(text), x.isFinite, x >= 0, x == x.rounded() else { return nil }
        let digits = x < 1e19 ? String(UInt64(x)) : "its digits"
        return "write seed \"\(text)\" in digits, as \(digits) (a seed names a random stream; number forms such as 5e6 are for counts like --steps)"
    }

    /// The first seed that occurs twice, if any.
    public static func firstRepeat(_ seeds: [UInt64]) -> UInt64? {
        var seen = Set<UInt64>()
        return seeds.first { !seen.insert($0).inserted }
    }
}
