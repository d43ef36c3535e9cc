import Autodiff
import Seeding

/// Something with trainable parameters.
public protocol Layer: AnyObject {
    var parameters: [Parameter] { get }
}

extension Layer {
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// Elementwise nonlinearities by name (configs refer to them as strings).
public enum Activation: String, Sendable, CaseIterable {
    case relu, tanh, elu, sigmoid, identity

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: return Autodiff.relu(x)
        case .tanh: return Autodiff.tanh(x)
        case .elu: return Autodiff.elu(x)
        case .sigmoid: return Autodiff.sigmoid(x)
        case .identity: return x
        }
    }
}

/// y = x·W + b over the last axis; W is [inputs, outputs].
public final class Dense: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public var inputs: Int { weight.shape[0] }
    public var outputs: Int { weight.shape[1] }

    public init(_ inputs: Int, _ outputs: Int, name: String = "dense", weightInit: Initializer = .fanInUniform,
                biasInit: Initializer = .zeros, rng: inout SeededGenerator) {
        precondition(inputs > 0 && outputs > 0, "Dense \(name): sizes must be positive, got \(inputs) → \(outputs)")
        weight = Parameter(name: "\(name).weight", shape: Shape(inputs, outputs))
        bias = Parameter(name: "\(name).bias", shape: Shape(outputs))
        weightInit.fill(weight, fanIn: inputs, fanOut: outputs, using: &rng)
        // A fan-in bias follows PyTorch (bound 1/√inputs); other bias initializers are elementwise.
        biasInit.fill(bias, fanIn: inputs, fanOut: 1, using: &rng)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let g = x.graph
        return affine(x, g.parameter(weight), g.parameter(bias))
    }
}

/// 2-D convolution over NHWC input; the kernel is stored as [KH·KW·inChannels, outChannels].
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let kernel: (height: Int, width: Int)
    public let stride: Int
    public let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                name: String = "conv", weightInit: Initializer = .fanInUniform, biasInit: Initializer = .zeros,
                rng: inout SeededGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "Conv2d \(name): channels, kernel and stride must be positive and padding non-negative")
        self.kernel = (kernel, kernel)
        self.stride = stride
        self.padding = padding
        let fanIn = kernel * kernel * inChannels
        weight = Parameter(name: "\(name).weight", shape: Shape(fanIn, outChannels))
        bias = Parameter(name: "\(name).bias", shape: Shape(outChannels))
        weightInit.fill(weight, fanIn: fanIn, fanOut: outChannels, using: &rng)
        biasInit.fill(bias, fanIn: fanIn, fanOut: 1, using: &rng)
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// Output spatial size for an input of `height` × `width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding - kernel.height) / stride + 1, (width + 2 * padding - kernel.width) / stride + 1)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let g = x.graph
        return conv2d(x, weight: g.parameter(weight), bias: g.parameter(bias), kernel: kernel, stride: stride, padding: padding)
    }
}

/// Layer normalization over the last axis (arXiv 1607.06450): (x − mean)/√(var + ε), then an optional
/// per-feature scale and shift. The normalization is one fused op (`layerNormalized`) whose backward
/// is differentiable again, so its second derivatives are exact too.
public final class LayerNorm: Layer {
    public let scale: Parameter?
    public let shift: Parameter?
    public let epsilon: Float
    public let features: Int

    public init(_ features: Int, epsilon: Float = 1e-5, affine: Bool = true, name: String = "layernorm") {
        self.features = features
        self.epsilon = epsilon
        scale = affine ? Parameter(name: "\(name).scale", shape: Shape(features), initialValue: 1) : nil
        shift = affine ? Parameter(name: "\(name).shift", shape: Shape(features), initialValue: 0) : nil
    }

    public var parameters: [Parameter] { [scale, shift].compactMap { $0 } }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == features, "LayerNorm: input \(x.shape) does not end in \(features) features")
        // One fused op with the composed ops' bits (x − μ, times (σ² + ε)^(−1/2)), forward and backward.
        var y = layerNormalized(x, epsilon: epsilon)
        if let scale, let shift { y = y * x.graph.parameter(scale) + x.graph.parameter(shift) }
        return y
    }
}

/// x / (‖x‖₂ + ε) along the last axis (SCORER-style feature normalization).
public func l2Normalize(_ x: Tensor, epsilon: Float = 1e-8) -> Tensor {
    x / (sqrt(sum(square(x), axis: -1, keepDims: true)) + epsilon)
}

/// x / (‖x‖₁ + ε) along the last axis.
public func l1Normalize(_ x: Tensor, epsilon: Float = 1e-8) -> Tensor {
    x / (sum(abs(x), axis: -1, keepDims: true) + epsilon)
}

/// Dense layers with an activation between them (and optionally after the last).
public final class MLP: Layer {
    public let layers: [Dense]
    public let activation: Activation
    public let outputActivation: Activation

    public init(_ sizes: [Int], activation: Activation = .relu, outputActivation: Activation = .identity,
                name: String = "mlp", weightInit: Initializer = .fanInUniform, lastWeightInit: Initializer? = nil,
                biasInit: Initializer = .zeros, rng: inout SeededGenerator) {
        precondition(sizes.count >= 2, "MLP \(name): give at least an input and an output size, got \(sizes)")
        var layers = [Dense]()
        for i in 0..<(sizes.count - 1) {
            let last = i == sizes.count - 2
            layers.append(Dense(sizes[i], sizes[i + 1], name: "\(name).\(i)",
                                weightInit: last ? (lastWeightInit ?? weightInit) : weightInit,
                                biasInit: biasInit, rng: &rng))
        }
        self.layers = layers
        self.activation = activation
        self.outputActivation = outputActivation
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            h = i == layers.count - 1 ? outputActivation(h) : activation(h)
        }
        return h
    }
}

/// Q(s, ·) = V(s) + A(s, ·) − mean_a A(s, a) (Wang et al. 2016).
public final class DuelingHead: Layer {
    public let value: Dense
    public let advantage: Dense

    public init(_ inputs: Int, actions: Int, name: String = "dueling", weightInit: Initializer = .fanInUniform,
                rng: inout SeededGenerator) {
        value = Dense(inputs, 1, name: "\(name).value", weightInit: weightInit, rng: &rng)
        advantage = Dense(inputs, actions, name: "\(name).advantage", weightInit: weightInit, rng: &rng)
    }

    public var parameters: [Parameter] { value.parameters + advantage.parameters }

    public func callAsFunction(_ features: Tensor) -> Tensor {
        let a = advantage(features)
        return value(features) + (a - mean(a, axis: -1, keepDims: true))
    }
}
