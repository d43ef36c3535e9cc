// Exact second-order products, by differentiating a recorded gradient once more.

/// The gradient of a loss with respect to one parameter group, kept as graph tensors so that
/// products with it can be differentiated: record it once per step, then take as many
/// Hessian-vector products as a solver needs (each costs about one more backward pass).
/// A solver keeps one and calls `record(of:)` each step, which reuses its storage.
public final class RecordedGradient {
    public private(set) var graph: Graph
    public let group: ParameterGroup
    /// ∇_group L, one tensor per parameter.
    public private(set) var tensors: [Tensor] = []

    /// Records ∇_group `loss` so it can be differentiated again.
    public convenience init(of loss: Tensor, wrt group: ParameterGroup) {
        self.init(group: group, graph: loss.graph)
        record(of: loss)
    }

    /// An empty recorder; `record(of:)` fills it.
    public init(group: ParameterGroup, graph: Graph) {
        self.group = group
        self.graph = graph
        tensors.reserveCapacity(group.parameters.count)
    }

    /// Records ∇_group `loss` (of this step), replacing what was recorded before.
    public func record(of loss: Tensor) {
        graph = loss.graph
        loss.graph.gradients(of: loss, wrt: group, into: &tensors)
    }

    /// ⟨∇_group L, v⟩ for a flat vector v over the group (`group.count` floats), as a graph scalar.
    public func innerProduct(with v: UnsafePointer<Float>) -> Tensor {
        var total: Tensor? = nil
        var offset = 0
        for (t, p) in zip(tensors, group.parameters) {
            let term = dot(t, graph.constant(v + offset, shape: p.shape))
            total = total.map { $0 + term } ?? term
            offset += p.count
        }
        return total ?? graph.scalar(0)
    }

    /// Writes ∇_group L flat into `out`.
    public func write(into out: UnsafeMutablePointer<Float>) {
        var offset = 0
        for (t, p) in zip(tensors, group.parameters) {
            (out + offset).update(from: t.pointer, count: p.count)
            offset += p.count
        }
    }

    /// Hessian-vector product ∇²_group L · v, written into `out` (both `group.count` floats).
    public func hessianVectorProduct(_ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        // ∇⟨∇L, v⟩ as the gradient tensors' vector–Jacobian product with v: the inner product's
        // bits without its products, sums and their backward (about 5% of an STSAC-AL update).
        graph.vectorJacobianProduct(of: tensors, seeds: v, wrt: group, into: out)
    }

    /// Mixed product ∇_other ⟨∇_group L, v⟩ = (∇_other ∇_group L)ᵀ v, written into `out`
    /// (`other.count` floats): the term of the total derivative that couples leader and follower.
    public func mixedProduct(_ v: UnsafePointer<Float>, wrt other: ParameterGroup, into out: UnsafeMutablePointer<Float>) {
        graph.vectorJacobianProduct(of: tensors, seeds: v, wrt: other, into: out)
    }
}

extension Graph {
    /// ∇²_group `loss` · v for a flat v, returned as an array (convenience; solvers use
    /// `RecordedGradient` to reuse the recorded gradient across products).
    public func hessianVectorProduct(of loss: Tensor, wrt group: ParameterGroup, vector v: [Float]) -> [Float] {
        precondition(v.count == group.count, "hessianVectorProduct: vector has \(v.count) entries, the group \(group.name) has \(group.count)")
        let recorded = RecordedGradient(of: loss, wrt: group)
        var out = [Float](repeating: 0, count: group.count)
        v.withUnsafeBufferPointer { vp in out.withUnsafeMutableBufferPointer { recorded.hessianVectorProduct(vp.baseAddress!, into: $0.baseAddress!) } }
        return out
    }

    /// ∇_a ⟨∇_b loss, v⟩ for a flat v over group b.
    public func mixedProduct(of loss: Tensor, wrt a: ParameterGroup, through b: ParameterGroup, vector v: [Float]) -> [Float] {
        precondition(v.count == b.count, "mixedProduct: vector has \(v.count) entries, the group \(b.name) has \(b.count)")
        let recorded = RecordedGradient(of: loss, wrt: b)
        var out = [Float](repeating: 0, count: a.count)
        v.withUnsafeBufferPointer { vp in out.withUnsafeMutableBufferPointer { recorded.mixedProduct(vp.baseAddress!, wrt: a, into: $0.baseAddress!) } }
        return out
    }

    /// ∂y/∂p for the parameters of `group` as a flat array.
    public func gradient(of y: Tensor, wrt group: ParameterGroup) -> [Float] {
        var out = [Float](repeating: 0, count: group.count)
        out.withUnsafeMutableBufferPointer { gradient(of: y, wrt: group, into: $0.baseAddress!) }
        return out
    }
}
