import Symbolic

/// A two-player differentiable game: the leader chooses x1, the follower x2, and both minimize
/// their own cost, f1(x1, x2) for the leader and f2(x1, x2) for the follower.
/// A maximizing player is written with a minus sign (see `Game.init(maximize:)`).
public struct Game: Sendable {
    public var name: String
    /// One paragraph on what the game shows.
    public var summary: String
    public var leaderVariables: [String]
    public var followerVariables: [String]
    /// f1, minimized by the leader.
    public var leaderCost: Expr
    /// f2, minimized by the follower.
    public var followerCost: Expr
    /// What the leader's "return" means in plots (Fig. 5b plots R(θ), not −f1); defaults to −f1.
    public var leaderReturn: Expr
    public var leaderReturnLabel: String
    /// Plot and search box, one closed interval per variable (leader variables first).
    public var domain: [ClosedRange<Double>]
    /// Sensible defaults for this game's analysis (learning rates, λ, starts).
    public var defaults: AnalysisDefaults
    /// Noise in the costs (stochastic games such as the SAC toy game), nil for deterministic games.
    public var noise: NoiseModel?

    public var variables: [String] { leaderVariables + followerVariables }

    static let defaultLeaderReturnLabel = "-f1 (leader's negated cost)"

    /// Whether the leader's return is the default −f1 rather than a quantity the game names itself.
    public var hasDefaultLeaderReturn: Bool {
        leaderReturnLabel == Game.defaultLeaderReturnLabel && leaderReturn == Expr.negate(leaderCost)
    }
    public var dimension: Int { variables.count }

    public init(name: String, summary: String = "", leaderVariables: [String], followerVariables: [String],
                leaderCost: Expr, followerCost: Expr, leaderReturn: Expr? = nil, leaderReturnLabel: String? = nil,
                domain: [ClosedRange<Double>]? = nil, defaults: AnalysisDefaults = .init(),
                noise: NoiseModel? = nil) throws(GameError) {
        self.name = name
        self.summary = summary
        self.leaderVariables = leaderVariables
        self.followerVariables = followerVariables
        self.leaderCost = leaderCost
        self.followerCost = followerCost
        self.leaderReturn = leaderReturn ?? Expr.negate(leaderCost)
        self.leaderReturnLabel = leaderReturnLabel ?? Game.defaultLeaderReturnLabel
        let n = leaderVariables.count + followerVariables.count
        self.domain = domain ?? Array(repeating: -1.0...1.0, count: n)
        self.defaults = defaults
        self.noise = noise
        try validate()
    }

    /// Parses a game from the expressions a user writes on the command line.
    /// `maximize` flips the sign of the named players' objectives so that both are minimized.
    public static func parse(leader: String, follower: String, leaderVariables: [String], followerVariables: [String],
                             maximize: Set<Player> = [], name: String = "custom",
                             domain: [ClosedRange<Double>]? = nil) throws(GameError) -> Game {
        var f1: Expr, f2: Expr
        do { f1 = try Parser.parse(leader) } catch { throw GameError.parse(role: "leader cost (--leader)", error: error) }
        do { f2 = try Parser.parse(follower) } catch { throw GameError.parse(role: "follower cost (--follower)", error: error) }
        if maximize.contains(.leader) { f1 = Expr.negate(f1) }
        if maximize.contains(.follower) { f2 = Expr.negate(f2) }
        return try Game(name: name, summary: "A game given as expressions: f1 = \(f1), f2 = \(f2).",
                        leaderVariables: leaderVariables, followerVariables: followerVariables,
                        leaderCost: f1, followerCost: f2, domain: domain)
    }

    private func validate() throws(GameError) {
        if leaderVariables.isEmpty { throw .invalid("the leader has no variables: name them before the colon, e.g. --vars theta:w") }
        if followerVariables.isEmpty { throw .invalid("the follower has no variables: name them after the colon, e.g. --vars theta:w") }
        var seen = Set<String>()
        for v in variables {
            guard v.first.map({ $0.isLetter || $0 == "_" }) == true,
                  v.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw .invalid("'\(v)' is not a valid variable name (letters, digits and _; starting with a letter)")
            }
            if v == "pi" { throw .invalid("'pi' is the constant π and cannot name a variable") }
            if !seen.insert(v).inserted { throw .invalid("variable '\(v)' is declared twice in --vars") }
        }
        guard domain.count == variables.count else {
            throw .invalid("the domain has \(domain.count) ranges for \(variables.count) variables (give one range per variable)")
        }
        for (v, r) in zip(variables, domain) where !(r.lowerBound < r.upperBound) || !r.lowerBound.isFinite || !r.upperBound.isFinite {
            throw .invalid("the range of '\(v)' is empty or not finite (\(r.lowerBound)...\(r.upperBound)); give lo < hi")
        }
        for (v, r) in zip(variables, domain) where !(r.upperBound - r.lowerBound).isFinite {
            throw .invalid("the range of '\(v)' (\(r.lowerBound)...\(r.upperBound)) is too wide: its width hi − lo overflows to infinity, so no grid or search can be laid on it; give a narrower range (hi − lo must stay below 1.8e308)")
        }
        let allowed = Set(variables).union(noise.map { [$0.variable] } ?? [])
        for (role, e) in [("leader cost", leaderCost), ("follower cost", followerCost), ("leader return", leaderReturn)] {
            let unknown = e.variables.subtracting(allowed).sorted()
            if !unknown.isEmpty {
                throw .invalid("unknown variable\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) in the \(role); declared: \(variables.joined(separator: ", ")) (declare it with --vars leader:follower)")
            }
        }
        if leaderCost.variables.isDisjoint(with: Set(variables)) && followerCost.variables.isDisjoint(with: Set(variables)) {
            throw .invalid("both costs are constant: the game is empty (write costs that depend on the variables)")
        }
    }
}

public enum Player: String, Sendable, CaseIterable { case leader, follower }

/// Defaults used when the user does not override them.
public struct AnalysisDefaults: Sendable {
    public var leaderLearningRate = 0.01
    public var followerLearningRate = 0.01
    public var lambda = 0.04
    public var iterations = 50_000
    public var returnIterations = 5_000
    /// Start of the error and return curves; nil means a point inside the domain chosen by the analysis.
    public var start: [Double]? = nil
    public var trajectoryStarts: [[Double]]? = nil
    /// Where to sweep the spectrum over λ when the follower Hessian is singular at the equilibrium.
    public var spectrumPoint: [Double]? = nil
    public init() {}
}

/// A noise variable in the costs: the game's costs are expectations over it.
public struct NoiseModel: Sendable {
    public var variable: String
    /// Gauss–Hermite nodes used to form the expected game for symbolic analysis.
    public var quadratureNodes: Int
    /// Samples per gradient estimate in the sampled dynamics.
    public var samplesPerStep: Int
    public init(variable: String, quadratureNodes: Int = 24, samplesPerStep: Int = 16) {
        self.variable = variable
        self.quadratureNodes = quadratureNodes
        self.samplesPerStep = samplesPerStep
    }
}

/// Errors a user can cause when describing a game.
public enum GameError: Error, CustomStringConvertible, Sendable {
    case parse(role: String, error: ParseError)
    case invalid(String)
    case unsupported(String)
    /// An analysis option's value refused (a range, a limit, a point of the wrong size): a usage
    /// error, not a refused game, so the CLI exits with EX_USAGE (64) as for any refused option.
    case option(String)

    public var description: String {
        switch self {
        case .parse(let role, let error): return "cannot parse the \(role): \(error)"
        case .invalid(let message): return message
        case .unsupported(let message): return message
        case .option(let message): return message
        }
    }
}
