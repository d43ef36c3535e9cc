import Autodiff

/// mean((prediction − target)²).
public func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    mean(square(prediction - target))
}

/// Huber loss (smooth L1) with threshold δ, averaged: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond.
/// Written as ½·min(|e|, δ)² + δ·(|e| − min(|e|, δ)), which is exact on both pieces.
public func huberLoss(_ prediction: Tensor, _ target: Tensor, delta: Float = 1) -> Tensor {
    let e = abs(prediction - target)
    let inner = minimum(e, delta)
    return mean(0.5 * square(inner) + delta * (e - inner))
}

/// Mean cross-entropy of integer labels under logits [N, C].
public func crossEntropy(logits: Tensor, labels: Tensor) -> Tensor {
    -mean(gather(logSoftmax(logits), labels))
}
