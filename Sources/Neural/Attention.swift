import Autodiff
import Foundation
import Seeding

/// Multi-head self-attention over a set of tokens, x [N, T, D] → [N, T, D]:
/// softmax(Q·Kᵀ/√d_head)·V per head, heads concatenated and projected (Vaswani et al. 2017).
/// Used by SPRIG's perception module; all ops are differentiable to second order.
public final class MultiHeadSelfAttention: Layer {
    public let query, key, value, output: Dense
    public let heads: Int
    public let dimension: Int

    public init(dimension: Int, heads: Int, name: String = "attention", rng: inout SeededGenerator) {
        precondition(heads > 0 && dimension % heads == 0,
                     "MultiHeadSelfAttention \(name): dimension \(dimension) must be a multiple of heads \(heads)")
        self.dimension = dimension
        self.heads = heads
        query = Dense(dimension, dimension, name: "\(name).query", weightInit: .xavierUniform(), rng: &rng)
        key = Dense(dimension, dimension, name: "\(name).key", weightInit: .xavierUniform(), rng: &rng)
        value = Dense(dimension, dimension, name: "\(name).value", weightInit: .xavierUniform(), rng: &rng)
        output = Dense(dimension, dimension, name: "\(name).output", weightInit: .xavierUniform(), rng: &rng)
    }

    public var parameters: [Parameter] { query.parameters + key.parameters + value.parameters + output.parameters }

    /// The attention weights are not kept; `attend` returns them with the output.
    public func callAsFunction(_ x: Tensor) -> Tensor { attend(x).output }

    /// One pass: the output [N, T, D], the attention weights softmax(S) [N·H, T, T] and the scores
    /// S = Q·Kᵀ/√d_head they come from (row i of head h of sample n at n·H + h: how much token i
    /// attends to each token). Both are differentiable: an attention cost (SPRIG's) reads them.
    public func attend(_ x: Tensor) -> (output: Tensor, weights: Tensor, scores: Tensor) {
        let (n, t, _) = dims(x)
        let q = split(query(x), n, t), k = split(key(x), n, t)
        let scores = matmul(q, k, transposeB: true) * (1 / Float(dimension / heads).squareRoot())
        let weights = softmax(scores)
        let context = matmul(weights, split(value(x), n, t))   // [N·H, T, dh]
        let merged = context.reshaped(Shape(n, heads, t, dimension / heads)).permuted(0, 2, 1, 3)
            .reshaped(Shape(n, t, dimension))
        return (output(merged), weights, scores)
    }

    /// softmax(Q·Kᵀ/√d_head), [N·H, T, T]: row i says how much token i attends to each token.
    public func attentionWeights(_ x: Tensor) -> Tensor { attend(x).weights }

    /// Each row's entropy H = −Σ p log p of attention `weights` from `scores` [.., T], written
    /// log Σ e^S − Σ p·S so that a weight that underflows to 0 contributes 0 (not 0·−∞).
    public static func entropy(weights: Tensor, scores: Tensor) -> Tensor {
        logSumExp(scores) - sum(weights * scores, axis: -1)
    }

    private func dims(_ x: Tensor) -> (Int, Int, Int) {
        let s = x.shape
        precondition(s.rank == 3 && s[2] == dimension,
                     "MultiHeadSelfAttention: input must be [N, T, \(dimension)], got \(s)")
        return (s[0], s[1], s[2])
    }

    /// [N, T, D] → [N·H, T, d_head].
    private func split(_ x: Tensor, _ n: Int, _ t: Int) -> Tensor {
        x.reshaped(Shape(n, t, heads, dimension / heads)).permuted(0, 2, 1, 3)
            .reshaped(Shape(n * heads, t, dimension / heads))
    }
}
