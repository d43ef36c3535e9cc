import Autodiff
import Environments
import Neural
import Seeding

/// DDPG (Lillicrap et al. 2015, arXiv 1509.02971, as SpinningUp and the STAC code run it) over a batch
/// of environments with box actions, with any actor–critic coupling: `individual` is DDPG,
/// `actor-leader` and `critic-leader` are STAC's STDDPG-AL and -CL (arXiv 2109.12286, Sec. 4, Alg. 2).
///
/// The players' objectives on a minibatch (s, a, r, s′, terminated):
/// - actor f_θ = −mean Q_w(s, μ_θ(s));
/// - critic L_w = mean (Q_w(s, a) − y)², y = r + γ(1 − terminated)·Q̄(s′, μ(s′)), Q̄ the target critic.
/// μ(s′) is the current actor (the STAC code) or the target actor (`target_actor = target`). When the
/// coupling holds the other player (individual play) y is a constant; when it does not (a total
/// derivative) y keeps the path through the current actor's μ_θ(s′), so the mixed term ∇_θ∇_w L is
/// not zero — and never reaches the target networks' parameters, which belong to no player.
/// A truncated episode bootstraps from its true final observation; only termination stops it.
///
/// Metrics: the coupling's, then `actor_saturation`: the fraction of μ_θ(s)'s components on the actor's
/// minibatch whose tanh derivative is below 1e-3 (``ActionBox/saturatedFraction(_:rows:threshold:)``);
/// at 1 the actor's gradient, its implicit correction included, is 0 and the actor has stopped.
public final class DDPGAgent: Agent, CoupledModel {
    public let config: DDPGConfig
    public let actor: DeterministicPolicy, targetActor: DeterministicPolicy
    public let critic: ActionValueCritic, targetCritic: ActionValueCritic
    public let data: OffPolicyData
    public let coupling: Coupling
    public let metrics: UpdateMetrics
    public let graph = Graph()
    public private(set) var updates = 0
    private let saturationSlot: UpdateMetrics.Slot
    public var environment: VectorEnvironment { data.environment }
    public var environmentSteps: Int { data.environmentSteps }
    public var finishedEpisodes: [FinishedEpisode] { data.finishedEpisodes }

    public init(config: DDPGConfig, environment: VectorEnvironment, seed: UInt64) throws {
        try config.validate()
        self.config = config
        let spec = config.coupling
        data = try OffPolicyData(environment: environment, roles: spec.batchRoles, capacity: config.common.bufferSize, batchSize: config.common.batchSize, seed: seed, owner: "DDPG")
        let (n, k) = (data.observationSize, data.actionSize)
        var initRng = SeededGenerator(seed: seed ^ 0x9E37_79B9)
        actor = try DeterministicPolicy(observationSize: n, box: data.box, hiddenWidths: config.common.actorWidths, name: "actor", rng: &initRng)
        targetActor = try DeterministicPolicy(observationSize: n, box: data.box, hiddenWidths: config.common.actorWidths, name: "target_actor", rng: &initRng)
        critic = try ActionValueCritic(observationSize: n, actionSize: k, hiddenWidths: config.common.criticWidths, name: "critic", rng: &initRng)
        targetCritic = try ActionValueCritic(observationSize: n, actionSize: k, hiddenWidths: config.common.criticWidths, name: "target_critic", rng: &initRng)
        targetActor.copy(from: actor)
        targetCritic.copy(from: critic)
        coupling = try spec.makeActorCritic(actor: actor.parameters, critic: critic.parameters, settings: config.common)
        metrics = UpdateMetrics(names: coupling.metricNames + ["actor_saturation"])
        coupling.attach(to: metrics)
        saturationSlot = metrics.slot("actor_saturation")
    }

    private func input(_ x: UnsafePointer<Float>, rows: Int) -> Tensor {
        graph.constant(borrowing: x, shape: Shape(rows, data.observationSize))
    }

    /// μ(s), or μ(s) plus Gaussian noise of σ = `action_noise`·scale, clipped to the box.
    public func act(_ observations: UnsafePointer<Float>, count: Int, deterministic: Bool, into out: ActionBatch) {
        graph.reset()
        let mu = actor(input(observations, rows: count))
        if deterministic {
            out.continuous.update(from: mu.pointer, count: count * data.actionSize)
        } else {
            actor.explore(mu, noise: config.actionNoise, using: &data.rng, into: out.continuous)
        }
    }

    public func iterate() throws -> Bool {
        let due = try data.collect(randomSteps: config.common.randomSteps, updateAfter: config.common.updateAfter, updateEvery: config.common.updateEvery,
                                   firstUpdates: config.common.firstUpdates) { obs, out in
            act(obs, count: data.copies, deterministic: false, into: out)
        }
        for _ in 0..<due {
            data.sampleMinibatches()
            try coupling.update(self, context: UpdateContext(update: updates, environmentStep: environmentSteps), metrics: metrics)
            metrics.endUpdate()
            updates += 1
            // p̄ ← ρ p̄ + (1 − ρ) p.
            targetActor.blend(towards: actor, tau: 1 - config.common.polyak)
            targetCritic.blend(towards: critic, tau: 1 - config.common.polyak)
        }
        return due > 0
    }

    // MARK: CoupledModel

    public func prepare(_ batch: BatchRole) throws { data.prepare(batch) }

    public func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        let b = data.current
        let s = input(b.observations, rows: b.size)
        if part == .actor {
            // −Q_w(s, μ_θ(s)); the critic's parameters stay in the graph (a critic leader's mixed term).
            let mu = actor(s)
            metrics[saturationSlot] = data.box.saturatedFraction(mu.pointer, rows: b.size)
            return -mean(critic(s, mu))
        }
        let next = input(b.nextObservations, rows: b.size)
        var nextAction = config.targetActor == .current ? actor(next) : targetActor(next)
        if othersHeld { nextAction = stopGradient(nextAction) }
        let y = bootstrapTarget(b, graph: graph, gamma: config.common.gamma, nextValue: targetCritic(next, nextAction))
        let taken = graph.constant(borrowing: b.continuousActions, shape: Shape(b.size, data.actionSize))
        return mean(square(critic(s, taken) - y))
    }

    public func jointObjective() -> Tensor { objective(of: .actor, othersHeld: true) + objective(of: .critic, othersHeld: true) }

    public func save(into state: inout StateDictionary) {
        state.store(actor.parameters + critic.parameters + targetActor.parameters + targetCritic.parameters, prefix: "net.")
        coupling.save(into: &state)
        data.save(into: &state)
        state["agent.updates"] = .integer(Int64(updates))
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(actor.parameters + critic.parameters + targetActor.parameters + targetCritic.parameters, prefix: "net.")
        try coupling.load(from: state)
        try data.load(from: state)
        updates = Int(try state.integer("agent.updates"))
    }
}

/// y = r + γ(1 − terminated)·`nextValue` on minibatch `b`: [B]. A truncated transition bootstraps
/// (its s′ is the true final observation); only termination stops it.
func bootstrapTarget(_ b: TransitionBatch, graph: Graph, gamma: Float, nextValue: Tensor) -> Tensor {
    let notDone = graph.constant(shape: Shape(b.size)) { v in for j in 0..<b.size { v[j] = gamma * (1 - b.terminals[j]) } }
    return graph.constant(borrowing: b.rewards, shape: Shape(b.size)) + notDone * nextValue
}

extension CouplingSpec {
    /// This coupling over an actor and a critic: Adam with each part's own learning rate from
    /// `settings`, whichever leads (no leader named: the actor), optional global-norm clipping
    /// (0: none), constant rates.
    func makeActorCritic(actor: [Parameter], critic: [Parameter], settings o: OffPolicySettings) throws -> Coupling {
        let criticLeads = leaderPart == .critic
        let rates = (actor: o.actorLearningRate, critic: o.criticLearningRate)
        let optimization = Optimization(
            learningRate: rates.actor, leaderLearningRate: criticLeads ? rates.critic : rates.actor,
            followerLearningRate: criticLeads ? rates.actor : rates.critic, maxGradientNorm: o.maxGradientNorm > 0 ? o.maxGradientNorm : nil,
            plannedUpdates: 1, decayLearningRate: false, makeOptimizer: { Adam(parameterCount: $0) })
        return try make(ModelParts(jointName: "actor_critic", [(.actor, actor), (.critic, critic)]), optimization: optimization)
    }
}
