import Foundation
import Seeding

/// Acrobot-v1 (Sutton 1996; Sutton & Barto's "book" dynamics) as Gymnasium defines it: torques
/// {−1, 0, 1}, one RK4 step of dt = 0.2, angles wrapped to [−π, π], speeds bounded by 4π and 9π,
/// termination when the tip rises one link above the pivot, reward −1 per step (0 on the terminating
/// step), 500-step limit.
public struct Acrobot: ClassicDynamics {
    public static let name = "acrobot"
    public static let gymnasiumID = "Acrobot-v1"
    static let maxVel1 = 4 * Double.pi, maxVel2 = 9 * Double.pi
    public static let observationSpace = Space.box(low: [-1, -1, -1, -1, -Float(maxVel1), -Float(maxVel2)],
                                                   high: [1, 1, 1, 1, Float(maxVel1), Float(maxVel2)])
    public static let actionSpace = Space.discrete(3)
    public static let timeLimit = 500
    public static let stateNames = ["theta1", "theta2", "theta1_dot", "theta2_dot"]

    var s = (0.0, 0.0, 0.0, 0.0)

    public init() {}

    public mutating func reset(_ rng: inout SeededGenerator) {
        s = (rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1))
    }

    typealias Vec = (Double, Double, Double, Double)

    /// Time derivative of (θ1, θ2, θ̇1, θ̇2) under torque a on the second joint.
    static func derivatives(_ y: Vec, _ a: Double) -> Vec {
        let (m1, m2, l1, lc1, lc2, i1, i2, g) = (1.0, 1.0, 1.0, 0.5, 0.5, 1.0, 1.0, 9.8)
        let (theta1, theta2, dtheta1, dtheta2) = y
        let d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos(theta2)) + i1 + i2
        let d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos(theta2)) + i2
        let phi2 = m2 * lc2 * g * cos(theta1 + theta2 - .pi / 2)
        let phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * sin(theta2) - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * cos(theta1 - .pi / 2) + phi2
        let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * sin(theta2) - phi2)
            / (m2 * lc2 * lc2 + i2 - d2 * d2 / d1)
        let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return (dtheta1, dtheta2, ddtheta1, ddtheta2)
    }

    public mutating func step(_ action: UnsafePointer<Float>) -> (reward: Double, terminated: Bool) {
        let torque = Double(action[0]) - 1, dt = 0.2
        func axpy(_ y: Vec, _ h: Double, _ k: Vec) -> Vec { (y.0 + h * k.0, y.1 + h * k.1, y.2 + h * k.2, y.3 + h * k.3) }
        let k1 = Self.derivatives(s, torque)
        let k2 = Self.derivatives(axpy(s, dt / 2, k1), torque)
        let k3 = Self.derivatives(axpy(s, dt / 2, k2), torque)
        let k4 = Self.derivatives(axpy(s, dt, k3), torque)
        // Gymnasium's rk4: y0 + dt/6·(k1 + 2k2 + 2k3 + k4), summed in that order.
        func combine(_ y: Double, _ a: Double, _ b: Double, _ c: Double, _ d: Double) -> Double { y + dt / 6.0 * (a + 2 * b + 2 * c + d) }
        let n = (combine(s.0, k1.0, k2.0, k3.0, k4.0), combine(s.1, k1.1, k2.1, k3.1, k4.1),
                 combine(s.2, k1.2, k2.2, k3.2, k4.2), combine(s.3, k1.3, k2.3, k3.3, k4.3))
        s = (wrap(n.0, -.pi, .pi), wrap(n.1, -.pi, .pi),
             min(max(n.2, -Self.maxVel1), Self.maxVel1), min(max(n.3, -Self.maxVel2), Self.maxVel2))
        let done = -cos(s.0) - cos(s.1 + s.0) > 1.0
        return (done ? 0 : -1, done)
    }

    func wrap(_ x: Double, _ lo: Double, _ hi: Double) -> Double {
        var x = x
        let diff = hi - lo
        while x > hi { x -= diff }
        while x < lo { x += diff }
        return x
    }

    public func observe(into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(cos(s.0)); out[1] = Float(sin(s.0)); out[2] = Float(cos(s.1)); out[3] = Float(sin(s.1))
        out[4] = Float(s.2); out[5] = Float(s.3)
    }

    public var state: [Double] {
        get { [s.0, s.1, s.2, s.3] }
        set { s = (newValue[0], newValue[1], newValue[2], newValue[3]) }
    }
}
