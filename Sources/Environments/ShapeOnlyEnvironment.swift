import Seeding

/// `count` copies of an environment's shapes and spaces, with no simulator behind them: what an
/// agent reads as it is built (observation shape and encoding, action space, stacked frames), for
/// `train --dry-run`, which builds the agent to see its refusals but steps nothing. Built from one
/// real copy (`like`), so that N Atari emulators are not loaded to learn what one already says.
/// Its buffers hold zeros; stepping it is an error.
public final class ShapeOnlyEnvironment: VectorEnvironment {
    public let name: String
    public let count: Int
    public let observationSpace: Space
    public let observationShape: [Int]
    public let actionSpace: Space
    public let observationEncoding: ObservationEncoding
    public let stackedFrames: Int
    public let actionNames: [String]?
    private let observationBuffer, rewardBuffer: UnsafeMutableBufferPointer<Float>
    private let flagBuffer: UnsafeMutableBufferPointer<Bool>
    private let lengthBuffer: UnsafeMutableBufferPointer<Int32>

    public init(like environment: VectorEnvironment, count: Int) {
        name = environment.name
        self.count = count
        observationSpace = environment.observationSpace
        observationShape = environment.observationShape
        actionSpace = environment.actionSpace
        observationEncoding = environment.observationEncoding
        stackedFrames = environment.stackedFrames
        actionNames = environment.actionNames
        observationBuffer = .allocate(capacity: count * environment.observationSpace.size)
        observationBuffer.initialize(repeating: 0)
        rewardBuffer = .allocate(capacity: count); rewardBuffer.initialize(repeating: 0)
        flagBuffer = .allocate(capacity: count); flagBuffer.initialize(repeating: false)
        lengthBuffer = .allocate(capacity: count); lengthBuffer.initialize(repeating: 0)
    }

    deinit {
        observationBuffer.deallocate(); rewardBuffer.deallocate(); flagBuffer.deallocate(); lengthBuffer.deallocate()
    }

    public func reset(seed: UInt64) {}
    public func step(discrete actions: UnsafeBufferPointer<Int32>) throws { throw EnvironmentError.badState("\(name): a shape-only stand-in (train --dry-run's) cannot step") }
    public func step(continuous actions: UnsafeBufferPointer<Float>) throws { throw EnvironmentError.badState("\(name): a shape-only stand-in (train --dry-run's) cannot step") }

    public var observations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(observationBuffer) }
    public var finalObservations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(observationBuffer) }
    public var rewards: UnsafeBufferPointer<Float> { UnsafeBufferPointer(rewardBuffer) }
    public var terminated: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(flagBuffer) }
    public var truncated: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(flagBuffer) }
    public var episodeReturns: UnsafeBufferPointer<Float> { UnsafeBufferPointer(rewardBuffer) }
    public var episodeLengths: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(lengthBuffer) }
}
