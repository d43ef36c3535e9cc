import Autodiff
import Neural

/// SCORER's choices, with the paper's as defaults and the alternatives its ablations and public
/// code use (SCORER, arXiv 2508.07452, Sec. 4; its public MinAtar code).
public struct ScorerOptions: Sendable, Equatable {
    public enum FollowerObjective: String, Sendable, CaseIterable {
        /// Var_j[δ_j]: the paper's follower.
        case variance
        /// mean δ_j²: the ablation.
        case msbe
    }
    public enum Order: String, Sendable, CaseIterable {
        /// φ_{k+1} first, then θ on φ_{k+1} (the paper's update rule).
        case followerFirst = "follower_first"
        /// θ first, then φ (the public code).
        case leaderFirst = "leader_first"
    }
    public enum Decay: String, Sendable, CaseIterable {
        /// Both rates linear to 0 over training, leader/follower fixed (the public code).
        case linear
        /// Both constant.
        case constant
        /// Polynomial decays with leader/follower → 0 (the two-timescale theory).
        case vanishingRatio = "vanishing_ratio"
    }

    public var followerObjective: FollowerObjective = .variance
    public var order: Order = .followerFirst
    public var decay: Decay = .linear
    /// Follower updates per leader update.
    public var followerSteps = 1
    /// Leader and follower draw their own minibatches (the paper); false shares one.
    public var separateBatches = true

    public init() {}

    /// The leader's and follower's learning-rate schedules for `decay` over `plannedUpdates`.
    public func schedules(leader a: Float, follower b: Float, plannedUpdates n: Int) -> TwoTimescaleSchedule {
        switch decay {
        case .linear: return .fixedRatioLinear(leader: a, follower: b, steps: n)
        case .constant: return TwoTimescaleSchedule(leader: .constant(a), follower: .constant(b))
        case .vanishingRatio: return .vanishingRatio(leader: a, follower: b, timescale: Float(Swift.max(1, n / 100)))
        }
    }

    public func validate() throws {
        guard followerSteps >= 1 else { throw AgentError.badConfig("scorer.follower_steps must be ≥ 1, got \(followerSteps)") }
    }
}

public struct ScorerSpec: CouplingSpec {
    public var options: ScorerOptions
    public var name: String { "scorer" }
    public init(_ options: ScorerOptions = ScorerOptions()) { self.options = options }
    public func validate() throws { try options.validate() }
    public var leaderPart: ModelPart? { .head }
    public var batchRoles: [BatchRole] { Scorer.plan(options).roles }
    public func make(_ parts: ModelParts, optimization: Optimization) throws -> Coupling {
        try Scorer(parts, options: options, optimization: optimization)
    }
}

/// SCORER: the encoder φ (perception) is the follower, the Q head θ (control) the leader, as a
/// Stackelberg game over the TD errors δ_j = Y_j − Q_θ(f_φ(s_j), a_j) with the targets Y_j fixed:
///
/// - follower (fast): minimizes Var_j[δ_j] (or mean δ_j², the ablation) with θ held;
/// - leader (slow): minimizes mean δ_j² on the features f_φ(s_j) held fixed.
///
/// Each update takes `followerSteps` follower steps and one leader step, in `order`, each on its
/// own minibatch when `separateBatches`. No implicit term: the leader's gradient is its partial
/// gradient (the two-timescale approximation of the Stackelberg gradient).
/// Needs a ``TDErrorModel`` (an encoder and a head). Metrics: `leader_loss`, `follower_loss`,
/// `leader_lr`, `follower_lr`.
public final class Scorer: Coupling {
    public let name = "scorer"
    public let metricNames = ["leader_loss", "follower_loss", "leader_lr", "follower_lr"]
    public let options: ScorerOptions
    public let leader: GroupOptimizer, follower: GroupOptimizer
    public var optimizers: [GroupOptimizer] { [leader, follower] }
    public let batchRoles: [BatchRole]
    /// The steps of one update: who steps, on which batch.
    private let plan: [(leads: Bool, batch: BatchRole)]
    private var slots = [UpdateMetrics.Slot](repeating: .init(index: 0), count: 4)

    public init(_ parts: ModelParts, options: ScorerOptions, optimization o: Optimization) throws {
        guard parts.providesTDErrors else {
            throw AgentError.badConfig("SCORER needs a value-based model with an encoder and a Q head (its players are the encoder and the head over TD errors); use another coupling")
        }
        try options.validate()
        self.options = options
        let schedules = options.schedules(leader: o.leaderLearningRate, follower: o.followerLearningRate, plannedUpdates: o.plannedUpdates)
        leader = try o.player("leader", parts.parameters(of: .head), schedule: schedules.leader)
        // The follower steps `followerSteps` times per update; its rate follows the update count.
        follower = try o.player("follower", parts.parameters(of: .encoder), schedule: schedules.follower.stretched(by: options.followerSteps))
        (plan, batchRoles) = Scorer.plan(options)
    }

    /// The steps of one update in order (who steps, on which batch) and the batches they use.
    static func plan(_ options: ScorerOptions) -> (steps: [(leads: Bool, batch: BatchRole)], roles: [BatchRole]) {
        let followers = (0..<options.followerSteps).map { (leads: false, batch: options.separateBatches ? BatchRole.follower($0) : .shared) }
        let leads = (leads: true, batch: options.separateBatches ? BatchRole.leader : .shared)
        let steps = options.order == .followerFirst ? followers + [leads] : [leads] + followers
        return (steps, options.separateBatches ? steps.map(\.batch) : [.shared])
    }

    public func attach(to metrics: UpdateMetrics) { slots = metricNames.map(metrics.slot) }

    public var gamePlayers: (leader: ModelPart, follower: ModelPart)? { (.head, .encoder) }

    /// SCORER's game: f₁ = mean δ² (the head's MSBE), f₂ = Var δ (or mean δ²), both on the features
    /// f_φ(s) as they are (nothing held, so the cross terms exist).
    public func gameLosses(_ model: CoupledModel) -> (leader: Tensor, follower: Tensor) {
        let delta = (model as! TDErrorModel).tdErrors(featuresHeld: false)
        return (mean(square(delta)), followerLoss(delta))
    }

    private func followerLoss(_ delta: Tensor) -> Tensor {
        options.followerObjective == .variance ? mean(square(delta - mean(delta))) : mean(square(delta))
    }

    public func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws {
        let values = model as! TDErrorModel   // checked when built: parts.providesTDErrors
        for (leads, batch) in plan {
            try model.prepare(batch)
            model.graph.reset()
            if leads {
                // θ on the MSBE with the features f_φ(s) held fixed.
                let loss = mean(square(values.tdErrors(featuresHeld: true)))
                metrics[slots[0]] = try leader.stepChecked(minimizing: loss, player: "leader", context: context)
            } else {
                // Only φ moves: the gradient is taken with respect to the encoder alone, θ stays.
                let loss = followerLoss(values.tdErrors(featuresHeld: false))
                metrics[slots[1]] = try follower.stepChecked(minimizing: loss, player: "follower", context: context)
            }
        }
        metrics[slots[2]] = leader.learningRate
        metrics[slots[3]] = follower.learningRate
    }
}
