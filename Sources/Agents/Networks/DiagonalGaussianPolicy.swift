import Autodiff
import Foundation
import Neural
import Seeding

/// π(a|s) = N(a; μ(s), diag σ²) with σ = exp(log σ) a state-independent parameter: PPO's
/// continuous-action policy (CleanRL `ppo_continuous_action.py`: `actor_mean` network plus
/// `actor_logstd` initialized to zeros). Actions are unbounded; clip them to the environment's box
/// outside the policy, as CleanRL does, and keep the unclipped action for the log-probability.
///
/// Shapes: observations [B, observationSize]; means and actions [B, actionSize]; log σ [actionSize];
/// log-probabilities and entropies [B], in nats.
/// Errors: `AgentError.badConfig` for non-positive sizes or widths, or a non-finite initial log σ.
public final class DiagonalGaussianPolicy: TargetUpdatable {
    public let observationSize: Int
    public let actionSize: Int
    public let mean: FeedForwardNetwork
    /// log σ, one per action dimension, shared by all states; named "\(name).log_std".
    public let logStd: Parameter
    public let parameters: [Parameter]

    /// The distribution for a batch of states, as tensors of one graph step.
    public struct Distribution {
        /// μ [B, k].
        public let mean: Tensor
        /// log σ [k] (broadcast over the batch).
        public let logStd: Tensor

        /// μ [B, k] and log σ [k] of one graph (e.g. a stored old policy's, or one dimension's slice).
        public init(mean: Tensor, logStd: Tensor) {
            precondition(mean.shape.rank == 2 && logStd.shape == Shape(mean.shape[1]),
                         "DiagonalGaussianPolicy.Distribution: mean \(mean.shape) must be [B, k] and log σ \(logStd.shape) [k]")
            self.mean = mean
            self.logStd = logStd
        }

        /// log π(a|s) = −½ Σᵢ ((aᵢ − μᵢ)/σᵢ)² − Σᵢ log σᵢ − (k/2) log 2π per row: [B]. `actions` is [B, k].
        public func logProbability(_ actions: Tensor) -> Tensor {
            precondition(actions.shape == mean.shape,
                         "logProbability: actions \(actions.shape) must have the mean's shape \(mean.shape)")
            let k = mean.shape[1]
            let z = (actions - mean) * exp(-logStd)
            return sum(-0.5 * square(z) - logStd, axis: -1) - Float(k) * halfLog2Pi
        }

        /// H = Σᵢ (log σᵢ + ½ log 2πe) per row: [B] (the same value in every row).
        public func entropy() -> Tensor {
            let perDimension = logStd + Float(0.5 * (1 + Foundation.log(2 * Double.pi)))
            return sum(perDimension.broadcasted(to: mean.shape), axis: -1)
        }

        /// Writes μ + σ·ε, ε ~ N(0, I) from `rng.normal()` (Box–Muller), row-major into `actions`
        /// (B·k values). Allocation-free; the draws are not part of the graph.
        public func sample(using rng: inout SeededGenerator, into actions: UnsafeMutablePointer<Float>) {
            let k = mean.shape[1], n = mean.count, mu = mean.pointer, ls = logStd.pointer
            for i in 0..<n { actions[i] = mu[i] + Foundation.exp(ls[i % k]) * Float(rng.normal()) }
        }

        /// μ, row-major into `actions` (B·k values).
        public func deterministicAction(into actions: UnsafeMutablePointer<Float>) {
            actions.update(from: mean.pointer, count: mean.count)
        }
    }

    /// Defaults follow CleanRL: two tanh layers of 64, mean-head gain 0.01, log σ = 0.
    public init(observationSize: Int, actionSize: Int, hiddenWidths: [Int] = [64, 64], activation: Activation = .tanh,
                outputGain: Float = 0.01, initialLogStd: Float = 0, name: String = "policy",
                rng: inout SeededGenerator) throws {
        guard actionSize >= 1 else {
            throw AgentError.badConfig("\(name): the action size must be positive, got \(actionSize)")
        }
        guard initialLogStd.isFinite else {
            throw AgentError.badConfig("\(name): initialLogStd must be finite, got \(initialLogStd); 0 (σ = 1) is CleanRL's choice")
        }
        self.observationSize = observationSize
        self.actionSize = actionSize
        mean = try FeedForwardNetwork(inputs: observationSize, hiddenWidths: hiddenWidths, outputs: actionSize,
                                      activation: activation, outputGain: outputGain, name: "\(name).mean", rng: &rng)
        logStd = Parameter(name: "\(name).log_std", shape: Shape(actionSize), initialValue: initialLogStd)
        parameters = mean.parameters + [logStd]
    }

    /// The distribution for observations [B, observationSize].
    public func distribution(_ observations: Tensor) -> Distribution {
        Distribution(mean: mean(observations), logStd: observations.graph.parameter(logStd))
    }
}
