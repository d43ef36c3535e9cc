import Autodiff
import Hypergradients
import Neural
import Seeding
import XCTest

/// The matrix-free solvers against the exact dense solve, with the error as a function of the budget
/// (iterations, rank, terms) printed so a reader sees the convergence, not only a pass.
final class SolverTests: XCTestCase {
    /// A symmetric positive definite n×n matrix with eigenvalues spread over [0.1, 10]·scale, plus
    /// an optional low-rank spike (the shape Nyström is built for).
    static func spd(_ n: Int, seed: UInt64, lowRank: Int = 0) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        // Qᵀ diag(λ) Q with Q from Gram–Schmidt on a Gaussian matrix.
        var q = (0..<(n * n)).map { _ in rng.normal() }
        for j in 0..<n {
            for i in 0..<j {
                let d = (0..<n).reduce(0.0) { $0 + q[i * n + $1] * q[j * n + $1] }
                for r in 0..<n { q[j * n + r] -= d * q[i * n + r] }
            }
            let norm = (0..<n).reduce(0.0) { $0 + q[j * n + $1] * q[j * n + $1] }.squareRoot()
            for r in 0..<n { q[j * n + r] /= norm }
        }
        for k in 0..<n {
            let eigenvalue = k < lowRank ? 100.0 * Double(lowRank - k) : 0.1 + 9.9 * Double(k) / Double(n)
            let scaled = lowRank > 0 && k >= lowRank ? eigenvalue * 0.01 : eigenvalue
            for i in 0..<n { for j in 0..<n { a[i * n + j] += scaled * q[k * n + i] * q[k * n + j] } }
        }
        return a.map { Float($0) }
    }

    func exact(_ op: LinearOperator, _ lambda: Float, _ b: [Float]) -> [Float] {
        var x = [Float](repeating: 0, count: b.count)
        b.withUnsafeBufferPointer { bp in x.withUnsafeMutableBufferPointer { _ = ExactSolver.solve(op, regularization: lambda, b: bp.baseAddress!, into: $0.baseAddress!) } }
        return x
    }

    func relativeError(_ x: [Float], _ y: [Float]) -> Double {
        let d = zip(x, y).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        let n = y.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (d / n).squareRoot()
    }

    func testExactSolveSolvesTheSystem() {
        let n = 12
        let a = Self.spd(n, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        let x = exact(LinearOperator(matrix: a, dimension: n), 0.5, b)
        for i in 0..<n {
            let row = (0..<n).reduce(Float(0)) { $0 + a[i * n + $1] * x[$1] } + 0.5 * x[i]
            XCTAssertEqual(row, b[i], accuracy: 1e-4)
        }
    }

    func testConjugateGradientConvergesToExactSolve() {
        let n = 40
        let op = LinearOperator(matrix: Self.spd(n, seed: 3), dimension: n)
        var rng = SeededGenerator(seed: 4)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        for lambda: Float in [0, 0.1, 1] {
            let reference = exact(op, lambda, b)
            let solver = ConjugateGradientSolver(dimension: n)
            var errors = [Double]()
            for iterations in [1, 2, 5, 10, 20, 40] {
                var x = [Float](repeating: 0, count: n)
                b.withUnsafeBufferPointer { bp in x.withUnsafeMutableBufferPointer { _ = solver.solve(op, regularization: lambda, b: bp.baseAddress!, into: $0.baseAddress!, maxIterations: iterations) } }
                errors.append(relativeError(x, reference))
            }
            print("CG λ=\(lambda) relative error vs exact at 1,2,5,10,20,40 iterations:", errors.map { String(format: "%.1e", $0) }.joined(separator: " "))
            XCTAssertLessThan(errors.last!, 1e-4, "CG with n iterations must reach the exact solution (λ=\(lambda))")
            XCTAssertLessThan(errors[3], errors[0], "error must fall with iterations")
        }
        // With a tolerance it stops early and says so.
        let solver = ConjugateGradientSolver(dimension: n)
        var x = [Float](repeating: 0, count: n)
        let report = b.withUnsafeBufferPointer { bp in x.withUnsafeMutableBufferPointer { solver.solve(op, regularization: 1, b: bp.baseAddress!, into: $0.baseAddress!, maxIterations: 100, tolerance: 1e-3) } }
        XCTAssertLessThan(report.products, 40)
        XCTAssertLessThanOrEqual(report.relativeResidual!, 1e-3)
    }

    /// An absolute tolerance stops CG at the first iterate with ‖r‖ ≤ it, whatever ‖b‖: the same
    /// system scaled by 10⁻⁴ stops earlier under the same absolute rule (the STAC code's rᵀr < 1e-18
    /// is this rule at 1e-9) and at the same iteration under the same relative one. With both rules
    /// the larger threshold decides.
    func testConjugateGradientAbsoluteToleranceStopsOnTheResidualItself() {
        let n = 40
        let op = LinearOperator(matrix: Self.spd(n, seed: 3), dimension: n)
        var rng = SeededGenerator(seed: 4)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        let small = b.map { $0 * 1e-4 }
        let cg = ConjugateGradientSolver(dimension: n)
        func run(_ b: [Float], tolerance: Float = 0, absolute: Float = 0) -> (report: SolveReport, norms: [Double]) {
            var x = [Float](repeating: 0, count: n)
            var norms = [Double]()
            let bNorm = b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let report = cg.solve(op, regularization: 0.1, b: b, into: &x, maxIterations: 100, tolerance: tolerance, absoluteTolerance: absolute,
                                  residuals: { norms.append(Double($0) * bNorm) })
            return (report, norms)
        }
        let atol: Float = 1e-5
        let full = run(b, absolute: atol), scaled = run(small, absolute: atol)
        for (name, r) in [("b", full), ("1e-4·b", scaled)] {
            XCTAssertLessThan(r.report.iterations, 100, "\(name): the absolute rule must stop CG")
            XCTAssertGreaterThan(r.report.iterations, 0, "\(name): ‖b‖ is above atol")
            XCTAssertLessThanOrEqual(r.norms.last ?? .infinity, Double(atol), "\(name): stopped at ‖r‖ ≤ atol")
            XCTAssertTrue(r.norms.dropLast().allSatisfy { $0 > Double(atol) }, "\(name): and not later than the first such iterate")
        }
        XCTAssertLessThan(scaled.report.iterations, full.report.iterations, "a smaller b meets the same absolute threshold sooner")
        XCTAssertEqual(run(b, tolerance: 1e-3).report.iterations, run(small, tolerance: 1e-3).report.iterations,
                       "a relative rule does not see the scale")
        let both = run(b, tolerance: 1e-6, absolute: atol)
        XCTAssertEqual(both.report.iterations, full.report.iterations, "atol ≫ 1e-6·‖b‖: the absolute rule decides")
        XCTAssertEqual(run(b, tolerance: 1e-3, absolute: 1e-9).report.iterations, run(b, tolerance: 1e-3).report.iterations,
                       "atol ≪ 1e-3·‖b‖: the relative rule decides")
    }

    /// On an indefinite system CG stops at negative curvature with its current iterate and says so:
    /// here A = diag(1, −½), b = (1, 1). Its first step goes to x₁ = 4b with residual (−3, 3), three
    /// times ‖b‖; the next direction (6, 12) has pᵀAp = −36, so it stops at x₁ and reports the
    /// relative residual 3. A warm start from a guess worse than 0 (x₁ again) restarts from 0.
    func testConjugateGradientStopsOnNegativeCurvatureAndDropsABadWarmStart() {
        let op = LinearOperator(matrix: [1, 0, 0, -0.5], dimension: 2)
        let cg = ConjugateGradientSolver(dimension: 2)
        var x: [Float] = [0, 0]
        let report = cg.solve(op, b: [1, 1], into: &x, maxIterations: 10)
        XCTAssertTrue(report.stoppedOnNegativeCurvature)
        XCTAssertEqual(report.iterations, 1)
        XCTAssertEqual(x, [4, 4])
        XCTAssertEqual(report.relativeResidual!, 3, accuracy: 1e-5)
        x = [4, 4]
        let warm = cg.solve(op, b: [1, 1], into: &x, maxIterations: 1, warmStart: true)
        XCTAssertEqual(warm.products, 2, "one product for the warm residual, one step from 0")
        XCTAssertEqual(x, [4, 4], "from 0 again: the same first step")
    }

    /// Told to go through negative curvature, CG takes the step with α < 0 as plain CG does (the
    /// STAC and BLPO code): on diag(1, −½) it then solves the system exactly in two steps, where the
    /// default stops after one at [4, 4]. It reports the step, and stops at the exact solution
    /// without reporting the zero direction that follows as curvature.
    func testConjugateGradientCanStepThroughNegativeCurvature() {
        let op = LinearOperator(matrix: [1, 0, 0, -0.5], dimension: 2)
        let cg = ConjugateGradientSolver(dimension: 2)
        var x: [Float] = [0, 0]
        let report = cg.solve(op, b: [1, 1], into: &x, maxIterations: 10, throughNegativeCurvature: true)
        XCTAssertFalse(report.stoppedOnNegativeCurvature)
        XCTAssertEqual(report.stepsThroughNegativeCurvature, 1)
        XCTAssertTrue(report.metNegativeCurvature)
        XCTAssertEqual(report.iterations, 2)
        XCTAssertEqual(report.products, 2)
        XCTAssertEqual(x[0], 1, accuracy: 1e-6)
        XCTAssertEqual(x[1], -2, accuracy: 1e-6)
        XCTAssertEqual(report.relativeResidual!, 0, accuracy: 1e-6)
        // A zero direction is never stepped along, even when told to go through curvature.
        let singular = LinearOperator(matrix: [1, 0, 0, 0], dimension: 2)
        let stuck = cg.solve(singular, b: [0, 1], into: &x, maxIterations: 10, throughNegativeCurvature: true)
        XCTAssertTrue(stuck.stoppedOnNegativeCurvature)
        XCTAssertEqual(x, [0, 0])
    }

    func testNeumannSeriesConverges() {
        let n = 20
        let op = LinearOperator(matrix: Self.spd(n, seed: 5), dimension: n)
        var rng = SeededGenerator(seed: 6)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        let lambda: Float = 1
        let reference = exact(op, lambda, b)
        let solver = NeumannSolver(dimension: n)
        var errors = [Double]()
        // λ_max(A + I) ≈ 11, so α = 0.15 < 2/11 converges, with rate max|1 − αλ| ≈ 0.83.
        for terms in [1, 10, 50, 200] {
            var x = [Float](repeating: 0, count: n)
            b.withUnsafeBufferPointer { bp in x.withUnsafeMutableBufferPointer { _ = solver.solve(op, regularization: lambda, b: bp.baseAddress!, into: $0.baseAddress!, terms: terms, alpha: 0.15) } }
            errors.append(relativeError(x, reference))
        }
        print("Neumann relative error vs exact at 1,10,50,200 terms:", errors.map { String(format: "%.1e", $0) }.joined(separator: " "))
        XCTAssertEqual(errors, errors.sorted(by: >))
        XCTAssertLessThan(errors.last!, 1e-4)
    }

    /// The growth of the last term says whether the series converges, without a product: at most 1
    /// for α < 2/λ_max(A + λI), above 1 (and growing with the terms) past it — STAC's λ = 500 with the
    /// default α = 0.01 is such a case (α·λ = 5).
    func testNeumannReportsAGrowingSeries() {
        let n = 20
        let op = LinearOperator(matrix: Self.spd(n, seed: 5), dimension: n)
        var rng = SeededGenerator(seed: 6)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        let solver = NeumannSolver(dimension: n)
        func growth(_ alpha: Float, _ lambda: Float, _ terms: Int) -> Float {
            var x = [Float](repeating: 0, count: n)
            let report = b.withUnsafeBufferPointer { bp in x.withUnsafeMutableBufferPointer {
                solver.solve(op, regularization: lambda, b: bp.baseAddress!, into: $0.baseAddress!, terms: terms, alpha: alpha) } }
            return report.neumannGrowth!
        }
        XCTAssertLessThanOrEqual(growth(0.15, 1, 10), 1)
        XCTAssertLessThanOrEqual(growth(1e-3, 500, 10), 1)
        XCTAssertGreaterThan(growth(0.01, 500, 10), 1)
        XCTAssertGreaterThan(growth(0.01, 500, 10), growth(0.01, 500, 5))
        XCTAssertEqual(growth(0.3, 0, 1), 1, "one term is b itself")
    }

    func testNystromErrorFallsWithRankAndIsExactAtFullRank() {
        let n = 30, spikes = 4
        let op = LinearOperator(matrix: Self.spd(n, seed: 7, lowRank: spikes), dimension: n)
        var rng = SeededGenerator(seed: 8)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        let rho: Float = 1
        let reference = exact(op, rho, b)
        var errors = [Double]()
        for rank in [1, 2, 4, 8, 16, n] {
            // Average over sketches: the error of one random column sample is itself random.
            var total = 0.0
            for trial in 0..<5 {
                var sample = SeededGenerator(seed: UInt64(100 + trial))
                let solver = NystromSolver(dimension: n, rank: rank)
                var x = [Float](repeating: 0, count: n)
                b.withUnsafeBufferPointer { bp in x.withUnsafeMutableBufferPointer { _ = solver.solve(op, rho: rho, b: bp.baseAddress!, into: $0.baseAddress!, rng: &sample) } }
                total += relativeError(x, reference)
            }
            errors.append(total / 5)
        }
        print("Nyström (ρ=1) mean relative error vs exact at rank 1,2,4,8,16,30:", errors.map { String(format: "%.1e", $0) }.joined(separator: " "))
        XCTAssertLessThan(errors.last!, 1e-3, "with every column sampled the sketch is A itself")
        XCTAssertLessThan(errors[4], errors[0])
    }

    /// The total derivative on the STAC toy game (θ, w scalars; f₁ = −wθ, f₂ = (wθ + θ²/5)²)
    /// against its closed form, written out by hand in Double.
    func testTotalDerivativeOnTheSTACGameMatchesClosedForm() throws {
        for (theta, w, lambda) in [(0.8, 0.6, 0.0), (0.5, -0.3, 0.1), (-0.7, 0.2, 1.0)] as [(Double, Double, Double)] {
            let pt = Parameter(name: "theta", shape: [1], values: [Float(theta)])
            let pw = Parameter(name: "w", shape: [1], values: [Float(w)])
            let g = Graph()
            let t = g.parameter(pt), x = g.parameter(pw)
            let f1 = -sum(x * t)
            let f2 = sum(square(x * t + square(t) * 0.2))
            for solver in [InverseSolver.exact, .conjugateGradient(iterations: 1)] {
                let td = TotalDerivative(leader: ParameterGroup("leader", [pt]), follower: ParameterGroup("follower", [pw]),
                                         solver: solver, lambda: Float(lambda))
                var out: Float = 0
                try td.compute(leaderLoss: f1, followerLoss: f2, into: &out)
                // ∂θf₁ = −w, ∂wf₁ = −θ; ∂²f₂/∂w² = 2θ²; ∂²f₂/∂w∂θ = 2(2wθ + 3θ²/5)·… from u = wθ + θ²/5:
                // ∂wf₂ = 2uθ, so ∂θ∂wf₂ = 2(∂θu·θ + u) = 2((w + 2θ/5)θ + wθ + θ²/5) = 4wθ + 6θ²/5.
                let h = 2 * theta * theta, cross = 4 * w * theta + 1.2 * theta * theta
                let expected = -w - cross * (1 / (h + lambda)) * (-theta)
                XCTAssertEqual(Double(out), expected, accuracy: 1e-5 * Swift.max(1, Swift.abs(expected)), "\(solver) at θ=\(theta), w=\(w), λ=\(lambda)")
            }
        }
    }

    /// Matrix-free CG over exact HVPs of a real network agrees with the exact dense solve.
    func testTotalDerivativeSolversAgreeOnANetwork() throws {
        var rng = SeededGenerator(seed: 9)
        let actor = MLP([3, 5, 2], activation: .tanh, outputActivation: .tanh, name: "actor", rng: &rng)
        let critic = MLP([5, 6, 1], activation: .tanh, name: "critic", rng: &rng)
        let states = (0..<(8 * 3)).map { _ in Float(rng.normal()) }
        let leader = ParameterGroup("leader", actor.parameters), follower = ParameterGroup("follower", critic.parameters)
        func losses(_ g: Graph) -> (Tensor, Tensor) {
            let s = g.constant(states, shape: [8, 3])
            let q = critic(concat(s, actor(s)))
            return (-mean(q), mean(square(q - 0.5)) + 0.01 * sum(square(g.parameter(critic.layers[0].weight))))
        }
        var results = [String: [Float]]()
        for (name, solver) in [("exact", InverseSolver.exact), ("cg", .conjugateGradient(iterations: follower.count)),
                               ("nystrom-full", .nystrom(rank: follower.count, rho: 5))] {
            let g = Graph()
            let (f1, f2) = losses(g)
            // A tanh critic's Hessian is indefinite; λ = 5 shifts it positive definite, which CG needs
            // (exact and Nyström do not). CG's final residual confirms it converged. Nyström gets the
            // same shift as its ρ with λ = 0: at full rank it solves (H + (λ + ρ)I)v = b.
            let td = TotalDerivative(leader: leader, follower: follower, solver: solver, lambda: name == "nystrom-full" ? 0 : 5)
            var out = [Float](repeating: 0, count: leader.count)
            try out.withUnsafeMutableBufferPointer { try td.compute(leaderLoss: f1, followerLoss: f2, into: $0.baseAddress!) }
            results[name] = out
            if name == "cg" { XCTAssertLessThan(td.diagnostics.solve.relativeResidual!, 1e-4) }
            XCTAssertGreaterThan(td.diagnostics.correctionNorm, 1e-3 * td.diagnostics.leaderGradientNorm, "the implicit correction must matter")
        }
        XCTAssertLessThan(relativeError(results["cg"]!, results["exact"]!), 1e-3)
        XCTAssertLessThan(relativeError(results["nystrom-full"]!, results["exact"]!), 1e-3)
    }

    /// A CG solve cut short takes the graph's room for the full one: a later solve that runs all
    /// its products takes no new node storage and no new arena chunk, because each product is
    /// rewound once written (DQN's head-leader coupling once grew its graph at its first full
    /// solve, inside training). The follower's layers are wide enough that ten unrewound products
    /// would need more than one arena chunk.
    func testAShortSolveTakesTheRoomOfAFullOne() throws {
        var rng = SeededGenerator(seed: 31)
        let encoder = MLP([16, 128], activation: .tanh, name: "encoder", rng: &rng)
        let head = MLP([128, 256, 256, 4], activation: .tanh, name: "head", rng: &rng)
        let states = (0..<(256 * 16)).map { _ in Float(rng.normal()) }
        let leader = ParameterGroup("leader", encoder.parameters), follower = ParameterGroup("follower", head.parameters)
        let td = TotalDerivative(leader: leader, follower: follower, solver: .conjugateGradient(iterations: 10, tolerance: 0.99), lambda: 1)
        let g = Graph()
        var out = [Float](repeating: 0, count: leader.count)
        func solve() throws -> (products: Int, nodes: Int, bytes: Int) {
            g.reset()
            let q = head(tanh(encoder(g.constant(states, shape: [256, 16]))))
            try out.withUnsafeMutableBufferPointer {
                try td.compute(leaderLoss: -mean(q), followerLoss: mean(square(q - 0.5)), into: $0.baseAddress!)
            }
            return (td.diagnostics.hessianVectorProducts, g.nodeCapacity, g.arenaBytesAllocated)
        }
        let short = try solve()
        td.solver = .conjugateGradient(iterations: 10)
        let full = try solve(), again = try solve()
        XCTAssertLessThanOrEqual(short.products, 2, "a loose tolerance stops CG at once")
        XCTAssertEqual(full.products, 10)
        XCTAssertEqual(full.nodes, short.nodes, "the full solve grew the node storage")
        XCTAssertEqual(full.bytes, short.bytes, "the full solve took a new arena chunk")
        XCTAssertEqual(again.nodes, full.nodes); XCTAssertEqual(again.bytes, full.bytes)
    }

    /// BLPO's Nyström (core W + I, its public code) against the dense formula
    /// (C(W + I)⁻¹Cᵀ + ρI)⁻¹b built from the same sampled columns, in Double.
    func testNystromWithACoreShiftIsTheCodesFormula() {
        let n = 20, k = 5
        let a = Self.spd(n, seed: 21, lowRank: 3), op = LinearOperator(matrix: a, dimension: n)
        var rng = SeededGenerator(seed: 22)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        let rho: Float = 50
        let solver = NystromSolver(dimension: n, rank: k)
        var sample = SeededGenerator(seed: 23)
        var x = [Float](repeating: 0, count: n)
        b.withUnsafeBufferPointer { bp in x.withUnsafeMutableBufferPointer { _ = solver.solve(op, rho: rho, coreShift: 1, b: bp.baseAddress!, into: $0.baseAddress!, rng: &sample) } }
        let s = solver.sampledColumns
        // C (n×k), W + I (k×k), then M = C (W + I)⁻¹ Cᵀ + ρI, dense, and M⁻¹b.
        var core = [Double](repeating: 0, count: k * k)
        for i in 0..<k { for j in 0..<k { core[i * k + j] = Double(a[s[i] * n + s[j]]) + (i == j ? 1 : 0) } }
        var m = [Double](repeating: 0, count: n * n)
        for j in 0..<k {
            // Column j of (W + I)⁻¹ Cᵀ … built column by column from solves against unit vectors.
            let y = solveDense(core, (0..<k).map { $0 == j ? 1.0 : 0.0 }, k)!
            for r in 0..<n {
                for c in 0..<n {
                    // C[r, i] (W+I)⁻¹[i, j] C[c, j]
                    var v = 0.0
                    for i in 0..<k { v += Double(a[r * n + s[i]]) * y[i] }
                    m[r * n + c] += v * Double(a[c * n + s[j]])
                }
            }
        }
        for i in 0..<n { m[i * n + i] += Double(rho) }
        let reference = solveDense(m, b.map(Double.init), n)!
        for i in 0..<n { XCTAssertEqual(Double(x[i]), reference[i], accuracy: 1e-5 * max(1, abs(reference[i]))) }
    }

    /// Fixed columns: every solve samples the seed's first draw; per-solve: fresh draws.
    func testNystromColumnsFixedOrFreshPerSolve() throws {
        var rng = SeededGenerator(seed: 24)
        let critic = MLP([3, 4, 1], activation: .tanh, name: "critic", rng: &rng), actor = MLP([3, 2], name: "actor", rng: &rng)
        let follower = ParameterGroup("f", critic.parameters), leader = ParameterGroup("l", actor.parameters)
        let states = (0..<(6 * 3)).map { _ in Float(rng.normal()) }
        func columns(fixed: Bool) throws -> [[Int]] {
            let td = TotalDerivative(leader: leader, follower: follower, solver: .nystrom(rank: 3, rho: 50, seed: 9), lambda: 0)
            td.nystromFixedColumns = fixed
            var out = [Float](repeating: 0, count: leader.count), seen = [[Int]]()
            for _ in 0..<3 {
                let g = Graph(), s = g.constant(states, shape: [6, 3])
                let f2 = mean(square(critic(s) - sum(actor(s), axis: -1, keepDims: true)))
                try out.withUnsafeMutableBufferPointer { try td.compute(leaderLoss: -mean(critic(s)), followerLoss: f2, into: $0.baseAddress!) }
                seen.append(td.lastNystromColumns!)
            }
            return seen
        }
        let fixed = try columns(fixed: true), fresh = try columns(fixed: false)
        XCTAssertEqual(Set(fixed.map { $0 }).count, 1, "\(fixed)")
        XCTAssertEqual(fixed[0], fresh[0], "both start from the seed's first draw")
        XCTAssertGreaterThan(Set(fresh).count, 1, "\(fresh)")
    }

    /// Nyström-preconditioned CG: the same solution as CG, in fewer iterations on a matrix with a
    /// few large eigenvalues (what the sketch captures); the sketch's products are counted.
    func testNystromPreconditionedCGConvergesFaster() throws {
        let n = 60
        let op = LinearOperator(matrix: Self.spd(n, seed: 25, lowRank: 6), dimension: n)
        var rng = SeededGenerator(seed: 26)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        let reference = exact(op, 0.1, b)
        let cg = ConjugateGradientSolver(dimension: n)
        var plain = [Float](repeating: 0, count: n), preconditioned = plain
        let plainReport = b.withUnsafeBufferPointer { bp in plain.withUnsafeMutableBufferPointer {
            cg.solve(op, regularization: 0.1, b: bp.baseAddress!, into: $0.baseAddress!, maxIterations: 200, tolerance: 1e-5) } }
        let nystrom = NystromSolver(dimension: n, rank: 12)
        var sample = SeededGenerator(seed: 27)
        nystrom.sketch(op, regularization: 0.1, rho: 0.5, rng: &sample)
        let pReport = b.withUnsafeBufferPointer { bp in preconditioned.withUnsafeMutableBufferPointer {
            cg.solve(op, regularization: 0.1, b: bp.baseAddress!, into: $0.baseAddress!, maxIterations: 200, tolerance: 1e-5,
                     preconditioner: { r, z in nystrom.applyInverse(r, into: z) }) } }
        print("CG iterations to 1e-5: plain \(plainReport.iterations), Nyström-preconditioned (rank 12) \(pReport.iterations)")
        XCTAssertLessThan(relativeError(plain, reference), 1e-3)
        XCTAssertLessThan(relativeError(preconditioned, reference), 1e-3)
        XCTAssertLessThan(pReport.iterations, plainReport.iterations)

        // Through TotalDerivative: products = sketch + CG's.
        var rng2 = SeededGenerator(seed: 28)
        let critic = MLP([3, 6, 1], activation: .tanh, name: "critic", rng: &rng2), actor = MLP([3, 2], name: "actor", rng: &rng2)
        let follower = ParameterGroup("f", critic.parameters), leader = ParameterGroup("l", actor.parameters)
        let states = (0..<(8 * 3)).map { _ in Float(rng2.normal()) }
        let g = Graph(), s = g.constant(states, shape: [8, 3])
        let f2 = mean(square(critic(s) - sum(actor(s), axis: -1, keepDims: true)))
        let td = TotalDerivative(leader: leader, follower: follower, solver: .nystromPreconditionedCG(iterations: 4, rank: 3, rho: 1), lambda: 5)
        var out = [Float](repeating: 0, count: leader.count)
        try out.withUnsafeMutableBufferPointer { try td.compute(leaderLoss: -mean(critic(s)), followerLoss: f2, into: $0.baseAddress!) }
        XCTAssertEqual(td.diagnostics.solve.products, 3 + td.diagnostics.solve.iterations)
        XCTAssertNotNil(td.diagnostics.solve.relativeResidual)
    }
}
