import Seeding

/// Swimmer-v5: a three-link swimmer in a viscous fluid rewarded for x velocity − 1e-4·Σa²; it never
/// terminates. Observation: qpos[2...] (the root x and y are left out) then qvel.
public struct Swimmer: MuJoCoTask {
    public static let name = "swimmer"
    public static let gymnasiumID = "Swimmer-v5"
    public static let modelFile = "swimmer.xml"
    public static let observationSize = 8
    public static let coordinates = (nq: 5, nv: 5)

    public var frameSkip = 4
    public var timeLimit = 1000
    public var forwardRewardWeight = 1.0
    public var controlCostWeight = 1e-4
    public var resetNoiseScale = 0.1

    public init() {}

    public func perturb(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                        using rng: inout SeededGenerator) {
        addUniformNoise(qpos: qpos, qvel: qvel, scale: resetNoiseScale, using: &rng)
    }

    public func observe(_ s: MuJoCoState, into out: UnsafeMutablePointer<Float>) {
        observePositionsAndVelocities(s, from: 2, into: out)
    }

    public func outcome(of step: MuJoCoTransition) -> (reward: Double, terminated: Bool) {
        let forward = forwardRewardWeight * step.forwardVelocity
        return (forward - float32ControlCost(step.action, weight: controlCostWeight), false)
    }
}
