import Autodiff
import Neural

/// Individual (simultaneous gradient) play: each player descends its own objective's gradient at
/// the same point, with its own optimizer and learning rate, and no implicit term. The leader's
/// name is nominal here (it decides only which learning rate is the leader's); it is the baseline
/// every Stackelberg coupling is compared with (STAC, arXiv 2109.12286, Sec. 3.1: "individual
/// gradient dynamics").
public struct IndividualSpec: CouplingSpec {
    public var leader: ModelPart?
    /// Follower steps per leader step, m ≥ 1: the first at the leader's point, the rest on
    /// minibatches of their own (`.follower(j)`), the leader held. The "critic unrolling" of
    /// AC with m ∈ {1, 80} (STAC, arXiv 2109.12286, Sec. 5) that STAC's unroll is compared with.
    public var unroll: Int
    public var name: String { "individual" }
    /// `leader` nil: the model's first part.
    public init(leader: ModelPart? = nil, unroll: Int = 1) {
        self.leader = leader
        self.unroll = unroll
    }
    public var leaderPart: ModelPart? { leader }
    public var batchRoles: [BatchRole] { [.shared] + (1..<Swift.max(unroll, 1)).map { BatchRole.follower($0) } }
    public func validate() throws {
        guard unroll >= 1 else { throw AgentError.badConfig("individual.unroll (m) must be ≥ 1, got \(unroll)") }
    }
    public func make(_ parts: ModelParts, optimization: Optimization) throws -> Coupling {
        try validate()
        return try Individual(parts, leader: leader ?? parts.parts[0].part, unroll: unroll, optimization: optimization)
    }
}

/// Metrics: `leader_loss`, `follower_loss`, `leader_lr`, `follower_lr` (the follower's loss is its
/// last step's).
public final class Individual: Coupling {
    public let name = "individual"
    public let metricNames = ["leader_loss", "follower_loss", "leader_lr", "follower_lr"]
    public let batchRoles: [BatchRole]
    public let leaderPart: ModelPart, followerPart: ModelPart
    public let leader: GroupOptimizer, follower: GroupOptimizer
    public var optimizers: [GroupOptimizer] { [leader, follower] }
    private var slots = [UpdateMetrics.Slot](repeating: .init(index: 0), count: 4)

    public init(_ parts: ModelParts, leader part: ModelPart, unroll: Int = 1, optimization o: Optimization) throws {
        leaderPart = part
        followerPart = try parts.other(than: part)
        batchRoles = IndividualSpec(leader: part, unroll: unroll).batchRoles
        leader = try o.player("leader", parts.parameters(of: part), schedule: o.schedule(o.leaderLearningRate))
        // The follower's rate follows the update count, not its own step count.
        follower = try o.player("follower", parts.parameters(of: followerPart),
                                schedule: o.schedule(o.followerLearningRate).stretched(by: Swift.max(unroll, 1)))
    }

    public func attach(to metrics: UpdateMetrics) { slots = metricNames.map(metrics.slot) }
    public var gamePlayers: (leader: ModelPart, follower: ModelPart)? { (leaderPart, followerPart) }

    public func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws {
        try model.prepare(.shared)
        let graph = model.graph
        graph.reset()
        // Both gradients at the same point, then both steps: simultaneous play.
        let f1 = model.objective(of: leaderPart, othersHeld: true)
        let f2 = model.objective(of: followerPart, othersHeld: true)
        try requireFinite(f1.scalarValue, player: "leader", context: context)
        try requireFinite(f2.scalarValue, player: "follower", context: context)
        graph.gradient(of: f1, wrt: leader.group, into: leader.gradient)
        graph.gradient(of: f2, wrt: follower.group, into: follower.gradient)
        metrics[slots[0]] = f1.scalarValue
        metrics[slots[1]] = f2.scalarValue
        try leader.stepChecked(player: "leader", context: context)
        try follower.stepChecked(player: "follower", context: context)
        for batch in batchRoles.dropFirst() {
            metrics[slots[1]] = try follower.stepHeld(followerPart, of: model, on: batch, player: "follower", context: context)
        }
        metrics[slots[2]] = leader.learningRate
        metrics[slots[3]] = follower.learningRate
    }
}
