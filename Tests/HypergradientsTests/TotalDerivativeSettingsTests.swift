import Autodiff
import Hypergradients
import Seeding
import XCTest

/// `TotalDerivative`'s errors, Nyström's ρ and seed, and its diagnostics, on a quadratic game whose
/// total derivative has a closed form:
///
///   f₁(θ, w) = ⟨a, θ⟩ + ½‖θ‖² + ⟨c, w⟩,   f₂(θ, w) = ½ wᵀAw + wᵀBθ   (A SPD, n×n; B n×m)
///
/// so ∇_θ f₁ = a + θ, ∇_w f₁ = c, ∇²_w f₂ = A, ∇_θ∇_w f₂ = B and
///
///   Df₁ = a + θ − Bᵀ(A + λI)⁻¹c.
final class TotalDerivativeSettingsTests: XCTestCase {
    struct QuadraticGame {
        let m = 3, n = 5
        let a: [Float], c: [Float], matrixA: [Float], matrixB: [Float]
        let theta: Parameter, w: Parameter
        var leader: ParameterGroup { ParameterGroup("leader", [theta]) }
        var follower: ParameterGroup { ParameterGroup("follower", [w]) }

        init(seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            func floats(_ k: Int) -> [Float] { (0..<k).map { _ in Float(rng.normal()) } }
            a = floats(m); c = floats(n); matrixB = floats(n * m)
            matrixA = SolverTests.spd(n, seed: seed &+ 1)
            theta = Parameter(name: "theta", shape: [m], values: floats(m))
            w = Parameter(name: "w", shape: [n], values: floats(n))
        }

        /// (f₁, f₂) recorded in `g`'s current step.
        func losses(_ g: Graph) -> (leader: Tensor, follower: Tensor) {
            let t = g.parameter(theta), x = g.parameter(w)
            let row = x.reshaped([1, n])
            let f1 = dot(g.constant(a, shape: [m]), t) + 0.5 * sum(square(t)) + dot(g.constant(c, shape: [n]), x)
            let f2 = 0.5 * sum(matmul(row, g.constant(matrixA, shape: [n, n])) * row)
                + sum(matmul(row, g.constant(matrixB, shape: [n, m])) * t.reshaped([1, m]))
            return (f1, f2)
        }

        /// Df₁ and ∇_θ f₁ in Double, from the closed form.
        func expected(lambda: Double) -> (total: [Double], own: [Double]) {
            var shifted = matrixA.map(Double.init)
            for i in 0..<n { shifted[i * n + i] += lambda }
            let v = solveDense(shifted, c.map(Double.init), n)!
            let own = (0..<m).map { Double(a[$0]) + Double(theta.value[$0]) }
            let total = (0..<m).map { j in own[j] - (0..<n).reduce(0.0) { $0 + Double(matrixB[$1 * m + j]) * v[$1] } }
            return (total, own)
        }
    }

    func norm(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    func compute(_ td: TotalDerivative, _ game: QuadraticGame, _ g: Graph) throws -> [Float] {
        g.reset()
        let (f1, f2) = game.losses(g)
        var out = [Float](repeating: 0, count: game.m)
        try out.withUnsafeMutableBufferPointer { try td.compute(leaderLoss: f1, followerLoss: f2, into: $0.baseAddress!) }
        return out
    }

    // MARK: Errors

    func testLossesFromAnEarlierStepThrow() throws {
        let game = QuadraticGame(seed: 1)
        let td = TotalDerivative(leader: game.leader, follower: game.follower, solver: .exact, lambda: 0.1)
        let g = Graph()
        let (oldLeader, oldFollower) = game.losses(g)
        let step = g.currentStep
        g.reset()
        let (f1, f2) = game.losses(g)
        var out = [Float](repeating: 7, count: game.m)
        // Mixed steps: the follower's loss is from before the reset.
        XCTAssertThrowsError(try td.compute(leaderLoss: f1, followerLoss: oldFollower, into: &out)) { error in
            guard case let .staleTensor(id, recorded, current, what)? = error as? GraphError else {
                return XCTFail("expected GraphError.staleTensor, got \(error)")
            }
            XCTAssertEqual(id, oldFollower.id)
            XCTAssertEqual(recorded, step)
            XCTAssertEqual(current, step &+ 1)
            XCTAssertTrue(what.contains("followerLoss"), what)
            XCTAssertTrue(String(describing: error).contains("recompute it in this step"))
        }
        // Both from the earlier step.
        XCTAssertThrowsError(try td.compute(leaderLoss: oldLeader, followerLoss: oldFollower, into: &out)) { error in
            guard case let .staleTensor(_, _, _, what)? = error as? GraphError else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("leaderLoss"), what)
        }
        XCTAssertEqual(out, [7, 7, 7], "a throwing compute must write nothing")
        XCTAssertEqual(td.diagnostics.solve.products, 0, "nor update the diagnostics")
        // The current step's losses work.
        try td.compute(leaderLoss: f1, followerLoss: f2, into: &out)
        XCTAssertGreaterThan(td.diagnostics.solve.products, 0)
    }

    func testLossesFromDifferentGraphsThrow() {
        let game = QuadraticGame(seed: 2)
        let td = TotalDerivative(leader: game.leader, follower: game.follower, solver: .exact, lambda: 0.1)
        let g = Graph(), h = Graph()
        let (f1, _) = game.losses(g)
        let (_, f2) = game.losses(h)
        var out = [Float](repeating: 0, count: game.m)
        XCTAssertThrowsError(try td.compute(leaderLoss: f1, followerLoss: f2, into: &out)) { error in
            XCTAssertEqual(error as? GraphError, .otherGraph(id: f2.id, what: "TotalDerivative.compute, followerLoss"))
        }
    }

    func testInvalidSettingsThrow() {
        let game = QuadraticGame(seed: 3)
        let g = Graph()
        for (solver, lambda, expected) in [
            (InverseSolver.nystrom(rank: 2, rho: 0, seed: 1), Float(0.1), TotalDerivative.SettingError.invalidRho(0)),
            (.nystrom(rank: 2, rho: -1, seed: 1), 0.1, .invalidRho(-1)),
            (.exact, -0.5, .invalidLambda(-0.5)),
        ] {
            let td = TotalDerivative(leader: game.leader, follower: game.follower, solver: solver, lambda: lambda)
            XCTAssertThrowsError(try compute(td, game, g)) { error in
                XCTAssertEqual(error as? TotalDerivative.SettingError, expected)
            }
        }
        let td = TotalDerivative(leader: game.leader, follower: game.follower, solver: .nystrom(rank: 9, rho: 1), lambda: 0)
        XCTAssertThrowsError(try compute(td, game, g)) { error in
            guard case .invalidSolver? = error as? TotalDerivative.SettingError else { return XCTFail("\(error)") }
        }
    }

    // MARK: Nyström's ρ and seed

    /// At full rank the sketch of A + λI is exact, so the solve is (A + (λ + ρ)I)⁻¹b: checked
    /// against the dense LU solve for several (λ, ρ), directly and through `TotalDerivative`.
    func testNystromUsesRhoAndMatchesExactAtFullRank() throws {
        let n = 8
        let op = LinearOperator(matrix: SolverTests.spd(n, seed: 11), dimension: n)
        var rng = SeededGenerator(seed: 12)
        let b = (0..<n).map { _ in Float(rng.normal()) }
        var previous: [Float]? = nil
        for (lambda, rho) in [(Float(0), Float(0.5)), (0, 2), (0.3, 2)] {
            var reference = [Float](repeating: 0, count: n), x = reference
            b.withUnsafeBufferPointer { bp in
                _ = reference.withUnsafeMutableBufferPointer { ExactSolver.solve(op, regularization: lambda + rho, b: bp.baseAddress!, into: $0.baseAddress!) }
                var sample = SeededGenerator(seed: 5)
                _ = x.withUnsafeMutableBufferPointer { NystromSolver(dimension: n, rank: n).solve(op, regularization: lambda, rho: rho, b: bp.baseAddress!, into: $0.baseAddress!, rng: &sample) }
            }
            for i in 0..<n { XCTAssertEqual(x[i], reference[i], accuracy: 1e-4 * max(1, abs(reference[i])), "λ=\(lambda) ρ=\(rho)") }
            if let p = previous { XCTAssertNotEqual(p, x, "ρ must change the solve") }
            previous = x
        }
        // Through TotalDerivative: Nyström(λ, ρ) at full rank equals the exact solve at λ + ρ.
        let game = QuadraticGame(seed: 13)
        let g = Graph()
        let nystrom = TotalDerivative(leader: game.leader, follower: game.follower, solver: .nystrom(rank: game.n, rho: 0.7, seed: 3), lambda: 0.2)
        let viaNystrom = try compute(nystrom, game, g)
        let expected = game.expected(lambda: Double(Float(0.2) + Float(0.7))).total
        for j in 0..<game.m { XCTAssertEqual(Double(viaNystrom[j]), expected[j], accuracy: 1e-4 * max(1, abs(expected[j]))) }
        XCTAssertEqual(nystrom.diagnostics.solve.products, game.n)
    }

    func testNystromSamplesFromItsSeed() throws {
        let game = QuadraticGame(seed: 21)
        let g = Graph()
        func run(_ seed: UInt64) throws -> (out: [Float], columns: [Int], td: TotalDerivative) {
            let td = TotalDerivative(leader: game.leader, follower: game.follower, solver: .nystrom(rank: 2, rho: 0.5, seed: seed), lambda: 0.1)
            let out = try compute(td, game, g)
            return (out, td.lastNystromColumns!, td)
        }
        let first = try run(7), again = try run(7)
        XCTAssertEqual(first.columns, again.columns, "the same seed must sample the same columns")
        XCTAssertEqual(first.out, again.out, "and give the same total derivative, bit for bit")
        XCTAssertEqual(Set(first.columns).count, 2)
        // Other seeds sample other columns. With 5·4 ordered pairs one seed may collide by chance
        // (seed 8 does draw seed 7's pair), so look among a few seeds for one that does not.
        let others = try (8...12).map { try run($0) }
        let other = try XCTUnwrap(others.first { $0.columns != first.columns }, "every seed sampled seed 7's columns")
        XCTAssertNotEqual(first.out, other.out)
        let otherSeed = UInt64(8 + others.firstIndex { $0.columns == other.columns }!)
        // Successive solves continue the seed's stream: the second draw is not the first again...
        let td = first.td
        var draws = [first.columns]
        for _ in 0..<3 { _ = try compute(td, game, g); draws.append(td.lastNystromColumns!) }
        XCTAssertGreaterThan(Set(draws.map { $0.description }).count, 1, "successive solves must draw fresh columns: \(draws)")
        // ...and is the stream of SeededGenerator(seed: 7): two draws of a fresh generator.
        var stream = SeededGenerator(seed: 7)
        func draw() -> [Int] {
            // The solver's partial Fisher–Yates over 0..<n.
            var swaps = [Int: Int](), picks = [Int]()
            for j in 0..<2 {
                let r = j + Int(stream.next() % UInt64(game.n - j))
                picks.append(swaps[r] ?? r)
                swaps[r] = swaps[j] ?? j
            }
            return picks
        }
        XCTAssertEqual(draws[0], draw())
        XCTAssertEqual(draws[1], draw())
        // Changing the seed restarts the stream from that seed.
        td.solver = .nystrom(rank: 2, rho: 0.5, seed: otherSeed)
        _ = try compute(td, game, g)
        XCTAssertEqual(td.lastNystromColumns, other.columns)
        td.solver = .nystrom(rank: 2, rho: 0.5, seed: 7)
        _ = try compute(td, game, g)
        XCTAssertEqual(td.lastNystromColumns, first.columns)
    }

    // MARK: Diagnostics

    func testDiagnosticsAgainstTheClosedForm() throws {
        let game = QuadraticGame(seed: 31)
        let g = Graph()
        for (solver, lambda) in [(InverseSolver.exact, 0.0), (.exact, 0.5), (.conjugateGradient(iterations: 5), 0.25),
                                 (.neumann(terms: 400, alpha: 0.09), 0.5)] as [(InverseSolver, Double)] {
            let td = TotalDerivative(leader: game.leader, follower: game.follower, solver: solver, lambda: Float(lambda))
            let out = try compute(td, game, g)
            let (total, own) = game.expected(lambda: lambda)
            let correction = zip(own, total).map { $0 - $1 }
            let cosine = zip(own, total).reduce(0.0) { $0 + $1.0 * $1.1 } / (norm(own) * norm(total))
            let d = td.diagnostics
            let label = "\(solver) λ=\(lambda)"
            for j in 0..<game.m { XCTAssertEqual(Double(out[j]), total[j], accuracy: 1e-4 * max(1, abs(total[j])), label) }
            XCTAssertEqual(Double(d.leaderGradientNorm), norm(own), accuracy: 1e-5 * norm(own), label)
            XCTAssertEqual(Double(d.correctionNorm), norm(correction), accuracy: 1e-4 * norm(correction), label)
            XCTAssertEqual(Double(d.totalDerivativeNorm), norm(total), accuracy: 1e-4 * norm(total), label)
            XCTAssertEqual(Double(d.cosine), cosine, accuracy: 1e-5, label)
            XCTAssertEqual(d.lambda, Float(lambda))
            XCTAssertFalse(d.metNegativeCurvature, label)
            switch solver {
            case .exact:
                XCTAssertEqual(d.hessianVectorProducts, game.n, "the dense solve builds A column by column")
                XCTAssertEqual(d.iterations, 0)
            case .conjugateGradient:
                // n = 5 distinct eigenvalues: CG is exact after 5 iterations, one product each.
                XCTAssertEqual(d.hessianVectorProducts, 5)
                XCTAssertEqual(d.iterations, 5)
                XCTAssertLessThan(d.relativeResidual!, 1e-4)
            case .neumann:
                XCTAssertEqual(d.hessianVectorProducts, 399)
                XCTAssertNil(d.relativeResidual, "not measured unless asked")
            default: break
            }
        }
    }

    /// `measureResidual` costs one product and reports ‖(A + λI)v − b‖/‖b‖, checked against a
    /// direct computation from the returned v.
    func testMeasuredResidualMatchesADirectComputation() throws {
        let game = QuadraticGame(seed: 41)
        let g = Graph()
        let lambda: Float = 0.5
        let td = TotalDerivative(leader: game.leader, follower: game.follower, solver: .neumann(terms: 20, alpha: 0.09),
                                 lambda: lambda, measureResidual: true)
        _ = try compute(td, game, g)
        let v = td.lastImplicitVector.map(Double.init), n = game.n
        var r2 = 0.0
        for i in 0..<n {
            let av = (0..<n).reduce(0.0) { $0 + Double(game.matrixA[i * n + $1]) * v[$1] } + Double(lambda) * v[i]
            r2 += (av - Double(game.c[i])) * (av - Double(game.c[i]))
        }
        let direct = (r2 / game.c.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
        XCTAssertGreaterThan(direct, 1e-3, "20 terms should leave a visible residual")
        XCTAssertEqual(Double(td.diagnostics.relativeResidual!), direct, accuracy: 1e-3 * direct)
        XCTAssertEqual(td.diagnostics.hessianVectorProducts, 19 + 1, "19 series products and one for the residual")
        // The exact solve's measured residual is rounding-small.
        td.solver = .exact
        _ = try compute(td, game, g)
        XCTAssertLessThan(td.diagnostics.relativeResidual!, 1e-5)
        XCTAssertEqual(td.diagnostics.hessianVectorProducts, n + 1)
    }

    /// An indefinite follower Hessian: CG meets negative curvature and says so; the diagnostics
    /// keep the iterations it completed, one fewer than its products.
    func testNegativeCurvatureIsReported() throws {
        let m = 1, n = 2
        let theta = Parameter(name: "theta", shape: [m], values: [0.3])
        let w = Parameter(name: "w", shape: [n], values: [0.2, -0.1])
        let g = Graph()
        let td = TotalDerivative(leader: ParameterGroup("l", [theta]), follower: ParameterGroup("f", [w]),
                                 solver: .conjugateGradient(iterations: 10), lambda: 0)
        g.reset()
        let t = g.parameter(theta), x = g.parameter(w)
        // f₂ = ½(w₀² − w₁²) + θ(w₀ + w₁): Hessian diag(1, −1); b = ∇_w f₁ = (0, 1) points along −1.
        let f2 = 0.5 * sum(x * g.constant([1, -1], shape: [n]) * x) + sum(x * t)
        let f1 = dot(g.constant([0, 1], shape: [n]), x) + sum(t)
        var out: Float = 0
        try td.compute(leaderLoss: f1, followerLoss: f2, into: &out)
        XCTAssertTrue(td.diagnostics.metNegativeCurvature)
        XCTAssertEqual(td.diagnostics.hessianVectorProducts, 1)
        XCTAssertEqual(td.diagnostics.iterations, 0)
        // Stepping through it (the STAC code's plain CG), one step solves H v = b exactly:
        // v = (0, −1), and Df₁ = ∇_θ f₁ − (∇_θ∇_w f₂)ᵀv = 1 − (1, 1)·(0, −1) = 2. Still reported.
        td.cgThroughNegativeCurvature = true
        g.reset()
        let t2 = g.parameter(theta), x2 = g.parameter(w)
        let g2 = 0.5 * sum(x2 * g.constant([1, -1], shape: [n]) * x2) + sum(x2 * t2)
        let g1 = dot(g.constant([0, 1], shape: [n]), x2) + sum(t2)
        try td.compute(leaderLoss: g1, followerLoss: g2, into: &out)
        XCTAssertEqual(out, 2, accuracy: 1e-6)
        XCTAssertTrue(td.diagnostics.metNegativeCurvature)
        XCTAssertFalse(td.diagnostics.solve.stoppedOnNegativeCurvature)
        XCTAssertEqual(td.diagnostics.iterations, 1)
    }

    /// A warm-started CG continues from the last solve: on the same system again it starts at the
    /// solution and stops after the one product that forms its residual, where a cold start needs
    /// several; its answer matches the closed form either way, and restoring the saved state
    /// gives the warm start back.
    func testWarmStartedCGContinuesFromTheLastSolve() throws {
        let game = QuadraticGame(seed: 11)
        let g = Graph()
        let cold = TotalDerivative(leader: game.leader, follower: game.follower, solver: .conjugateGradient(iterations: 20, tolerance: 1e-4), lambda: 0.5)
        let warm = TotalDerivative(leader: game.leader, follower: game.follower, solver: .conjugateGradient(iterations: 20, tolerance: 1e-4), lambda: 0.5)
        warm.warmStart = true
        let expected = game.expected(lambda: 0.5).total
        for td in [cold, warm] {
            for _ in 0..<2 {
                let got = try compute(td, game, g)
                for (x, y) in zip(got, expected) { XCTAssertEqual(Double(x), y, accuracy: 1e-3) }
            }
        }
        XCTAssertGreaterThan(cold.diagnostics.solve.iterations, 1)
        XCTAssertEqual(warm.diagnostics.solve.iterations, 0)
        XCTAssertEqual(warm.diagnostics.solve.products, 1)

        let restored = TotalDerivative(leader: game.leader, follower: game.follower, solver: .conjugateGradient(iterations: 20, tolerance: 1e-4), lambda: 0.5)
        restored.warmStart = true
        let state = warm.warmStartState
        try restored.restoreWarmStart(vector: state.vector, solved: state.solved)
        _ = try compute(restored, game, g)
        XCTAssertEqual(restored.diagnostics.solve.iterations, 0)
        XCTAssertThrowsError(try restored.restoreWarmStart(vector: [1, 2], solved: true))
    }
}
