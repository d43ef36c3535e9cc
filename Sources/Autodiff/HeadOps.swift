// Multi-head attention's per-head products on [N, T, D] tensors, each head a column block of D
// (Vaswani et al. 2017's concatenated heads). The products read and write the blocks in place
// (GEMMs with row strides), so the heads are never split into [N·H, T, D/H] copies nor merged
// back: those permutes moved as many floats as the softmax over the scores. Both ops are closed
// under differentiation (each one's backward is made of the two), so they differentiate to any
// order.

extension Graph {
    /// S[n·H + h] = Q_nh · K_nhᵀ, [N·H, T, T], where X_nh = X[n, :, h·D/H ..< (h+1)·D/H].
    func headScores(_ q: Tensor, _ k: Tensor, heads: Int) -> Tensor {
        let nq = node(q), nk = node(k)
        let s = nq.shape
        precondition(s.rank == 3 && s == nk.shape && heads > 0 && s[2] % heads == 0,
                     "headScores: queries \(s) and keys \(nk.shape) must be one [N, T, D] shape with D a multiple of \(heads) heads")
        let n = s[0], t = s[1], d = s[2], dh = d / heads
        let shape = Shape(n * heads, t, t)
        let out = newFloats(shape)
        for i in 0..<n {
            for h in 0..<heads {
                let offset = i * t * d + h * dh
                BLAS.gemm(transA: false, transB: true, m: t, n: t, k: dh, a: nq.floats + offset, lda: d,
                          b: nk.floats + offset, ldb: d, beta: 0, c: out + (i * heads + h) * t * t, ldc: t)
            }
        }
        return record(.headScores(heads: heads), q, k, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    /// C[n, :, block h] = op(W[n·H + h]) · V_nh, [N, T, D]; op is the transpose when
    /// `transposeWeights`. W is [N·H, T, T], V [N, T, D].
    func headContext(_ w: Tensor, _ v: Tensor, heads: Int, transposeWeights: Bool) -> Tensor {
        let nw = node(w), nv = node(v)
        let s = nv.shape
        precondition(s.rank == 3 && heads > 0 && s[2] % heads == 0 && nw.shape == Shape(s[0] * heads, s[1], s[1]),
                     "headContext: weights \(nw.shape) and values \(s) must be [N·H, T, T] and [N, T, D] with \(heads) heads")
        let n = s[0], t = s[1], d = s[2], dh = d / heads
        let out = newFloats(s)
        for i in 0..<n {
            for h in 0..<heads {
                let offset = i * t * d + h * dh
                BLAS.gemm(transA: transposeWeights, transB: false, m: t, n: dh, k: t, a: nw.floats + (i * heads + h) * t * t,
                          lda: t, b: nv.floats + offset, ldb: d, beta: 0, c: out + offset, ldc: d)
            }
        }
        return record(.headContext(heads: heads, transposeWeights: transposeWeights), w, v, shape: s,
                      data: UnsafeMutableRawPointer(out))
    }
}

/// Q_nh·K_nhᵀ for every sample n and head h of [N, T, D] queries and keys: [N·H, T, T], row block
/// n·H + h. The same bits as splitting the heads (`[N, T, H, D/H]` permuted to `[N·H, T, D/H]`) and
/// multiplying.
public func headScores(_ queries: Tensor, _ keys: Tensor, heads: Int) -> Tensor {
    queries.graph.headScores(queries, keys, heads: heads)
}

/// W[n·H + h]·V_nh (or its transpose's) for every n and h, written into head h's columns of an
/// [N, T, D] result: attention's context with the heads already concatenated.
public func headContext(_ weights: Tensor, _ values: Tensor, heads: Int, transposeWeights: Bool = false) -> Tensor {
    values.graph.headContext(weights, values, heads: heads, transposeWeights: transposeWeights)
}
