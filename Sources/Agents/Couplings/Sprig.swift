import Autodiff
import Hypergradients
import Neural

/// SPRIG's attention cost C_θ, defined so that it has a gradient. The paper names an "L1-norm
/// attention cost" (arXiv 2502.14264, Methodology); the L1 norm of softmax weights is 1 for every
/// row whatever θ is, so taken literally it does nothing. Each choice here is in [0, 1].
public enum AttentionCost: String, Sendable, CaseIterable {
    /// mean over cells and frames of the cell gates g = σ(·) ∈ (0, 1): the L1 norm of a gate over
    /// cells, i.e. the share of the frame the module extracts. A literal L1 norm that measures
    /// feature-extraction effort; minimizing it closes gates (the default).
    case gateL1 = "gate_l1"
    /// mean over attention rows and heads of H(row)/log T, spatial and temporal averaged: how spread
    /// the attention is. Minimizing it sharpens attention onto few cells (the sparsity an L1
    /// penalty is usually meant to bring).
    case entropy
    /// 1 − entropy: how concentrated the attention is (the entropy-complement). Minimizing it
    /// spreads attention towards uniform pooling.
    case focus
}

/// The leader's policy term u_policy. The paper writes E[log π_φ(a|s)·Â] (arXiv 2502.14264,
/// Methodology): the gradient of PPO's surrogate at r = 1, with no trust region. Taken literally
/// inside PPO's epochs the leader steps θ on it at every minibatch, and nothing bounds how far the
/// policy moves from the rollout's: on MinAtar Breakout at the registry's settings it drove the
/// policy's entropy to 0 within 120k steps (docs/sprig.md). The clipped surrogate has the same
/// gradient on a minibatch's first visit and stops pushing once the ratio leaves [1 − ε, 1 + ε].
public enum LeaderPolicyTerm: String, Sendable, CaseIterable {
    /// mean log π_φ(a|f_θ(s))·Â: the paper's term as written.
    case logProbability = "log_prob"
    /// mean min(r·Â, clip(r, 1 ± ε)·Â), r = π/π_old: PPO's clipped surrogate (ε = PPO's `clip`).
    case clippedSurrogate = "clipped_surrogate"
}

/// A model whose perception module can lead (SPRIG): its parts are the `encoder` (perception θ)
/// and the `head` (policy and value heads φ), and it offers the leader's terms on the prepared
/// minibatch, recorded in `graph` alongside `jointObjective()` (PPO's loss), sharing one forward.
public protocol PerceptionLeaderModel: CoupledModel {
    /// u_policy on the minibatch, a scalar (Â as the PPO loss reads it): mean_j log π_φ(a_j | f_θ(s_j))·Â_j,
    /// or PPO's clipped surrogate.
    func policyUtility(_ form: LeaderPolicyTerm) -> Tensor
    /// C_θ on the minibatch's observations, a scalar in [0, 1].
    func attentionCost(_ cost: AttentionCost) -> Tensor
}

/// SPRIG's choices (arXiv 2502.14264; no public code, so every default is stated here).
public struct SprigOptions: Sendable, Equatable {
    /// α_coop ∈ [0, 1]: the leader's weight on the attention cost against the policy term.
    public var cooperation: Float = 0.7
    /// λ_c ≥ 0: the attention cost's weight, in the leader's utility and the follower's loss.
    public var costWeight: Float = 1e-4
    public var attentionCost: AttentionCost = .gateL1
    /// The leader's policy term (see ``LeaderPolicyTerm`` for the default and why).
    public var leaderPolicyTerm: LeaderPolicyTerm = .clippedSurrogate
    /// The follower stage also steps θ on its loss (end-to-end PPO + λ_c·C_θ over θ and φ), so
    /// the paper's "λ_c·C_θ in the follower loss" acts; false steps φ alone (then that term is
    /// constant in what moves).
    public var followerReachesPerception = true
    /// The leader's and the follower's Adam learning rates (PPO's Atari 2.5e-4 for both; annealed
    /// with `anneal_lr`).
    public var leaderLearningRate: Float = 2.5e-4
    public var followerLearningRate: Float = 2.5e-4
    /// Log the cosine between the leader's step and PPO's own gradient in θ on every k-th leader
    /// step (one more backward pass each time: about 1/8 of SPRIG's update on every minibatch);
    /// 0 never.
    public var cosineInterval = 4

    public init() {}

    public func validate() throws {
        var checks = ConfigChecks()
        checks.require((0...1).contains(cooperation), "sprig.cooperation (α_coop) must be in [0, 1], got \(cooperation)")
        checks.require(costWeight >= 0 && costWeight.isFinite, "sprig.cost_weight (λ_c) must be ≥ 0, got \(costWeight)")
        for (key, rate) in [("sprig.leader_lr", leaderLearningRate), ("sprig.follower_lr", followerLearningRate)] {
            checks.require(rate > 0 && rate.isFinite, "\(key) must be positive, got \(rate)")
        }
        checks.require(cosineInterval >= 0, "sprig.cosine_interval must be ≥ 0 (0: never), got \(cosineInterval)")
        try checks.finish()
    }
}

public struct SprigSpec: CouplingSpec {
    public var options: SprigOptions
    public var name: String { "sprig" }
    public init(_ options: SprigOptions = SprigOptions()) { self.options = options }
    public func validate() throws { try options.validate() }
    public var leaderPart: ModelPart? { .encoder }
    public func make(_ parts: ModelParts, optimization: Optimization) throws -> Coupling {
        try Sprig(parts, options: options, optimization: optimization)
    }
}

/// SPRIG (arXiv 2502.14264): the perception module θ leads, the policy and value heads φ follow,
/// two stages per minibatch inside each PPO epoch, each with its own Adam, rate and clipping:
///
/// 1. leader: θ ← θ + step·∇_θ u_L, u_L = α_coop·(−λ_c·C_θ) + (1 − α_coop)·mean(log π_φ(a|s)·Â),
///    φ unchanged;
/// 2. follower: minimize PPO's loss (clipped surrogate + c_v·½·value loss − c_ent·entropy)
///    + λ_c·C_θ over φ, and over θ too with `followerReachesPerception` (the default).
///
/// The leader's gradient is its partial gradient: the paper describes no implicit term
/// ("Stackelberg" is the order of the stages and the leader's own utility).
/// Metrics: `attention_cost` (C_θ), `leader_utility` (u_L) and its two parts `leader_cost_term`
/// (α_coop·(−λ_c·C_θ)) and `leader_policy_term` ((1 − α_coop)·u_policy), `leader_gradient_cosine`
/// (cos between ∇_θ u_L and −∇_θ of PPO's loss, at the same θ, every `cosineInterval`-th update),
/// `follower_loss`, and both rates.
public final class Sprig: Coupling {
    public let name = "sprig"
    public let metricNames = ["attention_cost", "leader_utility", "leader_cost_term", "leader_policy_term",
                              "leader_gradient_cosine", "follower_loss", "leader_lr", "follower_lr"]
    public let options: SprigOptions
    public let leader: GroupOptimizer, follower: GroupOptimizer
    public var optimizers: [GroupOptimizer] { [leader, follower] }
    public let batchRoles: [BatchRole] = [.shared]
    /// ∇_θ of PPO's loss, for the cosine.
    private let ppoGradient: UnsafeMutablePointer<Float>
    private var slots = [UpdateMetrics.Slot]()

    public init(_ parts: ModelParts, options: SprigOptions, optimization o: Optimization) throws {
        guard parts.providesPerceptionLeader else {
            throw AgentError.badConfig("SPRIG needs a model whose perception module can lead (PPO with network.layout = attention); this one has \(parts.parts.map(\.part.rawValue).joined(separator: ", "))")
        }
        try options.validate()
        self.options = options
        let perception = try parts.parameters(of: .encoder), heads = try parts.parameters(of: .head)
        leader = try o.player("leader", perception, schedule: o.schedule(options.leaderLearningRate))
        follower = try o.player("follower", options.followerReachesPerception ? heads + perception : heads,
                                schedule: o.schedule(options.followerLearningRate))
        ppoGradient = .allocate(capacity: Swift.max(leader.group.count, 1))
        ppoGradient.initialize(repeating: 0, count: Swift.max(leader.group.count, 1))
    }

    deinit { ppoGradient.deallocate() }

    public func attach(to metrics: UpdateMetrics) { slots = metricNames.map(metrics.slot) }

    public var gamePlayers: (leader: ModelPart, follower: ModelPart)? { (.encoder, .head) }

    /// SPRIG's game: f₁ = −u_L over the perception θ, f₂ = PPO's loss + λ_c·C_θ over the heads φ
    /// (the follower's strategy is φ; that its stage may also step θ is how it plays, not whom).
    public func gameLosses(_ model: CoupledModel) -> (leader: Tensor, follower: Tensor) {
        let u = leaderUtility(model as! PerceptionLeaderModel)
        return (-(u.costTerm + u.policyTerm), model.jointObjective() + u.cost * options.costWeight)
    }

    /// C_θ and u_L's two parts, α_coop·(−λ_c·C_θ) and (1 − α_coop)·u_policy, on the prepared minibatch.
    private func leaderUtility(_ perception: PerceptionLeaderModel) -> (cost: Tensor, costTerm: Tensor, policyTerm: Tensor) {
        // Recorded in this order (C_θ, the policy term, the cost term): the order the update's graph has always had.
        let cost = perception.attentionCost(options.attentionCost)
        let policyTerm = perception.policyUtility(options.leaderPolicyTerm) * (1 - options.cooperation)
        return (cost, cost * (-options.cooperation * options.costWeight), policyTerm)
    }

    public func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws {
        let perception = model as! PerceptionLeaderModel   // checked when built
        let lambda = options.costWeight
        try model.prepare(.shared)

        // Leader stage: ascend u_L in θ (minimize −u_L).
        model.graph.reset()
        let (cost, costTerm, policyTerm) = leaderUtility(perception)
        let utility = costTerm + policyTerm
        let utilityValue = utility.scalarValue
        try requireFinite(utilityValue, player: "leader", context: context)
        metrics[slots[0]] = cost.scalarValue
        metrics[slots[1]] = utilityValue
        metrics[slots[2]] = costTerm.scalarValue
        metrics[slots[3]] = policyTerm.scalarValue
        let graph = model.graph
        graph.gradient(of: -utility, wrt: leader.group, into: leader.gradient)
        if options.cosineInterval > 0, leader.updates % options.cosineInterval == 0 {
            graph.gradient(of: model.jointObjective(), wrt: leader.group, into: ppoGradient)
            metrics[slots[4]] = cosine(leader.gradient, ppoGradient, leader.group.count)
        }
        try leader.stepChecked(player: "leader", context: context)

        // Follower stage, on the features of the stepped θ.
        model.graph.reset()
        var loss = model.jointObjective()
        if lambda > 0, options.followerReachesPerception { loss = loss + perception.attentionCost(options.attentionCost) * lambda }
        metrics[slots[5]] = try follower.stepChecked(minimizing: loss, player: "follower", context: context)
        metrics[slots[6]] = leader.learningRate
        metrics[slots[7]] = follower.learningRate
    }

    /// cos(a, b) of the two loss gradients ∇_θ(−u_L) and ∇_θ L_PPO, which is also the cosine of
    /// the two ascent directions. NaN when either is zero.
    private func cosine(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let (ab, aa, bb) = (dotD(a, b, n), dotD(a, a, n), dotD(b, b, n))
        return aa > 0 && bb > 0 ? Float(ab / (aa.squareRoot() * bb.squareRoot())) : .nan
    }
}
