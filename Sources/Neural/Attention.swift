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

    /// One pass: the output [N, T, D] and its attention weights (row i of head h of sample n at
    /// n·H + h: how much token i attends to each token). Both are differentiable: an attention cost
    /// (SPRIG's) reads the weights and the scores they come from.
    public func attend(_ x: Tensor) -> (output: Tensor, attention: AttentionWeights) {
        checkInput(x)
        // Each head is a column block of Q, K and V ([N, T, D]); the per-head products read the
        // blocks in place, and the context comes out with its heads concatenated.
        // softmax(S) with S = Q·Kᵀ/√d_head, the scale inside the softmax's kernel: S itself
        // ([N·H, T, T], the module's largest tensor) is written only when a cost asks for it.
        let logits = headScores(query(x), key(x), heads: heads)
        let scale = 1 / Float(dimension / heads).squareRoot()
        let weights = softmax(logits, scale: scale)
        let context = headContext(weights, value(x), heads: heads)   // [N, T, D]
        return (output(context), AttentionWeights(weights: weights, logits: logits, scale: scale))
    }

    /// softmax(Q·Kᵀ/√d_head), [N·H, T, T]: row i says how much token i attends to each token.
    public func attentionWeights(_ x: Tensor) -> Tensor { attend(x).attention.weights }

    /// Each row's entropy H = −Σ p log p of attention `weights` from `scores` [.., T], written
    /// log Σ e^S − Σ p·S so that a weight that underflows to 0 contributes 0 (not 0·−∞).
    public static func entropy(weights: Tensor, scores: Tensor) -> Tensor {
        logSumExp(scores) - sum(weights * scores, axis: -1)
    }

    /// Each row's entropy of one pass's attention, [N·H, T].
    public static func entropy(_ a: AttentionWeights) -> Tensor { entropy(weights: a.weights, scores: a.scores) }

    private func checkInput(_ x: Tensor) {
        precondition(x.shape.rank == 3 && x.shape[2] == dimension,
                     "MultiHeadSelfAttention: input must be [N, T, \(dimension)], got \(x.shape)")
    }
}

/// One attention pass's weights softmax(S), [N·H, T, T], and what forms its scores S = c·Q·Kᵀ
/// (c = 1/√d_head). `scores` records c·logits when asked, the same bits the weights were taken
/// from, so a pass whose cost never reads them never writes them.
public struct AttentionWeights {
    public let weights: Tensor
    /// Q·Kᵀ per head, [N·H, T, T].
    public let logits: Tensor
    public let scale: Float
    /// Tokens per row (T).
    public var tokens: Int { weights.shape[weights.shape.rank - 1] }
    /// S = scale·logits, a new tensor of the graph at each call.
    public var scores: Tensor { logits * scale }
}
