import Autodiff
import Neural
import Seeding

/// The shape of a Q-network split the SCORER way: an encoder f_φ (the follower, "perception") and a
/// Q head Q_θ on its features (the leader, "control"). The monolithic agents train the same network
/// as one.
public struct QNetworkSpec: Sendable, Equatable {
    public enum Encoder: String, Sendable, CaseIterable {
        /// Dense layers over the flattened observation.
        case mlp
        /// Conv 16 filters 3×3 (no padding) over an [H, W, C] observation, then the dense layers.
        case conv
    }
    /// What the encoder's hidden layers do besides ReLU.
    public enum Normalization: String, Sendable, CaseIterable {
        case none
        /// SCORER's public MinAtar code: the encoder's input and output are divided by their mean
        /// absolute value (per sample).
        case meanAbsolute = "mean_abs"
        /// LayerNorm before each encoder ReLU (PQN's encoder).
        case layerNorm = "layer_norm"
    }

    public var encoder: Encoder = .mlp
    public var encoderWidths: [Int] = [128, 128]
    public var normalization: Normalization = .meanAbsolute
    /// Hidden widths of the Q head before its output layer.
    public var headWidths: [Int] = [128]
    /// Value and advantage streams, each one hidden layer of `duelingWidth`.
    public var dueling = false
    public var duelingWidth = 64

    /// Throws `AgentError.badConfig` naming the setting: the encoder needs a layer (its output is what a
    /// SCORER follower learns, and the head's input), before any run starts rather than when one builds
    /// its network.
    public func validate() throws {
        guard !encoderWidths.isEmpty else {
            throw AgentError.badConfig("network.encoder_widths must list at least one layer (the encoder's output is the Q head's input), got []; e.g. [64]")
        }
    }

    public init(encoder: Encoder = .mlp, encoderWidths: [Int] = [128, 128], normalization: Normalization = .meanAbsolute,
                headWidths: [Int] = [128], dueling: Bool = false, duelingWidth: Int = 64) {
        self.encoder = encoder
        self.encoderWidths = encoderWidths
        self.normalization = normalization
        self.headWidths = headWidths
        self.dueling = dueling
        self.duelingWidth = duelingWidth
    }
}

/// A Q-network: orthogonal initialization with gain √2, output layers with gain 0.01, zero biases.
public final class QNetwork {
    public let spec: QNetworkSpec
    public let observationShape: [Int]
    public let actions: Int
    private let conv: Conv2d?
    private let encoderLayers: [Dense]
    private let norms: [LayerNorm]
    private let headLayers: [Dense]
    private let value: [Dense], advantage: [Dense]

    public init(spec: QNetworkSpec, observationShape: [Int], actions: Int, name: String = "q", rng: inout SeededGenerator) throws {
        guard actions >= 1 else { throw AgentError.badConfig("the Q-network needs a discrete action space with at least one action") }
        guard !spec.encoderWidths.isEmpty, spec.encoderWidths.allSatisfy({ $0 > 0 }), spec.headWidths.allSatisfy({ $0 > 0 }), spec.duelingWidth > 0 else {
            throw AgentError.badConfig("network widths must be positive and the encoder needs at least one layer, got encoder \(spec.encoderWidths), head \(spec.headWidths), dueling \(spec.duelingWidth)")
        }
        self.spec = spec
        self.observationShape = observationShape
        self.actions = actions
        let hidden = Initializer.orthogonal(gain: Float(2).squareRoot()), output = Initializer.orthogonal(gain: 0.01)
        var inputs = observationShape.reduce(1, *)
        if spec.encoder == .conv {
            guard observationShape.count == 3, observationShape[0] >= 3, observationShape[1] >= 3 else {
                throw AgentError.badConfig("network.encoder = conv needs [height, width, channels] observations of at least 3×3, got \(observationShape); use mlp")
            }
            let c = Conv2d(observationShape[2], 16, kernel: 3, name: "\(name).encoder.conv", weightInit: hidden, rng: &rng)
            conv = c
            let out = c.outputSize(height: observationShape[0], width: observationShape[1])
            inputs = out.height * out.width * 16
        } else {
            conv = nil
        }
        var layers = [Dense](), norms = [LayerNorm]()
        for (i, w) in spec.encoderWidths.enumerated() {
            layers.append(Dense(inputs, w, name: "\(name).encoder.\(i)", weightInit: hidden, rng: &rng))
            if spec.normalization == .layerNorm { norms.append(LayerNorm(w, name: "\(name).encoder.norm\(i)")) }
            inputs = w
        }
        encoderLayers = layers
        self.norms = norms
        let features = inputs
        if spec.dueling {
            headLayers = []
            value = [Dense(features, spec.duelingWidth, name: "\(name).head.value.0", weightInit: hidden, rng: &rng),
                     Dense(spec.duelingWidth, 1, name: "\(name).head.value.1", weightInit: output, rng: &rng)]
            advantage = [Dense(features, spec.duelingWidth, name: "\(name).head.advantage.0", weightInit: hidden, rng: &rng),
                         Dense(spec.duelingWidth, actions, name: "\(name).head.advantage.1", weightInit: output, rng: &rng)]
        } else {
            var head = [Dense](), width = features
            for (i, w) in spec.headWidths.enumerated() {
                head.append(Dense(width, w, name: "\(name).head.\(i)", weightInit: hidden, rng: &rng))
                width = w
            }
            head.append(Dense(width, actions, name: "\(name).head.\(spec.headWidths.count)", weightInit: output, rng: &rng))
            headLayers = head
            value = []; advantage = []
        }
    }

    /// φ: the encoder's parameters (SCORER's follower). Gathered once: target updates walk them.
    public private(set) lazy var encoderParameters: [Parameter] =
        (conv?.parameters ?? []) + encoderLayers.flatMap(\.parameters) + norms.flatMap(\.parameters)
    /// θ: the Q head's parameters (SCORER's leader).
    public private(set) lazy var headParameters: [Parameter] =
        headLayers.flatMap(\.parameters) + value.flatMap(\.parameters) + advantage.flatMap(\.parameters)
    public private(set) lazy var parameters: [Parameter] = encoderParameters + headParameters

    /// The players as couplings see them: the encoder (SCORER's follower) and the head (its
    /// leader); a monolithic coupling trains them together as "q".
    public var parts: ModelParts {
        ModelParts(jointName: "q", [(.encoder, encoderParameters), (.head, headParameters)], providesTDErrors: true)
    }

    /// f_φ(s) for a batch laid out [B, observation...].
    public func features(_ x: Tensor) -> Tensor {
        var h = x
        if let conv {
            h = relu(conv(h)).flattened()
        } else if h.shape.rank != 2 {
            h = h.flattened()
        }
        if spec.normalization == .meanAbsolute { h = meanAbsoluteNormalized(h) }
        for (i, layer) in encoderLayers.enumerated() {
            h = layer(h)
            if spec.normalization == .layerNorm { h = norms[i](h) }
            h = relu(h)
        }
        if spec.normalization == .meanAbsolute { h = meanAbsoluteNormalized(h) }
        return h
    }

    /// Q_θ(features, ·): [B, actions].
    public func q(features: Tensor) -> Tensor {
        if spec.dueling {
            let v = value[1](relu(value[0](features)))
            let a = advantage[1](relu(advantage[0](features)))
            return v + (a - mean(a, axis: -1, keepDims: true))
        }
        var h = features
        for (i, layer) in headLayers.enumerated() {
            h = layer(h)
            if i < headLayers.count - 1 { h = relu(h) }
        }
        return h
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { q(features: features(x)) }

    /// Makes every parameter equal to `other`'s (a hard target update).
    public func copy(from other: QNetwork) {
        for (p, q) in zip(parameters, other.parameters) { p.value.update(from: q.value, count: p.count) }
    }

    /// p ← τ·other + (1 − τ)·p (a Polyak target update).
    public func blend(towards other: QNetwork, tau: Float) {
        for (p, q) in zip(parameters, other.parameters) {
            for i in 0..<p.count { p.value[i] = tau * q.value[i] + (1 - tau) * p.value[i] }
        }
    }
}
