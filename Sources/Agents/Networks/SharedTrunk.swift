import Autodiff
import Neural
import Seeding

/// The body a policy head and a value head share in PPO's shared-network layout: the Nature CNN
/// for pixel observations (Mnih et al. 2015, "Human-level control through deep reinforcement
/// learning", Methods; CleanRL's `ppo_atari.py`), or a dense network for vectors.
///
/// Nature CNN: x/255 → conv 32 8×8 stride 4 → conv 64 4×4 stride 2 → conv 64 3×3 stride 1 →
/// dense 512, ReLU after each; orthogonal weights with gain √2, zero biases. Input [B, H, W, C]
/// (NHWC, values 0…255), H and W at least 36; output [B, 512].
/// MinAtar (Young & Tian 2019, arXiv 1903.03176, Sec. 4): conv 16 3×3 stride 1 → dense 128, ReLU
/// after each, the same initialization; input [B, H, W, C] (0/1 grids), output [B, 128].
/// Dense: [B, size] → `widths` with `activation` after each layer; output [B, widths.last].
public final class SharedTrunk {
    public enum Kind: Sendable, Equatable {
        case natureCNN(height: Int, width: Int, channels: Int)
        case minAtarCNN(height: Int, width: Int, channels: Int)
        case dense(inputs: Int, widths: [Int], activation: Activation)
    }
    public let kind: Kind
    public let outputSize: Int
    public let parameters: [Parameter]
    private let convolutions: [Conv2d]
    private let dense: [Dense]
    private let flatSize: Int

    /// Errors: `AgentError.badConfig` for an image too small for the Nature CNN's strides, or an
    /// empty or non-positive width list.
    public init(_ kind: Kind, name: String = "trunk", rng: inout SeededGenerator) throws {
        self.kind = kind
        let hidden = Initializer.orthogonal(gain: Float(2).squareRoot())
        switch kind {
        case .natureCNN(let h, let w, let c):
            guard h >= 36, w >= 36, c >= 1 else {
                throw AgentError.badConfig("\(name): the Nature CNN needs [height, width, channels] observations of at least 36×36, got \([h, w, c]); use network.layout = separate or shared_mlp")
            }
            let layers = [Conv2d(c, 32, kernel: 8, stride: 4, name: "\(name).conv0", weightInit: hidden, rng: &rng),
                          Conv2d(32, 64, kernel: 4, stride: 2, name: "\(name).conv1", weightInit: hidden, rng: &rng),
                          Conv2d(64, 64, kernel: 3, stride: 1, name: "\(name).conv2", weightInit: hidden, rng: &rng)]
            var (height, width) = (h, w)
            for l in layers { (height, width) = l.outputSize(height: height, width: width) }
            convolutions = layers
            flatSize = height * width * 64
            dense = [Dense(flatSize, 512, name: "\(name).dense", weightInit: hidden, rng: &rng)]
            outputSize = 512
        case .minAtarCNN(let h, let w, let c):
            guard h >= 3, w >= 3, c >= 1 else {
                throw AgentError.badConfig("\(name): MinAtar's network needs [height, width, channels] observations of at least 3×3, got \([h, w, c]); use network.layout = separate or shared_mlp")
            }
            let conv = Conv2d(c, 16, kernel: 3, stride: 1, name: "\(name).conv0", weightInit: hidden, rng: &rng)
            let (height, width) = conv.outputSize(height: h, width: w)
            convolutions = [conv]
            flatSize = height * width * 16
            dense = [Dense(flatSize, 128, name: "\(name).dense", weightInit: hidden, rng: &rng)]
            outputSize = 128
        case .dense(let inputs, let widths, _):
            guard !widths.isEmpty, widths.allSatisfy({ $0 > 0 }), inputs > 0 else {
                throw AgentError.badConfig("\(name): a shared dense trunk needs positive widths, got \(widths)")
            }
            convolutions = []
            flatSize = inputs
            var layers = [Dense](), width = inputs
            for (i, w) in widths.enumerated() {
                layers.append(Dense(width, w, name: "\(name).\(i)", weightInit: hidden, rng: &rng))
                width = w
            }
            dense = layers
            outputSize = width
        }
        parameters = convolutions.flatMap(\.parameters) + dense.flatMap(\.parameters)
    }

    /// Features [B, outputSize] of observations [B, H, W, C] (CNNs) or [B, size] (dense).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch kind {
        case .natureCNN:
            var h = x * (1 / Float(255))
            for c in convolutions { h = relu(c(h)) }
            return relu(dense[0](h.reshaped(Shape(x.shape[0], flatSize))))
        case .minAtarCNN:
            return relu(dense[0](relu(convolutions[0](x)).reshaped(Shape(x.shape[0], flatSize))))
        case .dense(_, _, let activation):
            var h = x
            for d in dense { h = activation(d(h)) }
            return h
        }
    }
}
