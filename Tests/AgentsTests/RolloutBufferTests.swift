import Agents
import Environments
import Seeding
import XCTest

final class RolloutBufferTests: XCTestCase {
    /// Writes per-copy columns (`columns[i][t]`) into a [T·N] array, row k = t·N + i.
    private func fill(_ p: UnsafeMutablePointer<Float>, _ columns: [[Float]]) {
        for (i, column) in columns.enumerated() {
            for (t, v) in column.enumerated() { p[t * columns.count + i] = v }
        }
    }

    private func assertColumn(_ p: UnsafeMutablePointer<Float>, copy i: Int, copies n: Int, _ expected: [Double],
                              _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for (t, e) in expected.enumerated() {
            XCTAssertEqual(Double(p[t * n + i]), e, accuracy: 1e-5, "\(what), copy \(i), step \(t)", file: file, line: line)
        }
    }

    /// T = 5, N = 2, γ = 0.9, λ = 0.8, so γλ = 0.72.
    /// Copy 0 terminates at t = 2 and runs on to the end (bootstrapping from lastValues[0] = 3).
    /// Copy 1 is truncated at t = 1 (V(final observation) = 4) and terminates at t = 4, the last
    /// step, so lastValues[1] = 9 (the new episode's first observation) must not be used.
    func testGAEWithTerminationAndTruncationUnderBothRules() throws {
        let b = try RolloutBuffer(steps: 5, copies: 2, observationSize: 1, actionSpace: .discrete(2))
        fill(b.rewards, [[1, 0, 2, 1, 1], [0, 1, 1, 0, 2]])
        fill(b.values, [[0.5, 1.0, 1.5, 2.0, 2.5], [1.0, 2.0, 0.5, 1.5, 0.8]])
        fill(b.terminated, [[0, 0, 1, 0, 0], [0, 0, 0, 0, 1]])
        fill(b.truncated, [[0, 0, 0, 0, 0], [0, 1, 0, 0, 0]])
        // finalValues is only written at truncations; NaN elsewhere shows that nothing else reads it.
        for k in 0..<b.rows { b.finalValues[k] = .nan }
        b.finalValues[1 * 2 + 1] = 4
        let last: [Float] = [3, 9]
        let (g, gl) = (0.9, 0.9 * 0.8)

        // Copy 0, the same under both rules (no truncation).
        let d0 = [1 + g * 1.0 - 0.5,   // 1.4
                  0 + g * 1.5 - 1.0,   // 0.35
                  2 + 0 - 1.5,         // 0.5: terminated, no bootstrap
                  1 + g * 2.5 - 2.0,   // 1.25
                  1 + g * 3.0 - 2.5]   // 1.2: bootstraps from lastValues[0]
        let a0_4 = d0[4]               // 1.2
        let a0_3 = d0[3] + gl * a0_4   // 2.114
        let a0_2 = d0[2]               // 0.5: the episode ends here, nothing from t = 3 flows back
        let a0_1 = d0[1] + gl * a0_2   // 0.71
        let a0_0 = d0[0] + gl * a0_1   // 1.9112
        let a0 = [a0_0, a0_1, a0_2, a0_3, a0_4]

        // Copy 1 under .bootstrap.
        let d1 = [0 + g * 2.0 - 1.0,   // 0.8
                  1 + g * 4.0 - 2.0,   // 2.6: truncated, bootstraps from V(final observation) = 4
                  1 + g * 1.5 - 0.5,   // 1.85
                  0 + g * 0.8 - 1.5,   // -0.78
                  2 + 0 - 0.8]         // 1.2: terminated at the last step, lastValues[1] unused
        let a1_4 = d1[4]               // 1.2
        let a1_3 = d1[3] + gl * a1_4   // 0.084
        let a1_2 = d1[2] + gl * a1_3   // 1.91048
        let a1_1 = d1[1]               // 2.6: cut at the truncation
        let a1_0 = d1[0] + gl * a1_1   // 2.672
        let a1 = [a1_0, a1_1, a1_2, a1_3, a1_4]

        last.withUnsafeBufferPointer { b.computeAdvantages(gamma: 0.9, lambda: 0.8, lastValues: $0.baseAddress!, rule: .bootstrap) }
        assertColumn(b.advantages, copy: 0, copies: 2, a0, "advantage (bootstrap)")
        assertColumn(b.advantages, copy: 1, copies: 2, a1, "advantage (bootstrap)")
        for k in 0..<b.rows { XCTAssertEqual(b.returns[k], b.advantages[k] + b.values[k]) }

        // Copy 1 under .noBootstrap: the truncation at t = 1 counts as a termination.
        let d1n1 = 1 - 2.0             // -1.0
        let a1n = [d1[0] + gl * d1n1,  // 0.08
                   d1n1, a1_2, a1_3, a1_4]
        b.finalValues[1 * 2 + 1] = .nan   // must not be read under this rule
        last.withUnsafeBufferPointer { b.computeAdvantages(gamma: 0.9, lambda: 0.8, lastValues: $0.baseAddress!, rule: .noBootstrap) }
        assertColumn(b.advantages, copy: 0, copies: 2, a0, "advantage (no bootstrap)")
        assertColumn(b.advantages, copy: 1, copies: 2, a1n, "advantage (no bootstrap)")
        for k in 0..<b.rows { XCTAssertEqual(b.returns[k], b.advantages[k] + b.values[k]) }
    }

    /// T = 4, N = 2, γ = 0.9. Copy 0 never ends; copy 1 is truncated at t = 1 (nextValues holds
    /// the final observation's value, 6) and terminates at t = 2 (its nextValues, 7, is ignored).
    private func lambdaRollout() throws -> RolloutBuffer {
        let b = try RolloutBuffer(steps: 4, copies: 2, observationSize: 1, actionSpace: .discrete(2))
        fill(b.rewards, [[1, 1, 1, 1], [1, 2, 0, 1]])
        fill(b.nextValues, [[2, 3, 4, 5], [1, 6, 7, 2]])
        fill(b.terminated, [[0, 0, 0, 0], [0, 0, 1, 0]])
        fill(b.truncated, [[0, 0, 0, 0], [0, 1, 0, 0]])
        return b
    }

    func testLambdaReturnsByHand() throws {
        let b = try lambdaRollout()
        b.computeLambdaReturns(gamma: 0.9, lambda: 0.5)
        let g = 0.9
        let g0_3 = 1 + g * 5.0                              // 5.5
        let g0_2 = 1 + g * (0.5 * 4 + 0.5 * g0_3)           // 5.275
        let g0_1 = 1 + g * (0.5 * 3 + 0.5 * g0_2)           // 4.72375
        let g0_0 = 1 + g * (0.5 * 2 + 0.5 * g0_1)           // 4.0256875
        assertColumn(b.returns, copy: 0, copies: 2, [g0_0, g0_1, g0_2, g0_3], "λ-return")
        let g1_3 = 1 + g * 2.0                              // 2.8: a new episode, bootstraps at the end
        let g1_2 = 0.0                                      // terminated: r = 0, no bootstrap, nothing from t = 3
        let g1_1 = 2 + g * 6.0                              // 7.4: truncated, V(final) only
        let g1_0 = 1 + g * (0.5 * 1 + 0.5 * g1_1)           // 4.78
        assertColumn(b.returns, copy: 1, copies: 2, [g1_0, g1_1, g1_2, g1_3], "λ-return")
    }

    /// λ = 1: the discounted sum of rewards up to the episode's end or the rollout's, plus the
    /// discounted bootstrap value there (none after a termination). λ = 0: one-step targets.
    func testLambdaOneIsMonteCarloAndLambdaZeroIsOneStep() throws {
        let b = try lambdaRollout()
        let (T, N, g) = (4, 2, 0.9)
        func at(_ p: UnsafeMutablePointer<Float>, _ t: Int, _ i: Int) -> Double { Double(p[t * N + i]) }

        b.computeLambdaReturns(gamma: 0.9, lambda: 1)
        for i in 0..<N {
            for t in 0..<T {
                var sum = 0.0, discount = 1.0, j = t
                while true {
                    sum += discount * at(b.rewards, j, i)
                    discount *= g
                    let ended = at(b.terminated, j, i) == 1 || at(b.truncated, j, i) == 1
                    if ended || j == T - 1 {
                        sum += discount * (1 - at(b.terminated, j, i)) * at(b.nextValues, j, i)
                        break
                    }
                    j += 1
                }
                XCTAssertEqual(at(b.returns, t, i), sum, accuracy: 1e-5, "λ = 1, copy \(i), step \(t)")
            }
        }
        // Spot value: copy 0 from t = 0 is 1 + 0.9 + 0.81 + 0.729 + 0.6561·5 = 6.7195.
        XCTAssertEqual(at(b.returns, 0, 0), 6.7195, accuracy: 1e-5)

        b.computeLambdaReturns(gamma: 0.9, lambda: 0)
        for i in 0..<N {
            for t in 0..<T {
                let oneStep = at(b.rewards, t, i) + g * (1 - at(b.terminated, t, i)) * at(b.nextValues, t, i)
                XCTAssertEqual(at(b.returns, t, i), oneStep, accuracy: 1e-5, "λ = 0, copy \(i), step \(t)")
            }
        }
    }

    /// The contract with the PQN agent: its λ-return loop, copied verbatim onto separate arrays (with
    /// `ended` as a stored Float flag, as it keeps it), gives the same bits on random data.
    func testLambdaReturnsAreBitIdenticalToPQNLoop() throws {
        let (T, n) = (8, 3)
        let b = try RolloutBuffer(steps: T, copies: n, observationSize: 1, actionSpace: .discrete(2))
        var rng = SeededGenerator(seed: 7)
        var rewards = [Float](), terminals = [Float](), ended = [Float](), nextValues = [Float]()
        for k in 0..<(T * n) {
            let term: Float = rng.uniform() < 0.15 ? 1 : 0, trunc: Float = rng.uniform() < 0.1 ? 1 : 0
            rewards.append(Float(rng.uniform() * 2 - 1)); nextValues.append(Float(rng.uniform() * 10))
            terminals.append(term); ended.append(term == 1 || trunc == 1 ? 1 : 0)
            b.rewards[k] = rewards[k]; b.nextValues[k] = nextValues[k]; b.terminated[k] = term; b.truncated[k] = trunc
        }
        let (g, l): (Float, Float) = (0.99, 0.65)
        var returns = [Float](repeating: 0, count: T * n)
        for t in stride(from: T - 1, through: 0, by: -1) {
            for i in 0..<n {
                let k = t * n + i
                let bootstrap: Float
                if t == T - 1 || ended[k] == 1 { bootstrap = nextValues[k] } else { bootstrap = (1 - l) * nextValues[k] + l * returns[k + n] }
                returns[k] = rewards[k] + g * (1 - terminals[k]) * bootstrap
            }
        }
        b.computeLambdaReturns(gamma: g, lambda: l)
        for k in 0..<(T * n) { XCTAssertEqual(b.returns[k].bitPattern, returns[k].bitPattern, "row \(k)") }
    }

    /// `record` copies the observations acted on and what CartPole reports, row by row, up to and
    /// including the step where a copy's pole falls (always pushing left ends an episode in ~10 steps).
    func testRecordCopiesWhatTheEnvironmentReports() throws {
        let env = try EnvironmentRegistry.make("cartpole", count: 2)
        env.reset(seed: 3)
        let size = env.observationSpace.size
        let b = try RolloutBuffer(steps: 64, copies: 2, observationSize: size, actionSpace: env.actionSpace)
        let left: [Int32] = [0, 0]
        var before = [Float](repeating: 0, count: 2 * size)
        var endedAt: Int?
        for t in 0..<b.steps where endedAt == nil {
            for j in 0..<(2 * size) { before[j] = env.observations[j] }
            try left.withUnsafeBufferPointer { try env.step(discrete: $0) }
            for i in 0..<2 { b.discreteActions![t * 2 + i] = left[i] }
            before.withUnsafeBufferPointer { b.record(step: t, observations: $0.baseAddress!, after: env) }
            for i in 0..<2 {
                let k = t * 2 + i
                XCTAssertEqual(b.rewards[k], env.rewards[i])
                XCTAssertEqual(b.terminated[k], env.terminated[i] ? 1 : 0)
                XCTAssertEqual(b.truncated[k], env.truncated[i] ? 1 : 0)
                for j in 0..<size { XCTAssertEqual(b.observations[k * size + j], before[i * size + j]) }
            }
            if env.terminated[0] || env.terminated[1] { endedAt = t }
        }
        let t = try XCTUnwrap(endedAt, "no CartPole copy fell within 64 steps of pushing left")
        XCTAssertTrue((0..<2).contains { b.terminated[t * 2 + $0] == 1 })
        XCTAssertTrue((0..<2).allSatisfy { b.truncated[t * 2 + $0] == 0 }, "CartPole truncates only at 500 steps")
        XCTAssertEqual(b.rewards[t * 2], 1)   // CartPole pays 1 per step, the falling step included
        XCTAssertNil(b.continuousActions)
    }

    func testBoxActionsRoundTripAndBadSizesThrow() throws {
        let b = try RolloutBuffer(steps: 3, copies: 2, observationSize: 4, actionSpace: .box(low: [-1, -1], high: [1, 1]))
        XCTAssertEqual(b.actionSize, 2)
        XCTAssertNil(b.discreteActions)
        let actions = try XCTUnwrap(b.continuousActions)
        for j in 0..<(b.rows * 2) { actions[j] = Float(j) * 0.125 - 0.7 }
        for j in 0..<(b.rows * 2) { XCTAssertEqual(actions[j], Float(j) * 0.125 - 0.7) }

        for (steps, copies, size, space) in [(0, 2, 4, Space.discrete(2)), (3, 0, 4, .discrete(2)), (3, 2, 0, .discrete(2)),
                                             (3, 2, 4, .discrete(0)), (3, 2, 4, .box(low: [], high: []))] {
            XCTAssertThrowsError(try RolloutBuffer(steps: steps, copies: copies, observationSize: size, actionSpace: space)) {
                guard case AgentError.badConfig = $0 else { return XCTFail("expected badConfig, got \($0)") }
            }
        }
    }
}
