import Environments

/// A sampled minibatch, allocated once and refilled, with room for its TD targets. `rows(_:)`
/// views a block of rows without copying, so that several minibatches can be sampled into one
/// batch and share one target-network pass. Shapes: observations [size × observationSize],
/// discrete actions [size] or box actions [size × actionSize], the rest [size].
public final class TransitionBatch {
    public let size: Int
    public let observationSize: Int
    /// Floats per action (1 for a discrete space).
    public let actionSize: Int
    public let observations, nextObservations: UnsafeMutablePointer<Float>
    /// Discrete actions (a box batch leaves them 0).
    public let actions: UnsafeMutablePointer<Int32>
    /// Box actions (a discrete batch has one unused float per row).
    public let continuousActions: UnsafeMutablePointer<Float>
    public let rewards, terminals, truncations: UnsafeMutablePointer<Float>
    /// The replay slots the rows came from.
    public let slots: UnsafeMutablePointer<Int>
    /// Y_j, written by the agent.
    public let targets: UnsafeMutablePointer<Float>
    /// The batch whose storage a view borrows (nil: this batch owns its storage).
    private let owner: TransitionBatch?

    public init(size: Int, observationSize: Int, actionSpace: Space = .discrete(1)) throws {
        guard size >= 1, observationSize >= 1 else {
            throw AgentError.badConfig("transition batch: size (\(size)) and observation size (\(observationSize)) must be positive")
        }
        self.size = size
        self.observationSize = observationSize
        actionSize = actionSpace.size
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> { let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p }
        observations = floats(size * observationSize)
        nextObservations = floats(size * observationSize)
        actions = .allocate(capacity: size); actions.initialize(repeating: 0, count: size)
        continuousActions = floats(size * actionSize)
        rewards = floats(size); terminals = floats(size); truncations = floats(size); targets = floats(size)
        slots = .allocate(capacity: size); slots.initialize(repeating: 0, count: size)
        owner = nil
    }

    private init(viewing parent: TransitionBatch, rows: Range<Int>) {
        size = rows.count
        observationSize = parent.observationSize
        actionSize = parent.actionSize
        let r = rows.lowerBound
        observations = parent.observations + r * observationSize
        nextObservations = parent.nextObservations + r * observationSize
        actions = parent.actions + r
        continuousActions = parent.continuousActions + r * actionSize
        rewards = parent.rewards + r
        terminals = parent.terminals + r
        truncations = parent.truncations + r
        slots = parent.slots + r
        targets = parent.targets + r
        owner = parent.owner ?? parent
    }

    /// The rows `rows` of this batch, sharing its storage. Errors: rows outside the batch stop
    /// with a message (a programming error).
    public func rows(_ rows: Range<Int>) -> TransitionBatch {
        if _slowPath(rows.isEmpty || rows.lowerBound < 0 || rows.upperBound > size) {
            fatalError("transition batch: rows \(rows) outside 0..<\(size)")
        }
        return TransitionBatch(viewing: self, rows: rows)
    }

    deinit {
        guard owner == nil else { return }
        observations.deallocate(); nextObservations.deallocate(); actions.deallocate(); continuousActions.deallocate()
        rewards.deallocate(); terminals.deallocate(); truncations.deallocate(); slots.deallocate(); targets.deallocate()
    }
}
