import Autodiff
import Hypergradients
import Neural
import Seeding

/// STAC's coupling options (arXiv 2109.12286, Sec. 4 and Alg. 1–2): the leader's part, how its
/// hypergradient is solved, the follower's unroll m and the step order.
public struct TotalDerivativeOptions: Sendable, Equatable {
    public enum Order: String, Sendable, CaseIterable {
        /// Both players' gradients at the same point, then both steps (the public off-policy code).
        case simultaneous
        /// The leader steps at (θ_k, w_k), then the follower takes its m steps (Alg. 2).
        case sequential
    }
    public var hypergradient = HypergradientOptions()
    /// Follower steps per leader step, m ≥ 1.
    public var unroll = 1
    public var order: Order = .simultaneous
    /// The unrolled follower steps draw fresh minibatches (the paper); false reuses the leader's (the code).
    public var freshFollowerBatches = true
    /// What the leader steps along.
    public enum LeaderStep: String, Sendable, CaseIterable {
        /// Its total derivative Df₁ (STAC).
        case totalDerivative = "total_derivative"
        /// Its own gradient g scaled by κ = ⟨Df₁, g⟩/‖g‖²: the step-size ablation (same length
        /// along g as STAC's step, none of its turn).
        case scaledOwnGradient = "scaled_own_gradient"
    }
    public var leaderStep: LeaderStep = .totalDerivative

    public init() {}

    public func validate() throws {
        var checks = ConfigChecks()
        try checks.include { try hypergradient.validate(prefix: "stackelberg.") }
        checks.require(unroll >= 1, "stackelberg.unroll (m) must be ≥ 1, got \(unroll)")
        try checks.finish()
    }
}

public struct TotalDerivativeSpec: CouplingSpec {
    public var leader: ModelPart
    public var options: TotalDerivativeOptions
    /// The registry name: the leader's part, e.g. `actor-leader`.
    public var name: String { "\(leader.rawValue)-leader" }
    public init(leader: ModelPart, options: TotalDerivativeOptions = TotalDerivativeOptions()) {
        self.leader = leader
        self.options = options
    }
    public func validate() throws { try options.validate() }
    public var leaderPart: ModelPart? { leader }
    public var batchRoles: [BatchRole] { TotalDerivativeCoupling.batches(options).all }
    public func make(_ parts: ModelParts, optimization: Optimization) throws -> Coupling {
        try TotalDerivativeCoupling(parts, leader: leader, options: options, optimization: optimization)
    }
}

/// The Stackelberg coupling of STAC: the leader follows its total derivative
///
///   Df₁ = ∇_leader f₁ − (∇_leader∇_follower f₂)ᵀ (∇²_follower f₂ + λI)⁻¹ ∇_follower f₁,
///
/// solved matrix-free over exact Hessian-vector products (``TotalDerivative``), with λ on a
/// schedule over environment steps; the follower descends ∇_follower f₂, m steps per leader step.
/// f₁ and f₂ are the model's objectives of the two parts (losses to minimize: an actor leader's f₁
/// is −J), recorded in one graph step on the leader's minibatch.
///
/// Errors: a non-finite loss or gradient throws `AgentError.diverged`; losses from different graph
/// steps throw the graph's error; bad options throw `AgentError.badConfig` when built.
/// Metrics: `leader_loss`, `follower_loss`, `leader_lr`, `follower_lr`, then the solve's
/// diagnostics (`lambda`, `leader_gradient_norm`, `total_derivative_norm`, `correction_norm`,
/// `cosine`, `hvp_products`, `solver_iterations`, `solver_residual`, `negative_curvature`).
public final class TotalDerivativeCoupling: Coupling {
    public let name: String
    public let metricNames = HypergradientPlayers.metricNames
    public let options: TotalDerivativeOptions
    public let players: HypergradientPlayers
    public var leaderPart: ModelPart { players.leaderPart }
    public var leader: GroupOptimizer { players.leader }
    public var follower: GroupOptimizer { players.follower }
    public var totalDerivative: TotalDerivative { players.totalDerivative }
    public var optimizers: [GroupOptimizer] { players.optimizers }
    public var gamePlayers: (leader: ModelPart, follower: ModelPart)? { (players.leaderPart, players.followerPart) }
    public let batchRoles: [BatchRole]
    /// The follower steps taken on a batch of their own (the first follows the leader's point when simultaneous).
    private let followerBatches: [BatchRole]

    public init(_ parts: ModelParts, leader part: ModelPart, options: TotalDerivativeOptions, optimization o: Optimization) throws {
        try options.validate()
        self.options = options
        name = "\(part.rawValue)-leader"
        players = try HypergradientPlayers(parts, leader: part, options: options.hypergradient, optimization: o,
                                           followerStepsPerUpdate: options.unroll, settingsPrefix: "stackelberg.")
        (followerBatches, batchRoles) = TotalDerivativeCoupling.batches(options)
    }

    /// The batches of the unrolled follower steps (the first follows the leader's point when
    /// simultaneous), and every batch one update uses.
    static func batches(_ options: TotalDerivativeOptions) -> (follower: [BatchRole], all: [BatchRole]) {
        let first = options.order == .simultaneous ? 1 : 0
        let follower = (first..<options.unroll).map { options.freshFollowerBatches ? BatchRole.follower($0) : .leader }
        return (follower, [.leader] + follower.filter { $0 != .leader })
    }

    public func attach(to metrics: UpdateMetrics) { players.attach(to: metrics) }

    public func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws {
        let p = players
        try model.prepare(.leader)
        let graph = model.graph
        graph.reset()
        let f1 = model.objective(of: p.leaderPart, othersHeld: false)
        let f2 = model.objective(of: p.followerPart, othersHeld: false)
        try requireFinite(f1.scalarValue, player: "leader", context: context)
        try requireFinite(f2.scalarValue, player: "follower", context: context)
        metrics[p.leaderLoss] = f1.scalarValue
        metrics[p.followerLoss] = f2.scalarValue
        try p.computeTotalDerivative(f1, f2, context: context)
        p.write(p.totalDerivative.diagnostics, into: metrics)
        if options.leaderStep == .scaledOwnGradient { p.scaleOwnGradientLikeTotalDerivative() }
        if options.order == .simultaneous {
            // The follower's first step is at the same point as the leader's: ∇_follower f₂ was
            // recorded there for the solve.
            p.totalDerivative.writeLastFollowerGradient(into: p.follower.gradient)
            try p.leader.stepChecked(player: "leader", context: context)
            try p.follower.stepChecked(player: "follower", context: context)
        } else {
            try p.leader.stepChecked(player: "leader", context: context)
        }
        for batch in followerBatches { try p.followerStep(model, on: batch, context: context, metrics: metrics) }
        p.writeRates(into: metrics)
    }

    public func save(into state: inout StateDictionary) { players.save(into: &state) }
    public func load(from state: StateDictionary) throws { try players.load(from: state) }
}
