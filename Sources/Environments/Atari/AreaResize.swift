/// Shrinks an 8-bit grayscale image by pixel-area averaging, reproducing OpenCV's
/// `cv2.resize(src, (w, h), interpolation=cv2.INTER_AREA)` bit for bit for non-integer scales
/// (210×160 → 84×84): the same weight tables (positions in Double, weights in Float), the same
/// Float accumulation order and round-half-to-even saturation. Gymnasium's AtariPreprocessing
/// resizes this way, so observations match its byte for byte. The tables are built once; `resize`
/// allocates nothing.
struct AreaResize {
    struct Weight { var target: Int32; var source: Int32; var alpha: Float }

    let sourceHeight, sourceWidth, height, width: Int
    private let columns, rows: [Weight]
    private let rowBuffer, rowSum: UnsafeMutablePointer<Float>

    init(sourceHeight: Int, sourceWidth: Int, height: Int, width: Int) {
        precondition(height <= sourceHeight && width <= sourceWidth && height >= 1 && width >= 1, "area resize only shrinks")
        (self.sourceHeight, self.sourceWidth, self.height, self.width) = (sourceHeight, sourceWidth, height, width)
        columns = AreaResize.table(source: sourceWidth, target: width)
        rows = AreaResize.table(source: sourceHeight, target: height)
        rowBuffer = .allocate(capacity: width); rowBuffer.initialize(repeating: 0, count: width)
        rowSum = .allocate(capacity: width); rowSum.initialize(repeating: 0, count: width)
    }

    func deallocate() { rowBuffer.deallocate(); rowSum.deallocate() }

    /// OpenCV's area table for one axis: each target cell covers `scale` source cells, the partial
    /// ones at its edges weighted by the covered fraction.
    private static func table(source: Int, target: Int) -> [Weight] {
        let scale = 1.0 / (Double(target) / Double(source))
        var table = [Weight]()
        for d in 0..<target {
            let start = Double(d) * scale, end = start + scale
            let cell = min(scale, Double(source) - start)
            var first = Int(start.rounded(.up)), last = min(Int(end.rounded(.down)), source - 1)
            if first > last { first = last }
            if Double(first) - start > 1e-3 {
                table.append(Weight(target: Int32(d), source: Int32(first - 1), alpha: Float((Double(first) - start) / cell)))
            }
            for s in first..<max(first, last) {
                table.append(Weight(target: Int32(d), source: Int32(s), alpha: Float(1.0 / cell)))
            }
            if end - Double(last) > 1e-3 {
                table.append(Weight(target: Int32(d), source: Int32(last), alpha: Float(min(end - Double(last), 1, cell) / cell)))
            }
        }
        return table
    }

    @inline(__always) private static func saturate(_ v: Float) -> Float {
        min(max(v.rounded(.toNearestOrEven), 0), 255)
    }

    /// Resizes `source` (row-major bytes) into `target` as Float pixel values 0…255.
    func resize(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<Float>) {
        let (buf, sum, w) = (rowBuffer, rowSum, width)
        sum.update(repeating: 0, count: w)
        columns.withUnsafeBufferPointer { cols in
            rows.withUnsafeBufferPointer { rws in
                var previous = Int(rws[0].target)
                for r in rws {
                    let beta = r.alpha, dy = Int(r.target)
                    let line = source + Int(r.source) * sourceWidth
                    buf.update(repeating: 0, count: w)
                    for c in cols { buf[Int(c.target)] += Float(line[Int(c.source)]) * c.alpha }
                    if dy != previous {
                        let out = target + previous * w
                        for x in 0..<w { out[x] = AreaResize.saturate(sum[x]); sum[x] = beta * buf[x] }
                        previous = dy
                    } else {
                        for x in 0..<w { sum[x] += beta * buf[x] }
                    }
                }
                let out = target + previous * w
                for x in 0..<w { out[x] = AreaResize.saturate(sum[x]) }
            }
        }
    }
}
