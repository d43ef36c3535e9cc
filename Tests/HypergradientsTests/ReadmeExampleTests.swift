import Autodiff
import Hypergradients
import Neural
import Seeding
import XCTest

/// The actor–critic example of docs/core.md, verbatim apart from the data, so the documented API compiles
/// and does what the text says (the actor moves; the total derivative differs from the plain gradient).
final class ReadmeExampleTests: XCTestCase {
    func testReadmeActorCriticExample() throws {
        var data = SeededGenerator(seed: 42)
        let states = (0..<(256 * 11)).map { _ in Float(data.normal()) }
        let actions = (0..<(256 * 3)).map { _ in Float(data.uniform() * 2 - 1) }
        let rewards = (0..<256).map { _ in Float(data.normal()) }
        let nextStates = (0..<(256 * 11)).map { _ in Float(data.normal()) }

        var rng = SeededGenerator(seed: 0)
        let actor = MLP([11, 256, 256, 3], outputActivation: .tanh, name: "actor", rng: &rng)
        let critic = MLP([14, 256, 256, 1], name: "critic", rng: &rng)
        let total = TotalDerivative(leader: ParameterGroup("leader", actor.parameters),
                                    follower: ParameterGroup("follower", critic.parameters),
                                    solver: .conjugateGradient(iterations: 10), lambda: 0.1)
        let actorStep = GroupOptimizer(total.leader, optimizer: Adam(parameterCount: total.leader.count),
                                       schedule: .constant(3e-4), maxGradientNorm: 1)
        let graph = Graph()
        let before = total.leader.flatValues
        for _ in 0..<2 {
            graph.reset()
            let s = graph.constant(states, shape: [256, 11])
            let s2 = graph.constant(nextStates, shape: [256, 11])
let q = critic(concat(s, graph.constant(actions, shape: [256, 3])))
let target = graph.constant(rewards, shape: [256, 1]) + 0.99 * critic(concat(s2, actor(s2)))
let followerLoss = mean(square(q - target))      // depends on the actor through π(s′)
            let leaderLoss = -mean(critic(concat(s, actor(s))))
            try total.compute(leaderLoss: leaderLoss, followerLoss: followerLoss, into: actorStep.gradient)  // throws on stale losses
            actorStep.step()
        }
        XCTAssertNotEqual(total.leader.flatValues, before)
        // A ReLU critic's TD loss has an indefinite Hessian; at λ = 0.1 CG may meet negative
        // curvature, and then it stops early and says so instead of dividing by it.
        let solve = total.diagnostics.solve
        XCTAssertTrue(solve.products == 10 || solve.stoppedOnNegativeCurvature, "CG stopped after \(solve.products) products without a reason")
        // The critic's loss depends on the actor through π(s′), so the implicit correction is non-zero.
        XCTAssertGreaterThan(total.diagnostics.correctionNorm, 0)
    }
}
