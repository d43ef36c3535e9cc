import Autodiff
import Neural
import Seeding

/// State value V(s): observations [B, observationSize] → [B] (rank 1, so that V − R is per sample;
/// a [B, 1] value minus a [B] return would broadcast to [B, B]). Defaults follow CleanRL's PPO critic:
/// two tanh layers of 64, output gain 1. Parameters are named "\(name).i.weight/bias".
/// Errors: `AgentError.badConfig` for non-positive sizes or widths.
public final class ValueCritic: TargetUpdatable {
    public let observationSize: Int
    public let network: FeedForwardNetwork
    public var parameters: [Parameter] { network.parameters }

    public init(observationSize: Int, hiddenWidths: [Int] = [64, 64], activation: Activation = .tanh,
                outputGain: Float = 1, name: String = "v", rng: inout SeededGenerator) throws {
        self.observationSize = observationSize
        network = try FeedForwardNetwork(inputs: observationSize, hiddenWidths: hiddenWidths, outputs: 1,
                                         activation: activation, outputGain: outputGain, name: name, rng: &rng)
    }

    /// V(s): [B].
    public func callAsFunction(_ observations: Tensor) -> Tensor {
        network(observations).reshaped(Shape(observations.shape[0]))
    }
}

/// Action value Q(s, a) of a continuous action, one network on concat(s, a) (DDPG/TD3/SAC critics,
/// as in CleanRL's `SoftQNetwork`/`QNetwork`): observations [B, observationSize] and actions
/// [B, actionSize] → [B]. Defaults: two ReLU layers of 256, output gain 1.
/// Errors: `AgentError.badConfig` for non-positive sizes or widths.
public final class ActionValueCritic: TargetUpdatable {
    public let observationSize: Int
    public let actionSize: Int
    public let network: FeedForwardNetwork
    public var parameters: [Parameter] { network.parameters }

    public init(observationSize: Int, actionSize: Int, hiddenWidths: [Int] = [256, 256], activation: Activation = .relu,
                outputGain: Float = 1, name: String = "q", rng: inout SeededGenerator) throws {
        guard observationSize > 0, actionSize > 0 else {
            throw AgentError.badConfig("\(name): observation and action sizes must be positive, got \(observationSize) and \(actionSize)")
        }
        self.observationSize = observationSize
        self.actionSize = actionSize
        network = try FeedForwardNetwork(inputs: observationSize + actionSize, hiddenWidths: hiddenWidths, outputs: 1,
                                         activation: activation, outputGain: outputGain, name: name, rng: &rng)
    }

    /// Q(s, a): [B].
    public func callAsFunction(_ observations: Tensor, _ actions: Tensor) -> Tensor {
        precondition(observations.shape.rank == 2 && actions.shape == Shape(observations.shape[0], actionSize),
                     "ActionValueCritic: actions \(actions.shape) must be [\(observations.shape[0]), \(actionSize)] for observations \(observations.shape)")
        return network(concat(observations, actions)).reshaped(Shape(observations.shape[0]))
    }
}

/// Two independent action-value critics Q₁, Q₂ (clipped double-Q learning: TD3, Fujimoto et al.
/// 2018, arXiv 1802.09477, eq. 10; SAC's two soft Q-functions, arXiv 1801.01290 §4.2 / 1812.05905).
/// The networks are initialized from one `rng` in turn, so they differ. Parameters are named
/// "\(name)1.…" and "\(name)2.…". Shapes as `ActionValueCritic`; every output is [B].
public final class TwinActionValueCritic: TargetUpdatable {
    public let first: ActionValueCritic
    public let second: ActionValueCritic
    /// Q₁'s then Q₂'s parameters (one optimizer for both, as CleanRL does).
    public let parameters: [Parameter]

    public init(observationSize: Int, actionSize: Int, hiddenWidths: [Int] = [256, 256], activation: Activation = .relu,
                outputGain: Float = 1, name: String = "q", rng: inout SeededGenerator) throws {
        first = try ActionValueCritic(observationSize: observationSize, actionSize: actionSize, hiddenWidths: hiddenWidths,
                                      activation: activation, outputGain: outputGain, name: "\(name)1", rng: &rng)
        second = try ActionValueCritic(observationSize: observationSize, actionSize: actionSize, hiddenWidths: hiddenWidths,
                                       activation: activation, outputGain: outputGain, name: "\(name)2", rng: &rng)
        parameters = first.parameters + second.parameters
    }

    /// (Q₁(s, a), Q₂(s, a)), each [B].
    public func callAsFunction(_ observations: Tensor, _ actions: Tensor) -> (Tensor, Tensor) {
        (first(observations, actions), second(observations, actions))
    }

    /// min(Q₁, Q₂) elementwise: [B] (the target and, in SAC, the actor's objective).
    public func minimum(_ observations: Tensor, _ actions: Tensor) -> Tensor {
        let (q1, q2) = self(observations, actions)
        return Autodiff.minimum(q1, q2)
    }
}
