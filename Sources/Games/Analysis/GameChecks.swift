import Foundation
import Symbolic

/// One numerical verification: what was checked, the number behind it, and the verdict.
public struct CheckResult: Sendable, Codable {
    public var name: String
    public var passed: Bool
    public var detail: String
    /// The check does not apply to this game (it asks for something the game does not have, such as
    /// the follower's best response where ∇22 f2 is nowhere positive definite): neither passed nor failed.
    public var notApplicable: Bool

    public init(name: String, passed: Bool, detail: String, notApplicable: Bool = false) {
        self.name = name
        self.passed = passed
        self.detail = detail
        self.notApplicable = notApplicable
    }
}

/// The largest relative error of a check. A non-finite value on either side fails the check and is
/// named: `max` silently drops NaN, which once let a check pass with every value NaN.
struct WorstError {
    var value = 0.0
    /// The first place where a value was not finite.
    var nonFinite: String?
    var count = 0

    mutating func record(_ got: Double, _ expected: Double, at place: @autoclosure () -> String) {
        count += 1
        guard got.isFinite, expected.isFinite else {
            if nonFinite == nil { nonFinite = "\(place()) is \(fmt(got)) against \(fmt(expected))" }
            return
        }
        value = Swift.max(value, Swift.abs(got - expected) / Swift.max(1, Swift.abs(expected)))
    }

    func passed(_ tolerance: Double) -> Bool { count > 0 && nonFinite == nil && value < tolerance }

    /// "not finite: …; " in front of a check's detail when a value was not finite.
    var prefix: String {
        nonFinite.map { "not finite: \($0) (a non-finite value fails the check); " } ?? (count == 0 ? "nothing could be compared; " : "")
    }
}

/// Numerical checks of the symbolic machinery and of the papers' claims (`stackelberg game check`).
public struct GameChecks {
    public let analyzer: GameAnalyzer
    public init(_ analyzer: GameAnalyzer) { self.analyzer = analyzer }

    var game: Game { analyzer.dynamics.derivatives.game }
    var d: GameDerivatives { analyzer.dynamics.derivatives }

    public func run() -> [CheckResult] {
        var results = derivativeChecks()
        results += totalDerivativeChecks()
        if analyzer.game.name == "stac" { results += stacClaims() }
        return results
    }

    /// Symbolic gradients against central finite differences at seeded random points.
    func derivativeChecks() -> [CheckResult] {
        var rng = SeededGenerator(seed: analyzer.options.seed)
        var worst = WorstError()
        let vars = game.variables
        for _ in 0..<20 {
            let z = game.domain.map { $0.lowerBound + ($0.upperBound - $0.lowerBound) * (0.05 + 0.9 * rng.uniform()) }
            for (label, cost, grad, names) in [("f1", game.leaderCost, d.leaderGradient + d.leaderCostFollowerGradient, game.leaderVariables + game.followerVariables),
                                               ("f2", game.followerCost, d.followerGradient, game.followerVariables)] {
                for (g, name) in zip(grad, names) {
                    let k = vars.firstIndex(of: name)!
                    let fd = centralDifference(cost, at: z, index: k)
                    let exact = g.evaluate(Dictionary(uniqueKeysWithValues: zip(vars, z)))
                    worst.record(exact, fd, at: "∂\(label)/∂\(name) at \(vars.joined(separator: ", ")) = (\(z.map { fmt($0) }.joined(separator: ", ")))")
                }
            }
        }
        return [CheckResult(name: "symbolic gradients match central finite differences", passed: worst.passed(1e-6),
                            detail: "\(worst.prefix)max relative error \(fmt(worst.value)) over 20 seeded points (tolerance 1e-6)")]
    }

    func centralDifference(_ e: Expr, at z: [Double], index k: Int) -> Double {
        let h = 1e-6 * max(1, Swift.abs(z[k]))
        var zp = z, zm = z
        zp[k] += h; zm[k] -= h
        let vars = game.variables
        return (e.evaluate(Dictionary(uniqueKeysWithValues: zip(vars, zp))) - e.evaluate(Dictionary(uniqueKeysWithValues: zip(vars, zm)))) / (2 * h)
    }

    /// The follower's best response x2*(x1) by Newton's method on ∇2 f2 = 0 (nil if it fails or is not a minimum).
    func bestResponse(_ x1: [Double], from guess: [Double]) -> [Double]? {
        var x2 = guess
        let vars = game.variables
        for _ in 0..<100 {
            let values = Dictionary(uniqueKeysWithValues: zip(vars, x1 + x2))
            let g = d.followerGradient.map { $0.evaluate(values) }
            let h = Matrix(d.followerHessian.map { $0.map { $0.evaluate(values) } })
            guard let step = h.solve(g) else { return nil }
            x2 = zip(x2, step).map { $0 - $1 }
            if step.map(Swift.abs).max()! < 1e-15 * max(1, x2.map(Swift.abs).max()!) { break }
        }
        let values = Dictionary(uniqueKeysWithValues: zip(vars, x1 + x2))
        let h = Matrix(d.followerHessian.map { $0.map { $0.evaluate(values) } })
        guard let e = h.symmetricEigenvalues(), e.allSatisfy({ $0 > 1e-10 }),
              d.followerGradient.allSatisfy({ Swift.abs($0.evaluate(values)) < 1e-10 }) else { return nil }
        return x2
    }

    /// Leader test points inside the domain and their best responses.
    func bestResponsePoints() -> [([Double], [Double])] {
        let n1 = game.leaderVariables.count
        let fractions = [0.3, 0.62, 0.85]
        return fractions.compactMap { f -> ([Double], [Double])? in
            let x1 = (0..<n1).map { game.domain[$0].lowerBound + f * (game.domain[$0].upperBound - game.domain[$0].lowerBound) }
            // Newton from the follower domain's centre first, then from other points of it: at the
            // centre ∇22 f2 can be singular (f2 = y⁴ + y at y = 0) where a minimum exists elsewhere.
            for g in [0.5, 0.25, 0.75, 0.1, 0.9] {
                let guess = (n1..<game.dimension).map { game.domain[$0].lowerBound + g * (game.domain[$0].upperBound - game.domain[$0].lowerBound) }
                if let x2 = bestResponse(x1, from: guess) { return (x1, x2) }
            }
            return nil
        }
    }

    /// ∇f1 total derivative against d/dx1 f1(x1, x2*(x1)) by finite differences, and Prop. 2's limits.
    func totalDerivativeChecks() -> [CheckResult] {
        let pairs = bestResponsePoints()
        guard !pairs.isEmpty else {
            // Without a best response x2*(x1) (bilinear: ∇22 f2 = 0; the critic-leading STAC game: the actor's
            // cost is not convex) there is nothing to difference: the check does not apply, which is not a failure.
            // Prop. 2's λ → ∞ limit needs no best response: it is checked at the analysis start and the
            // domain's centre. Its λ → 0 limit is the Stackelberg gradient, undefined where ∇22 f2 is singular.
            var worstLarge = WorstError()
            let centre = game.domain.map { ($0.lowerBound + $0.upperBound) / 2 }
            for z in [analyzer.options.start, centre] {
                let large = Array(analyzer.dynamics.regularized.field.evaluate(z + [1e9])[..<game.leaderVariables.count])
                let individual = Array(analyzer.dynamics.individual.evaluate(z)[..<game.leaderVariables.count])
                for (l, i) in zip(large, individual) { worstLarge.record(l, i, at: "∇λ f1 (λ = 1e9) against ∇1 f1 at z = (\(z.map { fmt($0) }.joined(separator: ", ")))") }
            }
            return [CheckResult(name: "total derivative vs finite differences of f1(x1, x2*(x1))", passed: false,
                                detail: "not applicable: the follower's best response could not be computed at any test point (∇22 f2 singular or not positive definite), so f1(x1, x2*(x1)) is not defined there",
                                notApplicable: true),
                    CheckResult(name: "Prop. 2: λ → 0 gives the Stackelberg gradient", passed: false,
                                detail: "not applicable: without a best response the Stackelberg gradient (λ = 0) is not defined at the test points",
                                notApplicable: true),
                    CheckResult(name: "Prop. 2: λ → ∞ gives the individual gradient", passed: worstLarge.passed(1e-6),
                                detail: "\(worstLarge.prefix)‖∇λ f1 − ∇1 f1‖ relative at λ = 1e9: \(fmt(worstLarge.value)) at the analysis start and the domain's centre (tolerance 1e-6)")]
        }
        let vars = game.variables, n1 = game.leaderVariables.count
        var worstTotal = WorstError(), worstSmall = WorstError(), worstLarge = WorstError()
        var lines: [String] = []
        for (x1, x2) in pairs {
            let z = x1 + x2
            let exact = Array(analyzer.dynamics.stackelberg.evaluate(z)[..<n1])
            var fd: [Double] = []
            for k in 0..<n1 {
                let h = 1e-5 * max(1, Swift.abs(x1[k]))
                var p = x1, m = x1
                p[k] += h; m[k] -= h
                guard let bp = bestResponse(p, from: x2), let bm = bestResponse(m, from: x2) else { continue }
                let fp = game.leaderCost.evaluate(Dictionary(uniqueKeysWithValues: zip(vars, p + bp)))
                let fm = game.leaderCost.evaluate(Dictionary(uniqueKeysWithValues: zip(vars, m + bm)))
                fd.append((fp - fm) / (2 * h))
            }
            guard fd.count == n1 else { continue }
            let at = "at x1 = (\(x1.map { fmt($0) }.joined(separator: ", ")))"
            for (e, f) in zip(exact, fd) { worstTotal.record(e, f, at: "Df1 \(at)") }
            lines.append("at x1 = \(x1.map { fmt($0) }), x2* = \(x2.map { fmt($0) }): Df1 = \(exact.map { fmt($0, digits: 10) }), finite difference = \(fd.map { fmt($0, digits: 10) })")
            let tape = analyzer.dynamics.regularized.field
            let small = Array(tape.evaluate(z + [1e-9])[..<n1]), large = Array(tape.evaluate(z + [1e9])[..<n1])
            let individual = Array(analyzer.dynamics.individual.evaluate(z)[..<n1])
            for (s, e) in zip(small, exact) { worstSmall.record(s, e, at: "∇λ f1 (λ = 1e-9) against Df1 \(at)") }
            for (l, i) in zip(large, individual) { worstLarge.record(l, i, at: "∇λ f1 (λ = 1e9) against ∇1 f1 \(at)") }
        }
        return [
            CheckResult(name: "total derivative matches finite differences of f1(x1, x2*(x1))", passed: worstTotal.passed(1e-6),
                        detail: "\(worstTotal.prefix)max relative error \(fmt(worstTotal.value)) at \(pairs.count) points on the best response (tolerance 1e-6); " + lines.joined(separator: "; ")),
            CheckResult(name: "Prop. 2: λ → 0 gives the Stackelberg gradient", passed: worstSmall.passed(1e-6),
                        detail: "\(worstSmall.prefix)‖∇λ f1 − ∇f1‖ relative at λ = 1e-9: \(fmt(worstSmall.value)) (tolerance 1e-6)"),
            CheckResult(name: "Prop. 2: λ → ∞ gives the individual gradient", passed: worstLarge.passed(1e-6),
                        detail: "\(worstLarge.prefix)‖∇λ f1 − ∇1 f1‖ relative at λ = 1e9: \(fmt(worstLarge.value)) (tolerance 1e-6)"),
        ]
    }

    /// The STAC paper's claims about its toy game (Sec. 3.2, App. A).
    func stacClaims() -> [CheckResult] {
        var results: [CheckResult] = []
        let o = analyzer.options
        // The STAC equilibrium is (0, 0); the claims are about trajectories in the (θ, w) plane.
        var runs: [AnalysisReport.TrajectorySummary] = []
        for kind in analyzer.kinds {
            guard let (summary, _) = try? analyzer.errorRun(kind, reference: [0, 0], plane: (0, 1)) else {
                return [CheckResult(name: "STAC claims", passed: false, detail: "could not run the \(kind)")]
            }
            runs.append(summary)
        }
        let individual = runs[0], stackelberg = runs[1], regularized = runs[2]
        let lastIncrease = stackelberg.lastIncreasingStep
        let turns = Swift.abs(individual.windingAngle) / (2 * .pi)
        results.append(CheckResult(
            name: "individual gradient play cycles around (0, 0)", passed: turns >= 1 && individual.increasingStepFraction > 0.05,
            detail: "\(fmt(turns, digits: 3)) turns around the equilibrium in \(individual.iterations) iterations from \(o.start); error increased on \(fmt(100 * individual.increasingStepFraction, digits: 3))% of steps (needs ≥ 1 turn and > 5%)"))
        // Along the individual trajectory the Jacobian [[0, −1], [4wθ + 6θ²/5, 2θ²]] should be mostly a rotation:
        // complex eigenvalues whose real part is an order of magnitude below the imaginary part.
        var visited = 0, complexCount = 0
        var ratios: [Double] = []
        if let it = try? analyzer.dynamics.iterator(.individual, game: analyzer.game, rule: o.rule, starts: [o.start], seed: o.seed) {
            for _ in 0..<(o.iterations / 10) {
                it.step(10)
                guard let e = analyzer.dynamics.individual.jacobianMatrix(it.point(lane: 0)).eigenvalues() else { continue }
                visited += 1
                if e.allSatisfy({ $0.im != 0 }) {
                    complexCount += 1
                    ratios.append(e.map { Swift.abs($0.re) / Swift.abs($0.im) }.max()!)
                }
            }
        }
        ratios.sort()
        let median = ratios.isEmpty ? Double.infinity : ratios[ratios.count / 2]
        let share = Double(complexCount) / Double(max(visited, 1))
        results.append(CheckResult(
            name: "individual play rotates: complex Jacobian eigenvalues with small real part",
            passed: share >= 0.75 && median < 0.1,
            detail: "\(fmt(100 * share, digits: 3))% of \(visited) points along the trajectory have complex eigenvalues; median |Re|/|Im| = \(fmt(median)) (needs ≥ 75% and < 0.1)"))
        // The leader first moves onto the follower's best-response manifold (a short transient in which
        // ‖z‖ can grow); after it the error must fall at every step, with no rotation around z*.
        let transient = max(1, o.iterations / 100)
        results.append(CheckResult(
            name: "Stackelberg gradient converges monotonically (no cycling)",
            passed: lastIncrease < transient && Swift.abs(stackelberg.windingAngle) < .pi && stackelberg.finalError < stackelberg.initialError,
            detail: "last step at which the error rose: \(lastIncrease) (needs < \(transient), the first 1% of iterations); error rose on \(fmt(100 * stackelberg.increasingStepFraction, digits: 3))% of steps in all vs \(fmt(100 * individual.increasingStepFraction, digits: 3))% for individual play; angle swept \(fmt(stackelberg.windingAngle, digits: 4)) rad (needs < π); error \(fmt(stackelberg.initialError)) → \(fmt(stackelberg.finalError))"))
        results.append(CheckResult(
            name: "Stackelberg beats individual play, and regularization speeds it up",
            passed: regularized.finalError < stackelberg.finalError && stackelberg.finalError < individual.finalError,
            detail: "final ‖z − z*‖² after \(o.iterations) iterations: individual \(fmt(individual.finalError)), Stackelberg \(fmt(stackelberg.finalError)), regularized (λ = \(fmt(o.lambda))) \(fmt(regularized.finalError))"))
        return results
    }
}
