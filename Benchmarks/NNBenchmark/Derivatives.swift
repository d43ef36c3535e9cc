import Autodiff
import Foundation
import Hypergradients
import Neural

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
    func mlp(_ prefix: String) throws -> [Parameter] {
        var params = [Parameter]()
        var i = 0
        while state["\(prefix).\(i).weight"] != nil {
            for part in ["weight", "bias"] {
                let (shape, values) = try tensor("\(prefix).\(i).\(part)")
                params.append(Parameter(name: "\(prefix).\(i).\(part)", shape: Shape(shape), values: values))
            }
            i += 1
        }
        guard !params.isEmpty else { throw StateError.missing("\(prefix).0.weight") }
        return params
    }
    guard let activation = Activation(rawValue: try state.text("activation")) else {
        throw StateError.mismatch("activation must be one of \(Activation.allCases.map(\.rawValue))")
    }
    let actor = try mlp("actor"), critic = try mlp("critic")
    let gamma = Float(try state.real("gamma")), lambda = Float(try state.real("lambda"))
    let g = Graph()
    func constant(_ name: String) throws -> Tensor { let (s, v) = try tensor(name); return g.constant(v, shape: Shape(s)) }
    func run(_ params: [Parameter], _ x: Tensor, output: Activation) -> Tensor {
        var h = x
        for layer in 0..<(params.count / 2) {
            h = affine(h, g.parameter(params[2 * layer]), g.parameter(params[2 * layer + 1]))
            h = layer == params.count / 2 - 1 ? output(h) : activation(h)
        }
        return h
    }
    let s = try constant("s"), a = try constant("a"), r = try constant("r"), s2 = try constant("s2")
    let q = run(critic, concat(s, a), output: .identity)
    let target = r + gamma * run(critic, concat(s2, run(actor, s2, output: .tanh)), output: .identity)
    let followerLoss = mean(square(q - target))
    let leaderLoss = -mean(run(critic, concat(s, run(actor, s, output: .tanh)), output: .identity))
    let leader = ParameterGroup("leader", actor), follower = ParameterGroup("follower", critic)
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
    td.withUnsafeMutableBufferPointer { total.compute(leaderLoss: leaderLoss, followerLoss: followerLoss, into: $0.baseAddress!) }
    store("total_derivative", td)
    try out.write(to: URL(fileURLWithPath: output))
}
