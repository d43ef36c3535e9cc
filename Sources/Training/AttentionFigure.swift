import Agents
import Environments
import Foundation
import Plotting

/// The figures of ``AttentionMaps``' captures: file names, MinAtar's channel key and colours, and the gnuplot
/// figure of one capture (the layout is described on ``AttentionMaps``).
extension AttentionMaps {
    /// The figure's file name (without extension) for the capture at greedy-play step `step`: the
    /// step of the play, not of training (the checkpoint's training step is in the title).
    public static func figureName(playStep step: Int) -> String { "attention_play_step\(step)" }

    /// Prefixes of the figures this command writes, and wrote before the files named the play step
    /// (`attention_stepT`): an `--out` holding either holds an earlier capture.
    public static let figurePrefixes = ["attention_play_step", "attention_step"]

    /// MinAtar's names of its observation channels (``MinAtarGame/channels``) for `environment`
    /// ("minatar/breakout", or its "-minimal" action set), when it has `channels` of them; nil for
    /// any other environment.
    public static func channelNames(environment: String, channels: Int) -> [String]? {
        let games: [any MinAtarGame.Type] = [MinAtarBreakout.self, MinAtarAsterix.self, MinAtarFreeway.self, MinAtarSeaquest.self, MinAtarSpaceInvaders.self]
        let game = environment.hasSuffix("-minimal") ? String(environment.dropLast("-minimal".count)) : environment
        guard let g = games.first(where: { "minatar/\($0.name)" == game }), g.channels.count == channels else { return nil }
        return g.channels
    }

    /// A fixed colour per channel (channel k: the k-th; distinct hues, so that channels read apart
    /// whatever the game), and the colour of a cell where no channel is set.
    public static let channelColours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#000000", "#bcbd22", "#17becf"]
    public static let emptyColour = "#e6e6e6"

    /// The figure of one capture (see the type's documentation), titled with where it comes from.
    public static func figure(_ c: Capture, shape: [Int], environment: String, provenance: Provenance) -> GnuplotFigure {
        let s = c.snapshot, (h, w) = (shape[0], shape[1]), channels = shape[2] / s.frames
        let columns = s.gates == nil ? 2 : 3
        let rows = s.frames + (s.temporal == nil ? 0 : 1)
        let p = s.cells, (gh, gw) = (s.grid.height, s.grid.width)
        let heads = "\(s.heads) head\(s.heads == 1 ? "" : "s")"
        let names: [String]? = channels == 1 ? nil : channelNames(environment: environment, channels: channels) ?? (1...channels).map { "channel \($0 - 1)" }
        let age = { (f: Int) in "t−\(s.frames - 1 - f)" }
        // At the play's first steps the stack's older frames are the reset frame repeated (FrameStack fills it so).
        let padding = { (f: Int) in s.frames - 1 - f > c.step ? ", the reset frame repeated" : "" }
        // One colour range for every "attention received" panel: white is 0 in all of them, and a
        // colour means the same weight in every frame.
        let received = (0..<s.frames).map { s.received(frame: $0) }
        let top = max(Double(received.joined().max() ?? 0), 1 / Double(p))
        let uniform = 1 / Double(p)
        let pixelAttention = names != nil ? [] : received.map {
            spreadOverFrame($0, grid: (gh, gw), field: s.receptiveField, height: h, width: w)
        }
        let pixelTop = Swift.max(pixelAttention.joined().max() ?? 0, .leastNonzeroMagnitude)
        var fig = GnuplotFigure(name: figureName(playStep: c.step), width: 420 * columns, height: 340 * rows + 70)
        let title = "\(environment) · \(provenance.couplingText) · run seed \(provenance.runSeed.map(String.init) ?? "?") · \(provenance.checkpointText)"
        // Which block of a deeper module the panels show (said only where a level has more than one).
        var blocks = [String]()
        if s.spatialBlock.count > 1 { blocks.append("spatial block \(s.spatialBlock.index) (of blocks 0–\(s.spatialBlock.count - 1))") }
        if s.temporalBlock.count > 1 { blocks.append("temporal block \(s.temporalBlock.index) (of blocks 0–\(s.temporalBlock.count - 1))") }
        let subtitle = "greedy play from reset seed \(provenance.playSeed): play step \(c.step) of \(provenance.playSteps) · attention panels: mean over \(heads), one colour range [0, \(format(top))] for all"
            + (blocks.isEmpty ? "" : " · " + blocks.joined(separator: ", "))
        let field = fieldText(s.stem)
        var body = """
            set termoption noenhanced
            set multiplot layout \(rows),\(columns) title "\(title)\\n\(subtitle)\\n\(field)" font ",11"
            set size ratio -1
            set yrange [*:*] reverse
            set autoscale xfix
            set autoscale yfix
            unset key
            set tics font ",8"
            set cbtics font ",8"
            set xlabel font ",9"
            set ylabel font ",9"
            set cblabel font ",9"

            """
        func matrix(_ title: String, _ header: String, _ height: Int, _ width: Int, _ value: (Int, Int) -> Double) -> Int {
            fig.data.addBlock(title, columns: [header], rows: (0..<height).map { i in (0..<width).map { j in value(i, j) } })
        }
        func tics(_ height: Int, _ width: Int) -> String {
            "set xtics \(width <= 16 ? "1" : "autofreq")\nset ytics \(height <= 16 ? "1" : "autofreq")\n"
        }
        let matrixNote = "matrix (gnuplot `matrix`): line = row (top first), column = column (left first)"
        let play = provenance.playSummary.map { "# The whole greedy play: \($0)\n" } ?? ""
        var header = "\(fig.name): \(title)\n# \(subtitle)\n\(play)# \(field)\n# Blocks (gnuplot `index`): per stacked frame, oldest first, its frame, the attention its stem cells receive"
            + (s.gates == nil ? "" : ", its cell gates") + (s.temporal == nil ? "" : "; then the temporal attention between frames") + ". Frame t−k is the one k steps before the current one (t−0). Each block is a \(matrixNote).\n# "
        // One panel of stem cells: a matrix block drawn as an image on a colour range from 0.
        func cellPanel(title: String, palette: String, range: String, label: String, block: Int) -> String {
            """
            set title "\(title)" font ",10"
            set palette defined \(palette)
            set cbrange [0:\(range)]
            set cbtics autofreq
            set cblabel "\(label)"
            set xlabel "stem cell column"
            set ylabel "stem cell row"
            \(tics(gh, gw))plot datafile index \(block) matrix with image

            """
        }
        for f in 0..<s.frames {
            let base = { (i: Int, j: Int) in (i * w + j) * s.frames * channels + f * channels }
            let frame: Int
            if let names {
                // MinAtar: each cell by its first active channel (1 + its index; 0: none).
                let key = names.enumerated().map { "\($0.offset + 1) \($0.element)" }.joined(separator: ", ")
                frame = matrix(header + "frame \(age(f)) (\(h)×\(w) observation cells)",
                               "\(matrixNote); value: 1 + the index of the cell's first active channel, 0 where none is (0 empty, \(key))", h, w) { i, j in
                    Double((0..<channels).first { c.observation[base(i, j) + $0] > 0 }.map { $0 + 1 } ?? 0)
                }
            } else {
                frame = matrix(header + "frame \(age(f)) (\(h)×\(w) pixels)", "\(matrixNote); value: grey level 0 (black) to 255 (white)", h, w) { i, j in
                    Double(c.observation[base(i, j)])
                }
            }
            header = ""
            if let names {
                // Categorical: one fixed colour per channel, named in the colour box (its key).
                var stops = ["-0.5 '\(emptyColour)'", "0.5 '\(emptyColour)'"]
                for k in 1...names.count {
                    let colour = channelColours[(k - 1) % channelColours.count]
                    stops += ["\(Double(k) - 0.5) '\(colour)'", "\(Double(k) + 0.5) '\(colour)'"]
                }
                let labels = (["empty"] + names).enumerated().map { "\"\($0.element)\" \($0.offset)" }.joined(separator: ", ")
                // Cells where several channels are set: the frame shows the first, a cross marks them.
                let several = (0..<h).flatMap { i in (0..<w).compactMap { j -> [Double]? in
                    let n = (0..<channels).filter { c.observation[base(i, j) + $0] > 0 }.count
                    return n > 1 ? [Double(j), Double(i), Double(n)] : nil
                } }
                var overlay = ""
                if !several.isEmpty {
                    let block = fig.data.addBlock("frame \(age(f)): cells where several channels are set (the frame shows the first)", columns: ["column", "row", "channels_set"], rows: several)
                    overlay = ", datafile index \(block) using 1:2 with points pt 2 ps 1.2 lw 2 lc rgb 'white'"
                }
                body += """
                    set title "frame \(age(f))\(padding(f)): first active channel\(several.isEmpty ? "" : " (×: several set)")" font ",10"
                    set palette defined (\(stops.joined(separator: ", ")))
                    set cbrange [-0.5:\(Double(names.count) + 0.5)]
                    set cbtics (\(labels)) scale 0
                    set cblabel ""
                    set xlabel "column"
                    set ylabel "row"
                    \(tics(h, w))plot datafile index \(frame) matrix with image\(overlay)

                    """
            } else {
                // Pixel frames: a stem cell sees a square many pixels wide, so the cell grid beside the frame
                // does not show which objects the attention falls on; the frame panel carries it as a red
                // veil, each cell's weight spread over the pixels it sees.
                let (size, _) = s.receptiveField
                let veil = matrix("attention over frame \(age(f)) (\(h)×\(w) pixels)",
                                  "\(matrixNote); value: the attention reaching the pixel, each stem cell's weight shared evenly among the \(size)×\(size) pixels it sees (the pixels sum to 1, as the cells do)",
                                  h, w) { i, j in pixelAttention[f][i * w + j] }
                let opaque = Int((Double(veilOpacity) / 255 * 100).rounded())
                body += """
                    set title "frame \(age(f)) (grey)\(padding(f)), attention over it (red)" font ",10"
                    set palette gray
                    set cbrange [0:255]
                    set cbtics autofreq
                    set cblabel "grey 0–255; red: attention per pixel, \(opaque)% opaque at \(format(pixelTop))"
                    set xlabel "column (pixel)"
                    set ylabel "row (pixel)"
                    \(tics(h, w))plot datafile index \(frame) matrix with image, datafile index \(veil) matrix using 1:2:(227):(26):(28):(\(veilOpacity) * $3 / \(String(format: "%.8g", pixelTop))) with rgbalpha

                    """
            }
            let attention = matrix("attention received, frame \(age(f)) (\(gh)×\(gw) stem cells)",
                                   "\(matrixNote); value: the mean over \(heads) and the \(p) attending cells of the attention weight the cell receives (the cells sum to 1; uniform: 1/\(p) = \(format(uniform)))",
                                   gh, gw) { i, j in Double(received[f][i * gw + j]) }
            body += cellPanel(title: "attention received, \(age(f)) (mean over \(heads))",
                              palette: "(0 'white', 0.35 '#fdbb84', 0.7 '#e34a33', 1 '#7f0000')",
                              range: String(format: "%.8g", top), label: "uniform level 1/\(p) = \(format(uniform))", block: attention)
            if let gates = s.gates {
                let follows = s.spatialBlock.index == s.spatialBlock.count - 1 ? "" : ", after the last spatial block (\(s.spatialBlock.count - 1)), not the one whose attention is drawn"
                let gate = matrix("cell gates, frame \(age(f)) (\(gh)×\(gw) stem cells\(follows))", "\(matrixNote); value: the cell's gate σ(w·x + b) in (0, 1) (0: closed, 1: open; one per cell, no heads)", gh, gw) { i, j in
                    Double(gates[f * p + i * gw + j])
                }
                // The gates follow the last spatial block: beside an earlier block's attention, say so.
                let after = s.spatialBlock.index == s.spatialBlock.count - 1 ? "" : " (after the last spatial block, \(s.spatialBlock.count - 1))"
                body += cellPanel(title: "cell gates, \(age(f))\(after)", palette: "(0 'white', 1 '#08519c')", range: "1", label: "0 closed, 1 open", block: gate)
            }
        }
        if let temporal = s.temporalMean {
            let ages = (0..<s.frames).map(age)
            let block = matrix("temporal attention, mean over \(heads) (\(s.frames)×\(s.frames) frames: \(ages.joined(separator: ", ")))",
                               "\(matrixNote); row = the attending frame, column = the attended frame (both oldest first: \(ages.joined(separator: ", "))); value: the weight, mean over \(heads) (rows sum to 1; uniform: 1/\(s.frames))",
                               s.frames, s.frames) { i, j in Double(temporal[i * s.frames + j]) }
            let ticList = ages.enumerated().map { "\"\($0.element)\" \($0.offset)" }.joined(separator: ", ")
            body += """
                set title "temporal attention (mean over \(heads))" font ",10"
                set palette defined (0 'white', 1 '#54278f')
                set cbrange [0:1]
                set cbtics autofreq
                set cblabel "weight (rows sum to 1; uniform 1/\(s.frames) = \(format(1 / Double(s.frames))))"
                set xtics (\(ticList))
                set ytics (\(ticList))
                set xlabel "attended frame"
                set ylabel "attending frame"
                plot datafile index \(block) matrix with image, datafile index \(block) matrix using 1:2:(sprintf("%.2f", $3)) with labels font ",9"

                """
        }
        fig.body = body + "unset multiplot\n"
        return fig
    }

    /// What stem cell (i, j) sees of the frame, for the figure's title: "frame rows i…i+2, columns j…j+2 (3×3
    /// convolution)" for MinAtar's stem, "the 20×20-pixel square from pixel (8i, 8j) (8×8 stride 4, then 4×4
    /// stride 2)" for the Nature CNN's first two convolutions.
    public static func fieldText(_ stem: [(kernel: Int, stride: Int)]) -> String {
        let (size, stride) = AttentionPerception.receptiveField(stem)
        let layers = stem.map { "\($0.kernel)×\($0.kernel) stride \($0.stride)" }.joined(separator: ", then ")
        if stride == 1 {
            return "stem cell (i, j) sees frame rows i…i+\(size - 1), columns j…j+\(size - 1) (" + (stem.count == 1 ? "\(size)×\(size) convolution" : layers) + ")"
        }
        return "stem cell (i, j) sees the \(size)×\(size)-pixel square from pixel (\(stride)i, \(stride)j) (\(layers))"
    }

    /// Stem-cell weights (`cells`, row-major over `grid`) spread over the frame's `height`×`width` pixels: each
    /// cell's weight shared evenly among the pixels of its receptive square (side `field.size`, one every
    /// `field.stride` pixels, valid convolutions), so a pixel holds the attention that reaches it through every
    /// cell that sees it, and the pixels sum to what the cells sum to. Row-major, `height`·`width` values.
    public static func spreadOverFrame(_ cells: [Float], grid: (height: Int, width: Int), field: (size: Int, stride: Int),
                                       height: Int, width: Int) -> [Double] {
        var pixels = [Double](repeating: 0, count: height * width)
        let share = 1 / Double(field.size * field.size)
        for i in 0..<grid.height {
            for j in 0..<grid.width {
                let w = Double(cells[i * grid.width + j]) * share
                for y in (i * field.stride)..<Swift.min(height, i * field.stride + field.size) {
                    for x in (j * field.stride)..<Swift.min(width, j * field.stride + field.size) { pixels[y * width + x] += w }
                }
            }
        }
        return pixels
    }

    /// The red veil's opacity (of 255) at the figure's largest attention per pixel: the frame stays legible under it.
    static let veilOpacity = 200

    /// A weight as the figure prints it: 3 significant digits.
    static func format(_ x: Double) -> String { String(format: "%.3g", x) }
}
