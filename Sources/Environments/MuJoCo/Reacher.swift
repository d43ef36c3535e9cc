import Foundation
import Seeding

/// Reacher-v5: a two-joint arm whose fingertip should reach a target in the plane. The target's
/// position is the model's last two coordinates (qpos[2], qpos[3]). Observation: cos and sin of the
/// two joint angles, the target position, the joint velocities, and fingertip − target (x, y).
/// Reward, from the positions after the step: −‖fingertip − target‖ − Σa²; it never terminates and
/// episodes last 50 steps.
public struct Reacher: MuJoCoTask {
    public static let name = "reacher"
    public static let gymnasiumID = "Reacher-v5"
    public static let modelFile = "reacher.xml"
    public static let observationSize = 10
    public static let coordinates = (nq: 4, nv: 4)

    public var frameSkip = 2
    public var timeLimit = 50
    public var distanceRewardWeight = 1.0
    public var controlRewardWeight = 1.0
    var fingertip = 0, target = 0

    public init() {}

    public mutating func bind(to model: MuJoCoModel) throws {
        fingertip = try model.body("fingertip")
        target = try model.body("target")
    }

    /// Joint angles uniform ±0.1; the goal uniform in the square ±0.2, drawn again until it lies
    /// strictly inside the disc of radius 0.2; joint velocities uniform ±0.005, target at rest.
    public func perturb(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                        using rng: inout SeededGenerator) {
        for i in qpos.indices { qpos[i] += rng.uniform(-0.1, 0.1) }
        var goal: (Double, Double)
        repeat {
            goal = (rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2))
        } while !((goal.0 * goal.0 + goal.1 * goal.1).squareRoot() < 0.2)
        (qpos[qpos.count - 2], qpos[qpos.count - 1]) = goal
        for i in qvel.indices { qvel[i] += rng.uniform(-0.005, 0.005) }
        qvel[qvel.count - 2] = 0; qvel[qvel.count - 1] = 0
    }

    public func observe(_ s: MuJoCoState, into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(cos(s.qpos[0])); out[1] = Float(cos(s.qpos[1]))
        out[2] = Float(sin(s.qpos[0])); out[3] = Float(sin(s.qpos[1]))
        out[4] = Float(s.qpos[2]); out[5] = Float(s.qpos[3])
        out[6] = Float(s.qvel[0]); out[7] = Float(s.qvel[1])
        let f = s.bodyPosition(fingertip), t = s.bodyPosition(target)
        out[8] = Float(f[0] - t[0]); out[9] = Float(f[1] - t[1])
    }

    public func outcome(of step: MuJoCoTransition) -> (reward: Double, terminated: Bool) {
        let f = step.state.bodyPosition(fingertip), t = step.state.bodyPosition(target)
        let (dx, dy, dz) = (f[0] - t[0], f[1] - t[1], f[2] - t[2])
        let distance = (dx * dx + dy * dy + dz * dz).squareRoot()
        return (-distance * distanceRewardWeight - float32ControlCost(step.action, weight: controlRewardWeight), false)
    }
}
