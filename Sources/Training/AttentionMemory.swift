import Agents

/// What SPRIG's attention perception module (`network.layout = attention`) holds in memory, part by
/// part, each part with the setting that drives it: `train`'s memory check (``AlgorithmRegistry``)
/// refuses sizes that cannot fit by the key that grew them, and for a block count says how many fit.
///
/// Bytes at 4 a value. Weights are held four times over (the weight, its gradient, Adam's two
/// moments). Activations are those of the largest batch the module sees (`rows`: acting on every copy,
/// or a PPO minibatch), kept for the backward pass: per row and frame about 8 P × d token arrays
/// before the spatial blocks; per spatial block, row and frame a·h·P² + b·P·d values, per temporal block
/// and row a·h·F² + c·F·d, and about 1 MB (spatial) and 0.1 MB (temporal) per block whatever the rows.
/// The coefficients are measured, not derived, from the peak resident memory of short MinAtar Breakout
/// runs (P = 64, F = 2, h = 2, d = 16): per spatial block 851 MB at 1,024-row minibatches and 14.4 MB at
/// 16 rows under SPRIG (1, 4, 8 and 1, 100, 200 blocks; 100 blocks at 8 heads and at d = 64 split the
/// heads' part from the width's), 595 MB and 10.3 MB with the module trained end to end; per temporal
/// block (1 and 300 or 1,000 blocks) 5.5 MB and 0.22 MB under SPRIG, 3.4 MB and 0.13 MB end to end.
/// SPRIG: a = 7.8, b = 39, c = 41; end to end a = 5.5, b = 27, c = 25 (SPRIG keeps about 1.4× more: two
/// stages per minibatch and the cosine's second backward pass).
struct AttentionMemory {
    let sizes: AttentionPerception.Settings
    /// Cells per frame the stem leaves (P), and what the default stem would leave.
    let cells: Double
    let defaultCells: Double
    /// Stacked frames (F), and the temporal blocks built over them (none over one frame).
    let frames: Double
    let temporalBlocks: Int
    let rows: Double
    let count: (frameSummary: Double, features: Double, rest: Double)
    /// The measured coefficients (above), by whether the perception module leads (SPRIG).
    let mapsPerHead: Double, tokensPerWidth: Double, temporalPerWidth: Double

    init(sizes: AttentionPerception.Settings, observationShape: [Int], frames: Int, rows: Double, leads: Bool) {
        self.sizes = sizes
        (mapsPerHead, tokensPerWidth, temporalPerWidth) = leads ? (7.8, 39, 41) : (5.5, 27, 25)
        let (h, w) = (observationShape[0], observationShape[1])
        cells = Double(AttentionPerception.cellCount(height: h, width: w, stem: sizes.stem))
        defaultCells = Double(AttentionPerception.cellCount(height: h, width: w))
        self.frames = Double(max(frames, 1))
        temporalBlocks = AttentionPerception.temporalBlockCount(frames: frames, settings: sizes)
        self.rows = rows
        count = AttentionPerception.parameterCount(height: h, width: w, stackedChannels: observationShape[2], frames: frames, settings: sizes)
    }

    var d: Double { Double(sizes.dimension) }
    var heads: Double { Double(sizes.heads) }
    /// One block's weights, bytes (Q, K, V, output projections and a LayerNorm).
    var blockWeights: Double { 16 * (4 * (d * d + d) + 2 * d) }
    /// One spatial block's attention maps, and its token arrays with the block's fixed part.
    var mapsPerSpatialBlock: Double { 4 * rows * frames * mapsPerHead * heads * cells * cells }
    var tokensPerSpatialBlock: Double { 4 * rows * frames * tokensPerWidth * cells * d + 1e6 }
    var spatialBlockActivations: Double { mapsPerSpatialBlock + tokensPerSpatialBlock }
    var temporalBlockActivations: Double { 4 * rows * (mapsPerHead * heads * frames * frames + temporalPerWidth * frames * d) + 1e5 }

    var weights: Double { 16 * (count.frameSummary + count.features + count.rest) }
    var spatialMaps: Double { mapsPerSpatialBlock * Double(sizes.spatialBlocks) }
    /// The token arrays before the blocks (about 8 P × d per row and frame) and each block's.
    var spatialTokens: Double { 4 * rows * frames * 8 * cells * d + tokensPerSpatialBlock * Double(sizes.spatialBlocks) }
    var temporalActivations: Double { temporalBlockActivations * Double(temporalBlocks) }
    var activations: Double { spatialMaps + spatialTokens + temporalActivations }

    /// The key whose value grew the weights most: a block count where the blocks' weights outweigh the
    /// frame summary (d²) and the feature layer (d × features), else `perception.dim` or `perception.features`.
    var weightKey: String {
        let spatial = blockWeights * Double(sizes.spatialBlocks), temporal = blockWeights * Double(temporalBlocks)
        let dense = 16 * max(count.frameSummary, count.features)
        if sizes.spatialBlocks > 1 || temporalBlocks > 1, max(spatial, temporal) > dense {
            return temporal > spatial ? "perception.temporal_blocks" : "perception.spatial_blocks"
        }
        return count.frameSummary >= count.features ? "perception.dim" : "perception.features"
    }

    /// The key whose value grew the activations most: the stem where it leaves more cells than the
    /// default's (MinAtar's 3×3 on pixels: 82×82), a block count raised above one where its level
    /// leads, else the heads (maps) or d (tokens).
    var activationKey: String {
        if sizes.stem != .auto && cells > defaultCells { return "perception.stem" }
        if temporalBlocks > 1, temporalActivations > spatialMaps + spatialTokens { return "perception.temporal_blocks" }
        if spatialMaps >= spatialTokens {
            return sizes.spatialBlocks > sizes.heads ? "perception.spatial_blocks" : "perception.heads"
        }
        return "perception.dim"
    }

    /// For a block-count key: how many blocks of that level fit in `budget` bytes beside everything
    /// else the module and the run hold (`others`: the other networks, the copies' arrays).
    func blocksThatFit(_ key: String, budget: Double, others: Double) -> Int? {
        let perBlock: Double, current: Double
        switch key {
        case "perception.spatial_blocks": (perBlock, current) = (blockWeights + spatialBlockActivations, Double(sizes.spatialBlocks))
        case "perception.temporal_blocks": (perBlock, current) = (blockWeights + temporalBlockActivations, Double(temporalBlocks))
        default: return nil
        }
        let rest = weights + activations - perBlock * current
        return Int(min(max(0, ((budget - others - rest) / perBlock).rounded(.down)), 1e9))
    }

    /// Stems that leave fewer cells than this one on the frame (and at least one), with their cells:
    /// "nature2 (81 cells), nature3 (49 cells)".
    func smallerStems(height: Int, width: Int) -> String {
        AttentionPerception.Stem.allCases.filter { $0 != .auto && $0 != sizes.stem }.compactMap { stem in
            let g = stem.grid(height: height, width: width), p = Double(g.height * g.width)
            return g.height >= 1 && g.width >= 1 && p < cells ? "\(stem.rawValue) (\(g.height * g.width) cells)" : nil
        }.joined(separator: ", ")
    }
}
