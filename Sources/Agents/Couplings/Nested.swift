import Autodiff
import Hypergradients
import Neural

/// BLPO's coupling options (arXiv 2505.11714, Sec. 4; its public code `nystrom_ppo.py`).
public struct NestedOptions: Sendable, Equatable {
    public var hypergradient: HypergradientOptions = {
        var h = HypergradientOptions()
        h.solver = .nystrom
        return h
    }()
    /// K: follower steps toward its best response before each leader step.
    public var followerSteps = 1
    /// false: the leader takes its own gradient after the nested follower (the code's "PPO-Nested").
    public var implicitTerm = true
    /// β: the correction c is scaled to at most β‖∇_leader f₁‖ (c ← c·min(1, β‖g‖/(‖c‖ + 1e-8)),
    /// the public code); 0 applies no clip.
    public var correctionClip: Float = 0

    public init() {}

    public func validate() throws {
        try hypergradient.validate(prefix: "nested.")
        guard followerSteps >= 1 else { throw AgentError.badConfig("nested.follower_steps (K) must be ≥ 1, got \(followerSteps)") }
        guard correctionClip >= 0, correctionClip.isFinite else { throw AgentError.badConfig("nested.correction_clip (β) must be ≥ 0 (0: no clip), got \(correctionClip)") }
    }
}

public struct NestedSpec: CouplingSpec {
    public var leader: ModelPart
    public var options: NestedOptions
    public var name: String { "nested" }
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
/// with the inverse by Nyström (rank k, ρ) by default, c optionally clipped to β‖g‖; or, without the
/// implicit term, along g alone. The follower's objective f₂ is the model's objective of its part
/// (BLPO's linearized critic objective belongs to the PPO issue: see its docs).
/// Metrics as ``TotalDerivativeCoupling``.
public final class NestedCoupling: Coupling {
    public let name = "nested"
    public let metricNames = HypergradientPlayers.metricNames
    public let options: NestedOptions
    public let batchRoles: [BatchRole] = [.shared]
    public let players: HypergradientPlayers
    public var leader: GroupOptimizer { players.leader }
    public var follower: GroupOptimizer { players.follower }
    public var totalDerivative: TotalDerivative { players.totalDerivative }
    public var optimizers: [GroupOptimizer] { players.optimizers }

    public init(_ parts: ModelParts, leader part: ModelPart, options: NestedOptions, optimization o: Optimization) throws {
        try options.validate()
        self.options = options
        players = try HypergradientPlayers(parts, leader: part, options: options.hypergradient, optimization: o,
                                           followerStepsPerUpdate: options.followerSteps, settingsPrefix: "nested.")
    }

    public func attach(to metrics: UpdateMetrics) { players.attach(to: metrics) }

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
            try p.computeTotalDerivative(f1, model.objective(of: p.followerPart, othersHeld: false), context: context)
            var d = p.totalDerivative.diagnostics
            if options.correctionClip > 0, d.correctionNorm > 0 {
                // g − s·c with s = min(1, β‖g‖/(‖c‖ + 1e-8)); compute wrote g − c.
                let s = Swift.min(1, options.correctionClip * d.leaderGradientNorm / (d.correctionNorm + 1e-8))
                let g = p.totalDerivative.lastLeaderGradient, c = p.totalDerivative.lastCorrection, out = p.leader.gradient
                var t2 = 0.0, gt = 0.0
                for i in 0..<p.leader.group.count {
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
