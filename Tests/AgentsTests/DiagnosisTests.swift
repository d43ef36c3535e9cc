import Foundation
import Plotting
import Training
import XCTest

/// `stackelberg diagnose` on synthetic run directories: the PCA of the sketched path against a hand
/// computation, the verdicts' numbers, the refusals, and the figures rendering with gnuplot.
final class DiagnosisTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("diagnose-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    /// Writes a run directory: config.toml (with the seed and commit header lines), episodes.csv,
    /// eval.csv and updates.csv with `columns` after env_step,updates (`rows[t][column]`, nan if absent).
    @discardableResult
    static func writeRun(_ dir: String, coupling: String, seed: Int, columns: [String], rows: [[String: Double]]) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        # stackelberg train, resolved settings
        # seed = \(seed)
        # commit = abc1234
        # command = stackelberg train --algo sac --coupling \(coupling) --env pendulum --set diagnostics.enabled=true

        algo = "sac"
        coupling = "\(coupling)"
        env = "pendulum"
        total_steps = \(rows.count * 1000)
        diagnostics.enabled = true

        """.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        try "env_step,copy,return,length\n1000,0,-500,200\n".write(toFile: dir + "/episodes.csv", atomically: true, encoding: .utf8)
        try "env_step,mean_return,returns\n1000,-400,-400\n".write(toFile: dir + "/eval.csv", atomically: true, encoding: .utf8)
        var text = (["env_step", "updates", "leader_loss"] + columns).joined(separator: ",") + "\n"
        for (t, row) in rows.enumerated() {
            text += (["\((t + 1) * 1000)", "\(t + 1)", "0.5"] + columns.map { row[$0].map { "\($0)" } ?? "nan" }).joined(separator: ",") + "\n"
        }
        try text.write(toFile: dir + "/updates.csv", atomically: true, encoding: .utf8)
        return dir
    }

    static let scalarColumns = ["game_leader_gradient_norm", "game_total_derivative_norm", "game_correction_norm", "game_total_derivative_cosine", "game_lambda",
                                "game_follower_gradient_norm", "game_follower_loss", "game_follower_loss_drop",
                                "game_hessian_max", "game_hessian_min", "game_hessian_condition", "game_hessian_indefinite", "game_rotation", "game_rotation_max"]
    static func sketch(_ prefix: String, _ r: Int) -> [String] { (1...r).map { "\(prefix)\($0)" } }
    static func eigColumns() -> [String] { (1...4).flatMap { ["game_eig\($0)_re", "game_eig\($0)_im"] } }
    static var allColumns: [String] { scalarColumns + eigColumns() + sketch("game_path_", 8) + sketch("game_field_", 8) + sketch("game_stackelberg_field_", 8) }

    /// A run whose path spirals into a point in the first two sketch coordinates (individual play
    /// around a rotating equilibrium) and whose Jacobian has large imaginary parts, or one that goes
    /// straight with a nearly real spectrum.
    static func syntheticRows(spiral: Bool, count: Int = 60) -> [[String: Double]] {
        (0..<count).map { t in
            var row = [String: Double]()
            let s = Double(t)
            // Path: spiral r = 3·exp(−t/30) around (3, 0); straight: along (1, 2, 0, …).
            var path = [Double](repeating: 0, count: 8), field = path, stackelberg = path
            if spiral {
                let angle = 0.25 * s, radius = 3 * exp(-s / 30)
                path[0] = 3 + radius * cos(angle) - 3; path[1] = radius * sin(angle)
                path[2] = 0.01 * sin(3 * s)
                // The field is tangent (rotation) plus a little inward pull; Stackelberg points inward.
                field[0] = -sin(angle) - 0.1 * cos(angle); field[1] = cos(angle) - 0.1 * sin(angle)
                stackelberg[0] = -cos(angle); stackelberg[1] = -sin(angle)
            } else {
                path[0] = s; path[1] = 2 * s; path[2] = 0.01 * sin(3 * s)
                field[0] = 1; field[1] = 2
                stackelberg[0] = 1; stackelberg[1] = 2.1
            }
            for k in 0..<8 {
                row["game_path_\(k + 1)"] = path[k]; row["game_field_\(k + 1)"] = field[k]; row["game_stackelberg_field_\(k + 1)"] = stackelberg[k]
            }
            // Eigenvalues: eig1 = 1 ± i·0.8 (spiral) or 1 + 0.01i; the others real.
            let im = spiral ? 0.8 + 0.01 * Double(t % 3) : 0.01
            row["game_eig1_re"] = 1; row["game_eig1_im"] = im
            row["game_eig2_re"] = 1; row["game_eig2_im"] = -im
            row["game_eig3_re"] = 0.5; row["game_eig3_im"] = 0
            row["game_eig4_re"] = -0.2; row["game_eig4_im"] = 0
            row["game_rotation"] = im
            row["game_rotation_max"] = im
            row["game_leader_gradient_norm"] = 2; row["game_total_derivative_norm"] = 1.5; row["game_correction_norm"] = spiral ? 0.1 : 1
            row["game_total_derivative_cosine"] = spiral ? 0.995 : 0.93
            row["game_lambda"] = 500
            row["game_follower_gradient_norm"] = 0.05 * exp(-s / 20)
            row["game_follower_loss"] = 10; row["game_follower_loss_drop"] = spiral ? 0.03 : 2
            row["game_hessian_max"] = 12; row["game_hessian_min"] = t % 4 == 0 ? 0.5 : -0.3
            row["game_hessian_condition"] = t % 4 == 0 ? 24 : .nan
            row["game_hessian_indefinite"] = t % 4 == 0 ? 0 : 1
            return row
        }
    }

    /// PCA against a hand computation: x_t = (a_t + 0.1c_t, a_t − 0.1c_t, b_t) with orthogonal zero-mean
    /// contrasts a = (−3, −1, 1, 3), b = (1, −1, −1, 1), c = (−1, 3, −3, 1) has covariance eigenvalues
    /// 2·var(a) = 10 along (1, 1, 0)/√2, var(b) = 1 along (0, 0, 1), 2·0.01·var(c) = 0.1 along (1, −1, 0)/√2.
    func testPathPCAMatchesAHandComputation() throws {
        let a = [-3.0, -1, 1, 3], b = [1.0, -1, -1, 1], c = [-1.0, 3, -3, 1]
        let rows: [[Double]] = (0..<4).map { (t: Int) -> [Double] in
            let plus: Double = a[t] + 0.1 * c[t], minus: Double = a[t] - 0.1 * c[t]
            return [plus, minus, b[t]]
        }
        let pca = try XCTUnwrap(PathPCA.fit(rows))
        XCTAssertEqual(pca.variances[0], 10, accuracy: 1e-12)
        XCTAssertEqual(pca.variances[1], 1, accuracy: 1e-12)
        XCTAssertEqual(pca.variances[2], 0.1, accuracy: 1e-12)
        XCTAssertEqual(pca.explainedVariance, 11 / 11.1, accuracy: 1e-12)
        let r = 1 / 2.0.squareRoot()
        // PC1 points along the net displacement, PC2's largest component is positive.
        for (x, y) in zip(pca.directions[0], [r, r, 0]) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        for (x, y) in zip(pca.directions[1], [0, 0, 1.0]) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        // Coordinates: (√2·a_t, b_t); a field maps without the centring.
        for t in 0..<4 {
            let p = pca.project(rows[t])
            XCTAssertEqual(p.x, 2.0.squareRoot() * a[t], accuracy: 1e-12)
            XCTAssertEqual(p.y, b[t], accuracy: 1e-12)
        }
        let m = pca.map([1, 0, 2])
        XCTAssertEqual(m.x, r, accuracy: 1e-12); XCTAssertEqual(m.y, 2, accuracy: 1e-12)
        XCTAssertNil(PathPCA.fit(Array(rows.prefix(2))))
    }

    func testSpiralAndStraightPathsAndTheirVerdicts() throws {
        let cols = Self.allColumns
        try Self.writeRun("\(root)/ind/seed0", coupling: "individual", seed: 0, columns: cols, rows: Self.syntheticRows(spiral: true))
        try Self.writeRun("\(root)/ind/seed1", coupling: "individual", seed: 1, columns: cols, rows: Self.syntheticRows(spiral: true))
        try Self.writeRun("\(root)/al/seed0", coupling: "actor-leader", seed: 0, columns: cols, rows: Self.syntheticRows(spiral: false))
        let d = try Diagnosis(paths: [root])
        XCTAssertEqual(Set(d.groups), ["sac-individual", "sac-actor-leader"])
        let report = d.report(provenance: nil)
        let ind = try XCTUnwrap(report.groups.first { $0.name == "sac-individual" })
        let al = try XCTUnwrap(report.groups.first { $0.name == "sac-actor-leader" })
        XCTAssertEqual(ind.seeds, [0, 1])
        XCTAssertEqual(ind.summary.diagnostics, 120)
        // Rotation: eig1's |Im|/|Re| cycles 0.80, 0.81, 0.82 (20 each per seed): median 0.81.
        XCTAssertEqual(ind.summary.rotationMedian, 0.81, accuracy: 1e-12)
        XCTAssertEqual(ind.summary.rotatingFraction, 1)
        XCTAssertEqual(al.summary.rotationMedian, 0.01, accuracy: 1e-12)
        XCTAssertEqual(al.summary.rotatingFraction, 0)
        // Best response: 0.03/10 = 0.3% (near), 2/10 = 20% (far).
        XCTAssertEqual(ind.summary.relativeLossDropMedian, 0.003, accuracy: 1e-12)
        XCTAssertEqual(al.summary.relativeLossDropMedian, 0.2, accuracy: 1e-12)
        // Indefinite in 3 windows of 4 (mean of the windows' fractions); condition only where λmin > 0.
        XCTAssertEqual(ind.summary.indefiniteFraction, 0.75, accuracy: 1e-12)
        XCTAssertEqual(ind.summary.hessianConditionMedian, 24)
        XCTAssertEqual(al.summary.cosineMedian, 0.93)
        XCTAssertEqual(al.summary.correctionRatioMedian, 0.5, accuracy: 1e-12)
        // The spiral sweeps 59·0.25 rad ≈ 2.35 turns around its end; the straight path none, and its
        // net displacement is its length.
        let spiralPath = try XCTUnwrap(report.runs.first { $0.directory.hasSuffix("ind/seed0") }?.path)
        XCTAssertGreaterThan(abs(spiralPath.turns), 2); XCTAssertLessThan(abs(spiralPath.turns), 2.5)
        XCTAssertLessThan(spiralPath.straightness, 0.3)
        XCTAssertGreaterThan(spiralPath.explainedVariance, 0.99)
        XCTAssertEqual(spiralPath.sketchDimension, 8)
        let straight = try XCTUnwrap(report.runs.first { $0.directory.hasSuffix("al/seed0") }?.path)
        XCTAssertEqual(straight.turns, 0, accuracy: 0.01)
        XCTAssertEqual(straight.straightness, 1, accuracy: 1e-3)
        let expected: Double = 5.2 / (5.0.squareRoot() * 5.41.squareRoot())
        XCTAssertEqual(straight.fieldCosine, expected, accuracy: 1e-12)

        let text = report.text
        for phrase in ["the individual-play field (∇₁f₁, ∇₂f₂) rotates: median |Im|/|Re| = 0.81 (eig1), 100% of diagnostics with |Im|/|Re| > 0.1",
                       "hardly rotates: median |Im|/|Re| = 0.01 (eig1), 0% of diagnostics",
                       "follower near its best response: median loss drop 0.3% of f₂ (relative",
                       "follower far from its best response: median loss drop 20% of f₂",
                       "follower Hessian indefinite in 75% of diagnostics",
                       "total derivative turns the leader's step: median cos(∇₁f₁, Df₁) = 0.93",
                       "total derivative follows the leader's own gradient: median cos(∇₁f₁, Df₁) = 0.995",
                       "parameter path spirals", "parameter path goes straight",
                       "median |Im|/|Re| of eig1 (rotation): sac-actor-leader 0.01; sac-individual 0.81",
                       "seed 0, commit abc1234", "config \(root)/ind/seed1/config.toml (total_steps = 60000, diagnostics.enabled = true)",
                       "Thresholds: the field rotates when the median |Im|/|Re|"] {
            XCTAssertTrue(text.contains(phrase), "report.txt lacks: \(phrase)\n\(text)")
        }
        let json = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(DiagnosisReport.self, from: json)
        XCTAssertEqual(back.runs.count, 3)
        XCTAssertEqual(back.runs[0].settings["diagnostics.enabled"], "true")
    }

    func testRowsWithoutAnyDiagnosticAreSkippedAndSketchDimensionIsCounted() throws {
        var rows = Self.syntheticRows(spiral: false, count: 10)
        rows.insert([:], at: 3)  // a window without a diagnostic: every game_* is nan
        let cols = Self.scalarColumns + Self.sketch("game_path_", 5)
        let dir = try Self.writeRun("\(root)/r/seed3", coupling: "actor-leader", seed: 3, columns: cols, rows: rows)
        let run = try DiagnosticRun(directory: dir)
        XCTAssertEqual(run.steps.count, 10)
        XCTAssertFalse(run.steps.contains(4000))
        XCTAssertEqual(run.seed, 3)
        XCTAssertEqual(run.numbered("game_path_").count, 5)
        XCTAssertEqual(run.pathPCA?.directions[0].count, 5)
        // No eigenvalue columns: the rotation comes from game_rotation alone, and no path without fields.
        XCTAssertTrue(run.eigenvalueColumns.isEmpty)
        let report = try Diagnosis(runs: [run]).report(provenance: nil)
        XCTAssertEqual(report.runs[0].verdicts.first { $0.key == "rotation" }?.value, 0.01)
        XCTAssertEqual(report.runs[0].path?.fieldCosine.isNaN, true)
        XCTAssertTrue(report.runs[0].verdicts.contains { $0.key == "best_response_gap" })
    }

    func testRunsWithoutDiagnosticsAreRefusedByNameWithTheFix() throws {
        let plain = "\(root)/plain/seed0"
        try Self.writeRun(plain, coupling: "actor-leader", seed: 0, columns: [], rows: [[:], [:]])
        XCTAssertThrowsError(try Diagnosis(paths: [plain])) { error in
            XCTAssertEqual("\(error)", "\(plain) has no game diagnostics (no game_* column in its updates.csv): train it with --set diagnostics.enabled=true")
        }
        let empty = "\(root)/empty/seed0"
        try Self.writeRun(empty, coupling: "actor-leader", seed: 0, columns: ["game_lambda"], rows: [[:], [:]])
        XCTAssertThrowsError(try Diagnosis(paths: [empty])) { error in
            XCTAssertTrue("\(error)".contains("\(empty) has game_* columns but no row with a diagnostic yet"), "\(error)")
        }
        XCTAssertThrowsError(try Diagnosis(paths: ["\(root)/nothing-here"])) { error in
            XCTAssertTrue("\(error)".contains("is not a directory"), "\(error)")
        }
    }

    /// Every figure renders with gnuplot (PNG over 5 kB, as the notebook tests require), for several
    /// groups and for a run that logged only part of the diagnostics (its panels say what is missing).
    func testFiguresRender() throws {
        guard Gnuplot.executable != nil else { throw XCTSkip("gnuplot is not installed") }
        let cols = Self.allColumns
        try Self.writeRun("\(root)/runs/ind/seed0", coupling: "individual", seed: 0, columns: cols, rows: Self.syntheticRows(spiral: true))
        try Self.writeRun("\(root)/runs/ind/seed1", coupling: "individual", seed: 1, columns: cols, rows: Self.syntheticRows(spiral: true))
        try Self.writeRun("\(root)/runs/al/seed0", coupling: "actor-leader", seed: 0, columns: Self.scalarColumns, rows: Self.syntheticRows(spiral: false))
        let d = try Diagnosis(paths: [root + "/runs"])
        let out = URL(fileURLWithPath: root + "/out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let figures = DiagnosisFigures.all(d, report: d.report(provenance: nil))
        XCTAssertEqual(figures.map(\.name), ["gradient_vs_total_derivative", "jacobian_spectrum", "parameter_path", "best_response_gap"])
        for figure in figures {
            XCTAssertNoThrow(try figure.write(to: out, formats: ["png"]), figure.name)
            let png = out.appendingPathComponent("\(figure.name).png")
            let size = ((try? FileManager.default.attributesOfItem(atPath: png.path))?[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 5_000, figure.name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(figure.name).dat").path))
        }
        XCTAssertTrue(figures[2].body.contains("sac-individual seed 1: PC1–PC2 explain >99.9% of the path's variance"), figures[2].body)
        XCTAssertTrue(figures[2].body.contains("not logged: fewer than 3 finite rows of game_path_*"))
    }
}
