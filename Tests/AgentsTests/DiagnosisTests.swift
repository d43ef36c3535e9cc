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
    static func writeRun(_ dir: String, coupling: String, seed: Int, columns: [String], rows: [[String: Double]],
                         enabled: Bool = true, updates: String? = nil) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // The config states the λ the rows' diagnostics used, as train writes both (a mismatch is refused).
        let lambda = rows.lazy.compactMap { $0["game_lambda"] }.first(where: \.isFinite).map { "diagnostics.lambda = \($0)\n" } ?? ""
        try """
        # stackelberg train, resolved settings
        # seed = \(seed)
        # commit = abc1234
        # command = stackelberg train --algo sac --coupling \(coupling) --env pendulum --set diagnostics.enabled=true

        algo = "sac"
        coupling = "\(coupling)"
        env = "pendulum"
        total_steps = \(rows.count * 1000)
        diagnostics.enabled = \(enabled)
        \(lambda)
        """.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        try "env_step,copy,return,length\n1000,0,-500,200\n".write(toFile: dir + "/episodes.csv", atomically: true, encoding: .utf8)
        try "env_step,mean_return,returns\n1000,-400,-400\n".write(toFile: dir + "/eval.csv", atomically: true, encoding: .utf8)
        var text = (["env_step", "updates", "leader_loss"] + columns).joined(separator: ",") + "\n"
        for (t, row) in rows.enumerated() {
            text += (["\((t + 1) * 1000)", "\(t + 1)", "0.5"] + columns.map { row[$0].map { "\($0)" } ?? "nan" }).joined(separator: ",") + "\n"
        }
        try (updates ?? text).write(toFile: dir + "/updates.csv", atomically: true, encoding: .utf8)
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
    /// An infinite |Im|/|Re| (Re = 0) was left out of the rotation median and counted in the fraction beside it.
    func testMedianAndFractionCountInfinityAndLeaveOutNaN() {
        let rotation = [0.1, .infinity, .infinity, .nan, 0.2]
        XCTAssertEqual(DiagnosisStatistics.median(rotation), .infinity)
        XCTAssertEqual(DiagnosisStatistics.median([0.1, .infinity, .nan, 0.3]), 0.3)
        XCTAssertEqual(DiagnosisStatistics.fraction(rotation) { $0 > 0.5 }, 0.5)
        XCTAssertTrue(DiagnosisStatistics.median([.nan]).isNaN)
    }

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

    /// A total derivative measured where ∇²₂₂f₂ + λI is indefinite (λ = 0.1 below |λ_min| = 1.2) is
    /// flagged in its verdict; at λ = 500 (the other tests) it is not.
    func testAnIndefiniteRegularizedHessianIsFlagged() throws {
        let rows = Self.syntheticRows(spiral: false).map { r -> [String: Double] in
            var r = r; r["game_lambda"] = 0.1; r["game_hessian_min"] = -1.2; return r
        }
        try Self.writeRun("\(root)/ind/seed0", coupling: "individual", seed: 0, columns: Self.allColumns, rows: rows)
        let text = try Diagnosis(paths: [root]).report(provenance: nil).text
        XCTAssertTrue(text.contains("but ∇²₂₂f₂ + λI is indefinite in the median diagnostic (λ_min = -1.2 < −λ)"), text)
        XCTAssertTrue(text.contains("raise diagnostics.lambda above 1.2"), text)
        try FileManager.default.removeItem(atPath: root + "/ind")
        try Self.writeRun("\(root)/ind/seed0", coupling: "individual", seed: 0, columns: Self.allColumns, rows: Self.syntheticRows(spiral: false))
        XCTAssertFalse(try Diagnosis(paths: [root]).report(provenance: nil).text.contains("is indefinite in the median diagnostic"))
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
                       "total derivative Df₁ of the regularized Stackelberg field (λ = 500) turns the leader's step: median cos(∇₁f₁, Df₁) = 0.93",
                       "total derivative Df₁ of the regularized Stackelberg field (λ = 500) follows the leader's own gradient: median cos(∇₁f₁, Df₁) = 0.995",
                       "parameter path spirals", "parameter path goes straight", "times around its final point (not an equilibrium)",
                       "regularized Stackelberg field (λ = 500) vs individual field: median cos = ",
                       "sac-individual (seeds 0, 1; 120 diagnostics, one per logged row)", "60 diagnostics (one per logged row) from step 1000",
                       "(λmin < −1e-4·|λmax|)", "λmin < −1e-4·|λmax| (the flag game_hessian_indefinite", "one per logged row (not every diagnostic taken",
                       "no loss drop negative",
                       "median |Im|/|Re| of eig1 (rotation): sac-actor-leader 0.01; sac-individual 0.81",
                       "seed 0, commit abc1234", "config \(root)/ind/seed1/config.toml (total_steps = 60000, diagnostics.enabled = true, diagnostics.lambda = 500)",
                       "Thresholds: the field rotates when the median |Im|/|Re|"] {
            XCTAssertTrue(text.contains(phrase), "report.txt lacks: \(phrase)\n\(text)")
        }
        let json = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(DiagnosisReport.self, from: json)
        XCTAssertEqual(back.runs.count, 3)
        XCTAssertEqual(back.runs[0].settings["diagnostics.enabled"], "true")

        // Without the regularized Stackelberg field's spectrum nothing of it appears: no verdict, no
        // JSON key, no comparison line, no threshold clause, no triangles in jacobian_spectrum.
        XCTAssertFalse(report.groups.contains { $0.summary.stackelbergRotationMedian != nil || $0.verdicts.contains { $0.key == "stackelberg_rotation" } })
        for phrase in ["regularized Stackelberg field (λ = 500) rotates", "regularized Stackelberg field (λ = 500) hardly rotates",
                       "stackelberg_spectrum", "median |Im|/|Re| of eig1, regularized Stackelberg field"] {
            XCTAssertFalse(text.contains(phrase), phrase)
        }
        XCTAssertFalse(String(decoding: json, as: UTF8.self).contains("stackelbergRotat"))
        let spectrum = DiagnosisFigures.jacobianSpectrum(d, report: report)
        XCTAssertFalse(spectrum.body.contains("pt 9") || spectrum.body.contains("pt 8") || spectrum.body.contains("Stackelberg"), spectrum.body)
        XCTAssertTrue(spectrum.body.contains("title \"eig1 (largest |λ|)\"") && spectrum.body.contains("title \"eig2, eig3, …\""), spectrum.body)
    }

    /// The regularized Stackelberg field's spectrum (`diagnostics.stackelberg_spectrum = true`) beside
    /// the individual field's: a group whose individual field rotates (eig1 = 1 ± 0.8i) while its
    /// Stackelberg field's eig1 = 2 + 0.02i in four diagnostics of five and 2 + 0.4i in the fifth
    /// (|Im|/|Re| 0.01 and 0.2: median 0.01, 20% above 0.1), one seed logging the rotation columns and
    /// one only the eigenvalues; a second group without the columns.
    func testStackelbergSpectrumVerdictComparisonAndFigure() throws {
        func rows(logRotation: Bool) -> [[String: Double]] {
            Self.syntheticRows(spiral: true).enumerated().map { t, row in
                var row = row
                let im = t % 5 == 0 ? 0.4 : 0.02
                row["game_stackelberg_eig1_re"] = 2; row["game_stackelberg_eig1_im"] = im
                row["game_stackelberg_eig2_re"] = 0.5; row["game_stackelberg_eig2_im"] = 0
                if logRotation { row["game_stackelberg_rotation"] = im / 2; row["game_stackelberg_rotation_max"] = im / 2 }
                return row
            }
        }
        let eigenvalues = ["game_stackelberg_eig1_re", "game_stackelberg_eig1_im", "game_stackelberg_eig2_re", "game_stackelberg_eig2_im"]
        try Self.writeRun("\(root)/runs/al/seed0", coupling: "actor-leader", seed: 0,
                          columns: Self.allColumns + eigenvalues + ["game_stackelberg_rotation", "game_stackelberg_rotation_max"], rows: rows(logRotation: true))
        try Self.writeRun("\(root)/runs/al/seed1", coupling: "actor-leader", seed: 1, columns: Self.allColumns + eigenvalues, rows: rows(logRotation: false))
        try Self.writeRun("\(root)/runs/ind/seed0", coupling: "individual", seed: 0, columns: Self.allColumns, rows: Self.syntheticRows(spiral: false))
        let d = try Diagnosis(paths: [root + "/runs"])
        let seed1 = try XCTUnwrap(d.runs.first { $0.seed == 1 })
        XCTAssertTrue(seed1.hasStackelbergSpectrum)
        XCTAssertEqual(seed1.stackelbergEigenvalueColumns.map(\.re), ["game_stackelberg_eig1_re", "game_stackelberg_eig2_re"])
        XCTAssertEqual(seed1.stackelbergRotation[0], 0.2, accuracy: 1e-12)
        XCTAssertEqual(seed1.stackelbergRotation[1], 0.01, accuracy: 1e-12)
        XCTAssertFalse(try XCTUnwrap(d.runs.first { $0.coupling == "individual" }).hasStackelbergSpectrum)

        let report = d.report(provenance: nil)
        let al = try XCTUnwrap(report.groups.first { $0.name == "sac-actor-leader" })
        let ind = try XCTUnwrap(report.groups.first { $0.name == "sac-individual" })
        XCTAssertEqual(al.summary.rotationMedian, 0.81, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(al.summary.stackelbergRotationMedian), 0.01, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(al.summary.stackelbergRotatingFraction), 0.2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(al.summary.stackelbergRotationMaxMedian), 0.01, accuracy: 1e-12)
        XCTAssertNil(ind.summary.stackelbergRotationMedian)
        XCTAssertNil(ind.summary.stackelbergRotatingFraction)
        XCTAssertFalse(ind.verdicts.contains { $0.key == "stackelberg_rotation" })
        // After the individual field's verdict, with the same threshold.
        let keys = al.verdicts.map(\.key)
        XCTAssertEqual(keys.firstIndex(of: "stackelberg_rotation"), try XCTUnwrap(keys.firstIndex(of: "rotation")) + 1)
        XCTAssertEqual(al.verdicts.first { $0.key == "stackelberg_rotation" }?.value ?? .nan, 0.01, accuracy: 1e-12)
        // Each seed alone: the same numbers (seed 1 from its eigenvalue columns).
        for r in report.runs where r.group == "sac-actor-leader" {
            XCTAssertEqual(try XCTUnwrap(r.summary.stackelbergRotationMedian), 0.01, accuracy: 1e-12, r.directory)
            XCTAssertEqual(try XCTUnwrap(r.summary.stackelbergRotatingFraction), 0.2, accuracy: 1e-12, r.directory)
        }
        let text = report.text
        for phrase in ["the individual-play field (∇₁f₁, ∇₂f₂) rotates: median |Im|/|Re| = 0.81 (eig1), 100% of diagnostics with |Im|/|Re| > 0.1",
                       "the regularized Stackelberg field (λ = 500) hardly rotates: median |Im|/|Re| = 0.01 (eig1), 20% of diagnostics above 0.1; largest |Im|/|Re| over the leading eigenvalues: median 0.01",
                       "median |Im|/|Re| of eig1, regularized Stackelberg field (λ = 500): sac-actor-leader 0.01; sac-individual n/a (not logged)",
                       "median |Im|/|Re| of eig1 (rotation): sac-actor-leader 0.81; sac-individual 0.01",
                       "and the same threshold for the regularized Stackelberg field's where diagnostics.stackelberg_spectrum logged it"] {
            XCTAssertTrue(text.contains(phrase), "report.txt lacks: \(phrase)\n\(text)")
        }
        // report.json as the command writes it: the new keys beside the existing ones, absent without the columns.
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: try encoder.encode(report)) as? [String: Any])
        let groups = try XCTUnwrap(object["groups"] as? [[String: Any]])
        func summary(_ name: String) throws -> [String: Any] {
            try XCTUnwrap(groups.first { $0["name"] as? String == name }?["summary"] as? [String: Any])
        }
        XCTAssertEqual(try summary("sac-actor-leader")["stackelbergRotationMedian"] as? Double ?? .nan, 0.01, accuracy: 1e-12)
        XCTAssertEqual(try summary("sac-actor-leader")["stackelbergRotatingFraction"] as? Double ?? .nan, 0.2, accuracy: 1e-12)
        XCTAssertNotNil(try summary("sac-actor-leader")["rotationMedian"])
        XCTAssertNil(try summary("sac-individual")["stackelbergRotationMedian"])
        XCTAssertNil(try summary("sac-individual")["stackelbergRotatingFraction"])
        XCTAssertNotNil(try summary("sac-individual")["rotationMedian"])

        // jacobian_spectrum: both fields in the actor-leader panel (circles and triangles, coloured by
        // step), keyed once each; the individual group's panel as before.
        let figure = DiagnosisFigures.jacobianSpectrum(d, report: report)
        let body = figure.body
        for entry in ["pt 7 ps 0.8 lc palette title \"individual: eig1\"", "pt 6 ps 0.6 lc palette title \"individual: eig2, …\"",
                      "pt 9 ps 1.0 lc palette title \"regularized Stackelberg (λ = 500): eig1\"",
                      "pt 8 ps 0.8 lc palette title \"regularized Stackelberg (λ = 500): eig2, …\"",
                      "pt 7 ps 0.8 lc palette title \"eig1 (largest |λ|)\""] {
            XCTAssertEqual(body.components(separatedBy: entry).count - 1, 1, "\(entry)\n\(body)")
        }
        XCTAssertEqual(body.components(separatedBy: "pt 9 ps 1.0 lc palette").count - 1, 2, "eig1 of the Stackelberg field, once per seed")
        XCTAssertTrue(Self.unwrapped(body).contains("median |Im|/|Re| of eig1: individual 0.81, regularized Stackelberg 0.01"), body)
        XCTAssertTrue(figure.data.text.contains("sac-actor-leader seed 1: regularized Stackelberg eig1"), "the Stackelberg blocks in the data")
        guard Gnuplot.executable != nil else { throw XCTSkip("gnuplot is not installed") }
        let out = URL(fileURLWithPath: root + "/out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        XCTAssertNoThrow(try figure.write(to: out, formats: ["png"]))
        let size = ((try? FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("jacobian_spectrum.png").path))?[.size] as? Int) ?? 0
        XCTAssertGreaterThan(size, 5_000)
        if let keep = ProcessInfo.processInfo.environment["DIAGNOSIS_TEST_KEEP"] {
            try? FileManager.default.copyItem(at: out.appendingPathComponent("jacobian_spectrum.png"), to: URL(fileURLWithPath: keep))
        }
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
        try Self.writeRun(plain, coupling: "actor-leader", seed: 0, columns: [], rows: [[:], [:]], enabled: false)
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

    /// A run with diagnostics enabled that was stopped before its first log row (an empty
    /// updates.csv, or only its header) needs more training, not the setting it already has.
    func testARunStoppedBeforeItsFirstRowIsToldToTrainFurther() throws {
        for (name, updates) in [("empty", ""), ("header", "env_step,updates,leader_loss\n")] {
            let dir = try Self.writeRun("\(root)/\(name)/seed0", coupling: "critic-leader", seed: 0, columns: [], rows: [], updates: updates)
            XCTAssertThrowsError(try Diagnosis(paths: [dir])) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("\(dir) has diagnostics enabled (diagnostics.enabled = true in its config.toml) but its updates.csv \(name == "empty" ? "is empty" : "has no row") yet (the run stopped before its first log row); train it further"), text)
                XCTAssertFalse(text.contains("--set diagnostics.enabled=true"), text)
            }
        }
    }

    /// Numbers near a threshold print with the digits that put them on their side of it, counts
    /// agree in number, negative loss drops are counted, and a run with too few rows for a path
    /// says so (with the fix) in its verdict and its panel.
    func testVerdictWordingNearThresholdsAndShortRuns() throws {
        XCTAssertEqual(DiagnosisReport.percent(0.0119, near: 0.01), "1.19%")
        XCTAssertNotEqual(DiagnosisReport.percent(0.0100004, near: 0.01), "1%")
        XCTAssertEqual(DiagnosisReport.percent(0.01, near: 0.01), "1%")
        XCTAssertEqual(DiagnosisReport.percent(0.003), "0.3%")
        XCTAssertEqual(DiagnosisReport.percent(0.994), "99.4%")
        XCTAssertEqual(DiagnosisReport.fmt(0.98996, near: 0.99), "0.98996")
        XCTAssertEqual(DiagnosisReport.fmt(0.93, near: 0.99), "0.93")
        XCTAssertEqual(DiagnosisReport.count(1, "diagnostic"), "1 diagnostic")
        XCTAssertEqual(DiagnosisReport.count(2, "diagnostic"), "2 diagnostics")
        XCTAssertEqual(DiagnosisReport.power(1e-4), "1e-4")
        XCTAssertEqual(DiagnosisFigures.wrap("the field, λ = 0.1 (red)", width: 12), "the field,\nλ = 0.1\n(red)")

        // Relative drop 1.19% (far: not below 1%), 2 of 5 drops negative.
        var rows = Self.syntheticRows(spiral: false, count: 5)
        for t in rows.indices { rows[t]["game_follower_loss_drop"] = [0.119, -0.05, 0.119, -0.2, 0.3][t] }
        try Self.writeRun("\(root)/far/seed0", coupling: "actor-leader", seed: 0, columns: Self.allColumns, rows: rows)
        // Two rows: too few for a path.
        try Self.writeRun("\(root)/short/seed0", coupling: "critic-leader", seed: 0, columns: Self.allColumns, rows: Self.syntheticRows(spiral: false, count: 2))
        // One row: "1 diagnostic".
        try Self.writeRun("\(root)/one/seed0", coupling: "individual", seed: 0, columns: Self.allColumns, rows: Self.syntheticRows(spiral: false, count: 1))
        let d = try Diagnosis(paths: [root])
        let report = d.report(provenance: nil)
        let text = report.text
        for phrase in ["follower far from its best response: median loss drop 1.19% of f₂",
                       "2 of 5 loss drops negative (the follower's K steps overshot: f₂ rose)",
                       "sac-individual (seed 0; 1 diagnostic, one per logged row)",
                       "1 diagnostic (one per logged row) from step 1000",
                       "parameter path: 2 diagnostics: too few for a path (3 needed; one is logged per updates.csv row, every log_interval steps or one update, whichever is longer): lower log_interval (and diagnostics.interval, if it is longer), or train longer",
                       "parameter path: 1 diagnostic: too few for a path",
                       "sac-critic-leader n/a (too few diagnostics)"] {
            XCTAssertTrue(text.contains(phrase), "report.txt lacks: \(phrase)\n\(text)")
        }
        XCTAssertFalse(text.contains("1 diagnostics"), text)
        XCTAssertFalse(text.contains("loss drop 1% of f₂"), text)
        let short = try XCTUnwrap(report.groups.first { $0.name == "sac-critic-leader" })
        XCTAssertEqual(short.verdicts.first { $0.key == "parameter_path_too_short" }?.value, 2)
        XCTAssertEqual(report.groups.first { $0.name == "sac-actor-leader" }?.summary.negativeLossDrops, 2)

        let figures = DiagnosisFigures.all(d, report: report)
        let path = Self.unwrapped(figures[2].body)
        XCTAssertTrue(path.contains("2 diagnostics: too few for a path (3 needed; one is logged per updates.csv row, every log_interval steps or one update, whichever is longer): lower log_interval (and diagnostics.interval, if it is longer), or train longer"), path)
        XCTAssertFalse(path.contains("not logged"), path)
        // Negative drops: |drop| on the log axis, and marks where the drop was negative.
        let gap = figures[3]
        XCTAssertTrue(gap.body.contains("title \"drop < 0 (f₂ rose)\""), gap.body)
        XCTAssertTrue(Self.unwrapped(gap.body).contains("2 of 5 drops negative"), gap.body)
        XCTAssertTrue(gap.data.text.contains("0.05") && gap.data.text.contains("0.2"), "the negative drops' magnitudes are plotted")
    }

    /// A figure's script with its wrapped titles and labels joined again (gnuplot's "\n" as a space).
    static func unwrapped(_ body: String) -> String { body.replacingOccurrences(of: "\\n", with: " ") }

    /// The panels of `body`: each `set origin x, y` with the `set size noratio w, h` after it.
    static func panels(_ body: String) -> [(x: Double, y: Double, w: Double, h: Double)] {
        var out = [(x: Double, y: Double, w: Double, h: Double)](), origin: (Double, Double)?
        for line in body.split(separator: "\n") {
            let numbers = line.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
            if line.hasPrefix("set origin ") { origin = (numbers[0], numbers[1]) }
            if line.hasPrefix("set size noratio "), let o = origin { out.append((o.0, o.1, numbers[0], numbers[1])) }
        }
        return out
    }

    /// With many groups and seeds the figures wrap into a grid of at most 3 columns whose panels do not
    /// overlap, titles fit their panel (and the figure title its canvas), keys sit below the axes,
    /// and a key names each seed's dash pattern.
    func testFigureLayoutStaysReadableWithManyGroups() throws {
        for k in 0..<7 {
            for seed in 0..<(k == 0 ? 3 : 1) {
                // Seven groups with long names: one coupling at seven diagnostics.lambda (runs at different λ are groups apart).
                let rows = Self.syntheticRows(spiral: k % 2 == 0, count: 12).map { r in var r = r; r["game_lambda"] = Double(k + 1) / 1000; return r }
                _ = try Self.writeRun("\(root)/runs/c\(k)/seed\(seed)", coupling: "actor-leader", seed: seed,
                                      columns: Self.allColumns, rows: rows)
            }
        }
        let d = try Diagnosis(paths: [root + "/runs"])
        XCTAssertEqual(d.groups.count, 7)
        let figures = DiagnosisFigures.all(d, report: d.report(provenance: nil))
        let counts = ["gradient_vs_total_derivative": 2 * 7, "jacobian_spectrum": 7, "parameter_path": 9, "best_response_gap": 3 * 7]
        for f in figures {
            XCTAssertLessThanOrEqual(f.width, DiagnosisFigures.maxColumns * 560, f.name)
            let panels = Self.panels(f.body)
            XCTAssertEqual(panels.count, counts[f.name], f.name)
            XCTAssertLessThanOrEqual(Set(panels.map(\.x)).count, DiagnosisFigures.maxColumns, f.name)
            for (i, a) in panels.enumerated() {
                XCTAssertGreaterThanOrEqual(a.x, -1e-9); XCTAssertGreaterThanOrEqual(a.y, -1e-9)
                XCTAssertLessThanOrEqual(a.x + a.w, 1 + 1e-9, f.name)
                // Below the band of the figure's title (at least 20 px).
                XCTAssertLessThanOrEqual(a.y + a.h, 1 - 20 / Double(f.height), f.name)
                for b in panels[(i + 1)...] {
                    let overlap = min(a.x + a.w, b.x + b.w) - max(a.x, b.x) > 1e-9 && min(a.y + a.h, b.y + b.h) - max(a.y, b.y) > 1e-9
                    XCTAssertFalse(overlap, "\(f.name): panels overlap")
                }
            }
            for line in f.body.split(separator: "\n") where line.hasPrefix("set title ") {
                let title = line.dropFirst("set title \"".count).prefix { $0 != "\"" }
                for part in title.components(separatedBy: "\\n") {
                    XCTAssertLessThanOrEqual(part.count, DiagnosisFigures.maxTitleCharacters, "\(f.name): \(part)")
                }
            }
            let header = try XCTUnwrap(f.body.split(separator: "\n").first { $0.hasPrefix("set multiplot title") })
                .dropFirst("set multiplot title \"".count).prefix { $0 != "\"" }
            for part in header.components(separatedBy: "\\n") { XCTAssertLessThanOrEqual(Double(part.count) * 8, Double(f.width), "\(f.name): \(part)") }
            // Keys only below the axes.
            for line in f.body.split(separator: "\n") where line.hasPrefix("set key ") && line != "set key default" {
                XCTAssertTrue(line.hasPrefix("set key bmargin"), "\(f.name): \(line)")
            }
        }
        // The group with three seeds names each dash pattern; the single-seed groups need no such key.
        for name in ["gradient_vs_total_derivative", "best_response_gap"] {
            let body = try XCTUnwrap(figures.first { $0.name == name }).body
            for seed in 0..<3 { XCTAssertTrue(body.contains("keyentry with lines lw 1.5 dt \(seed + 1) lc rgb '#444444' title \"seed \(seed)\""), name) }
            XCTAssertEqual(body.components(separatedBy: "keyentry").count - 1, 3 * (name == "best_response_gap" ? 3 : 2), name)
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
        XCTAssertTrue(Self.unwrapped(figures[2].body).contains("sac-individual seed 1: PC1–PC2 hold >99.9% of the variance 60 diagnostics;"), figures[2].body)
        XCTAssertTrue(figures[2].body.contains("not logged: no game_path_* column"), figures[2].body)
    }
}
