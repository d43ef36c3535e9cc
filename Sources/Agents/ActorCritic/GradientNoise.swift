import Autodiff
import Neural
import Seeding

/// An optimizer that adds σ·ξ, ξ ~ N(0, I), to the gradient before the wrapped rule steps:
/// θ ← θ − α(g + σξ). The STAC public code's published on-policy grid perturbs both players this
/// way (σ = 0.05; arXiv 2109.12286 does not mention it), so this reproduces it. The noise stream
/// is seeded per player and checkpointed with the wrapped rule's state; the work buffer is
/// allocated once, so a step allocates nothing.
final class GradientNoise: Optimizer {
    let inner: Optimizer
    let sigma: Float
    private var rng: SeededGenerator
    private let noisy: UnsafeMutablePointer<Float>
    private let count: Int
    var name: String { inner.name }

    init(_ inner: Optimizer, sigma: Float, parameterCount: Int, seed: UInt64) {
        self.inner = inner
        self.sigma = sigma
        count = parameterCount
        rng = SeededGenerator(seed: seed)
        noisy = .allocate(capacity: Swift.max(parameterCount, 1))
        noisy.initialize(repeating: 0, count: Swift.max(parameterCount, 1))
    }

    deinit { noisy.deallocate() }

    func update(_ group: ParameterGroup, gradient: UnsafePointer<Float>, gradientScale: Float, learningRate: Float) {
        for i in 0..<count { noisy[i] = gradient[i] * gradientScale + sigma * Float(rng.normal()) }
        inner.update(group, gradient: noisy, gradientScale: 1, learningRate: learningRate)
    }

    func saveState(into state: inout StateDictionary, prefix: String) {
        inner.saveState(into: &state, prefix: prefix)
        state.setGenerator(prefix + "noise_generator", rng)
    }

    func loadState(from state: StateDictionary, prefix: String) throws {
        try inner.loadState(from: state, prefix: prefix)
        rng = try state.generator(prefix + "noise_generator")
    }
}
