import Environments

/// Plays `episodes` whole episodes with the algorithm's greedy actions on `environment` (a batch of
/// its own, apart from training), reset with `seed`, and returns their undiscounted returns. Each
/// copy contributes its first episodes, so short episodes are not over-represented.
public func evaluateGreedy(_ algorithm: TrainingAlgorithm, on environment: VectorEnvironment, episodes: Int, seed: UInt64,
                           maxSteps: Int = 1_000_000) throws -> [Double] {
    precondition(episodes >= 1)
    let n = environment.count
    let perCopy = (episodes + n - 1) / n
    environment.reset(seed: seed)
    var returns = [[Double]](repeating: [], count: n)
    var actions = [Int32](repeating: 0, count: n)
    var steps = 0
    while returns.contains(where: { $0.count < perCopy }) && steps < maxSteps {
        actions.withUnsafeMutableBufferPointer {
            algorithm.greedyActions(for: environment.observations.baseAddress!, count: n, into: $0.baseAddress!)
        }
        try actions.withUnsafeBufferPointer { try environment.step(discrete: $0) }
        for i in 0..<n where (environment.terminated[i] || environment.truncated[i]) && returns[i].count < perCopy {
            returns[i].append(Double(environment.episodeReturns[i]))
        }
        steps += 1
    }
    return Array(returns.joined().prefix(episodes))
}
