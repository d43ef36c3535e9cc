import Autodiff
import Foundation
import Hypergradients
import Neural
import Seeding

/// `--derivatives IN OUT`: reads an actor, a critic and a batch from a state file, and writes the
/// derivatives the Stackelberg actor–critic uses, for Tests/python/test_autodiff_vs_jax.py to
/// compare with JAX on the same numbers. Entries read: actor.i.weight/bias, critic.i.weight/bias,
/// s, a, r, s2 (rows of the batch), v (a vector over the critic), gamma, lambda, activation.
/// Entries written: leader_loss, follower_loss, grad_leader (∇θL₁), grad_follower (∇wL₂),
/// hvp (∇²wL₂·v), mixed (∇θ⟨∇wL₂, v⟩), total_derivative (exact solve, λ).
func writeDerivatives(input: String, output: String) throws {
    let state = try StateDictionary(contentsOf: URL(fileURLWithPath: input))
    func tensor(_ name: String) throws -> (shape: [Int], values: [Float]) {
        guard case .tensor(let s, let v)? = state[name] else { throw StateError.missing(name) }
        return (s, v)
    }
    guard let activation = Activation(rawValue: try state.text("activation")) else {
        throw StateError.mismatch("activation must be one of \(Activation.allCases.map(\.rawValue))")
    }
    // Layer sizes from the stored weights; values restored into the library's own MLP.
    func mlp(_ prefix: String, output: Activation) throws -> MLP {
        var sizes = [Int]()
        while case .tensor(let shape, _)? = state["\(prefix).\(max(sizes.count - 1, 0)).weight"], shape.count == 2 {
            if sizes.isEmpty { sizes.append(shape[0]) }
            sizes.append(shape[1])
        }
        guard sizes.count >= 2 else { throw StateError.missing("\(prefix).0.weight") }
        var unused = SeededGenerator(seed: 0)
        let net = MLP(sizes, activation: activation, outputActivation: output, name: prefix, rng: &unused)
        try state.restore(net.parameters)
        return net
    }
    let actor = try mlp("actor", output: .tanh), critic = try mlp("critic", output: .identity)
    let gamma = Float(try state.real("gamma")), lambda = Float(try state.real("lambda"))
    let g = Graph()
    func constant(_ name: String) throws -> Tensor { let (s, v) = try tensor(name); return g.constant(v, shape: Shape(s)) }
    let s = try constant("s"), a = try constant("a"), r = try constant("r"), s2 = try constant("s2")
    let q = critic(concat(s, a))
    let target = r + gamma * critic(concat(s2, actor(s2)))
    let followerLoss = mean(square(q - target))
    let leaderLoss = -mean(critic(concat(s, actor(s))))
    let leader = ParameterGroup("leader", actor.parameters), follower = ParameterGroup("follower", critic.parameters)
    let v = try tensor("v").values
    var out = StateDictionary()
    out["leader_loss"] = .real(Double(leaderLoss.scalarValue))
    out["follower_loss"] = .real(Double(followerLoss.scalarValue))
    func store(_ name: String, _ values: [Float]) { values.withUnsafeBufferPointer { out.set(name, shape: Shape(values.count), values: $0.baseAddress!) } }
    store("grad_leader", g.gradient(of: leaderLoss, wrt: leader))
    store("grad_follower", g.gradient(of: followerLoss, wrt: follower))
    store("hvp", g.hessianVectorProduct(of: followerLoss, wrt: follower, vector: v))
    store("mixed", g.mixedProduct(of: followerLoss, wrt: leader, through: follower, vector: v))
    let total = TotalDerivative(leader: leader, follower: follower, solver: .exact, lambda: lambda)
    var td = [Float](repeating: 0, count: leader.count)
    try td.withUnsafeMutableBufferPointer { try total.compute(leaderLoss: leaderLoss, followerLoss: followerLoss, into: $0.baseAddress!) }
    store("total_derivative", td)
    try out.write(to: URL(fileURLWithPath: output))
}
