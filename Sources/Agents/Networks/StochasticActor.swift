import Autodiff
import Environments
import Seeding

/// The actor of the on-policy agents (AC/STAC and PPO): a categorical policy for a discrete
/// space, a diagonal Gaussian with state-independent log σ for a box, whose draws are clipped to
/// the box when stepping while the unclipped draw is what the log-probability is of (SpinningUp,
/// CleanRL).
enum StochasticActor {
    case categorical(CategoricalPolicy)
    case gaussian(DiagonalGaussianPolicy, ActionBox)

    /// The policy for `space` on inputs of `inputs` features, named "actor".
    /// Errors: `AgentError.badConfig` for bad sizes or an unbounded box.
    init(space: Space, inputs: Int, hiddenWidths: [Int], initialLogStd: Float, rng: inout SeededGenerator) throws {
        switch space {
        case .discrete(let n):
            self = .categorical(try CategoricalPolicy(observationSize: inputs, actions: n, hiddenWidths: hiddenWidths, name: "actor", rng: &rng))
        case .box:
            let box = try ActionBox(space, owner: "actor")
            self = .gaussian(try DiagonalGaussianPolicy(observationSize: inputs, actionSize: box.size, hiddenWidths: hiddenWidths,
                                                        initialLogStd: initialLogStd, name: "actor", rng: &rng), box)
        }
    }

    var parameters: [Parameter] {
        switch self {
        case .categorical(let p): return p.parameters
        case .gaussian(let p, _): return p.parameters
        }
    }

    /// Numbers per action: 1 (discrete) or the box's dimension.
    var actionSize: Int {
        switch self {
        case .categorical: return 1
        case .gaussian(_, let box): return box.size
        }
    }

    /// Samples (or takes the mode / mean of) π for the rows of `x` into `out`; a box draw goes
    /// unclipped to `raw` (when given: the rollout's row, for the log-probability) and clipped to
    /// the box into `out`.
    func sample(_ x: Tensor, deterministic: Bool, raw: UnsafeMutablePointer<Float>?, into out: ActionBatch, rng: inout SeededGenerator) {
        let n = x.shape[0]
        switch self {
        case .categorical(let p):
            let logits = p.logits(x)
            if deterministic { p.deterministicAction(logits: logits, into: out.discrete) } else { p.sample(logits: logits, using: &rng, into: out.discrete) }
        case .gaussian(let p, let box):
            let d = p.distribution(x)
            let draw = raw ?? out.continuous
            if deterministic { d.deterministicAction(into: draw) } else { d.sample(using: &rng, into: draw) }
            let k = box.size
            for r in 0..<n {
                for j in 0..<k { out.continuous[r * k + j] = Swift.min(Swift.max(draw[r * k + j], box.low[j]), box.high[j]) }
            }
        }
    }
}
