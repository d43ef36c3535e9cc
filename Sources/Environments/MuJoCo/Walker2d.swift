import Seeding

/// Walker2d-v5 (walker2d_v5.xml, whose two feet have the same friction): a planar biped rewarded
/// for moving forward while healthy. Observation: qpos[1...] then qvel clipped to ±10. Reward:
/// forward velocity + 1 while healthy − 1e-3·Σa². Healthy means height z within (0.8, 2) and torso
/// angle within (−1, 1), both strict; unhealthy terminates.
public struct Walker2d: MuJoCoTask {
    public static let name = "walker2d"
    public static let gymnasiumID = "Walker2d-v5"
    public static let modelFile = "walker2d_v5.xml"
    public static let observationSize = 17
    public static let coordinates = (nq: 9, nv: 9)

    public var frameSkip = 4
    public var timeLimit = 1000
    public var forwardRewardWeight = 1.0
    public var controlCostWeight = 1e-3
    public var healthyReward = 1.0
    public var healthyZRange = (0.8, 2.0)
    public var healthyAngleRange = (-1.0, 1.0)
    public var resetNoiseScale = 5e-3

    public init() {}

    public func perturb(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                        using rng: inout SeededGenerator) {
        addUniformNoise(qpos: qpos, qvel: qvel, scale: resetNoiseScale, using: &rng)
    }

    public func observe(_ s: MuJoCoState, into out: UnsafeMutablePointer<Float>) {
        observePositionsAndVelocities(s, from: 1, velocityBound: 10, into: out)
    }

    public func outcome(of step: MuJoCoTransition) -> (reward: Double, terminated: Bool) {
        let healthy = inside(step.state.qpos[1], healthyZRange) && inside(step.state.qpos[2], healthyAngleRange)
        let forward = forwardRewardWeight * step.forwardVelocity
        let reward = (forward + (healthy ? healthyReward : 0)) - float32ControlCost(step.action, weight: controlCostWeight)
        return (reward, !healthy)
    }
}
