import Agents
import Autodiff
import Foundation
import Neural
import Seeding

/// SPRIG's perception module (`AttentionPerception`, `network.layout = attention`) at the sizes
/// PPO's presets give it, timed against `peers/perception_torch.py` by run_sprig_benchmark.py.
/// Not in `Workload.all` (run_nn_benchmark.py's rows); select them with `--rows`.
struct PerceptionShape {
    let name: String
    let batch, height, width, frames, channels: Int
    let settings: AttentionPerception.Settings
    /// Atari pixels 0…255 (else MinAtar's 0/1 cells).
    let pixels: Bool

    init(_ name: String, batch: Int, height: Int, width: Int, frames: Int, channels: Int,
         dimension: Int, heads: Int, features: Int, pixels: Bool) {
        self.name = name
        self.batch = batch; self.height = height; self.width = width; self.frames = frames; self.channels = channels
        var s = AttentionPerception.Settings()
        s.dimension = dimension
        s.heads = heads
        s.features = features
        s.cellGate = true
        settings = s
        self.pixels = pixels
    }

    var rowName: String { "sprig_perception_\(name)_b\(batch)" }

    /// The module from seed 0, as the row builds it.
    func module() -> AttentionPerception {
        var rng = SeededGenerator(seed: 0)
        do {
            return try AttentionPerception(height: height, width: width, stackedChannels: frames * channels,
                                           frames: frames, settings: settings, rng: &rng)
        } catch {
            fatalError("\(rowName): \(error)")
        }
    }

    /// Observations [batch, H, W, F·C] from seed 1.
    func inputs(batch: Int) -> (values: [Float], shape: Shape) {
        var data = SeededGenerator(seed: 1)
        let shape = Shape(batch, height, width, frames * channels)
        return ((0..<shape.count).map { _ in pixels ? Float(data.next() % 256) : (data.uniform() < 0.5 ? 0 : 1) }, shape)
    }

    /// MinAtar Breakout under `--coupling sprig`: 2 stacked frames of 4 channels, d 16, 2 heads,
    /// 128 features, cell gate on; one PPO minibatch of 64 copies × 128 steps / 8 is 1,024.
    static let minatar = PerceptionShape("minatar", batch: 1024, height: 10, width: 10, frames: 2, channels: 4,
                                         dimension: 16, heads: 2, features: 128, pixels: false)
    /// Atari: 4 frames of 84×84 (0…255), d 64, 4 heads, 512 features (the module's defaults until
    /// commit a4bbeef); 8 copies × 128 steps / 4 minibatches = 256.
    static let atari = PerceptionShape("atari", batch: 256, height: 84, width: 84, frames: 4, channels: 1,
                                       dimension: 64, heads: 4, features: 512, pixels: true)
    /// The same at the Atari preset's smaller attention (d 32, 2 heads), which `train` uses since
    /// commit a4bbeef.
    static let atariD32 = PerceptionShape("atari_d32", batch: 256, height: 84, width: 84, frames: 4, channels: 1,
                                          dimension: 32, heads: 2, features: 512, pixels: true)
    static let all = [minatar, atari, atariD32]
}

extension Workload {
    nonisolated(unsafe) static let sprig: [Workload] = PerceptionShape.all.map(perceptionFwdBwd)
}

/// loss = mean(features²) + mean(gates) of one forward pass.
func perceptionLoss(_ out: AttentionPerception.Output) -> Tensor { mean(square(out.features)) + mean(out.gates!) }

/// Forward + backward of `perceptionLoss` through the whole module, gradient into one flat buffer
/// over every parameter (the module's own `parameters` order). The checksum is the loss.
func perceptionFwdBwd(_ shape: PerceptionShape) -> Workload {
    let c = Checksum(), count = Checksum()
    return Workload(name: shape.rowName, make: {
        let module = shape.module()
        let group = ParameterGroup("perception", module.parameters)
        count.value = Double(group.count)
        let (x, xShape) = shape.inputs(batch: shape.batch)
        let gradient = UnsafeMutablePointer<Float>.allocate(capacity: group.count)
        let graph = Graph()
        return {
            graph.reset()
            let loss = perceptionLoss(module(constantView(graph, x, xShape)))
            graph.gradient(of: loss, wrt: group, into: gradient)
            c.value = Double(loss.scalarValue)
        }
    }, checksum: { c.value }, parameterCount: { Int(count.value) })
}

/// `--perception-state SHAPE BATCH OUT`: the row's module and the first BATCH of its inputs, with
/// what one forward + backward gives (features, gates, loss, each parameter's gradient as
/// grad.<name>), for perception_torch.py --check to load into its module and compare.
func writePerceptionState(shape name: String, batch: Int, output: String) throws {
    guard let shape = PerceptionShape.all.first(where: { $0.name == name }) else {
        fail("--perception-state: unknown shape \(name); shapes: \(PerceptionShape.all.map(\.name).joined(separator: ", "))")
    }
    let module = shape.module()
    let group = ParameterGroup("perception", module.parameters)
    let (x, xShape) = shape.inputs(batch: batch)
    let graph = Graph()
    let input = graph.constant(x, shape: xShape)   // a copy: x is not used after this line
    let out = module(input)
    let loss = perceptionLoss(out)
    var state = StateDictionary()
    state.store(module.parameters)
    state.set("x", shape: xShape, values: input.pointer)
    state.set("features", shape: out.features.shape, values: out.features.pointer)
    state.set("gates", shape: out.gates!.shape, values: out.gates!.pointer)
    state["loss"] = .real(Double(loss.scalarValue))
    var gradient = [Float](repeating: 0, count: group.count)
    gradient.withUnsafeMutableBufferPointer { graph.gradient(of: loss, wrt: group, into: $0.baseAddress!) }
    var offset = 0
    for p in module.parameters {
        gradient.withUnsafeBufferPointer { state.set("grad.\(p.name)", shape: p.shape, values: $0.baseAddress! + offset) }
        offset += p.count
    }
    try state.write(to: URL(fileURLWithPath: output))
}
