import XCTest
@testable import Games
@testable import Symbolic

/// The equilibrium search: distinct stationary points are never merged because they are close on the
/// scale of the domain, and one root reached from many starts is listed once.
final class EquilibriumSearchTests: XCTestCase {
    private let rule = StepRule(leaderLearningRate: 0.01, followerLearningRate: 0.01)

    private func quickOptions(lambda: Double? = nil) -> AnalysisOptions {
        var o = AnalysisOptions()
        o.lambda = lambda
        o.iterations = 200
        o.returnIterations = 200
        o.flowTime = 1
        o.fieldPoints = 5
        return o
    }

    /// The quadratic game's Nash (1/2, 1/2), Stackelberg (1/4, 1/4) and regularized (λ = 1/2: 3/10, 3/10)
    /// points are 0.07–0.35 apart. On a ±1000 domain the old merge radius (1e-3 of the diameter, 2.8)
    /// merged them into the Nash point alone.
    func testDistinctEquilibriaSurviveALargeDomain() throws {
        let dynamics = try GameDynamics(BuiltinGames.quadratic(), lambda: 0.5)
        let points = dynamics.equilibria(domain: [-1000...1000, -1000...1000], startsPerAxis: 9)
        XCTAssertEqual(points.count, 3, "\(points)")
        let reports = points.map { dynamics.classify($0, rule: rule) }
        let nash = try XCTUnwrap(reports.first { $0.isDifferentialNash })
        let stackelberg = try XCTUnwrap(reports.first { $0.isDifferentialStackelberg })
        XCTAssertEqual(nash.point[0], 0.5, accuracy: 1e-12); XCTAssertEqual(nash.point[1], 0.5, accuracy: 1e-12)
        XCTAssertEqual(stackelberg.point[0], 0.25, accuracy: 1e-12); XCTAssertEqual(stackelberg.point[1], 0.25, accuracy: 1e-12)
        let regularized = try XCTUnwrap(reports.first { $0.stationaryFor == ["regularized"] })
        XCTAssertEqual(regularized.point[0], 0.3, accuracy: 1e-12); XCTAssertEqual(regularized.point[1], 0.3, accuracy: 1e-12)
    }

    /// With λ = 0.01 the regularized root (−0.286439, −0.267333) lies 0.0017 from the differential
    /// Stackelberg equilibrium (−0.287768, −0.268427), inside the old merge radius: the equilibrium
    /// vanished and the error curves were measured toward the Nash point. Roots of different dynamics
    /// are now merged only when they are the same point.
    func testStackelbergEquilibriumNextToTheRegularizedRootIsKept() throws {
        let game = try Game.parse(leader: "x^2/2 + x*y + sin(y)", follower: "(y-x)^2/2 + y^4/4",
                                  leaderVariables: ["x"], followerVariables: ["y"])
        let (report, _) = try GameAnalyzer(game: game, options: quickOptions(lambda: 0.01)).run()
        XCTAssertEqual(report.equilibria.count, 3, "\(report.equilibria.map(\.point))")
        let s = try XCTUnwrap(report.equilibria.first { $0.isDifferentialStackelberg })
        XCTAssertEqual(s.point[0], -0.287768, accuracy: 1e-6)
        XCTAssertEqual(s.point[1], -0.268427, accuracy: 1e-6)
        XCTAssertEqual(s.followerHessianEigenvalues?.first ?? 0, 1.21616, accuracy: 1e-5)
        XCTAssertEqual(s.secondTotalDerivativeEigenvalues?.first ?? 0, 3.42949, accuracy: 1e-5)
        XCTAssertEqual(report.referenceEquilibrium, s.point)
        let r = try XCTUnwrap(report.equilibria.first { $0.stationaryFor == ["regularized"] })
        XCTAssertEqual(r.point[0], -0.286439, accuracy: 1e-6)
        XCTAssertEqual(r.point[1], -0.267333, accuracy: 1e-6)
        XCTAssertTrue(report.text.contains("toward (-0.287768, -0.268427)"), report.text)
    }

    /// A degenerate root (STAC's (0, 0), where the critic's Hessian vanishes) is reached only to about
    /// 1e-4 by the solver; Newton polishing brings every start to the same point, so it is listed once.
    func testDegenerateRootFromEveryStartIsOnePoint() throws {
        let dynamics = try GameDynamics(BuiltinGames.stac(), lambda: 0.04)
        let points = dynamics.equilibria(domain: [-1...1, -1...1], startsPerAxis: 9)
        XCTAssertEqual(points, [[0, 0]])
    }

    func testCoincidenceDoesNotGrowWithTheDomain() {
        XCTAssertFalse(Root(point: [0.25, 0.25], residual: 0).coincides(with: Root(point: [0.3, 0.3], residual: 0)))
        XCTAssertTrue(Root(point: [0.25, 0.25], residual: 0).coincides(with: Root(point: [0.25 + 1e-12, 0.25], residual: 0)))
        XCTAssertFalse(Root(point: [1e6, 0], residual: 0).coincides(with: Root(point: [1e6 + 1, 0], residual: 0)))
        // A degenerate root carries its uncertainty.
        XCTAssertTrue(Root(point: [1e-5, 0], residual: 0, uncertainty: 1e-5).coincides(with: Root(point: [0, 0], residual: 0)))
    }
}
