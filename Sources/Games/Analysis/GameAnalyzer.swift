import Foundation
import Symbolic

/// Series behind the plots, kept apart from the JSON report (they can be large).
public struct AnalysisSeries: Sendable {
    public struct Panel: Sendable {
        public var dynamic: DynamicKind
        public var field: FieldGrid?
        public var note: String?
        /// One polyline per start, subsampled.
        public var trajectories: [[[Double]]]
    }
    public var plane: (Int, Int)
    /// The point the planes pass through: with more than two variables, the coordinates off the
    /// plotted plane are held at its values (the reference equilibrium, else the domain's centre).
    public var base: [Double] = []
    public var panels: [Panel]
    /// Per dynamic: (iteration, ‖z − z*‖²).
    public var errors: [(DynamicKind, [(Int, Double)])]
    /// Per dynamic: (iteration, leader's return).
    public var returns: [(DynamicKind, [(Int, Double)])]
}

/// Runs the whole analysis of one game: derivatives, equilibria and their classification, fields,
/// trajectories, flows, point evaluations and the λ sweep.
public struct GameAnalyzer {
    public let game: Game
    public let options: ResolvedOptions
    public let dynamics: GameDynamics
    let requestedPoints: [[Double]]
    let spectrumPointOverride: [Double]?
    let lambdaSweep: [Double]

    public init(game: Game, options: AnalysisOptions) throws(GameError) {
        self.game = game
        self.options = try options.resolved(for: game)
        dynamics = try GameDynamics(game, lambda: self.options.lambda)
        requestedPoints = options.points
        spectrumPointOverride = options.spectrumPoint
        lambdaSweep = options.lambdaSweep
    }

    public var kinds: [DynamicKind] { [.individual, .stackelberg, .regularized(lambda: options.lambda)] }

    /// Gradient steps the iterations take in all: per dynamic, the error run, the return run and one
    /// trajectory per start, each leader step with `unroll` follower steps. What the run's time scales with.
    public var plannedSteps: Double {
        let perDynamic = Double(options.iterations) * Double(1 + options.trajectoryStarts.count) + Double(options.returnIterations)
        return Double(kinds.count) * perDynamic * Double(1 + options.unroll)
    }

    public func run(progress: (String) -> Void = { _ in }) throws(GameError) -> (AnalysisReport, AnalysisSeries) {
        let rule = options.rule
        progress("searching for stationary points")
        let points = options.haltonStarts
            ? dynamics.equilibria(domain: game.domain, starts: haltonStarts(domain: game.domain, count: options.rootStarts))
            : dynamics.equilibria(domain: game.domain, startsPerAxis: options.rootStartsPerAxis)
        // A root of the gradients where a cost itself is not finite (x − 1/x = 0 at x = −1, where f1 holds
        // log x) is no equilibrium of the game: left out, and said.
        let (defined, undefined) = points.reduce(into: ([[Double]](), [[Double]]())) { acc, p in
            if undefinedCosts(at: p) == nil { acc.0.append(p) } else { acc.1.append(p) }
        }
        let equilibria = defined.map { dynamics.classify($0, rule: rule) }
        let reference = options.reference ?? Self.reference(equilibria, nearest: options.start)
        let referenceWarning = options.reference.flatMap { r in undefinedCosts(at: r).map {
            "the --reference point (\(r.map { fmt($0) }.joined(separator: ", "))) is outside the costs' domain (\($0)): no dynamic can settle there" } }

        progress("iterating \(options.iterations) steps of each dynamic")
        var errors: [(DynamicKind, [(Int, Double)])] = []
        var returns: [(DynamicKind, [(Int, Double)])] = []
        var summaries: [AnalysisReport.TrajectorySummary] = []
        let plane = (0, game.leaderVariables.count)
        for kind in kinds {
            let (summary, series) = try errorRun(kind, reference: reference, plane: plane)
            summaries.append(summary)
            errors.append((kind, series))
            returns.append((kind, try returnRun(kind)))
        }

        progress("evaluating vector fields and trajectories")
        var panels: [AnalysisSeries.Panel] = []
        for kind in kinds { panels.append(try panel(kind, plane: plane, reference: reference)) }

        progress("integrating continuous flows")
        let flows = kinds.map { flowSummary($0, reference: reference) }

        let pointReports = requestedPoints.map { evaluate(at: $0) }
        let sweep = lambdaSweepReport(reference: reference, equilibria: equilibria)
        let report = AnalysisReport(
            game: describe(), options: options, tolerances: ClassificationTolerances(),
            derivatives: describeDerivatives(), equilibria: equilibria, referenceEquilibrium: reference,
            trajectories: summaries, flows: flows, points: pointReports, lambdaSweep: sweep, provenance: nil,
            warnings: finitenessWarnings(plane: plane, base: reference ?? game.domain.map { ($0.lowerBound + $0.upperBound) / 2 })
                + unusedVariableWarnings() + uncoupledLeaderWarning() + continuumWarning(equilibria) + undefinedPointWarnings(undefined, summaries: summaries, flows: flows)
                + (referenceWarning.map { [$0] } ?? []))
        let base = reference ?? game.domain.map { ($0.lowerBound + $0.upperBound) / 2 }
        return (report, AnalysisSeries(plane: plane, base: base, panels: panels, errors: errors, returns: returns))
    }

    /// Stationary points whose Jacobian is singular for every dynamic they are stationary for are
    /// not isolated to first order: several of them may be samples of one curve or surface of
    /// stationary points (f1 = 1, f2 = y² has the whole line y = 0), which the search can only list
    /// where its starts converged. Said once, with the count, when there are two or more.
    func continuumWarning(_ equilibria: [EquilibriumReport]) -> [String] {
        let tolerance = ClassificationTolerances().singular
        let degenerate = equilibria.filter { e in
            // A spectrum not computed (the Stackelberg one where ∇22 f2 is singular) says nothing either way.
            let spectra = e.spectra.filter { e.stationaryFor.contains($0.dynamic) && $0.eigenvalues != nil }
            return !spectra.isEmpty && spectra.allSatisfy { s in
                guard let ev = s.eigenvalues, !ev.isEmpty else { return false }
                let scale = Swift.max(1, ev.map(\.magnitude).max()!)
                return ev.contains { $0.magnitude < tolerance * scale }
            }
        }
        guard degenerate.count >= 2 else { return [] }
        return ["\(degenerate.count) of the \(equilibria.count) stationary points have a singular Jacobian (a zero eigenvalue) for every dynamic they are stationary for: they are not isolated, and may be samples of a continuum of stationary points (a curve or surface), listed where the search's starts converged rather than as distinct equilibria"]
    }

    /// The equilibrium the error curves measure against (unless `--reference` gives one): the
    /// differential Stackelberg equilibrium nearest `start` if there is one, else, of the points
    /// stationary for the most dynamics, the one nearest `start`. Nearest, since with several the
    /// dynamics from the start go to the one whose basin holds it, and an error measured against
    /// another would never fall.
    static func reference(_ equilibria: [EquilibriumReport], nearest start: [Double]) -> [Double]? {
        func distance(_ e: EquilibriumReport) -> Double { zip(e.point, start).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        let stackelberg = equilibria.filter(\.isDifferentialStackelberg)
        if let s = stackelberg.min(by: { distance($0) < distance($1) }) { return s.point }
        guard let most = equilibria.map(\.stationaryFor.count).max() else { return nil }
        return equilibria.filter { $0.stationaryFor.count == most }.min(by: { distance($0) < distance($1) })?.point
    }

    /// Variables that occur in neither cost: the game is constant along them, so every stationary point
    /// is one of a line of them, and the follower's Hessian is singular where the variable is the follower's.
    func unusedVariableWarnings() -> [String] {
        let used = game.leaderCost.variables.union(game.followerCost.variables)
        let unused = game.variables.filter { !used.contains($0) && $0 != game.noise?.variable }
        guard !unused.isEmpty else { return [] }
        return ["\(unused.joined(separator: ", ")) \(unused.count == 1 ? "is" : "are") a variable of the game but \(unused.count == 1 ? "occurs" : "occur") in neither cost: the game is constant along \(unused.count == 1 ? "it" : "them"), so its stationary points come in lines\(unused.contains(where: game.followerVariables.contains) ? " and ∇22 f2 is singular everywhere" : ""); drop \(unused.count == 1 ? "it" : "them") from --vars"]
    }

    /// A leader's cost without the follower's variables (∇2 f1 ≡ 0) makes the total derivative ∇1 f1: the
    /// Stackelberg dynamic is individual play, whatever the follower does, and the game has no leader–follower
    /// coupling for the analysis to show. Said, since every Stackelberg result then repeats the individual one.
    func uncoupledLeaderWarning() -> [String] {
        guard dynamics.derivatives.leaderCostIgnoresFollower else { return [] }
        return ["the leader's cost does not depend on the follower's variables (\(game.followerVariables.joined(separator: ", "))), so ∇2 f1 ≡ 0 and the total derivative is ∇1 f1: the Stackelberg dynamic is individual play, and the regularized one too, for every λ"]
    }

    /// Which cost is not finite at `z` ("f1 = nan"), or nil when both are: a point where a cost is
    /// undefined is outside the game, whatever its gradients say.
    func undefinedCosts(at z: [Double]) -> String? {
        // The expected game of a stochastic one, built once with the derivatives (a quadrature expansion each
        // call, per root and per trajectory, otherwise).
        let g = dynamics.derivatives.game
        let values = Dictionary(uniqueKeysWithValues: zip(game.variables, z))
        let bad = [("f1", g.leaderCost), ("f2", g.followerCost)].compactMap { name, cost in
            let v = cost.evaluate(values)
            return v.isFinite ? nil : "\(name) = \(fmt(v))"
        }
        return bad.isEmpty ? nil : bad.joined(separator: ", ")
    }

    /// Roots of the gradients left out because a cost is not finite there, and trajectories or flows
    /// that end where one is not (they stepped out of the costs' domain, where the gradients may
    /// still be finite: 1/x is, for log x at x < 0).
    func undefinedPointWarnings(_ points: [[Double]], summaries: [AnalysisReport.TrajectorySummary],
                                flows: [AnalysisReport.FlowSummary]) -> [String] {
        func point(_ z: [Double]) -> String { "(" + z.map { fmt($0) }.joined(separator: ", ") + ")" }
        var out: [String] = []
        if !points.isEmpty {
            out.append("\(points.count) root\(points.count == 1 ? "" : "s") of the gradients \(points.count == 1 ? "is" : "are") left out of the stationary points because a cost is not finite there: "
                + points.prefix(4).map { "\(point($0)) (\(undefinedCosts(at: $0)!))" }.joined(separator: ", ") + (points.count > 4 ? ", …" : ""))
        }
        // A start outside the costs' domain is said once, not as every dynamic leaving it; where no dynamic
        // was iterated from it, each one's "undefined at the start" already says so.
        if let why = undefinedCosts(at: options.start) {
            if summaries.contains(where: { !$0.undefinedAtStart }) {
                out.append("the start \(point(options.start)) is outside the costs' domain (\(why)); the dynamics whose gradients are finite there are iterated from it all the same: give a start where both costs are finite (--start)")
            }
            return out
        }
        // Only where the dynamic's own value is finite at the end: a run that overflowed diverged, it did
        // not step out of the domain.
        func left(_ kind: String, _ z: [Double]) -> String? {
            guard let d = dynamics.all.first(where: { $0.kind.name == kind }), d.evaluate(z).allSatisfy(\.isFinite) else { return nil }
            return undefinedCosts(at: z)
        }
        for s in summaries where !s.undefinedAtStart && !s.diverged && s.final.allSatisfy(\.isFinite) {
            if let why = left(s.dynamic, s.final) {
                out.append("the \(s.dynamic) iteration ends at \(point(s.final)), where \(why): it left the costs' domain (their gradients are finite there, the costs are not)")
            }
        }
        for f in flows where f.final.allSatisfy(\.isFinite) && f.time > 0 {
            if let why = left(f.dynamic, f.final) {
                out.append("the \(f.dynamic) flow ends at \(point(f.final)), where \(why): it left the costs' domain")
            }
        }
        return out
    }

    /// The costs (and a return the game names itself) where they are not finite on the plotted plane
    /// of the domain: one sentence each, saying which expression, how often and where. A cost undefined
    /// there leaves its gradients, the dynamics and the figures undefined too.
    public func finitenessWarnings(plane: (Int, Int), base: [Double]) -> [String] {
        let g = dynamics.derivatives.game
        let (a, b) = plane, n = options.fieldPoints
        let ra = game.domain[a], rb = game.domain[b]
        let xs = (0..<n).map { ra.lowerBound + (ra.upperBound - ra.lowerBound) * Double($0) / Double(n - 1) }
        let ys = (0..<n).map { rb.lowerBound + (rb.upperBound - rb.lowerBound) * Double($0) / Double(n - 1) }
        var costs = [("leader's cost f1", g.leaderCost), ("follower's cost f2", g.followerCost)]
        if !game.hasDefaultLeaderReturn { costs.append(("leader's return \(game.leaderReturnLabel)", g.leaderReturn)) }
        let va = game.variables[a], vb = game.variables[b]
        let fixed = game.dimension > 2
            ? ", the other variables at (\(base.enumerated().filter { $0.offset != a && $0.offset != b }.map { fmt($0.element) }.joined(separator: ", ")))" : ""
        var warnings: [String] = []
        for (label, cost) in costs {
            guard let tape = try? Tape([cost], inputs: game.variables) else { continue }
            let evaluator = TapeEvaluator(tape, lanes: n)
            for k in 0..<game.dimension where k != a && k != b { evaluator.input(k).update(repeating: base[k], count: n) }
            for j in 0..<n { evaluator.input(b)[j] = ys[j] }
            var bad = 0
            var example: (x: Double, y: Double, value: Double)?
            for x in xs {
                evaluator.input(a).update(repeating: x, count: n)
                evaluator.run(count: n)
                let out = evaluator.output(0)
                for j in 0..<n where !out[j].isFinite {
                    bad += 1
                    if example == nil { example = (x, ys[j], out[j]) }
                }
            }
            if let e = example {
                let text = cost.nodeCount > 200 ? "(a \(cost.nodeCount)-node expression)" : cost.text
                warnings.append("the \(label) = \(text) is not finite at \(bad) of \(n * n) points of the plotted plane (\(va) from \(fmt(ra.lowerBound)) to \(fmt(ra.upperBound)), \(vb) from \(fmt(rb.lowerBound)) to \(fmt(rb.upperBound))\(fixed)), e.g. \(fmt(e.value)) at (\(va), \(vb)) = (\(fmt(e.x)), \(fmt(e.y))); its derivatives, the dynamics and the figures are undefined there")
            }
        }
        return warnings
    }

    private func squaredError(_ z: [Double], _ reference: [Double]?) -> Double {
        guard let r = reference else { return .nan }
        return zip(z, r).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    /// Iterates one dynamic from the analysis start toward `reference`, summarizing and sampling ‖z − z*‖².
    func errorRun(_ kind: DynamicKind, reference: [Double]?, plane: (Int, Int)) throws(GameError) -> (AnalysisReport.TrajectorySummary, [(Int, Double)]) {
        let it = try dynamics.iterator(kind, game: game, rule: options.rule, starts: [options.start], seed: options.seed)
        let stride = max(1, options.iterations / 5000)
        var series: [(Int, Double)] = [(0, squaredError(options.start, reference))]
        var previous = series[0].1, increases = 0, lastIncrease = 0, angle = 0.0, diverged = false, undefined = false
        var lastAngle = reference.map { atan2(options.start[plane.1] - $0[plane.1], options.start[plane.0] - $0[plane.0]) }
        var z = options.start
        var done = 0
        while done < options.iterations {
            it.step(1)
            done += 1
            z = it.point(lane: 0)
            if done == 1, !z.allSatisfy(\.isFinite) { undefined = true; done = 0; z = options.start; break }
            // The step that leaves every bound is an increase of the error too.
            if !z.allSatisfy({ $0.isFinite && Swift.abs($0) < 1e8 }) { diverged = true; increases += 1; lastIncrease = done; break }
            let e = squaredError(z, reference)
            if e > previous { increases += 1; lastIncrease = done }
            previous = e
            if let r = reference, let last = lastAngle {
                let a = atan2(z[plane.1] - r[plane.1], z[plane.0] - r[plane.0])
                var delta = a - last
                if delta > .pi { delta -= 2 * .pi } else if delta < -.pi { delta += 2 * .pi }
                angle += delta
                lastAngle = a
            }
            if done % stride == 0 || done < 100 { series.append((done, e)) }
        }
        let summary = AnalysisReport.TrajectorySummary(
            dynamic: kind.name, start: options.start, iterations: done, final: z,
            initialError: series[0].1, finalError: squaredError(z, reference),
            increasingStepFraction: Double(increases) / Double(max(done, 1)), lastIncreasingStep: lastIncrease,
            windingAngle: angle, diverged: diverged, undefinedAtStart: undefined,
            undefinedReason: undefined ? undefinedCause(kind, at: options.start) : nil)
        return (summary, series)
    }

    /// Why `kind` is not defined at `z`, for the report: a cost not finite there, or for the Stackelberg
    /// dynamic ∇22 f2 singular there (the implicit function theorem then defines no total derivative),
    /// else a gradient not finite there.
    func undefinedCause(_ kind: DynamicKind, at z: [Double]) -> String {
        if let costs = undefinedCosts(at: z) { return "a cost is not finite there: \(costs)" }
        let status = dynamics.classify(z, rule: options.rule).followerHessianStatus
        if kind == .stackelberg, status.hasPrefix("singular"), !dynamics.derivatives.leaderCostIgnoresFollower {
            return "∇22 f2 is \(status) there, so the implicit function theorem defines no total derivative"
        }
        if kind != .individual, status == "not finite" { return "∇22 f2 is not finite there" }
        return "its gradient is not finite there"
    }

    private func returnRun(_ kind: DynamicKind) throws(GameError) -> [(Int, Double)] {
        let it = try dynamics.iterator(kind, game: game, rule: options.rule, starts: [options.start], seed: options.seed)
        let expectedReturn = dynamics.derivatives.game.leaderReturn
        let tape: Tape
        do { tape = try Tape([expectedReturn], inputs: game.variables) } catch { throw .invalid("cannot compile the leader's return: \(error)") }
        let stride = max(1, options.returnIterations / 5000)
        var series: [(Int, Double)] = [(0, tape.evaluate(options.start)[0])]
        var done = 0
        while done < options.returnIterations {
            it.step(stride)
            done += stride
            let z = it.point(lane: 0)
            guard z.allSatisfy({ $0.isFinite && Swift.abs($0) < 1e8 }) else { break }
            series.append((done, tape.evaluate(z)[0]))
        }
        return series
    }

    private func panel(_ kind: DynamicKind, plane: (Int, Int), reference: [Double]?) throws(GameError) -> AnalysisSeries.Panel {
        let d = dynamics.compiled(kind)
        let base = reference ?? game.domain.map { ($0.lowerBound + $0.upperBound) / 2 }
        var grid = try d.grid(a: plane.0, b: plane.1, rangeA: game.domain[plane.0], rangeB: game.domain[plane.1],
                              nx: options.fieldPoints, ny: options.fieldPoints, base: base)
        var note: String? = nil
        let finite = zip(grid.dx, grid.dy).filter { $0.isFinite && $1.isFinite }.count
        if finite == 0 {
            note = "undefined everywhere on this plane (the follower Hessian is singular)"
        } else if finite < grid.dx.count {
            note = "undefined at \(grid.dx.count - finite) of \(grid.dx.count) grid points (singular follower Hessian)"
        }
        if finite == 0 { grid = FieldGrid(xs: grid.xs, ys: grid.ys, dx: [], dy: []) }
        var paths: [[[Double]]] = []
        if finite > 0 {
            let it = try dynamics.iterator(kind, game: game, rule: options.rule, starts: options.trajectoryStarts, seed: options.seed &+ 1)
            paths = Array(repeating: [], count: it.lanes)
            let stride = max(1, options.iterations / 2000)
            var done = 0
            var alive = Array(repeating: true, count: it.lanes)
            for lane in 0..<it.lanes { paths[lane].append(it.point(lane: lane)) }
            while done < options.iterations {
                it.step(stride)
                done += stride
                for lane in 0..<it.lanes where alive[lane] {
                    let z = it.point(lane: lane)
                    if z.allSatisfy({ $0.isFinite && Swift.abs($0) < 1e8 }) { paths[lane].append(z) } else { alive[lane] = false }
                }
            }
        }
        return .init(dynamic: kind, field: finite > 0 ? grid : nil, note: note, trajectories: paths)
    }

    private func flowSummary(_ kind: DynamicKind, reference: [Double]?) -> AnalysisReport.FlowSummary {
        let d = dynamics.compiled(kind)
        let top = max(options.leaderLearningRate, options.followerLearningRate)
        do {
            let s = try d.flow(from: options.start, until: options.flowTime, samples: 201,
                               leaderRate: options.leaderLearningRate / top, followerRate: options.followerLearningRate / top)
            let final = s.states.last!
            // Undefined at the start: said why, as for the discrete iteration.
            let note = s.undefinedAtStart ? "undefined at the start: " + undefinedCause(kind, at: options.start) : s.stoppedEarly
            return .init(dynamic: kind.name, time: s.times.last!, final: final, finalError: squaredError(final, reference), note: note)
        } catch {
            return .init(dynamic: kind.name, time: 0, final: options.start, finalError: .nan, note: "\(error)")
        }
    }

    public func evaluate(at z: [Double]) -> AnalysisReport.PointEvaluation {
        let c = dynamics.classify(z, rule: options.rule)
        let n1 = game.leaderVariables.count
        let values = Dictionary(uniqueKeysWithValues: zip(game.variables, z))
        let h22 = dynamics.derivatives.followerHessian.map { $0.map { $0.evaluate(values) } }
        let reg = dynamics.regularized.evaluate(z), st = dynamics.stackelberg.evaluate(z)
        return .init(point: z, individualGradient: dynamics.individual.evaluate(z),
                     totalDerivative: reg[..<n1].allSatisfy(\.isFinite) ? Array(reg[..<n1]) : nil,
                     totalDerivativeLambda: options.lambda,
                     stackelbergGradient: st[..<n1].allSatisfy(\.isFinite) && (!c.followerHessianStatus.hasPrefix("singular") || dynamics.derivatives.leaderCostIgnoresFollower) ? Array(st[..<n1]) : nil,
                     followerHessian: h22, followerHessianStatus: c.followerHessianStatus, spectra: c.spectra)
    }

    private func lambdaSweepReport(reference: [Double]?, equilibria: [EquilibriumReport]) -> AnalysisReport.LambdaSweep? {
        var point = spectrumPointOverride
        var note: String? = nil
        if point == nil, let r = reference, let e = equilibria.first(where: { $0.point == r }),
           !e.followerHessianStatus.hasPrefix("singular") {
            point = r
        }
        if point == nil, let p = game.defaults.spectrumPoint {
            point = p
            note = "the follower Hessian is singular at the equilibrium, so the sweep is taken at \(p) instead"
        }
        if point == nil, reference != nil {
            point = options.start
            note = "the follower Hessian is singular at the equilibrium, so the sweep is taken at the start \(options.start) instead (choose another point with --spectrum-at)"
        }
        guard let z = point ?? reference else { return nil }
        let jac = dynamics.regularized.jacobian
        let eigen = lambdaSweep.map { l in Matrix(rows: game.dimension, columns: game.dimension, values: jac.evaluate(z + [l])).eigenvalues() }
        return .init(point: z, lambdas: lambdaSweep, eigenvalues: eigen,
                     stackelbergEigenvalues: dynamics.stackelberg.jacobianMatrix(z).eigenvalues(),
                     individualEigenvalues: dynamics.individual.jacobianMatrix(z).eigenvalues(), note: note)
    }

    private func describe() -> AnalysisReport.GameDescription {
        .init(name: game.name, summary: game.summary, leaderVariables: game.leaderVariables,
              followerVariables: game.followerVariables, leaderCost: game.leaderCost.text, followerCost: game.followerCost.text,
              leaderCostLatex: game.leaderCost.latex, followerCostLatex: game.followerCost.latex,
              leaderReturn: "\(game.leaderReturnLabel): \(game.leaderReturn.text)", stochastic: game.noise != nil,
              domain: game.domain.map { [$0.lowerBound, $0.upperBound] })
    }

    private func describeDerivatives() -> AnalysisReport.Derivatives {
        let d = dynamics.derivatives
        let big = d.totalDerivative.contains { $0.nodeCount > 400 }
        func t(_ e: Expr) -> String { e.nodeCount > 400 ? "(\(e.nodeCount)-node expression, not printed)" : e.text }
        func l(_ e: Expr) -> String { e.nodeCount > 400 ? "" : e.latex }
        return .init(leaderGradient: d.leaderGradient.map(t), leaderCostFollowerGradient: d.leaderCostFollowerGradient.map(t),
                     followerGradient: d.followerGradient.map(t), followerHessian: d.followerHessian.map { $0.map(t) },
                     followerMixed: d.followerMixed.map { $0.map(t) }, totalDerivative: d.totalDerivative.map(t),
                     totalDerivativeLatex: d.totalDerivative.map(l),
                     note: big ? "expressions of the expected game (quadrature over the noise) are too long to print" : nil)
    }
}
