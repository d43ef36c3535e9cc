import Agents
import Autodiff
import Environments
import Foundation
@testable import Training
import XCTest

/// A run resumed by a build that reports more metrics keeps the columns its updates.csv started
/// with; the saturation diagnostic of the off-policy actors reads 1 exactly when the actor has
/// stopped learning.
final class UpdateLogColumnsTests: XCTestCase {
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    func testColumnsComeFromTheHeaderByName() throws {
        let reported = ["leader_loss", "follower_loss", "alpha", "actor_saturation"]
        let c = try UpdateLogColumns(header: "env_step,updates,alpha,leader_loss", reported: reported, path: "u.csv")
        XCTAssertEqual(c.indices, [2, 0])
        XCTAssertEqual(c.names, ["alpha", "leader_loss"])
        XCTAssertEqual(c.omitted, ["follower_loss", "actor_saturation"])
        XCTAssertEqual(UpdateLogColumns(reported: reported).indices, [0, 1, 2, 3])
    }

    func testAColumnThisBuildDoesNotReportIsRefusedByName() {
        XCTAssertThrowsError(try UpdateLogColumns(header: "env_step,updates,leader_loss,q_spread", reported: ["leader_loss"], path: "run/updates.csv")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("run/updates.csv logs q_spread"), text)
            XCTAssertTrue(text.contains("resume with the build that started the run"), text)
        }
        XCTAssertThrowsError(try UpdateLogColumns(header: "env_step,copy,return,length", reported: ["leader_loss"], path: "run/updates.csv")) { error in
            XCTAssertTrue("\(error)".contains("not this run's update log"), "\(error)")
        }
    }

    func testAWindowSavedWithFewerColumnsIsScatteredByIndex() throws {
        let m = UpdateMetrics(names: ["a", "b", "c"])
        try m.restoreWindow(sums: [4, 9], counts: [2, 3], savedColumns: [2, 0])
        XCTAssertEqual(m.windowMean(at: 0), 3)
        XCTAssertEqual(m.windowMean(at: 2), 2)
        XCTAssertEqual(m.windowCount(at: 1), 0)
        XCTAssertThrowsError(try m.restoreWindow(sums: [1, 2], counts: [1, 1]))
        XCTAssertThrowsError(try m.restoreWindow(sums: [1, 2], counts: [1, 1], savedColumns: [0, 7]))
    }

    func testSaturatedFractionCountsComponentsNearTheBound() throws {
        let box = try ActionBox(low: [-2, 0], high: [2, 1])
        // t = (a − bias)/scale: row 0 (0, 0.5) → (0, 0); row 1 (1.9995, 0.99999) → (0.99975, 0.99998);
        // row 2 (−2, 0.9) → (−1, 0.8). 1 − t² < 1e-3 for 0.99975, 0.99998 and −1.
        let actions: [Float] = [0, 0.5, 1.9995, 0.99999, -2, 0.9]
        XCTAssertEqual(box.saturatedFraction(actions, rows: 3), 3 / 6)
        XCTAssertEqual(box.saturatedFraction(actions, rows: 1), 0)
    }

    /// An actor pushed far into its tanh (the final layer's bias at 20): every component saturated,
    /// so the diagnostic reads 1 and STDDPG-AL's leader gradient and total derivative are exactly 0,
    /// the state STDDPG-AL's Hopper seed 0 reached at 18k steps.
    func testASaturatedActorLogsOneAndGetsNoGradient() throws {
        let env = try EnvironmentRegistry.make("pendulum", count: 1)
        var c = DDPGConfig()
        c.coupling = TotalDerivativeSpec(leader: .actor)
        c.common.actorWidths = [16]; c.common.criticWidths = [16]
        c.common.bufferSize = 500; c.common.batchSize = 16
        c.common.randomSteps = 0; c.common.updateAfter = 32; c.common.updateEvery = 1
        let agent = try DDPGAgent(config: c, environment: env, seed: 5)
        env.reset(seed: 5)
        while agent.updates < 3 { _ = try agent.iterate() }
        XCTAssertLessThan(agent.metrics["actor_saturation"]!, 0.5, "a fresh actor (output gain 0.01) is near the middle of its box")
        XCTAssertGreaterThan(agent.metrics["leader_gradient_norm"]!, 0)
        let bias = agent.actor.parameters.last!
        XCTAssertTrue(bias.name.hasSuffix("bias"), bias.name)
        bias.load([Float](repeating: 20, count: bias.count))
        let before = agent.updates
        while agent.updates == before { _ = try agent.iterate() }
        XCTAssertEqual(agent.metrics["actor_saturation"]!, 1)
        XCTAssertEqual(agent.metrics["leader_gradient_norm"]!, 0)
        XCTAssertEqual(agent.metrics["total_derivative_norm"]!, 0)
    }

    /// A DDPG run whose first half was written by a build without `actor_saturation` (its
    /// updates.csv, log sizes and metric window rewritten as that build would have left them)
    /// resumes under this one: its updates.csv keeps its columns, and every value in them is the
    /// uninterrupted run's.
    func testARunStartedWithFewerColumnsResumesWithThem() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("columns-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let make: @Sendable (Settings, VectorEnvironment, UInt64) throws -> Agent = { _, env, seed in
            var c = DDPGConfig()
            c.common.actorWidths = [16]; c.common.criticWidths = [16]
            c.common.bufferSize = 2_000; c.common.batchSize = 16
            c.common.randomSteps = 0; c.common.updateAfter = 64; c.common.updateEvery = 2
            return try DDPGAgent(config: c, environment: env, seed: seed)
        }
        func settings(_ steps: Int) throws -> Settings { try pendulumRunSettings(steps: steps) }
        try TrainingRun(settings: try settings(1_200), seed: 2, directory: root + "/whole", header: [], makeAgent: make).run(resume: false)
        let split = root + "/split"
        try TrainingRun(settings: try settings(800), seed: 2, directory: split, header: [], makeAgent: make).run(resume: false)

        // What the older build would have left: no last column, shorter log, window without it.
        let text = try String(contentsOfFile: split + "/updates.csv", encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasSuffix(",actor_saturation"), lines[0])
        let dropLast = { (line: String) in line.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
        let older = lines.map(dropLast).joined(separator: "\n") + "\n"
        try older.write(toFile: split + "/updates.csv", atomically: true, encoding: .utf8)
        let url = URL(fileURLWithPath: split + "/checkpoint.state")
        var state = try StateDictionary(contentsOf: url)
        var sizes = try state.integers("run.log_sizes", count: 3)
        XCTAssertEqual(sizes[1], Int64(text.utf8.count))
        sizes[1] = Int64(older.utf8.count)
        state["run.log_sizes"] = .integers(sizes)
        // The older build kept no CRC-32 of the logs (the edit above would be refused against it).
        state["run.log_checksums"] = nil
        state["run.metric_window_sums"] = .reals(Array(try state.reals("run.metric_window_sums").dropLast()))
        state["run.metric_window_counts"] = .integers(Array(try state.integers("run.metric_window_counts").dropLast()))
        try state.write(to: url)

        try TrainingRun(settings: try settings(1_200), seed: 2, directory: split, header: [], makeAgent: make).run(resume: true)
        let whole = try String(contentsOfFile: root + "/whole/updates.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        let resumed = try String(contentsOfFile: split + "/updates.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(resumed, whole.map(dropLast))
        XCTAssertGreaterThan(resumed.count, lines.count, "rows were added after the resume")
        XCTAssertEqual(try String(contentsOfFile: split + "/episodes.csv", encoding: .utf8),
                       try String(contentsOfFile: root + "/whole/episodes.csv", encoding: .utf8))
    }
}
