import Agents
import Environments

/// A workload whose step is one `iterate()` of the agent `make` builds over `copies` copies of
/// `environment` (MinAtar Breakout, minimal action set, by default), reset with seed 0.
func agentIterate(_ name: String, copies: Int, environment: String = "minatar/breakout-minimal",
                  _ make: @escaping (VectorEnvironment) throws -> Agent) -> Workload {
    let c = Checksum()
    return Workload(name: name, make: {
        do {
            let env = try EnvironmentRegistry.make(environment, count: copies)
            let agent = try make(env)
            env.reset(seed: 0)
            return {
                _ = try! agent.iterate()
                c.value = Double(agent.metrics.value(at: agent.metrics.names.count - 1))
            }
        } catch {
            fatalError("\(name): \(error)")
        }
    }, checksum: { c.value })
}

/// One `DQNAgent.iterate()`: ε-greedy action selection, a batched environment step, replay
/// insertion and sampling, the update (both SCORER players, or the whole network) and the periodic
/// target copy. Learning starts at once and the target is copied every other iteration, so every
/// part of the training loop runs within a few steps.
func dqnIterate(_ variant: DQNVariant, _ coupling: any CouplingSpec, copies: Int, batch: Int) -> Workload {
    var config = DQNConfig()
    config.variant = variant
    config.coupling = coupling
    config.batchSize = batch
    config.bufferSize = 4_096
    config.learningStarts = copies
    config.targetUpdateInterval = 2 * copies
    config.epsilonSteps = 64 * copies
    return agentIterate("\(variant.rawValue)_\(coupling.name)_iterate_e\(copies)_b\(batch)", copies: copies) {
        try DQNAgent(config: config, environment: $0, seed: 0)
    }
}

/// One `PQNAgent.iterate()`: a rollout of `rollout` batched steps, λ-returns, and the epochs of
/// minibatch updates (both SCORER players, or the whole network).
func pqnIterate(_ coupling: any CouplingSpec, copies: Int, rollout: Int) -> Workload {
    var config = PQNConfig()
    config.coupling = coupling
    config.rolloutLength = rollout
    config.minibatches = 2
    config.epochs = 2
    return agentIterate("pqn_\(coupling.name)_iterate_e\(copies)_t\(rollout)", copies: copies) {
        try PQNAgent(config: config, environment: $0, seed: 0)
    }
}

/// Off-policy settings for the probes: (16, 16) networks, no random steps, two updates every other
/// iteration from the first.
func probeSettings(copies: Int, batch: Int) -> OffPolicySettings {
    var c = OffPolicySettings()
    c.actorWidths = [16, 16]; c.criticWidths = [16, 16]
    c.batchSize = batch
    c.bufferSize = 1_024
    c.randomSteps = 0
    c.updateAfter = copies
    c.updateEvery = 2 * copies
    return c
}

/// One `DDPGAgent.iterate()` on Pendulum: acting with exploration noise, replay, and (every other
/// step) two updates of the coupling with Polyak target updates. Random actions end at once.
func ddpgIterate(_ coupling: any CouplingSpec, copies: Int, batch: Int) -> Workload {
    var config = DDPGConfig()
    config.coupling = coupling
    config.common = probeSettings(copies: copies, batch: batch)
    return agentIterate("ddpg_\(coupling.name)_iterate_e\(copies)_b\(batch)", copies: copies, environment: "pendulum") {
        try DDPGAgent(config: config, environment: $0, seed: 0)
    }
}

/// One `SACAgent.iterate()` on Pendulum, as `ddpgIterate` (reparameterized samples, twin critics).
func sacIterate(_ coupling: any CouplingSpec, copies: Int, batch: Int) -> Workload {
    var config = SACConfig()
    config.coupling = coupling
    config.common = probeSettings(copies: copies, batch: batch)
    config.tuneAlpha = true
    return agentIterate("sac_\(coupling.name)_iterate_e\(copies)_b\(batch)", copies: copies, environment: "pendulum") {
        try SACAgent(config: config, environment: $0, seed: 0)
    }
}

/// One `ACAgent.iterate()` on CartPole: a batch of `steps` steps of each of `copies` copies (acting,
/// episode ends and resets), R_t, GAE, the mixed term's weights, then one actor step and two
/// critic steps (individual play, or STAC's total derivative with 10 CG products).
func acIterate(_ coupling: any CouplingSpec, copies: Int, steps: Int) -> Workload {
    var config = ACConfig()
    config.coupling = coupling
    config.batchSteps = copies * steps
    config.actorWidths = [16]; config.criticWidths = [16]
    return agentIterate("ac_\(coupling.name)_iterate_e\(copies)_t\(steps)", copies: copies, environment: "cartpole") {
        try ACAgent(config: config, environment: $0, seed: 0)
    }
}

/// One `PPOAgent.iterate()`: a rollout of `steps` steps of each of `copies` copies (acting, episode
/// ends, log-probabilities, GAE), then 2 epochs of 2 minibatches. Monolithic on Pendulum with
/// observation and reward normalization; BLPO on CartPole with its recomputed advantages, K = 2
/// critic steps and the CG hypergradient (Nyström builds small dense systems per solve).
func ppoIterate(_ coupling: any CouplingSpec, copies: Int, steps: Int) -> Workload {
    var config = PPOConfig()
    config.coupling = coupling
    config.rolloutLength = steps
    config.epochs = 2
    config.minibatches = 2
    config.actorWidths = [16]; config.criticWidths = [16]
    let box = coupling.name == "monolithic"
    if box {
        config.normalizeObservations = true
        config.normalizeRewards = true
    } else {
        config.minibatchLayout = .trajectories
        config.advantages = .recomputed
    }
    return agentIterate("ppo_\(coupling.name)_iterate_e\(copies)_t\(steps)", copies: copies, environment: box ? "pendulum" : "cartpole") {
        try PPOAgent(config: config, environment: $0, seed: 0)
    }
}

/// BLPO with K = 2 and CG (5 products) instead of Nyström, which allocates its k×k system per solve.
/// BLPO's default λ: it is no longer held at 100 to keep every solve full, since `TotalDerivative`
/// reserves the room of its largest solve at the first product (whether a solve in these steps stops
/// early depends on the draws; the DQN head-leader row is the one that grew without the reservation).
let blpoProbeSpec: any CouplingSpec = {
    var o = NestedOptions()
    o.followerSteps = 2
    o.hypergradient.solver = .cg
    o.hypergradient.cgIterations = 5
    return NestedSpec(leader: .actor, options: o)
}()
