import Foundation
import Plotting

/// The figures of `stackelberg diagnose`, each a standalone `NAME.gp` with its `NAME.dat`, as the
/// game module writes its figures. Panels sit on an explicit grid of at most ``maxColumns`` columns
/// (the canvas grows downwards with more groups or runs), titles are wrapped to their panel's width
/// and the figure's title gets its own band, keys sit below their panel's axes (never on the data),
/// and where a panel overlays several seeds its key names each seed's dash pattern:
/// - `gradient_vs_total_derivative`: one row per coupling group: ‖∇₁f₁‖, ‖Df₁‖ and the correction's
///   norm over environment steps (log scale), and cos(∇₁f₁, Df₁) beside it;
/// - `jacobian_spectrum`: one panel per group: the game Jacobian's leading eigenvalues in the complex
///   plane, coloured by environment step;
/// - `parameter_path`: one panel per run: the sketched path projected on its two principal
///   directions, with the individual and regularized Stackelberg fields mapped the same way as
///   normalized arrows (the deep-RL counterpart of the toy game's `vector_fields`);
/// - `best_response_gap`: one row per group: ‖∇₂f₂‖ and |loss drop| (negative drops marked), the
///   follower Hessian's extreme eigenvalues (symmetric log scale) and the indefinite flag.
public enum DiagnosisFigures {
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    static let panelWidth = 560, panelHeight = 420
    /// Panels per row at most: more groups or runs wrap into further rows.
    public static let maxColumns = 3
    /// The longest line of a panel title (font size 10, about 6.6 px a character, centred over a
    /// plot area that a colour box can narrow).
    public static let maxTitleCharacters = 70
    /// About how wide a character of the figure title (font size 12) is, in pixels.
    static let headerCharacterWidth = 8.0

    public static func all(_ d: Diagnosis, report: DiagnosisReport) -> [GnuplotFigure] {
        [gradientVsTotalDerivative(d), jacobianSpectrum(d, report: report), parameterPath(d), bestResponseGap(d)]
    }

    /// Text for a double-quoted gnuplot string.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// Word-wraps each line of `text` to at most `width` characters (a longer word keeps its line).
    public static func wrap(_ text: String, width: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { paragraph -> String in
            var lines = [String](), current = ""
            // "λ = 0.1" stays on one line: "=" binds to the words either side of it.
            var words = [String]()
            var glue = false
            for word in paragraph.split(separator: " ").map(String.init) {
                if glue || word == "=", let last = words.popLast() { words.append(last + " " + word) } else { words.append(word) }
                glue = word == "="
            }
            for word in words {
                if current.isEmpty { current = String(word) } else if current.count + 1 + word.count <= width { current += " " + word } else {
                    lines.append(current); current = String(word)
                }
            }
            lines.append(current)
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The grid of a figure: `rows` × `columns` panels under a band for the figure's title, which is
    /// wrapped to the canvas width; the canvas is sized from both.
    struct Layout {
        let rows: Int, columns: Int
        let title: String
        /// At least 760 px, so that a single panel's figure title is not squeezed into many lines
        /// (the panels are centred).
        var width: Int { max(760, columns * panelWidth) }
        var headerHeight: Int { 16 + 20 * title.split(separator: "\n").count }
        /// A strip under the last row, so that its keys are not cut.
        static let footer = 12
        var height: Int { headerHeight + rows * panelHeight + Layout.footer }

        init(rows: Int, columns: Int, title: String) {
            self.rows = max(1, rows); self.columns = max(1, columns)
            self.title = wrap(title, width: Int(Double(max(760, self.columns * panelWidth) - 30) / headerCharacterWidth))
        }

        /// `count` panels filled row by row, at most `maxColumns` a row.
        init(panels count: Int, title: String) {
            let columns = min(maxColumns, max(1, count))
            self.init(rows: (count + columns - 1) / columns, columns: columns, title: title)
        }

        /// Places the next panel at (row, column), counted from the top left, in screen coordinates.
        func position(_ row: Int, _ column: Int) -> String {
            let w = Double(panelWidth) / Double(width), h = Double(panelHeight) / Double(height)
            let left = Double(width - columns * panelWidth) / 2 / Double(width)
            let x = left + Double(column) * w, y = (Double(Layout.footer) + Double((rows - 1 - row) * panelHeight)) / Double(height)
            return "set origin \(x), \(y)\nset size noratio \(w), \(h)\n"
        }

        func figure(_ name: String) -> GnuplotFigure { GnuplotFigure(name: name, width: width, height: height) }

        /// The multiplot header: the figure's title in its band, panels placed by ``position``.
        var header: String { "set multiplot title \(quoted(title)) font \",12\"\nset termoption noenhanced\n" }
    }

    /// The settings every panel starts from, so that one panel's scales never leak into the next.
    /// Keys go below the axes, off the data.
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
        set offsets 0, 0, 0, 0
        set key default
        set key bmargin center horizontal font ",9" samplen 2.5 spacing 1.1 width 1 height 1.5
        set grid

        """

    /// A panel title: wrapped to the panel and set in font size 10.
    static func title(_ text: String) -> String {
        "set title \(quoted(wrap(text, width: maxTitleCharacters))) font \",10\"\n"
    }

    /// A panel with nothing to plot: its title and the reason in an empty frame (gnuplot refuses to
    /// autoscale a plot with no finite point).
    static func emptyPanel(_ position: String, _ heading: String, _ why: String) -> String {
        panelReset + position + title(heading) + """
            set label 1 \(quoted(wrap(why, width: 60))) at graph 0.5, 0.5 center font ",9"
            unset xtics
            unset ytics
            plot [0:1][0:1] NaN notitle
            set xtics
            set ytics

            """
    }

    static func seedLabel(_ r: DiagnosticRun) -> String { "seed \(r.seed.map(String.init) ?? "?")" }

    static func seedsLabel(_ runs: [DiagnosticRun]) -> String {
        runs.count == 1 ? seedLabel(runs[0]) : "seeds " + runs.map { $0.seed.map(String.init) ?? "?" }.joined(separator: ", ")
    }

    /// The dash pattern of the `s`-th run of a group.
    static func dash(_ s: Int) -> Int { s % 5 + 1 }

    /// Key entries naming each seed's dash pattern (only where a panel overlays several seeds).
    static func seedKey(_ runs: [DiagnosticRun]) -> [String] {
        guard runs.count > 1 else { return [] }
        return runs.enumerated().map { s, r in "keyentry with lines lw 1.5 dt \(dash(s)) lc rgb '#444444' title \(quoted(seedLabel(r)))" }
    }

    /// The median λ the runs logged (nan when none did).
    static func lambda(_ runs: [DiagnosticRun]) -> Double {
        DiagnosisStatistics.median(runs.flatMap { $0.column("game_lambda") ?? [] })
    }

    static func lambdaText(_ runs: [DiagnosticRun]) -> String {
        let l = lambda(runs)
        return l.isNaN ? "" : ", λ = \(DiagnosisReport.fmt(l))"
    }

    /// One series of a time panel: a column mapped by `map` (nan drops the point), as lines or as
    /// points (marks).
    struct Series {
        var column: String
        var label: String
        var color: String
        var points = false
        var map: (Double) -> Double = { $0 }
    }

    /// One or more series of each run of a group over environment steps, one dash pattern per seed.
    static func timePanel(_ f: inout GnuplotFigure, at position: String, group: String, runs: [DiagnosticRun], title heading: String,
                          series: [Series], ylabel: String, log: Bool, settings: String = "") -> String {
        var plots = [String](), anyPoint = false, titled = Set<Int>(), plottedSteps = [Double]()
        for (s, r) in runs.enumerated() {
            for (k, se) in series.enumerated() {
                guard let values = r.column(se.column) else { continue }
                let rows: [[Double]?] = r.steps.indices.map { t in
                    let v = se.map(values[t])
                    return [r.steps[t], log && v <= 0 ? .nan : v]
                }
                let finite = rows.compactMap { $0 }.filter { $0[1].isFinite }
                guard !finite.isEmpty else { continue }
                anyPoint = true
                plottedSteps += finite.map { $0[0] }
                let idx = f.data.addBlock("\(group) \(seedLabel(r)): \(se.label)", columns: ["env_step", se.column], rows: rows)
                // Each series is named once, by the first run that has a point of it.
                let name = titled.insert(k).inserted ? "title \(quoted(se.label))" : "notitle"
                // A line needs two points: a run with one diagnostic drew an empty panel.
                let style = se.points || finite.count < 2 ? "with points pt \(se.points ? 8 : 7) ps 1.3 lw 1.5" : "with lines lw 1.5 dt \(dash(s))"
                plots.append("datafile index \(idx) using 1:2 \(style) lc rgb '\(se.color)' \(name)")
            }
        }
        let full = "\(group) (\(seedsLabel(runs)))\n\(heading)"
        guard anyPoint else {
            return emptyPanel(position, full, "not logged: no \(log ? "positive " : "")finite value of " + series.map(\.column).joined(separator: ", "))
        }
        // All points at one step (a run with one diagnostic): gnuplot's autoscale spans nothing around it and
        // repeats that step along the axis; the range from 0 shows where in training it lies.
        let oneStep = plottedSteps.min() == plottedSteps.max() ? plottedSteps.first : nil
        return panelReset + position + title(full) + """
            set xlabel "environment steps"
            \(oneStep.map { "set xrange [0:\(Swift.max($0, 1) * 1.25)]" } ?? "")
            set ylabel \(quoted(ylabel))
            \(log ? "set logscale y\nset format y \"%.0e\"" : "")
            \(settings)
            plot \((plots + seedKey(runs)).joined(separator: ", \\\n     "))

            """
    }

    /// ‖∇₁f₁‖, ‖Df₁‖ and the implicit correction's norm (log y), and the cosine between ∇₁f₁ and Df₁:
    /// one row per group.
    public static func gradientVsTotalDerivative(_ d: Diagnosis) -> GnuplotFigure {
        let layout = Layout(rows: d.groups.count, columns: 2, title:
            "The leader's own gradient ∇₁f₁ against its total derivative Df₁, the leader's part of the regularized Stackelberg field\(lambdaText(d.runs))")
        var f = layout.figure("gradient_vs_total_derivative")
        var body = layout.header
        for (row, g) in d.groups.enumerated() {
            let runs = d.runs(of: g)
            body += timePanel(&f, at: layout.position(row, 0), group: g, runs: runs, title: "‖∇₁f₁‖, ‖Df₁‖ and ‖correction‖\(lambdaText(runs))", series: [
                Series(column: "game_leader_gradient_norm", label: "‖∇₁f₁‖", color: colors[0]),
                Series(column: "game_total_derivative_norm", label: "‖Df₁‖", color: colors[1]),
                Series(column: "game_correction_norm", label: "‖correction‖", color: colors[2])],
                ylabel: "norm", log: true)
            body += timePanel(&f, at: layout.position(row, 1), group: g, runs: runs, title: "cos(∇₁f₁, Df₁)",
                              series: [Series(column: "game_total_derivative_cosine", label: "cos(∇₁f₁, Df₁)", color: colors[0])],
                              ylabel: "cosine", log: false, settings: "set yrange [*:1.05]")
        }
        f.body = body + "unset multiplot\n"
        return f
    }

    /// The leading eigenvalues of the game Jacobian in the complex plane, coloured by environment
    /// step: one panel per group, at most ``maxColumns`` a row. Where runs logged the regularized
    /// Stackelberg field's spectrum (`diagnostics.stackelberg_spectrum`), its eigenvalues are drawn
    /// beside the individual field's as triangles (the individual field's as circles), coloured the same way.
    public static func jacobianSpectrum(_ d: Diagnosis, report: DiagnosisReport) -> GnuplotFigure {
        let stackelberg = d.runs.contains(where: \.hasStackelbergSpectrum)
        let layout = Layout(panels: d.groups.count, title: stackelberg
            ? "Leading eigenvalues λ of the Jacobians of the individual-play field ω = (∇₁f₁, ∇₂f₂) (circles) and of the regularized Stackelberg field (Df₁, ∇₂f₂)\(lambdaText(d.runs.filter(\.hasStackelbergSpectrum))) (triangles), coloured by environment step: Re λ > 0 contracts under the negated field, Im λ ≠ 0 rotates"
            : "Leading eigenvalues λ of the Jacobian of the individual-play field ω = (∇₁f₁, ∇₂f₂) (Arnoldi), coloured by environment step: Re λ > 0 contracts under −ω, Im λ ≠ 0 rotates")
        var f = layout.figure("jacobian_spectrum")
        var body = layout.header
        for (i, g) in d.groups.enumerated() {
            let position = layout.position(i / layout.columns, i % layout.columns)
            let runs = d.runs(of: g)
            // Each panel's colours span its own group's steps (groups may have trained for very
            // different lengths).
            let steps = runs.flatMap(\.steps)
            let (lo, hi) = (steps.min() ?? 0, steps.max() ?? 1)
            var plots = [String](), largest = 0.0
            // The individual field's eigenvalues as circles; where logged, the regularized Stackelberg
            // field's as triangles (filled: eig1, open: the others), drawn first so that the circles stay
            // visible on top. Each kind is keyed once, by the first run of the group that has a point of
            // it (without the Stackelberg spectrum, by the first run).
            let withStackelberg = runs.contains(where: \.hasStackelbergSpectrum)
            let stackelbergName = "regularized Stackelberg" + (lambda(runs).isNaN ? "" : " (λ = \(DiagnosisReport.fmt(lambda(runs))))")
            var titled = Set<String>()
            for (s, r) in runs.enumerated() {
                let kinds: [(columns: [(re: String, im: String)], field: String, label: String, styles: (String, String))] =
                    [(r.stackelbergEigenvalueColumns, "regularized Stackelberg", stackelbergName, ("pt 9 ps 1.0", "pt 8 ps 0.8")),
                     (r.eigenvalueColumns, "individual", withStackelberg ? "individual" : "", ("pt 7 ps 0.8", "pt 6 ps 0.6"))]
                for kind in kinds {
                    for (k, pair) in kind.columns.enumerated() {
                        let re = r.column(pair.re)!, im = r.column(pair.im)!
                        let rows: [[Double]?] = r.steps.indices.compactMap { t in
                            re[t].isFinite && im[t].isFinite ? [re[t], im[t], r.steps[t]] : nil
                        }
                        guard !rows.isEmpty else { continue }
                        largest = max(largest, rows.map { abs($0![0]) }.max() ?? 0)
                        let what = kind.field == "individual" ? "eig\(k + 1)" : "\(kind.field) eig\(k + 1)"
                        let idx = f.data.addBlock("\(g) \(seedLabel(r)): \(what)", columns: ["re", "im", "env_step"], rows: rows)
                        let style = k == 0 ? kind.styles.0 : kind.styles.1
                        let key = kind.label.isEmpty ? (k == 0 ? "eig1 (largest |λ|)" : "eig2, eig3, …") : "\(kind.label): \(k == 0 ? "eig1" : "eig2, …")"
                        let keyed = withStackelberg ? titled.insert(key).inserted : s == 0 && k <= 1
                        let name = keyed ? "title \(quoted(key))" : "notitle"
                        plots.append("datafile index \(idx) using 1:2:3 with points \(style) lc palette \(name)")
                    }
                }
            }
            let summary = report.groups.first { $0.name == g }?.summary
            let median = summary?.rotationMedian ?? .nan
            let heading = "\(g) (\(seedsLabel(runs)))\n" + (withStackelberg
                ? "median |Im|/|Re| of eig1: individual \(DiagnosisReport.fmt(median)), regularized Stackelberg \(DiagnosisReport.fmt(summary?.stackelbergRotationMedian ?? .nan))"
                : "median |Im|/|Re| of eig1 = \(DiagnosisReport.fmt(median))")
            guard !plots.isEmpty else { body += emptyPanel(position, heading, "not logged: no finite game_eig*_re/_im"); continue }
            body += panelReset + position + title(heading) + """
                set xlabel "Re λ"
                set ylabel "Im λ"
                set xzeroaxis lt 1 lc rgb '#888888'
                set yzeroaxis lt 1 lc rgb '#888888'
                set palette rgb 33,13,10
                set cbrange [\(lo):\(hi == lo ? lo + 1 : hi)]
                set colorbox
                set cblabel "environment step"
                set format cb "%.1s%c"
                set format x \(largest >= 1e4 ? "\"%.0s%c\"" : "\"% h\"")
                set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
                plot \(plots.joined(separator: ", \\\n     "))

                """
        }
        f.body = body + "unset multiplot\n"
        return f
    }

    /// The sketched parameter path in its principal plane with the two fields as normalized arrows:
    /// one panel per run, at most ``maxColumns`` a row.
    public static func parameterPath(_ d: Diagnosis, arrows: Int = 20) -> GnuplotFigure {
        let lambda = lambdaText(d.runs)
        let stackelbergLabel = "regularized Stackelberg" + (lambda.isEmpty ? "" : " (\(lambda.dropFirst(2)))")
        let layout = Layout(panels: d.runs.count, title:
            "Parameter path: PCA of the sketched displacement S(x − x₀), coloured by environment step, with the individual field −ω (blue) and the regularized Stackelberg field −(Df₁, ∇₂f₂)\(lambda) (orange, wider, beneath) mapped the same way, as arrows of one length")
        var f = layout.figure("parameter_path")
        var body = layout.header
        let t = DiagnosisReport.Thresholds()
        for (i, r) in d.runs.enumerated() {
            let position = layout.position(i / layout.columns, i % layout.columns)
            let heading = "\(r.group) \(seedLabel(r))"
            let pathRows = r.vectors("game_path_")
            let kept = pathRows.indices.filter { pathRows[$0] != nil }
            guard let pca = PathPCA.fit(kept.map { pathRows[$0]! }) else {
                let why = r.pathShortfall ?? "not logged: no game_path_* column (the sketch, diagnostics.sketch_dimension)"
                body += emptyPanel(position, heading, why)
                continue
            }
            let points = kept.map { pca.project(pathRows[$0]!) }
            let xs = points.map(\.x), ys = points.map(\.y)
            let extentX = max((xs.max()! - xs.min()!), 1e-300), extentY = max((ys.max()! - ys.min()!), 1e-300)
            let pathBlock = f.data.addBlock("\(heading): path in PC1, PC2", columns: ["pc1", "pc2", "env_step"],
                                            rows: zip(kept, points).map { [$1.x, $1.y, r.steps[$0]] })
            var plots = ["datafile index \(pathBlock) using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)'",
                         "datafile index \(pathBlock) every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start'"]
            // Arrows at evenly spaced path points, each of one length on the page (a fraction of
            // the panel), pointing where the field points in the principal plane. The Stackelberg
            // arrows are drawn first and wider, so the individual ones stay visible on top where the
            // two fields agree.
            let stride = max(1, kept.count / arrows)
            // Orange and blue, neither in the path's palette (purple through teal to yellow).
            for (prefix, color, label, width) in [("game_stackelberg_field_", "#ff7f0e", stackelbergLabel, 3.6), ("game_field_", "#1f4fb4", "individual −ω", 1.2)] {
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
                let idx = f.data.addBlock("\(heading): \(label) field mapped to PC1, PC2 (normalized)", columns: ["pc1", "pc2", "dx", "dy"], rows: rowsOut)
                let head = width > 2 ? "0.011,25" : "0.007,20"
                plots.append("datafile index \(idx) using 1:2:3:4 with vectors head size screen \(head) filled lw \(width) lc rgb '\(color)' title \(quoted(label))")
            }
            let turns = DiagnosisStatistics.windingAngle(points) / (2 * .pi)
            let (first, last) = (r.steps[kept.first!], r.steps[kept.last!])
            body += panelReset + position + title("\(heading): PC1–PC2 hold \(DiagnosisReport.percent(pca.explainedVariance)) of the variance\n\(DiagnosisReport.count(kept.count, "diagnostic")); \(DiagnosisReport.turns(turns, t)) turns around its final point") + """
                set xlabel "PC1"
                set ylabel "PC2"
                set format x "% h"
                set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
                set cbrange [\(first):\(last == first ? first + 1 : last)]
                set colorbox
                set cblabel "environment step"
                set format cb "%.1s%c"
                set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
                plot \(plots.joined(separator: ", \\\n     "))

                """
        }
        f.body = body + "unset multiplot\n"
        return f
    }

    /// ‖∇₂f₂‖ and |loss drop| (negative drops marked); the Hessian's extreme eigenvalues; the
    /// indefinite flag: one row per group.
    public static func bestResponseGap(_ d: Diagnosis) -> GnuplotFigure {
        let cut = DiagnosisReport.power(DiagnosisReport.Thresholds().indefiniteRelative)
        let layout = Layout(rows: d.groups.count, columns: 3, title:
            "The follower's best-response gap and the curvature of its loss ∇²₂₂f₂ over training")
        var f = layout.figure("best_response_gap")
        var body = layout.header
        for (row, g) in d.groups.enumerated() {
            let runs = d.runs(of: g)
            let drops = runs.flatMap { $0.column("game_follower_loss_drop") ?? [] }.filter(\.isFinite)
            let negative = drops.filter { $0 < 0 }.count
            body += timePanel(&f, at: layout.position(row, 0), group: g, runs: runs,
                              title: "‖∇₂f₂‖ and |loss drop f₂ − f₂(K more steps)|\n\(negative) of \(DiagnosisReport.count(drops.count, "drop")) negative (△: f₂ rose)", series: [
                Series(column: "game_follower_gradient_norm", label: "‖∇₂f₂‖", color: colors[0]),
                Series(column: "game_follower_loss_drop", label: "|loss drop|", color: colors[1], map: { abs($0) }),
                Series(column: "game_follower_loss_drop", label: "drop < 0 (f₂ rose)", color: colors[1], points: true, map: { $0 < 0 ? -$0 : .nan })],
                ylabel: "norm, |loss drop|", log: true)
            // Symmetric log scale asinh(y/s): linear within ±s, logarithmic beyond; tics at ±10^k.
            let relative = DiagnosisReport.Thresholds().indefiniteRelative
            let values = runs.flatMap { r -> [Double] in
                let top = r.column("game_hessian_max") ?? []
                return top + (r.column("game_hessian_min") ?? []) + top.map { -relative * abs($0) }
            }.filter(\.isFinite)
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
            body += timePanel(&f, at: layout.position(row, 1), group: g, runs: runs, title: "extreme eigenvalues of ∇²₂₂f₂ (Lanczos), symmetric log scale", series: [
                Series(column: "game_hessian_max", label: "λmax", color: colors[0]),
                Series(column: "game_hessian_min", label: "λmin", color: colors[1]),
                Series(column: "game_hessian_max", label: "−\(cut)·|λmax| (indefinite below)", color: "#888888",
                       map: { -relative * abs($0) })],
                ylabel: "eigenvalue", log: false,
                settings: "set nonlinear y via asinh(y/\(s)) inverse \(s)*sinh(y)\n\(range)\nset ytics (\(tics.joined(separator: ", ")))\nset xzeroaxis lt 1 lc rgb '#888888'")
            body += timePanel(&f, at: layout.position(row, 2), group: g, runs: runs, title: "indefinite ∇²₂₂f₂ (λmin < −\(cut)·|λmax|), per logged row", series: [
                Series(column: "game_hessian_indefinite", label: "indefinite (1) or not (0)", color: colors[0])],
                ylabel: "indefinite", log: false, settings: "set yrange [-0.05:1.05]")
        }
        f.body = body + "unset multiplot\n"
        return f
    }
}
