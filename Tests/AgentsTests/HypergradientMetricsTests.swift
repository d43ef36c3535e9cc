@testable import Agents
import Hypergradients
import XCTest

/// The solve diagnostics every hypergradient coupling logs.
final class HypergradientMetricsTests: XCTestCase {
    /// `negative_curvature` is 1 when CG met negative curvature, whether it stopped there (the
    /// default) or stepped through it (`cg_negative_curvature = continue`, the public code's CG),
    /// and 0 when it met none; NaN (not measured) for a solver that never looks at curvature.
    func testNegativeCurvatureIsLoggedWhetherCGStoppedOrNot() {
        func logged(_ change: (inout SolveReport) -> Void) -> Float {
            var d = TotalDerivative.Diagnostics()
            change(&d.solve)
            let metrics = UpdateMetrics(names: HypergradientMetrics.names)
            HypergradientMetrics.write(d, into: metrics, from: metrics.slot("lambda"))
            return metrics.windowMean(at: metrics.names.firstIndex(of: "negative_curvature")!)
        }
        XCTAssertEqual(logged { $0.checksCurvature = true }, 0)
        XCTAssertEqual(logged { $0.checksCurvature = true; $0.stoppedOnNegativeCurvature = true }, 1)
        XCTAssertEqual(logged { $0.checksCurvature = true; $0.stepsThroughNegativeCurvature = 2 }, 1)
        XCTAssertTrue(logged { _ in }.isNaN, "Neumann, Nyström and the exact solve never check curvature")
    }
}

/// The solvers say whether they measured curvature and the residual.
final class SolveReportTests: XCTestCase {
    func testOnlyCGChecksCurvatureAndTheExactSolveLeavesItsResidualUnmeasured() {
        let a = LinearOperator(matrix: [2, 0, 0, 3], dimension: 2)
        let b: [Float] = [1, 1]
        var x: [Float] = [0, 0]
        let cg = ConjugateGradientSolver(dimension: 2).solve(a, b: b, into: &x, maxIterations: 5)
        let exact = ExactSolver.solve(a, b: b, into: &x)
        XCTAssertTrue(cg.checksCurvature)
        XCTAssertNotNil(cg.relativeResidual)
        XCTAssertFalse(exact.checksCurvature)
        XCTAssertNil(exact.relativeResidual, "an unmeasured residual is nil (logged NaN), not 0")
        XCTAssertEqual(x[0], 0.5, accuracy: 1e-6); XCTAssertEqual(x[1], 1 / 3, accuracy: 1e-6)
    }
}
