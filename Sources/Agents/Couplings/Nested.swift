import Autodiff
import Hypergradients
import Neural

/// BLPO's linearized follower objective (its public code, `nystrom_ppo.py`): the critic's loss on
/// fixed targets does not depend on the actor, so the code forms the mixed term ∇_θ∇_w from
///
///   f̃₂(θ, w) = σ·2·R_t[ min(ρ_t Â_t(w), clip(ρ_t, 1 ± ε_F) Â_t(w)) · (G_t − V_w(s_t)) ],
///
/// ρ_t = π_θ(a_t|s_t)/π_old(a_t|s_t), R a sum (the code) or a mean over the minibatch. The code's σ
/// is −1; the exact implicit term of E_π[(V^π − V_w)²] (the policy-gradient identity, as STAC's
/// Prop. 1, arXiv 2109.12286) has σ = +1. A model that has such an objective forms it
/// (``CoupledModel/linearizedObjective(of:_:)``); the coupling only passes the form.
public struct LinearizedObjective: Sendable, Equatable {
    public enum Sign: String, Sendable, CaseIterable {
        /// σ = −1, BLPO's public code: its correction points along the leader's own gradient and
        /// amplifies it (up to the clip β).
        case code
        /// σ = +1, the implicit function theorem's sign for the critic's expected loss.
        case implicit
        public var value: Float { self == .code ? -1 : 1 }
    }
    public enum Reduction: String, Sendable, CaseIterable {
        /// Σ over the minibatch's steps (the code: T times the mean).
        case sum
        case mean
    }
    public var sign: Sign = .code
    public var reduction: Reduction = .sum
    /// ε_F of the ratio's clip in f̃₂ (the code's CLIP_F, default 0.5); 0 uses the unclipped ρ_t Â_t
    /// (the code's discrete Nyström variant).
    public var ratioClip: Float = 0.5
    public init() {}
}

/// BLPO's coupling options (arXiv 2505.11714, Sec. 4; its public code `nystrom_ppo.py`).
public struct NestedOptions: Sendable, Equatable {
    /// Defaults as BLPO's code: Nyström of rank 5, ρ = 50, core W + I, the same columns all run,
    /// the residual measured (one more product) so that it can be logged.
    public var hypergradient: HypergradientOptions = {
        var h = HypergradientOptions()
        h.solver = .nystrom
        h.nystromColumns = .fixed
        h.nystromCoreShift = 1
        h.measureResidual = true
        // The code's CG_ppo, when `solver = cg`: 20 products, tolerance 1e-10, λ = 0.
        h.cgIterations = 20
        h.cgTolerance = 1e-10
        return h
    }()
    /// The follower objective whose mixed derivative forms the correction, where the model has one.
    public var linearized = LinearizedObjective()
    /// K: follower steps toward its best response before each leader step.
    public var followerSteps = 1
    /// false: the leader takes its own gradient after the nested follower (the code's "PPO-Nested").
    public var implicitTerm = true
    /// β: the correction c is scaled to at most β‖∇_leader f₁‖ (c ← c·min(1, β‖g‖/(‖c‖ + 1e-8)),
    /// the public code's IHVP_BOUND, default 1); 0 applies no clip.
    public var correctionClip: Float = 1

    public init() {}

    public func validate() throws {
        var checks = ConfigChecks()
        try checks.include { try hypergradient.validate(prefix: "blpo.") }
        checks.require(followerSteps >= 1, "nested.follower_steps (K) must be ≥ 1, got \(followerSteps)")
        checks.require(correctionClip >= 0 && correctionClip.isFinite, "blpo.correction_clip (β) must be ≥ 0 (0: no clip), got \(correctionClip)")
        checks.require(linearized.ratioClip >= 0 && linearized.ratioClip.isFinite,
                       "blpo.linearized_ratio_clip (ε_F) must be ≥ 0 (0: the unclipped ratio), got \(linearized.ratioClip)")
        try checks.finish()
    }
}

public struct NestedSpec: CouplingSpec {
    public var leader: ModelPart
    public var options: NestedOptions
    /// `blpo` with the implicit term, `nested` (the code's PPO-Nested ablation) without.
    public var name: String { options.implicitTerm ? "blpo" : "nested" }
    /// `leader`: the actor in BLPO.
    public init(leader: ModelPart = .actor, options: NestedOptions = NestedOptions()) {
        self.leader = leader
        self.options = options
    }
    public func validate() throws { try options.validate() }
    public var leaderPart: ModelPart? { leader }
    public func make(_ parts: ModelParts, optimization: Optimization) throws -> Coupling {
        try NestedCoupling(parts, leader: leader, options: options, optimization: optimization)
    }
}

/// BLPO's nested coupling: on one minibatch, the follower (the critic) takes K steps toward its
/// best response, then the leader (the actor) steps along its hypergradient at the new point,
///
///   g − c,  g = ∇_leader f₁,  c = (∇_leader∇_follower f₂)ᵀ (∇²_follower f₂ + λI)⁻¹ ∇_follower f₁,
///
/// with the inverse by Nyström (rank k, ρ) by default, c clipped to β‖g‖; or, without the implicit
/// term, along g alone. The Hessian is that of the follower's objective f₂; the mixed derivative
/// that of the model's linearized objective f̃₂ where it has one (``LinearizedObjective``), else
/// f₂'s.
///
/// Metrics: ``TotalDerivativeCoupling``'s (`correction_norm` after the clip, `cosine` between g
/// and the step g − c), then `correction_norm_unclipped`, `correction_clipped` (1 when the clip
/// bound; its window mean is the fraction clipped) and `correction_cosine`, cos∠(g, c): +1 where
/// the correction cancels the leader's own gradient, −1 where it amplifies it.
public final class NestedCoupling: Coupling {
    public let name: String
    public let metricNames = HypergradientPlayers.metricNames + ["correction_norm_unclipped", "correction_clipped", "correction_cosine"]
    private var extraSlots = [UpdateMetrics.Slot](repeating: .init(index: 0), count: 3)
    public let options: NestedOptions
    public let batchRoles: [BatchRole] = [.shared]
    public let players: HypergradientPlayers
    public var leader: GroupOptimizer { players.leader }
    public var follower: GroupOptimizer { players.follower }
    public var totalDerivative: TotalDerivative { players.totalDerivative }
    public var optimizers: [GroupOptimizer] { players.optimizers }
    public var gamePlayers: (leader: ModelPart, follower: ModelPart)? { (players.leaderPart, players.followerPart) }
    /// The linearized critic objective f̃₂ carries the actor's influence on the critic (nested and
    /// blpo alike, so that both are measured on one game).
    public func gameMixedLoss(_ model: CoupledModel) -> Tensor? { model.linearizedObjective(of: players.followerPart, options.linearized) }

    public init(_ parts: ModelParts, leader part: ModelPart, options: NestedOptions, optimization o: Optimization) throws {
        try options.validate()
        self.options = options
        name = options.implicitTerm ? "blpo" : "nested"
        players = try HypergradientPlayers(parts, leader: part, options: options.hypergradient, optimization: o,
                                           followerStepsPerUpdate: options.followerSteps, settingsPrefix: "blpo.")
    }

    public func attach(to metrics: UpdateMetrics) {
        players.attach(to: metrics)
        extraSlots = ["correction_norm_unclipped", "correction_clipped", "correction_cosine"].map(metrics.slot)
    }

    public func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws {
        let p = players
        for _ in 0..<options.followerSteps { try p.followerStep(model, on: .shared, context: context, metrics: metrics) }
        try model.prepare(.shared)
        let graph = model.graph
        graph.reset()
        let f1 = model.objective(of: p.leaderPart, othersHeld: !options.implicitTerm)
        try requireFinite(f1.scalarValue, player: "leader", context: context)
        metrics[p.leaderLoss] = f1.scalarValue
        if options.implicitTerm {
            try p.computeTotalDerivative(f1, model.objective(of: p.followerPart, othersHeld: false),
                                         mixed: model.linearizedObjective(of: p.followerPart, options.linearized), context: context)
            var d = p.totalDerivative.diagnostics
            let g = p.totalDerivative.lastLeaderGradient, c = p.totalDerivative.lastCorrection, n = p.leader.group.count
            metrics[extraSlots[0]] = d.correctionNorm
            metrics[extraSlots[1]] = 0
            let gc = dotD(g, c, n)
            metrics[extraSlots[2]] = d.leaderGradientNorm > 0 && d.correctionNorm > 0
                ? Float(gc / (Double(d.leaderGradientNorm) * Double(d.correctionNorm))) : 0
            // g − s·c with s = min(1, β‖g‖/(‖c‖ + 1e-8)) (the code's rule); compute wrote g − c.
            let s = options.correctionClip > 0 && d.correctionNorm > 0
                ? Swift.min(1, options.correctionClip * d.leaderGradientNorm / (d.correctionNorm + 1e-8)) : 1
            if s < 1 {
                let out = p.leader.gradient
                metrics[extraSlots[1]] = 1
                var t2 = 0.0, gt = 0.0
                for i in 0..<n {
                    out[i] = g[i] - s * c[i]
                    t2 += Double(out[i]) * Double(out[i])
                    gt += Double(g[i]) * Double(out[i])
                }
                d.correctionNorm *= s
                d.totalDerivativeNorm = Float(t2.squareRoot())
                d.cosine = d.leaderGradientNorm > 0 && t2 > 0 ? Float(gt / (Double(d.leaderGradientNorm) * t2.squareRoot())) : 0
            }
            p.write(d, into: metrics)
        } else {
            graph.gradient(of: f1, wrt: p.leader.group, into: p.leader.gradient)
        }
        try p.leader.stepChecked(player: "leader", context: context)
        p.writeRates(into: metrics)
    }

    public func save(into state: inout StateDictionary) { players.save(into: &state) }
    public func load(from state: StateDictionary) throws { try players.load(from: state) }
}
