import Foundation
import Seeding

/// CartPole-v1 (Barto, Sutton & Anderson 1983) as Gymnasium defines it: Euler integration with
/// τ = 0.02, force ±10, termination at |x| > 2.4 or |θ| > 12°, reward 1 per step (the terminating step
/// included), truncation at 500 steps.
public struct CartPole: ClassicDynamics {
    public static let name = "cartpole"
    public static let gymnasiumID = "CartPole-v1"
    static let xThreshold = 2.4, thetaThreshold = 12 * 2 * Double.pi / 360
    public static let observationSpace = Space.box(
        low: [-4.8, -.greatestFiniteMagnitude, -Float(thetaThreshold * 2), -.greatestFiniteMagnitude],
        high: [4.8, .greatestFiniteMagnitude, Float(thetaThreshold * 2), .greatestFiniteMagnitude])
    public static let actionSpace = Space.discrete(2)
    public static let timeLimit = 500
    public static let stateNames = ["x", "x_dot", "theta", "theta_dot"]

    var x = 0.0, xDot = 0.0, theta = 0.0, thetaDot = 0.0

    public init() {}

    public mutating func reset(_ rng: inout SeededGenerator) {
        x = rng.uniform(-0.05, 0.05); xDot = rng.uniform(-0.05, 0.05)
        theta = rng.uniform(-0.05, 0.05); thetaDot = rng.uniform(-0.05, 0.05)
    }

    public mutating func step(_ action: UnsafePointer<Float>) -> (reward: Double, terminated: Bool) {
        let (gravity, massCart, massPole, length, forceMag, tau) = (9.8, 1.0, 0.1, 0.5, 10.0, 0.02)
        let totalMass = massPole + massCart, poleMassLength = massPole * length
        let force = action[0] == 1 ? forceMag : -forceMag
        let cosT = cos(theta), sinT = sin(theta)
        // Grouped as Gymnasium's `polemass_length * np.square(theta_dot) * sintheta` and
        // `masspole * np.square(costheta) / total_mass`, so that the products round the same way.
        let temp = (force + poleMassLength * (thetaDot * thetaDot) * sinT) / totalMass
        let thetaAcc = (gravity * sinT - cosT * temp) / (length * (4.0 / 3.0 - massPole * (cosT * cosT) / totalMass))
        let xAcc = temp - poleMassLength * thetaAcc * cosT / totalMass
        x = x + tau * xDot
        xDot = xDot + tau * xAcc
        theta = theta + tau * thetaDot
        thetaDot = thetaDot + tau * thetaAcc
        let done = x < -Self.xThreshold || x > Self.xThreshold || theta < -Self.thetaThreshold || theta > Self.thetaThreshold
        return (1, done)
    }

    public func observe(into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(x); out[1] = Float(xDot); out[2] = Float(theta); out[3] = Float(thetaDot)
    }

    public var state: [Double] {
        get { [x, xDot, theta, thetaDot] }
        set { (x, xDot, theta, thetaDot) = (newValue[0], newValue[1], newValue[2], newValue[3]) }
    }
}

extension SeededGenerator {
    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }
}
