import CMuJoCo
import Seeding

/// One of Gymnasium's MuJoCo tasks (v5): which model, how often MuJoCo steps per action, what is
/// observed, rewarded and when an episode ends. Properties hold Gymnasium's default arguments;
/// MuJoCo does the dynamics. Observations and rewards are computed in Double, as Gymnasium does in
/// float64, and rounded to Float only when stored.
public protocol MuJoCoTask: Sendable {
    /// The registry name is "mujoco/" + `name`.
    static var name: String { get }
    static var gymnasiumID: String { get }
    /// The MJCF file among the assets (see `MuJoCoAssets`).
    static var modelFile: String { get }
    static var observationSize: Int { get }
    /// Sizes of qpos and qvel in the model (checked when it is loaded): the state is qpos ++ qvel.
    static var coordinates: (nq: Int, nv: Int) { get }

    /// MuJoCo steps per action (Gymnasium's frame_skip).
    var frameSkip: Int { get }
    /// Steps after which an episode is truncated (Gymnasium's TimeLimit, max_episode_steps).
    var timeLimit: Int { get set }

    init()
    /// Looks up the bodies it reads, once the model is loaded.
    mutating func bind(to model: MuJoCoModel) throws
    /// Gymnasium's reset_model noise, drawn in Gymnasium's order: `qpos` and `qvel` hold the model's
    /// initial state on entry.
    func perturb(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                 using rng: inout SeededGenerator)
    func observe(_ state: MuJoCoState, into out: UnsafeMutablePointer<Float>)
    /// Reward and termination of the step just taken.
    func outcome(of step: MuJoCoTransition) -> (reward: Double, terminated: Bool)
}

extension MuJoCoTask {
    public mutating func bind(to model: MuJoCoModel) throws {}
}

/// One copy's simulation as a task reads it after a step or a reset: positions and velocities, and
/// the quantities MuJoCo derived during the last step (body and site positions, constraint forces),
/// which Gymnasium reads as they are left after mj_step and mj_rnePostConstraint.
public struct MuJoCoState {
    let data: UnsafeMutablePointer<mjData>
    public let nq: Int, nv: Int

    public var qpos: UnsafeMutablePointer<Double> { data.pointee.qpos }
    public var qvel: UnsafeMutablePointer<Double> { data.pointee.qvel }
    /// World position (x, y, z) of body `id`'s frame (Gymnasium's get_body_com reads this, xpos).
    public func bodyPosition(_ id: Int) -> UnsafeMutablePointer<Double> { data.pointee.xpos + 3 * id }
    public func sitePosition(_ id: Int) -> UnsafeMutablePointer<Double> { data.pointee.site_xpos + 3 * id }
    public var constraintForce: UnsafeMutablePointer<Double> { data.pointee.qfrc_constraint }
}

/// What a task needs to score a step: the state after it, the root x before it, the action as
/// given and the time one action spans.
public struct MuJoCoTransition {
    public let state: MuJoCoState
    public let xBefore: Double
    public let action: UnsafeBufferPointer<Float>
    /// timestep × frameSkip (Gymnasium's dt).
    public let dt: Double

    /// The root's x velocity over the step, (x after − x before) / dt: the locomotion tasks' reward.
    public var forwardVelocity: Double { (state.qpos[0] - xBefore) / dt }
}

/// Gymnasium's most common reset noise: uniform ±scale on every qpos, then on every qvel.
func addUniformNoise(qpos: UnsafeMutableBufferPointer<Double>, qvel: UnsafeMutableBufferPointer<Double>,
                     scale: Double, using rng: inout SeededGenerator) {
    for i in qpos.indices { qpos[i] += rng.uniform(-scale, scale) }
    for i in qvel.indices { qvel[i] += rng.uniform(-scale, scale) }
}

/// The locomotion observation: qpos from index `first` on (the root coordinates before it left
/// out), then qvel, clipped to ±`velocityBound` when given.
func observePositionsAndVelocities(_ s: MuJoCoState, from first: Int, velocityBound: Double? = nil,
                                   into out: UnsafeMutablePointer<Float>) {
    for i in first..<s.nq { out[i - first] = Float(s.qpos[i]) }
    let v = out + (s.nq - first)
    if let bound = velocityBound {
        for i in 0..<s.nv { v[i] = Float(clip(s.qvel[i], bound)) }
    } else {
        for i in 0..<s.nv { v[i] = Float(s.qvel[i]) }
    }
}

/// Strictly inside the open interval, as Gymnasium's healthy ranges are tested.
@inline(__always) func inside(_ x: Double, _ range: (Double, Double)) -> Bool { range.0 < x && x < range.1 }

/// weight · Σ aᵢ² the way Gymnasium evaluates it for a float32 action under NumPy 2: the squares and
/// their sum stay float32 (NumPy adds fewer than eight terms one after another, in order), and a
/// Python-float weight times a float32 scalar is float32 too. Doing this in Double would differ by
/// up to ~1e-7 relative to the cost; every task here has at most six actuators.
func float32ControlCost(_ action: UnsafeBufferPointer<Float>, weight: Double) -> Double {
    var sum: Float = 0
    for a in action { sum += a * a }
    return Double(Float(weight) * sum)
}

/// Clipping that keeps NaN (as NumPy's clip does), so a diverged state stays visible.
@inline(__always) func clip(_ x: Double, _ bound: Double) -> Double { x < -bound ? -bound : (x > bound ? bound : x) }
