/// Every finished episode's return and length, in the order they ended, with the copy and the
/// batched step at which they ended; call `record(_:)` after each step. Episodes are the ones
/// `gameOver(copy:)` closes: whole Atari games under episodic life, not lives.
public struct EpisodeStatistics: Sendable, Equatable {
    public struct Episode: Sendable, Equatable {
        public var step: Int
        public var copy: Int
        public var episodeReturn: Double
        public var length: Int
        public var truncated: Bool
    }

    public private(set) var episodes: [Episode] = []
    public private(set) var steps = 0

    public init() {}

    /// Notes the episodes that ended in the step just taken.
    public mutating func record(_ env: VectorEnvironment) {
        steps += 1
        for i in 0..<env.count where env.gameOver(copy: i) {
            episodes.append(Episode(step: steps, copy: i, episodeReturn: Double(env.episodeReturns[i]),
                                    length: Int(env.episodeLengths[i]), truncated: env.truncated[i]))
        }
    }

    /// Mean return of the last `n` episodes (nil before any ended).
    public func meanReturn(last n: Int) -> Double? {
        guard !episodes.isEmpty else { return nil }
        let tail = episodes.suffix(n)
        return tail.reduce(0) { $0 + $1.episodeReturn } / Double(tail.count)
    }
}
