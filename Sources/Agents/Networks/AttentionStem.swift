/// The stems of SPRIG's perception module (``AttentionPerception``): the convolutions whose output
/// cells are the spatial attention's tokens, and what one cell sees of the frame.
extension AttentionPerception {
    /// The convolutional stem (`perception.stem`): what a cell of the spatial attention is.
    public enum Stem: String, Sendable, CaseIterable {
        /// `nature2` on observations of 36×36 or more (pixels), `minatar` on smaller grids.
        case auto
        /// The Nature CNN's first two convolutions, 32 8×8 stride 4 and 64 4×4 stride 2: 9×9 = 81 cells
        /// on 84×84, each seeing a 20×20-pixel square.
        case nature2
        /// All three of the Nature CNN's convolutions (then 64 3×3 stride 1): 7×7 = 49 cells on 84×84,
        /// each seeing a 36×36-pixel square; the spatial attention's maps are (81/49)² ≈ 2.7× smaller.
        case nature3
        /// MinAtar's network's convolution, 16 3×3 stride 1: 8×8 = 64 cells on 10×10.
        case minatar

        /// The stem `auto` stands for on observations of height × width.
        public func resolved(height: Int, width: Int) -> Stem {
            self != .auto ? self : height >= 36 && width >= 36 ? .nature2 : .minatar
        }

        /// Its convolutions (output channels, kernel, stride), first to last.
        public func layers(height: Int, width: Int) -> [(channels: Int, kernel: Int, stride: Int)] {
            switch resolved(height: height, width: width) {
            case .nature2: return [(32, 8, 4), (64, 4, 2)]
            case .nature3: return [(32, 8, 4), (64, 4, 2), (64, 3, 1)]
            case .minatar, .auto: return [(16, 3, 1)]
            }
        }

        /// Refuses a stem that leaves no cell of a height × width frame (`AgentError.badConfig` naming
        /// `perception.stem` and the stems that fit); `PPOConfig.checkObservations` calls it before anything
        /// is built, so that `sweep plan` refuses such a run too.
        public func check(height: Int, width: Int) throws {
            let g = grid(height: height, width: width)
            guard g.height < 1 || g.width < 1 else { return }
            let fitting = Stem.allCases.filter { $0 != .auto && $0.grid(height: height, width: width).height >= 1 && $0.grid(height: height, width: width).width >= 1 }
            let layers = layers(height: height, width: width).map { "\($0.kernel)×\($0.kernel) stride \($0.stride)" }.joined(separator: ", ")
            throw AgentError.badConfig("perception.stem = \(resolved(height: height, width: width).rawValue) leaves no cell of a \(height)×\(width) frame (its convolutions: \(layers)); "
                + (fitting.isEmpty ? "no stem fits a frame this small" : "stems that fit it: \(fitting.map(\.rawValue).joined(separator: ", ")) (auto picks \(Stem.auto.resolved(height: height, width: width).rawValue) here)"))
        }

        /// The grid of cells it leaves on height × width (a side below 1: the frame is too small for it).
        public func grid(height: Int, width: Int) -> (height: Int, width: Int) {
            layers(height: height, width: width).reduce((height, width)) { hw, l in
                (hw.0 < l.kernel ? 0 : (hw.0 - l.kernel) / l.stride + 1, hw.1 < l.kernel ? 0 : (hw.1 - l.kernel) / l.stride + 1)
            }
        }
    }

    /// The square of the frame one cell of a stem sees, and the step between cells (see
    /// ``AttentionSnapshot/receptiveField``).
    public static func receptiveField(_ layers: [(kernel: Int, stride: Int)]) -> (size: Int, stride: Int) {
        layers.reduce((size: 1, stride: 1)) { r, l in (r.size + (l.kernel - 1) * r.stride, r.stride * l.stride) }
    }
}
