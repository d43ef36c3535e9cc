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
/// Metrics: the coupling's.
public final class DDPGAgent: Agent, CoupledModel {
    public let config: DDPGConfig
    public let environment: VectorEnvironment
    public let actor: DeterministicPolicy, targetActor: DeterministicPolicy
    public let critic: ActionValueCritic, targetCritic: ActionValueCritic
    public let replay: ReplayBuffer
    public let coupling: Coupling
    public let metrics: UpdateMetrics
    public let graph = Graph()
    public private(set) var environmentSteps = 0
    public private(set) var updates = 0
    public private(set) var finishedEpisodes: [FinishedEpisode] = []
    private var rng: SeededGenerator
    private var stepsSinceUpdate = 0
    private let copies, observationSize, actionSize: Int
    private let box: ActionBox
    private let actions: ActionBatch
    private let observationsBefore: UnsafeMutablePointer<Float>
    private let minibatches: [TransitionBatch]
    private var current: TransitionBatch

    public init(config: DDPGConfig, environment: VectorEnvironment, seed: UInt64) throws {
        try config.validate()
        guard case .box = environment.actionSpace else {
            throw AgentError.badConfig("\(environment.name) has discrete actions (\(environment.actionSpace)); DDPG needs a box")
        }
        self.config = config
        self.environment = environment
        copies = environment.count
        observationSize = environment.observationSpace.size
        actionSize = environment.actionSpace.size
        box = try ActionBox(environment.actionSpace, owner: "ddpg")
        rng = SeededGenerator(seed: seed)
        var initRng = SeededGenerator(seed: seed ^ 0x9E37_79B9)
        actor = try DeterministicPolicy(observationSize: observationSize, box: box, hiddenWidths: config.actorWidths, name: "actor", rng: &initRng)
        targetActor = try DeterministicPolicy(observationSize: observationSize, box: box, hiddenWidths: config.actorWidths, name: "target_actor", rng: &initRng)
        critic = try ActionValueCritic(observationSize: observationSize, actionSize: actionSize, hiddenWidths: config.criticWidths, name: "critic", rng: &initRng)
        targetCritic = try ActionValueCritic(observationSize: observationSize, actionSize: actionSize, hiddenWidths: config.criticWidths, name: "target_critic", rng: &initRng)
        targetActor.copy(from: actor)
        targetCritic.copy(from: critic)
        replay = try ReplayBuffer(capacity: config.bufferSize, observationSize: observationSize, encoding: environment.observationEncoding,
                                  actionSpace: environment.actionSpace)
        let leaderIsCritic = config.coupling.leaderPart == .critic
        let optimization = Optimization(
            learningRate: config.actorLearningRate,
            leaderLearningRate: leaderIsCritic ? config.criticLearningRate : config.actorLearningRate,
            followerLearningRate: leaderIsCritic ? config.actorLearningRate : config.criticLearningRate,
            maxGradientNorm: config.maxGradientNorm > 0 ? config.maxGradientNorm : nil, plannedUpdates: 1, decayLearningRate: false,
            makeOptimizer: { Adam(parameterCount: $0) })
        coupling = try config.coupling.make(ModelParts(jointName: "actor_critic", [(.actor, actor.parameters), (.critic, critic.parameters)]),
                                            optimization: optimization)
        metrics = UpdateMetrics(names: coupling.metricNames)
        coupling.attach(to: metrics)
        actions = ActionBatch(space: environment.actionSpace, count: copies)
        observationsBefore = .allocate(capacity: copies * observationSize)
        observationsBefore.initialize(repeating: 0, count: copies * observationSize)
        finishedEpisodes.reserveCapacity(copies)
        minibatches = try coupling.batchRoles.map { _ in
            try TransitionBatch(size: config.batchSize, observationSize: environment.observationSpace.size, actionSpace: environment.actionSpace)
        }
        current = minibatches[0]
    }

    deinit { observationsBefore.deallocate() }

    private func input(_ x: UnsafePointer<Float>, rows: Int) -> Tensor {
        graph.constant(borrowing: x, shape: Shape(rows, observationSize))
    }

    /// μ(s), or μ(s) plus Gaussian noise of σ = `action_noise`·scale, clipped to the box.
    public func act(_ observations: UnsafePointer<Float>, count: Int, deterministic: Bool, into out: ActionBatch) {
        graph.reset()
        let mu = actor(input(observations, rows: count))
        if deterministic {
            out.continuous.update(from: mu.pointer, count: count * actionSize)
        } else {
            actor.explore(mu, noise: config.actionNoise, using: &rng, into: out.continuous)
        }
    }

    public func iterate() throws -> Bool {
        observationsBefore.update(from: environment.observations.baseAddress!, count: copies * observationSize)
        if environmentSteps < config.randomSteps {
            for i in 0..<(copies * actionSize) {
                let d = i % actionSize
                actions.continuous[i] = box.low[d] + (box.high[d] - box.low[d]) * Float(rng.uniform())
            }
        } else {
            act(observationsBefore, count: copies, deterministic: false, into: actions)
        }
        try actions.step(environment)
        replay.add(observations: observationsBefore, actions: actions, after: environment)
        environmentSteps += copies
        stepsSinceUpdate += copies
        finishedEpisodes.removeAll(keepingCapacity: true)
        environment.collectFinishedEpisodes(at: environmentSteps, into: &finishedEpisodes)
        guard environmentSteps >= config.updateAfter, stepsSinceUpdate >= config.updateEvery else { return false }
        // One update per environment step since the last batch of updates (SpinningUp's 50 every 50).
        let count = stepsSinceUpdate
        stepsSinceUpdate = 0
        for _ in 0..<count { try update() }
        return true
    }

    private func update() throws {
        for b in minibatches { replay.sample(into: b, using: &rng) }
        try coupling.update(self, context: UpdateContext(update: updates, environmentStep: environmentSteps), metrics: metrics)
        updates += 1
        // p̄ ← ρ p̄ + (1 − ρ) p.
        targetActor.blend(towards: actor, tau: 1 - config.polyak)
        targetCritic.blend(towards: critic, tau: 1 - config.polyak)
    }

    // MARK: CoupledModel

    public func prepare(_ batch: BatchRole) throws {
        current = minibatches[coupling.batchRoles.firstIndex(of: batch) ?? 0]
    }

    public func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        let b = current
        let s = input(b.observations, rows: b.size)
        if part == .actor {
            // −Q_w(s, μ_θ(s)); the critic's parameters stay in the graph (a critic leader's mixed term).
            return -mean(critic(s, actor(s)))
        }
        let next = input(b.nextObservations, rows: b.size)
        var nextAction = config.targetActor == .current ? actor(next) : targetActor(next)
        if othersHeld { nextAction = stopGradient(nextAction) }
        let notDone = graph.constant(shape: Shape(b.size)) { v in for j in 0..<b.size { v[j] = config.gamma * (1 - b.terminals[j]) } }
        let y = graph.constant(borrowing: b.rewards, shape: Shape(b.size)) + notDone * targetCritic(next, nextAction)
        let taken = graph.constant(borrowing: b.continuousActions, shape: Shape(b.size, actionSize))
        return mean(square(critic(s, taken) - y))
    }

    public func jointObjective() -> Tensor { objective(of: .actor, othersHeld: true) + objective(of: .critic, othersHeld: true) }

    public func save(into state: inout StateDictionary) {
        state.store(actor.parameters + critic.parameters + targetActor.parameters + targetCritic.parameters, prefix: "net.")
        coupling.save(into: &state)
        replay.save(into: &state, prefix: "replay.")
        state.setGenerator("agent.rng", rng)
        state["agent.environment_steps"] = .integer(Int64(environmentSteps))
        state["agent.updates"] = .integer(Int64(updates))
        state["agent.steps_since_update"] = .integer(Int64(stepsSinceUpdate))
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(actor.parameters + critic.parameters + targetActor.parameters + targetCritic.parameters, prefix: "net.")
        try coupling.load(from: state)
        try replay.load(from: state, prefix: "replay.")
        rng = try state.generator("agent.rng")
        environmentSteps = Int(try state.integer("agent.environment_steps"))
        updates = Int(try state.integer("agent.updates"))
        stepsSinceUpdate = Int(try state.integer("agent.steps_since_update"))
    }
}
