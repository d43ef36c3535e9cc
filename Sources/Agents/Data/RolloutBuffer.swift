import Environments

/// One on-policy rollout: `steps` (T) batched steps of `copies` (N) environment copies, for PPO-style
/// advantages (GAE) or PQN's λ-returns. Row k = t·N + i holds step t of copy i; per-row arrays have
/// T·N entries, observations T·N·observationSize (row-major, one observation per row) and box
/// actions T·N·actionSize. Everything is allocated once, in `init`, and zeroed; recording a step or
/// computing advantages or returns allocates nothing. The storage is public raw pointers, written
/// by the agent (actions, values, log-probabilities, bootstrap values) and by `record` (what the
/// environment reports).
///
/// What the environment reports follows `VectorEnvironment`'s same-step auto-reset: after the step
/// of row t, a copy that ended already shows the next episode's first observation, so V of the
/// ended episode's last observation has to be stored separately (`finalValues`) if a truncated
/// episode is to bootstrap from it.
///
/// There is no `save`/`load`: a rollout is filled and consumed within one training iteration, so
/// a checkpoint taken between iterations never needs it.
public final class RolloutBuffer {
    /// How δ_t treats a truncation (a time limit, not an end of the task).
    public enum TruncationRule: String, Sendable, Equatable, CaseIterable {
        /// Bootstrap from V(final observation), the value in `finalValues`: the episode's return
        /// would have continued past the cut (Pardo et al. 2018's partial-episode bootstrapping).
        case bootstrap
        /// Treat a truncation like a termination: done = terminated ∨ truncated and no bootstrap, as
        /// CleanRL's ppo.py (`next_done = terminations | truncations`), PureJaxRL's PPO and BLPO do.
        /// Use it to reproduce their numbers.
        case noBootstrap = "no_bootstrap"
    }

    /// T, steps per copy.
    public let steps: Int
    /// N, environment copies stepped together.
    public let copies: Int
    public let observationSize: Int
    public let actionSpace: Space
    /// Numbers per action: 1 for a discrete space, the box's dimension otherwise.
    public let actionSize: Int
    /// T·N.
    public var rows: Int { steps * copies }

    /// The observations acted on, [T·N·observationSize].
    public let observations: UnsafeMutablePointer<Float>
    /// The actions taken, [T·N], for a discrete space; nil for a box.
    public let discreteActions: UnsafeMutablePointer<Int32>?
    /// The actions taken, [T·N·actionSize], for a box space; nil for a discrete one.
    public let continuousActions: UnsafeMutablePointer<Float>?
    /// r_t, [T·N], as the environment reported it.
    public let rewards: UnsafeMutablePointer<Float>
    /// 1 where step t ended copy i's episode by termination, else 0, [T·N].
    public let terminated: UnsafeMutablePointer<Float>
    /// 1 where step t cut copy i's episode short (truncation), else 0, [T·N]. Both flags can be 1.
    public let truncated: UnsafeMutablePointer<Float>
    /// V(s_t) of the observation acted on, [T·N] (written by the agent).
    public let values: UnsafeMutablePointer<Float>
    /// log π(a_t | s_t) under the policy that acted, [T·N] (written by the agent).
    public let logProbabilities: UnsafeMutablePointer<Float>
    /// V(final observation of the episode that ended), [T·N]: the agent writes it only where
    /// `truncated` is 1, and only `.bootstrap` reads it, only there.
    public let finalValues: UnsafeMutablePointer<Float>
    /// The bootstrap value of each step, [T·N], for algorithms that store it directly (PQN):
    /// max_a Q of the next observation, or of the final one where the copy's episode ended.
    /// Read only by `computeLambdaReturns`.
    public let nextValues: UnsafeMutablePointer<Float>
    /// Â_t from `computeAdvantages`, [T·N].
    public let advantages: UnsafeMutablePointer<Float>
    /// Targets, [T·N]: Â_t + V(s_t) after `computeAdvantages`, G^λ_t after `computeLambdaReturns`.
    public let returns: UnsafeMutablePointer<Float>

    /// Throws `AgentError.badConfig` when `steps`, `copies` or `observationSize` is below 1, the
    /// discrete space has no actions or the box no dimensions.
    public init(steps: Int, copies: Int, observationSize: Int, actionSpace: Space) throws {
        guard steps >= 1, copies >= 1, observationSize >= 1 else {
            throw AgentError.badConfig("rollout buffer: steps (\(steps)), copies (\(copies)) and observation size (\(observationSize)) must be positive")
        }
        switch actionSpace {
        case .discrete(let n):
            guard n >= 1 else { throw AgentError.badConfig("rollout buffer: the discrete action space has no actions") }
            actionSize = 1
        case .box(let low, _):
            guard !low.isEmpty else { throw AgentError.badConfig("rollout buffer: the box action space has no dimensions") }
            actionSize = low.count
        }
        self.steps = steps
        self.copies = copies
        self.observationSize = observationSize
        self.actionSpace = actionSpace
        let rows = steps * copies
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p
        }
        observations = floats(rows * observationSize)
        if case .discrete = actionSpace {
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: rows); p.initialize(repeating: 0, count: rows)
            discreteActions = p; continuousActions = nil
        } else {
            discreteActions = nil; continuousActions = floats(rows * actionSize)
        }
        rewards = floats(rows); terminated = floats(rows); truncated = floats(rows)
        values = floats(rows); logProbabilities = floats(rows); finalValues = floats(rows); nextValues = floats(rows)
        advantages = floats(rows); returns = floats(rows)
    }

    deinit {
        observations.deallocate(); discreteActions?.deallocate(); continuousActions?.deallocate()
        rewards.deallocate(); terminated.deallocate(); truncated.deallocate()
        values.deallocate(); logProbabilities.deallocate(); finalValues.deallocate(); nextValues.deallocate()
        advantages.deallocate(); returns.deallocate()
    }

    /// Records step `t` (0 ≤ t < T) of every copy: `before`, the N·observationSize observations the
    /// copies acted on, and the rewards and terminated/truncated flags `environment` reports after
    /// that step. Actions, values and the rest are the agent's to write.
    public func record(step t: Int, observations before: UnsafePointer<Float>, after environment: VectorEnvironment) {
        (observations + t * copies * observationSize).update(from: before, count: copies * observationSize)
        record(step: t, after: environment)
    }

    /// Records step `t`'s rewards and terminated/truncated flags, for an agent that wrote the
    /// observations it acted on into `observations` row t itself (PQN acts on them there).
    public func record(step t: Int, after environment: VectorEnvironment) {
        precondition((0..<steps).contains(t), "rollout buffer: step \(t) outside 0..<\(steps)")
        precondition(environment.count == copies && environment.observationSpace.size == observationSize,
                     "rollout buffer: built for \(copies) copies of size-\(observationSize) observations, got \(environment.count) of size \(environment.observationSpace.size)")
        let row = t * copies
        for i in 0..<copies {
            rewards[row + i] = environment.rewards[i]
            terminated[row + i] = environment.terminated[i] ? 1 : 0
            truncated[row + i] = environment.truncated[i] ? 1 : 0
        }
    }

    /// Generalized advantage estimation, GAE(γ, λ) (Schulman et al. 2015, "High-dimensional
    /// continuous control using generalized advantage estimation", arXiv 1506.02438, eq. 16),
    /// written into `advantages`, and `returns` = advantages + values (the value targets).
    ///
    /// Backwards over t, per copy (row k = t·N + i):
    ///
    ///     δ_t = r_t + γ · v′_t · (1 − terminated_t) − V_t
    ///     Â_t = δ_t + γ · λ · (1 − done_t) · Â_{t+1},   Â_T = 0
    ///
    /// where v′_t is V_{t+1} (the `values` row t+1, or `lastValues[i]` at t = T − 1) while the
    /// episode goes on; at a truncation, `finalValues[k]` under `.bootstrap` and 0 under
    /// `.noBootstrap`; and 0 at a termination (so `finalValues` is not read there). done_t =
    /// terminated_t ∨ truncated_t: an episode end cuts the recursion under either rule. In Float,
    /// evaluated left to right as written, which is the order of CleanRL's ppo.py
    /// (`delta = r + gamma * nextvalues * nextnonterminal - values`,
    /// `lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam`).
    ///
    /// - Parameter lastValues: V(s_T) per copy, [N]: the value of the observations after the last
    ///   recorded step (`environment.observations` then).
    public func computeAdvantages(gamma: Float, lambda: Float, lastValues: UnsafePointer<Float>, rule: TruncationRule = .bootstrap) {
        let n = copies
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for i in 0..<n {
                let k = t * n + i
                let isTerminated = terminated[k] == 1, isTruncated = truncated[k] == 1
                let next: Float
                if isTerminated { next = 0 }
                else if isTruncated { next = rule == .bootstrap ? finalValues[k] : 0 }
                else { next = t == steps - 1 ? lastValues[i] : values[k + n] }
                let delta = rewards[k] + gamma * next * (1 - terminated[k]) - values[k]
                // Â_{t+1}: none after the last step, and none across an episode end.
                let continues: Float = isTerminated || isTruncated ? 0 : 1
                let following: Float = t == steps - 1 ? 0 : advantages[k + n]
                advantages[k] = delta + gamma * lambda * continues * following
                returns[k] = advantages[k] + values[k]
            }
        }
    }

    /// PQN's λ-returns (Gallici et al. 2024, "Simplifying deep temporal difference learning",
    /// arXiv 2407.04811: Peng's Q(λ)), written into `returns`, from `rewards`, `terminated`,
    /// `truncated` and `nextValues` (the bootstrap value of each step, see there):
    ///
    ///     G_t = r_t + γ (1 − terminated_t) [(1 − λ) v′_t + λ G_{t+1}]
    ///
    /// with the bracket just v′_t at the last step and where the episode ended (terminated or
    /// truncated: the recursion is cut, and a truncation bootstraps from the final observation's
    /// value in `nextValues`). The Float operations are in the PQN agent's order, so its training
    /// bits do not change when it stores its rollout here.
    public func computeLambdaReturns(gamma g: Float, lambda l: Float) {
        let n = copies
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for i in 0..<n {
                let k = t * n + i
                let ended = terminated[k] == 1 || truncated[k] == 1
                let bootstrap: Float
                if t == steps - 1 || ended { bootstrap = nextValues[k] } else { bootstrap = (1 - l) * nextValues[k] + l * returns[k + n] }
                returns[k] = rewards[k] + g * (1 - terminated[k]) * bootstrap
            }
        }
    }
}
