import Autodiff
import Seeding
import XCTest

/// Central finite differences in Float32, and the tolerance they justify.
///
/// With step ε the central difference has truncation error ≈ ε²·|f‴|/6 and rounding error
/// ≈ u·|f|/ε (u = 2⁻²⁴ ≈ 6e-8 for Float32). At ε = 1e-2 for well-scaled inputs (values O(1),
/// losses O(1)), rounding costs ≈ 6e-6 and truncation ≈ 2e-5·|f‴|, so an agreement test at
/// 2e-3 absolute + 2e-2 relative fails on any real error (a wrong sign or factor is O(1)) while
/// never on noise. Inputs are drawn away from kinks (|x| > 3ε) where ops are only piecewise smooth.
enum FiniteDifferences {
    static let step: Float = 1e-2
    static let absoluteTolerance: Float = 2e-3
    static let relativeTolerance: Float = 2e-2

    /// ∂f/∂x_i for every coordinate of the buffer, by central differences.
    static func gradient(of f: () -> Float, at x: UnsafeMutablePointer<Float>, count: Int, step h: Float = step) -> [Float] {
        (0..<count).map { i in
            let saved = x[i]
            x[i] = saved + h
            let plus = f()
            x[i] = saved - h
            let minus = f()
            x[i] = saved
            return (plus - minus) / (2 * h)
        }
    }

    static func assertClose(_ analytic: [Float], _ numeric: [Float], _ what: String,
                            absolute: Float = absoluteTolerance, relative: Float = relativeTolerance,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(analytic.count, numeric.count, "\(what): lengths differ", file: file, line: line)
        var worst: Float = 0, worstIndex = -1
        for (i, (a, n)) in zip(analytic, numeric).enumerated() {
            let excess = Swift.abs(a - n) - (absolute + relative * Swift.abs(n))
            if excess > worst { worst = excess; worstIndex = i }
        }
        if worstIndex >= 0 {
            XCTFail("\(what): entry \(worstIndex) analytic \(analytic[worstIndex]) vs finite difference \(numeric[worstIndex])",
                    file: file, line: line)
        }
    }
}

extension SeededGenerator {
    /// Normal draws times `scale`, redrawn while within `margin` of any of `kinks`.
    mutating func floats(_ n: Int, scale: Float = 1, awayFrom kinks: [Float] = [0], margin: Float = 0) -> [Float] {
        (0..<n).map { _ in
            var v = Float(normal()) * scale
            while kinks.contains(where: { Swift.abs(v - $0) < margin }) { v = Float(normal()) * scale }
            return v
        }
    }
}

/// Checks ∇ of a scalar function of some input tensors against finite differences.
func checkGradients(_ name: String, shapes: [Shape], seed: UInt64 = 1, margin: Float = 0.05, kinks: [Float] = [0], scale: Float = 1,
                    positive: Bool = false, file: StaticString = #filePath, line: UInt = #line,
                    _ build: ([Tensor]) -> Tensor) {
    var rng = SeededGenerator(seed: seed)
    let params = shapes.enumerated().map { i, s -> Parameter in
        var v = rng.floats(s.count, scale: scale, awayFrom: kinks, margin: margin)
        if positive { v = v.map { Swift.abs($0) + 0.5 } }
        return Parameter(name: "x\(i)", shape: s, values: v)
    }
    let graph = Graph()
    let group = ParameterGroup("inputs", params)
    func loss() -> Float {
        graph.reset()
        return build(params.map { graph.parameter($0) }).scalarValue
    }
    graph.reset()
    let y = build(params.map { graph.parameter($0) })
    XCTAssertEqual(y.count, 1, "\(name): the checked function must be scalar", file: file, line: line)
    let analytic = graph.gradient(of: y, wrt: group)
    var numeric = [Float]()
    for p in params { numeric += FiniteDifferences.gradient(of: loss, at: p.value, count: p.count) }
    FiniteDifferences.assertClose(analytic, numeric, name, file: file, line: line)
}
