import Foundation
import Plotting

/// The figures of `stackelberg diagnose`, one column of panels per coupling group (seeds overlaid,
/// one dash pattern per seed) and each a standalone `NAME.gp` with its `NAME.dat`, as the game
/// module writes its figures:
/// - `gradient_vs_total_derivative`: ‖∇₁f₁‖, ‖Df₁‖ and the correction's norm over environment steps
///   (log scale), and cos(∇₁f₁, Df₁) below;
/// - `jacobian_spectrum`: the game Jacobian's leading eigenvalues in the complex plane, coloured by
///   environment step;
/// - `parameter_path`: one panel per run, the sketched path projected on its two principal
///   directions, with the individual and Stackelberg fields mapped the same way as normalized arrows
///   (the deep-RL counterpart of the toy game's `vector_fields`);
/// - `best_response_gap`: ‖∇₂f₂‖ and the follower's loss drop, the follower Hessian's extreme
///   eigenvalues (symmetric log scale) and the fraction of indefinite Hessians.
public enum DiagnosisFigures {
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    static let panelWidth = 520, panelHeight = 380

    public static func all(_ d: Diagnosis, report: DiagnosisReport) -> [GnuplotFigure] {
        [gradientVsTotalDerivative(d), jacobianSpectrum(d, report: report), parameterPath(d), bestResponseGap(d)]
    }

    /// Text for a double-quoted gnuplot string.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// The settings every panel starts from, so that one panel's scales never leak into the next.
    static let panelReset = """
        unset logscale
        unset nonlinear y
        unset label
        unset arrow
        unset colorbox
        unset xzeroaxis
        unset yzeroaxis
        set autoscale
        set ytics auto
        set y2tics auto
        unset y2tics
        set ytics mirror
        unset xlabel
        unset ylabel
        unset cblabel
        set format x "%.1s%c"
        set format y "% h"
        set size noratio
        set offsets 0, 0, 0, 0
        set key default
        set key top right font ",8" samplen 2
        set grid

        """

    /// A panel with nothing to plot: its title and the reason in an empty frame (gnuplot refuses to
    /// autoscale a plot with no finite point).
    static func emptyPanel(_ title: String, _ why: String) -> String {
        panelReset + """
            set title \(quoted(title)) font ",10"
            set label 1 \(quoted(why)) at graph 0.5, 0.5 center font ",9"
            unset xtics
            unset ytics
            plot [0:1][0:1] NaN notitle
            set xtics
            set ytics

            """
    }

    static func seedLabel(_ r: DiagnosticRun) -> String { "seed \(r.seed.map(String.init) ?? "?")" }

    /// The layout header: one column per group, `rows` panels per column.
    static func multiplot(_ title: String, rows: Int, columns: Int) -> String {
        "set multiplot layout \(rows),\(columns) columnsfirst title \(quoted(title)) font \",12\"\nset termoption noenhanced\n"
    }

    /// Lines of one or more series of each run of a group over environment steps. `series` gives the
    /// column names with their legend; `transform` maps a row's values (nan drops the point).
    static func timePanel(_ f: inout GnuplotFigure, group: String, runs: [DiagnosticRun], title: String,
                          series: [(column: String, label: String)], ylabel: String, log: Bool,
                          settings: String = "", transform: ((String, Int, DiagnosticRun) -> Double)? = nil) -> String {
        var plots = [String](), anyPoint = false
        for (s, r) in runs.enumerated() {
            for (k, se) in series.enumerated() {
                guard let values = r.column(se.column) else { continue }
                let rows: [[Double]?] = r.steps.indices.map { t in
                    let v = transform?(se.column, t, r) ?? values[t]
                    return [r.steps[t], log && v <= 0 ? .nan : v]
                }
                guard rows.contains(where: { $0![1].isFinite }) else { continue }
                anyPoint = true
                let idx = f.data.addBlock("\(group) \(seedLabel(r)): \(se.label)", columns: ["env_step", se.column], rows: rows)
                let name = s == 0 ? "title \(quoted(se.label))" : "notitle"
                plots.append("datafile index \(idx) using 1:2 with lines lw 1.5 dt \(s % 5 + 1) lc rgb '\(colors[k % colors.count])' \(name)")
            }
        }
        let seeds = runs.map(seedLabel).joined(separator: ", ")
        let full = "\(group): \(title)" + (runs.count > 1 ? "\n(\(seeds); dash 1, 2, … per seed)" : " (\(seeds))")
        guard anyPoint else {
            return emptyPanel(full, "not logged: no \(log ? "positive " : "")finite value of " + series.map(\.column).joined(separator: ", "))
        }
        return panelReset + """
            set title \(quoted(full)) font ",10"
            set xlabel "environment steps"
            set ylabel \(quoted(ylabel))
            \(log ? "set logscale y\nset format y \"%.0e\"" : "")
            \(settings)
            plot \(plots.joined(separator: ", \\\n     "))

            """
    }

    /// ‖∇₁f₁‖, ‖Df₁‖ and the implicit correction's norm (log y), and the cosine between ∇₁f₁ and Df₁.
    public static func gradientVsTotalDerivative(_ d: Diagnosis) -> GnuplotFigure {
        var f = GnuplotFigure(name: "gradient_vs_total_derivative", width: max(700, panelWidth * d.groups.count), height: 2 * panelHeight + 60)
        var body = multiplot("leader's own gradient ∇₁f₁ against its total derivative Df₁ over training", rows: 2, columns: d.groups.count)
        for g in d.groups {
            let runs = d.runs(of: g)
            body += timePanel(&f, group: g, runs: runs, title: "gradient norms", series: [
                ("game_leader_gradient_norm", "‖∇₁f₁‖"), ("game_total_derivative_norm", "‖Df₁‖"), ("game_correction_norm", "‖correction‖")],
                ylabel: "norm (window mean)", log: true)
            body += timePanel(&f, group: g, runs: runs, title: "cos(∇₁f₁, Df₁)", series: [("game_total_derivative_cosine", "cosine")],
                              ylabel: "cosine", log: false, settings: "set yrange [*:1.05]")
        }
        f.body = body + "unset multiplot\n"
        return f
    }

    /// The leading eigenvalues of the game Jacobian in the complex plane, coloured by environment step.
    public static func jacobianSpectrum(_ d: Diagnosis, report: DiagnosisReport) -> GnuplotFigure {
        var f = GnuplotFigure(name: "jacobian_spectrum", width: max(700, (panelWidth + 60) * d.groups.count), height: panelHeight + 160)
        let allSteps = d.runs.flatMap(\.steps)
        let (lo, hi) = (allSteps.min() ?? 0, allSteps.max() ?? 1)
        var body = multiplot("leading eigenvalues of the Jacobian of the individual-play field (∇₁f₁, ∇₂f₂) (Arnoldi), coloured by environment step", rows: 1, columns: d.groups.count)
        for g in d.groups {
            let runs = d.runs(of: g)
            var plots = [String]()
            for (s, r) in runs.enumerated() {
                for (k, pair) in r.eigenvalueColumns.enumerated() {
                    let re = r.column(pair.re)!, im = r.column(pair.im)!
                    let rows: [[Double]?] = r.steps.indices.compactMap { t in
                        re[t].isFinite && im[t].isFinite ? [re[t], im[t], r.steps[t]] : nil
                    }
                    guard !rows.isEmpty else { continue }
                    let idx = f.data.addBlock("\(g) \(seedLabel(r)): eig\(k + 1)", columns: ["re", "im", "env_step"], rows: rows)
                    let style = k == 0 ? "pt 7 ps 0.7" : "pt 6 ps 0.5"
                    let name = s == 0 && k <= 1 ? "title \(quoted(k == 0 ? "eig1" : "eig2…"))" : "notitle"
                    plots.append("datafile index \(idx) using 1:2:3 with points \(style) lc palette \(name)")
                }
            }
            let median = report.groups.first { $0.name == g }?.summary.rotationMedian ?? .nan
            let title = "\(g) (\(runs.map(seedLabel).joined(separator: ", "))): median |Im|/|Re| of eig1 = \(DiagnosisReport.fmt(median))"
            guard !plots.isEmpty else { body += emptyPanel(title, "not logged: no finite game_eig*_re/_im"); continue }
            body += panelReset + """
                set title \(quoted(title)) font ",10"
                set xlabel "Re λ (> 0: contracting under −ω)"
                set ylabel "Im λ (rotation)"
                set xzeroaxis lt 1 lc rgb '#888888'
                set yzeroaxis lt 1 lc rgb '#888888'
                set palette rgb 33,13,10
                set cbrange [\(lo):\(hi == lo ? lo + 1 : hi)]
                set colorbox
                set cblabel "environment step"
                set format cb "%.1s%c"
                set format x "% h"
                set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
                plot \(plots.joined(separator: ", \\\n     "))

                """
        }
        f.body = body + "unset multiplot\n"
        return f
    }

    /// The sketched parameter path in its principal plane with the two fields as normalized arrows.
    public static func parameterPath(_ d: Diagnosis, arrows: Int = 20) -> GnuplotFigure {
        let rows = d.groups.map { d.runs(of: $0).count }.max() ?? 1
        var f = GnuplotFigure(name: "parameter_path", width: max(700, panelWidth * d.groups.count), height: rows * (panelHeight + 40) + 60)
        var body = multiplot("parameter path: PCA of the sketched displacement S(x − x₀), the individual (blue) and Stackelberg (red) fields mapped the same way", rows: rows, columns: d.groups.count)
        for g in d.groups {
            let runs = d.runs(of: g)
            for r in runs {
                let title = "\(g) \(seedLabel(r))"
                let pathRows = r.vectors("game_path_")
                let kept = pathRows.indices.filter { pathRows[$0] != nil }
                guard let pca = PathPCA.fit(kept.map { pathRows[$0]! }) else {
                    body += emptyPanel(title, "not logged: fewer than 3 finite rows of game_path_*")
                    continue
                }
                let points = kept.map { pca.project(pathRows[$0]!) }
                let xs = points.map(\.x), ys = points.map(\.y)
                let extentX = max((xs.max()! - xs.min()!), 1e-300), extentY = max((ys.max()! - ys.min()!), 1e-300)
                let pathBlock = f.data.addBlock("\(title): path in PC1, PC2", columns: ["pc1", "pc2", "env_step"],
                                                rows: zip(kept, points).map { [$1.x, $1.y, r.steps[$0]] })
                var plots = ["datafile index \(pathBlock) using 1:2:3 with lines lw 2 lc palette title 'path'",
                             "datafile index \(pathBlock) every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start'"]
                // Arrows at evenly spaced path points, each of one length on the page (a fraction
                // of the panel), pointing where the field points in the principal plane.
                let stride = max(1, kept.count / arrows)
                for (prefix, color, label) in [("game_field_", "#1f77b4", "individual −ω"), ("game_stackelberg_field_", "#d62728", "Stackelberg")] {
                    let fields = r.vectors(prefix)
                    var rowsOut = [[Double]?]()
                    for j in Swift.stride(from: 0, to: kept.count, by: stride) {
                        guard let v = fields[kept[j]] else { continue }
                        let m = pca.map(v)
                        let page = hypot(m.x / extentX, m.y / extentY)
                        guard page > 0, page.isFinite else { continue }
                        let s = 0.08 / page
                        rowsOut.append([points[j].x, points[j].y, m.x * s, m.y * s])
                    }
                    guard !rowsOut.isEmpty else { continue }
                    let idx = f.data.addBlock("\(title): \(label) field mapped to PC1, PC2 (normalized)", columns: ["pc1", "pc2", "dx", "dy"], rows: rowsOut)
                    plots.append("datafile index \(idx) using 1:2:3:4 with vectors head size screen 0.008,20 filled lw 1.2 lc rgb '\(color)' title \(quoted(label))")
                }
                let turns = DiagnosisStatistics.windingAngle(points) / (2 * .pi)
                body += panelReset + """
                    set title \(quoted("\(title): PC1–PC2 explain \(DiagnosisReport.percent(pca.explainedVariance)) of the path's variance; \(String(format: "%.2f", abs(turns) < 0.005 ? 0 : turns)) turns")) font ",10"
                    set xlabel "PC1"
                    set ylabel "PC2"
                    set format x "% h"
                    set palette rgb 33,13,10
                    set colorbox
                    set cblabel "environment step"
                    set format cb "%.1s%c"
                    set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
                    plot \(plots.joined(separator: ", \\\n     "))

                    """
            }
            for _ in runs.count..<rows { body += "set multiplot next\n" }
        }
        f.body = body + "unset multiplot\n"
        return f
    }

    /// ‖∇₂f₂‖ and the loss drop; the Hessian's extreme eigenvalues; the fraction indefinite.
    public static func bestResponseGap(_ d: Diagnosis) -> GnuplotFigure {
        var f = GnuplotFigure(name: "best_response_gap", width: max(700, panelWidth * d.groups.count), height: 3 * panelHeight + 60)
        var body = multiplot("the follower's best-response gap and the curvature of its loss ∇²₂₂f₂ over training", rows: 3, columns: d.groups.count)
        for g in d.groups {
            let runs = d.runs(of: g)
            body += timePanel(&f, group: g, runs: runs, title: "‖∇₂f₂‖ and loss drop f₂ − f₂(K more steps)", series: [
                ("game_follower_gradient_norm", "‖∇₂f₂‖"), ("game_follower_loss_drop", "loss drop")], ylabel: "window mean", log: true)
            // Symmetric log scale asinh(y/s): linear within ±s, logarithmic beyond; tics at ±10^k.
            let values = runs.flatMap { ($0.column("game_hessian_max") ?? []) + ($0.column("game_hessian_min") ?? []) }.filter(\.isFinite)
            let magnitudes = values.map(abs).filter { $0 > 0 }.sorted()
            let s = magnitudes.isEmpty ? 1 : pow(10, floor(log10(magnitudes[magnitudes.count / 2]))) / 10
            let top = magnitudes.last.map { Int(ceil(log10($0))) } ?? 1, bottom = Int(floor(log10(s)))
            // The range is set by hand: gnuplot's autoscale on a nonlinear axis cuts the extremes.
            let (low, high) = (values.min() ?? -1, values.max() ?? 1)
            let range = "set yrange [\(low < 0 ? 2 * low : -s):\(high > 0 ? 2 * high : s)]"
            var tics = ["\"0\" 0"]
            for k in Swift.stride(from: bottom, through: top, by: max(1, (top - bottom) / 4)) {
                tics.append("\"1e\(k)\" \(pow(10, Double(k)))"); tics.append("\"-1e\(k)\" \(-pow(10, Double(k)))")
            }
            body += timePanel(&f, group: g, runs: runs, title: "extreme eigenvalues of ∇²₂₂f₂ (Lanczos; symmetric log scale)", series: [
                ("game_hessian_max", "λmax"), ("game_hessian_min", "λmin")], ylabel: "eigenvalue", log: false,
                settings: "set nonlinear y via asinh(y/\(s)) inverse \(s)*sinh(y)\n\(range)\nset ytics (\(tics.joined(separator: ", ")))\nset xzeroaxis lt 1 lc rgb '#888888'")
            body += timePanel(&f, group: g, runs: runs, title: "fraction of indefinite Hessians (window mean)", series: [
                ("game_hessian_indefinite", "indefinite")], ylabel: "fraction", log: false, settings: "set yrange [-0.05:1.05]")
        }
        f.body = body + "unset multiplot\n"
        return f
    }
}
