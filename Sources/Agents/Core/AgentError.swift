/// Errors an agent reports; each text names the setting or the moment and what to do.
public enum AgentError: Error, CustomStringConvertible, Equatable {
    /// A configuration the agent refuses: one refusal per line, each naming its setting and the fix
    /// (``ConfigChecks`` gathers every one a validator finds).
    case badConfig(String)
    /// A loss or gradient became NaN or infinite; the text names which and when.
    case diverged(String)

    /// A `badConfig`'s refusals, one per setting; empty for any other error.
    public var reasons: [String] {
        guard case .badConfig(let why) = self else { return [] }
        return why.split(separator: "\n").map(String.init)
    }

    public var description: String {
        switch self {
        case .badConfig(let why):
            let reasons = self.reasons
            guard reasons.count > 1 else { return "invalid configuration: \(why)" }
            return "invalid configuration, \(reasons.count) problems:\n" + reasons.map { "  - \($0)" }.joined(separator: "\n")
        case .diverged(let why): return "training diverged: \(why)"
        }
    }
}
