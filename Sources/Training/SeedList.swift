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
        /// The text is no number at all (``seed(_:)``): the caller adds how a seed list is written. Other
        /// refusals (too large, a count's number form) say the fix themselves.
        public var notANumber = false
    }

    /// The largest seed: 2^63 − 1. Run directories, config.toml and the readers of runs hold a seed as a
    /// signed 64-bit number, so a larger one would train and then read back as no seed.
    public static let maximum = UInt64(Int64.max)

    /// One seed as written (spaces around it allowed): digits, 0 to ``maximum``.
    /// - Throws: ``Refusal`` saying why: past ``maximum``, a count's number form (`1e3`: write it in
    ///   digits), or not a whole number ≥ 0.
    public static func seed(_ text: String) throws(Refusal) -> UInt64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        let digits = !t.isEmpty && t.allSatisfy { $0.isASCII && $0.isNumber }
        if digits, let seed = UInt64(t), seed <= maximum { return seed }
        let tooLarge = Refusal(reason: "seed \(t) is too large: a seed is at most \(maximum) (2^63 − 1)")
        if digits { throw tooLarge }
        if let x = Settings.number(t), x.isFinite, x >= 0, x == x.rounded() {
            guard x <= Double(maximum) else { throw tooLarge }
            throw Refusal(reason: "write seed \"\(t)\" in digits, as \(UInt64(x)) (a seed names a random stream; number forms such as 5e6 are for counts like --steps)")
        }
        throw Refusal(reason: "\"\(t)\" is not a whole number ≥ 0", notANumber: true)
    }

    /// The seeds `text` names, in its order.
    /// - Throws: ``Refusal`` for a reversed or too-long range, an empty part ("0,,1", "0,"), a part
    ///   that is not a seed (``seed(_:)``), or a repeated seed.
    public static func parse(_ text: String) throws(Refusal) -> [UInt64] {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let r = t.range(of: "..") {
            let first = t[..<r.lowerBound].trimmingCharacters(in: .whitespaces), last = t[r.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !first.isEmpty, !last.isEmpty else { throw Refusal(reason: "write a range as FIRST..LAST of whole numbers ≥ 0, e.g. 0..4") }
            let a: UInt64, b: UInt64
            do throws(Refusal) { a = try seed(first); b = try seed(last) } catch {
                throw Refusal(reason: error.notANumber ? "write a range as FIRST..LAST of whole numbers ≥ 0, e.g. 0..4" : error.reason)
            }
            guard a <= b else { throw Refusal(reason: "the range runs backwards: write FIRST..LAST with FIRST ≤ LAST, e.g. \(b)..\(a)") }
            // b − a + 1 itself overflows for 0..UInt64.max: the count is said without it.
            guard b - a < maximumCount else { throw Refusal(reason: "names more than 10,000 seeds (\(a) to \(b)): give at most 10,000 in one list") }
            return Array(a...b)
        }
        // Split keeping empty parts, so that "0,,1" or "0," is refused rather than read as "0,1" or "0".
        let parts = t.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var seeds = [UInt64]()
        for part in parts {
            guard !part.isEmpty else { throw Refusal(reason: "has an empty entry: give 0..4, 0,3,7 or one number") }
            do throws(Refusal) { seeds.append(try seed(part)) } catch {
                throw Refusal(reason: error.notANumber ? error.reason + ": give 0..4, 0,3,7 or one number" : error.reason)
            }
        }
        guard seeds.count <= Int(maximumCount) else { throw Refusal(reason: "names \(seeds.count) seeds: give at most 10,000 in one list") }
        if let repeated = firstRepeat(seeds) { throw Refusal(reason: "repeats seed \(repeated): list each once") }
        return seeds
    }

    /// The first seed that occurs twice, if any.
    public static func firstRepeat(_ seeds: [UInt64]) -> UInt64? {
        var seen = Set<UInt64>()
        return seeds.first { !seen.insert($0).inserted }
    }
}
