import Autodiff

/// A network whose parameters can be overwritten from, or pulled towards, a twin of the same
/// architecture: the hard and Polyak (soft) target-network updates of DQN, DDPG, TD3 and SAC
/// (Lillicrap et al. 2015, arXiv 1509.02971, Alg. 1: θ′ ← τθ + (1 − τ)θ′).
///
/// Conformers expose `parameters` in a fixed order; two instances built with the same sizes list
/// the same shapes in the same order, which is what the updates rely on (checked, with a trap on
/// mismatch: pairing a network with a differently built one is a programming error).
public protocol TargetUpdatable: AnyObject {
    var parameters: [Parameter] { get }
}

extension TargetUpdatable {
    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Makes every parameter equal to `other`'s (a hard target update).
    public func copy(from other: Self) {
        let mine = parameters, theirs = other.parameters
        checkTwin(mine, theirs)
        for (p, q) in zip(mine, theirs) { p.value.update(from: q.value, count: p.count) }
    }

    /// p ← τ·other + (1 − τ)·p for every parameter, τ in [0, 1] (τ = 1 is `copy(from:)`).
    public func blend(towards other: Self, tau: Float) {
        precondition(tau >= 0 && tau <= 1, "blend(towards:tau:): tau must lie in [0, 1], got \(tau)")
        let mine = parameters, theirs = other.parameters
        checkTwin(mine, theirs)
        for (p, q) in zip(mine, theirs) {
            for i in 0..<p.count { p.value[i] = tau * q.value[i] + (1 - tau) * p.value[i] }
        }
    }

    private func checkTwin(_ a: [Parameter], _ b: [Parameter]) {
        precondition(a.count == b.count && zip(a, b).allSatisfy { $0.shape == $1.shape },
                     "target update between networks of different shapes: \(a.map(\.shape)) vs \(b.map(\.shape))")
    }
}
