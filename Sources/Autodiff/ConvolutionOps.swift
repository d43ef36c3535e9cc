// 2-D convolution over NHWC tensors as im2col + one GEMM. Channels-last keeps each patch row and
// each output pixel contiguous, so the GEMM output is already the NHWC result.

extension Graph {
    /// [N, H, W, C] → [N·OH·OW, KH·KW·C]; zero padding outside the image.
    func im2col(_ x: Tensor, _ g: ConvGeometry) -> Tensor {
        let nx = node(x)
        let shape = Shape(g.batch * g.outHeight * g.outWidth, g.patchSize)
        let out = newFloats(shape)
        let src = nx.floats
        let (H, W, C) = (g.height, g.width, g.channels)
        var dst = out
        for n in 0..<g.batch {
            let image = src + n * H * W * C
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for ky in 0..<g.kernelHeight {
                        let y = oy * g.stride + ky - g.padding
                        if y < 0 || y >= H {
                            dst.update(repeating: 0, count: g.kernelWidth * C)
                            dst += g.kernelWidth * C
                            continue
                        }
                        let x0 = ox * g.stride - g.padding
                        if x0 >= 0 && x0 + g.kernelWidth <= W {
                            // The whole kernel row is inside: one contiguous copy.
                            dst.update(from: image + (y * W + x0) * C, count: g.kernelWidth * C)
                            dst += g.kernelWidth * C
                        } else {
                            for kx in 0..<g.kernelWidth {
                                let xx = x0 + kx
                                if xx < 0 || xx >= W { dst.update(repeating: 0, count: C) }
                                else { dst.update(from: image + (y * W + xx) * C, count: C) }
                                dst += C
                            }
                        }
                    }
                }
            }
        }
        return record(.im2col(g), x, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    /// The adjoint of im2col: scatters patch rows back onto [N, H, W, C], summing overlaps.
    func col2im(_ cols: Tensor, _ g: ConvGeometry) -> Tensor {
        let nc = node(cols)
        let shape = Shape(g.batch, g.height, g.width, g.channels)
        let out = newFloats(shape)
        out.update(repeating: 0, count: shape.count)
        let (H, W, C) = (g.height, g.width, g.channels)
        var src = UnsafePointer(nc.floats)
        for n in 0..<g.batch {
            let image = out + n * H * W * C
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for ky in 0..<g.kernelHeight {
                        let y = oy * g.stride + ky - g.padding
                        for kx in 0..<g.kernelWidth {
                            let xx = ox * g.stride + kx - g.padding
                            if y >= 0 && y < H && xx >= 0 && xx < W {
                                let d = image + (y * W + xx) * C
                                for c in 0..<C { d[c] += src[c] }
                            }
                            src += C
                        }
                    }
                }
            }
        }
        return record(.col2im(g), cols, shape: shape, data: UnsafeMutableRawPointer(out))
    }
}

/// 2-D convolution, NHWC: x [N, H, W, C], weight [KH·KW·C, F] (patch order: kernel row, kernel
/// column, channel), bias [F] → [N, OH, OW, F].
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor, kernel: (height: Int, width: Int),
                   stride: Int = 1, padding: Int = 0) -> Tensor {
    let s = x.shape
    precondition(s.rank == 4, "conv2d: input must be [N, H, W, C], got \(s)")
    precondition(stride >= 1 && padding >= 0, "conv2d: stride must be ≥ 1 and padding ≥ 0")
    let g = ConvGeometry(batch: s[0], height: s[1], width: s[2], channels: s[3],
                         kernelHeight: kernel.height, kernelWidth: kernel.width, stride: stride, padding: padding)
    precondition(g.outHeight >= 1 && g.outWidth >= 1,
                 "conv2d: a \(kernel.height)×\(kernel.width) kernel does not fit a \(s[1])×\(s[2]) input with padding \(padding)")
    let cols = x.graph.im2col(x, g)
    let y = affine(cols, weight, bias)
    return y.reshaped(Shape(g.batch, g.outHeight, g.outWidth, weight.shape[1]))
}
