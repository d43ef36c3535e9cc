import Seeding

/// HalfCheetah-v5: a planar two-legged runner rewarded for forward velocity − 0.1·Σa²; it never
/// terminates (episodes end by the time limit). Observation: qpos[1...] then qvel, unclipped.
/// Reset noise: uniform ±0.1 on qpos, normal with standard deviation 0.1 on qvel.
public struct HalfCheetah: MuJoCoTask {
    public static let name = "halfcheetah"
    public static let gymnasiumID = "HalfCheetah-v5"
    public static let modelFile = "half_cheetah.xml"
    public static let observationSize = 17
    public static let coordinates = (nq: 9, nv: 9)

    public var frameSkip = 5
    public var timeLimit = 1000
    public var forwardRewardWeight = 1.0
    public var controlCostWeight = 0.1
    public var resetNoiseScale = 0.1

    public init() {}

    public func perturb(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                        using rng: inout SeededGenerator) {
        for i in qpos.indices { qpos[i] += rng.uniform(-resetNoiseScale, resetNoiseScale) }
        for i in qvel.indices { qvel[i] += resetNoiseScale * rng.normal() }
    }

    public func observe(_ s: MuJoCoState, into out: UnsafeMutablePointer<Float>) {
        observePositionsAndVelocities(s, from: 1, into: out)
    }

    public func outcome(of step: MuJoCoTransition) -> (reward: Double, terminated: Bool) {
        let forward = forwardRewardWeight * step.forwardVelocity
        return (forward - float32ControlCost(step.action, weight: controlCostWeight), false)
    }
}
