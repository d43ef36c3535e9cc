import Foundation

/// A learning rate as a function of the update count k = 0, 1, 2, …
public enum Schedule: Sendable, Equatable {
    case constant(Float)
    /// Linear from `initial` to `final` over `steps` updates, then held at `final`.
    case linear(initial: Float, final: Float, steps: Int)
    /// initial · rate^(k / every).
    case exponential(initial: Float, rate: Float, every: Int = 1)
    /// initial / (1 + k/timescale)^exponent: the Robbins–Monro family that two-timescale
    /// analyses use (Σ steps = ∞ for exponent ≤ 1, Σ steps² < ∞ for exponent > ½).
    case polynomial(initial: Float, exponent: Float, timescale: Float = 1)

    public func learningRate(at k: Int) -> Float {
        switch self {
        case .constant(let lr): return lr
        case .linear(let a, let b, let n):
            guard n > 0 else { return b }
            let f = Float(Swift.min(k, n)) / Float(n)
            return (1 - f) * a + f * b   // exact at both ends
        case .exponential(let a, let r, let every):
            return a * Float(Foundation.pow(Double(r), Double(k / Swift.max(every, 1))))
        case .polynomial(let a, let p, let tau):
            return a / Float(Foundation.pow(1 + Double(k) / Double(tau), Double(p)))
        }
    }
}

extension Schedule {
    /// The same schedule for a player that steps `factor` times per update: a follower unrolled m
    /// steps per leader step reaches the same rate at the same update (linear steps, exponential
    /// period and polynomial timescale multiplied by `factor`; a constant is unchanged).
    public func stretched(by factor: Int) -> Schedule {
        guard factor > 1 else { return self }
        switch self {
        case .constant: return self
        case .linear(let a, let b, let n): return .linear(initial: a, final: b, steps: n * factor)
        case .exponential(let a, let r, let every): return .exponential(initial: a, rate: r, every: Swift.max(every, 1) * factor)
        case .polynomial(let a, let p, let tau): return .polynomial(initial: a, exponent: p, timescale: tau * Float(factor))
        }
    }
}

/// Leader and follower schedules chosen together. The two-timescale theory (Borkar 1997; the
/// SCORER and STAC analyses) asks that the leader be slower, with a_k/b_k → 0; public
/// implementations often keep a fixed ratio instead. Both are expressible; `ratioVanishes` says
/// which one a pair is.
public struct TwoTimescaleSchedule: Sendable, Equatable {
    public let leader: Schedule
    public let follower: Schedule

    public init(leader: Schedule, follower: Schedule) {
        self.leader = leader
        self.follower = follower
    }

    /// Leader lr a0/(1+k/τ)^p_leader, follower b0/(1+k/τ)^p_follower with p_leader > p_follower, so
    /// the ratio decays like k^−(p_leader − p_follower).
    public static func vanishingRatio(leader a0: Float, follower b0: Float, leaderExponent: Float = 1,
                                      followerExponent: Float = 0.6, timescale: Float = 1000) -> TwoTimescaleSchedule {
        precondition(leaderExponent > followerExponent,
                     "two-timescale: the leader's exponent (\(leaderExponent)) must exceed the follower's (\(followerExponent)) for the ratio to vanish")
        return TwoTimescaleSchedule(leader: .polynomial(initial: a0, exponent: leaderExponent, timescale: timescale),
                                    follower: .polynomial(initial: b0, exponent: followerExponent, timescale: timescale))
    }

    /// Both decay linearly to zero over `steps`, keeping leader/follower = a0/b0 (SCORER's public code).
    public static func fixedRatioLinear(leader a0: Float, follower b0: Float, steps: Int) -> TwoTimescaleSchedule {
        TwoTimescaleSchedule(leader: .linear(initial: a0, final: 0, steps: steps),
                             follower: .linear(initial: b0, final: 0, steps: steps))
    }

    public func ratio(at k: Int) -> Float { leader.learningRate(at: k) / follower.learningRate(at: k) }

    /// Whether a_k/b_k → 0 as k → ∞ (decided from the schedules' forms).
    public var ratioVanishes: Bool {
        switch (leader, follower) {
        case let (.polynomial(_, p, _), .polynomial(_, q, _)): return p > q
        case let (.polynomial(_, p, _), .constant): return p > 0
        case let (.exponential(_, r, e1), .exponential(_, s, e2)):
            return Foundation.pow(Double(r), 1 / Double(e1)) < Foundation.pow(Double(s), 1 / Double(e2))
        case let (.exponential(_, r, _), .constant), let (.exponential(_, r, _), .polynomial(_, _, _)): return r < 1
        default: return false
        }
    }
}
