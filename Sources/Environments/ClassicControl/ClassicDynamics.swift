import Seeding

/// One copy of a classic-control task with Gymnasium's dynamics. State is kept in Double, as
/// Gymnasium computes in float64 and casts observations to float32.
public protocol ClassicDynamics {
    static var name: String { get }
    static var gymnasiumID: String { get }
    static var observationSpace: Space { get }
    static var actionSpace: Space { get }
    /// Steps after which an episode is truncated (Gymnasium's TimeLimit).
    static var timeLimit: Int { get }
    /// Names of the state variables, in the order `state` uses.
    static var stateNames: [String] { get }

    init()
    mutating func reset(_ rng: inout SeededGenerator)
    /// One step; `action` is the discrete index as a Float, or the continuous vector.
    mutating func step(_ action: UnsafePointer<Float>) -> (reward: Double, terminated: Bool)
    func observe(into out: UnsafeMutablePointer<Float>)
    /// The full state (for setting up comparisons from given states).
    var state: [Double] { get set }
}
