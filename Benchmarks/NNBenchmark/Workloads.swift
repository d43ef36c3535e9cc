import Agents
import Autodiff
import Hypergradients
import Neural
import Seeding

/// One benchmark row: `make()` builds the networks and data and returns the step to time;
/// `checksum()` reports a number from the last step for sanity.
struct Workload {
    let name: String
    let make: () -> () -> Void
    let checksum: () -> Double
    /// The number of trained scalars, where a row reports it (known once `make()` has run).
    var parameterCount: (() -> Int)? = nil

    nonisolated(unsafe) static let all: [Workload] = [
        mlpFwdBwd(batch: 64), mlpFwdBwd(batch: 1024), mlpAct(batch: 128),
        convFwdBwd(batch: 64), convFwdBwd(batch: 512), hvpCritic(batch: 256), cgTotalDerivative(batch: 256),
    ]

    /// The same code paths at tiny batches, for the allocation probe under valgrind (whether a step
    /// allocates does not depend on the batch size; valgrind's time does), and whole agent
    /// iterations (timed against the JAX peer by run_dqn_benchmark.py instead).
    nonisolated(unsafe) static let probes: [Workload] = [
        mlpFwdBwd(batch: 4), mlpAct(batch: 4), convFwdBwd(batch: 2), hvpCritic(batch: 4), cgTotalDerivative(batch: 4),
        dqnIterate(.dqn, MonolithicSpec(), copies: 4, batch: 4), dqnIterate(.dqn, ScorerSpec(), copies: 4, batch: 4),
        dqnIterate(.ddqn, ScorerSpec(), copies: 4, batch: 4), pqnIterate(ScorerSpec(), copies: 4, rollout: 4),
        dqnIterate(.dqn, TotalDerivativeSpec(leader: .head), copies: 4, batch: 4), pqnIterate(MonolithicSpec(), copies: 4, rollout: 4),
        ddpgIterate(IndividualSpec(leader: .actor), copies: 2, batch: 4), ddpgIterate(TotalDerivativeSpec(leader: .critic), copies: 2, batch: 4),
        sacIterate(IndividualSpec(leader: .actor), copies: 2, batch: 4),
        ddpgIterate(TotalDerivativeSpec(leader: .actor), copies: 2, batch: 4), sacIterate(TotalDerivativeSpec(leader: .actor), copies: 2, batch: 4),
        acIterate(IndividualSpec(leader: .actor, unroll: 2), copies: 2, steps: 4), acIterate(stacProbeSpec, copies: 2, steps: 4),
        ppoIterate(MonolithicSpec(), copies: 2, steps: 4), ppoIterate(blpoProbeSpec, copies: 2, steps: 4),
    ]
}

/// Holds the last step's checksum (workloads are built and run one at a time).
final class Checksum { var value = 0.0 }

func uniformFloats(_ n: Int, _ rng: inout SeededGenerator, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
    (0..<n).map { _ in lo + (hi - lo) * Float(rng.uniform()) }
}

func normalFloats(_ n: Int, _ rng: inout SeededGenerator) -> [Float] { (0..<n).map { _ in Float(rng.normal()) } }

/// SCORER's MinAtar MLP: encoder 400 → 128 → 128 (ReLU), Q head 128 → 3.
final class MinAtarMLP {
    let encoder: MLP, head: Dense
    init(_ rng: inout SeededGenerator) {
        encoder = MLP([400, 128, 128], activation: .relu, outputActivation: .relu, name: "encoder", rng: &rng)
        head = Dense(128, 3, name: "head", rng: &rng)
    }
    var parameters: [Parameter] { encoder.parameters + head.parameters }
    func callAsFunction(_ x: Tensor) -> Tensor { head(encoder(x)) }
}

/// Conv16-3×3 (no padding) → ReLU → Dense 1024 → 128 → ReLU → Dense 128 → 3.
final class MinAtarConv {
    let conv: Conv2d, hidden: Dense, head: Dense
    init(_ rng: inout SeededGenerator) {
        conv = Conv2d(4, 16, kernel: 3, name: "conv", rng: &rng)
        hidden = Dense(8 * 8 * 16, 128, name: "hidden", rng: &rng)
        head = Dense(128, 3, name: "head", rng: &rng)
    }
    var parameters: [Parameter] { conv.parameters + hidden.parameters + head.parameters }
    func callAsFunction(_ x: Tensor) -> Tensor { head(relu(hidden(relu(conv(x)).flattened()))) }
}

/// mean((Q(x)[a] − y)²) and its gradient over every parameter.
func tdStep(name: String, batch: Int, inputShape: Shape, net: @escaping (Tensor) -> Tensor, parameters: [Parameter],
            rng: inout SeededGenerator, checksum: Checksum) -> () -> Void {
    let x = (0..<inputShape.count).map { _ in rng.uniform() < 0.5 ? Float(0) : Float(1) }
    let actions = (0..<batch).map { _ in Int32(rng.next() % 3) }
    let y = normalFloats(batch, &rng)
    let group = ParameterGroup(name, parameters)
    let gradient = UnsafeMutablePointer<Float>.allocate(capacity: group.count)
    let graph = Graph()
    return {
        graph.reset()
        let q = net(constantView(graph, x, inputShape))
        let loss = mean(square(gather(q, graph.indices(actions, shape: Shape(batch))) - constantView(graph, y, Shape(batch))))
        graph.gradient(of: loss, wrt: group, into: gradient)
        checksum.value = Double(loss.scalarValue)
    }
}

func mlpFwdBwd(batch: Int) -> Workload {
    let c = Checksum()
    return Workload(name: "mlp_fwdbwd_b\(batch)", make: {
        var rng = SeededGenerator(seed: 0)
        let net = MinAtarMLP(&rng)
        return tdStep(name: "mlp", batch: batch, inputShape: Shape(batch, 400), net: net.callAsFunction,
                      parameters: net.parameters, rng: &rng, checksum: c)
    }, checksum: { c.value })
}

func convFwdBwd(batch: Int) -> Workload {
    let c = Checksum()
    return Workload(name: "conv_fwdbwd_b\(batch)", make: {
        var rng = SeededGenerator(seed: 0)
        let net = MinAtarConv(&rng)
        return tdStep(name: "conv", batch: batch, inputShape: Shape(batch, 10, 10, 4), net: net.callAsFunction,
                      parameters: net.parameters, rng: &rng, checksum: c)
    }, checksum: { c.value })
}

func mlpAct(batch: Int) -> Workload {
    let c = Checksum()
    return Workload(name: "mlp_act_b\(batch)", make: {
        var rng = SeededGenerator(seed: 0)
        let net = MinAtarMLP(&rng)
        let x = (0..<(batch * 400)).map { _ in rng.uniform() < 0.5 ? Float(0) : Float(1) }
        let graph = Graph()
        return {
            graph.reset()
            let a = argmax(net(constantView(graph, x, Shape(batch, 400))))
            var s = 0
            for i in 0..<batch { s += Int(a.indexPointer[i]) }
            c.value = Double(s)
        }
    }, checksum: { c.value })
}

/// Critic Q(s, a): concat(s, a) = 14 → 256 → 256 → 1 (ReLU).
func critic(_ rng: inout SeededGenerator) -> MLP { MLP([14, 256, 256, 1], activation: .relu, name: "critic", rng: &rng) }

func hvpCritic(batch: Int) -> Workload {
    let c = Checksum()
    return Workload(name: "hvp_critic_b\(batch)", make: {
        var rng = SeededGenerator(seed: 0)
        let q = critic(&rng)
        let s = normalFloats(batch * 11, &rng), a = uniformFloats(batch * 3, &rng), y = normalFloats(batch, &rng)
        let group = ParameterGroup("critic", q.parameters)
        let v = normalFloats(group.count, &rng)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: group.count)
        let graph = Graph()
        let recorded = RecordedGradient(group: group, graph: graph)
        return {
            graph.reset()
            let input = concat(constantView(graph, s, Shape(batch, 11)), constantView(graph, a,  Shape(batch, 3)))
            let loss = mean(square(q(input).reshaped(Shape(batch)) - constantView(graph, y, Shape(batch))))
            recorded.record(of: loss)
            v.withUnsafeBufferPointer { recorded.hessianVectorProduct($0.baseAddress!, into: out) }
            var n = 0.0
            for i in 0..<group.count { n += Double(out[i]) * Double(out[i]) }
            c.value = n.squareRoot()
        }
    }, checksum: { c.value })
}

/// DDPG-sized Stackelberg actor–critic: the actor's total derivative with 10 CG iterations.
func cgTotalDerivative(batch: Int) -> Workload {
    let c = Checksum()
    return Workload(name: "cg_total_derivative_b\(batch)", make: {
        var rng = SeededGenerator(seed: 0)
        let actor = MLP([11, 256, 256, 3], activation: .relu, outputActivation: .tanh, name: "actor", rng: &rng)
        let q = critic(&rng)
        let s = normalFloats(batch * 11, &rng), a = uniformFloats(batch * 3, &rng)
        let r = normalFloats(batch, &rng), s2 = normalFloats(batch * 11, &rng)
        let leader = ParameterGroup("leader", actor.parameters), follower = ParameterGroup("follower", q.parameters)
        let total = TotalDerivative(leader: leader, follower: follower, solver: .conjugateGradient(iterations: 10), lambda: 0.1)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: leader.count)
        let graph = Graph()
        return {
            graph.reset()
            let states = constantView(graph, s, Shape(batch, 11)), next = constantView(graph, s2,  Shape(batch, 11))
            let qsa = q(concat(states, constantView(graph, a, Shape(batch, 3)))).reshaped(Shape(batch))
            let qNext = q(concat(next, actor(next))).reshaped(Shape(batch))
            let followerLoss = mean(square(qsa - constantView(graph, r, Shape(batch)) - 0.99 * qNext))
            let leaderLoss = -mean(q(concat(states, actor(states))))
            // Both losses are of this step and the settings are fixed: a throw is a bug of the row.
            do { try total.compute(leaderLoss: leaderLoss, followerLoss: followerLoss, into: out) } catch { fatalError("\(error)") }
            c.value = Double(total.diagnostics.totalDerivativeNorm)
            precondition(total.diagnostics.solve.products == 10, "the CG row must run its 10 products, ran \(total.diagnostics.solve.products)")
        }
    }, checksum: { c.value })
}

/// The peers hold their inputs as persistent tensors; a borrowed constant is the same (no copy per step).
func constantView(_ graph: Graph, _ values: [Float], _ shape: Shape) -> Tensor {
    values.withUnsafeBufferPointer { graph.constant(borrowing: $0.baseAddress!, shape: shape) }
}

/// STAC with m = 2 and a CG that runs all its 10 products (λ = 100 keeps the critic's Hessian
/// positive definite: at λ = 1 CG met negative curvature at varying iterations and the graph grew
/// in a later step), so every probed update builds the same graph.
let stacProbeSpec: any CouplingSpec = {
    var o = TotalDerivativeOptions()
    o.unroll = 2
    o.hypergradient.lambda = 100
    return TotalDerivativeSpec(leader: .actor, options: o)
}()
