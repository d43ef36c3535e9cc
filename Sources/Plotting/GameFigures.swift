import Foundation
import Games

/// The analysis figures: vector fields with trajectories, error to equilibrium, leader's return,
/// and the Jacobian spectrum as λ sweeps from 0 to ∞.
public enum GameFigures {
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    static func label(_ k: DynamicKind) -> String {
        switch k {
        case .individual: return "individual gradient"
        case .stackelberg: return "Stackelberg gradient"
        case .regularized(let l): return "Stackelberg, λ = \(l)"
        }
    }

    /// The names `all` can return (each written as NAME.gp, NAME.dat and its renders).
    public static let names = ["vector_fields", "error", "leader_return", "spectrum_lambda"]

    public static func all(report: AnalysisReport, series: AnalysisSeries, game: Game) -> [GnuplotFigure] {
        var figures = [vectorFields(series, game: game), error(series, report: report), leaderReturn(series, game: game)]
        if let s = report.lambdaSweep { figures.append(spectrum(s, game: game)) }
        return figures
    }

    /// Figs. 1a–b, 2, 4, 6: one panel per dynamic, normalized arrows and discrete trajectories.
    public static func vectorFields(_ series: AnalysisSeries, game: Game) -> GnuplotFigure {
        var f = GnuplotFigure(name: "vector_fields", width: 520 * series.panels.count, height: 520)
        let (a, b) = series.plane
        let xa = game.variables[a], yb = game.variables[b]
        let ra = game.domain[a], rb = game.domain[b]
        // Off the plotted plane the other coordinates are held fixed: say at what.
        let held = game.variables.indices.filter { $0 != a && $0 != b && $0 < series.base.count }
            .map { "\(game.variables[$0]) = \(String(format: "%.4g", series.base[$0]))" }
        let heldText = held.isEmpty ? "" : "\\n{/*0.8 other variables held at \(held.joined(separator: ", "))}"
        var body = """
        set multiplot layout 1,\(series.panels.count) title "\(game.name): vector fields and trajectories (leader \(xa), follower \(yb))\(heldText)"
        set size ratio -1
        set xrange [\(ra.lowerBound):\(ra.upperBound)]
        set yrange [\(rb.lowerBound):\(rb.upperBound)]
        set xlabel "\(xa) (leader)"
        set ylabel "\(yb) (follower)"
        set key off

        """
        for (i, p) in series.panels.enumerated() {
            var plots: [String] = []
            if let g = p.field {
                let spacing = min((ra.upperBound - ra.lowerBound) / Double(g.xs.count), (rb.upperBound - rb.lowerBound) / Double(g.ys.count))
                var rows: [[Double]?] = []
                for (k, (dx, dy)) in zip(g.dx, g.dy).enumerated() {
                    let norm = (dx * dx + dy * dy).squareRoot()
                    guard norm.isFinite, norm > 0 else { continue }
                    let s = 0.8 * spacing / norm
                    rows.append([g.xs[k / g.ys.count], g.ys[k % g.ys.count], dx * s, dy * s, log10(norm)])
                }
                let idx = f.data.addBlock("field: \(label(p.dynamic))", columns: ["x", "y", "dx", "dy", "log10|g|"], rows: rows)
                plots.append("datafile index \(idx) using 1:2:3:4 with vectors head size 0.012,20 filled lc rgb '#9a9a9a'")
            }
            var trajRows: [[Double]?] = []
            for path in p.trajectories {
                for z in path { trajRows.append([z[a], z[b]]) }
                trajRows.append(nil)
            }
            let t = f.data.addBlock("trajectories: \(label(p.dynamic))", columns: ["x", "y"], rows: trajRows)
            plots.append("datafile index \(t) using 1:2 with lines lw 2 lc rgb '\(colors[i % colors.count])'")
            let starts = p.trajectories.compactMap(\.first).map { [$0[a], $0[b]] as [Double]? }
            let s = f.data.addBlock("starts: \(label(p.dynamic))", columns: ["x", "y"], rows: starts)
            plots.append("datafile index \(s) using 1:2 with points pt 7 ps 0.8 lc rgb 'black'")
            body += "set title \"(\(Character(UnicodeScalar(97 + i)!))) \(label(p.dynamic))\(p.note.map { "\\n{/*0.8 \($0)}" } ?? "")\"\n"
            body += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        }
        body += "unset multiplot\n"
        f.body = body
        return f
    }

    /// Figs. 1c, 5a, 7a: ‖z − z*‖² over iterations, log scale.
    public static func error(_ series: AnalysisSeries, report: AnalysisReport) -> GnuplotFigure {
        // Log scale: only positive finite errors can be drawn.
        if !series.errors.contains(where: { $0.1.contains { $0.1 > 0 && $0.1.isFinite } }) {
            let why = report.referenceEquilibrium == nil
                ? "no stationary point was found, so there is no z* to measure the error to"
                : "no trajectory has a finite, positive error (see report.txt)"
            return .placeholder(name: "error", title: "\(report.game.name): error to the equilibrium", message: "nothing to plot: \(why)")
        }
        var f = GnuplotFigure(name: "error")
        var plots: [String] = []
        for (i, (kind, rows)) in series.errors.enumerated() {
            let idx = f.data.addBlock("error: \(label(kind))", columns: ["iteration", "squared_error"],
                                      rows: rows.filter { $0.1 > 0 }.map { [Double($0.0), $0.1] })
            plots.append("datafile index \(idx) using 1:2 with lines lw 2 lc rgb '\(colors[i % colors.count])' title '\(label(kind))'")
        }
        let target = report.referenceEquilibrium.map { "(" + $0.map { String(format: "%.3g", $0) }.joined(separator: ", ") + ")" } ?? "?"
        f.body = """
        set title "\(report.game.name): error to the equilibrium z* = \(target)"
        set xlabel "iteration"
        set ylabel "‖z − z*‖²"
        set logscale y
        set format y "10^{%L}"
        set grid
        set key top right
        plot \(plots.joined(separator: ", \\\n     "))
        """
        return f
    }

    /// Figs. 5b, 7b: the leader's return over iterations.
    public static func leaderReturn(_ series: AnalysisSeries, game: Game) -> GnuplotFigure {
        if !series.returns.contains(where: { $0.1.contains { $0.1.isFinite } }) {
            return .placeholder(name: "leader_return", title: "\(game.name): leader's return \(game.leaderReturnLabel)",
                                message: "nothing to plot: the leader's return is not finite along any trajectory (see the warnings in report.txt)")
        }
        var f = GnuplotFigure(name: "leader_return")
        var plots: [String] = []
        for (i, (kind, rows)) in series.returns.enumerated() {
            let idx = f.data.addBlock("return: \(label(kind))", columns: ["iteration", "return"], rows: rows.map { [Double($0.0), $0.1] })
            plots.append("datafile index \(idx) using 1:2 with lines lw 2 lc rgb '\(colors[i % colors.count])' title '\(label(kind))'")
        }
        f.body = """
        set title "\(game.name): leader's return \(game.leaderReturnLabel)"
        set xlabel "iteration"
        set ylabel "return"
        set grid
        set key bottom right
        plot \(plots.joined(separator: ", \\\n     "))
        """
        return f
    }

    /// Prop. 2 made visible: real (and imaginary) parts of spec(Dg) of the regularized dynamic over λ,
    /// with the Stackelberg (λ = 0) and individual (λ → ∞) spectra as dashed references.
    public static func spectrum(_ s: AnalysisReport.LambdaSweep, game: Game) -> GnuplotFigure {
        let point = s.point.map { String(format: "%.3g", $0) }.joined(separator: ", ")
        let finite = s.eigenvalues.contains { $0?.contains { $0.re.isFinite && $0.im.isFinite } ?? false }
        if !finite {
            return .placeholder(name: "spectrum_lambda", title: "\(game.name): spectrum of Dg for the regularized Stackelberg dynamic at z = (\(point))",
                                message: "nothing to plot: Dg is not finite at z = (\(point)) for any λ of the sweep (choose another point with --spectrum-at)",
                                width: 1100, height: 500)
        }
        var f = GnuplotFigure(name: "spectrum_lambda", width: 1100, height: 500)
        let n = game.dimension
        let lo = s.lambdas.first ?? 1e-4, hi = s.lambdas.last ?? 1e4
        func rows(_ part: (Complex) -> Double) -> [[Double]?] {
            zip(s.lambdas, s.eigenvalues).map { l, e in [l] + (0..<n).map { k in e.map { part($0[k]) } ?? .nan } }
        }
        let cols = ["lambda"] + (1...n).map { "eig\($0)" }
        let re = f.data.addBlock("real parts of spec(Dg), regularized dynamic", columns: cols, rows: rows(\.re))
        let im = f.data.addBlock("imaginary parts of spec(Dg), regularized dynamic", columns: cols, rows: rows(\.im))
        func reference(_ e: [Complex]?, _ title: String, _ part: (Complex) -> Double) -> Int {
            let values = e.map { $0.map(part) } ?? []
            return f.data.addBlock(title, columns: ["lambda", "value"], rows: values.flatMap { v in [[lo, v], [hi, v], nil] })
        }
        let stRe = reference(s.stackelbergEigenvalues, "Stackelberg (λ = 0) real parts", \.re)
        let inRe = reference(s.individualEigenvalues, "individual (λ → ∞) real parts", \.re)
        let stIm = reference(s.stackelbergEigenvalues, "Stackelberg (λ = 0) imaginary parts", \.im)
        let inIm = reference(s.individualEigenvalues, "individual (λ → ∞) imaginary parts", \.im)
        func panel(_ block: Int, _ st: Int, _ ind: Int) -> String {
            var p = (0..<n).map { k in "datafile index \(block) using 1:\(k + 2) with linespoints pt 7 ps 0.5 lw 2 lc rgb '\(colors[k % colors.count])' title 'eigenvalue \(k + 1)'" }
            p.append("datafile index \(st) using 1:2 with lines dt 2 lw 1.5 lc rgb 'black' title 'Stackelberg (λ = 0)'")
            p.append("datafile index \(ind) using 1:2 with lines dt 3 lw 1.5 lc rgb '#777777' title 'individual (λ → ∞)'")
            return "plot " + p.joined(separator: ", \\\n     ")
        }
        f.body = """
        set multiplot layout 1,2 title "\(game.name): spectrum of Dg for the regularized Stackelberg dynamic at z = (\(point))"
        set logscale x
        set format x "10^{%L}"
        set xlabel "λ"
        set grid
        set key center right opaque box font ",9"
        set title "real parts (stable iff all > 0)"
        \(panel(re, stRe, inRe))
        set title "imaginary parts (rotation)"
        \(panel(im, stIm, inIm))
        unset multiplot
        """
        return f
    }
}
