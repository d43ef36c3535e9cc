import Autodiff
import CKernels
import Foundation

/// One player's parameters with its own optimizer, learning-rate schedule and gradient clipping:
/// leader and follower each get one, so they can run on different timescales.
public final class GroupOptimizer {
    public let group: ParameterGroup
    public let optimizer: Optimizer
    public var schedule: Schedule
    /// Rescale the gradient so its global L2 norm is at most this (nil: no clipping).
    public var maxGradientNorm: Float?
    /// Updates applied so far (the schedule's k).
    public private(set) var updates = 0
    /// Norm of the last gradient before clipping.
    public private(set) var lastGradientNorm: Float = 0
    /// A flat gradient buffer in the group's order, for `Graph.gradient(of:wrt:into:)`.
    public let gradient: UnsafeMutablePointer<Float>

    public init(_ group: ParameterGroup, optimizer: Optimizer, schedule: Schedule, maxGradientNorm: Float? = nil) {
        precondition(maxGradientNorm.map { $0 > 0 } ?? true, "GroupOptimizer \(group.name): maxGradientNorm must be positive")
        self.group = group
        self.optimizer = optimizer
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
        gradient = .allocate(capacity: Swift.max(group.count, 1))
        gradient.initialize(repeating: 0, count: Swift.max(group.count, 1))
    }

    deinit { gradient.deallocate() }

    public var name: String { group.name }
    public var learningRate: Float { schedule.learningRate(at: updates) }

    /// Computes ∇ loss for this group into `gradient`, then steps.
    public func step(minimizing loss: Tensor) {
        loss.graph.gradient(of: loss, wrt: group, into: gradient)
        step()
    }

    /// Steps with the gradient already in `gradient` (e.g. a total derivative written there).
    public func step() {
        let n = group.count
        lastGradientNorm = Float(stk_sum_of_squares(gradient, n).squareRoot())
        var scale: Float = 1
        // PyTorch's clip_grad_norm_: factor max/(norm + 1e-6), applied only when below one.
        if let cap = maxGradientNorm { scale = Swift.min(1, cap / (lastGradientNorm + 1e-6)) }
        optimizer.update(group, gradient: gradient, gradientScale: scale, learningRate: learningRate)
        updates += 1
    }

    public func saveState(into state: inout StateDictionary) {
        let prefix = "optimizer.\(group.name)."
        state[prefix + "updates"] = .integer(Int64(updates))
        optimizer.saveState(into: &state, prefix: prefix)
    }

    public func loadState(from state: StateDictionary) throws {
        let prefix = "optimizer.\(group.name)."
        updates = Int(try state.integer(prefix + "updates"))
        try optimizer.loadState(from: state, prefix: prefix)
    }
}

/// Builds an optimizer by name (configs name them): "sgd", "adam", "adamw", "radam".
public func makeOptimizer(_ name: String, parameterCount: Int, momentum: Float = 0, beta1: Float = 0.9,
                          beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) throws -> Optimizer {
    switch name.lowercased() {
    case "sgd": return SGD(parameterCount: parameterCount, momentum: momentum, weightDecay: weightDecay)
    case "adam": return Adam(parameterCount: parameterCount, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
    case "adamw": return Adam(parameterCount: parameterCount, beta1: beta1, beta2: beta2, epsilon: epsilon,
                              weightDecay: weightDecay, decoupledWeightDecay: true)
    case "radam": return Adam.radam(parameterCount: parameterCount, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
    default: throw OptimizerError.unknown(name)
    }
}

public enum OptimizerError: Error, CustomStringConvertible {
    case unknown(String)
    public var description: String {
        switch self {
        case .unknown(let n): return "unknown optimizer '\(n)': choose one of sgd, adam, adamw, radam"
        }
    }
}
