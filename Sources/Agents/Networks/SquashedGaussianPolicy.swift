import Autodiff
import Foundation
import Neural
import Seeding

/// SAC's tanh-squashed Gaussian policy (Haarnoja et al. 2018, arXiv 1801.01290, App. C; CleanRL
/// `sac_continuous_action.py`). One network maps observations to 2k outputs: μ (the first k) and a
/// raw log σ (the last k), which is bounded smoothly as CleanRL does:
///
///     log σ = logStdMin + ½ (logStdMax − logStdMin) (tanh(raw) + 1),  default range [−5, 2].
///
/// A sample is u = μ + σ·ε with ε ~ N(0, I) a graph *constant*, so u, the action and its log-density
/// are differentiable in the parameters (the reparameterization trick). The action is
/// a = tanh(u)·scale + bias with scale = (high − low)/2 and bias = (high + low)/2 (see `ActionBox`),
/// and by the change of variables (App. C eq. 21, with the affine map added):
///
///     log π(a|s) = Σᵢ [ log N(uᵢ; μᵢ, σᵢ) − log scaleᵢ − log(1 − tanh²(uᵢ)) ],
///     log(1 − tanh² u) = 2 (log 2 − u − softplus(−2u))   (exact, stable for any |u|).
///
/// The 1e-6 that CleanRL and Stable-Baselines3 add inside the log, log(scale·(1 − tanh² u) + 1e-6),
/// is NOT included: this is the exact density of the squashed distribution (it integrates to 1
/// over the box), and the stable form needs no guard against log 0. The two agree to within about
/// 1e-6/(scale·(1 − tanh² u)) per dimension, i.e. they differ only where |u| is large (≳ 5).
///
/// Shapes: observations [B, observationSize]; μ, log σ, ε, actions [B, k]; log-probabilities [B]
/// (nats). Errors: `AgentError.badConfig` for non-positive sizes or widths, a bad box (see
/// `ActionBox`) or a log σ range that is not finite and increasing.
public final class SquashedGaussianPolicy: TargetUpdatable {
    /// How the network's raw log σ is kept within [logStdMin, logStdMax].
    public enum LogStdBound: String, Sendable, CaseIterable {
        /// logStdMin + ½(logStdMax − logStdMin)(tanh(raw) + 1): smooth, CleanRL's (with [−5, 2]).
        case smooth
        /// clamp(raw, logStdMin, logStdMax): SpinningUp's and the STAC code's (with [−20, 2]); a fresh
        /// network starts near σ = 1, where the smooth map over [−20, 2] would start near σ = e⁻⁹.
        case clamp
    }
    public let observationSize: Int
    public let box: ActionBox
    public var actionSize: Int { box.size }
    public let logStdMin: Float
    public let logStdMax: Float
    public let logStdBound: LogStdBound
    /// Outputs [B, 2k]: μ then the raw (unbounded) log σ.
    public let network: FeedForwardNetwork
    public var parameters: [Parameter] { network.parameters }
    /// Σᵢ log scaleᵢ, the affine part of the change of variables.
    private let logScaleSum: Float

    /// Defaults follow CleanRL's SAC actor (two ReLU layers of 256); initialization is orthogonal
    /// (√2 hidden, `outputGain` on the μ/log σ layer) rather than PyTorch's default.
    public init(observationSize: Int, box: ActionBox, hiddenWidths: [Int] = [256, 256], activation: Activation = .relu,
                outputGain: Float = 0.01, logStdMin: Float = -5, logStdMax: Float = 2, logStdBound: LogStdBound = .smooth,
                name: String = "actor", rng: inout SeededGenerator) throws {
        guard logStdMin.isFinite, logStdMax.isFinite, logStdMin < logStdMax else {
            throw AgentError.badConfig("\(name): the log σ range [\(logStdMin), \(logStdMax)] must be finite and increasing; CleanRL uses [−5, 2]")
        }
        self.observationSize = observationSize
        self.box = box
        self.logStdMin = logStdMin
        self.logStdMax = logStdMax
        self.logStdBound = logStdBound
        network = try FeedForwardNetwork(inputs: observationSize, hiddenWidths: hiddenWidths, outputs: 2 * box.size,
                                         activation: activation, outputGain: outputGain, name: name, rng: &rng)
        logScaleSum = Float(box.scale.reduce(0.0) { $0 + Foundation.log(Double($1)) })
    }

    /// μ [B, k] and the bounded log σ [B, k].
    public func meanAndLogStd(_ observations: Tensor) -> (mean: Tensor, logStd: Tensor) {
        let out = network(observations), k = actionSize
        let raw = slice(out, lastAxis: k, length: k)
        let logStd = logStdBound == .smooth ? logStdMin + (0.5 * (logStdMax - logStdMin)) * (tanh(raw) + 1)
            : clamp(raw, logStdMin, logStdMax)
        return (slice(out, lastAxis: 0, length: k), logStd)
    }

    /// A reparameterized sample with ε drawn from `rng.normal()` (row-major, B·k draws).
    public func sample(_ observations: Tensor, using rng: inout SeededGenerator) -> (action: Tensor, logProbability: Tensor) {
        let shape = Shape(observations.shape[0], actionSize)
        let noise = observations.graph.constant(shape: shape) { buffer in
            for i in 0..<buffer.count { buffer[i] = Float(rng.normal()) }
        }
        return sample(observations, noise: noise)
    }

    /// The sample for given standard-normal noise ε [B, k] (a constant): action [B, k] and its
    /// log-probability [B], both differentiable in the parameters.
    public func sample(_ observations: Tensor, noise: Tensor) -> (action: Tensor, logProbability: Tensor) {
        let (mu, logStd) = meanAndLogStd(observations)
        precondition(noise.shape == mu.shape, "sample: noise \(noise.shape) must be [batch, \(actionSize)] = \(mu.shape)")
        let u = mu + exp(logStd) * noise
        // log N(u; μ, σ) with (u − μ)/σ = ε exactly: no cancellation in u − μ.
        let gaussian = sum(-0.5 * square(noise) - logStd, axis: -1) - Float(actionSize) * halfLog2Pi
        let jacobian = sum(Self.logOneMinusTanhSquared(u), axis: -1) + logScaleSum
        return (squash(tanh(u)), gaussian - jacobian)
    }

    /// log π(a|s) for given actions [B, k] strictly inside the box: [B]. Inverts the squashing,
    /// x = (a − bias)/scale, u = atanh x = ½(log(1 + x) − log(1 − x)), and uses
    /// log(1 − tanh² u) = log(1 + x) + log(1 − x). Actions on the boundary give −∞ (or NaN).
    /// Ill-conditioned near the edge: a Float action keeps few bits of 1 − |x| (|x| > 0.99 already
    /// costs about 1e-3 in log π, more when σ is small), so for a policy's own samples use the
    /// log-probability that `sample` returns, which is computed from u.
    public func logProbability(_ observations: Tensor, actions: Tensor) -> Tensor {
        let (mu, logStd) = meanAndLogStd(observations)
        precondition(actions.shape == mu.shape, "logProbability: actions \(actions.shape) must be \(mu.shape)")
        let g = actions.graph
        let x = (actions - g.constant(box.bias, shape: Shape(actionSize))) / g.constant(box.scale, shape: Shape(actionSize))
        let logPlus = log(1 + x), logMinus = log(1 - x)
        let z = (0.5 * (logPlus - logMinus) - mu) * exp(-logStd)
        let gaussian = sum(-0.5 * square(z) - logStd, axis: -1) - Float(actionSize) * halfLog2Pi
        return gaussian - (sum(logPlus + logMinus, axis: -1) + logScaleSum)
    }

    /// tanh(μ)·scale + bias: [B, k], inside the box.
    public func deterministicAction(_ observations: Tensor) -> Tensor {
        squash(tanh(meanAndLogStd(observations).mean))
    }

    /// log(1 − tanh² u) = 2(log 2 − u − softplus(−2u)), with softplus(y) = max(y, 0) + log(1 + e^−|y|)
    /// so that nothing overflows for large |u|.
    static func logOneMinusTanhSquared(_ u: Tensor) -> Tensor {
        let y = -2 * u
        let softplus = relu(y) + log(1 + exp(-abs(y)))
        return 2 * (Float(M_LN2) - u - softplus)
    }

    private func squash(_ t: Tensor) -> Tensor {
        let g = t.graph
        return t * g.constant(box.scale, shape: Shape(actionSize)) + g.constant(box.bias, shape: Shape(actionSize))
    }
}

/// ½ log 2π.
let halfLog2Pi = Float(0.5 * Foundation.log(2 * Double.pi))
