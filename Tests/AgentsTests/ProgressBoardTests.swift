import Foundation
@testable import Training
import XCTest

/// The status line's rate and time left count the steps this process ran, not a resumed seed's
/// earlier ones (a run resumed at 270k of 400k once showed 3,791 steps/s and 34 s left while it
/// ran 24 steps/s).
final class ProgressBoardTests: XCTestCase {
    func testRateAndTimeLeftCountOnlyThisProcesssSteps() {
        let board = ProgressBoard(labels: ["seed0", "seed1"], totals: [1_000, 1_000], quiet: true)
        board.begin(0, steps: 600)  // resumed from its checkpoint
        board.begin(1, steps: 0)
        board.update(0, steps: 700, episodeReturn: 5)
        board.update(1, steps: 200, episodeReturn: nil)
        let line = board.line(now: board.start.addingTimeInterval(10))
        // 300 steps in 10 s; 1,100 of 2,000 left.
        XCTAssertTrue(line.contains("900/2000 steps"), line)
        XCTAssertTrue(line.contains(" 30 steps/s"), line)
        XCTAssertTrue(line.contains("ETA 0m37s"), line)
        XCTAssertTrue(line.contains("return 5.00"), line)
    }

    func testAResumedSeedThatHasNotSteppedHasNoTimeLeftYet() {
        let board = ProgressBoard(labels: ["seed0"], totals: [400_000], quiet: true)
        board.begin(0, steps: 270_000)
        let line = board.line(now: board.start.addingTimeInterval(5))
        XCTAssertTrue(line.contains("270.0k/400.0k steps"), line)
        XCTAssertTrue(line.contains(" 0 steps/s"), line)
        XCTAssertTrue(line.contains("ETA –"), line)
    }

    /// A seed that trains past its total (a total that is not a whole number of rollouts, before the
    /// command counted in whole batches) draws a full bar: it once trapped on a negative count.
    func testStepsPastTheTotalDrawAFullBar() {
        let board = ProgressBoard(labels: ["seed0"], totals: [1_100], quiet: true)
        board.begin(0, steps: 0)
        board.update(0, steps: 1_536, episodeReturn: 20)
        let line = board.line(now: board.start.addingTimeInterval(2))
        XCTAssertTrue(line.hasPrefix(String(repeating: "█", count: 24) + " 100.0%"), line)
        XCTAssertTrue(line.contains("ETA 0m00s"), line)
    }
}
