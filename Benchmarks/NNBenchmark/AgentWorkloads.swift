import Agents
import Environments

/// One `DQNAgent.iterate()` on MinAtar Breakout: ε-greedy action selection, a batched environment
/// step, replay insertion and sampling, the update (both SCORER players, or the whole network) and
/// the periodic target copy. Learning starts at once and the target is copied every other
/// iteration, so every part of the training loop runs within a few steps.
func dqnIterate(_ variant: DQNVariant, _ coupling: Coupling, copies: Int, batch: Int) -> Workload {
    let c = Checksum()
    return Workload(name: "\(variant.rawValue)_\(coupling.rawValue)_iterate_e\(copies)_b\(batch)", make: {
        var config = DQNConfig()
        config.variant = variant
        config.coupling = coupling
        config.batchSize = batch
        config.bufferSize = 4_096
        config.learningStarts = copies
        config.targetUpdateInterval = 2 * copies
        config.epsilonSteps = 64 * copies
        do {
            let env = try EnvironmentRegistry.make("minatar/breakout-minimal", count: copies)
            let agent = try DQNAgent(config: config, environment: env, seed: 0)
            env.reset(seed: 0)
            return {
                let report = try! agent.iterate()
                c.value = Double(report?.epsilon ?? 0)
            }
        } catch {
            fatalError("dqn workload: \(error)")
        }
    }, checksum: { c.value })
}

/// One `PQNAgent.iterate()` on MinAtar Breakout: a rollout of `rollout` batched steps, λ-returns,
/// and the epochs of minibatch updates (both SCORER players, or the whole network).
func pqnIterate(_ coupling: Coupling, copies: Int, rollout: Int) -> Workload {
    let c = Checksum()
    return Workload(name: "pqn_\(coupling.rawValue)_iterate_e\(copies)_t\(rollout)", make: {
        var config = PQNConfig()
        config.coupling = coupling
        config.rolloutLength = rollout
        config.minibatches = 2
        config.epochs = 2
        do {
            let env = try EnvironmentRegistry.make("minatar/breakout-minimal", count: copies)
            let agent = try PQNAgent(config: config, environment: env, seed: 0)
            env.reset(seed: 0)
            return {
                let report = try! agent.iterate()
                c.value = Double(report?.epsilon ?? 0)
            }
        } catch {
            fatalError("pqn workload: \(error)")
        }
    }, checksum: { c.value })
}
