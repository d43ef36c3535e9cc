import Autodiff
import Neural
import Seeding

/// A dense network [B, inputs] → [B, outputs]: hidden layers of `hiddenWidths` with `activation`
/// after each, then a linear output layer. Weights are orthogonal (Saxe et al. 2014) with gain √2
/// on hidden layers and `outputGain` on the output layer, biases zero: the initialization of
/// CleanRL's `layer_init` (PPO), where policy heads use 0.01 and value heads 1.0.
///
/// Named `FeedForwardNetwork` because Neural already has an `MLP` (fan-in init, traps on bad
/// sizes); this one validates its sizes and throws `AgentError.badConfig` instead.
/// Parameter names: "\(name).\(i).weight" / "\(name).\(i).bias" for layer i.
public final class FeedForwardNetwork: TargetUpdatable {
    public let inputs: Int
    public let outputs: Int
    public let activation: Activation
    public let layers: [Dense]
    public let parameters: [Parameter]

    public init(inputs: Int, hiddenWidths: [Int], outputs: Int, activation: Activation = .relu,
                hiddenGain: Float = Float(2).squareRoot(), outputGain: Float = 1, name: String,
                rng: inout SeededGenerator) throws {
        guard inputs > 0 else {
            throw AgentError.badConfig("\(name): the input size must be positive, got \(inputs); pass the flattened observation (or observation + action) size")
        }
        guard outputs > 0 else {
            throw AgentError.badConfig("\(name): the output size must be positive, got \(outputs)")
        }
        guard hiddenWidths.allSatisfy({ $0 > 0 }) else {
            throw AgentError.badConfig("\(name): hidden widths must be positive, got \(hiddenWidths); drop the zero entries")
        }
        guard hiddenGain.isFinite, hiddenGain > 0, outputGain.isFinite, outputGain >= 0 else {
            throw AgentError.badConfig("\(name): initialization gains must be finite and positive (output gain may be 0), got hidden \(hiddenGain), output \(outputGain)")
        }
        self.inputs = inputs
        self.outputs = outputs
        self.activation = activation
        var layers = [Dense](), width = inputs
        for (i, w) in hiddenWidths.enumerated() {
            layers.append(Dense(width, w, name: "\(name).\(i)", weightInit: .orthogonal(gain: hiddenGain), rng: &rng))
            width = w
        }
        layers.append(Dense(width, outputs, name: "\(name).\(hiddenWidths.count)",
                            weightInit: .orthogonal(gain: outputGain), rng: &rng))
        self.layers = layers
        parameters = layers.flatMap(\.parameters)
    }

    /// [B, inputs] → [B, outputs].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.rank == 2 && x.shape[1] == inputs,
                     "FeedForwardNetwork: input \(x.shape) is not [batch, \(inputs)]")
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            if i < layers.count - 1 { h = activation(h) }
        }
        return h
    }
}
