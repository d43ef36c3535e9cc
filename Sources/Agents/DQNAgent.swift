import Autodiff
import Environments
import Neural
import Seeding

/// DQN, Double DQN, Dueling DQN and Dueling Double DQN over a batch of environments, trained either
/// as one network (monolithic) or as SCORER's Stackelberg pair:
///
/// - follower (encoder φ, fast): minimizes Var_j[δ_j], δ_j = Y_j − Q_θ(f_φ(s_j), a_j), with θ held
///   and the targets Y_j fixed;
/// - leader (Q head θ, slow): minimizes mean δ_j² on fixed features f_φ(s_j).
///
/// Each iteration: ε-greedy actions for every copy, one batched environment step, the transitions
/// into the replay buffer, then (after `learningStarts` steps) `updatesPerStep` updates and, every
/// `targetUpdateInterval` environment steps, a target-network update.
public final class DQNAgent: TrainingAlgorithm {
    public let config: DQNConfig
    public let environment: VectorEnvironment
    public let online: QNetwork
    public let target: QNetwork
    public let replay: ReplayBuffer
    /// Monolithic: `whole`; SCORER: `leader` (θ) and `follower` (φ).
    public let whole: GroupOptimizer?
    public let leader: GroupOptimizer?
    public let follower: GroupOptimizer?
    public private(set) var environmentSteps = 0
    public private(set) var updates = 0
    public private(set) var finishedEpisodes: [FinishedEpisode] = []
    private var rng: SeededGenerator
    private var stepsSinceTargetUpdate = 0

    private let graph = Graph()
    private let copies: Int
    private let observationSize: Int
    /// One observation's shape; a batch of them is `observationShape.prepending(rows)`.
    private let observationShape: Shape
    private let actionCount: Int
    private let actions: UnsafeMutablePointer<Int32>
    private let explore: UnsafeMutablePointer<Bool>
    private let observationsBefore: UnsafeMutablePointer<Float>
    /// Every minibatch one update uses, sampled together into one batch: one per player step
    /// (SCORER with separate minibatches) or a single one.
    private let updateBatch: TransitionBatch
    private let minibatches: [TransitionBatch]
    /// Who steps within one update, in order, and on which of `minibatches`.
    private let plan: [(player: Player, minibatch: Int)]

    private enum Player { case whole, leader, follower }

    public init(config: DQNConfig, environment: VectorEnvironment, seed: UInt64) throws {
        try config.validate()
        guard case .discrete(let n) = environment.actionSpace else {
            throw AgentError.badConfig("\(environment.name) has continuous actions; the DQN family needs discrete ones")
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
        replay = ReplayBuffer(capacity: config.bufferSize, observationSize: observationSize, encoding: environment.observationEncoding)
        let planned = config.plannedUpdates(copies: copies)
        func adam(_ group: ParameterGroup) -> Optimizer { Adam(parameterCount: group.count, epsilon: config.adamEpsilon) }
        switch config.coupling {
        case .monolithic:
            let group = ParameterGroup("q", online.parameters)
            let schedule: Schedule = config.decayLearningRate ? .linear(initial: config.learningRate, final: 0, steps: planned) : .constant(config.learningRate)
            whole = GroupOptimizer(group, optimizer: adam(group), schedule: schedule, maxGradientNorm: config.maxGradientNorm)
            leader = nil; follower = nil
        case .scorer:
            let schedules = config.scorer.schedules(leader: config.leaderLearningRate, follower: config.followerLearningRate, plannedUpdates: planned)
            let l = ParameterGroup("leader", online.headParameters), f = ParameterGroup("follower", online.encoderParameters)
            leader = GroupOptimizer(l, optimizer: adam(l), schedule: schedules.leader, maxGradientNorm: config.maxGradientNorm)
            follower = GroupOptimizer(f, optimizer: adam(f), schedule: schedules.follower, maxGradientNorm: config.maxGradientNorm)
            whole = nil
        }
        actions = .allocate(capacity: copies); actions.initialize(repeating: 0, count: copies)
        explore = .allocate(capacity: copies); explore.initialize(repeating: false, count: copies)
        observationsBefore = .allocate(capacity: copies * observationSize); observationsBefore.initialize(repeating: 0, count: copies * observationSize)
        // At most one episode per copy ends in an iteration.
        finishedEpisodes.reserveCapacity(copies)
        var players = [Player.whole]
        if config.coupling == .scorer {
            let followers = [Player](repeating: .follower, count: config.scorer.followerSteps)
            players = config.scorer.order == .followerFirst ? followers + [.leader] : [.leader] + followers
        }
        let separate = config.coupling == .scorer && config.scorer.separateBatches
        let batchCount = separate ? players.count : 1, b = config.batchSize
        let all = TransitionBatch(size: b * batchCount, observationSize: observationSize)
        updateBatch = all
        minibatches = (0..<batchCount).map { all.rows(b * $0 ..< b * ($0 + 1)) }
        plan = players.enumerated().map { ($1, separate ? $0 : 0) }
    }

    deinit { actions.deallocate(); explore.deallocate(); observationsBefore.deallocate() }

    /// ε at the current step: linear from start to end over `epsilonSteps`.
    public var epsilon: Float {
        let f = Float(Swift.min(environmentSteps, config.epsilonSteps)) / Float(config.epsilonSteps)
        return config.epsilonStart + f * (config.epsilonEnd - config.epsilonStart)
    }

    private func input(_ x: UnsafePointer<Float>, rows: Int) -> Tensor {
        graph.constant(borrowing: x, shape: observationShape.prepending(rows))
    }

    public func greedyActions(for observations: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Int32>) {
        graph.reset()
        let best = argmax(online(input(observations, rows: count)))
        out.update(from: best.indexPointer, count: count)
    }

    public func iterate() throws -> UpdateReport? {
        let obs = environment.observations.baseAddress!
        observationsBefore.update(from: obs, count: copies * observationSize)
        // ε-greedy per copy; the network runs only when some copy acts greedily.
        let eps = epsilon
        var anyGreedy = false
        for i in 0..<copies {
            explore[i] = Float(rng.uniform()) < eps
            if explore[i] { actions[i] = Int32(rng.next() % UInt64(actionCount)) } else { anyGreedy = true }
        }
        if anyGreedy {
            graph.reset()
            let best = argmax(online(input(observationsBefore, rows: copies))).indexPointer
            for i in 0..<copies where !explore[i] { actions[i] = best[i] }
        }
        try environment.step(discrete: UnsafeBufferPointer(start: actions, count: copies))
        replay.add(observations: observationsBefore, actions: actions, after: environment)
        environmentSteps += copies
        stepsSinceTargetUpdate += copies
        finishedEpisodes.removeAll(keepingCapacity: true)
        environment.collectFinishedEpisodes(at: environmentSteps, into: &finishedEpisodes)

        var report: UpdateReport?
        if environmentSteps >= config.learningStarts {
            for _ in 0..<config.updatesPerStep { report = try update() }
            if stepsSinceTargetUpdate >= config.targetUpdateInterval {
                if config.tau >= 1 { target.copy(from: online) } else { target.blend(towards: online, tau: config.tau) }
                stepsSinceTargetUpdate = 0
            }
        }
        return report
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

    /// δ = Y − Q(s, a) on `b`, with the features optionally held fixed.
    private func bellmanErrors(_ b: TransitionBatch, fixedFeatures: Bool) -> Tensor {
        var features = online.features(input(b.observations, rows: b.size))
        if fixedFeatures { features = stopGradient(features) }
        let q = online.q(features: features)
        let taken = gather(q, graph.indices(b.actions, shape: Shape(b.size)))
        return graph.constant(borrowing: b.targets, shape: Shape(b.size)) - taken
    }

    /// One gradient step of `player` on `b`; returns its loss.
    private func step(_ player: Player, on b: TransitionBatch) throws -> Float {
        graph.reset()
        switch player {
        case .whole:
            let loss = mean(square(bellmanErrors(b, fixedFeatures: false)))
            return try whole!.stepChecked(minimizing: loss, player: "MSBE", update: updates, environmentStep: environmentSteps)
        case .leader:
            // θ on MSBE with the features f_φ(s) held fixed.
            let loss = mean(square(bellmanErrors(b, fixedFeatures: true)))
            return try leader!.stepChecked(minimizing: loss, player: "leader", update: updates, environmentStep: environmentSteps)
        case .follower:
            let delta = bellmanErrors(b, fixedFeatures: false)
            let loss = config.scorer.followerObjective == .variance ? mean(square(delta - mean(delta))) : mean(square(delta))
            // Only φ moves: the gradient is taken with respect to the encoder alone, θ stays as it is.
            return try follower!.stepChecked(minimizing: loss, player: "follower", update: updates, environmentStep: environmentSteps)
        }
    }

    private func update() throws -> UpdateReport {
        defer { updates += 1 }
        for b in minibatches { replay.sample(into: b, using: &rng) }
        // The target network does not move within an update, so DQN's targets for every minibatch
        // come from one pass over them all. Double DQN's argmax uses the online network, which each
        // step moves, so its targets are computed right before each step.
        if !config.variant.isDouble { computeTargets(updateBatch) }
        var report = UpdateReport()
        for (player, index) in plan {
            let b = minibatches[index]
            if config.variant.isDouble { computeTargets(b) }
            let loss = try step(player, on: b)
            switch player {
            case .whole: report.loss = loss
            case .leader: report.leaderLoss = loss
            case .follower: report.followerLoss = loss
            }
        }
        report.epsilon = epsilon
        if let whole { report.learningRate = whole.learningRate }
        if let leader, let follower {
            report.leaderLearningRate = leader.learningRate
            report.followerLearningRate = follower.learningRate
        }
        return report
    }

    public func save(into state: inout StateDictionary) {
        state.store(online.parameters, prefix: "online.")
        state.store(target.parameters, prefix: "target.")
        for o in [whole, leader, follower].compactMap({ $0 }) { o.saveState(into: &state) }
        replay.save(into: &state, prefix: "replay.")
        state.setGenerator("agent.rng", rng)
        state["agent.environment_steps"] = .integer(Int64(environmentSteps))
        state["agent.updates"] = .integer(Int64(updates))
        state["agent.steps_since_target_update"] = .integer(Int64(stepsSinceTargetUpdate))
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(online.parameters, prefix: "online.")
        try state.restore(target.parameters, prefix: "target.")
        for o in [whole, leader, follower].compactMap({ $0 }) { try o.loadState(from: state) }
        try replay.load(from: state, prefix: "replay.")
        rng = try state.generator("agent.rng")
        environmentSteps = Int(try state.integer("agent.environment_steps"))
        updates = Int(try state.integer("agent.updates"))
        stepsSinceTargetUpdate = Int(try state.integer("agent.steps_since_target_update"))
    }
}
