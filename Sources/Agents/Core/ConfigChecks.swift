/// A configuration's refusals, gathered so that one error names every setting out of range, not only the
/// first: a `train` command or a plan's variant is mended in one pass instead of one per refusal.
///
/// A validator records each condition with ``require(_:_:)``, takes a nested validator's refusals with
/// ``include(_:)`` and ends with ``finish()``. A condition that would trap on an earlier bad value (a remainder
/// by a count that may be 0) is written to hold when that value is bad, since the earlier refusal names it.
public struct ConfigChecks {
    /// The refusals so far, in the order checked; each names the setting, what it must be, and the value it got.
    public private(set) var reasons: [String] = []

    public init() {}

    /// Records `why` unless `ok` holds.
    public mutating func require(_ ok: Bool, _ why: @autoclosure () -> String) {
        if !ok { reasons.append(why()) }
    }

    /// Runs a nested validation and records its refusals (`AgentError.badConfig`); any other error propagates.
    public mutating func include(_ validation: () throws -> Void) throws {
        do { try validation() } catch let error as AgentError {
            guard case .badConfig = error else { throw error }
            reasons += error.reasons
        }
    }

    /// Throws `AgentError.badConfig` holding every refusal recorded (one per line), if there is any.
    public func finish() throws {
        if !reasons.isEmpty { throw AgentError.badConfig(reasons.joined(separator: "\n")) }
    }
}
