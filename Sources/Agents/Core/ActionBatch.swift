import Environments

/// Actions for a batch of environment copies, in any action space: `Int32` indices for a discrete
/// space (`count` of them), row-major `Float` vectors for a box (`count × dimension`). Allocated once
/// and refilled, so acting allocates nothing.
public final class ActionBatch {
    public let space: Space
    public let count: Int
    /// Floats per action: 1 for a discrete space, the box's dimension otherwise.
    public let dimension: Int
    /// Discrete actions (`count`); unused for a box.
    public let discrete: UnsafeMutablePointer<Int32>
    /// Box actions (`count × dimension`); unused for a discrete space.
    public let continuous: UnsafeMutablePointer<Float>

    public init(space: Space, count: Int) {
        self.space = space
        self.count = Swift.max(count, 0)
        dimension = space.size
        let isDiscrete: Bool
        if case .discrete = space { isDiscrete = true } else { isDiscrete = false }
        discrete = .allocate(capacity: isDiscrete ? Swift.max(count, 1) : 1)
        discrete.initialize(repeating: 0, count: isDiscrete ? Swift.max(count, 1) : 1)
        continuous = .allocate(capacity: isDiscrete ? 1 : Swift.max(count * dimension, 1))
        continuous.initialize(repeating: 0, count: isDiscrete ? 1 : Swift.max(count * dimension, 1))
    }

    deinit { discrete.deallocate(); continuous.deallocate() }

    public var isDiscrete: Bool { if case .discrete = space { return true } else { return false } }

    /// Steps `environment` (whose copies must number `count`) with these actions.
    public func step(_ environment: VectorEnvironment) throws {
        if isDiscrete {
            try environment.step(discrete: UnsafeBufferPointer(start: discrete, count: count))
        } else {
            try environment.step(continuous: UnsafeBufferPointer(start: continuous, count: count * dimension))
        }
    }
}
