import Seeding

/// InvertedPendulum-v5: a cart (qpos[0]) balancing a hinged pole (qpos[1]). Observation: qpos then
/// qvel. Reward 1 for every step that does not terminate; terminates when |qpos[1]| > 0.2 or any
/// observed value is not finite.
public struct InvertedPendulum: MuJoCoTask {
    public static let name = "inverted_pendulum"
    public static let gymnasiumID = "InvertedPendulum-v5"
    public static let modelFile = "inverted_pendulum.xml"
    public static let observationSize = 4
    public static let coordinates = (nq: 2, nv: 2)

    public var frameSkip = 2
    public var timeLimit = 1000
    public var resetNoiseScale = 0.01

    public init() {}

    public func perturb(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                        using rng: inout SeededGenerator) {
        addUniformNoise(qpos: qpos, qvel: qvel, scale: resetNoiseScale, using: &rng)
    }

    public func observe(_ s: MuJoCoState, into out: UnsafeMutablePointer<Float>) {
        observePositionsAndVelocities(s, from: 0, into: out)
    }

    public func outcome(of step: MuJoCoTransition) -> (reward: Double, terminated: Bool) {
        let s = step.state
        var finite = true
        for i in 0..<s.nq where !s.qpos[i].isFinite { finite = false }
        for i in 0..<s.nv where !s.qvel[i].isFinite { finite = false }
        let terminated = !finite || abs(s.qpos[1]) > 0.2
        return (terminated ? 0 : 1, terminated)
    }
}
