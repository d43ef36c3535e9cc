import Autodiff
import Environments
import Foundation
import Neural
import Seeding

/// SAC (Haarnoja et al. 2018, arXiv 1801.01290, as SpinningUp and the STAC code run it: twin Q, fixed
/// α = 0.2) over a batch of environments with box actions, with any actor–critic coupling:
/// `individual` is SAC, `actor-leader` and `critic-leader` are STAC's STSAC-AL and -CL
/// (arXiv 2109.12286, Sec. 4).
///
/// The players' objectives on a minibatch (s, a, r, s′, terminated), ã ~ π_θ(·|s) and ã′ ~ π_θ(·|s′)
/// reparameterized tanh-Gaussian samples:
/// - actor f_θ = mean(α log π_θ(ã|s) − min_i Q_{w_i}(s, ã));
/// - critic L_w = Σ_i mean (Q_{w_i}(s, a) − y)², y = r + γ(1 − terminated)(min_i Q̄_i(s′, ã′) − α log π_θ(ã′|s′)),
///   both critics together as one player.
/// Under individual play y is a constant; under a total derivative it keeps the path through the
/// current policy's ã′ and log π_θ(ã′|s′) (the STAC code), never into the target critics. With
/// `tune_alpha`, log α descends −α(log π(ã|s) + H̄) after each update, H̄ = −dim(A), log π held.
///
/// Metrics: the coupling's, then `alpha` and `actor_saturation`: the fraction of the actor objective's
/// sampled action components whose tanh derivative is below 1e-3
/// (``ActionBox/saturatedFraction(_:rows:threshold:)``).
public final class SACAgent: Agent, CoupledModel {
    public let config: SACConfig
    public let actor: SquashedGaussianPolicy
    public let critic: TwinActionValueCritic, targetCritic: TwinActionValueCritic
    public let data: OffPolicyData
    public let coupling: Coupling
    public let metrics: UpdateMetrics
    public let graph = Graph()
    public private(set) var updates = 0
    /// log α, the entropy temperature's logarithm (tuned when `tune_alpha`).
    public private(set) var logAlpha: Float
    private var alphaOptimizer: Adam?
    private let alphaSlot: UpdateMetrics.Slot, saturationSlot: UpdateMetrics.Slot
    private let logAlphaParameter: Parameter
    private let alphaGroup: ParameterGroup
    private let alphaGradient = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    public var environment: VectorEnvironment { data.environment }
    public var environmentSteps: Int { data.environmentSteps }
    public var finishedEpisodes: [FinishedEpisode] { data.finishedEpisodes }

    public init(config: SACConfig, environment: VectorEnvironment, seed: UInt64) throws {
        try config.validate()
        self.config = config
        let spec = config.coupling
        data = try OffPolicyData(environment: environment, roles: spec.batchRoles, capacity: config.common.bufferSize, batchSize: config.common.batchSize, seed: seed, owner: "SAC")
        let (n, k) = (data.observationSize, data.actionSize)
        var initRng = SeededGenerator(seed: seed ^ 0x9E37_79B9)
        actor = try SquashedGaussianPolicy(observationSize: n, box: data.box, hiddenWidths: config.common.actorWidths, logStdMin: config.logStdMin,
                                           logStdMax: config.logStdMax, logStdBound: config.logStdBound, name: "actor", rng: &initRng)
        critic = try TwinActionValueCritic(observationSize: n, actionSize: k, hiddenWidths: config.common.criticWidths, name: "critic", rng: &initRng)
        targetCritic = try TwinActionValueCritic(observationSize: n, actionSize: k, hiddenWidths: config.common.criticWidths, name: "target_critic", rng: &initRng)
        targetCritic.copy(from: critic)
        coupling = try spec.makeActorCritic(actor: actor.parameters, critic: critic.parameters, settings: config.common)
        metrics = UpdateMetrics(names: coupling.metricNames + ["alpha", "actor_saturation"])
        coupling.attach(to: metrics)
        alphaSlot = metrics.slot("alpha")
        saturationSlot = metrics.slot("actor_saturation")
        logAlpha = Foundation.log(config.alpha)
        logAlphaParameter = Parameter(name: "log_alpha", shape: Shape(1), values: [logAlpha])
        alphaGroup = ParameterGroup("log_alpha", [logAlphaParameter])
        alphaOptimizer = config.tuneAlpha ? Adam(parameterCount: 1) : nil
        alphaGradient.initialize(to: 0)
    }

    deinit { alphaGradient.deallocate() }

    private var alpha: Float { Foundation.exp(logAlpha) }

    private func input(_ x: UnsafePointer<Float>, rows: Int) -> Tensor {
        graph.constant(borrowing: x, shape: Shape(rows, data.observationSize))
    }

    /// A sample of π(·|s), or tanh(μ(s))·scale + bias when deterministic.
    public func act(_ observations: UnsafePointer<Float>, count: Int, deterministic: Bool, into out: ActionBatch) {
        graph.reset()
        let s = input(observations, rows: count)
        let a = deterministic ? actor.deterministicAction(s) : actor.sample(s, using: &data.rng).action
        out.continuous.update(from: a.pointer, count: count * data.actionSize)
    }

    public func iterate() throws -> Bool {
        let due = try data.collect(randomSteps: config.common.randomSteps, updateAfter: config.common.updateAfter, updateEvery: config.common.updateEvery,
                                   firstUpdates: config.common.firstUpdates) { obs, out in
            act(obs, count: data.copies, deterministic: false, into: out)
        }
        for _ in 0..<due {
            data.sampleMinibatches()
            try coupling.update(self, context: UpdateContext(update: updates, environmentStep: environmentSteps), metrics: metrics)
            if config.tuneAlpha { try updateAlpha() }
            metrics[alphaSlot] = alpha
            metrics.endUpdate()
            updates += 1
            targetCritic.blend(towards: critic, tau: 1 - config.common.polyak)
        }
        return due > 0
    }

    /// One Adam step of log α on −α(log π(ã|s) + H̄), log π held (CleanRL's form), on the minibatch
    /// the update last used.
    private func updateAlpha() throws {
        graph.reset()
        let logPi = actor.sample(input(data.current.observations, rows: data.current.size), using: &data.rng).logProbability
        let target = -Float(data.actionSize)
        // d/d(log α) of −exp(log α)(mean log π + H̄) = −α (mean log π + H̄).
        alphaGradient[0] = -alpha * (mean(logPi).scalarValue + target)
        guard alphaGradient[0].isFinite else {
            throw AgentError.diverged("the entropy temperature's gradient is \(alphaGradient[0]) at update \(updates); lower alpha_lr")
        }
        logAlphaParameter.value[0] = logAlpha
        alphaOptimizer!.update(alphaGroup, gradient: alphaGradient, gradientScale: 1, learningRate: config.alphaLearningRate)
        logAlpha = logAlphaParameter.value[0]
    }

    // MARK: CoupledModel

    public func prepare(_ batch: BatchRole) throws { data.prepare(batch) }

    /// The objectives' reparameterized draws come from the data's stream.
    public var objectiveRandomness: SeededGenerator? {
        get { data.rng }
        set { if let g = newValue { data.rng = g } }
    }

    public func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        let b = data.current
        let s = input(b.observations, rows: b.size)
        let a = alpha
        if part == .actor {
            let (action, logPi) = actor.sample(s, using: &data.rng)
            metrics[saturationSlot] = data.box.saturatedFraction(action.pointer, rows: b.size)
            return mean(a * logPi - critic.minimum(s, action))
        }
        let next = input(b.nextObservations, rows: b.size)
        let (nextAction, nextLogPi) = actor.sample(next, using: &data.rng)
        var soft = targetCritic.minimum(next, nextAction) - a * nextLogPi
        if othersHeld { soft = stopGradient(soft) }
        let y = bootstrapTarget(b, graph: graph, gamma: config.common.gamma, nextValue: soft)
        let taken = graph.constant(borrowing: b.continuousActions, shape: Shape(b.size, data.actionSize))
        let (q1, q2) = critic(s, taken)
        return mean(square(q1 - y)) + mean(square(q2 - y))
    }

    public func jointObjective() -> Tensor { objective(of: .actor, othersHeld: true) + objective(of: .critic, othersHeld: true) }

    public func save(into state: inout StateDictionary) {
        state.store(actor.parameters + critic.parameters + targetCritic.parameters, prefix: "net.")
        coupling.save(into: &state)
        data.save(into: &state)
        state["agent.updates"] = .integer(Int64(updates))
        state["agent.log_alpha"] = .real(Double(logAlpha))
        alphaOptimizer?.saveState(into: &state, prefix: "optimizer.log_alpha.")
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(actor.parameters + critic.parameters + targetCritic.parameters, prefix: "net.")
        try coupling.load(from: state)
        try data.load(from: state)
        updates = Int(try state.integer("agent.updates"))
        logAlpha = Float(try state.real("agent.log_alpha"))
        try alphaOptimizer?.loadState(from: state, prefix: "optimizer.log_alpha.")
    }
}
