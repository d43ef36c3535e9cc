import Autodiff
import Environments
import Neural
import Seeding

/// Settings of PQN (Gallici et al. 2024): Q-learning without a replay buffer or target network, on
/// λ-returns from short rollouts of many environments, with a LayerNorm encoder. Defaults follow
/// REFERENCE.md §2 (128 environments × 32 steps, λ 0.65, RAdam).
public struct PQNConfig: Sendable, Equatable {
    public var coupling: Coupling = .monolithic
    public var scorer = ScorerOptions()
    public var network = QNetworkSpec(normalization: .layerNorm, headWidths: [])
    public var totalSteps = 5_000_000
    /// Steps each copy takes per rollout.
    public var rolloutLength = 32
    public var epochs = 4
    public var minibatches = 16
    public var gamma: Float = 0.99
    public var lambda: Float = 0.65
    public var epsilonStart: Float = 1
    public var epsilonEnd: Float = 0.05
    /// Fraction of training over which ε decays linearly.
    public var epsilonFraction: Float = 0.2
    public var learningRate: Float = 1e-4
    public var leaderLearningRate: Float = 1e-4
    public var followerLearningRate: Float = 5e-4
    public var decayLearningRate = true
    public var maxGradientNorm: Float = 10
    public var optimizer = "radam"

    public init() {}

    public func validate(copies: Int) throws {
        func check(_ ok: Bool, _ why: String) throws { if !ok { throw AgentError.badConfig(why) } }
        try check(totalSteps > 0 && rolloutLength >= 1 && epochs >= 1, "total_steps, rollout_length and epochs must be positive")
        try check(minibatches >= 1 && (copies * rolloutLength) % minibatches == 0,
                  "minibatches (\(minibatches)) must divide num_envs × rollout_length (\(copies * rolloutLength))")
        try check((0...1).contains(gamma) && (0...1).contains(lambda), "gamma and lambda must be in [0, 1]")
        try check((0...1).contains(epsilonStart) && (0...1).contains(epsilonEnd) && epsilonFraction > 0, "epsilon_start/end must be in [0, 1], epsilon_fraction positive")
        for (name, lr) in [("lr", learningRate), ("leader_lr", leaderLearningRate), ("follower_lr", followerLearningRate)] {
            try check(lr > 0 && lr.isFinite, "\(name) must be positive, got \(lr)")
        }
        try check(maxGradientNorm > 0, "max_grad_norm must be positive")
        try check(scorer.followerSteps >= 1, "scorer.follower_steps must be ≥ 1")
    }

    func plannedUpdates(copies: Int) -> Int {
        Swift.max(1, totalSteps / Swift.max(1, copies * rolloutLength) * epochs * minibatches)
    }
}

/// PQN over a batch of environments, monolithic or with SCORER's coupling. One `iterate()` is a
/// rollout of `rolloutLength` batched steps under ε-greedy actions from the online network, then
/// λ-returns G_t = r_t + γ[(1 − λ) max_a Q(s_{t+1}, a) + λ G_{t+1}] (cut at episode ends: a
/// termination does not bootstrap, a truncation bootstraps from the episode's last observation),
/// then `epochs` passes over the rollout in `minibatches` shuffled minibatches. Under SCORER the
/// follower (encoder) minimizes Var(G − Q) and the leader (head) mean (G − Q)² on fixed features,
/// each on its own shuffle of the rollout.
public final class PQNAgent: TrainingAlgorithm {
    public let config: PQNConfig
    public let environment: VectorEnvironment
    public let online: QNetwork
    public let whole, leader, follower: GroupOptimizer?
    public private(set) var environmentSteps = 0
    public private(set) var updates = 0
    public private(set) var finishedEpisodes: [FinishedEpisode] = []
    private var rng: SeededGenerator
    private let graph = Graph()
    private let copies, observationSize, actionCount, rows, minibatchSize: Int
    // Rollout storage, [T, N, …].
    private let observations: UnsafeMutablePointer<Float>
    private let actions: UnsafeMutablePointer<Int32>
    private let rewards, terminals, ended, nextValues, returns: UnsafeMutablePointer<Float>
    // One minibatch, gathered contiguously.
    private let batchObservations: UnsafeMutablePointer<Float>
    private let batchActions: UnsafeMutablePointer<Int32>
    private let batchReturns: UnsafeMutablePointer<Float>
    private var permutation: [Int]
    /// The follower's shuffle under SCORER, kept so that drawing it allocates nothing.
    private var followerOrder: [Int]
    /// One observation's shape; a batch of them is `observationShape.prepending(rows)`.
    private let observationShape: Shape
    private let greedy: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Float>

    public init(config: PQNConfig, environment: VectorEnvironment, seed: UInt64) throws {
        guard case .discrete(let n) = environment.actionSpace else {
            throw AgentError.badConfig("\(environment.name) has continuous actions; PQN needs discrete ones")
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
        let planned = config.plannedUpdates(copies: copies)
        func optimizer(_ g: ParameterGroup) throws -> Optimizer { try makeOptimizer(config.optimizer, parameterCount: g.count) }
        func schedule(_ lr: Float) -> Schedule { config.decayLearningRate ? .linear(initial: lr, final: 0, steps: planned) : .constant(lr) }
        switch config.coupling {
        case .monolithic:
            let g = ParameterGroup("q", online.parameters)
            whole = GroupOptimizer(g, optimizer: try optimizer(g), schedule: schedule(config.learningRate), maxGradientNorm: config.maxGradientNorm)
            leader = nil; follower = nil
        case .scorer:
            let l = ParameterGroup("leader", online.headParameters), f = ParameterGroup("follower", online.encoderParameters)
            let pair = config.scorer.schedules(leader: config.leaderLearningRate, follower: config.followerLearningRate, plannedUpdates: planned)
            leader = GroupOptimizer(l, optimizer: try optimizer(l), schedule: pair.leader, maxGradientNorm: config.maxGradientNorm)
            follower = GroupOptimizer(f, optimizer: try optimizer(f), schedule: pair.follower, maxGradientNorm: config.maxGradientNorm)
            whole = nil
        }
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> { let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p }
        observations = floats(rows * observationSize)
        actions = .allocate(capacity: rows); actions.initialize(repeating: 0, count: rows)
        rewards = floats(rows); terminals = floats(rows); ended = floats(rows); nextValues = floats(rows); returns = floats(rows)
        batchObservations = floats(minibatchSize * observationSize)
        batchActions = .allocate(capacity: minibatchSize); batchActions.initialize(repeating: 0, count: minibatchSize)
        batchReturns = floats(minibatchSize)
        permutation = Array(0..<rows)
        followerOrder = permutation
        observationShape = Shape(environment.observationShape)
        finishedEpisodes.reserveCapacity(rows)
        greedy = .allocate(capacity: copies); greedy.initialize(repeating: 0, count: copies)
        values = floats(copies)
    }

    deinit {
        observations.deallocate(); actions.deallocate(); rewards.deallocate(); terminals.deallocate(); ended.deallocate()
        nextValues.deallocate(); returns.deallocate(); batchObservations.deallocate(); batchActions.deallocate(); batchReturns.deallocate()
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

    public func greedyActions(for observations: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Int32>) {
        graph.reset()
        out.update(from: argmax(online(input(observations, rows: count))).indexPointer, count: count)
    }

    /// max_a Q(x, a) for `n` observations into `out`.
    private func maxValues(_ x: UnsafePointer<Float>, rows n: Int, into out: UnsafeMutablePointer<Float>) {
        graph.reset()
        out.update(from: max(online(input(x, rows: n))).pointer, count: n)
    }

    public func iterate() throws -> UpdateReport? {
        finishedEpisodes.removeAll(keepingCapacity: true)
        let T = config.rolloutLength, n = copies, size = observationSize
        for t in 0..<T {
            let row = t * n
            (observations + row * size).update(from: environment.observations.baseAddress!, count: n * size)
            let eps = epsilon
            graph.reset()
            greedy.update(from: argmax(online(input(observations + row * size, rows: n))).indexPointer, count: n)
            for i in 0..<n {
                actions[row + i] = Float(rng.uniform()) < eps ? Int32(rng.next() % UInt64(actionCount)) : greedy[i]
            }
            try environment.step(discrete: UnsafeBufferPointer(start: actions + row, count: n))
            environmentSteps += n
            environment.collectFinishedEpisodes(at: environmentSteps, into: &finishedEpisodes)
            // The value of what follows each copy's step: its next observation, or the final one.
            maxValues(environment.observations.baseAddress!, rows: n, into: nextValues + row)
            var anyEnded = false
            for i in 0..<n {
                rewards[row + i] = environment.rewards[i]
                terminals[row + i] = environment.terminated[i] ? 1 : 0
                let e = environment.terminated[i] || environment.truncated[i]
                ended[row + i] = e ? 1 : 0
                anyEnded = anyEnded || e
            }
            if anyEnded {
                maxValues(environment.finalObservations.baseAddress!, rows: n, into: values)
                for i in 0..<n where ended[row + i] == 1 { nextValues[row + i] = values[i] }
            }
        }
        // λ-returns, backwards; an episode end cuts the recursion.
        let (g, l) = (config.gamma, config.lambda)
        for t in stride(from: T - 1, through: 0, by: -1) {
            for i in 0..<n {
                let k = t * n + i
                let bootstrap: Float
                if t == T - 1 || ended[k] == 1 { bootstrap = nextValues[k] } else { bootstrap = (1 - l) * nextValues[k] + l * returns[k + n] }
                returns[k] = rewards[k] + g * (1 - terminals[k]) * bootstrap
            }
        }
        var report = UpdateReport()
        report.epsilon = epsilon
        for _ in 0..<config.epochs {
            if let whole {
                permutation.shuffle(using: &rng)
                for b in 0..<config.minibatches {
                    gatherMinibatch(b)
                    graph.reset()
                    let loss = mean(square(errors(fixedFeatures: false)))
                    report.loss = try whole.stepChecked(minimizing: loss, player: "MSBE", update: updates, environmentStep: environmentSteps)
                    updates += 1
                }
                report.learningRate = whole.learningRate
            } else {
                // The follower shuffles a copy of the current order, written in place.
                for i in 0..<rows { followerOrder[i] = permutation[i] }
                followerOrder.shuffle(using: &rng)
                permutation.shuffle(using: &rng)
                let leaderOrder = config.scorer.separateBatches ? permutation : followerOrder
                for b in 0..<config.minibatches {
                    if config.scorer.order == .leaderFirst { report.leaderLoss = try leaderStep(leaderOrder, b) }
                    for _ in 0..<config.scorer.followerSteps { report.followerLoss = try followerStep(followerOrder, b) }
                    if config.scorer.order == .followerFirst { report.leaderLoss = try leaderStep(leaderOrder, b) }
                    updates += 1
                }
                report.leaderLearningRate = leader!.learningRate
                report.followerLearningRate = follower!.learningRate
            }
        }
        return report
    }

    private func gatherMinibatch(_ b: Int, order: [Int]? = nil) {
        let order = order ?? permutation
        for j in 0..<minibatchSize {
            let k = order[b * minibatchSize + j]
            (batchObservations + j * observationSize).update(from: observations + k * observationSize, count: observationSize)
            batchActions[j] = actions[k]
            batchReturns[j] = returns[k]
        }
    }

    private func errors(fixedFeatures: Bool) -> Tensor {
        var f = online.features(input(batchObservations, rows: minibatchSize))
        if fixedFeatures { f = stopGradient(f) }
        let taken = gather(online.q(features: f), graph.indices(batchActions, shape: Shape(minibatchSize)))
        return graph.constant(borrowing: batchReturns, shape: Shape(minibatchSize)) - taken
    }

    private func leaderStep(_ order: [Int], _ b: Int) throws -> Float {
        gatherMinibatch(b, order: order)
        graph.reset()
        let loss = mean(square(errors(fixedFeatures: true)))
        return try leader!.stepChecked(minimizing: loss, player: "leader", update: updates, environmentStep: environmentSteps)
    }

    private func followerStep(_ order: [Int], _ b: Int) throws -> Float {
        gatherMinibatch(b, order: order)
        graph.reset()
        let delta = errors(fixedFeatures: false)
        let loss = config.scorer.followerObjective == .variance ? mean(square(delta - mean(delta))) : mean(square(delta))
        return try follower!.stepChecked(minimizing: loss, player: "follower", update: updates, environmentStep: environmentSteps)
    }

    public func save(into state: inout StateDictionary) {
        state.store(online.parameters, prefix: "online.")
        for o in [whole, leader, follower].compactMap({ $0 }) { o.saveState(into: &state) }
        state.setGenerator("agent.rng", rng)
        state["agent.environment_steps"] = .integer(Int64(environmentSteps))
        state["agent.updates"] = .integer(Int64(updates))
        state["agent.permutation"] = .integers(permutation.map(Int64.init))
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(online.parameters, prefix: "online.")
        for o in [whole, leader, follower].compactMap({ $0 }) { try o.loadState(from: state) }
        rng = try state.generator("agent.rng")
        environmentSteps = Int(try state.integer("agent.environment_steps"))
        updates = Int(try state.integer("agent.updates"))
        let p = try state.integers("agent.permutation", count: rows).map(Int.init)
        guard Set(p) == Set(0..<rows) else { throw StateError.mismatch("agent.permutation is not a permutation of the rollout") }
        permutation = p
    }
}
