import Autodiff
import Foundation
import Neural
import Seeding

/// DDPG/TD3's deterministic actor μ(s) = tanh(net(s))·scale + bias, inside the box by construction
/// (Lillicrap et al. 2015, arXiv 1509.02971; Fujimoto et al. 2018, arXiv 1802.09477; CleanRL
/// `td3_continuous_action.py` / `ddpg_continuous_action.py`), scale = (high − low)/2 and
/// bias = (high + low)/2 (see `ActionBox`).
///
/// Exploration (`explore`) adds N(0, (noise·scaleᵢ)²) to each action dimension and then clips to
/// [low, high], as CleanRL does (its `exploration_noise` = 0.1 is `noise` here, in units of the
/// half-width of the box). TD3's target smoothing (`smoothedTargetAction`) clips the noise first.
///
/// Shapes: observations [B, observationSize] → actions [B, k]. Errors: `AgentError.badConfig` for
/// non-positive sizes or widths or a bad box.
public final class DeterministicPolicy: TargetUpdatable {
    public let observationSize: Int
    public let box: ActionBox
    public var actionSize: Int { box.size }
    public let network: FeedForwardNetwork
    public var parameters: [Parameter] { network.parameters }

    public init(observationSize: Int, box: ActionBox, hiddenWidths: [Int] = [256, 256], activation: Activation = .relu,
                outputGain: Float = 0.01, name: String = "actor", rng: inout SeededGenerator) throws {
        self.observationSize = observationSize
        self.box = box
        network = try FeedForwardNetwork(inputs: observationSize, hiddenWidths: hiddenWidths, outputs: box.size,
                                         activation: activation, outputGain: outputGain, name: name, rng: &rng)
    }

    /// μ(s): [B, k], differentiable (the deterministic action, also what the actor loss −Q(s, μ(s)) uses).
    public func callAsFunction(_ observations: Tensor) -> Tensor {
        let g = observations.graph
        return tanh(network(observations)) * g.constant(box.scale, shape: Shape(actionSize))
            + g.constant(box.bias, shape: Shape(actionSize))
    }

    /// clip(a + noise·scale·ε, low, high) for actions [B, k] (typically μ(s) of this step), ε ~ N(0, I)
    /// from `rng.normal()`, written row-major into `out` (B·k values). Allocation-free.
    public func explore(_ actions: Tensor, noise: Float, using rng: inout SeededGenerator, into out: UnsafeMutablePointer<Float>) {
        precondition(actions.shape.rank == 2 && actions.shape[1] == actionSize,
                     "explore: actions \(actions.shape) are not [batch, \(actionSize)]")
        let k = actionSize, a = actions.pointer
        for i in 0..<actions.count {
            let d = i % k
            let v = a[i] + noise * box.scale[d] * Float(rng.normal())
            out[i] = Swift.min(Swift.max(v, box.low[d]), box.high[d])
        }
    }

    /// TD3's target policy smoothing (Fujimoto et al. 2018, eq. 14):
    /// clip(μ(s′) + clip(noise·ε, −noiseClip, noiseClip)·scale, low, high): [B, k]. The noise is a
    /// constant; gradients flow into μ where the outer clip is inactive.
    public func smoothedTargetAction(_ observations: Tensor, noise: Float, noiseClip: Float,
                                     using rng: inout SeededGenerator) -> Tensor {
        let g = observations.graph, k = actionSize
        let mu = self(observations)
        let eps = g.constant(shape: mu.shape) { buffer in
            for i in 0..<buffer.count {
                let e = Swift.min(Swift.max(noise * Float(rng.normal()), -noiseClip), noiseClip)
                buffer[i] = e * box.scale[i % k]
            }
        }
        return minimum(maximum(mu + eps, g.constant(box.low, shape: Shape(k))), g.constant(box.high, shape: Shape(k)))
    }
}
