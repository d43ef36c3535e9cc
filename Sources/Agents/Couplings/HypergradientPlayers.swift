import Autodiff
import Foundation
import Hypergradients
import Neural

/// What every coupling with a hypergradient holds: the leader's and follower's parts and
/// optimizers (checkpoint prefixes `leader` and `follower`), the total-derivative solver over
/// them, λ's schedule, and the metric slots they share. Built once; the couplings differ only in
/// their step order (``TotalDerivativeCoupling``, ``NestedCoupling``).
public final class HypergradientPlayers {
    public let leaderPart: ModelPart, followerPart: ModelPart
    public let leader: GroupOptimizer, follower: GroupOptimizer
    public let totalDerivative: TotalDerivative
    public let lambda: LambdaSchedule
    /// The metric names, in column order: the players' losses and rates, then the solve's diagnostics.
    public static let metricNames = ["leader_loss", "follower_loss", "leader_lr", "follower_lr"] + HypergradientMetrics.names
    private(set) var slots = [UpdateMetrics.Slot](repeating: .init(index: 0), count: 5)

    /// The largest follower the exact (dense) solve takes.
    public static let exactSolveLimit = 2_048

    /// The settings prefix of the coupling's keys (`stackelberg.`, `blpo.`), for messages.
    let settingsPrefix: String
    private var warnedNeumannDivergence = false
    private var warnedNystromShift = false

    /// `followerStepsPerUpdate`: the follower's schedule is stretched by it, so that its rate
    /// follows the update count, not its own step count.
    /// Errors: `AgentError.badConfig` when `leader` is not one of the model's two parts.
    public init(_ parts: ModelParts, leader part: ModelPart, options: HypergradientOptions, optimization o: Optimization,
                followerStepsPerUpdate: Int, settingsPrefix: String) throws {
        leaderPart = part
        followerPart = try parts.other(than: part)
        self.settingsPrefix = settingsPrefix
        let followerCount = try ParameterGroup("follower", parts.parameters(of: followerPart)).count
        // Budgets the follower's size rules out, refused before any run directory is written.
        switch options.solver {
        case .nystrom, .nystromCG:
            guard options.nystromRank <= followerCount else {
                throw AgentError.badConfig("\(settingsPrefix)nystrom_rank (\(options.nystromRank)) must be at most the follower's \(followerCount) parameters")
            }
        case .exact:
            // One Hessian-vector product per follower parameter and an n×n dense system per update.
            guard followerCount <= Self.exactSolveLimit else {
                let megabytes = followerCount * followerCount * 8 / 1_000_000
                throw AgentError.badConfig("\(settingsPrefix)solver = exact builds the follower's dense Hessian with one product per parameter: "
                    + "\(followerCount) products and \(megabytes) MB per update here. It is meant for checking the others on small followers "
                    + "(at most \(Self.exactSolveLimit) parameters, e.g. network.critic_widths = [8]); use cg or nystrom")
            }
        default: break
        }
        leader = try o.player("leader", parts.parameters(of: part), schedule: o.schedule(o.leaderLearningRate))
        follower = try o.player("follower", parts.parameters(of: followerPart),
                                schedule: o.schedule(o.followerLearningRate).stretched(by: followerStepsPerUpdate))
        totalDerivative = TotalDerivative(leader: leader.group, follower: follower.group, solver: options.inverseSolver,
                                          lambda: options.lambda, measureResidual: options.measureResidual)
        totalDerivative.warmStart = options.cgWarmStart
        totalDerivative.cgThroughNegativeCurvature = options.cgNegativeCurvature == .continue
        totalDerivative.nystromCoreShift = options.nystromCoreShift
        totalDerivative.nystromFixedColumns = options.nystromColumns == .fixed
        lambda = options.lambdaSchedule
    }

    func attach(to metrics: UpdateMetrics) {
        slots = ["leader_loss", "follower_loss", "leader_lr", "follower_lr", "lambda"].map(metrics.slot)
    }

    var leaderLoss: UpdateMetrics.Slot { slots[0] }
    var followerLoss: UpdateMetrics.Slot { slots[1] }

    /// The leader's total derivative of `f1` through the follower's `f2` (one graph step) into the
    /// leader's gradient buffer, with λ at `context`'s environment step; diagnostics not yet written.
    /// `mixed`: the objective whose mixed derivative forms the correction, when it is not `f2`
    /// (BLPO's linearized critic objective).
    func computeTotalDerivative(_ f1: Tensor, _ f2: Tensor, mixed: Tensor? = nil, context: UpdateContext) throws {
        let l = lambda.value(atEnvironmentStep: context.environmentStep)
        totalDerivative.lambda = l
        try totalDerivative.compute(leaderLoss: f1, followerLoss: f2, mixedLoss: mixed, into: leader.gradient)
        let d = totalDerivative.diagnostics
        var neumannStep: Float?
        if case .neumann(_, let alpha) = totalDerivative.solver { neumannStep = alpha }
        // Built only when said (not on every solve).
        func neumannAdvice() -> String {
            let alpha = neumannStep ?? 0
            let base = "It needs 0 < α·μ < 2 for every eigenvalue μ of the follower Hessian + λI (α = \(alpha), λ = \(l)): "
            // λ itself is an eigenvalue shift: with α·λ ≥ 2 the series diverges whatever the Hessian, and more λ
            // (the usual cure for an indefinite Hessian) makes it worse.
            if alpha * l >= 2 {
                return base + "α·λ = \(alpha * l) ≥ 2 already, so lower \(settingsPrefix)neumann_alpha below 2/(λ + the Hessian's largest eigenvalue), under \(2 / l), or use \(settingsPrefix)solver = cg"
            }
            return base + "lower \(settingsPrefix)neumann_alpha, " + (l > 0 ? "raise \(settingsPrefix)lambda" : "set \(settingsPrefix)lambda > 0")
                + " if the Hessian is indefinite, or use \(settingsPrefix)solver = cg"
        }
        guard d.totalDerivativeNorm.isFinite else {
            // A singular follower Hessian (λ = 0 where ∇²f₂ is rank-deficient) makes the exact solve
            // and Neumann blow up; CG stops on the curvature instead.
            throw AgentError.diverged("the leader's total derivative is not finite at update \(context.update) (environment step \(context.environmentStep)): "
                + "its own gradient norm is \(d.leaderGradientNorm), the implicit correction's \(d.correctionNorm), λ = \(l). "
                + (neumannStep != nil ? "The Neumann series diverged. " + neumannAdvice()
                   : "The follower Hessian is singular or badly conditioned there: " + (l > 0 ? "raise \(settingsPrefix)lambda" : "set \(settingsPrefix)lambda > 0") + ", or use \(settingsPrefix)solver = cg"))
        }
        // Nyström (without CG) adds λ only inside its rank-k sketch and ρ everywhere: outside the
        // sketch it solves with ρ where the system has λ, so with λ > ρ its correction there is
        // (μ + λ)/ρ ≥ λ/ρ times CG's (on Pendulum at STAC's λ = 500, ρ = 50: 46.6 against CG's 0.49).
        if case .nystrom(let rank, let rho, _) = totalDerivative.solver, !warnedNystromShift, l > rho {
            warnedNystromShift = true
            RunMessages.say("warning", "λ = \(l) is larger than \(settingsPrefix)nystrom_rho = \(rho) at update \(context.update): the Nyström solve "
                + "shifts the directions outside its rank-\(rank) sketch by ρ, not by λ, so along a direction of curvature μ ≥ 0 there its implicit correction is "
                + "(μ + λ)/ρ times the one CG solves for, at least λ/ρ = \(l / rho). Set \(settingsPrefix)nystrom_rho ≥ λ, or use \(settingsPrefix)solver = nystrom_cg or cg")
        }
        // A truncated Neumann series that converges keeps its terms, and its residual, below ‖b‖ (each
        // eigen-direction shrinks by |1 − αμ| < 1); above it the series is growing, and a clipped or
        // saturating step would hide that. Said once per run, on the first solve that shows it.
        let growth = Swift.max(d.solve.neumannGrowth ?? 0, d.relativeResidual ?? 0)
        if neumannStep != nil, !warnedNeumannDivergence, growth > 1 {
            warnedNeumannDivergence = true
            RunMessages.say("warning", "the Neumann series is diverging at update \(context.update): its last term (or residual) is \(growth) times ‖b‖ (a converging series stays below 1). "
                + neumannAdvice())
        }
    }

    /// Replaces the total derivative in the leader's gradient buffer by the leader's own gradient g
    /// scaled by κ = ⟨Df₁, g⟩/‖g‖²: the step the total derivative takes along g, without its turn.
    /// STAC's public on-policy code forms Df₁ so that it is exactly κg (its mixed term is rank one, see
    /// ``ACAgent``); this ablation asks whether a gain is more than that step size. κ is the solve's
    /// `diagnostics.stepScale`.
    func scaleOwnGradientLikeTotalDerivative() {
        let kappa = totalDerivative.diagnostics.stepScale, g = totalDerivative.lastLeaderGradient, out = leader.gradient
        for i in 0..<leader.group.count { out[i] = kappa * g[i] }
    }

    func write(_ d: TotalDerivative.Diagnostics, into metrics: UpdateMetrics) { HypergradientMetrics.write(d, into: metrics, from: slots[4]) }

    func writeRates(into metrics: UpdateMetrics) {
        metrics[slots[2]] = leader.learningRate
        metrics[slots[3]] = follower.learningRate
    }

    /// One follower step on `batch` with the leader's output held.
    func followerStep(_ model: CoupledModel, on batch: BatchRole, context: UpdateContext, metrics: UpdateMetrics) throws {
        metrics[slots[1]] = try follower.stepHeld(followerPart, of: model, on: batch, player: "follower", context: context)
    }

    var optimizers: [GroupOptimizer] { [leader, follower] }

    func save(into state: inout StateDictionary) {
        for o in optimizers { o.saveState(into: &state) }
        totalDerivative.saveSampler(into: &state)
        if totalDerivative.warmStart {
            let w = totalDerivative.warmStartState
            state["coupling.warm_start_vector"] = .tensor(shape: [w.vector.count], values: w.vector)
            state["coupling.warm_start_solved"] = .integer(w.solved ? 1 : 0)
        }
    }

    func load(from state: StateDictionary) throws {
        for o in optimizers { try o.loadState(from: state) }
        try totalDerivative.loadSampler(from: state)
        if totalDerivative.warmStart {
            // A checkpoint written without the warm start restarts CG from 0 once.
            let solved = (try? state.integer("coupling.warm_start_solved")) == 1
            var v = [Float](repeating: 0, count: totalDerivative.follower.count)
            if solved { try state.load("coupling.warm_start_vector", shape: Shape(v.count), into: &v) }
            try totalDerivative.restoreWarmStart(vector: v, solved: solved)
        }
    }
}
