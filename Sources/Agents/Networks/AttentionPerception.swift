import Autodiff
import Neural
import Seeding

/// One observation's attention, for figures: F frames, h heads, P = grid cells; of one spatial
/// block and one temporal block of the module (with `perception.spatial_blocks` or
/// `perception.temporal_blocks` above 1, the one chosen: the last by default).
public struct AttentionSnapshot: Sendable {
    public let frames: Int
    public let heads: Int
    public let grid: (height: Int, width: Int)
    /// Spatial weights [F, h, P, P] (row: the attending cell), flat.
    public let spatial: [Float]
    /// Temporal weights [h, F, F], flat; nil for one frame or no temporal block.
    public let temporal: [Float]?
    /// Cell gates [F, P]; nil without a gate.
    public let gates: [Float]?
    /// Which spatial block `spatial` is (0-based) of how many the module has.
    public var spatialBlock = (index: 0, count: 1)
    /// Which temporal block `temporal` is of how many (count 0: none; the module skips them over one frame).
    public var temporalBlock = (index: 0, count: 1)
    /// The stem's convolutions, first to last (what a cell sees of the frame).
    public var stem: [(kernel: Int, stride: Int)] = [(3, 1)]

    /// The side of the square of the frame one stem cell sees, and how far apart two cells' squares
    /// start: cell (i, j) sees rows stride·i … stride·i + size − 1 (columns alike).
    public var receptiveField: (size: Int, stride: Int) { AttentionPerception.receptiveField(stem) }

    public init(frames: Int, heads: Int, grid: (height: Int, width: Int), spatial: [Float], temporal: [Float]?, gates: [Float]?) {
        self.frames = frames; self.heads = heads; self.grid = grid
        self.spatial = spatial; self.temporal = temporal; self.gates = gates
    }

    public var cells: Int { grid.height * grid.width }

    /// Attention each cell of frame `f` receives: the mean over heads and attending cells of its
    /// column, [P] row-major over the grid (sums to 1 over the cells).
    public func received(frame f: Int) -> [Float] {
        let p = cells
        var out = [Float](repeating: 0, count: p)
        for h in 0..<heads {
            let base = (f * heads + h) * p * p
            for i in 0..<p { for j in 0..<p { out[j] += spatial[base + i * p + j] } }
        }
        return out.map { $0 / Float(heads * p) }
    }

    /// Temporal weights averaged over heads, [F, F] (row: the attending frame); nil for one frame.
    public var temporalMean: [Float]? {
        guard let temporal else { return nil }
        let f2 = frames * frames
        return (0..<f2).map { k in (0..<heads).reduce(Float(0)) { $0 + temporal[$1 * f2 + k] } / Float(heads) }
    }
}

/// SPRIG's perception module θ (arXiv 2502.14264, Sec. "Methodology"; its appendix's
/// architecture is not public, so the shapes here are this toolkit's, chosen as below): a
/// convolutional stem on each stacked frame, spatial self-attention over the stem's cells within
/// the frame, then temporal self-attention across the frames, producing features f_θ(s) for the
/// policy and value heads.
///
/// For observations [B, H, W, F·C] (F frames of C channels stacked along the last axis, oldest
/// first, as ``FrameStack`` lays them out):
/// 1. stem (`stem`), per frame [B·F, H, W, C], ReLU after each convolution, x/255 first on 36×36
///    pixels or more: by default on such pixels the Nature CNN's first two convolutions (32 8×8
///    stride 4, 64 4×4 stride 2: 9×9 = 81 cells on 84×84), on small grids (MinAtar's 10×10)
///    MinAtar's 16 3×3 stride-1 convolution (8×8 = 64 cells);
/// 2. tokens [B·F, P, d]: each cell's channels projected to d, plus a learned position per cell;
/// 3. spatial blocks (`spatial_blocks`, 1 by default), each x + MHSA(LayerNorm(x)) over the P cells,
///    h heads;
/// 4. cell gate (optional): each cell's output scaled by g = σ(w·x + b) ∈ (0, 1), so the frame
///    summary reads only what the gates let through; ‖g‖₁/P is the `gate_l1` attention cost;
/// 5. frame summary [B, F, d]: ReLU(dense(P·d → d)) of the frame's cells, plus a learned position
///    per frame;
/// 6. temporal blocks (`temporal_blocks`, 1 by default; 0 allowed), each z + MHSA(LayerNorm(z)) over
///    the F frames (skipped when F = 1);
/// 7. features [B, features]: ReLU(dense(F·d → features)).
///
/// Why these defaults: the stem keeps the Nature CNN's receptive fields (what PPO's Atari
/// baseline sees) but stops before its last layer so that attention has 81 cells to choose
/// among; one attention block per level (the default depth) is the smallest module that is
/// hierarchical as the paper describes (each block more adds one attention's weights, maps and
/// arithmetic); the features' width is the Nature CNN's 512 (Atari) and MinAtar's 128, so the heads
/// are the baseline's. Orthogonal √2 initialization (CleanRL's) for convolutions and dense layers,
/// Xavier for attention, positions N(0, 0.02²).
public final class AttentionPerception {
    /// The module's sizes (the `perception.*` settings).
    public struct Settings: Sendable, Equatable {
        /// d: token width of both attention levels (a multiple of `heads`). 32 with 2 heads: at 64
        /// with 4 heads PPO on BeamRider ran at 89 steps/s on this toolkit's 2-core test machine,
        /// at 32 with 2 heads 135 (the Nature CNN's PPO: about 400).
        public var dimension = 32
        public var heads = 2
        /// Width of f_θ(s).
        public var features = 512
        /// The cell gate of step 4 (needed by the `gate_l1` cost).
        public var cellGate = true
        /// Attention blocks over the cells of each frame (≥ 1), and over the frames (≥ 0; none are
        /// run over one frame). The attention costs and the entropy logs read every block.
        public var spatialBlocks = 1
        public var temporalBlocks = 1
        /// The convolutional stem (`auto`: by the observations' size).
        public var stem = Stem.auto
        public init() {}
    }

    /// One pre-norm residual attention block: x + MHSA(LayerNorm(x)).
    struct Block {
        let norm: LayerNorm
        let attention: MultiHeadSelfAttention
        var parameters: [Parameter] { norm.parameters + attention.parameters }

        /// Names: block 0 is `<level>` and `<level>_norm` (as before depth was a setting, so that
        /// checkpoints of one block per level load), block k `<level>k` and `<level>_normk`.
        init(level: String, index k: Int, dimension d: Int, heads: Int, name: String, rng: inout SeededGenerator) {
            let suffix = k == 0 ? "" : String(k)
            norm = LayerNorm(d, name: "\(name).\(level)_norm\(suffix)")
            attention = MultiHeadSelfAttention(dimension: d, heads: heads, name: "\(name).\(level)\(suffix)", rng: &rng)
        }

        func callAsFunction(_ x: Tensor) -> (output: Tensor, attention: AttentionWeights) {
            let a = attention.attend(norm(x))
            return (x + a.output, a.attention)
        }
    }

    /// What one forward pass records, for the attention cost, the diagnostics and the maps.
    public struct Output {
        /// f_θ(s), [B, features].
        public let features: Tensor
        /// Each spatial block's attention, first to last, [B·F·h, P, P] (row block (b·F + f)·h + head).
        public let spatial: [AttentionWeights]
        /// Each temporal block's, [B·h, F, F]; empty when F = 1 or `temporal_blocks` = 0.
        public let temporal: [AttentionWeights]
        /// The cell gates, [B·F, P]; nil without a gate.
        public let gates: Tensor?
    }

    public let settings: Settings
    public let frames: Int
    /// Cells per frame after the stem (P), and their grid.
    public let cells: Int
    public let grid: (height: Int, width: Int)
    public let parameters: [Parameter]
    private let height, width, channels: Int
    private let pixels: Bool
    private let stem: [Conv2d]
    private let stemChannels: Int
    /// The stem's (kernel, stride), for the figures.
    public let stemLayers: [(kernel: Int, stride: Int)]
    private let tokenProjection: Dense
    private let cellPositions, framePositions: Parameter
    private let spatialBlocks: [Block]
    /// The blocks run over the frames: none when F = 1.
    private let temporalBlocks: [Block]
    private let gate: Dense?
    private let frameSummary, featureLayer: Dense

    /// Observations [B, height, width, frames·channels]. Errors: `AgentError.badConfig` naming the
    /// setting when the channels do not split into `frames`, the grid is smaller than 3×3, or d is
    /// not a multiple of the heads.
    public init(height: Int, width: Int, stackedChannels: Int, frames: Int, settings: Settings,
                name: String = "perception", rng: inout SeededGenerator) throws {
        guard frames >= 1, stackedChannels % frames == 0 else {
            throw AgentError.badConfig("\(name): \(stackedChannels) channels do not split into \(frames) stacked frames")
        }
        guard height >= 3, width >= 3 else {
            throw AgentError.badConfig("\(name): the attention perception needs [height, width, channels] observations of at least 3×3, got \([height, width, stackedChannels]); use network.layout = separate")
        }
        guard settings.heads >= 1, settings.dimension >= 1, settings.dimension % settings.heads == 0 else {
            throw AgentError.badConfig("perception.dim (\(settings.dimension)) must be a positive multiple of perception.heads (\(settings.heads))")
        }
        guard settings.features >= 1 else { throw AgentError.badConfig("perception.features must be ≥ 1, got \(settings.features)") }
        guard settings.spatialBlocks >= 1 else { throw AgentError.badConfig("perception.spatial_blocks must be ≥ 1, got \(settings.spatialBlocks)") }
        guard settings.temporalBlocks >= 0 else { throw AgentError.badConfig("perception.temporal_blocks must be ≥ 0, got \(settings.temporalBlocks)") }
        self.settings = settings
        self.frames = frames
        self.height = height
        self.width = width
        channels = stackedChannels / frames
        let hidden = Initializer.orthogonal(gain: Float(2).squareRoot())
        pixels = height >= 36 && width >= 36
        let layers = settings.stem.layers(height: height, width: width)
        try settings.stem.check(height: height, width: width)
        let (h, w) = settings.stem.grid(height: height, width: width)
        var inputs = channels
        stem = layers.enumerated().map { k, l in
            defer { inputs = l.channels }
            return Conv2d(inputs, l.channels, kernel: l.kernel, stride: l.stride, name: "\(name).stem\(k)", weightInit: hidden, rng: &rng)
        }
        stemChannels = layers.last!.channels
        stemLayers = layers.map { ($0.kernel, $0.stride) }
        grid = (h, w)
        cells = h * w
        let d = settings.dimension
        tokenProjection = Dense(stemChannels, d, name: "\(name).tokens", weightInit: hidden, rng: &rng)
        cellPositions = Parameter(name: "\(name).cell_positions", shape: Shape(cells, d))
        framePositions = Parameter(name: "\(name).frame_positions", shape: Shape(frames, d))
        Initializer.normal(standardDeviation: 0.02).fill(cellPositions, fanIn: 1, fanOut: 1, using: &rng)
        Initializer.normal(standardDeviation: 0.02).fill(framePositions, fanIn: 1, fanOut: 1, using: &rng)
        // Blocks beyond the first are drawn right after it, and the first temporal block is drawn even
        // where it is not run: at one block per level the weights are drawn in the order they were
        // before depth was a setting, so a seed builds the same module.
        spatialBlocks = (0..<settings.spatialBlocks).map { Block(level: "spatial", index: $0, dimension: d, heads: settings.heads, name: name, rng: &rng) }
        gate = settings.cellGate ? Dense(d, 1, name: "\(name).gate", weightInit: .xavierUniform(), rng: &rng) : nil
        frameSummary = Dense(cells * d, d, name: "\(name).frame", weightInit: hidden, rng: &rng)
        let temporal = (0..<max(settings.temporalBlocks, 1)).map { Block(level: "temporal", index: $0, dimension: d, heads: settings.heads, name: name, rng: &rng) }
        temporalBlocks = Array(temporal.prefix(Self.temporalBlockCount(frames: frames, settings: settings)))
        featureLayer = Dense(frames * d, settings.features, name: "\(name).features", weightInit: hidden, rng: &rng)
        var p = stem.flatMap(\.parameters) + tokenProjection.parameters + [cellPositions]
        p += spatialBlocks.flatMap(\.parameters) + (gate?.parameters ?? [])
        p += frameSummary.parameters + [framePositions]
        p += temporalBlocks.flatMap(\.parameters)
        p += featureLayer.parameters
        parameters = p
    }

    public var outputSize: Int { settings.features }

    /// The temporal blocks built and run over `frames` stacked frames: `temporal_blocks`, none over one frame.
    public static func temporalBlockCount(frames: Int, settings: Settings) -> Int { frames > 1 ? settings.temporalBlocks : 0 }

    /// The temporal blocks this module runs (``temporalBlockCount(frames:settings:)``).
    public var temporalBlockCount: Int { temporalBlocks.count }

    /// P, the cells per frame the stem leaves (the spatial attention's tokens), without building it: 81 on
    /// 84×84 pixels (the default, the Nature CNN's first two convolutions), 64 on MinAtar's 10×10 (one
    /// 3×3); at least 1 (a stem that leaves none is refused as the module is built).
    public static func cellCount(height: Int, width: Int, stem: Stem = .auto) -> Int {
        let g = stem.grid(height: height, width: width)
        return max(g.height, 1) * max(g.width, 1)
    }

    /// The module's weights for these sizes, counted without allocating them, by the module's two largest
    /// parts: the frame summary (P·d·d) and the feature layer (F·d·features), with everything else in
    /// `rest`. `train` refuses sizes whose weights cannot fit in memory before it builds anything (an
    /// allocation of 128 GB trapped). Counts are Doubles: sizes like 1e9 overflow no Int on the way.
    public static func parameterCount(height: Int, width: Int, stackedChannels: Int, frames: Int,
                                      settings: Settings) -> (frameSummary: Double, features: Double, rest: Double) {
        let f = Double(max(frames, 1)), c = Double(stackedChannels) / f, d = Double(settings.dimension)
        let cells = Double(cellCount(height: height, width: width, stem: settings.stem))
        var stem = 0.0, stemChannels = c
        for l in settings.stem.layers(height: height, width: width) {
            stem += Double(l.kernel * l.kernel) * stemChannels * Double(l.channels) + Double(l.channels)
            stemChannels = Double(l.channels)
        }
        let attention = 4 * (d * d + d) + 2 * d          // Q, K, V, output projections and a LayerNorm's γ and β
        // Temporal blocks are built only over two frames or more.
        let blocks = Double(settings.spatialBlocks + temporalBlockCount(frames: frames, settings: settings))
        let rest = stem + stemChannels * d + d + cells * d + f * d + blocks * attention + (settings.cellGate ? d + 1 : 0)
        return (cells * d * d + d, f * d * Double(settings.features) + Double(settings.features), rest)
    }

    /// f_θ(s) and the attention it used, for observations [B, H, W, F·C].
    public func callAsFunction(_ x: Tensor) -> Output {
        let g = x.graph, b = x.shape[0], f = frames, d = settings.dimension
        // [B, H·W, F, C] → [B, F, H·W, C] → one image per frame.
        var h = frames == 1 ? x : x.reshaped(Shape(b, height * width, f, channels)).permuted(0, 2, 1, 3)
        h = h.reshaped(Shape(b * f, height, width, channels))
        if pixels { h = h * (1 / Float(255)) }
        for c in stem { h = relu(c(h)) }
        // Cells as tokens, with their positions.
        var tokens = tokenProjection(h.reshaped(Shape(b * f, cells, stemChannels))) + g.parameter(cellPositions)
        var spatial = [AttentionWeights]()
        for block in spatialBlocks {
            let out = block(tokens)
            tokens = out.output
            spatial.append(out.attention)
        }
        var gates: Tensor?
        if let gate {
            let open = sigmoid(gate(tokens))                        // [B·F, P, 1]
            tokens = tokens * open
            gates = open.reshaped(Shape(b * f, cells))
        }
        var summary = relu(frameSummary(tokens.reshaped(Shape(b * f, cells * d)))).reshaped(Shape(b, f, d))
        summary = summary + g.parameter(framePositions)
        var temporal = [AttentionWeights]()
        for block in temporalBlocks {
            let out = block(summary)
            summary = out.output
            temporal.append(out.attention)
        }
        let features = relu(featureLayer(summary.reshaped(Shape(b, f * d))))
        return Output(features: features, spatial: spatial, temporal: temporal, gates: gates)
    }
}
