import ArgumentParser
import Training

/// A whole-number option value written as the project writes counts elsewhere (`--steps 5e6`):
/// "1000", "1e9" and "2.5e3" read as whole numbers; "1.5", "abc" and values beyond Int are refused
/// by the argument parser with the option's name. Negative values read (the option's own range
/// check says what it accepts), so they need `parsing: .unconditional` to reach it.
struct Count: ExpressibleByArgument, Equatable, Sendable, CustomStringConvertible {
    let value: Int

    init(_ value: Int) { self.value = value }

    init?(argument: String) {
        guard let x = Settings.number(argument), x.isFinite, x == x.rounded(), abs(x) <= Double(Int.max / 2) else { return nil }
        value = Int(x)
    }

    /// The option's value, or an error that says what a count is: `@Option(transform: Count.parse)`
    /// puts it after the argument parser's "the value is invalid for --width" (its own message for a
    /// failed `init?(argument:)` says nothing of why).
    @Sendable static func parse(_ argument: String) throws -> Count {
        if let count = Count(argument: argument) { return count }
        if let x = Settings.number(argument), x.isFinite, x == x.rounded() {
            throw ValidationError("\(argument) is beyond the counts this option takes")
        }
        throw ValidationError("\(argument) is not a whole number; write a count as 50000 or 5e4")
    }

    var description: String { String(value) }
    var defaultValueDescription: String { String(value) }
}
