import Environments

/// A bounded continuous action space [low, high]ᵏ, with the affine map from [−1, 1]ᵏ onto it:
/// a = x·scale + bias, scale = (high − low)/2, bias = (high + low)/2 (the `action_scale` and
/// `action_bias` of CleanRL's SAC and TD3 actors).
///
/// Errors: `AgentError.badConfig` when the bounds are empty, of different lengths, not finite, or
/// not strictly increasing (low[i] < high[i]); tanh-squashed policies need a finite box.
public struct ActionBox: Sendable, Equatable {
    public let low: [Float]
    public let high: [Float]
    public let scale: [Float]
    public let bias: [Float]
    /// Number of action dimensions k.
    public var size: Int { low.count }

    /// `owner` names the network in error messages.
    public init(low: [Float], high: [Float], owner: String = "policy") throws {
        guard !low.isEmpty else {
            throw AgentError.badConfig("\(owner): the action box is empty (low = []); give at least one action dimension")
        }
        guard low.count == high.count else {
            throw AgentError.badConfig("\(owner): low has \(low.count) bounds but high has \(high.count); give one (low, high) pair per action dimension")
        }
        for i in 0..<low.count {
            guard low[i].isFinite, high[i].isFinite else {
                throw AgentError.badConfig("\(owner): action bound \(i) is [\(low[i]), \(high[i])], not finite; tanh-squashed actions need a finite box (rescale or clip the environment's actions)")
            }
            guard low[i] < high[i] else {
                throw AgentError.badConfig("\(owner): action bound \(i) has low \(low[i]) ≥ high \(high[i]); swap them or widen the box")
            }
        }
        self.low = low
        self.high = high
        scale = zip(low, high).map { ($1 - $0) / 2 }
        bias = zip(low, high).map { ($1 + $0) / 2 }
    }

    /// The fraction of the components of `actions` ([rows, k], each tanh(u)·scale + bias) whose
    /// squashing derivative 1 − tanh²(u) is below `threshold`: where the actor's gradient through the
    /// tanh has all but vanished. At the default 1e-3 a component is within 0.05% of its bound
    /// (|u| ≳ 4.1); in float32 the derivative is exactly 0 from |u| ≈ 9, and an actor whose every
    /// component is there gets no gradient at all (a logged 1.0 says it has stopped learning).
    public func saturatedFraction(_ actions: UnsafePointer<Float>, rows: Int, threshold: Float = 1e-3) -> Float {
        let k = size
        guard rows > 0 else { return .nan }
        var saturated = 0
        for r in 0..<rows {
            for i in 0..<k {
                let t = (actions[r * k + i] - bias[i]) / scale[i]
                if 1 - t * t < threshold { saturated += 1 }
            }
        }
        return Float(saturated) / Float(rows * k)
    }

    /// The box of a `Space.box`; a discrete space throws `badConfig`.
    public init(_ space: Space, owner: String = "policy") throws {
        guard case .box(let low, let high) = space else {
            throw AgentError.badConfig("\(owner): needs a continuous (Box) action space, got \(space); use CategoricalPolicy for discrete actions")
        }
        try self.init(low: low, high: high, owner: owner)
    }
}
