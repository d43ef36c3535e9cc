import Seeding

/// The STAC toy actor–critic game as a one-step bandit (Zheng et al., arXiv 2109.12286, Sec. 3.2 and
/// App. A): every episode is one step, the observation is the constant [1], the action a is one
/// number and the reward is R(a) = −a²/5; the episode then terminates (never truncates).
///
/// The symbolic module's `stac` game is this bandit with a deterministic actor a = θ: the actor
/// maximizes J = E[Q_w(a)] = wθ and a linear critic Q_w(a) = w·a minimizes L = E[(Q_w(a) − R(a))²]
/// = (wθ + θ²/5)². A Gaussian actor a = θ + σε plays the σ-game of ``ACAgent``'s toy settings.
///
/// - Observation: Box(1) = [1] always. A constant 1, not an empty observation, because the agents'
///   networks need at least one input; with a linear policy without bias (`network.actor_widths = []`)
///   the mean is then exactly the one weight θ = θ·1.
/// - Action: Box(1) on [−2, 2]. Wider than the game's plotted θ ∈ [−1, 1] so that a Gaussian draw
///   θ + σε around the toy's paths (|θ| ≤ 1.01 from (0.8, 0.6)) is practically never clipped
///   (about 5σ of room for σ = 0.2): a clipped draw would make the reward −clip(a)²/5 while the
///   actor's log-probability and the critic see the unclipped a, and the expected game would no
///   longer be the polynomial the symbolic module analyses.
/// - Reward: −a²/5 (Float32, from a Double computation); `terminated` is true after every step.
public struct StacBandit: ClassicDynamics {
    public static let name = "toy/stac_bandit"
    /// Not a Gymnasium task: the reference names the paper.
    public static let gymnasiumID = "STAC toy game (arXiv 2109.12286, Sec. 3.2, App. A)"
    public static let observationSpace = Space.box(low: [1], high: [1])
    public static let actionSpace = Space.box(low: [-2], high: [2])
    /// Never reached: every step terminates.
    public static let timeLimit = 1
    /// Stateless: `env rollout --state` takes an empty list.
    public static let stateNames: [String] = []

    public init() {}

    public mutating func reset(_ rng: inout SeededGenerator) {}

    public mutating func step(_ action: UnsafePointer<Float>) -> (reward: Double, terminated: Bool) {
        let a = Double(action[0])
        return (0 - a * a / 5, true)   // 0 − …: a reward of +0, not −0, at a = 0
    }

    public func observe(into out: UnsafeMutablePointer<Float>) { out[0] = 1 }

    public var state: [Double] {
        get { [] }
        set {}
    }
}
