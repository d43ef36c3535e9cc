@testable import Games
import XCTest

/// What the analysis report says where the mathematics is degenerate: an undefined dynamic is not a
/// divergence, a line of stationary points is not nine equilibria, a game with many variables is
/// searched from more than its centre, and a refused option is an option error.
final class ReportHonestyTests: XCTestCase {
    private func quick() -> AnalysisOptions {
        var o = AnalysisOptions()
        o.iterations = 20; o.returnIterations = 20; o.flowTime = 1; o.fieldPoints = 3
        return o
    }

    /// bilinear has ∇22f2 = 0 everywhere: the Stackelberg dynamic is undefined, and its report said
    /// "DIVERGED" after 1 iteration, with GSL's "problem with user-supplied function" for the flow.
    func testAnUndefinedDynamicIsSaidToBeUndefinedNotDiverged() throws {
        let (report, _) = try GameAnalyzer(game: BuiltinGames.named("bilinear"), options: quick()).run()
        let st = try XCTUnwrap(report.trajectories.first { $0.dynamic == "stackelberg" })
        XCTAssertTrue(st.undefinedAtStart)
        XCTAssertFalse(st.diverged)
        XCTAssertTrue(report.text.contains("stackelberg: undefined at the start z0 = (0.8, 0.6)"), report.text)
        XCTAssertFalse(report.text.contains("DIVERGED"), report.text)
        XCTAssertFalse(report.text.contains("user-supplied"), report.text)
        // The regularized dynamic is defined there and still runs.
        XCTAssertFalse(try XCTUnwrap(report.trajectories.first { $0.dynamic == "regularized" }).undefinedAtStart)
    }

    /// f1 = x², f2 = x·y: ∇22 f2 = 0 everywhere, but ∇2 f1 ≡ 0, so the total derivative is ∇1 f1 and the
    /// iteration and the flow ran the Stackelberg dynamic, while every point's spectrum said it was "not
    /// defined by the implicit function theorem" and left it out. Now the spectrum is reported with why, the
    /// classification still refuses a differential Stackelberg equilibrium (Def. 1 needs ∇22 f2 ≻ 0), and the
    /// report warns that the Stackelberg dynamic is individual play. Where ∇2 f1 is not zero (bilinear) the
    /// spectrum is still left out.
    func testASingularFollowerHessianWithAnUncoupledLeaderCostIsSaidConsistently() throws {
        let game = try Game.parse(leader: "x^2", follower: "x*y", leaderVariables: ["x"], followerVariables: ["y"])
        let analyzer = try GameAnalyzer(game: game, options: quick())
        XCTAssertTrue(analyzer.dynamics.derivatives.leaderCostIgnoresFollower)
        let (report, _) = try analyzer.run()
        XCTAssertTrue(report.warnings.contains { $0.contains("the Stackelberg dynamic is individual play") }, "\(report.warnings)")
        let origin = try XCTUnwrap(report.equilibria.first { $0.point == [0, 0] })
        XCTAssertFalse(origin.isDifferentialStackelberg)
        XCTAssertTrue(origin.stackelbergReason.contains("Def. 1 needs ∇22 f2 ≻ 0"), origin.stackelbergReason)
        let st = try XCTUnwrap(origin.spectra.first { $0.dynamic == "stackelberg" })
        XCTAssertEqual(st.eigenvalues?.map(\.re).sorted(), [0, 2])
        XCTAssertTrue(st.note?.contains("∇2 f1 ≡ 0") ?? false, "\(st.note ?? "")")
        XCTAssertNotNil(analyzer.evaluate(at: [0.5, 0.5]).stackelbergGradient)
        XCTAssertFalse(try XCTUnwrap(report.trajectories.first { $0.dynamic == "stackelberg" }).undefinedAtStart)

        let bilinear = try GameAnalyzer(game: BuiltinGames.named("bilinear"), options: quick())
        XCTAssertFalse(bilinear.dynamics.derivatives.leaderCostIgnoresFollower)
        let c = bilinear.dynamics.classify([0, 0], rule: bilinear.options.rule)
        XCTAssertNil(try XCTUnwrap(c.spectra.first { $0.dynamic == "stackelberg" }).eigenvalues)
        XCTAssertNil(bilinear.evaluate(at: [0.5, 0.5]).stackelbergGradient)
        let bilinearWarnings = try bilinear.run().0.warnings
        XCTAssertFalse(bilinearWarnings.contains { $0.contains("individual play") }, "\(bilinearWarnings)")
    }

    /// f1 = 1, f2 = y²: every point of y = 0 is stationary; the report listed 9 of them as if distinct.
    func testALineOfStationaryPointsIsSaidToBeAContinuum() throws {
        let game = try Game.parse(leader: "1 + 0*x", follower: "y^2", leaderVariables: ["x"], followerVariables: ["y"])
        let (report, _) = try GameAnalyzer(game: game, options: quick()).run()
        XCTAssertGreaterThan(report.equilibria.count, 1)
        XCTAssertTrue(report.warnings.contains { $0.contains("may be samples of a continuum of stationary points") }, "\(report.warnings)")
        // An isolated equilibrium draws no such warning.
        let (quadratic, _) = try GameAnalyzer(game: BuiltinGames.quadratic(), options: quick()).run()
        XCTAssertFalse(quadratic.warnings.contains { $0.contains("continuum") })
    }

    /// Above 12 variables a grid of 2 per axis exceeds 4,096 starts, and the default grid of 1 per
    /// axis searched from the domain's centre alone; Halton points keep 4,096 starts.
    func testManyVariablesAreSearchedFromHaltonPointsFillingTheDomain() throws {
        let leader = (1...11).map { "x\($0)" }, follower = ["y1", "y2"]
        let game = try Game.parse(leader: leader.map { "(\($0)^2 - 0.5)^2" }.joined(separator: " + "),
                                  follower: follower.map { "(\($0)^2 - 0.5)^2" }.joined(separator: " + "),
                                  leaderVariables: leader, followerVariables: follower)
        let options = try AnalysisOptions().resolved(for: game)
        XCTAssertTrue(options.haltonStarts)
        XCTAssertEqual(options.rootStarts, 4096)
        let starts = haltonStarts(domain: game.domain, count: options.rootStarts)
        XCTAssertEqual(starts.count, 4096)
        XCTAssertEqual(Set(starts).count, 4096)
        for s in starts { for (v, r) in zip(s, game.domain) { XCTAssertTrue(r.contains(v)) } }
        // Every coordinate's values spread over its range (a grid of 1 per axis sat at the centre).
        for k in 0..<game.dimension {
            let values = starts.map { $0[k] }, r = game.domain[k]
            XCTAssertLessThan(values.min()!, r.lowerBound + 0.01 * (r.upperBound - r.lowerBound))
            XCTAssertGreaterThan(values.max()!, r.upperBound - 0.01 * (r.upperBound - r.lowerBound))
        }
        // An explicit --root-starts still asks for a grid.
        var o = AnalysisOptions()
        o.rootStartsPerAxis = 2
        XCTAssertFalse(try o.resolved(for: game).haltonStarts)
    }

    /// Refused option values are option errors (the CLI's exit 64), named by their option.
    func testRefusedOptionValuesAreOptionErrorsNamingTheOption() throws {
        let game = BuiltinGames.quadratic()
        func refusal(_ change: (inout AnalysisOptions) -> Void) -> String {
            var o = AnalysisOptions()
            change(&o)
            do { _ = try o.resolved(for: game); return "accepted" } catch {
                guard case .option(let m) = error else { return "not an option error: \(error)" }
                return m
            }
        }
        XCTAssertTrue(refusal { $0.lambda = -1 }.hasPrefix("--lambda must be positive"))
        XCTAssertTrue(refusal { $0.unroll = 0 }.hasPrefix("--unroll must be at least 1"))
        XCTAssertTrue(refusal { $0.start = [0.1] }.hasPrefix("--start: the point 0.1 has 1 coordinate;"))
        XCTAssertTrue(refusal { $0.leaderLearningRate = 0 }.contains("(--lr-leader)"))
        XCTAssertTrue(refusal { $0.timescaleRatio = 0.1; $0.leaderLearningRate = 0.5 }.contains("--lr-leader would be ignored"))
    }

    /// ∇22f2 ≺ 0: the implicit function theorem does give a best response; the point fails Def. 1
    /// because the follower is at a maximum, which is what the reason now says.
    func testANegativeDefiniteFollowerHessianIsNotCalledUndefined() throws {
        let game = try Game.parse(leader: "x^2 + x*y", follower: "-y^2 + x*y", leaderVariables: ["x"], followerVariables: ["y"])
        let (report, _) = try GameAnalyzer(game: game, options: quick()).run()
        let e = try XCTUnwrap(report.equilibria.first)
        XCTAssertFalse(e.isDifferentialStackelberg)
        XCTAssertTrue(e.stackelbergReason.contains("the implicit best response exists, but the follower is not at a local minimum"), e.stackelbergReason)
    }
}
