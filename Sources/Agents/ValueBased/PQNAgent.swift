import Autodiff
import Environments
import Neural
import Seeding

/// PQN over a batch of environments (Gallici et al. 2024, arXiv 2407.04811), with any coupling a
/// TD-error model can play. One `iterate()` is a rollout of `rolloutLength` batched steps under
/// ε-greedy actions from the online network, then λ-returns G_t = r_t + γ[(1 − λ) max_a Q(s_{t+1}, a)
/// + λ G_{t+1}] (cut at episode ends: a termination does not bootstrap, a truncation bootstraps from
/// the episode's last observation), then `epochs` passes over the rollout in `minibatches` shuffled
/// minibatches, one coupling update per minibatch. A two-player coupling (SCORER) gives the leader
/// and the follower each its own shuffle of the rollout.
///
/// Metrics: the coupling's, then `epsilon`.
public final class PQNAgent: Agent, TDErrorModel {
    public let config: PQNConfig
    public let environment: VectorEnvironment
    public let online: QNetwork
    public let coupling: Coupling
    public let metrics: UpdateMetrics
    public private(set) var environmentSteps = 0
    public private(set) var updates = 0
    public private(set) var finishedEpisodes: [FinishedEpisode] = []
    private var rng: SeededGenerator
    public let graph = Graph()
    private let copies, observationSize, actionCount, rows, minibatchSize: Int
    private let rollout: RolloutBuffer
    private let rolloutActions: UnsafeMutablePointer<Int32>
    // One minibatch, gathered contiguously.
    private let batchObservations: UnsafeMutablePointer<Float>
    private let batchActions: UnsafeMutablePointer<Int32>
    private let batchReturns: UnsafeMutablePointer<Float>
    private var permutation: [Int]
    /// The follower's shuffle under a two-player coupling, kept so that drawing it allocates nothing.
    private var followerOrder: [Int]
    /// The minibatch the coupling's next step reads (index into the epoch's shuffles).
    private var minibatch = 0
    /// One observation's shape; a batch of them is `observationShape.prepending(rows)`.
    private let observationShape: Shape
    private let actions: ActionBatch
    private let greedy: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Float>
    private let epsilonSlot: UpdateMetrics.Slot
    /// Whether the coupling trains two players apart (each then gets its own shuffle), read once.
    private let twoPlayers: Bool

    public init(config: PQNConfig, environment: VectorEnvironment, seed: UInt64) throws {
        guard case .discrete(let n) = environment.actionSpace else {
            throw AgentError.badConfig("\(environment.name) has continuous actions (\(environment.actionSpace)); PQN needs discrete ones")
        }
        try config.validate(copies: environment.count)
        self.config = config
        self.environment = environment
        copies = environment.count
        observationSize = environment.observationSpace.size
        actionCount = n
        rows = copies * config.rolloutLength
        minibatchSize = rows / config.minibatches
        rng = SeededGenerator(seed: seed)
        var initRng = SeededGenerator(seed: seed ^ 0x9E37_79B9)
        online = try QNetwork(spec: config.network, observationShape: environment.observationShape, actions: n, name: "q", rng: &initRng)
        let optimization = Optimization(
            learningRate: config.learningRate, leaderLearningRate: config.leaderLearningRate, followerLearningRate: config.followerLearningRate,
            maxGradientNorm: config.maxGradientNorm, plannedUpdates: config.plannedUpdates(copies: copies),
            decayLearningRate: config.decayLearningRate, makeOptimizer: { [name = config.optimizer] in try makeOptimizer(name, parameterCount: $0) })
        coupling = try config.coupling.make(online.parts, optimization: optimization)
        metrics = UpdateMetrics(names: coupling.metricNames + ["epsilon"])
        coupling.attach(to: metrics)
        epsilonSlot = metrics.slot("epsilon")
        twoPlayers = coupling.hasTwoPlayers
        rollout = try RolloutBuffer(steps: config.rolloutLength, copies: copies, observationSize: observationSize, actionSpace: environment.actionSpace)
        rolloutActions = rollout.discreteActions!
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> { let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p }
        batchObservations = floats(minibatchSize * observationSize)
        batchActions = .allocate(capacity: minibatchSize); batchActions.initialize(repeating: 0, count: minibatchSize)
        batchReturns = floats(minibatchSize)
        permutation = Array(0..<rows)
        followerOrder = permutation
        observationShape = Shape(environment.observationShape)
        finishedEpisodes.reserveCapacity(rows)
        actions = ActionBatch(space: environment.actionSpace, count: copies)
        greedy = .allocate(capacity: copies); greedy.initialize(repeating: 0, count: copies)
        values = floats(copies)
    }

    deinit {
        batchObservations.deallocate(); batchActions.deallocate(); batchReturns.deallocate()
        greedy.deallocate(); values.deallocate()
    }

    public var epsilon: Float {
        let horizon = Swift.max(1, Float(config.totalSteps) * config.epsilonFraction)
        let f = Swift.min(1, Float(environmentSteps) / horizon)
        return config.epsilonStart + f * (config.epsilonEnd - config.epsilonStart)
    }

    private func input(_ x: UnsafePointer<Float>, rows n: Int) -> Tensor {
        graph.constant(borrowing: x, shape: observationShape.prepending(n))
    }

    /// Greedy actions argmax_a Q(s, a); a value-based agent acts the same either way.
    public func act(_ observations: UnsafePointer<Float>, count: Int, deterministic: Bool, into out: ActionBatch) {
        graph.reset()
        out.discrete.update(from: argmax(online(input(observations, rows: count))).indexPointer, count: count)
    }

    /// max_a Q(x, a) for `n` observations into `out`.
    private func maxValues(_ x: UnsafePointer<Float>, rows n: Int, into out: UnsafeMutablePointer<Float>) {
        graph.reset()
        out.update(from: max(online(input(x, rows: n))).pointer, count: n)
    }

    public func iterate() throws -> Bool {
        finishedEpisodes.removeAll(keepingCapacity: true)
        let T = config.rolloutLength, n = copies, size = observationSize
        let chosen = actions.discrete
        for t in 0..<T {
            let row = t * n
            let acted = rollout.observations + row * size
            acted.update(from: environment.observations.baseAddress!, count: n * size)
            let eps = epsilon
            graph.reset()
            greedy.update(from: argmax(online(input(acted, rows: n))).indexPointer, count: n)
            for i in 0..<n {
                chosen[i] = Float(rng.uniform()) < eps ? Int32(rng.next() % UInt64(actionCount)) : greedy[i]
            }
            (rolloutActions + row).update(from: chosen, count: n)
            try actions.step(environment)
            environmentSteps += n
            environment.collectFinishedEpisodes(at: environmentSteps, into: &finishedEpisodes)
            rollout.record(step: t, after: environment)   // `acted` already is row t of its observations
            if config.truncation == .noBootstrap {
                for i in 0..<n where environment.truncated[i] { rollout.terminated[row + i] = 1 }
            }
            // The value of what follows each copy's step: its next observation, or the final one.
            maxValues(environment.observations.baseAddress!, rows: n, into: rollout.nextValues + row)
            var anyEnded = false
            for i in 0..<n where environment.terminated[i] || environment.truncated[i] { anyEnded = true }
            if anyEnded {
                maxValues(environment.finalObservations.baseAddress!, rows: n, into: values)
                for i in 0..<n where environment.terminated[i] || environment.truncated[i] { rollout.nextValues[row + i] = values[i] }
            }
        }
        rollout.computeLambdaReturns(gamma: config.gamma, lambda: config.lambda)
        let context = UpdateContext(update: 0, environmentStep: environmentSteps)
        metrics[epsilonSlot] = epsilon
        for _ in 0..<config.epochs {
            if twoPlayers {
                // The follower shuffles a copy of the current order, written in place; the leader
                // the order itself (or the follower's, when the players share minibatches).
                for i in 0..<rows { followerOrder[i] = permutation[i] }
                followerOrder.shuffle(using: &rng)
            }
            permutation.shuffle(using: &rng)
            for b in 0..<config.minibatches {
                minibatch = b
                var c = context
                c.update = updates
                try coupling.update(self, context: c, metrics: metrics)
                metrics.endUpdate()
                updates += 1
            }
        }
        return true
    }

    // MARK: TDErrorModel

    /// Gathers the current minibatch from the shuffle that `batch` reads: the leader's (`permutation`)
    /// or the follower's (`followerOrder`); a monolithic coupling's shared batch reads `permutation`.
    public func prepare(_ batch: BatchRole) throws {
        let useFollowerOrder: Bool
        switch batch {
        case .leader: useFollowerOrder = false
        case .follower: useFollowerOrder = true
        case .shared: useFollowerOrder = twoPlayers
        }
        let base = minibatch * minibatchSize
        for j in 0..<minibatchSize {
            let k = useFollowerOrder ? followerOrder[base + j] : permutation[base + j]
            (batchObservations + j * observationSize).update(from: rollout.observations + k * observationSize, count: observationSize)
            batchActions[j] = rolloutActions[k]
            batchReturns[j] = rollout.returns[k]
        }
    }

    /// δ = G − Q(s, a) on the gathered minibatch, [B].
    public func tdErrors(featuresHeld: Bool) -> Tensor {
        var f = online.features(input(batchObservations, rows: minibatchSize))
        if featuresHeld { f = stopGradient(f) }
        let taken = gather(online.q(features: f), graph.indices(batchActions, shape: Shape(minibatchSize)))
        return graph.constant(borrowing: batchReturns, shape: Shape(minibatchSize)) - taken
    }

    public func save(into state: inout StateDictionary) {
        state.store(online.parameters, prefix: "online.")
        coupling.save(into: &state)
        state.setGenerator("agent.rng", rng)
        state["agent.environment_steps"] = .integer(Int64(environmentSteps))
        state["agent.updates"] = .integer(Int64(updates))
        state["agent.permutation"] = .integers(permutation.map(Int64.init))
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(online.parameters, prefix: "online.")
        try coupling.load(from: state)
        rng = try state.generator("agent.rng")
        environmentSteps = Int(try state.integer("agent.environment_steps"))
        updates = Int(try state.integer("agent.updates"))
        let p = try state.integers("agent.permutation", count: rows).map(Int.init)
        guard Set(p) == Set(0..<rows) else { throw StateError.mismatch("agent.permutation is not a permutation of the rollout") }
        permutation = p
    }
}
