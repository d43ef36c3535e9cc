// Indexing along the last axis: Q(s, a) selection, greedy actions, one-hot encodings.

extension Graph {
    /// out[r] = x[r, idx[r]] for x of shape [..., A] and idx of shape [...].
    func gather(_ x: Tensor, _ idx: Tensor) -> Tensor {
        let nx = node(x), ni = node(idx)
        precondition(idx.isIndices, "gather: the index tensor holds floats; make it with graph.indices(…)")
        let width = nx.shape.last, shape = nx.shape.droppingLast()
        precondition(ni.shape.count == shape.count,
                     "gather: indices of shape \(ni.shape) do not match \(nx.shape) without its last axis")
        let out = newFloats(shape), ix = ni.ints
        for r in 0..<shape.count {
            let j = Int(ix[r])
            precondition(j >= 0 && j < width, "gather: index \(j) at row \(r) is outside 0..<\(width)")
            out[r] = nx.floats[r * width + j]
        }
        return record(.gather, x, idx, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    /// The adjoint of gather: zeros of shape [..., width] with out[r, idx[r]] = g[r].
    func scatter(_ g: Tensor, _ idx: Tensor, width: Int) -> Tensor {
        let ng = node(g), ni = node(idx)
        let shape = ng.shape.appending(width)
        let out = newFloats(shape)
        out.update(repeating: 0, count: shape.count)
        for r in 0..<ng.shape.count { out[r * width + Int(ni.ints[r])] = ng.floats[r] }
        return record(.scatter, g, idx, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    /// Index of the largest entry along the last axis (the first one on ties).
    func argmaxLast(_ x: Tensor) -> Tensor {
        let nx = node(x)
        let width = nx.shape.last, shape = nx.shape.droppingLast()
        let out = newIndices(shape)
        for r in 0..<shape.count {
            let row = nx.floats + r * width
            var best = 0
            for j in 1..<max(width, 1) where row[j] > row[best] { best = j }
            out[r] = Int32(best)
        }
        return record(.argmaxLast, x, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    func oneHot(_ idx: Tensor, width: Int) -> Tensor {
        let ni = node(idx)
        precondition(idx.isIndices, "oneHot: the index tensor holds floats")
        let shape = ni.shape.appending(width)
        let out = newFloats(shape)
        out.update(repeating: 0, count: shape.count)
        for r in 0..<ni.shape.count {
            let j = Int(ni.ints[r])
            precondition(j >= 0 && j < width, "oneHot: index \(j) at position \(r) is outside 0..<\(width)")
            out[r * width + j] = 1
        }
        return record(.oneHot, idx, shape: shape, data: UnsafeMutableRawPointer(out))
    }
}

/// x[..., idx[...]]: picks one entry per row of the last axis (Q(s, a) from Q(s, ·)).
public func gather(_ x: Tensor, _ idx: Tensor) -> Tensor { x.graph.gather(x, idx) }
/// Greedy indices along the last axis.
public func argmax(_ x: Tensor) -> Tensor { x.graph.argmaxLast(x) }
/// Largest entry along the last axis; its gradient goes to the argmax.
public func max(_ x: Tensor) -> Tensor { gather(x, argmax(x)) }
public func oneHot(_ idx: Tensor, width: Int) -> Tensor { idx.graph.oneHot(idx, width: width) }
