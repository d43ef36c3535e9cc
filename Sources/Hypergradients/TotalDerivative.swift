import Autodiff
import Seeding

/// The leader's total derivative in a Stackelberg game, by the implicit function theorem:
///
///   Df₁ = ∇_leader f₁ − (∇_leader ∇_follower f₂)ᵀ (∇²_follower f₂ + λI)⁻¹ ∇_follower f₁,
///
/// with f₁ the leader's loss and f₂ the follower's, both recorded in the same graph step. The
/// inverse-Hessian-vector product v = (∇²f₂ + λI)⁻¹∇_follower f₁ is solved matrix-free over exact
/// Hessian-vector products; the correction (∇_leader∇_follower f₂)ᵀ v is one exact mixed product.
/// λ is STAC's regularization (λ = 0: the plain Stackelberg gradient; λ → ∞: the individual one).
public final class TotalDerivative {
    public let leader: ParameterGroup
    public let follower: ParameterGroup
    public var solver: InverseSolver
    public var lambda: Float
    public var rng: SeededGenerator

    private let cg: ConjugateGradientSolver
    private let neumann: NeumannSolver
    private var nystrom: NystromSolver?
    private let implicitVector, correction: UnsafeMutablePointer<Float>
    // ∇ of the leader's loss over leader and follower together, from one backward pass:
    // the first leader.count entries are ∇_leader f₁, the rest ∇_follower f₁.
    private let bothPlayers: ParameterGroup
    private let leaderLossGradient: UnsafeMutablePointer<Float>
    private var followerGradientOfLeaderLoss: UnsafeMutablePointer<Float> { leaderLossGradient + leader.count }
    // Made once and refilled each step, so a step allocates nothing.
    private var followerGradient: RecordedGradient?
    private var hessian: LinearOperator?

    /// What the last `compute` measured, for logs (the game quantities of the bridge).
    public struct Diagnostics: Sendable {
        public var leaderGradientNorm: Float = 0
        public var correctionNorm: Float = 0
        public var totalDerivativeNorm: Float = 0
        public var solve = SolveReport()
    }
    public private(set) var diagnostics = Diagnostics()

    public init(leader: ParameterGroup, follower: ParameterGroup, solver: InverseSolver, lambda: Float, seed: UInt64 = 0) {
        precondition(lambda >= 0, "TotalDerivative: λ must be non-negative, got \(lambda)")
        self.leader = leader
        self.follower = follower
        self.solver = solver
        self.lambda = lambda
        rng = SeededGenerator(seed: seed)
        let n = follower.count
        cg = ConjugateGradientSolver(dimension: n)
        neumann = NeumannSolver(dimension: n)
        bothPlayers = ParameterGroup("\(leader.name)+\(follower.name)", leader.parameters + follower.parameters)
        leaderLossGradient = .allocate(capacity: max(leader.count + n, 1))
        implicitVector = .allocate(capacity: max(n, 1))
        correction = .allocate(capacity: max(leader.count, 1))
        implicitVector.initialize(repeating: 0, count: max(n, 1))
    }

    deinit { leaderLossGradient.deallocate(); implicitVector.deallocate(); correction.deallocate() }

    /// Writes Df₁ into `out` (`leader.count` floats).
    public func compute(leaderLoss: Tensor, followerLoss: Tensor, into out: UnsafeMutablePointer<Float>) {
        let graph = leaderLoss.graph
        precondition(followerLoss.graph === graph, "TotalDerivative: both losses must be recorded in the same graph step")
        graph.gradient(of: leaderLoss, wrt: bothPlayers, into: leaderLossGradient)
        out.update(from: leaderLossGradient, count: leader.count)
        if followerGradient == nil {
            let recorder = RecordedGradient(group: follower, graph: graph)
            followerGradient = recorder
            hessian = LinearOperator(dimension: follower.count) { [unowned recorder] v, hv in recorder.hessianVectorProduct(v, into: hv) }
        }
        let followerGradient = followerGradient!, hessian = hessian!
        followerGradient.record(of: followerLoss)
        var report: SolveReport
        switch solver {
        case .conjugateGradient(let iterations, let tolerance):
            report = cg.solve(hessian, regularization: lambda, b: followerGradientOfLeaderLoss, into: implicitVector,
                              maxIterations: iterations, tolerance: tolerance)
        case .neumann(let terms, let alpha):
            report = neumann.solve(hessian, regularization: lambda, b: followerGradientOfLeaderLoss, into: implicitVector,
                                   terms: terms, alpha: alpha)
        case .nystrom(let rank, _):
            if nystrom?.rank != rank { nystrom = NystromSolver(dimension: follower.count, rank: rank) }
            precondition(lambda > 0, "TotalDerivative: the Nyström solver needs λ > 0 (its ρ)")
            report = nystrom!.solve(hessian, rho: lambda, b: followerGradientOfLeaderLoss, into: implicitVector, rng: &rng)
        case .exact:
            report = ExactSolver.solve(hessian, regularization: lambda, b: followerGradientOfLeaderLoss, into: implicitVector)
        }
        followerGradient.mixedProduct(implicitVector, wrt: leader, into: correction)
        let n = leader.count
        var g2 = 0.0, c2 = 0.0, t2 = 0.0
        for i in 0..<n {
            g2 += Double(out[i]) * Double(out[i])
            c2 += Double(correction[i]) * Double(correction[i])
            out[i] -= correction[i]
            t2 += Double(out[i]) * Double(out[i])
        }
        diagnostics = Diagnostics(leaderGradientNorm: Float(g2.squareRoot()), correctionNorm: Float(c2.squareRoot()),
                                  totalDerivativeNorm: Float(t2.squareRoot()), solve: report)
    }

    /// v = (∇²f₂ + λI)⁻¹∇_follower f₁ from the last `compute` (`follower.count` floats).
    public var lastImplicitVector: [Float] { Array(UnsafeBufferPointer(start: implicitVector, count: follower.count)) }
}
