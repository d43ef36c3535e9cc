import XCTest
@testable import Games
@testable import Symbolic

final class TotalDerivativeTests: XCTestCase {
    /// STAC: ∇λ f1 = −w + θ(4wθ + 6θ²/5)/(2θ² + λ), from ∇wθ L = 4wθ + 6θ²/5, ∇²w L = 2θ², ∇w f1 = −θ.
    func testSTACTotalDerivativeMatchesClosedForm() throws {
        let d = try GameDerivatives(BuiltinGames.stac())
        let tape = try Tape(d.totalDerivative, inputs: ["theta", "w", GameDerivatives.lambda])
        var rng = SeededGenerator(seed: 1)
        for _ in 0..<500 {
            let theta = rng.uniform() * 2 - 1, w = rng.uniform() * 2 - 1, lambda = rng.uniform() < 0.3 ? 0 : rng.uniform()
            let closed = -w + theta * (4 * w * theta + 6 * theta * theta / 5) / (2 * theta * theta + lambda)
            XCTAssertEqual(tape.evaluate([theta, w, lambda])[0], closed, accuracy: 1e-12 * max(1, abs(closed)))
        }
        // On the best response w = −θ/5 the total derivative is d/dθ f1(θ, −θ/5) = 2θ/5.
        XCTAssertEqual(tape.evaluate([0.5, -0.1, 0])[0], 0.2, accuracy: 1e-14)
    }

    func testCriticLeaderTotalDerivative() throws {
        // Critic leads: ∇L = ∇wL − ∇θw J (∇²θ J)⁻¹ ∇θ L with J written as the follower's cost −wθ (∇²θ = 0, so λ regularizes).
        let g = try BuiltinGames.named("stac-critic-leader")
        XCTAssertEqual(g.leaderVariables, ["w"])
        let d = try GameDerivatives(g)
        let tape = try Tape(d.totalDerivative, inputs: ["w", "theta", GameDerivatives.lambda])
        let (w, theta, lambda) = (0.3, 0.7, 0.5)
        let dLdw = 2 * theta * (w * theta + theta * theta / 5), dLdtheta = 2 * (w * theta + theta * theta / 5) * (w + 2 * theta / 5)
        // ∇θw(−wθ) = −1, ∇²θ(−wθ) = 0.
        let expected = dLdw - (-1) * (1 / (0 + lambda)) * dLdtheta
        XCTAssertEqual(tape.evaluate([w, theta, lambda])[0], expected, accuracy: 1e-12)
    }

    func testTwoDimensionalFollowerUsesCramersRule() throws {
        // f2 = ½ yᵀ A y − yᵀ B x: best response y = A⁻¹ B x; f1 = ½‖x‖² + c·y.
        let game = try Game.parse(leader: "x^2/2 + y1 + 2*y2", follower: "y1^2 + y1*y2 + y2^2 - x*y1 + 3*x*y2",
                                  leaderVariables: ["x"], followerVariables: ["y1", "y2"])
        let d = try GameDerivatives(game)
        // H22 = [[2, 1], [1, 2]], H21 = [[-1], [3]], ∇2 f1 = [1, 2]; correction = −H21ᵀ H22⁻¹ [1, 2] = −[-1, 3]·[0, 1] = −3.
        let tape = try Tape(d.totalDerivative, inputs: ["x", "y1", "y2", GameDerivatives.lambda])
        XCTAssertEqual(tape.evaluate([0.4, 0, 0, 0])[0], 0.4 - 3, accuracy: 1e-12)
    }

    func testPropositionTwoLimits() throws {
        let d = try GameDerivatives(BuiltinGames.quadratic())
        let tape = try Tape(d.totalDerivative, inputs: ["x", "y", GameDerivatives.lambda])
        let z = [0.3, -0.2]
        let stackelberg = 2 * (z[0] + z[1]) - 1, individual = z[0] + z[1] - 1
        XCTAssertEqual(tape.evaluate(z + [1e-12])[0], stackelberg, accuracy: 1e-10)
        XCTAssertEqual(tape.evaluate(z + [1e12])[0], individual, accuracy: 1e-10)
    }
}

final class EquilibriumTests: XCTestCase {
    func testQuadraticGameSeparatesNashAndStackelberg() throws {
        let dynamics = try GameDynamics(BuiltinGames.quadratic(), lambda: 0.5)
        let points = dynamics.equilibria(domain: [-1...1, -1...1], startsPerAxis: 5)
        let rule = StepRule(leaderLearningRate: 0.01, followerLearningRate: 0.01)
        let reports = points.map { dynamics.classify($0, rule: rule) }
        let nash = try XCTUnwrap(reports.first { $0.isDifferentialNash })
        let stackelberg = try XCTUnwrap(reports.first { $0.isDifferentialStackelberg })
        XCTAssertEqual(nash.point[0], 0.5, accuracy: 1e-9); XCTAssertEqual(nash.point[1], 0.5, accuracy: 1e-9)
        XCTAssertEqual(stackelberg.point[0], 0.25, accuracy: 1e-9); XCTAssertEqual(stackelberg.point[1], 0.25, accuracy: 1e-9)
        XCTAssertFalse(nash.isDifferentialStackelberg)
        XCTAssertFalse(stackelberg.isDifferentialNash)
        // Stackelberg dynamic's Jacobian [[2, 2], [−1, 1]]: eigenvalues (3 ± i√7)/2.
        let s = try XCTUnwrap(stackelberg.spectra.first { $0.dynamic == "stackelberg" }?.eigenvalues)
        XCTAssertEqual(s[0].re, 1.5, accuracy: 1e-12)
        XCTAssertEqual(abs(s[0].im), 7.0.squareRoot() / 2, accuracy: 1e-12)
        XCTAssertEqual(stackelberg.secondTotalDerivativeEigenvalues?.first ?? 0, 4, accuracy: 1e-9)
    }

    func testSTACEquilibriumIsReportedAsDegenerate() throws {
        let dynamics = try GameDynamics(BuiltinGames.stac(), lambda: 0.04)
        let points = dynamics.equilibria(domain: [-1...1, -1...1], startsPerAxis: 7)
        XCTAssertEqual(points.count, 1)
        let r = dynamics.classify(points[0], rule: StepRule(leaderLearningRate: 0.01, followerLearningRate: 0.01))
        XCTAssertEqual(r.point, [0, 0])
        XCTAssertTrue(r.followerHessianStatus.hasPrefix("singular"), r.followerHessianStatus)
        XCTAssertFalse(r.isDifferentialStackelberg)
        let individual = try XCTUnwrap(r.spectra.first { $0.dynamic == "individual" })
        XCTAssertEqual(individual.hyperbolic, false)
        XCTAssertNil(individual.locallyAsymptoticallyStable)
        XCTAssertNil(r.spectra.first { $0.dynamic == "stackelberg" }?.eigenvalues)
    }

    func testBilinearIndividualPlayIsACentre() throws {
        let dynamics = try GameDynamics(BuiltinGames.bilinear(), lambda: 0.5)
        let r = dynamics.classify([0, 0], rule: StepRule(leaderLearningRate: 0.01, followerLearningRate: 0.01))
        let e = try XCTUnwrap(r.spectra[0].eigenvalues)
        XCTAssertEqual(e.map(\.re), [0, 0])
        XCTAssertEqual(e.map { abs($0.im) }, [1, 1])
        XCTAssertGreaterThan(r.spectra[0].discreteSpectralRadius!, 1)  // the discrete iteration spirals out
        XCTAssertEqual(r.spectra[2].locallyAsymptoticallyStable, true)  // regularized: y + x/λ converges
    }
}

final class DynamicsTests: XCTestCase {
    func testUnrollIsAlgorithmTwo() throws {
        let d = try CompiledDynamic(try GameDerivatives(BuiltinGames.quadratic()), kind: .individual)
        let it = try BatchIterator(d, rule: StepRule(leaderLearningRate: 0.1, followerLearningRate: 0.2, unroll: 3), starts: [[0.4, -0.3]])
        it.step()
        // By hand: the leader steps from (x0, y0); the follower takes 3 steps with x0 fixed.
        var x = 0.4, y = -0.3
        let gx = x + y - 1
        for _ in 0..<3 { y -= 0.2 * (y - x) }
        x -= 0.1 * gx
        XCTAssertEqual(it.point(lane: 0)[0], x, accuracy: 1e-15)
        XCTAssertEqual(it.point(lane: 0)[1], y, accuracy: 1e-15)
    }

    func testFlowConvergesToStackelbergPoint() throws {
        let d = try CompiledDynamic(try GameDerivatives(BuiltinGames.quadratic()), kind: .stackelberg)
        let s = try d.flow(from: [-0.8, 0.9], until: 30, samples: 10)
        XCTAssertNil(s.stoppedEarly)
        XCTAssertEqual(s.states.last![0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(s.states.last![1], 0.25, accuracy: 1e-6)
    }

    func testSampledDynamicsAreReproducible() throws {
        let game = BuiltinGames.stacSAC()
        let rule = StepRule(leaderLearningRate: 0.01, followerLearningRate: 0.01)
        func run(seed: UInt64) throws -> [Double] {
            let it = try SampledIterator(game, kind: .stackelberg, rule: rule, starts: [[0.8, 0.6]], seed: seed)
            it.step(200)
            return it.point(lane: 0)
        }
        XCTAssertEqual(try run(seed: 3), try run(seed: 3))
        XCTAssertNotEqual(try run(seed: 3), try run(seed: 4))
    }

    func testGaussHermiteIntegratesMoments() {
        let (x, w) = gaussHermiteStandardNormal(12)
        XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-13)
        XCTAssertEqual(zip(x, w).reduce(0) { $0 + $1.1 * $1.0 * $1.0 }, 1, accuracy: 1e-12)
        XCTAssertEqual(zip(x, w).reduce(0) { $0 + $1.1 * pow($1.0, 4) }, 3, accuracy: 1e-11)
    }
}

final class BadInputTests: XCTestCase {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    func testUnknownVariable() {
        let m = message { _ = try Game.parse(leader: "x*z", follower: "y^2", leaderVariables: ["x"], followerVariables: ["y"]) }
        XCTAssertTrue(m.contains("unknown variable 'z'") && m.contains("--vars"), m)
    }

    func testEmptyGame() {
        let m = message { _ = try Game.parse(leader: "1", follower: "2", leaderVariables: ["x"], followerVariables: ["y"]) }
        XCTAssertTrue(m.contains("empty"), m)
        let n = message { _ = try Game.parse(leader: "x", follower: "x", leaderVariables: ["x"], followerVariables: []) }
        XCTAssertTrue(n.contains("follower has no variables"), n)
    }

    func testParseErrorNamesThePlayer() {
        let m = message { _ = try Game.parse(leader: "x +* y", follower: "y^2", leaderVariables: ["x"], followerVariables: ["y"]) }
        XCTAssertTrue(m.contains("leader cost") && m.contains("column 4"), m)
    }

    func testZeroPointGridAndBadRates() throws {
        var o = AnalysisOptions()
        o.fieldPoints = 0
        XCTAssertTrue(message { _ = try GameAnalyzer(game: BuiltinGames.stac(), options: o) }.contains("at least 2 points"))
        o = AnalysisOptions()
        o.leaderLearningRate = -1
        XCTAssertTrue(message { _ = try GameAnalyzer(game: BuiltinGames.stac(), options: o) }.contains("leader learning rate"))
        o = AnalysisOptions()
        o.points = [[1, 2, 3]]
        XCTAssertTrue(message { _ = try GameAnalyzer(game: BuiltinGames.stac(), options: o) }.contains("3 coordinates"))
    }
}
