import XCTest
@testable import Games
@testable import Symbolic

/// `game check` verdicts, role swapping and the sizes an analysis may be asked for.
final class ChecksAndOptionsTests: XCTestCase {
    /// `game check` printed PASS with Df1 = nan: NaN dropped out of max(). f1 = sqrt(−x² − 1)·y is NaN everywhere.
    func testChecksFailOnNonFiniteValues() throws {
        let game = try Game.parse(leader: "sqrt(-x^2-1)*y", follower: "y^2", leaderVariables: ["x"], followerVariables: ["y"])
        let results = GameChecks(try GameAnalyzer(game: game, options: AnalysisOptions())).run()
        XCTAssertEqual(results.count, 4)
        for r in results {
            XCTAssertFalse(r.passed, "\(r.name): \(r.detail)")
            XCTAssertTrue(r.detail.hasPrefix("not finite: "), r.detail)
        }
        XCTAssertTrue(results[1].detail.contains("Df1 at x1 = (-0.4) is nan"), results[1].detail)
        // A finite game still passes.
        XCTAssertTrue(GameChecks(try GameAnalyzer(game: BuiltinGames.quadratic(), options: AnalysisOptions())).run().allSatisfy(\.passed))
    }

    /// Games without a follower best response (bilinear: ∇22 f2 = 0; the critic-leading STAC game)
    /// once FAILed the total-derivative check and exited 1: it does not apply to them.
    func testTheBestResponseCheckDoesNotApplyWithoutABestResponse() throws {
        for name in ["bilinear", "stac-critic-leader"] {
            let results = GameChecks(try GameAnalyzer(game: try BuiltinGames.named(name), options: AnalysisOptions())).run()
            let fd = try XCTUnwrap(results.first { $0.name.hasPrefix("total derivative vs finite differences") }, name)
            XCTAssertTrue(fd.notApplicable && fd.detail.hasPrefix("not applicable: "), "\(name): \(fd.detail)")
            XCTAssertTrue(results.allSatisfy { $0.passed || $0.notApplicable }, "\(name): \(results.map(\.detail))")
            // Prop. 2's λ → ∞ limit needs no best response and is still checked; λ → 0 says why it is not.
            let large = try XCTUnwrap(results.first { $0.name == "Prop. 2: λ → ∞ gives the individual gradient" }, name)
            XCTAssertTrue(large.passed && !large.notApplicable, "\(name): \(large.detail)")
            XCTAssertTrue(try XCTUnwrap(results.first { $0.name == "Prop. 2: λ → 0 gives the Stackelberg gradient" }).notApplicable)
        }
        // A game that has one still runs the check.
        let stac = GameChecks(try GameAnalyzer(game: try BuiltinGames.named("stac"), options: AnalysisOptions())).run()
        XCTAssertFalse(stac.contains(where: \.notApplicable))
    }

    /// f2 = y⁴ + y has its minimum at y = −0.63, but ∇22 f2 = 0 at the domain's centre, where Newton
    /// started: the check said N/A for a game that has a best response.
    func testTheBestResponseIsSearchedBeyondASingularCentre() throws {
        let game = try Game.parse(leader: "x^4 + y*x", follower: "y^4 + y", leaderVariables: ["x"], followerVariables: ["y"])
        let results = GameChecks(try GameAnalyzer(game: game, options: AnalysisOptions())).run()
        let fd = try XCTUnwrap(results.first { $0.name.hasPrefix("total derivative matches finite differences") }, "\(results.map(\.name))")
        XCTAssertTrue(fd.passed && !fd.notApplicable, fd.detail)
        XCTAssertTrue(fd.detail.contains("x2* = [\"-0.629961\"]"), fd.detail)
    }

    /// The report's λ sweep printed "λ = 1000.0" beside "λ = 100".
    func testWholeNumbersPrintWhole() {
        XCTAssertEqual(fmt(1000, digits: 3), "1000")
        XCTAssertEqual(fmt(10000, digits: 3), "10000")
        XCTAssertEqual(fmt(100, digits: 3), "100")
        XCTAssertEqual(fmt(1234.5, digits: 3), "1234.5")
        XCTAssertEqual(fmt(1e-4, digits: 3), "1.00e-04")
    }

    /// --swap-roles kept the old leader's −f1 as "the leader's return" for games without a return of their own.
    func testSwappedRolesReportTheNewLeadersReturn() throws {
        let game = try Game.parse(leader: "x^2 + x*y", follower: "y^2 + x*y + y", leaderVariables: ["x"], followerVariables: ["y"])
        let swapped = try game.swappingRoles()
        XCTAssertEqual(swapped.leaderVariables, ["y"])
        // −(y² + xy + y) at (x, y) = (2, 3): −(9 + 6 + 3) = −18 (the old leader's −x² − xy would be −10).
        XCTAssertEqual(swapped.leaderReturn.evaluate(["x": 2, "y": 3]), -18)
        XCTAssertEqual(swapped.leaderReturnLabel, "-f1 (leader's negated cost)")
        // A return the game names itself is kept: the critic-leading STAC game still plots R(θ) = −θ²/5.
        let critic = try BuiltinGames.named("stac-critic-leader")
        XCTAssertEqual(critic.leaderReturn.evaluate(["theta": 0.5, "w": 0.3]), -0.05, accuracy: 1e-15)
        XCTAssertEqual(critic.leaderReturnLabel, "R(θ) = −θ²/5")
    }

    private func threeByThree() throws -> Game {
        try Game.parse(leader: "x1^2 + x2^2 + x3^2 + x1*y1 + x2*y2 + x3*y3", follower: "y1^2 + y2^2 + y3^2 - x1*y1 - x2*y3",
                       leaderVariables: ["x1", "x2", "x3"], followerVariables: ["y1", "y2", "y3"])
    }

    /// The report printed 9^6 = 531441 starts for a 6-variable game while the search used a thinned grid.
    func testReportedStartCountIsTheCountUsed() throws {
        let game = try threeByThree()
        let options = try AnalysisOptions().resolved(for: game)
        XCTAssertEqual(options.rootStartsPerAxis, 4)
        XCTAssertEqual(options.rootStarts, 4096)
        XCTAssertEqual(gridStarts(domain: game.domain, perAxis: options.rootStartsPerAxis).count, 4096)
        XCTAssertEqual(try AnalysisOptions().resolved(for: BuiltinGames.quadratic()).rootStarts, 81)
        var o = AnalysisOptions()
        o.iterations = 10; o.returnIterations = 10; o.flowTime = 1; o.fieldPoints = 3
        let (report, _) = try GameAnalyzer(game: game, options: o).run()
        XCTAssertTrue(report.text.contains("found from 4096 root-finder starts, 4 per axis"), report.text)
    }

    private func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    /// --root-starts 1500 on 6 variables (1500^6 overflows Int) trapped after the whole analysis.
    func testOversizedRootSearchIsRefusedBeforeWork() throws {
        let game = try threeByThree()
        var o = AnalysisOptions()
        o.rootStartsPerAxis = 1500
        let m = try XCTUnwrap(message { _ = try o.resolved(for: game) })
        XCTAssertTrue(m.contains("--root-starts 1500 on a 6-variable game needs 1500^6 = 1.14e+19 root-finder starts"), m)
        XCTAssertTrue(m.contains("the limit is 100000 starts, at most 6 per axis"), m)
        o.rootStartsPerAxis = 4_000_000_000
        let m2 = try XCTUnwrap(message { _ = try o.resolved(for: BuiltinGames.quadratic()) })
        XCTAssertTrue(m2.contains("4000000000^2 = 1.60e+19"), m2)
        XCTAssertTrue(m2.contains("at most 316 per axis"), m2)
        o.rootStartsPerAxis = 316
        XCTAssertEqual(try o.resolved(for: BuiltinGames.quadratic()).rootStarts, 99_856)
        XCTAssertNil(RootSearch.startCount(perAxis: Int.max, dimension: 2))
    }

    /// --grid 100000 aborted on an 80 GB allocation.
    func testOversizedGridIsRefusedWithItsMemory() throws {
        var o = AnalysisOptions()
        o.fieldPoints = 100_000
        let m = try XCTUnwrap(message { _ = try o.resolved(for: BuiltinGames.quadratic()) })
        XCTAssertTrue(m.contains("--grid 100000 needs 100000 × 100000 = 1.00e+10 arrows per vector-field panel, 480 GB"), m)
        XCTAssertTrue(m.contains("the limit is 500 per axis"), m)
        o.fieldPoints = 500
        XCTAssertNoThrow(try o.resolved(for: BuiltinGames.quadratic()))
        o.fieldPoints = 21
        o.iterations = 2_000_000_000
        XCTAssertTrue(try XCTUnwrap(message { _ = try o.resolved(for: BuiltinGames.quadratic()) }).contains("--iterations 2000000000 is above the limit"))
    }

    /// A domain of width 2e308 (infinite in Double) was accepted and silently found nothing.
    func testDomainWhoseWidthOverflowsIsRefused() {
        let m = message {
            _ = try Game(name: "wide", leaderVariables: ["x"], followerVariables: ["y"], leaderCost: .variable("x"),
                         followerCost: .variable("y"), domain: [-1e308...1e308, -1...1])
        }
        XCTAssertTrue(m?.contains("the range of 'x' (-1e+308...1e+308) is too wide: its width hi − lo overflows to infinity") ?? false, m ?? "accepted")
    }
}
