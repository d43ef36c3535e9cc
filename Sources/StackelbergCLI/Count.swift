import ArgumentParser
import Training

/// A whole-number option value written as the project writes counts elsewhere (`--steps 5e6`):
/// "1000", "1e9" and "2.5e3" read as whole numbers; "1.5", "abc" and values beyond Int are refused
/// by ``parse(_:)`` with the reason, after the argument parser's line naming the option. Negative
/// values read (the option's own range check says what it accepts), so they need
/// `parsing: .unconditional` to reach it. Options declare it as
/// `@Option(parsing: .unconditional, help: "… (default: N)", transform: Count.parse)`: with a
/// transform the parser prints no default of its own, so the help text says it.
struct Count: Equatable, Sendable, CustomStringConvertible {
    let value: Int

    init(_ value: Int) { self.value = value }

    init?(argument: String) {
        guard let x = Settings.number(argument), x.isFinite, x == x.rounded(), abs(x) <= Double(Int.max / 2) else { return nil }
        value = Int(x)
    }

    /// The option's value, or an error that says what a count is (a failable conversion would leave
    /// the parser's bare "the value is invalid for --width").
    @Sendable static func parse(_ argument: String) throws -> Count {
        if let count = Count(argument: argument) { return count }
        if let x = Settings.number(argument), x.isFinite, x == x.rounded() {
            throw ValidationError("\(argument) is beyond the counts this option takes")
        }
        throw ValidationError("\(argument) is not a whole number; write a count as 50000 or 5e4")
    }

    var description: String { String(value) }
}
