import Agents
import Autodiff
import Environments
import Training
import XCTest

/// Small seeded runs that fail if learning breaks: every algorithm × coupling pair the registry lists
/// for discrete actions must solve CartPole-v1 with the classic-control defaults `stackelberg train`
/// uses (100,000 steps; 4 copies): a greedy evaluation of 10 episodes, taken every 10,000 steps, must
/// reach a mean return of 475 (the v1 threshold) at least once. Acrobot-v1 likewise, with its
/// defaults (150,000 steps): a greedy mean of −100 (the v1 threshold) at some evaluation.
///
/// PPO and BLPO's couplings (`ppo`) run CartPole and Acrobot like the others, and InvertedPendulum
/// for box actions. On-policy AC/STAC (`ac`) is held to CartPole only, as in the STAC paper (Acrobot and Pendulum are
/// not its tasks, and plain policy gradient does not reach their thresholds in these budgets).
/// A run stops at its first evaluation that reaches the goal.
///
/// Each pair gets up to three seeds, tried in order, and fails only if none solves it: broken
/// learning solves none. One seed is not enough because a run's bits follow the machine's OpenBLAS
/// kernels: on one AMD EPYC machine (OpenBLAS Haswell kernels) DQN's seed 0 peaked at 445 on
/// CartPole where other machines had passed 475, and Acrobot's learning depends on random
/// exploration first reaching the goal (PQN + SCORER solved 2 of 4 seeds in the sweep behind the
/// defaults).
final class LearningTests: XCTestCase {
    // Training flushes subnormals; the mode is put back so later tests on this thread keep IEEE arithmetic.
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    func evaluations(algo: String, coupling: String, env name: String, seed: UInt64, goal: Double) throws -> [Double] {
        var given = Settings()
        given["algo"] = .string(algo); given["coupling"] = .string(coupling); given["env"] = .string(name)
        let settings = try AlgorithmRegistry.resolve(given)
        let env = try EnvironmentRegistry.make(name, count: try settings.int("num_envs")!)
        let evalEnv = try EnvironmentRegistry.make(name, count: 10)
        let agent = try AlgorithmRegistry.makeAgent(settings, environment: env, seed: seed)
        let total = try settings.int("total_steps")!
        env.reset(seed: seed &* 10_000)
        var means = [Double]()
        while agent.environmentSteps < total {
            let before = agent.environmentSteps
            _ = try agent.iterate()
            if agent.environmentSteps / 10_000 != before / 10_000 {
                let r = try evaluateDeterministic(agent, on: evalEnv, episodes: 10, seed: 77)
                means.append(r.reduce(0, +) / Double(r.count))
                if means.last! >= goal { break }
            }
        }
        return means
    }

    /// Every pair for `space` on `env`, up to three seeds each, until one reaches `goal`.
    /// SPRIG attends over the cells of image observations: it has its own test, on MinAtar.
    func solveEveryPair(_ env: String, goal: Double, space: ActionSpaceKind = .discrete, excluding: Set<String> = []) throws {
        for entry in AlgorithmRegistry.entries where entry.actionSpaces.contains(space) && !excluding.contains(entry.name) {
            for coupling in entry.couplings where coupling != "sprig" {
                var tried = [String]()
                var solved = false
                for seed: UInt64 in 0..<3 where !solved {
                    let means = try evaluations(algo: entry.name, coupling: coupling, env: env, seed: seed, goal: goal)
                    tried.append("seed \(seed): \(means.map { Int($0.rounded()) })")
                    solved = (means.max() ?? -.infinity) >= goal
                }
                print("\(env) \(entry.name) \(coupling): \(tried.joined(separator: "; "))")
                XCTAssertTrue(solved, "\(entry.name) \(coupling) did not solve \(env) with any of three seeds: \(tried)")
            }
        }
    }

    func testEveryAlgorithmAndCouplingSolvesCartPole() throws { try solveEveryPair("cartpole", goal: 475) }

    func testEveryAlgorithmAndCouplingSolvesAcrobot() throws { try solveEveryPair("acrobot", goal: -100, excluding: ["ac"]) }

    /// Box actions: DDPG in each coupling on Pendulum-v1 (20,000 steps with the classic defaults),
    /// a greedy mean of −200 at some evaluation (a random policy scores about −1,200).
    /// PPO is held to InvertedPendulum instead: CleanRL's classic-control PPO settings do not reach
    /// −200 on Pendulum in 5e5 steps (it needs its own tuning; PPO's box tasks are MuJoCo's).
    func testEveryBoxAlgorithmAndCouplingSolvesPendulum() throws { try solveEveryPair("pendulum", goal: -200, space: .box, excluding: ["ac", "ppo"]) }

    /// SPRIG (a small perception module: d 8, 2 heads, 64 features; 16 copies, 2 stacked frames)
    /// learns MinAtar Breakout: the training episodes' mean return over steps 40,000–60,000 is at
    /// least 2.5, where the untrained policy's first 20,000 steps average about 1 (seed 0 of a
    /// 200,000-step run went 0.97 → 4.2 over steps 50,000–100,000, greedy 7.9 at the end).
    /// Two seeds, as above.
    func testSprigLearnsMinAtarBreakout() throws {
        var tried = [String](), learned = false
        for seed: UInt64 in 0..<2 where !learned {
            var given = Settings()
            for (k, v) in [("algo", "ppo"), ("coupling", "sprig"), ("env", "minatar/breakout")] { given[k] = .string(v) }
            for (k, v) in [("total_steps", 60_000.0), ("num_envs", 16), ("perception.dim", 8), ("perception.features", 64)] { given[k] = .number(v) }
            let settings = try AlgorithmRegistry.resolve(given)
            let env = try EnvironmentRegistry.make("minatar/breakout", count: 16, overrides: try AlgorithmRegistry.runOptions(settings).environmentOverrides())
            XCTAssertEqual(env.stackedFrames, 2)
            let agent = try AlgorithmRegistry.makeAgent(settings, environment: env, seed: seed)
            env.reset(seed: seed &* 10_000)
            var early = [Double](), late = [Double]()
            while agent.environmentSteps < 60_000 {
                _ = try agent.iterate()
                for e in agent.finishedEpisodes {
                    if e.step < 20_000 { early.append(Double(e.episodeReturn)) }
                    if e.step >= 40_000 { late.append(Double(e.episodeReturn)) }
                }
            }
            let (first, last) = (early.reduce(0, +) / Double(max(early.count, 1)), late.reduce(0, +) / Double(max(late.count, 1)))
            tried.append(String(format: "seed %d: %.2f → %.2f", seed, first, last))
            learned = last >= 2.5
        }
        print("minatar/breakout ppo sprig: \(tried.joined(separator: "; "))")
        XCTAssertTrue(learned, "SPRIG did not learn MinAtar Breakout with either seed: \(tried)")
    }

    /// PPO, PPO-Nested and BLPO with their MuJoCo defaults on InvertedPendulum-v5: a greedy mean of
    /// 950 (of 1,000) at some evaluation; each did by 30,000 steps in the sweep behind this test.
    func testPPOCouplingsSolveInvertedPendulum() throws {
        try solveEveryPair("mujoco/inverted_pendulum", goal: 950, space: .box,
                           excluding: Set(AlgorithmRegistry.names).subtracting(["ppo"]))
    }
}
