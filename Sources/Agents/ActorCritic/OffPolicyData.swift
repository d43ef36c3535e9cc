import Autodiff
import Environments
import Seeding

/// The experience side of an off-policy actor–critic (DDPG, SAC), shared so that each algorithm file
/// holds only its networks and objectives: uniformly random actions for the first steps, then the
/// policy's; one batched environment step per iteration into a replay buffer for box actions; the
/// update cadence (every `updateEvery` steps, that many updates); one minibatch per batch role of
/// the coupling, sampled together before each update; the generator every draw comes from; and the
/// checkpoint of all of it. Allocated once.
public final class OffPolicyData {
    public let environment: VectorEnvironment
    public let replay: ReplayBuffer
    public let box: ActionBox
    public private(set) var environmentSteps = 0
    public private(set) var finishedEpisodes: [FinishedEpisode] = []
    /// Exploration and sampling noise, minibatch draws.
    public var rng: SeededGenerator
    private var stepsSinceUpdate = 0
    private let actions: ActionBatch
    private let observationsBefore: UnsafeMutablePointer<Float>
    private let roles: [BatchRole]
    private let minibatches: [TransitionBatch]
    /// The minibatch the next objective reads, set by `prepare`.
    public private(set) var current: TransitionBatch
    public let copies, observationSize, actionSize: Int

    /// Errors: `AgentError.badConfig` for a discrete action space or bad sizes.
    public init(environment: VectorEnvironment, roles: [BatchRole], capacity: Int, batchSize: Int, seed: UInt64, owner: String) throws {
        guard case .box = environment.actionSpace else {
            throw AgentError.badConfig("\(environment.name) has discrete actions (\(environment.actionSpace)); \(owner) needs a box")
        }
        self.environment = environment
        copies = environment.count
        observationSize = environment.observationSpace.size
        actionSize = environment.actionSpace.size
        box = try ActionBox(environment.actionSpace, owner: owner)
        replay = try ReplayBuffer(capacity: capacity, observationSize: observationSize, encoding: environment.observationEncoding,
                                  actionSpace: environment.actionSpace)
        rng = SeededGenerator(seed: seed)
        actions = ActionBatch(space: environment.actionSpace, count: copies)
        observationsBefore = .allocate(capacity: copies * observationSize)
        observationsBefore.initialize(repeating: 0, count: copies * observationSize)
        finishedEpisodes.reserveCapacity(copies)
        self.roles = roles
        minibatches = try roles.map { _ in
            try TransitionBatch(size: batchSize, observationSize: environment.observationSpace.size, actionSpace: environment.actionSpace)
        }
        current = minibatches[0]
    }

    deinit { observationsBefore.deallocate() }

    /// One batched step: uniformly random actions while fewer than `randomSteps` steps are taken,
    /// then `policy` (which writes the exploring actions for the observations it is given).
    /// Returns how many updates are due now: 0, or the steps since the last updates once
    /// `updateAfter` steps are taken and `updateEvery` more have passed (SpinningUp's cadence).
    /// With `firstUpdates = .cadence` the steps before `updateAfter` count only from the last
    /// multiple of `updateEvery`, so the first round is `updateEvery` updates, as SpinningUp's
    /// `t % update_every == 0`; `.catchUp` counts them all (every step so far, at once).
    public func collect(randomSteps: Int, updateAfter: Int, updateEvery: Int, firstUpdates: OffPolicySettings.FirstUpdates = .cadence,
                        policy: (UnsafePointer<Float>, ActionBatch) -> Void) throws -> Int {
        observationsBefore.update(from: environment.observations.baseAddress!, count: copies * observationSize)
        if environmentSteps < randomSteps {
            for i in 0..<(copies * actionSize) {
                let d = i % actionSize
                actions.continuous[i] = box.low[d] + (box.high[d] - box.low[d]) * Float(rng.uniform())
            }
        } else {
            policy(observationsBefore, actions)
        }
        try actions.step(environment)
        replay.add(observations: observationsBefore, actions: actions, after: environment)
        environmentSteps += copies
        stepsSinceUpdate += copies
        if firstUpdates == .cadence, environmentSteps < updateAfter { stepsSinceUpdate = environmentSteps % updateEvery }
        finishedEpisodes.removeAll(keepingCapacity: true)
        environment.collectFinishedEpisodes(at: environmentSteps, into: &finishedEpisodes)
        guard environmentSteps >= updateAfter, stepsSinceUpdate >= updateEvery else { return 0 }
        defer { stepsSinceUpdate = 0 }
        return stepsSinceUpdate
    }

    /// Draws every role's minibatch for the next update.
    public func sampleMinibatches() {
        for b in minibatches { replay.sample(into: b, using: &rng) }
    }

    /// Points `current` at `role`'s minibatch (the coupling's `prepare`).
    public func prepare(_ role: BatchRole) {
        current = minibatches[roles.firstIndex(of: role) ?? 0]
    }

    public func save(into state: inout StateDictionary) {
        replay.save(into: &state, prefix: "replay.")
        state.setGenerator("agent.rng", rng)
        state["agent.environment_steps"] = .integer(Int64(environmentSteps))
        state["agent.steps_since_update"] = .integer(Int64(stepsSinceUpdate))
    }

    public func load(from state: StateDictionary) throws {
        try replay.load(from: state, prefix: "replay.")
        rng = try state.generator("agent.rng")
        environmentSteps = Int(try state.integer("agent.environment_steps"))
        stepsSinceUpdate = Int(try state.integer("agent.steps_since_update"))
    }
}
