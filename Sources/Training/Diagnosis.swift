import Foundation

/// The game diagnostics of one seed's run, read back from its `updates.csv` (`stackelberg diagnose`).
///
/// Training with `--set diagnostics.enabled=true` adds `game_*` columns to `updates.csv`, one
/// diagnostic per logged row: the leader's gradient and total derivative (norms, cosine, λ), the
/// follower's gradient and best-response gap, the follower Hessian's extreme eigenvalues, the game
/// Jacobian's leading eigenvalues, and a random sketch of the joint parameter path with the
/// individual and regularized Stackelberg update fields at its points. A column is `nan` in windows
/// that held no diagnostic; rows where every `game_*` column is `nan` are dropped here, so the kept
/// rows count the logged diagnostics (not every diagnostic taken when `diagnostics.interval` is
/// shorter than a log window).
public struct DiagnosticRun: Sendable {
    public let directory: String
    public let settings: Settings
    public let algo: String
    public let coupling: String
    public let env: String
    /// From the config's `# seed = N` header line (else the `seedN` directory name).
    public let seed: Int?
    /// From the config's `# commit = …` header line.
    public let commit: String?
    /// "algo-coupling"; ``Diagnosis`` prefixes the environment when runs of several are read.
    public internal(set) var group: String
    /// Whether the run has finished (its summary.json), and the steps its config trains: an unfinished
    /// run's diagnostics end where it stopped, which the report says (`compare` leaves such runs out).
    public let finished: Bool
    public let plannedSteps: Int?
    /// The `game_*` columns, in file order.
    public let columns: [String]
    /// The environment step of each kept row.
    public let steps: [Double]
    /// Per column, its value in each kept row (nan where that window held none).
    private let data: [String: [Double]]

    /// Reads `directory/config.toml` and `directory/updates.csv`. Errors (`TrainingError.io`) name the
    /// directory and the fix: a missing file, or a run trained without diagnostics.
    public init(directory: String) throws {
        self.directory = directory
        let configPath = directory + "/config.toml"
        guard let configText = try? String(contentsOfFile: configPath, encoding: .utf8) else {
            throw TrainingError.io("\(configPath) is missing: give run directories written by `stackelberg train` (OUT/ENV/ALGO-COUPLING/seedN)")
        }
        settings = try Settings(contentsOf: configPath)
        // Names checked as compare and windows check them (a coupling misspelt in an edited config made a group of its own).
        (algo, coupling, env) = try SeedLog.checkedNames(settings, directory: directory)
        let header = RunConfigHeader(text: configText)
        seed = header.seed(directory: directory)
        commit = header.value("commit")
        group = "\(algo)-\(coupling)"
        // Read as `windows` and `compare` read it: a row that does not read, or a step out of order or
        // past the run, is damage and refused, never dropped (a dropped row would change a verdict).
        let (finished, trained, planned): (Bool, Int?, (steps: Int, batch: Int)?)
        do { (finished, trained, planned) = try SeedLog.trainedSteps(directory: directory, config: AlgorithmRegistry.completing(settings)) }
        catch let e as SettingsError { throw TrainingError.io("\(configPath): \(e): it is not a config written by `stackelberg train` (restore it, or leave the run out)") }
        self.finished = finished
        plannedSteps = trained ?? planned?.steps
        // Named as stored (updates.csv, or updates.csv.gz for a log committed compressed).
        let log = storedLogName(directory: directory, file: "updates.csv")
        // One row per log step: a repeated row counted its diagnostic twice.
        let (head, table) = try readLogRows(directory: directory, file: "updates.csv", finished: finished,
                                            maxStep: trained ?? planned?.steps, distinctSteps: true, parse: logNumbers)
        try Self.checkNumberedColumns(head, file: "\(directory)/\(log)")
        let game = head.indices.filter { head[$0].hasPrefix("game_") }
        guard !game.isEmpty else {
            // A run trained with diagnostics that stopped before its first log row has an empty
            // updates.csv (or only its header): it needs more training, not the setting; a finished
            // one needs a new run (or its log restored).
            if (try? settings.bool("diagnostics.enabled")) == true {
                if table.isEmpty {
                    let has = "\(directory) has diagnostics enabled (diagnostics.enabled = true in its config.toml) but its \(log) \(head.isEmpty ? "is empty" : "has no row")"
                    // A finished run cannot be resumed (its summary.json marks it done): more training is a new run.
                    throw TrainingError.io(finished
                        ? has + ", though the run has finished (summary.json): it ended before its first log row, or the log was emptied since; restore the log, or train a new run with more steps"
                        : has + " yet (the run stopped before its first log row); train it further (its train command again, with --resume once it has a checkpoint)")
                }
                throw TrainingError.io("\(directory) has diagnostics enabled (diagnostics.enabled = true in its config.toml) but no game_* column in its \(log): was it written by an older stackelberg? Train it again with this one")
            }
            throw TrainingError.io("\(directory) has no game diagnostics (no game_* column in its \(log)): train it with --set diagnostics.enabled=true")
        }
        guard let stepColumn = head.firstIndex(of: "env_step") else {
            throw TrainingError.io("\(directory)/\(log) has no env_step column: is this a run directory of `stackelberg train`?")
        }
        columns = game.map { head[$0] }
        var steps = [Double](), values = [[Double]](repeating: [], count: game.count)
        for f in table {
            let row = game.map { f[$0] }
            // Rows between diagnostics log nan in every game_* column.
            guard row.contains(where: { !$0.isNaN }) else { continue }
            steps.append(f[stepColumn])
            for k in row.indices { values[k].append(row[k]) }
        }
        guard !steps.isEmpty else {
            // A finished run cannot be extended (a resume must keep total_steps): it needs a new one.
            throw TrainingError.io("\(directory) has game_* columns but no row with a diagnostic yet (every value is nan): "
                + (finished ? "the run finished before its first diagnostic; train a new run with more steps than diagnostics.interval updates, or a smaller diagnostics.interval"
                            : "resume the run until it passes diagnostics.interval updates"))
        }
        self.steps = steps
        data = Dictionary(uniqueKeysWithValues: zip(columns, values))
        // The report groups and labels runs by config.toml's diagnostics.lambda; the log records the λ each
        // diagnostic used (game_lambda, a Float32). A run's diagnostics use one λ, and a config edited after
        // the run would put it in another group, labelled with a λ it was not diagnosed at.
        if let column = data["game_lambda"] {
            var used = [Float]()
            for x in column where x.isFinite && !used.contains(Float(x)) { used.append(Float(x)) }
            if used.count > 1 {
                throw TrainingError.io("\(directory)/\(log) records more than one λ in game_lambda (\(used.prefix(3).map { "\($0)" }.joined(separator: ", "))), where a run's diagnostics use one (diagnostics.lambda): the log is damaged; restore it, or leave the run out")
            }
            let written = settings["diagnostics.lambda"]
            let configured: Double?
            do { configured = try AlgorithmRegistry.completing(settings).double("diagnostics.lambda") } catch { configured = nil }
            // A value train never writes (a string, a table): the config was edited, whatever the log says.
            guard let configured, !settings.keys.contains(where: { $0.hasPrefix("diagnostics.lambda.") }) else {
                throw TrainingError.io("\(configPath) has diagnostics.lambda = \(written?.description ?? "a table"), not a number as `stackelberg train` writes it: the config was changed after the run; restore it, or leave the run out")
            }
            if let logged = used.first, logged != Float(configured) {
                throw TrainingError.io("\(configPath) has diagnostics.lambda = \(written?.description ?? "unset (\(configured))"), but its \(log) says the run's diagnostics used λ = \(logged) (game_lambda): the config was changed after the run; restore it, or leave the run out")
            }
        }
    }

    /// Refuses a log whose numbered game columns have a gap or half a pair: the eigenvalues `…eigK_re` and
    /// `…eigK_im` for K = 1…n, the path sketch and the two fields' sketches (`game_path_1…n`, `game_field_…`,
    /// `game_stackelberg_field_…`). A missing column would shift every series
    /// after it (eig2's parts read as eig1's), a wrong figure with exit 0.
    static func checkNumberedColumns(_ head: [String], file: String) throws {
        func numbers(_ prefix: String, _ suffix: String) -> [Int] {
            head.compactMap { c in
                guard c.hasPrefix(prefix), c.hasSuffix(suffix), c.count > prefix.count + suffix.count else { return nil }
                return Int(c.dropFirst(prefix.count).dropLast(suffix.count))
            }.sorted()
        }
        let damaged = "the log is damaged (a column lost): restore it from a copy, or leave the run out"
        for prefix in ["game_eig", "game_stackelberg_eig"] {
            let re = numbers(prefix, "_re"), im = numbers(prefix, "_im")
            if let k = Set(re).symmetricDifference(im).min() {
                throw TrainingError.io("\(file) has \(prefix)\(k)_\(re.contains(k) ? "re" : "im") but not \(prefix)\(k)_\(re.contains(k) ? "im" : "re"): \(damaged)")
            }
            if let gap = (1...max(1, re.count)).first(where: { !re.contains($0) }), !re.isEmpty {
                throw TrainingError.io("\(file) has \(prefix)\(re.last!)_re but not \(prefix)\(gap)_re: \(damaged)")
            }
        }
        for prefix in ["game_path_", "game_field_", "game_stackelberg_field_"] {
            let k = numbers(prefix, "")
            if !k.isEmpty, let gap = (1...k.count).first(where: { !k.contains($0) }) {
                throw TrainingError.io("\(file) has \(prefix)\(k.last!) but not \(prefix)\(gap): \(damaged)")
            }
        }
    }

    /// The column's values in each kept row, or nil when the run did not log it.
    public func column(_ name: String) -> [Double]? { data[name] }

    /// The columns `prefix1`, `prefix2`, … in order of their number (a sketch or the eigenvalues).
    public func numbered(_ prefix: String) -> [String] {
        columns.compactMap { c -> (Int, String)? in
            guard c.hasPrefix(prefix), let k = Int(c.dropFirst(prefix.count)) else { return nil }
            return (k, c)
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Per kept row, the vector of the numbered columns (nil when any of them is not finite).
    public func vectors(_ prefix: String) -> [[Double]?] {
        let cols = numbered(prefix).map { data[$0]! }
        guard !cols.isEmpty else { return steps.map { _ in nil } }
        return steps.indices.map { t in
            let v = cols.map { $0[t] }
            return v.allSatisfy(\.isFinite) ? v : nil
        }
    }

    /// |Im|/|Re| of eig1 per row: the logged `game_rotation`, else from eig1.
    public var rotation: [Double] { rotation(of: "game_") }

    /// The largest |Im|/|Re| among the leading eigenvalues per row: the logged `game_rotation_max`,
    /// else from the eigenvalue columns.
    public var rotationMax: [Double] { rotationMax(of: "game_") }

    /// The (re, im) column pairs of the logged eigenvalues, eig1 first.
    public var eigenvalueColumns: [(re: String, im: String)] { eigenvalueColumns(of: "game_") }

    /// Whether the run logged the regularized Stackelberg field's spectrum
    /// (`diagnostics.stackelberg_spectrum = true`: `game_stackelberg_eigK_re`/`_im`,
    /// `game_stackelberg_rotation`, `game_stackelberg_rotation_max`).
    public var hasStackelbergSpectrum: Bool {
        column("game_stackelberg_rotation") != nil || !stackelbergEigenvalueColumns.isEmpty
    }

    /// The regularized Stackelberg field (Df₁ at λ = `diagnostics.lambda`, ∇₂f₂)'s |Im|/|Re| of eig1
    /// per row, as ``rotation`` (empty when the run did not log that spectrum).
    public var stackelbergRotation: [Double] { rotation(of: "game_stackelberg_") }

    /// The largest |Im|/|Re| among the regularized Stackelberg field's leading eigenvalues per row,
    /// as ``rotationMax`` (empty when not logged).
    public var stackelbergRotationMax: [Double] { rotationMax(of: "game_stackelberg_") }

    /// The (re, im) column pairs of the regularized Stackelberg field's logged eigenvalues, eig1 first.
    public var stackelbergEigenvalueColumns: [(re: String, im: String)] { eigenvalueColumns(of: "game_stackelberg_") }

    /// `prefix`: "game_" (the individual-play field) or "game_stackelberg_".
    private func rotation(of prefix: String) -> [Double] {
        if let r = column(prefix + "rotation") { return r }
        guard let re = column(prefix + "eig1_re"), let im = column(prefix + "eig1_im") else { return [] }
        return zip(re, im).map { abs($1) / abs($0) }
    }

    private func rotationMax(of prefix: String) -> [Double] {
        if let r = column(prefix + "rotation_max") { return r }
        let pairs = eigenvalueColumns(of: prefix)
        guard !pairs.isEmpty else { return [] }
        return steps.indices.map { t in
            let ratios = pairs.map { abs(column($0.im)![t]) / abs(column($0.re)![t]) }.filter { !$0.isNaN }
            return ratios.max() ?? .nan
        }
    }

    private func eigenvalueColumns(of prefix: String) -> [(re: String, im: String)] {
        (1...64).compactMap { k in
            let re = "\(prefix)eig\(k)_re", im = "\(prefix)eig\(k)_im"
            return data[re] != nil && data[im] != nil ? (re, im) : nil
        }
    }

    /// The PCA of the sketched path (nil without at least 3 finite path rows).
    public var pathPCA: PathPCA? { PathPCA.fit(vectors("game_path_").compactMap { $0 }) }

    /// How many kept rows hold a finite path point (nil when the run logged no `game_path_*`).
    public var pathPoints: Int? { numbered("game_path_").isEmpty ? nil : vectors("game_path_").compactMap { $0 }.count }

    /// Why the run has no parameter path although it logged the sketch: "2 diagnostics: too few for
    /// a path …" (nil when it has one, or logged no sketch).
    public var pathShortfall: String? {
        guard let n = pathPoints, n < PathPCA.minimumPoints else { return nil }
        return n == 0 ? "no finite game_path_* row"
            : "\(DiagnosisReport.count(n, "diagnostic")): too few for a path (\(PathPCA.minimumPoints) needed; one is logged per updates.csv row, every log_interval steps or one update, whichever is longer): lower log_interval (and diagnostics.interval, if it is longer), or train longer"
    }
}

/// Principal directions of a path of points (the rows), by the eigenvectors of their covariance.
public struct PathPCA: Sendable {
    /// The mean point.
    public let mean: [Double]
    /// The two leading principal directions (unit vectors). PC1 points along the path's net
    /// displacement (last row minus first); PC2's largest component is positive.
    public let directions: [[Double]]
    /// Every eigenvalue of the covariance, largest first.
    public let variances: [Double]

    /// The fraction of the path's variance in the plane of the two leading directions.
    public var explainedVariance: Double {
        let total = variances.reduce(0, +)
        return total > 0 ? variances.prefix(2).reduce(0, +) / total : .nan
    }

    /// The fewest path points a PCA is fitted to.
    public static let minimumPoints = 3

    /// Centred PCA of `rows` (T points of dimension r ≥ 2); nil for fewer than 3 points.
    public static func fit(_ rows: [[Double]]) -> PathPCA? {
        guard rows.count >= minimumPoints, let r = rows.first?.count, r >= 2 else { return nil }
        let n = Double(rows.count)
        let mean = (0..<r).map { j in rows.reduce(0) { $0 + $1[j] } / n }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: r), count: r)
        for row in rows {
            for i in 0..<r { for j in 0..<r { cov[i][j] += (row[i] - mean[i]) * (row[j] - mean[j]) / n } }
        }
        let (values, vectors) = symmetricEigen(cov)
        let order = values.indices.sorted { values[$0] > values[$1] }
        var pc1 = vectors[order[0]], pc2 = vectors[order[1]]
        let net = zip(rows.last!, rows.first!).map { $0 - $1 }
        if sketchDot(pc1, net) < 0 { pc1 = pc1.map { -$0 } }
        if let big = pc2.indices.max(by: { abs(pc2[$0]) < abs(pc2[$1]) }), pc2[big] < 0 { pc2 = pc2.map { -$0 } }
        return PathPCA(mean: mean, directions: [pc1, pc2], variances: order.map { max(0, values[$0]) })
    }

    /// A point's coordinates in the principal plane (centred on the mean).
    public func project(_ point: [Double]) -> (x: Double, y: Double) {
        let c = zip(point, mean).map { $0 - $1 }
        return (sketchDot(c, directions[0]), sketchDot(c, directions[1]))
    }

    /// A vector (a field) mapped by the same projection, without the centring.
    public func map(_ vector: [Double]) -> (x: Double, y: Double) { (sketchDot(vector, directions[0]), sketchDot(vector, directions[1])) }

    /// Eigenvalues and unit eigenvectors of a symmetric matrix by cyclic Jacobi rotations (the
    /// matrices here are the sketch's r × r, r ≈ 8).
    static func symmetricEigen(_ matrix: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        var a = matrix
        let n = a.count
        var v = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        let scale = a.joined().reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { off += a[i][j] * a[i][j] } }
            if off <= 1e-30 * max(scale, .leastNormalMagnitude) { break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n where a[p][q] != 0 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq; v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0][$0] }, (0..<n).map { j in (0..<n).map { v[$0][j] } })
    }
}

func sketchDot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
func sketchNorm(_ a: [Double]) -> Double { sketchDot(a, a).squareRoot() }

/// Statistics of diagnostic series: nan values (windows without a diagnostic) are left out.
public enum DiagnosisStatistics {
    /// The median of the non-nan values (nan when there is none). ±∞ counts, as in ``fraction(_:_:)`` and in
    /// `windows`: an eigenvalue with Re = 0 has |Im|/|Re| = ∞, which is rotation, not a missing value (left out
    /// of the median, it was counted in the fraction beside it).
    public static func median(_ x: [Double]) -> Double {
        let v = x.filter { !$0.isNaN }.sorted()
        guard !v.isEmpty else { return .nan }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    /// The mean of the finite values (nan when there is none).
    public static func mean(_ x: [Double]) -> Double {
        let v = x.filter(\.isFinite)
        return v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
    }

    /// The fraction of the non-nan values for which `holds` is true (nan when there is none).
    public static func fraction(_ x: [Double], _ holds: (Double) -> Bool) -> Double {
        let v = x.filter { !$0.isNaN }
        return v.isEmpty ? .nan : Double(v.filter(holds).count) / Double(v.count)
    }

    /// The signed angle (radians) the path sweeps around its final point (not an equilibrium, which
    /// the diagnostics do not know), summed step by step.
    public static func windingAngle(_ points: [(x: Double, y: Double)]) -> Double {
        guard let end = points.last, points.count >= 3 else { return 0 }
        let extent = points.map { hypot($0.x - end.x, $0.y - end.y) }.max() ?? 0
        var total = 0.0, previous: Double?
        for p in points.dropLast() {
            let (dx, dy) = (p.x - end.x, p.y - end.y)
            guard hypot(dx, dy) > 1e-9 * extent else { continue }
            let angle = atan2(dy, dx)
            if let previous {
                var d = angle - previous
                while d > .pi { d -= 2 * .pi }
                while d < -.pi { d += 2 * .pi }
                total += d
            }
            previous = angle
        }
        return total
    }

    /// The net displacement over the length travelled: 1 for a straight path, near 0 for a spiral
    /// or a path that comes back.
    public static func straightness(_ points: [[Double]]) -> Double {
        guard points.count >= 2 else { return .nan }
        var length = 0.0
        for t in 1..<points.count { length += sketchNorm(zip(points[t], points[t - 1]).map { $0 - $1 }) }
        return length > 0 ? sketchNorm(zip(points.last!, points.first!).map { $0 - $1 }) / length : .nan
    }
}
