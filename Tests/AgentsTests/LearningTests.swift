import Agents
import Autodiff
import Environments
import XCTest

/// Small seeded runs that fail if learning breaks: every DQN variant in both couplings must solve
/// CartPole-v1 in 100,000 steps (4 copies, `DQNConfig.classicControl()`): a greedy evaluation of 10
/// episodes, taken every 10,000 steps, must reach a mean return of 475 (the v1 threshold) at least
/// once (all eight reach 500). One seed each; the runs take a few seconds apiece.
final class LearningTests: XCTestCase {
    override func setUp() { BLAS.flushSubnormalsOnThisThread() }

    func bestEvaluation(_ variant: DQNVariant, _ coupling: Coupling, env name: String, seed: UInt64) throws -> [Double] {
        var c = DQNConfig.classicControl()
        c.variant = variant
        c.coupling = coupling
        let env = try EnvironmentRegistry.make(name, count: 4)
        let evalEnv = try EnvironmentRegistry.make(name, count: 10)
        let agent = try DQNAgent(config: c, environment: env, seed: seed)
        env.reset(seed: seed &* 10_000)
        var means = [Double]()
        while agent.environmentSteps < c.totalSteps {
            let before = agent.environmentSteps
            _ = try agent.iterate()
            if agent.environmentSteps / 10_000 != before / 10_000 {
                let r = try evaluateGreedy(agent, on: evalEnv, episodes: 10, seed: 77)
                means.append(r.reduce(0, +) / Double(r.count))
            }
        }
        return means
    }

    func testEveryVariantAndCouplingSolvesCartPole() throws {
        for variant in DQNVariant.allCases {
            for coupling in Coupling.allCases {
                let means = try bestEvaluation(variant, coupling, env: "cartpole", seed: 0)
                print("cartpole \(variant.rawValue) \(coupling.rawValue): greedy means \(means)")
                XCTAssertGreaterThanOrEqual(means.max() ?? 0, 475, "\(variant.rawValue) \(coupling.rawValue) did not solve CartPole: \(means)")
            }
        }
    }
}
