import Autodiff
import Foundation
import Neural
import Seeding

/// π(a|s) = softmax(logits(s))ₐ over `actions` discrete actions (PPO/A2C for discrete spaces; CleanRL
/// `ppo.py`: Categorical(logits=actor(x))).
///
/// Shapes: observations [B, observationSize] → logits [B, actions]; per-sample results
/// (log-probabilities, entropies) are rank-1 [B]. Log-probabilities are in nats.
/// Errors: `AgentError.badConfig` for non-positive sizes or widths.
public final class CategoricalPolicy: TargetUpdatable {
    public let observationSize: Int
    public let actions: Int
    public let network: FeedForwardNetwork
    public var parameters: [Parameter] { network.parameters }

    /// Defaults follow CleanRL's PPO actor: two tanh layers of 64, output gain 0.01 (near-uniform π).
    public init(observationSize: Int, actions: Int, hiddenWidths: [Int] = [64, 64], activation: Activation = .tanh,
                outputGain: Float = 0.01, name: String = "policy", rng: inout SeededGenerator) throws {
        guard actions >= 1 else {
            throw AgentError.badConfig("\(name): a categorical policy needs at least one action, got \(actions)")
        }
        self.observationSize = observationSize
        self.actions = actions
        network = try FeedForwardNetwork(inputs: observationSize, hiddenWidths: hiddenWidths, outputs: actions,
                                         activation: activation, outputGain: outputGain, name: name, rng: &rng)
    }

    /// Unnormalized log-probabilities [B, actions].
    public func logits(_ observations: Tensor) -> Tensor { network(observations) }

    /// log π(aᵢ|sᵢ) = logitsᵢ[aᵢ] − log Σⱼ exp logitsᵢⱼ: [B]. `actions` is an index tensor [B]
    /// (`graph.indices`).
    public func logProbability(logits: Tensor, actions: Tensor) -> Tensor {
        precondition(logits.shape.rank == 2 && actions.shape == Shape(logits.shape[0]),
                     "logProbability: actions \(actions.shape) must be [\(logits.shape[0])] for logits \(logits.shape)")
        return gather(logSoftmax(logits), actions)
    }

    /// H(π(·|sᵢ)) = −Σⱼ πᵢⱼ log πᵢⱼ: [B], in nats.
    public func entropy(logits: Tensor) -> Tensor {
        precondition(logits.shape.rank == 2, "entropy: logits \(logits.shape) are not [batch, actions]")
        let logP = logSoftmax(logits)
        return -sum(exp(logP) * logP, axis: -1)
    }

    /// Draws aᵢ ~ π(·|sᵢ) for each row of `logits` into `actions` (B values), by inverting the CDF
    /// with one `rng.uniform()` per row; computed in Double, allocation-free.
    public func sample(logits: Tensor, using rng: inout SeededGenerator, into actions: UnsafeMutablePointer<Int32>) {
        precondition(logits.shape.rank == 2, "sample: logits \(logits.shape) are not [batch, actions]")
        let rows = logits.shape[0], n = logits.shape[1], p = logits.pointer
        for r in 0..<rows {
            let row = p + r * n
            var m = -Float.infinity
            for j in 0..<n where row[j] > m { m = row[j] }
            var total = 0.0
            for j in 0..<n { total += Foundation.exp(Double(row[j] - m)) }
            let target = rng.uniform() * total
            var cumulative = 0.0, chosen = n - 1
            for j in 0..<n {
                cumulative += Foundation.exp(Double(row[j] - m))
                if target < cumulative { chosen = j; break }
            }
            actions[r] = Int32(chosen)
        }
    }

    /// The most probable action per row (the first on ties) into `actions` (B values).
    public func deterministicAction(logits: Tensor, into actions: UnsafeMutablePointer<Int32>) {
        precondition(logits.shape.rank == 2, "deterministicAction: logits \(logits.shape) are not [batch, actions]")
        let rows = logits.shape[0], n = logits.shape[1], p = logits.pointer
        for r in 0..<rows {
            let row = p + r * n
            var best = 0
            for j in 1..<n where row[j] > row[best] { best = j }
            actions[r] = Int32(best)
        }
    }
}
