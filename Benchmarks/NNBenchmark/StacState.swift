import Agents
import Autodiff
import Environments
import Foundation
import Hypergradients
import Seeding

/// `--stac-state ALGO STEPS LAMBDA OUT`: the actor-leader update of STSAC or STDDPG on one
/// HalfCheetah minibatch, for `peers/stac_offpolicy_torch.py --check-state` to recompute the way the
/// public STAC code does and compare. The agent is the one `stackelberg train --algo ALGO --coupling
/// actor-leader --env mujoco/halfcheetah` builds at the paper's settings ((256, 256) ReLU, minibatch
/// 100, Adam 1e-3, CG with 10 products), trained for STEPS environment steps (random actions for the
/// first half) so that the critic's residuals are those of learning, not of initialization. Then,
/// on a fresh minibatch, f₁ (the actor's loss) and f₂ (the critic's, its target keeping the path
/// through the current policy at s′) as the coupling records them, with λ = LAMBDA held.
///
/// Written (a StateDictionary): every parameter (actor, critic, target critic) before the update;
/// the minibatch (`batch.*`); SAC's reparameterization noise of f₁ and f₂ in the order the
/// objectives draw it (`noise.actor`, `noise.critic`, [100, 6]); `f1`, `f2`; `leader.grad.<name>`
/// (Df₁, the leader's step direction) and `follower.grad.<name>` (∇_w f₂ at the same point, the
/// follower's simultaneous step); the solve's diagnostics (`diag.*`) and the settings used.
func writeStacState(algo: String, steps: Int, lambda: Float, output: String) throws {
    let env = try EnvironmentRegistry.make("mujoco/halfcheetah", count: 1)
    var settings = OffPolicySettings()   // the paper's MuJoCo settings are the struct's defaults
    settings.randomSteps = steps / 2
    settings.updateAfter = steps / 2
    var options = TotalDerivativeOptions()
    options.hypergradient.lambda = lambda
    options.hypergradient.lambdaTimeConstant = 0
    let coupling = TotalDerivativeSpec(leader: .actor, options: options)
    let agent: any Agent & CoupledModel
    switch algo {
    case "sac":
        var c = SACConfig()
        c.common = settings
        c.coupling = coupling
        agent = try SACAgent(config: c, environment: env, seed: 0)
    case "ddpg":
        var c = DDPGConfig()
        c.common = settings
        c.coupling = coupling
        agent = try DDPGAgent(config: c, environment: env, seed: 0)
    default: fail("--stac-state: ALGO is sac or ddpg, got \(algo)")
    }
    env.reset(seed: 0)
    while agent.environmentSteps < steps { _ = try agent.iterate() }

    let (actor, critic, targetCritic, data, alpha): ([Parameter], [Parameter], [Parameter], OffPolicyData, Float)
    if let sac = agent as? SACAgent {
        (actor, critic, targetCritic, data, alpha) = (sac.actor.parameters, sac.critic.parameters, sac.targetCritic.parameters, sac.data, sac.config.alpha)
    } else {
        let ddpg = agent as! DDPGAgent
        (actor, critic, targetCritic, data, alpha) = (ddpg.actor.parameters, ddpg.critic.parameters, ddpg.targetCritic.parameters, ddpg.data, 0)
    }
    var state = StateDictionary()
    state.store(actor + critic + targetCritic)
    state["algo"] = .text(algo)
    state["environment_steps"] = .integer(Int64(agent.environmentSteps))
    state["lambda"] = .real(Double(lambda))
    state["gamma"] = .real(Double(settings.gamma))
    state["alpha"] = .real(Double(alpha))
    state["cg_iterations"] = .integer(Int64(options.hypergradient.cgIterations))

    // One minibatch and the two objectives, as TotalDerivativeCoupling.update records them.
    data.sampleMinibatches()
    try agent.prepare(.leader)
    let b = data.current, k = data.actionSize
    state.set("batch.observations", shape: Shape(b.size, b.observationSize), values: b.observations)
    state.set("batch.actions", shape: Shape(b.size, k), values: b.continuousActions)
    state.set("batch.rewards", shape: Shape(b.size), values: b.rewards)
    state.set("batch.next_observations", shape: Shape(b.size, b.observationSize), values: b.nextObservations)
    state.set("batch.terminals", shape: Shape(b.size), values: b.terminals)
    if algo == "sac" {
        // SquashedGaussianPolicy.sample draws B·k normals row-major from the data's stream: f₁'s
        // first, then f₂'s.
        var rng = agent.objectiveRandomness!
        for name in ["noise.actor", "noise.critic"] {
            let noise = (0..<(b.size * k)).map { _ in Float(rng.normal()) }
            noise.withUnsafeBufferPointer { state.set(name, shape: Shape(b.size, k), values: $0.baseAddress!) }
        }
    }
    let graph = agent.graph
    graph.reset()
    let f1 = agent.objective(of: .actor, othersHeld: false)
    let f2 = agent.objective(of: .critic, othersHeld: false)
    state["f1"] = .real(Double(f1.scalarValue))
    state["f2"] = .real(Double(f2.scalarValue))
    let leader = ParameterGroup("leader", actor), follower = ParameterGroup("follower", critic)
    let solve = TotalDerivative(leader: leader, follower: follower, solver: options.hypergradient.inverseSolver, lambda: lambda)
    var leaderGradient = [Float](repeating: 0, count: leader.count)
    try leaderGradient.withUnsafeMutableBufferPointer { try solve.compute(leaderLoss: f1, followerLoss: f2, into: $0.baseAddress!) }
    var followerGradient = [Float](repeating: 0, count: follower.count)
    followerGradient.withUnsafeMutableBufferPointer { solve.writeLastFollowerGradient(into: $0.baseAddress!) }
    func store(_ prefix: String, _ values: [Float], _ parameters: [Parameter]) {
        var offset = 0
        values.withUnsafeBufferPointer { v in
            for p in parameters {
                state.set(prefix + p.name, shape: p.shape, values: v.baseAddress! + offset)
                offset += p.count
            }
        }
    }
    store("leader.grad.", leaderGradient, actor)
    store("follower.grad.", followerGradient, critic)
    let d = solve.diagnostics
    for (name, value) in [("leader_gradient_norm", d.leaderGradientNorm), ("correction_norm", d.correctionNorm),
                          ("total_derivative_norm", d.totalDerivativeNorm), ("cosine", d.cosine),
                          ("solver_iterations", Float(d.iterations)), ("solver_residual", d.relativeResidual ?? .nan),
                          ("negative_curvature", d.metNegativeCurvature ? 1 : 0)] {
        state["diag." + name] = .real(Double(value))
    }
    try state.write(to: URL(fileURLWithPath: output))
}
