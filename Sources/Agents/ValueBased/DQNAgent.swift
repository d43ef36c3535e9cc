import Autodiff
import Environments
import Neural
import Seeding

/// DQN, Double DQN, Dueling DQN and Dueling Double DQN over a batch of environments, with any
/// coupling a TD-error model can play (monolithic, SCORER, …). The algorithm supplies the TD errors
/// δ_j = Y_j − Q_θ(f_φ(s_j), a_j) on each minibatch; the coupling forms the players' losses from them
/// and steps them (see ``Scorer`` for the Stackelberg pair).
///
/// Each iteration: ε-greedy actions for every copy, one batched environment step, the transitions
/// into the replay buffer, then (after `learningStarts` steps) `updatesPerStep` updates and, every
/// `targetUpdateInterval` environment steps, a target-network update. Sources: Mnih et al. 2015
/// (DQN), van Hasselt et al. 2016 (Double), Wang et al. 2016 (Dueling); settings from SCORER's
/// public MinAtar code (arXiv 2508.07452).
///
/// Metrics: the coupling's, then `epsilon`.
public final class DQNAgent: Agent, TDErrorModel {
    public let config: DQNConfig
    public let environment: VectorEnvironment
    public let online: QNetwork
    public let target: QNetwork
    public let replay: ReplayBuffer
    public let coupling: Coupling
    public let metrics: UpdateMetrics
    public private(set) var environmentSteps = 0
    public private(set) var updates = 0
    public private(set) var finishedEpisodes: [FinishedEpisode] = []
    private var rng: SeededGenerator
    private var stepsSinceTargetUpdate = 0

    public let graph = Graph()
    private let copies: Int
    private let observationSize: Int
    /// One observation's shape; a batch of them is `observationShape.prepending(rows)`.
    private let observationShape: Shape
    private let actionCount: Int
    private let actions: ActionBatch
    private let explore: UnsafeMutablePointer<Bool>
    private let observationsBefore: UnsafeMutablePointer<Float>
    /// Every minibatch one update uses, sampled together into one batch: one per batch role of the
    /// coupling (SCORER with separate minibatches has one per player step), or a single one.
    private let updateBatch: TransitionBatch
    private let minibatches: [TransitionBatch]
    /// The minibatch the coupling's next step reads, set by `prepare`.
    private var current: TransitionBatch
    private let epsilonSlot: UpdateMetrics.Slot

    public init(config: DQNConfig, environment: VectorEnvironment, seed: UInt64) throws {
        try config.validate()
        guard case .discrete(let n) = environment.actionSpace else {
            throw AgentError.badConfig("\(environment.name) has continuous actions (\(environment.actionSpace)); the DQN family needs discrete ones")
        }
        self.config = config
        self.environment = environment
        copies = environment.count
        observationSize = environment.observationSpace.size
        observationShape = Shape(environment.observationShape)
        actionCount = n
        rng = SeededGenerator(seed: seed)
        var spec = config.network
        spec.dueling = config.variant.isDueling
        var initRng = SeededGenerator(seed: seed ^ 0x9E37_79B9)
        online = try QNetwork(spec: spec, observationShape: environment.observationShape, actions: n, name: "q", rng: &initRng)
        target = try QNetwork(spec: spec, observationShape: environment.observationShape, actions: n, name: "target", rng: &initRng)
        target.copy(from: online)
        replay = try ReplayBuffer(capacity: config.bufferSize, observationSize: observationSize, encoding: environment.observationEncoding,
                                  actionSpace: environment.actionSpace)
        let optimization = Optimization(
            learningRate: config.learningRate, leaderLearningRate: config.leaderLearningRate, followerLearningRate: config.followerLearningRate,
            maxGradientNorm: config.maxGradientNorm, plannedUpdates: config.plannedUpdates(copies: copies),
            decayLearningRate: config.decayLearningRate, makeOptimizer: { [epsilon = config.adamEpsilon] in Adam(parameterCount: $0, epsilon: epsilon) })
        coupling = try config.coupling.make(online.parts, optimization: optimization)
        metrics = UpdateMetrics(names: coupling.metricNames + ["epsilon"])
        coupling.attach(to: metrics)
        epsilonSlot = metrics.slot("epsilon")
        actions = ActionBatch(space: environment.actionSpace, count: copies)
        explore = .allocate(capacity: copies); explore.initialize(repeating: false, count: copies)
        observationsBefore = .allocate(capacity: copies * observationSize); observationsBefore.initialize(repeating: 0, count: copies * observationSize)
        // At most one episode per copy ends in an iteration.
        finishedEpisodes.reserveCapacity(copies)
        let batchCount = coupling.batchRoles.count, b = config.batchSize
        let all = try TransitionBatch(size: b * batchCount, observationSize: observationSize, actionSpace: environment.actionSpace)
        updateBatch = all
        minibatches = (0..<batchCount).map { all.rows(b * $0 ..< b * ($0 + 1)) }
        current = minibatches[0]
    }

    deinit { explore.deallocate(); observationsBefore.deallocate() }

    /// ε at the current step: linear from start to end over `epsilonSteps`.
    public var epsilon: Float {
        let f = Float(Swift.min(environmentSteps, config.epsilonSteps)) / Float(config.epsilonSteps)
        return config.epsilonStart + f * (config.epsilonEnd - config.epsilonStart)
    }

    private func input(_ x: UnsafePointer<Float>, rows: Int) -> Tensor {
        graph.constant(borrowing: x, shape: observationShape.prepending(rows))
    }

    /// Greedy actions argmax_a Q(s, a); a value-based agent acts the same either way.
    public func act(_ observations: UnsafePointer<Float>, count: Int, deterministic: Bool, into out: ActionBatch) {
        graph.reset()
        let best = argmax(online(input(observations, rows: count)))
        out.discrete.update(from: best.indexPointer, count: count)
    }

    public func iterate() throws -> Bool {
        let obs = environment.observations.baseAddress!
        observationsBefore.update(from: obs, count: copies * observationSize)
        // ε-greedy per copy; the network runs only when some copy acts greedily.
        let eps = epsilon
        var anyGreedy = false
        let chosen = actions.discrete
        for i in 0..<copies {
            explore[i] = Float(rng.uniform()) < eps
            if explore[i] { chosen[i] = Int32(rng.next() % UInt64(actionCount)) } else { anyGreedy = true }
        }
        if anyGreedy {
            graph.reset()
            let best = argmax(online(input(observationsBefore, rows: copies))).indexPointer
            for i in 0..<copies where !explore[i] { chosen[i] = best[i] }
        }
        try actions.step(environment)
        replay.add(observations: observationsBefore, actions: actions, after: environment, truncationEnds: config.truncation == .noBootstrap)
        environmentSteps += copies
        stepsSinceTargetUpdate += copies
        finishedEpisodes.removeAll(keepingCapacity: true)
        environment.collectFinishedEpisodes(at: environmentSteps, into: &finishedEpisodes)

        guard environmentSteps >= config.learningStarts else { return false }
        for _ in 0..<config.updatesPerStep { try update() }
        if stepsSinceTargetUpdate >= config.targetUpdateInterval {
            if config.tau >= 1 { target.copy(from: online) } else { target.blend(towards: online, tau: config.tau) }
            stepsSinceTargetUpdate = 0
        }
        return true
    }

    /// Y = r + γ(1 − terminated)·Q_target(s', a*), a* = argmax of the target network (DQN) or of
    /// the online network (Double DQN), into `b.targets`.
    private func computeTargets(_ b: TransitionBatch) {
        graph.reset()
        let next = input(b.nextObservations, rows: b.size)
        let qTarget = target(next)
        let chosen = config.variant.isDouble ? argmax(online(next)) : argmax(qTarget)
        let values = gather(qTarget, chosen).pointer
        for k in 0..<b.size { b.targets[k] = b.rewards[k] + config.gamma * (1 - b.terminals[k]) * values[k] }
    }

    // MARK: TDErrorModel

    /// Points the next step at the minibatch of `batch`. Double DQN's argmax uses the online
    /// network, which each step moves, so its targets are computed right before each step.
    public func prepare(_ batch: BatchRole) throws {
        current = minibatches[coupling.batchRoles.firstIndex(of: batch) ?? 0]
        if config.variant.isDouble { computeTargets(current) }
    }

    /// δ = Y − Q(s, a) on the current minibatch, [B], with the features optionally held fixed.
    public func tdErrors(featuresHeld: Bool) -> Tensor {
        let b = current
        var features = online.features(input(b.observations, rows: b.size))
        if featuresHeld { features = stopGradient(features) }
        let q = online.q(features: features)
        let taken = gather(q, graph.indices(b.actions, shape: Shape(b.size)))
        return graph.constant(borrowing: b.targets, shape: Shape(b.size)) - taken
    }

    private func update() throws {
        defer { updates += 1 }
        for b in minibatches { replay.sample(into: b, using: &rng) }
        // The target network does not move within an update, so DQN's targets for every minibatch
        // come from one pass over them all.
        if !config.variant.isDouble { computeTargets(updateBatch) }
        try coupling.update(self, context: UpdateContext(update: updates, environmentStep: environmentSteps), metrics: metrics)
        metrics[epsilonSlot] = epsilon
        metrics.endUpdate()
    }

    public func save(into state: inout StateDictionary) {
        state.store(online.parameters, prefix: "online.")
        state.store(target.parameters, prefix: "target.")
        coupling.save(into: &state)
        replay.save(into: &state, prefix: "replay.")
        state.setGenerator("agent.rng", rng)
        state["agent.environment_steps"] = .integer(Int64(environmentSteps))
        state["agent.updates"] = .integer(Int64(updates))
        state["agent.steps_since_target_update"] = .integer(Int64(stepsSinceTargetUpdate))
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(online.parameters, prefix: "online.")
        try state.restore(target.parameters, prefix: "target.")
        try coupling.load(from: state)
        try replay.load(from: state, prefix: "replay.")
        rng = try state.generator("agent.rng")
        environmentSteps = Int(try state.integer("agent.environment_steps"))
        updates = Int(try state.integer("agent.updates"))
        stepsSinceTargetUpdate = Int(try state.integer("agent.steps_since_target_update"))
    }
}
