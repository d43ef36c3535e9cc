import Seeding

/// Hopper-v5: a one-legged planar hopper rewarded for moving forward (+x) while staying healthy.
/// Observation: qpos[1...] (the root x is left out) then qvel clipped to ±10. Reward: forward
/// velocity + 1 while healthy − 1e-3·Σa². Healthy means qpos[2...] and qvel within (−100, 100),
/// height z > 0.7 and torso angle within (−0.2, 0.2), all strict; unhealthy terminates.
public struct Hopper: MuJoCoTask {
    public static let name = "hopper"
    public static let gymnasiumID = "Hopper-v5"
    public static let modelFile = "hopper.xml"
    public static let observationSize = 11
    public static let coordinates = (nq: 6, nv: 6)

    public var frameSkip = 4
    public var timeLimit = 1000
    public var forwardRewardWeight = 1.0
    public var controlCostWeight = 1e-3
    public var healthyReward = 1.0
    public var healthyStateRange = (-100.0, 100.0)
    public var healthyZRange = (0.7, Double.infinity)
    public var healthyAngleRange = (-0.2, 0.2)
    public var resetNoiseScale = 5e-3

    public init() {}

    public func perturb(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                        using rng: inout SeededGenerator) {
        addUniformNoise(qpos: qpos, qvel: qvel, scale: resetNoiseScale, using: &rng)
    }

    public func observe(_ s: MuJoCoState, into out: UnsafeMutablePointer<Float>) {
        observePositionsAndVelocities(s, from: 1, velocityBound: 10, into: out)
    }

    func isHealthy(_ s: MuJoCoState) -> Bool {
        for i in 2..<s.nq where !inside(s.qpos[i], healthyStateRange) { return false }
        for i in 0..<s.nv where !inside(s.qvel[i], healthyStateRange) { return false }
        return inside(s.qpos[1], healthyZRange) && inside(s.qpos[2], healthyAngleRange)
    }

    public func outcome(of step: MuJoCoTransition) -> (reward: Double, terminated: Bool) {
        let healthy = isHealthy(step.state)
        let forward = forwardRewardWeight * step.forwardVelocity
        let reward = (forward + (healthy ? healthyReward : 0)) - float32ControlCost(step.action, weight: controlCostWeight)
        return (reward, !healthy)
    }
}
