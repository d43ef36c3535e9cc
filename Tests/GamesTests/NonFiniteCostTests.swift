import XCTest
@testable import Games
@testable import Plotting
@testable import Symbolic

final class NonFiniteCostTests: XCTestCase {
    /// f1 = sqrt(−x² − 1)·y is NaN on the whole domain: the analysis says which cost and where, and
    /// every figure can still be written (the error figure failed in gnuplot with "x range is invalid").
    func testNonFiniteCostIsNamedAndFiguresStillBuild() throws {
        let game = try Game.parse(leader: "sqrt(-x^2-1)*y", follower: "y^2", leaderVariables: ["x"], followerVariables: ["y"])
        var o = AnalysisOptions()
        o.iterations = 100; o.returnIterations = 100; o.flowTime = 1
        let (report, series) = try GameAnalyzer(game: game, options: o).run()
        XCTAssertEqual(report.warnings.count, 1, "\(report.warnings)")
        XCTAssertTrue(report.warnings[0].hasPrefix("the leader's cost f1 = y*sqrt(-x^2 - 1) is not finite at 441 of 441 points of the plotted plane"), report.warnings[0])
        XCTAssertTrue(report.warnings[0].contains("e.g. nan at (x, y) = (-1, -1)"), report.warnings[0])
        XCTAssertTrue(report.text.contains("Warnings\n--------\n- the leader's cost f1"), report.text)
        let figures = GameFigures.all(report: report, series: series, game: game)
        let error = try XCTUnwrap(figures.first { $0.name == "error" })
        XCTAssertTrue(error.body.contains("plot NaN notitle"), error.body)
        XCTAssertTrue(error.body.contains("no stationary point was found"), error.body)
        let ret = try XCTUnwrap(figures.first { $0.name == "leader_return" })
        XCTAssertTrue(ret.body.contains("the leader's return is not finite along any trajectory"), ret.body)
        // A cost finite everywhere gets no warning.
        let (fine, _) = try GameAnalyzer(game: BuiltinGames.quadratic(), options: o).run()
        XCTAssertEqual(fine.warnings, [])
    }

    /// Renders the figures of the NaN game with gnuplot when it is installed: all of them must render.
    func testPlaceholderFiguresRender() throws {
        guard Gnuplot.executable != nil else { throw XCTSkip("gnuplot is not installed") }
        let game = try Game.parse(leader: "sqrt(-x^2-1)*y", follower: "y^2", leaderVariables: ["x"], followerVariables: ["y"])
        var o = AnalysisOptions()
        o.iterations = 100; o.returnIterations = 100; o.flowTime = 1
        let (report, series) = try GameAnalyzer(game: game, options: o).run()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stackelberg-placeholder-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for figure in GameFigures.all(report: report, series: series, game: game) {
            XCTAssertNoThrow(try figure.write(to: dir, formats: ["png"]), figure.name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(figure.name).png").path), figure.name)
        }
    }
}
