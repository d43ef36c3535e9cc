import Foundation

/// `stackelberg windows --csv`: the same windows as one CSV table over every run given, for a
/// notebook or a spreadsheet to read instead of the Markdown report.
///
/// One row per run and window: `run` (the directory), `pair`, `env`, `seed` (empty where unknown),
/// `lo` and `hi` (the window (lo, hi] in environment steps), `statistic` (what each column cell is:
/// `median`, `quantile 0.9`, `mean`), `rows` (update-log rows in it), one cell per column asked for (the
/// union over the runs, in the order first met: a run that does not log a column leaves it empty),
/// then `greedy` and `training` (the means, as in the report). Numbers are written in full
/// (Swift's shortest round-trip form); an empty cell is no value (nan), and infinities are `inf` and
/// `-inf`, which NumPy, pandas and Python's `float` read. Fields holding a comma, a quote or a line
/// end are quoted as RFC 4180 says. The runs' headline scores (final, mean and best greedy
/// evaluations) are not in it: the Markdown report and `stackelberg compare` give them.
extension UpdateWindows {
    /// The CSV text for `summaries` (header included).
    public static func csv(_ summaries: [UpdateWindows]) -> String {
        var columns = [String]()
        for s in summaries { for c in s.columns where !columns.contains(c) { columns.append(c) } }
        var out = (["run", "pair", "env", "seed", "lo", "hi", "statistic", "rows"] + columns + ["greedy", "training"]).map(field).joined(separator: ",") + "\n"
        for s in summaries {
            let position = Dictionary(s.columns.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
            for w in s.windows {
                var cells = [s.run.directory, s.run.pair, s.run.env, s.run.seed >= 0 ? String(s.run.seed) : "",
                             String(w.lo), String(w.hi), s.statisticName, String(w.rows)].map(field)
                cells += columns.map { c in position[c].map { csvNumber(w.values[$0]) } ?? "" }
                cells += [csvNumber(w.greedy), csvNumber(w.training)]
                out += cells.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// A number in full; empty for nan.
    static func csvNumber(_ x: Double) -> String {
        x.isNaN ? "" : x.isInfinite ? (x > 0 ? "inf" : "-inf") : "\(x)"
    }

    /// A text field, quoted when it holds a separator, a quote or a line end (RFC 4180).
    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
