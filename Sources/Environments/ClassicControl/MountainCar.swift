import Foundation
import Seeding

/// MountainCar-v0 (Moore 1990) as Gymnasium defines it: force 0.001, gravity 0.0025, speed in
/// [−0.07, 0.07], position in [−1.2, 0.6], goal at 0.5, reward −1 per step, 200-step limit.
public struct MountainCar: ClassicDynamics {
    public static let name = "mountaincar"
    public static let gymnasiumID = "MountainCar-v0"
    public static let observationSpace = Space.box(low: [-1.2, -0.07], high: [0.6, 0.07])
    public static let actionSpace = Space.discrete(3)
    public static let timeLimit = 200
    public static let stateNames = ["position", "velocity"]

    var position = 0.0, velocity = 0.0

    public init() {}

    public mutating func reset(_ rng: inout SeededGenerator) {
        position = rng.uniform(-0.6, -0.4)
        velocity = 0
    }

    public mutating func step(_ action: UnsafePointer<Float>) -> (reward: Double, terminated: Bool) {
        let (minPosition, maxPosition, maxSpeed, goal, force, gravity) = (-1.2, 0.6, 0.07, 0.5, 0.001, 0.0025)
        velocity += (Double(action[0]) - 1) * force + cos(3 * position) * -gravity
        velocity = min(max(velocity, -maxSpeed), maxSpeed)
        position += velocity
        position = min(max(position, minPosition), maxPosition)
        if position == minPosition && velocity < 0 { velocity = 0 }
        return (-1, position >= goal && velocity >= 0)
    }

    public func observe(into out: UnsafeMutablePointer<Float>) { out[0] = Float(position); out[1] = Float(velocity) }

    public var state: [Double] {
        get { [position, velocity] }
        set { (position, velocity) = (newValue[0], newValue[1]) }
    }
}
