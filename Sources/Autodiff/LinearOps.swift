// Matrix products through OpenBLAS sgemm.

extension Graph {
    /// op(A)·op(B) for rank-2 operands, or a batch of them for rank-3 operands with equal batch size.
    func matmul(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool) -> Tensor {
        let na = node(a), nb = node(b)
        let sa = na.shape, sb = nb.shape
        precondition((sa.rank == 2 && sb.rank == 2) || (sa.rank == 3 && sb.rank == 3 && sa[0] == sb[0]),
                     "matmul: operands must both be rank 2, or rank 3 with one batch size; got \(sa) and \(sb)")
        let batched = sa.rank == 3
        let o = batched ? 1 : 0
        let m = transA ? sa[o + 1] : sa[o], k = transA ? sa[o] : sa[o + 1]
        let kb = transB ? sb[o + 1] : sb[o], n = transB ? sb[o] : sb[o + 1]
        precondition(k == kb, "matmul: inner dimensions differ: \(sa)\(transA ? "ᵀ" : "") × \(sb)\(transB ? "ᵀ" : "")")
        let batch = batched ? sa[0] : 1
        let shape = batched ? Shape(batch, m, n) : Shape(m, n)
        let out = newFloats(shape)
        for i in 0..<batch {
            BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k,
                      a: na.floats + i * m * k, b: nb.floats + i * k * n, beta: 0, c: out + i * m * n)
        }
        return record(.matmul(transA: transA, transB: transB), a, b, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    /// x·W + b over the last axis of x (any leading shape), as one sgemm onto rows pre-filled with b.
    func affine(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
        let nx = node(x), nw = node(w), nb = node(b)
        precondition(nw.shape.rank == 2 && nx.shape.last == nw.shape[0],
                     "affine: input \(nx.shape) does not match weight \(nw.shape) (expected [\(nx.shape.last), out])")
        let fanOut = nw.shape[1]
        precondition(nb.shape.count == fanOut, "affine: bias \(nb.shape) does not match \(fanOut) outputs")
        let rows = nx.shape.count / max(nx.shape.last, 1)
        let shape = nx.shape.replacingLast(with: fanOut)
        let out = newFloats(shape)
        for r in 0..<rows { (out + r * fanOut).update(from: nb.floats, count: fanOut) }
        BLAS.gemm(transA: false, transB: false, m: rows, n: fanOut, k: nw.shape[0],
                  a: nx.floats, b: nw.floats, beta: 1, c: out)
        return record(.affine, x, w, b, shape: shape, data: UnsafeMutableRawPointer(out))
    }
}

/// op(A)·op(B), rank 2 or batched rank 3.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    a.graph.matmul(a, b, transA: transposeA, transB: transposeB)
}

/// x·W + b over the last axis of x: W is [in, out], b is [out].
public func affine(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor { x.graph.affine(x, w, b) }
