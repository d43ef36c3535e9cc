import Environments

/// Plays `episodes` whole episodes with the agent's deterministic actions on `environment` (a batch
/// of its own, apart from training), reset with `seed`, and returns their undiscounted returns.
/// Works for any action space. Each copy contributes its first episodes, so short episodes are not
/// over-represented. Episodes are whole games (`gameOver(copy:)`): under Atari's episodic life the
/// policy plays on through lost lives, with the same hidden resets as in training, as CleanRL's
/// evaluation does with its training wrappers.
///
/// A deterministic policy can stall (MinAtar has no time limit of its own), so an episode that
/// reaches `maxEpisodeSteps` is cut there: its return so far counts as that copy's last episode,
/// and the copy plays no more. The result then holds fewer than `episodes` returns, never none.
public func evaluateDeterministic(_ agent: Agent, on environment: VectorEnvironment, episodes: Int, seed: UInt64,
                                  maxEpisodeSteps: Int = 27_000, shouldStop: (() -> Bool)? = nil) throws -> [Double] {
    guard episodes >= 1, maxEpisodeSteps >= 1 else {
        throw AgentError.badConfig("evaluation needs eval_episodes ≥ 1 and eval_max_episode_steps ≥ 1, got \(episodes) and \(maxEpisodeSteps)")
    }
    let n = environment.count
    let perCopy = (episodes + n - 1) / n
    environment.reset(seed: seed)
    var returns = [[Double]](repeating: [], count: n)
    let actions = ActionBatch(space: environment.actionSpace, count: n)
    var running = [Double](repeating: 0, count: n), length = [Int](repeating: 0, count: n)
    var cut = [Bool](repeating: false, count: n)
    func collecting(_ i: Int) -> Bool { !cut[i] && returns[i].count < perCopy }
    while (0..<n).contains(where: collecting) {
        // A long evaluation (greedy Atari episodes run to 27,000 steps) stops when asked.
        if let shouldStop, shouldStop() { throw CancellationError() }
        agent.act(environment.observations.baseAddress!, count: n, deterministic: true, into: actions)
        try actions.step(environment)
        for i in 0..<n where collecting(i) {
            if environment.gameOver(copy: i) {
                returns[i].append(Double(environment.episodeReturns[i]))
                running[i] = 0; length[i] = 0
            } else {
                running[i] += Double(environment.rewards[i]); length[i] += 1
                if length[i] >= maxEpisodeSteps { returns[i].append(running[i]); cut[i] = true }
            }
        }
    }
    return Array(returns.joined().prefix(episodes))
}
