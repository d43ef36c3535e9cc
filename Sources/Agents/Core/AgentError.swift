/// Errors an agent reports; each text names the setting or the moment and what to do.
public enum AgentError: Error, CustomStringConvertible, Equatable {
    case badConfig(String)
    /// A loss or gradient became NaN or infinite; the text names which and when.
    case diverged(String)

    public var description: String {
        switch self {
        case .badConfig(let why): return "invalid configuration: \(why)"
        case .diverged(let why): return "training diverged: \(why)"
        }
    }
}
