import Autodiff
import Seeding

/// The leader's total derivative in a Stackelberg game, by the implicit function theorem:
///
///   Df₁ = ∇_leader f₁ − (∇_leader ∇_follower f₂)ᵀ (∇²_follower f₂ + λI)⁻¹ ∇_follower f₁,
///
/// with f₁ the leader's loss and f₂ the follower's, both recorded in the same graph step. The
/// inverse-Hessian-vector product v = (∇²f₂ + λI)⁻¹∇_follower f₁ is solved matrix-free over exact
/// Hessian-vector products; the correction (∇_leader∇_follower f₂)ᵀ v is one exact mixed product.
/// λ is STAC's regularization (Zheng et al., "Stackelberg Actor-Critic: Game-Theoretic
/// Reinforcement Learning Algorithms", arXiv:2109.12286, Sec. 4): λ = 0 gives the plain
/// Stackelberg gradient, λ → ∞ the individual one. It is a `var` so that a schedule in the caller
/// can set it before each `compute`. The Nyström solver adds its own ρ (see `InverseSolver.nystrom`;
/// BLPO, arXiv:2505.11714, uses that hypergradient).
///
/// Shapes: the leader's and the follower's parameters are flattened in their groups' order
/// (`leader.count` and `follower.count` floats); the losses are scalars.
public final class TotalDerivative {
    public let leader: ParameterGroup
    public let follower: ParameterGroup
    public var solver: InverseSolver
    /// STAC's λ ≥ 0, added to the follower Hessian. Read at each `compute`, so it may follow a
    /// schedule; `diagnostics.lambda` records the value a solve used.
    public var lambda: Float
    /// Measure the final relative residual ‖(H + λI)v − b‖/‖b‖ of solvers that do not track it
    /// (Neumann, Nyström — against H + λI + ρI, the system it approximates — and the exact solve)
    /// at the cost of one more Hessian-vector product. CG always reports its own.
    public var measureResidual: Bool
    /// CG starts from the previous solve's v instead of 0 (one more product to form its residual).
    /// Successive updates move the follower little, so v changes little: with a tolerance, CG then
    /// stops after fewer products for the same residual. The first solve starts at 0, and so does
    /// the one after a solve that met negative curvature; a guess worse than 0 is dropped.
    public var warmStart = false
    /// CG steps through directions of negative curvature instead of stopping there (plain CG, as
    /// the STAC and BLPO code run it); `diagnostics.metNegativeCurvature` still reports them.
    public var cgThroughNegativeCurvature = false
    /// Nyström: the sketch's core is W + sI instead of W (BLPO's public code uses s = 1).
    public var nystromCoreShift: Float = 0
    /// Nyström: every solve uses the same columns, the first draw of the seed's stream (BLPO's
    /// public code fixes them for the whole run); otherwise each solve draws fresh ones.
    public var nystromFixedColumns = false
    /// Whether `implicitVector` holds a solve a warm start may continue from.
    private var hasSolved = false

    private let cg: ConjugateGradientSolver
    private let neumann: NeumannSolver
    private var nystrom: NystromSolver?
    // The Nyström column sampler and the seed it was started from: re-seeded only when the
    // solver's seed changes, so successive solves with one seed draw fresh columns from its stream.
    private var nystromGenerator = SeededGenerator(seed: 0)
    private var nystromSeed: UInt64?
    private let implicitVector, correction, residualScratch: UnsafeMutablePointer<Float>
    // ∇ of the leader's loss over leader and follower together, from one backward pass:
    // the first leader.count entries are ∇_leader f₁, the rest ∇_follower f₁.
    private let bothPlayers: ParameterGroup
    private let leaderLossGradient: UnsafeMutablePointer<Float>
    private var followerGradientOfLeaderLoss: UnsafeMutablePointer<Float> { leaderLossGradient + leader.count }
    // Made once and refilled each step, so a step allocates nothing.
    private var followerGradient: RecordedGradient?
    private var mixedGradient: RecordedGradient?
    private var hessian: LinearOperator?

    /// What the last `compute` measured, for logs (the game quantities of the bridge). Norms are
    /// Euclidean over the flattened leader parameters, accumulated in Double.
    public struct Diagnostics: Sendable {
        /// ‖∇_leader f₁‖: the leader's own (individual) gradient.
        public var leaderGradientNorm: Float = 0
        /// ‖(∇_leader∇_follower f₂)ᵀ v‖: the implicit correction subtracted from it.
        public var correctionNorm: Float = 0
        /// ‖Df₁‖: the total derivative written to `out`.
        public var totalDerivativeNorm: Float = 0
        /// cos∠(∇_leader f₁, Df₁) in [−1, 1]; 0 when either vector is zero. Near 1: the follower's
        /// response barely turns the leader's step; negative: it reverses it.
        public var cosine: Float = 0
        /// κ = ⟨Df₁, ∇_leader f₁⟩/‖∇_leader f₁‖²: how far the total derivative goes along the
        /// leader's own gradient (1 when there is no correction; 0 when that gradient is 0).
        public var stepScale: Float = 0
        /// The λ this solve used.
        public var lambda: Float = 0
        /// The solver's work: Hessian-vector products (`solve.products`), CG iterations run
        /// (`solve.iterations`), final relative residual (`solve.relativeResidual`: CG's own, or
        /// measured with one more product when `measureResidual` is set), and whether CG met
        /// negative curvature (`solve.metNegativeCurvature`: it stopped there, or stepped through).
        public var solve = SolveReport()
        public init() {}

        /// Hessian-vector products of the solve (the mixed product is not counted).
        public var hessianVectorProducts: Int { solve.products }
        /// Iterations the solver ran (CG's completed steps).
        public var iterations: Int { solve.iterations }
        /// Final relative residual, when known.
        public var relativeResidual: Float? { solve.relativeResidual }
        /// CG met non-positive curvature (an indefinite follower Hessian at this λ), whether it
        /// stopped there or stepped through.
        public var metNegativeCurvature: Bool { solve.metNegativeCurvature }
    }
    public private(set) var diagnostics = Diagnostics()

    /// Settings of a solve that cannot work; thrown by `compute` before any work.
    public enum SettingError: Error, Equatable, Sendable, CustomStringConvertible {
        /// λ must be finite and ≥ 0.
        case invalidLambda(Float)
        /// Nyström's ρ must be finite and > 0 (a rank-k sketch is singular without it).
        case invalidRho(Float)
        /// A solver budget out of range (rank, iterations, terms, α), described.
        case invalidSolver(String)

        public var description: String {
            switch self {
            case .invalidLambda(let l): return "TotalDerivative: λ must be finite and non-negative, got \(l)"
            case .invalidRho(let r):
                return "TotalDerivative: the Nyström solver needs ρ > 0 (it regularizes the rank-deficient sketch), got \(r); "
                    + "set it in .nystrom(rank:rho:seed:)"
            case .invalidSolver(let s): return "TotalDerivative: \(s)"
            }
        }
    }

    /// - Parameters:
    ///   - leader, follower: the players' parameters; the total derivative is over `leader`.
    ///   - solver: how (∇²f₂ + λI)⁻¹ is applied.
    ///   - lambda: STAC's regularization λ ≥ 0 (checked by `compute`).
    ///   - measureResidual: see `measureResidual`.
    public init(leader: ParameterGroup, follower: ParameterGroup, solver: InverseSolver, lambda: Float,
                measureResidual: Bool = false) {
        self.leader = leader
        self.follower = follower
        self.solver = solver
        self.lambda = lambda
        self.measureResidual = measureResidual
        let n = follower.count
        cg = ConjugateGradientSolver(dimension: n)
        neumann = NeumannSolver(dimension: n)
        bothPlayers = ParameterGroup("\(leader.name)+\(follower.name)", leader.parameters + follower.parameters)
        leaderLossGradient = .allocate(capacity: max(leader.count + n, 1))
        implicitVector = .allocate(capacity: max(n, 1))
        correction = .allocate(capacity: max(leader.count, 1))
        residualScratch = .allocate(capacity: max(n, 1))
        implicitVector.initialize(repeating: 0, count: max(n, 1))
    }

    deinit { leaderLossGradient.deallocate(); implicitVector.deallocate(); correction.deallocate(); residualScratch.deallocate() }

    private static func checkCG(iterations: Int, tolerance: Float, absoluteTolerance: Float) throws {
        guard iterations >= 0, tolerance >= 0, absoluteTolerance >= 0, tolerance.isFinite, absoluteTolerance.isFinite else {
            throw SettingError.invalidSolver("CG needs iterations ≥ 0 and finite tolerances ≥ 0, got \(iterations), \(tolerance) (relative) and \(absoluteTolerance) (absolute)")
        }
    }

    /// Writes Df₁ into `out` (`leader.count` floats) and updates `diagnostics`.
    ///
    /// `mixedLoss`, when given, is the follower objective whose mixed derivative
    /// ∇_leader∇_follower forms the correction, in place of `followerLoss` (which still gives the
    /// Hessian): BLPO's public code pairs the critic loss's Hessian with the mixed term of a
    /// linearized critic objective (arXiv 2505.11714). It costs one more recorded gradient.
    ///
    /// - Throws: `GraphError.staleTensor` when a loss was recorded in an earlier step of its graph
    ///   (the graph has been reset since), `GraphError.otherGraph` when the two losses come from
    ///   different graphs; `SettingError` for λ < 0, ρ ≤ 0 or a solver budget out of range. Nothing
    ///   is written and `diagnostics` is unchanged when it throws.
    ///
    /// Allocates nothing after the first call with the conjugate-gradient or Neumann solver (the
    /// Nyström and exact solvers allocate their small dense systems per call).
    public func compute(leaderLoss: Tensor, followerLoss: Tensor, mixedLoss: Tensor? = nil, into out: UnsafeMutablePointer<Float>) throws {
        let graph = leaderLoss.graph
        // Both losses must be of this very step: the recorded gradient and every product below
        // are built in `graph`, and a loss from an earlier step names a node that no longer exists.
        try graph.validate(leaderLoss, what: "TotalDerivative.compute, leaderLoss")
        try graph.validate(followerLoss, what: "TotalDerivative.compute, followerLoss")
        if let m = mixedLoss { try graph.validate(m, what: "TotalDerivative.compute, mixedLoss") }
        let lambda = self.lambda
        guard lambda >= 0, lambda.isFinite else { throw SettingError.invalidLambda(lambda) }
        let n = follower.count
        // The solvers' own checks are preconditions, which -Ounchecked removes: check here.
        switch solver {
        case .conjugateGradient(let iterations, let tolerance, let absoluteTolerance):
            try Self.checkCG(iterations: iterations, tolerance: tolerance, absoluteTolerance: absoluteTolerance)
        case .neumann(let terms, let alpha):
            guard terms >= 1, alpha > 0 else { throw SettingError.invalidSolver("Neumann needs terms ≥ 1 and α > 0, got \(terms) and \(alpha)") }
        case .nystrom(let rank, let rho, _):
            guard rho > 0, rho.isFinite else { throw SettingError.invalidRho(rho) }
            guard rank >= 1, rank <= n else { throw SettingError.invalidSolver("Nyström rank \(rank) must lie in 1...\(n) (the follower's size)") }
        case .nystromPreconditionedCG(let iterations, let tolerance, let absoluteTolerance, let rank, let rho, _):
            guard rho > 0, rho.isFinite else { throw SettingError.invalidRho(rho) }
            guard rank >= 1, rank <= n else { throw SettingError.invalidSolver("Nyström rank \(rank) must lie in 1...\(n) (the follower's size)") }
            try Self.checkCG(iterations: iterations, tolerance: tolerance, absoluteTolerance: absoluteTolerance)
        case .exact: break
        }

        graph.gradient(of: leaderLoss, wrt: bothPlayers, into: leaderLossGradient)
        out.update(from: leaderLossGradient, count: leader.count)
        if followerGradient == nil {
            let recorder = RecordedGradient(group: follower, graph: graph)
            followerGradient = recorder
            hessian = LinearOperator(dimension: n) { [unowned self, unowned recorder] v, hv in self.product(recorder, v, hv) }
        }
        let followerGradient = followerGradient!, hessian = hessian!
        followerGradient.record(of: followerLoss)
        let b = followerGradientOfLeaderLoss
        var report: SolveReport
        // The shift of the system the solver approximates, for the measured residual.
        var shift = lambda
        switch solver {
        case .conjugateGradient(let iterations, let tolerance, let absoluteTolerance):
            report = cg.solve(hessian, regularization: lambda, b: b, into: implicitVector, maxIterations: iterations,
                              tolerance: tolerance, absoluteTolerance: absoluteTolerance, warmStart: warmStart && hasSolved,
                              throughNegativeCurvature: cgThroughNegativeCurvature)
        case .neumann(let terms, let alpha):
            report = neumann.solve(hessian, regularization: lambda, b: b, into: implicitVector,
                                   terms: terms, alpha: alpha)
        case .nystrom(let rank, let rho, let seed):
            let sketcher = nystromSketcher(rank: rank, seed: seed)
            report = sketcher.solve(hessian, regularization: lambda, rho: rho, coreShift: nystromCoreShift, b: b, into: implicitVector, rng: &nystromGenerator)
            shift = lambda + rho
        case .nystromPreconditionedCG(let iterations, let tolerance, let absoluteTolerance, let rank, let rho, let seed):
            let sketcher = nystromSketcher(rank: rank, seed: seed)
            let sketched = sketcher.sketch(hessian, regularization: lambda, rho: rho, coreShift: nystromCoreShift, rng: &nystromGenerator)
            report = cg.solve(hessian, regularization: lambda, b: b, into: implicitVector, maxIterations: iterations, tolerance: tolerance,
                              absoluteTolerance: absoluteTolerance, warmStart: warmStart && hasSolved, preconditioner: { [unowned sketcher] r, z in sketcher.applyInverse(r, into: z) })
            report.products += sketched.products
        case .exact:
            report = ExactSolver.solve(hessian, regularization: lambda, b: b, into: implicitVector)
        }
        if measureResidual, !isConjugateGradient {
            // ‖(H + shift·I)v − b‖/‖b‖ with one more product; CG already tracks its residual.
            hessian.apply(implicitVector, residualScratch)
            report.products += 1
            var r2 = 0.0
            for i in 0..<n {
                let r = Double(residualScratch[i]) + Double(shift) * Double(implicitVector[i]) - Double(b[i])
                r2 += r * r
            }
            let b2 = dotD(b, b, n)
            report.relativeResidual = b2 > 0 ? Float((r2 / b2).squareRoot()) : (r2 == 0 ? 0 : .infinity)
        }
        // A solve cut short by negative curvature is no guess to continue from.
        hasSolved = !report.stoppedOnNegativeCurvature
        if let m = mixedLoss {
            if mixedGradient == nil { mixedGradient = RecordedGradient(group: follower, graph: graph) }
            mixedGradient!.record(of: m)
            mixedGradient!.mixedProduct(implicitVector, wrt: leader, into: correction)
        } else {
            followerGradient.mixedProduct(implicitVector, wrt: leader, into: correction)
        }
        let m = leader.count
        // Norms and the cosine in Double, by the vectorized fixed-order kernel.
        let g2 = dotD(out, out, m), c2 = dotD(correction, correction, m)
        for i in 0..<m { out[i] -= correction[i] }
        let t2 = dotD(out, out, m), gt = dotD(leaderLossGradient, out, m)
        var d = Diagnostics()
        d.leaderGradientNorm = Float(g2.squareRoot())
        d.correctionNorm = Float(c2.squareRoot())
        d.totalDerivativeNorm = Float(t2.squareRoot())
        d.cosine = g2 > 0 && t2 > 0 ? Float(gt / (g2.squareRoot() * t2.squareRoot())) : 0
        d.stepScale = g2 > 0 ? Float(gt / g2) : 0
        d.lambda = lambda
        d.solve = report
        diagnostics = d
    }

    /// One Hessian-vector product, rewound once written out (`Graph.scratch`): a solve of k
    /// products then takes the graph room of one, whatever k is and however early a solve stops,
    /// so a step's first solve sizes the graph for every later one (no growth inside training),
    /// and the products' intermediates reuse the same, cache-warm memory.
    private func product(_ recorder: RecordedGradient, _ v: UnsafePointer<Float>, _ hv: UnsafeMutablePointer<Float>) {
        recorder.graph.scratch { recorder.hessianVectorProduct(v, into: hv) }
    }

    private var isConjugateGradient: Bool {
        switch solver {
        case .conjugateGradient, .nystromPreconditionedCG: return true
        default: return false
        }
    }

    /// The Nyström solver of `rank`, its column sampler at the stream of `seed` (restarted at each
    /// solve when the columns are fixed).
    private func nystromSketcher(rank: Int, seed: UInt64) -> NystromSolver {
        if nystrom?.rank != rank { nystrom = NystromSolver(dimension: follower.count, rank: rank) }
        if nystromSeed != seed || nystromFixedColumns { nystromGenerator = SeededGenerator(seed: seed); nystromSeed = seed }
        return nystrom!
    }

    /// ∇_follower f₂ from the last `compute`, as recorded for the Hessian-vector products, into
    /// `out` (`follower.count` floats): the follower's own gradient at the same point, without
    /// another backward pass (a simultaneous follower step reuses it).
    public func writeLastFollowerGradient(into out: UnsafeMutablePointer<Float>) {
        followerGradient?.write(into: out)
    }

    /// v ↦ ∇²_follower f₂ · v (no λ) at the last `compute`'s point, each product rewound once
    /// written: valid until its graph is next reset (nil before the first `compute`). The game
    /// diagnostics take the follower Hessian's spectrum from it without recording ∇f₂ again.
    public var lastFollowerHessian: LinearOperator? { hessian }

    /// ∇_leader f₁ from the last `compute` (`leader.count` floats, valid until the next one): the
    /// leader's own gradient, before the correction.
    public var lastLeaderGradient: UnsafePointer<Float> { UnsafePointer(leaderLossGradient) }

    /// (∇_leader∇_follower f₂)ᵀ v from the last `compute` (`leader.count` floats, valid until the
    /// next one): the implicit correction that was subtracted. BLPO clips it before use.
    public var lastCorrection: UnsafePointer<Float> { UnsafePointer(correction) }

    /// The Nyström column sampler's state and the seed it started from, for checkpoints: a run
    /// that saves and restores it draws the same columns as one that never stopped.
    public var nystromSamplerState: (generator: SeededGenerator, seed: UInt64?) {
        get { (nystromGenerator, nystromSeed) }
        set { nystromGenerator = newValue.generator; nystromSeed = newValue.seed }
    }

    /// v = (∇²f₂ + λI)⁻¹∇_follower f₁ from the last `compute` (`follower.count` floats).
    public var lastImplicitVector: [Float] { Array(UnsafeBufferPointer(start: implicitVector, count: follower.count)) }

    /// The warm start's state (the last v, and whether there is one), for checkpoints: a resumed
    /// run with `warmStart` continues from the v an uninterrupted one would.
    public var warmStartState: (vector: [Float], solved: Bool) { (lastImplicitVector, hasSolved) }

    /// Errors: `SettingError.invalidSolver` when the vector's length is not `follower.count`.
    public func restoreWarmStart(vector: [Float], solved: Bool) throws {
        guard vector.count == follower.count else {
            throw SettingError.invalidSolver("the saved implicit vector has \(vector.count) entries; this follower has \(follower.count) parameters")
        }
        implicitVector.update(from: vector, count: vector.count)
        hasSolved = solved
    }

    /// The follower coordinates whose Hessian columns the last Nyström solve sampled; nil before
    /// the first Nyström solve.
    public var lastNystromColumns: [Int]? { nystromSeed == nil ? nil : nystrom?.sampledColumns }
}
