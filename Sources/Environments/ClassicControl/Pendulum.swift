import Foundation
import Seeding

/// Pendulum-v1 as Gymnasium defines it: g = 10, m = l = 1, dt = 0.05, torque in [−2, 2], speed
/// clipped to [−8, 8], cost θ² + 0.1·θ̇² + 0.001·u² with θ normalized to [−π, π), 200-step limit, no
/// termination.
public struct Pendulum: ClassicDynamics {
    public static let name = "pendulum"
    public static let gymnasiumID = "Pendulum-v1"
    public static let observationSpace = Space.box(low: [-1, -1, -8], high: [1, 1, 8])
    public static let actionSpace = Space.box(low: [-2], high: [2])
    public static let timeLimit = 200
    public static let stateNames = ["theta", "theta_dot"]

    var theta = 0.0, thetaDot = 0.0

    public init() {}

    public mutating func reset(_ rng: inout SeededGenerator) {
        theta = rng.uniform(-Double.pi, Double.pi)
        thetaDot = rng.uniform(-1, 1)
    }

    public mutating func step(_ action: UnsafePointer<Float>) -> (reward: Double, terminated: Bool) {
        let (g, m, l, dt, maxSpeed, maxTorque) = (10.0, 1.0, 1.0, 0.05, 8.0, 2.0)
        // Gymnasium clips the torque inside the step; our wrapper has already refused or clipped it.
        let u = min(max(Double(action[0]), -maxTorque), maxTorque)
        let normalized = pythonModulo(theta + .pi, 2 * .pi) - .pi
        let cost = normalized * normalized + 0.1 * thetaDot * thetaDot + 0.001 * u * u
        var newThetaDot = thetaDot + (3 * g / (2 * l) * sin(theta) + 3.0 / (m * l * l) * u) * dt
        newThetaDot = min(max(newThetaDot, -maxSpeed), maxSpeed)
        theta = theta + newThetaDot * dt
        thetaDot = newThetaDot
        return (-cost, false)
    }

    public func observe(into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(cos(theta)); out[1] = Float(sin(theta)); out[2] = Float(thetaDot)
    }

    public var state: [Double] {
        get { [theta, thetaDot] }
        set { (theta, thetaDot) = (newValue[0], newValue[1]) }
    }
}

/// x mod m with the sign of m, as Python's % (which Gymnasium's angle normalization uses).
func pythonModulo(_ x: Double, _ m: Double) -> Double {
    let r = fmod(x, m)
    return r != 0 && (r < 0) != (m < 0) ? r + m : r
}
