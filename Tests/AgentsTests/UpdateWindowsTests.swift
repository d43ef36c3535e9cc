@testable import Training
import XCTest

/// The statistics and labels of `stackelberg windows` (Tests/python/test_windows_cli.py checks the
/// command against NumPy on committed runs).
final class UpdateWindowsTests: XCTestCase {
    /// numpy.quantile(x, q) with its default linear interpolation.
    func testQuantileIsNumpysLinearInterpolation() {
        XCTAssertEqual(UpdateWindows.quantile([3, 1, 2, 10], 0.9), 7.9, accuracy: 1e-12)
        XCTAssertEqual(UpdateWindows.quantile([3, 1, 2, 10], 0.5), 2.5)
        XCTAssertEqual(UpdateWindows.quantile([3, 1, 2], 0.5), 2)
        XCTAssertEqual(UpdateWindows.quantile([3, 1, 2], 0), 1)
        XCTAssertEqual(UpdateWindows.quantile([3, 1, 2], 1), 3)
        XCTAssertEqual(UpdateWindows.quantile([5], 0.3), 5)
        XCTAssertTrue(UpdateWindows.quantile([], 0.5).isNaN)
        // An infinity counts: interpolating towards it gives it.
        XCTAssertEqual(UpdateWindows.quantile([1, .infinity], 0.5), .infinity)
        XCTAssertEqual(UpdateWindows.quantile([1, 2, .infinity], 0.5), 2)
        XCTAssertEqual(UpdateWindows.quantile([-.infinity, 1], 0.25), -.infinity)
    }

    func testNumbersKeepFourSignificantDigitsAndStepsReadAsTheReadmeWritesThem() {
        XCTAssertEqual(UpdateWindows.number(0.0010131), "0.001013")
        XCTAssertEqual(UpdateWindows.number(-466.71), "-466.7")
        XCTAssertEqual(UpdateWindows.number(12345.6), "12346")
        XCTAssertEqual(UpdateWindows.number(2.5e-5), "2.500e-05")
        XCTAssertEqual(UpdateWindows.number(.nan), "–")
        XCTAssertEqual(UpdateWindows.number(0), "0")
        XCTAssertEqual(UpdateWindows.steps(50_000), "50k")
        XCTAssertEqual(UpdateWindows.steps(1_500_000), "1.5M")
        XCTAssertEqual(UpdateWindows.steps(2_000_000), "2M")
        XCTAssertEqual(UpdateWindows.steps(1_024), "1024")
        XCTAssertEqual(UpdateWindows.steps(4_750_080), "4.75M")
        XCTAssertEqual(UpdateWindows.steps(39_904), "39.9k")
        // PPO steps in whole batches: 1,000,448 is "1M", never "1.M".
        XCTAssertEqual(UpdateWindows.steps(1_000_448), "1M")
        XCTAssertEqual(UpdateWindows.steps(2_999_999), "3M")
    }

    func testDefaultColumnsLeaveOutBookkeepingAndAddTheCorrectionRatio() {
        let header = ["env_step", "updates", "leader_loss", "leader_lr", "follower_lr", "lambda", "leader_gradient_norm", "correction_norm"]
        XCTAssertEqual(UpdateWindows.defaultColumns(header: header),
                       ["leader_loss", "lambda", "leader_gradient_norm", "correction_norm", "correction_norm/leader_gradient_norm"])
        XCTAssertEqual(UpdateWindows.defaultColumns(header: ["env_step", "updates", "lr", "entropy"]), ["entropy"])
    }
}
