import Autodiff
import Neural

/// One network, one optimizer, one loss: the baselines (DQN, PQN, PPO as published). The model's
/// joint objective is minimized over every parameter with the monolithic learning rate and schedule.
public struct MonolithicSpec: CouplingSpec {
    public var name: String { "monolithic" }
    public init() {}
    public func make(_ parts: ModelParts, optimization: Optimization) throws -> Coupling {
        try Monolithic(parts, optimization: optimization)
    }
}

/// Metrics: `loss` (the joint objective) and `lr`.
public final class Monolithic: Coupling {
    public let name = "monolithic"
    public let metricNames = ["loss", "lr"]
    public let batchRoles: [BatchRole] = [.shared]
    public let whole: GroupOptimizer
    public var optimizers: [GroupOptimizer] { [whole] }
    private var lossSlot = UpdateMetrics.Slot(index: 0), rateSlot = UpdateMetrics.Slot(index: 0)
    /// The player's name in error messages, formed once (a name past 15 bytes is heap-allocated).
    private let playerName: String

    public init(_ parts: ModelParts, optimization: Optimization) throws {
        whole = try optimization.player(parts.jointName, parts.all, schedule: optimization.schedule(optimization.learningRate))
        playerName = "\(parts.jointName) (joint)"
    }

    public func attach(to metrics: UpdateMetrics) {
        lossSlot = metrics.slot("loss"); rateSlot = metrics.slot("lr")
    }

    public func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws {
        try model.prepare(.shared)
        model.graph.reset()
        metrics[lossSlot] = try whole.stepChecked(minimizing: model.jointObjective(), player: playerName, context: context)
        metrics[rateSlot] = whole.learningRate
    }
}
