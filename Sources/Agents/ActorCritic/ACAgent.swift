import Autodiff
import Environments
import Hypergradients
import Neural
import Seeding

/// On-policy actor–critic over a batch of environments, discrete or box actions: AC with the
/// `individual` coupling, STAC (the actor leads along its total derivative) with `actor-leader`
/// (Zheng et al., arXiv 2109.12286, Sec. 4.2, Prop. 1, Alg. 2; the public code's `stac.py`).
///
/// One `iterate()` collects a batch of `batch_steps` environment steps (T = batch_steps/N steps of
/// each of N copies), then makes one update: one actor step and m critic steps (the coupling's
/// unroll), full batch. On the batch (s_t, a_t, r_t):
/// - R_t: discounted rewards-to-go, bootstrapped with V at truncations and at the batch's end (the
///   "Monte-Carlo critic"); Â_t: GAE(γ, λ_GAE), normalized over the batch.
/// - actor f₁ = −J − [mean_t V_w(s_t)], J = mean_t log π_θ(a_t|s_t) Â_t. The bracket is the public
///   code's stand-in for ∇_w J (J = E[r(s₀,a₀) + V_w(s₁)] in Sec. 4.2); it enters only where the
///   coupling takes ∇_w f₁ (a total derivative), never the actor's own step, and with value 0
///   (x − ⌊x⌋), so `leader_loss` is −J under every coupling.
/// - critic f₂ = L = mean_t (V_w(s_t) − R_t)² [+ S(θ, w)]. L on fixed returns does not depend on θ,
///   so the mixed term ∇_θ∇_w L that STAC needs comes from Prop. 1,
///       ∇_θ L = E_τ[2 Σ_t γ^t ∇log π(a_t|s_t) (V^π(s₀) − V_w(s₀)) Q^π(s_t, a_t)],
///   entered as S = Σ_t (ℓ_t − ⌊ℓ_t⌋)·c_t·2(R₀(t) − V_w(s₀(t))), ℓ_t = log π(a_t|s_t), ⌊·⌋ a stop-
///   gradient: S is 0 with zero w-gradient and w-Hessian, so L, ∇_w L and ∇²_w L are untouched, and
///   ∇_θ∇_w S is exactly Prop. 1's mixed term. With `mixed_term = episodes`, s₀(t) is the first state
///   of t's episode segment (an episode start, or where the batch cut into an episode), R₀ its
///   return-to-go and c_t = γ^(t−t₀) Â_t / N, Â standing in for Q^π (a baseline leaves ∇_θ V^π
///   unbiased) and N putting the sum in the per-step units of ∇_θ J; `episodes_per_trajectory`
///   divides by the number of segments instead, Prop. 1's average over trajectories taken
///   literally (about the mean episode length times larger). With `first_transition` (the public
///   code), s₀ is the batch's first transition for every t and c_t = Â_t/N, i.e.
///   S = 2·(J − ⌊J⌋)·(R₁ − V_w(s₁)): the correction is then 2(∇_w V_w(s₁)ᵀ v)·∇_θ J, parallel to the actor's own gradient, so STAC's step is AC's
///   times the number κ = 1 + 2∇_w V_w(s₁)ᵀ v (v = (∇²L + λI)⁻¹ ∇_w J).
///
/// A truncated episode bootstraps from V of its true final observation. Box actions are drawn
/// from a diagonal Gaussian with state-independent log σ and clipped to the box when stepping
/// (the log-probability is of the unclipped draw, as SpinningUp and CleanRL do).
///
/// **The STAC toy game** (Sec. 3.2, App. A) on the one-step bandit `toy/stac_bandit` (reward
/// −a²/5, observation [1]): `network.actor_widths = []` (mean θ, the linear actor's one weight),
/// `learn_log_std = false` (σ = exp(`initial_log_std`) fixed) and `critic = linear_action`
/// (Q_w(a) = w·a, ``LinearActionCritic``). The players' costs are then, over the batch's draws
/// a_t = θ + σε_t and rewards r_t (R_t = r_t: every episode is one step), with ℓ_t = log π_θ(a_t):
/// - actor f₁ = −mean_t b_t·Q_w(a_t), b_t = π_θ(a_t)/π_θ₀(a_t) the importance ratio to the batch's
///   sampling policy (1 in value, DiCE's magic box in its derivatives at θ₀): the value
///   −E[Q_w(a)], the score-function ∇_θ f₁ = −mean ∇log π·Q_w(a) (→ −w), ∇_w f₁ = −mean a (→ −θ),
///   and second derivatives that estimate −E[Q_w(a)]'s (∇_θ∇_w f₁ = −mean ∇log π·a → −1);
/// - critic f₂ = L = mean_t b_t(Q_w(a_t) − r_t)² where the actor is not held, else without b_t: the
///   same value, w-gradient and w-Hessian, and ∇_θ∇_w f₂ = mean ∇_θ log π(a)·2(Q_w(a) − r)a, Prop. 1's
///   mixed term for a one-step bandit.
/// In expectation this is the σ-game f₁ = −wθ, f₂ = w²(θ² + σ²) + (2w/5)(θ³ + 3θσ²) +
/// (θ⁴ + 6θ²σ² + 3σ⁴)/25 (the toy's (wθ + θ²/5)² at σ = 0), which the symbolic module analyses
/// as a user-written game. Advantages and V play no part here.
///
/// Metrics: the coupling's, then `step_scale` (κ = ⟨actor step, ∇_θ f₁⟩/‖∇_θ f₁‖²: 1 for AC) and
/// `batch_episode_return` (mean return of the episodes that ended in the batch; NaN if none did);
/// with a linear actor and `critic = linear_action` also `theta` (the linear actor's first weight:
/// the mean of a on the bandit) and `w` (the critic's first weight), both at the point where the
/// update's gradients are taken (before its step), so consecutive `updates.csv` rows with
/// `log_interval = batch_steps` are the path (θ_k, w_k), k = 0, 1, ….
public final class ACAgent: Agent, CoupledModel {
    public let config: ACConfig
    public let environment: VectorEnvironment
    let policy: StochasticActor
    /// The actor's learned parameters (categorical or diagonal-Gaussian policy): all of the
    /// policy's but the linear actor's bias (fixed at 0) and, with `learn_log_std = false`, log σ.
    public let actorParameters: [Parameter]
    /// The value critic V_w(s) (`critic = value`); built but not trained with `linear_action`.
    public let critic: ValueCritic
    /// Q_w(a) = w·a with `critic = linear_action` (the STAC toy game's critic); nil otherwise.
    public let actionCritic: LinearActionCritic?
    /// The critic player's parameters: V's, or w.
    public var criticParameters: [Parameter] { actionCritic?.parameters ?? critic.parameters }
    public let coupling: Coupling
    public let metrics: UpdateMetrics
    public let graph = Graph()
    public private(set) var environmentSteps = 0
    public private(set) var updates = 0
    public private(set) var finishedEpisodes: [FinishedEpisode] = []
    private var rng: SeededGenerator
    private let copies, steps, rows, observationSize, actionSize: Int
    private let rollout: RolloutBuffer
    /// R_t, [rows].
    private let valueTargets: UnsafeMutablePointer<Float>
    /// Per row: its segment's first observation [rows·observationSize], that state's
    /// return-to-go [rows] and the row's weight c_t in S [rows].
    private let startObservations, startReturns, mixedWeights: UnsafeMutablePointer<Float>
    private let actions: ActionBatch
    private let scratch: UnsafeMutablePointer<Float>
    private let stepScaleSlot, batchReturnSlot: UpdateMetrics.Slot
    /// `theta` and `w` (linear actor with the linear action critic).
    private let pathSlots: (theta: UpdateMetrics.Slot, w: UpdateMetrics.Slot)?
    private let totalDerivative: TotalDerivative?

    public init(config: ACConfig, environment: VectorEnvironment, seed: UInt64) throws {
        try config.validate(copies: environment.count)
        self.config = config
        self.environment = environment
        copies = environment.count
        steps = config.batchSteps / copies
        rows = steps * copies
        observationSize = environment.observationSpace.size
        rng = SeededGenerator(seed: seed)
        var initRng = SeededGenerator(seed: seed ^ 0x9E37_79B9)
        policy = try StochasticActor(space: environment.actionSpace, inputs: observationSize, hiddenWidths: config.actorWidths,
                                     initialLogStd: config.initialLogStd, rng: &initRng)
        actionSize = policy.actionSize
        critic = try ValueCritic(observationSize: observationSize, hiddenWidths: config.critic == .value ? config.criticWidths : [1],
                                 name: "critic", rng: &initRng)
        var learned = policy.parameters
        if config.actorWidths.isEmpty {
            // A linear actor: its weights start at θ₀ and its bias stays 0 (not a parameter of the player).
            let layer: Dense
            switch policy {
            case .categorical(let p): layer = p.network.layers[0]
            case .gaussian(let p, _): layer = p.mean.layers[0]
            }
            layer.weight.value.update(repeating: config.initialTheta, count: layer.weight.count)
            layer.bias.value.update(repeating: 0, count: layer.bias.count)
            learned.removeAll { $0 === layer.bias }
        }
        if !config.learnLogStd, case .gaussian(let p, _) = policy { learned.removeAll { $0 === p.logStd } }
        actorParameters = learned
        switch config.critic {
        case .value:
            actionCritic = nil
        case .linearAction:
            guard case .box = environment.actionSpace else {
                throw AgentError.badConfig("critic = linear_action needs box actions (Q_w(a) = w·a); \(environment.name) has \(environment.actionSpace)")
            }
            actionCritic = try LinearActionCritic(actionSize: actionSize, initialW: config.initialW, name: "critic")
        }
        rollout = try RolloutBuffer(steps: steps, copies: copies, observationSize: observationSize, actionSpace: environment.actionSpace)

        let spec = config.coupling
        guard spec.leaderPart == nil || spec.leaderPart == .actor else {
            throw AgentError.badConfig("on-policy AC takes the actor as leader only (STAC, arXiv 2109.12286, Sec. 4.2); use the critic leader with ddpg or sac")
        }
        // One noise stream per player, in the order the coupling builds them (leader, follower).
        var built: UInt64 = 0
        let noise = config.gradientNoise, kind = config.optimizer
        let optimization = Optimization(
            learningRate: config.actorLearningRate, leaderLearningRate: config.actorLearningRate,
            followerLearningRate: config.criticLearningRate, maxGradientNorm: config.maxGradientNorm > 0 ? config.maxGradientNorm : nil,
            plannedUpdates: 1, decayLearningRate: false,
            makeOptimizer: { count in
                let rule: Optimizer = kind == .sgd ? SGD(parameterCount: count) : Adam(parameterCount: count)
                built += 1
                return noise > 0 ? GradientNoise(rule, sigma: noise, parameterCount: count, seed: seed &* 31 &+ built) : rule
            })
        coupling = try spec.make(ModelParts(jointName: "actor_critic", [(.actor, actorParameters), (.critic, actionCritic?.parameters ?? critic.parameters)]),
                                 optimization: optimization)
        totalDerivative = (coupling.base as? TotalDerivativeCoupling)?.totalDerivative
        let logsPath = config.actorWidths.isEmpty && actionCritic != nil
        metrics = UpdateMetrics(names: coupling.metricNames + ["step_scale", "batch_episode_return"] + (logsPath ? ["theta", "w"] : []))
        coupling.attach(to: metrics)
        stepScaleSlot = metrics.slot("step_scale")
        batchReturnSlot = metrics.slot("batch_episode_return")
        pathSlots = logsPath ? (metrics.slot("theta"), metrics.slot("w")) : nil

        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(n, 1)); p.initialize(repeating: 0, count: Swift.max(n, 1)); return p
        }
        valueTargets = floats(rows)
        startObservations = floats(rows * observationSize)
        startReturns = floats(rows)
        mixedWeights = floats(rows)
        scratch = floats(copies)
        actions = ActionBatch(space: environment.actionSpace, count: copies)
        finishedEpisodes.reserveCapacity(rows)
    }

    deinit {
        valueTargets.deallocate(); startObservations.deallocate(); startReturns.deallocate(); mixedWeights.deallocate()
        scratch.deallocate()
    }

    private func input(_ x: UnsafePointer<Float>, rows n: Int) -> Tensor {
        graph.constant(borrowing: x, shape: Shape(n, observationSize))
    }

    /// Samples actions for the N observations `x` into `out`; the unclipped box draw goes to `raw`
    /// (the rollout's row, for the log-probability), the clipped one to `out`.
    private func sample(_ x: Tensor, deterministic: Bool, raw: UnsafeMutablePointer<Float>?, into out: ActionBatch) {
        policy.sample(x, deterministic: deterministic, raw: raw, into: out, rng: &rng)
    }

    /// The most probable action (categorical) or the mean clipped to the box (Gaussian).
    public func act(_ observations: UnsafePointer<Float>, count: Int, deterministic: Bool, into out: ActionBatch) {
        graph.reset()
        sample(input(observations, rows: count), deterministic: deterministic, raw: nil, into: out)
    }

    /// V of the N observations `x` into `out` (0 with the linear action critic, which has no V).
    private func values(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        if actionCritic != nil { out.update(repeating: 0, count: copies); return }
        graph.reset()
        out.update(from: critic(input(x, rows: copies)).pointer, count: copies)
    }

    public func iterate() throws -> Bool {
        try collectBatch()
        try updateOnBatch()
        return true
    }

    /// The batch of the last `collectBatch()`: observations, actions, rewards, flags, and Â
    /// (normalized when `normalize_advantages`) — what the update reads.
    public var batch: RolloutBuffer { rollout }

    /// Mean return of the episodes that ended in the last batch (NaN if none did).
    private var batchEpisodeReturn: Float = .nan

    /// Collects a batch (`batch_steps` environment steps) and forms R_t, Â_t and the mixed term's
    /// weights, without updating: `iterate()` is this, then `updateOnBatch()`. Apart for
    /// diagnostics and tests that look at the batch before the players step.
    public func collectBatch() throws {
        finishedEpisodes.removeAll(keepingCapacity: true)
        let n = copies, size = observationSize
        var returnSum = 0.0, ended = 0
        for t in 0..<steps {
            let row = t * n
            let acted = rollout.observations + row * size
            acted.update(from: environment.observations.baseAddress!, count: n * size)
            graph.reset()
            let x = input(acted, rows: n)
            if actionCritic == nil {
                (rollout.values + row).update(from: critic(x).pointer, count: n)
            } else {
                (rollout.values + row).update(repeating: 0, count: n)
            }
            sample(x, deterministic: false, raw: rollout.continuousActions.map { $0 + row * actionSize }, into: actions)
            if let d = rollout.discreteActions { (d + row).update(from: actions.discrete, count: n) }
            try actions.step(environment)
            environmentSteps += n
            let before = finishedEpisodes.count
            environment.collectFinishedEpisodes(at: environmentSteps, into: &finishedEpisodes)
            for e in finishedEpisodes[before...] { returnSum += Double(e.episodeReturn); ended += 1 }
            rollout.record(step: t, after: environment)
            if (0..<n).contains(where: { environment.truncated[$0] && !environment.terminated[$0] }) {
                values(environment.finalObservations.baseAddress!, into: scratch)
                for i in 0..<n where environment.truncated[i] { rollout.finalValues[row + i] = scratch[i] }
            }
        }
        values(environment.observations.baseAddress!, into: scratch)
        // R_t = GAE(γ, 1) + V: the discounted rewards-to-go, bootstrapped where the batch cuts.
        rollout.computeAdvantages(gamma: config.gamma, lambda: 1, lastValues: scratch)
        valueTargets.update(from: rollout.returns, count: rows)
        rollout.computeAdvantages(gamma: config.gamma, lambda: config.gaeLambda, lastValues: scratch)
        if config.normalizeAdvantages { normalizeAdvantages() }
        if actionCritic == nil { formMixedTerm() }
        batchEpisodeReturn = ended > 0 ? Float(returnSum / Double(ended)) : .nan
    }

    /// One update on the collected batch: the actor's step and the critic's m steps.
    public func updateOnBatch() throws {
        if actionCritic != nil {
            // log π of the batch's actions under the policy that drew them: the toy costs' importance
            // ratio is taken against these, so it is 1 at the update's θ and unbiased away from it.
            graph.reset()
            rollout.logProbabilities.update(from: logProbabilities().pointer, count: rows)
        }
        if let path = pathSlots, let q = actionCritic {
            metrics[path.theta] = actorParameters[0].value[0]
            metrics[path.w] = q.weight.value[0]
        }
        try coupling.update(self, context: UpdateContext(update: updates, environmentStep: environmentSteps), metrics: metrics)
        metrics[stepScaleSlot] = stepScale()
        metrics[batchReturnSlot] = batchEpisodeReturn
        metrics.endUpdate()
        updates += 1
    }

    /// Â ← (Â − mean)/std over the batch (SpinningUp: no ε; a constant batch is left centred).
    private func normalizeAdvantages() {
        let a = rollout.advantages
        var sum = 0.0, squares = 0.0
        for k in 0..<rows { sum += Double(a[k]) }
        let mean = sum / Double(rows)
        for k in 0..<rows { squares += (Double(a[k]) - mean) * (Double(a[k]) - mean) }
        let std = (squares / Double(rows)).squareRoot()
        let scale = std > 0 ? 1 / std : 1
        for k in 0..<rows { a[k] = Float((Double(a[k]) - mean) * scale) }
    }

    /// Each row's segment start (observation and R₀) and weight c_t in S (see the type's comment).
    private func formMixedTerm() {
        let n = copies, size = observationSize, a = rollout.advantages
        func setStart(_ k: Int, from start: Int) {
            (startObservations + k * size).update(from: rollout.observations + start * size, count: size)
            startReturns[k] = valueTargets[start]
        }
        switch config.mixedTerm {
        case .firstTransition:
            for k in 0..<rows {
                setStart(k, from: 0)
                mixedWeights[k] = a[k] / Float(rows)
            }
        case .episodes, .episodesPerTrajectory:
            var segments = 0
            for i in 0..<n {
                var start = i, discount: Float = 1
                for t in 0..<steps {
                    let k = t * n + i
                    if t == 0 || rollout.terminated[k - n] == 1 || rollout.truncated[k - n] == 1 {
                        start = k; discount = 1; segments += 1
                    }
                    setStart(k, from: start)
                    mixedWeights[k] = discount * a[k]
                    discount *= config.gamma
                }
            }
            let share = 1 / Float(config.mixedTerm == .episodes ? rows : segments)
            for k in 0..<rows { mixedWeights[k] *= share }
        }
    }

    /// κ = ⟨Df₁, ∇_θ f₁⟩/‖∇_θ f₁‖² of the last update, the solve's own (1 under individual play);
    /// the `scaled_own_gradient` ablation steps along κ∇_θ f₁ with this very κ.
    private func stepScale() -> Float { totalDerivative?.diagnostics.stepScale ?? 1 }

    // MARK: CoupledModel

    public func prepare(_ batch: BatchRole) throws {}

    /// log π_θ(a_t|s_t) over the batch, [rows].
    private func logProbabilities() -> Tensor {
        let s = input(rollout.observations, rows: rows)
        switch policy {
        case .categorical(let p):
            return p.logProbability(logits: p.logits(s), actions: graph.indices(rollout.discreteActions!, shape: Shape(rows)))
        case .gaussian(let p, _):
            return p.distribution(s).logProbability(graph.constant(borrowing: rollout.continuousActions!, shape: Shape(rows, actionSize)))
        }
    }

    public func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        if let q = actionCritic { return linearActionObjective(q, of: part, othersHeld: othersHeld) }
        let s = input(rollout.observations, rows: rows)
        if part == .actor {
            let j = mean(logProbabilities() * graph.constant(borrowing: rollout.advantages, shape: Shape(rows)))
            if othersHeld { return -j }
            // The stand-in for ∇_w J enters with value 0, so the logged leader loss is −J under
            // every coupling.
            let v = mean(critic(s))
            return -j - (v - stopGradient(v))
        }
        let loss = mean(square(critic(s) - graph.constant(borrowing: valueTargets, shape: Shape(rows))))
        if othersHeld { return loss }
        let l = logProbabilities()
        let u = (l - stopGradient(l)) * graph.constant(borrowing: mixedWeights, shape: Shape(rows))
        let startValues = critic(input(startObservations, rows: rows))
        let gap = (graph.constant(borrowing: startReturns, shape: Shape(rows)) - startValues) * 2
        return loss + sum(u * gap)
    }

    /// The STAC toy game's costs with Q_w(a) = w·a (see the type's comment): the actor's
    /// −E[Q_w(a)] by the score function, the critic's mean (Q_w(a) − R)² plus, when the actor is not
    /// held, the score-function surrogate of L's θ-dependence through the sampling distribution.
    private func linearActionObjective(_ critic: LinearActionCritic, of part: ModelPart, othersHeld: Bool) -> Tensor {
        let q = critic(graph.constant(borrowing: rollout.continuousActions!, shape: Shape(rows, actionSize)))
        // The importance ratio π_θ(a)/π_θ₀(a) to the policy that drew the batch: 1 in value at the
        // update's θ = θ₀, where its derivatives are those of DiCE's magic box exp(ℓ − ⌊ℓ⌋)
        // (Foerster et al., arXiv 1802.05098), every derivative of box·x in θ the score-function
        // estimate of that derivative of E[x], the second ones included, so the game diagnostics'
        // Jacobian (∇_θ∇_w f₁ ≈ −1, ∇²_θ f₁) is the toy game's; and away from θ₀ an unbiased
        // estimate of E_θ[x], so finite differences in θ (the Stackelberg spectrum's) are right too.
        let box = exp(logProbabilities() - graph.constant(borrowing: rollout.logProbabilities, shape: Shape(rows)))
        if part == .actor { return -mean(box * q) }
        let residual = q - graph.constant(borrowing: valueTargets, shape: Shape(rows))
        if othersHeld { return mean(square(residual)) }
        return mean(box * square(residual))
    }

    public func jointObjective() -> Tensor { objective(of: .actor, othersHeld: true) + objective(of: .critic, othersHeld: true) }

    public func save(into state: inout StateDictionary) {
        state.store(policy.parameters + criticParameters, prefix: "net.")
        coupling.save(into: &state)
        state.setGenerator("agent.rng", rng)
        state["agent.environment_steps"] = .integer(Int64(environmentSteps))
        state["agent.updates"] = .integer(Int64(updates))
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(policy.parameters + criticParameters, prefix: "net.")
        try coupling.load(from: state)
        rng = try state.generator("agent.rng")
        environmentSteps = Int(try state.integer("agent.environment_steps"))
        updates = Int(try state.integer("agent.updates"))
    }
}
