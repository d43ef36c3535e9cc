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

    public init() {}

    public func validate() throws {
        try hypergradient.validate()
        guard unroll >= 1 else { throw AgentError.badConfig("stackelberg.unroll (m) must be ≥ 1, got \(unroll)") }
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
    public let metricNames = ["leader_loss", "follower_loss", "leader_lr", "follower_lr"] + HypergradientMetrics.names
    public let options: TotalDerivativeOptions
    public let leaderPart: ModelPart, followerPart: ModelPart
    public let leader: GroupOptimizer, follower: GroupOptimizer
    public var optimizers: [GroupOptimizer] { [leader, follower] }
    public let batchRoles: [BatchRole]
    public let totalDerivative: TotalDerivative
    private let lambda: LambdaSchedule
    /// The follower steps taken on a batch of their own (the first follows the leader's point when simultaneous).
    private let followerBatches: [BatchRole]
    private var slots = [UpdateMetrics.Slot](repeating: .init(index: 0), count: 5)

    public init(_ parts: ModelParts, leader part: ModelPart, options: TotalDerivativeOptions, optimization o: Optimization) throws {
        try options.validate()
        self.options = options
        name = "\(part.rawValue)-leader"
        leaderPart = part
        followerPart = try parts.other(than: part)
        leader = try o.player("leader", parts.parameters(of: part), schedule: o.schedule(o.leaderLearningRate))
        follower = try o.player("follower", parts.parameters(of: followerPart), schedule: o.schedule(o.followerLearningRate))
        totalDerivative = TotalDerivative(leader: leader.group, follower: follower.group, solver: options.hypergradient.inverseSolver,
                                          lambda: options.hypergradient.lambda, measureResidual: options.hypergradient.measureResidual)
        lambda = options.hypergradient.lambdaSchedule
        let first = options.order == .simultaneous ? 1 : 0
        followerBatches = (first..<options.unroll).map { options.freshFollowerBatches ? BatchRole.follower($0) : .leader }
        batchRoles = [.leader] + followerBatches.filter { $0 != .leader }
    }

    public func attach(to metrics: UpdateMetrics) {
        slots = ["leader_loss", "follower_loss", "leader_lr", "follower_lr", "lambda"].map(metrics.slot)
    }

    public func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws {
        totalDerivative.lambda = lambda.value(atEnvironmentStep: context.environmentStep)
        try model.prepare(.leader)
        let graph = model.graph
        graph.reset()
        let f1 = model.objective(of: leaderPart, othersHeld: false)
        let f2 = model.objective(of: followerPart, othersHeld: false)
        try requireFinite(f1.scalarValue, player: "leader", context: context)
        try requireFinite(f2.scalarValue, player: "follower", context: context)
        metrics[slots[0]] = f1.scalarValue
        metrics[slots[1]] = f2.scalarValue
        try totalDerivative.compute(leaderLoss: f1, followerLoss: f2, into: leader.gradient)
        HypergradientMetrics.write(totalDerivative.diagnostics, into: metrics, from: slots[4])
        if options.order == .simultaneous {
            // The follower's first step is at the same point as the leader's.
            graph.gradient(of: f2, wrt: follower.group, into: follower.gradient)
            try leader.stepChecked(player: "leader", context: context)
            try follower.stepChecked(player: "follower", context: context)
        } else {
            try leader.stepChecked(player: "leader", context: context)
        }
        for batch in followerBatches {
            try model.prepare(batch)
            graph.reset()
            metrics[slots[1]] = try follower.stepChecked(minimizing: model.objective(of: followerPart, othersHeld: true),
                                                         player: "follower", context: context)
        }
        metrics[slots[2]] = leader.learningRate
        metrics[slots[3]] = follower.learningRate
    }

    public func save(into state: inout StateDictionary) {
        for o in optimizers { o.saveState(into: &state) }
        totalDerivative.saveSampler(into: &state)
    }

    public func load(from state: StateDictionary) throws {
        for o in optimizers { try o.loadState(from: state) }
        try totalDerivative.loadSampler(from: state)
    }
}
