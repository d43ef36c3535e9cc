import CKernels
import Foundation

// Reshaping, broadcasting, reductions and axis permutations.

extension Graph {
    func reshape(_ x: Tensor, _ shape: Shape) -> Tensor {
        let nx = node(x)
        precondition(nx.shape.count == shape.count,
                     "reshape: cannot view \(nx.shape) (\(nx.shape.count) elements) as \(shape) (\(shape.count))")
        if nx.shape == shape { return x }
        // A view: the values are shared, never copied.
        return record(.reshape, x, shape: shape, data: nx.data)
    }

    /// Sums `x` over the axes where `shape` has 1 (or is shorter): the adjoint of broadcasting.
    func sumTo(_ x: Tensor, _ shape: Shape) -> Tensor {
        let nx = node(x)
        if nx.shape == shape { return x }
        precondition(Shape.broadcast(nx.shape, shape) == nx.shape,
                     "sumTo: \(shape) is not a shape that broadcasts to \(nx.shape)")
        let out = newFloats(shape)
        out.update(repeating: 0, count: shape.count)
        let px = nx.floats
        if shape.count == 1 {
            out[0] = stk_sum(px, nx.shape.count)
        } else {
            let d = nx.shape.padded4(), t = broadcastStrides(shape)
            var src = UnsafePointer(px)
            for i0 in 0..<d.0 {
                for i1 in 0..<d.1 {
                    for i2 in 0..<d.2 {
                        let o = out + i0 * t.0 + i1 * t.1 + i2 * t.2
                        if t.3 == 1 {
                            for j in 0..<d.3 { o[j] += src[j] }
                        } else {
                            o[0] += stk_sum(src, d.3)
                        }
                        src += d.3
                    }
                }
            }
        }
        return record(.sumTo, x, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    func broadcastTo(_ x: Tensor, _ shape: Shape) -> Tensor {
        let nx = node(x)
        if nx.shape == shape { return x }
        precondition(Shape.broadcast(nx.shape, shape) == shape,
                     "broadcastTo: \(nx.shape) does not broadcast to \(shape)")
        let out = newFloats(shape)
        broadcastBinary(FirstF.self, UnsafePointer(nx.floats), nx.shape, UnsafePointer(nx.floats), nx.shape, out, shape)
        return record(.broadcastTo, x, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    func permute(_ x: Tensor, _ perm: Permutation) -> Tensor {
        let nx = node(x)
        precondition(perm.rank == nx.shape.rank, "permute: permutation of rank \(perm.rank) for shape \(nx.shape)")
        var shape = nx.shape
        for i in 0..<perm.rank { shape[i] = nx.shape[perm[i]] }
        let out = newFloats(shape)
        // Pad to rank 4 with trailing unit axes, which the permutation leaves in place.
        let d = (dimOrOne(nx.shape, 0), dimOrOne(nx.shape, 1), dimOrOne(nx.shape, 2), dimOrOne(nx.shape, 3))
        let contiguous = (d.1 * d.2 * d.3, d.2 * d.3, d.3, 1)
        func strideOf(_ axis: Int) -> Int {
            switch axis { case 0: return contiguous.0; case 1: return contiguous.1; case 2: return contiguous.2; default: return contiguous.3 }
        }
        let inStride = (strideOf(perm.rank > 0 ? perm[0] : 0), strideOf(perm.rank > 1 ? perm[1] : 1),
                        strideOf(perm.rank > 2 ? perm[2] : 2), strideOf(perm.rank > 3 ? perm[3] : 3))
        let o = (dimOrOne(shape, 0), dimOrOne(shape, 1), dimOrOne(shape, 2), dimOrOne(shape, 3))
        let src = nx.floats
        var dst = out
        // The last axis kept in place (attention's head split and merge, the frame split) copies
        // runs of o.3 floats; a unit stride the compiler can see makes each run a vector copy.
        let unitLast = inStride.3 == 1
        for i0 in 0..<o.0 {
            for i1 in 0..<o.1 {
                for i2 in 0..<o.2 {
                    let base = src + i0 * inStride.0 + i1 * inStride.1 + i2 * inStride.2
                    if unitLast {
                        for i3 in 0..<o.3 { dst[i3] = base[i3] }
                    } else {
                        for i3 in 0..<o.3 { dst[i3] = base[i3 * inStride.3] }
                    }
                    dst += o.3
                }
            }
        }
        return record(.permute(perm), x, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    func concatLast(_ a: Tensor, _ b: Tensor) -> Tensor {
        let na = node(a), nb = node(b)
        precondition(na.shape.rank >= 1 && na.shape.droppingLast() == nb.shape.droppingLast(),
                     "concat: shapes \(na.shape) and \(nb.shape) differ before the last axis")
        let p = na.shape.last, q = nb.shape.last, rows = na.shape.count / max(p, 1)
        let shape = na.shape.replacingLast(with: p + q)
        let out = newFloats(shape)
        for r in 0..<rows {
            (out + r * (p + q)).update(from: na.floats + r * p, count: p)
            (out + r * (p + q) + p).update(from: nb.floats + r * q, count: q)
        }
        return record(.concatLast, a, b, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    func sliceLast(_ x: Tensor, start: Int, length: Int) -> Tensor {
        let nx = node(x)
        let width = nx.shape.last
        precondition(start >= 0 && length >= 0 && start + length <= width,
                     "slice: [\(start), \(start + length)) is outside the last axis of \(nx.shape)")
        let rows = nx.shape.count / max(width, 1)
        let shape = nx.shape.replacingLast(with: length)
        let out = newFloats(shape)
        for r in 0..<rows { (out + r * length).update(from: nx.floats + r * width + start, count: length) }
        return record(.sliceLast(start: start), x, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    /// Places `x` at `start` along a zero last axis of size `total` (the adjoint of slicing).
    func padLast(_ x: Tensor, start: Int, total: Int) -> Tensor {
        let nx = node(x)
        let width = nx.shape.last, rows = nx.shape.count / max(width, 1)
        precondition(start >= 0 && start + width <= total, "pad: \(nx.shape) at \(start) does not fit in \(total)")
        let shape = nx.shape.replacingLast(with: total)
        let out = newFloats(shape)
        out.update(repeating: 0, count: shape.count)
        for r in 0..<rows { (out + r * total + start).update(from: nx.floats + r * width, count: width) }
        return record(.padLast(start: start), x, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    /// log Σ exp along the last axis, computed stably (max subtracted).
    func logSumExpLast(_ x: Tensor) -> Tensor {
        let nx = node(x)
        let width = nx.shape.last, rows = nx.shape.count / max(width, 1)
        let shape = nx.shape.droppingLast()
        let out = newFloats(shape)
        for r in 0..<rows {
            let row = nx.floats + r * width
            var m = -Float.infinity
            for j in 0..<width where row[j] > m { m = row[j] }
            var s: Float = 0
            for j in 0..<width { s += Foundation.exp(row[j] - m) }
            out[r] = m + Foundation.log(s)
        }
        return record(.logSumExpLast, x, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    /// A row op of the C kernels: `kernel(a, b, out, rows, width)` over the last axis of `a` (and of
    /// `b`, of the same shape, for a two-input op; `b` is then the second input recorded), recorded
    /// as `op` with `a`'s shape. An empty last axis leaves the (empty) output unwritten.
    private func rowOp(_ op: Op, _ a: Tensor, _ b: Tensor? = nil,
                       _ kernel: (UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>, Int, Int) -> Void) -> Tensor {
        let na = node(a), nb = b.map(node)
        if let nb { precondition(na.shape == nb.shape, "\(op): shapes \(na.shape) and \(nb.shape) differ") }
        let width = na.shape.last, rows = na.shape.count / max(width, 1)
        let out = newFloats(na.shape)
        if width > 0 { kernel(na.floats, nb.map { UnsafePointer($0.floats) }, out, rows, width) }
        return record(op, a, b, shape: na.shape, data: UnsafeMutableRawPointer(out))
    }

    /// softmax(c·x) along the last axis in one kernel (vectorized exponentials): the same bits as
    /// softmax of `x * c`, without writing c·x out (attention's scores, [N·h, T, T]).
    func softmaxLast(_ x: Tensor, scale c: Float) -> Tensor {
        rowOp(.softmaxLast(scale: c), x) { x, _, out, rows, width in
            if c == 1 { stk_softmax_rows(x, out, rows, width) } else { stk_softmax_rows_scaled(x, c, out, rows, width) }
        }
    }

    /// softmax's backward, c·(y ⊙ (g − Σ g ⊙ y)) along the last axis, in one pass over the rows.
    /// The same bits as the composed `y * (g - sum(g * y, axis: -1, keepDims: true)) * c` (each
    /// product rounded, then summed in stk_sum's order), with five fewer passes over [rows, width]
    /// tensors and four fewer of them kept: attention's [N·h, T, T] weights made these SPRIG's
    /// largest elementwise cost.
    func softmaxLastBackward(_ y: Tensor, _ g: Tensor, scale c: Float) -> Tensor {
        rowOp(.softmaxLastBackward(scale: c), y, g) { y, g, out, rows, width in stk_softmax_backward_rows(y, g!, c, out, rows, width) }
    }

    /// Layer normalization along the last axis, (x − μ)·(σ² + ε)^(−1/2) with the row's mean μ and
    /// biased variance σ². One pass instead of seven ops, with the same bits as the composed
    /// `c = x − mean(x)`, `c * pow(mean(square(c)) + ε, −0.5)` (stk_layer_norm_rows).
    func layerNormLast(_ x: Tensor, epsilon: Float) -> Tensor {
        rowOp(.layerNormLast(epsilon: epsilon), x) { x, _, out, rows, width in
            stk_layer_norm_rows(x, rows, width, 1 / Float(width), epsilon, out)
        }
    }

    /// The part of layer normalization's vector–Jacobian product that reaches the centred rows
    /// x − μ, for upstream `g`: p·(g − y·⟨g, y⟩/width) per row (y the normalized row), rounded as
    /// the composed ops' backward rounds it. One pass instead of eight over the [rows, width]
    /// tensors; attention's layer norms on SPRIG's [N·F·P, d] tokens made these passes about 15% of
    /// the perception module's time.
    func layerNormLastBackward(_ x: Tensor, _ g: Tensor, epsilon: Float) -> Tensor {
        rowOp(.layerNormLastBackward(epsilon: epsilon), x, g) { x, g, out, rows, width in
            stk_layer_norm_backward_rows(x, g!, rows, width, 1 / Float(width), epsilon, out)
        }
    }

    /// x / (mean |x| + ε) along the last axis. One kernel instead of five ops; the same bits as
    /// `x / (mean(abs(x), axis: -1, keepDims: true) + ε)`.
    func meanAbsNormalizeLast(_ x: Tensor, epsilon: Float) -> Tensor {
        rowOp(.meanAbsNormalizeLast(epsilon: epsilon), x) { x, _, out, rows, width in
            stk_mean_abs_normalize_rows(x, rows, width, 1 / Float(width), epsilon, out)
        }
    }
}

@inline(__always) func dimOrOne(_ s: Shape, _ i: Int) -> Int { i < s.rank ? s[i] : 1 }

// MARK: Public API

extension Tensor {
    public func reshaped(_ shape: Shape) -> Tensor { graph.reshape(self, shape) }
    /// Flattens all but the first axis: [N, …] → [N, rest].
    public func flattened() -> Tensor {
        let s = shape
        return graph.reshape(self, Shape(s[0], s.count / max(s[0], 1)))
    }
    public func broadcasted(to shape: Shape) -> Tensor { graph.broadcastTo(self, shape) }
    /// Sums down to `shape` (which must broadcast to this tensor's shape).
    public func summed(to shape: Shape) -> Tensor { graph.sumTo(self, shape) }
    public func permuted(_ axes: Int...) -> Tensor { graph.permute(self, Permutation(axes)) }
}

/// Sum of all elements (a scalar).
public func sum(_ x: Tensor) -> Tensor { x.graph.sumTo(x, Shape()) }
/// Mean of all elements (a scalar).
public func mean(_ x: Tensor) -> Tensor { sum(x) * (1 / Float(x.count)) }

/// Sum along one axis; `keepDims` keeps it with size 1.
public func sum(_ x: Tensor, axis: Int, keepDims: Bool = false) -> Tensor {
    let s = x.shape
    let ax = axis < 0 ? s.rank + axis : axis
    precondition(ax >= 0 && ax < s.rank, "sum: axis \(axis) out of range for shape \(s)")
    var kept = s
    kept[ax] = 1
    let r = x.graph.sumTo(x, kept)
    if keepDims { return r }
    var dropped = Shape()
    for i in 0..<s.rank where i != ax { dropped = dropped.appending(s[i]) }
    return r.reshaped(dropped)
}

public func mean(_ x: Tensor, axis: Int, keepDims: Bool = false) -> Tensor {
    let s = x.shape
    let n = s[axis < 0 ? s.rank + axis : axis]
    return sum(x, axis: axis, keepDims: keepDims) * (1 / Float(n))
}

/// Inner product of two same-shaped tensors (a scalar).
public func dot(_ a: Tensor, _ b: Tensor) -> Tensor { sum(a * b) }

public func concat(_ a: Tensor, _ b: Tensor) -> Tensor { a.graph.concatLast(a, b) }
public func slice(_ x: Tensor, lastAxis start: Int, length: Int) -> Tensor {
    x.graph.sliceLast(x, start: start, length: length)
}

/// log Σ exp over the last axis.
public func logSumExp(_ x: Tensor) -> Tensor { x.graph.logSumExpLast(x) }
/// x / (mean |x| + ε) along the last axis (per sample): SCORER's feature scaling, which keeps the
/// features' scale fixed while the encoder moves fast.
public func meanAbsoluteNormalized(_ x: Tensor, epsilon: Float = 1e-8) -> Tensor {
    precondition(x.shape.rank >= 1, "meanAbsoluteNormalized needs at least one axis, got a scalar")
    return x.graph.meanAbsNormalizeLast(x, epsilon: epsilon)
}
/// Layer normalization along the last axis without scale or shift: (x − μ)·(σ² + ε)^(−1/2), with μ
/// and σ² the mean and biased variance of each row (arXiv 1607.06450, Sec. 3.1). One op forward and
/// one backward, differentiable again; the same bits as the composed ops
/// `c = x − mean(x, axis: -1, keepDims: true)`, `c * pow(mean(square(c), axis: -1, keepDims: true) + ε, -0.5)`,
/// forward and backward. Shape: any rank ≥ 1; rows are the last axis.
public func layerNormalized(_ x: Tensor, epsilon: Float) -> Tensor {
    precondition(x.shape.rank >= 1, "layerNormalized needs at least one axis, got a scalar")
    return x.graph.layerNormLast(x, epsilon: epsilon)
}
/// log-softmax over the last axis.
public func logSoftmax(_ x: Tensor) -> Tensor {
    x - logSumExp(x).reshaped(x.shape.replacingLast(with: 1))
}
/// softmax over the last axis, in one op (y = softmax(x), dx = y ⊙ (g − Σ g ⊙ y), differentiable
/// again); the same values as exp(logSoftmax(x)) to float rounding.
public func softmax(_ x: Tensor) -> Tensor { softmax(x, scale: 1) }

/// softmax(scale·x) over the last axis, in one op: the same values (bit for bit) and derivatives
/// as `softmax(x * scale)`, without the scaled copy of x, forward or backward. Attention uses it
/// for softmax(Q·Kᵀ/√d_head).
public func softmax(_ x: Tensor, scale: Float) -> Tensor {
    precondition(x.shape.rank >= 1, "softmax needs at least one axis, got a scalar")
    return x.graph.softmaxLast(x, scale: scale)
}
