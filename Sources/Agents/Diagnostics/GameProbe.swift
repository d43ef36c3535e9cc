import Autodiff
import Hypergradients
import Neural
import Seeding

/// Measures a coupling's game (f₁ over the leader's parameters x₁, f₂ over the follower's x₂) at the
/// current parameters, on one minibatch held for the whole measurement: the quantities the game
/// module computes symbolically on toy games, at the scale of a network (STAC, arXiv 2109.12286,
/// Sec. 3: individual play cycles where the total derivative converges).
///
/// Columns (``GameDiagnosticsOptions/metricNames``):
/// - `game_leader_gradient_norm` ‖∇₁f₁‖, `game_total_derivative_norm` ‖Df₁‖ with
///   Df₁ = ∇₁f₁ − ∇₁₂f₂ᵀ(∇²₂₂f₂ + λI)⁻¹∇₂f₁ by CG (`diagnostics.lambda`, `cg_iterations`),
///   `game_correction_norm` (the implicit term), `game_total_derivative_cosine` cos(∇₁f₁, Df₁),
///   `game_lambda`;
/// - `game_follower_gradient_norm` ‖∇₂f₂‖, `game_follower_loss` f₂, `game_follower_loss_drop`
///   f₂ − f₂ after K more steps of the follower's own optimizer (a fresh Adam where the coupling has
///   no follower of its own, or at `diagnostics.follower_lr`) on the same minibatch, then undone
///   with its optimizer state: how far the follower is from its best response, which the theory
///   takes it to be at (negative when those steps overshoot);
/// - `game_hessian_max`/`_min`: Lanczos' extreme Ritz values of ∇²₂₂f₂ (inside [λ_min, λ_max]; a
///   short run underestimates |λ_min| most), `game_hessian_condition` max/min when min > 0 (else
///   NaN), `game_hessian_indefinite` 1 when min < −10⁻⁴·|max| (a negative Ritz value is a
///   negative eigenvalue);
/// - `game_eigK_re`/`_im`: the leading Ritz values (by modulus) of the game Jacobian
///   J = [[∇₁₁f₁, ∇₁₂f₁], [∇₂₁f₂, ∇₂₂f₂]] by Arnoldi on J·v (two Hessian-vector products of the
///   joint parameters each), `game_rotation` |Im|/|Re| of the first, `game_rotation_max` the
///   largest among them: complex leading eigenvalues are the local sign of rotation (cycling)
///   in the simultaneous-gradient field; with `stackelbergSpectrum`, `game_stackelberg_eigK_re`/`_im`,
///   `game_stackelberg_rotation` and `_max` do the same for the Stackelberg field (Df₁, ∇₂f₂), by
///   central differences of it (the field a total-derivative coupling follows);
/// - `game_path_i` S(x − x₀), `game_field_i` S(−ω) with ω = (∇₁f₁, ∇₂f₂) (individual play's
///   field), `game_stackelberg_field_i` S(−(Df₁, ∇₂f₂)): a random sketch S (``ParameterSketch``)
///   of the joint displacement from the first parameters and of both update fields, from which
///   `stackelberg diagnose` draws the path over the field in its principal plane.
///
/// Training is left bit for bit as it was: the follower's extra steps are undone, the objectives'
/// random stream is put back (``CoupledModel/objectiveRandomness``), and the probe runs before the
/// update it precedes, which prepares its minibatch afresh.
final class GameProbe {
    let options: GameDiagnosticsOptions
    let leader: ParameterGroup, follower: ParameterGroup
    private let joint: ParameterGroup
    private let totalDerivative: TotalDerivative
    private let followerRate: Float
    /// The coupling's own follower optimizer, when it has one (two players).
    private let followerOptimizer: GroupOptimizer?
    private let sketch: ParameterSketch
    /// x₀: the joint parameters when the probe was built (or restored from a checkpoint).
    private(set) var origin: [Float]
    private let totalDerivativeOut, followerGradient, joined, savedFollower, scratch: UnsafeMutablePointer<Float>
    private var slots: [UpdateMetrics.Slot] = []
    /// Where the Stackelberg field's eigenvalue columns start (with `stackelbergSpectrum`).
    private lazy var sketchColumn = options.metricNames.firstIndex(of: "game_path_1")!
    private lazy var stackelbergColumn = options.metricNames.firstIndex(of: "game_stackelberg_eig1_re") ?? 0
    private var nL: Int { leader.count }
    private var nF: Int { follower.count }

    /// `followerOptimizer`: the coupling's own (its steps measure the best-response gap); nil: a
    /// fresh Adam at `followerLearningRate` (a monolithic coupling has no follower of its own).
    init(leader l: [Parameter], follower f: [Parameter], options: GameDiagnosticsOptions, followerOptimizer: GroupOptimizer?,
         followerLearningRate: Float) {
        self.options = options
        self.followerOptimizer = options.followerLearningRate > 0 ? nil : followerOptimizer
        leader = ParameterGroup("diagnostics.leader", l)
        follower = ParameterGroup("diagnostics.follower", f)
        joint = ParameterGroup("diagnostics.joint", l + f)
        totalDerivative = TotalDerivative(leader: leader, follower: follower,
                                          solver: .conjugateGradient(iterations: options.cgIterations), lambda: options.lambda)
        followerRate = options.followerLearningRate > 0 ? options.followerLearningRate : followerLearningRate
        sketch = ParameterSketch(rows: options.sketchDimension, seed: UInt64(options.seed))
        let n = joint.count
        func floats(_ k: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(k, 1)); p.initialize(repeating: 0, count: Swift.max(k, 1)); return p
        }
        totalDerivativeOut = floats(l.reduce(0) { $0 + $1.count })
        followerGradient = floats(f.reduce(0) { $0 + $1.count })
        savedFollower = floats(f.reduce(0) { $0 + $1.count })
        scratch = floats(f.reduce(0) { $0 + $1.count })
        joined = floats(n)
        origin = joint.flatValues
    }

    deinit { totalDerivativeOut.deallocate(); followerGradient.deallocate(); savedFollower.deallocate(); scratch.deallocate(); joined.deallocate() }

    func attach(to metrics: UpdateMetrics) { slots = options.metricNames.map(metrics.slot) }

    /// Marks every column "not measured in this update" (NaN is left out of a window's mean).
    func clear(_ metrics: UpdateMetrics) { for s in slots { metrics[s] = .nan } }

    /// Measures the game `losses` plays on `model` at minibatch `batch` and writes every column.
    /// A loss that is not finite leaves the columns NaN (the update that follows reports it).
    /// Errors: the model's `prepare` errors, and graph misuse from `losses`.
    /// `losses` gives f₁, f₂ and, where the coupling has one, the objective whose mixed derivative
    /// stands in for f₂'s (``Coupling/gameMixedLoss(_:)``), all in one graph step.
    func measure(_ model: CoupledModel, batch: BatchRole, losses: (CoupledModel) -> (leader: Tensor, follower: Tensor, mixed: Tensor?),
                 metrics: UpdateMetrics) throws {
        clear(metrics)
        let randomness = model.objectiveRandomness
        let graph = model.graph
        defer {
            if let g = randomness { model.objectiveRandomness = g }
            graph.reset()
        }
        // Every evaluation sees the same minibatch and the same draws.
        func record() throws -> (leader: Tensor, follower: Tensor, mixed: Tensor?) {
            if let g = randomness { model.objectiveRandomness = g }
            try model.prepare(batch)
            graph.reset()
            return losses(model)
        }
        var column = 0
        func write(_ x: Double) { metrics[slots[column]] = Float(x); column += 1 }

        // 1. Own gradients and the total derivative; the follower Hessian's extremes.
        let (f1, f2, mixed) = try record()
        let f2Value = f2.scalarValue
        guard f1.scalarValue.isFinite, f2Value.isFinite else { return }
        totalDerivative.lambda = options.lambda
        try totalDerivative.compute(leaderLoss: f1, followerLoss: f2, mixedLoss: mixed, into: totalDerivativeOut)
        let d = totalDerivative.diagnostics
        totalDerivative.writeLastFollowerGradient(into: followerGradient)
        let leaderGradient = totalDerivative.lastLeaderGradient
        write(Double(d.leaderGradientNorm))
        // A CG stopped on negative curvature before its first step has no correction to report (its
        // zero would read as Df₁ = ∇₁f₁, cosine 1): those columns are NaN, not measured.
        let unsolved = d.solve.stoppedOnNegativeCurvature && d.solve.iterations == 0
        write(unsolved ? .nan : Double(d.totalDerivativeNorm)); write(unsolved ? .nan : Double(d.correctionNorm))
        write(unsolved ? .nan : Double(d.cosine)); write(Double(options.lambda))
        write(dotD(followerGradient, followerGradient, nF).squareRoot())
        write(Double(f2Value))
        let dropColumn = column
        column += 1
        // The solve's own ∇²₂₂f₂ (∇f₂ is recorded once); each product is rewound once written, so
        // a diagnostic's ~50 products hold the memory of one (hundreds of MB on the attention
        // perception at PPO's minibatch).
        if let operatorH = totalDerivative.lastFollowerHessian,
           let e = SpectralEstimates.lanczos(operatorH, steps: options.lanczosSteps, seed: UInt64(options.seed) &+ 1) {
            let (top, bottom) = (e.largest, e.smallest)
            write(top); write(bottom)
            write(bottom > 0 ? top / bottom : .nan)
            write(bottom < -1e-4 * Swift.abs(top) ? 1 : 0)
        } else {
            column += 4
        }

        // 2. The sketched path and fields (the gradients are still in their buffers).
        writeSketches(leaderGradient: leaderGradient, metrics: metrics, firstColumn: sketchColumn)

        // 3. The game Jacobian's leading eigenvalues, J·v = (∇₁⟨∇f₁, v⟩, ∇₂⟨∇f₂, v⟩).
        // Row 2 is ∇₂(⟨∇₂f₂, v₂⟩ + ⟨∇₁m, v₁⟩), m the mixed stand-in (f₂ itself by default).
        // Without a mixed stand-in, row 2 is ∇₂⟨∇f₂, v⟩ over the joint parameters: one recorded
        // gradient of f₂ instead of two (each a recorded backward pass, the diagnostic's memory).
        let (g1, g2, m) = try record()
        let r1 = RecordedGradient(of: g1, wrt: joint)
        let r2 = RecordedGradient(of: g2, wrt: m == nil ? joint : follower)
        let r2Mixed = m.map { RecordedGradient(of: $0, wrt: leader) }
        let leaderGroup = leader, followerGroup = follower, offset = nL
        let spectrum = SpectralEstimates.arnoldi(dimension: joint.count, steps: options.arnoldiSteps, seed: UInt64(options.seed) &+ 2) { v, out in
            // Each row rewound once written: the peak is one second-order pass, not two.
            graph.scratch { graph.gradient(of: r1.innerProduct(with: v), wrt: leaderGroup, into: out) }
            graph.scratch {
                let row2 = r2Mixed.map { r2.innerProduct(with: v + offset) + $0.innerProduct(with: v) } ?? r2.innerProduct(with: v)
                graph.gradient(of: row2, wrt: followerGroup, into: out + offset)
            }
        }
        if let eigenvalues = spectrum?.eigenvalues {
            for k in 0..<options.eigenvalues {
                if k < eigenvalues.count { write(eigenvalues[k].re); write(eigenvalues[k].im) } else { column += 2 }
            }
            let leading = eigenvalues.prefix(options.eigenvalues)
            write(leading.first?.rotation ?? .nan)
            write(leading.map(\.rotation).max() ?? .nan)
        }

        // 3b. The Stackelberg field's Jacobian, by central differences of (Df₁, ∇₂f₂) along each
        // Arnoldi direction (the field goes through a CG solve: no exact product is at hand).
        if options.stackelbergSpectrum {
            column = stackelbergColumn
            let n = joint.count
            joint.gather(into: joined)
            let base = [Float](UnsafeBufferPointer(start: joined, count: n))
            let rms = (dotD(joined, joined, n) / Double(Swift.max(n, 1))).squareRoot()
            let h = options.finiteDifferenceStep * Float(Swift.max(1, rms))
            var point = base, plus = [Float](repeating: 0, count: n), minus = plus
            var failed = false
            func field(_ x: [Float], into out: inout [Float]) {
                x.withUnsafeBufferPointer { joint.scatter(from: $0.baseAddress!) }
                do {
                    let (a, b, c) = try record()
                    totalDerivative.lambda = options.lambda
                    try totalDerivative.compute(leaderLoss: a, followerLoss: b, mixedLoss: c, into: totalDerivativeOut)
                } catch { failed = true; return }
                for i in 0..<nL { out[i] = totalDerivativeOut[i] }
                out.withUnsafeMutableBufferPointer { totalDerivative.writeLastFollowerGradient(into: $0.baseAddress! + nL) }
            }
            let spectrum = SpectralEstimates.arnoldi(dimension: n, steps: options.arnoldiSteps, seed: UInt64(options.seed) &+ 3) { v, out in
                for i in 0..<n { point[i] = base[i] + h * v[i] }
                field(point, into: &plus)
                for i in 0..<n { point[i] = base[i] - h * v[i] }
                field(point, into: &minus)
                for i in 0..<n { out[i] = (plus[i] - minus[i]) / (2 * h) }
            }
            base.withUnsafeBufferPointer { joint.scatter(from: $0.baseAddress!) }
            if !failed, let eigenvalues = spectrum?.eigenvalues {
                for k in 0..<options.eigenvalues {
                    if k < eigenvalues.count { write(eigenvalues[k].re); write(eigenvalues[k].im) } else { column += 2 }
                }
                let leading = eigenvalues.prefix(options.eigenvalues)
                write(leading.first?.rotation ?? .nan)
                write(leading.map(\.rotation).max() ?? .nan)
            }
        }

        // 4. The follower's distance to its best response: K more of its own steps, then undone.
        if options.followerSteps > 0 {
            joint.gather(into: joined)
            if let own = followerOptimizer {
                // Its own optimizer, moments and all, as it would go on; its state is put back after.
                var saved = StateDictionary()
                own.saveState(into: &saved)
                for _ in 0..<options.followerSteps { own.step(minimizing: try record().follower) }
                try own.loadState(from: saved)
            } else {
                let adam = Adam(parameterCount: nF)
                for _ in 0..<options.followerSteps {
                    graph.gradient(of: try record().follower, wrt: follower, into: scratch)
                    adam.update(follower, gradient: scratch, gradientScale: 1, learningRate: followerRate)
                }
            }
            let after = try record().follower.scalarValue
            joint.scatter(from: joined)
            metrics[slots[dropColumn]] = f2Value - after
        }
    }

    /// Writes S(x − x₀), S(−ω) and S(−(Df₁, ∇₂f₂)) from `firstColumn` on.
    private func writeSketches(leaderGradient: UnsafePointer<Float>, metrics: UpdateMetrics, firstColumn: Int) {
        let r = options.sketchDimension
        var out = [Double](repeating: 0, count: 3 * r)
        joint.gather(into: joined)
        for i in 0..<joint.count { joined[i] -= origin[i] }
        out.withUnsafeMutableBufferPointer { o in
            let path = o.baseAddress!, field = path + r, stackelberg = path + 2 * r
            sketch.accumulate(joined, count: joint.count, offset: 0, into: path)
            sketch.accumulate(leaderGradient, count: nL, offset: 0, into: field)
            sketch.accumulate(followerGradient, count: nF, offset: nL, into: field)
            sketch.accumulate(totalDerivativeOut, count: nL, offset: 0, into: stackelberg)
            sketch.accumulate(followerGradient, count: nF, offset: nL, into: stackelberg)
        }
        for i in 0..<r {
            metrics[slots[firstColumn + i]] = Float(out[i])
            metrics[slots[firstColumn + r + i]] = Float(-out[r + i])
            metrics[slots[firstColumn + 2 * r + i]] = Float(-out[2 * r + i])
        }
    }

    func save(into state: inout StateDictionary) {
        state["diagnostics.origin"] = .tensor(shape: [origin.count], values: origin)
    }

    /// Restores x₀; a checkpoint written without diagnostics leaves it at the parameters just
    /// loaded (the path then starts where the resumed run does).
    func load(from state: StateDictionary) throws {
        guard state["diagnostics.origin"] != nil else { origin = joint.flatValues; return }
        var o = [Float](repeating: 0, count: joint.count)
        try state.load("diagnostics.origin", shape: Shape(o.count), into: &o)
        origin = o
    }
}
