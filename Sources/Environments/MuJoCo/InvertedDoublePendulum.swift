import Foundation
import Seeding

/// InvertedDoublePendulum-v5: a cart (qpos[0]) balancing two hinged poles (qpos[1], qpos[2]).
/// Observation: qpos[0], sin and cos of the two hinge angles, qvel clipped to ±10, and the first
/// constraint force clipped to ±10. With (x, y) the tip site's position after the step (its second
/// coordinate is height): terminates when y ≤ 1; reward 10 if not terminated, minus
/// 0.01·x² + (y − 2)², minus 1e-3·qvel[1]² + 5e-3·qvel[2]².
public struct InvertedDoublePendulum: MuJoCoTask {
    public static let name = "inverted_double_pendulum"
    public static let gymnasiumID = "InvertedDoublePendulum-v5"
    public static let modelFile = "inverted_double_pendulum.xml"
    public static let observationSize = 9
    public static let coordinates = (nq: 3, nv: 3)

    public var frameSkip = 5
    public var timeLimit = 1000
    public var healthyReward = 10.0
    public var resetNoiseScale = 0.1

    public init() {}

    public mutating func bind(to model: MuJoCoModel) throws {
        guard model.siteCount >= 1 else { throw EnvironmentError.modelUnavailable("\(model.path) has no site; the tip is expected as site 0") }
    }

    /// qpos uniform ±0.1, qvel normal with standard deviation 0.1.
    public func perturb(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                        using rng: inout SeededGenerator) {
        for i in qpos.indices { qpos[i] += rng.uniform(-resetNoiseScale, resetNoiseScale) }
        for i in qvel.indices { qvel[i] += rng.normal() * resetNoiseScale }
    }

    public func observe(_ s: MuJoCoState, into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(s.qpos[0])
        out[1] = Float(sin(s.qpos[1])); out[2] = Float(sin(s.qpos[2]))
        out[3] = Float(cos(s.qpos[1])); out[4] = Float(cos(s.qpos[2]))
        for i in 0..<3 { out[5 + i] = Float(clip(s.qvel[i], 10)) }
        out[8] = Float(clip(s.constraintForce[0], 10))
    }

    public func outcome(of step: MuJoCoTransition) -> (reward: Double, terminated: Bool) {
        // Site 0 is the tip ("tip" in the model); Gymnasium reads it by index.
        let tip = step.state.sitePosition(0)
        let (x, y) = (tip[0], tip[2])
        let terminated = y <= 1
        let (v1, v2) = (step.state.qvel[1], step.state.qvel[2])
        let distancePenalty = 0.01 * (x * x) + (y - 2) * (y - 2)
        let velocityPenalty = 1e-3 * (v1 * v1) + 5e-3 * (v2 * v2)
        return ((terminated ? 0 : healthyReward) - distancePenalty - velocityPenalty, terminated)
    }
}
