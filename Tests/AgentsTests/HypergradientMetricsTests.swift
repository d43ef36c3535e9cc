@testable import Agents
import Hypergradients
import XCTest

/// The solve diagnostics every hypergradient coupling logs.
final class HypergradientMetricsTests: XCTestCase {
    /// `negative_curvature` is 1 when CG met negative curvature, whether it stopped there (the
    /// default) or stepped through it (`cg_negative_curvature = continue`, the public code's CG),
    /// and 0 when it met none.
    func testNegativeCurvatureIsLoggedWhetherCGStoppedOrNot() {
        func logged(_ change: (inout SolveReport) -> Void) -> Float {
            var d = TotalDerivative.Diagnostics()
            change(&d.solve)
            let metrics = UpdateMetrics(names: HypergradientMetrics.names)
            HypergradientMetrics.write(d, into: metrics, from: metrics.slot("lambda"))
            return metrics.windowMean(at: metrics.names.firstIndex(of: "negative_curvature")!)
        }
        XCTAssertEqual(logged { _ in }, 0)
        XCTAssertEqual(logged { $0.stoppedOnNegativeCurvature = true }, 1)
        XCTAssertEqual(logged { $0.stepsThroughNegativeCurvature = 2 }, 1)
    }
}
