import Foundation
import Symbolic

/// Step sizes and the follower unroll of a discrete iteration:
/// x1 ← x1 − α1 g1(x1, x2);  x2 takes m steps x2 ← x2 − α2 g2(x1, x2) with the old x1 (Alg. 2).
/// Two-timescale play is α1/α2 = ratio.
public struct StepRule: Sendable, Equatable {
    public var leaderLearningRate: Double
    public var followerLearningRate: Double
    public var unroll: Int

    public init(leaderLearningRate: Double, followerLearningRate: Double, unroll: Int = 1) {
        self.leaderLearningRate = leaderLearningRate
        self.followerLearningRate = followerLearningRate
        self.unroll = unroll
    }

    func validate() throws(GameError) {
        for (name, a) in [("leader learning rate", leaderLearningRate), ("follower learning rate", followerLearningRate)]
        where !(a > 0) || !a.isFinite {
            throw .invalid("the \(name) must be positive and finite (got \(a))")
        }
        if unroll < 1 { throw .invalid("the follower unroll m must be at least 1 (got \(unroll))") }
    }
}

/// Runs many discrete trajectories of one dynamic at once, one lane per start.
/// The state lives in the tape's input registers, so a step is one tape run plus an axpy; nothing allocates.
public final class BatchIterator {
    public let dynamic: CompiledDynamic
    public let rule: StepRule
    public let lanes: Int
    private let evaluator: TapeEvaluator
    private var leaderStep: [Double]
    /// Native code for the field (plain simultaneous steps only), with the pointers it reads and writes:
    /// the state stays in the evaluator's input registers, so `coordinate` and `point` see it unchanged.
    private let native: NativeKernel?
    private let nativeState: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
    private let nativeExtra: UnsafeMutablePointer<UnsafePointer<Double>>
    private let nativeRates: UnsafeMutablePointer<Double>

    public init(_ dynamic: CompiledDynamic, rule: StepRule, starts: [[Double]]) throws(GameError) {
        try rule.validate()
        guard !starts.isEmpty else { throw .invalid("no starting points were given") }
        for s in starts where s.count != dynamic.dimension {
            throw .invalid("a starting point has \(s.count) coordinates; the game has \(dynamic.dimension) variables")
        }
        self.dynamic = dynamic
        self.rule = rule
        lanes = starts.count
        evaluator = TapeEvaluator(dynamic.field, lanes: lanes)
        leaderStep = Array(repeating: 0, count: dynamic.leaderDimension * lanes)
        for (lane, s) in starts.enumerated() {
            for k in 0..<dynamic.dimension { evaluator.input(k)[lane] = s[k] }
        }
        let lambdaRegister = evaluator.input(dynamic.dimension)
        for lane in 0..<lanes { lambdaRegister[lane] = dynamic.kind.lambda }
        let d = dynamic.dimension, extras = dynamic.field.inputs.count - d
        nativeState = .allocate(capacity: d)
        nativeExtra = .allocate(capacity: max(extras, 1))
        nativeRates = .allocate(capacity: d)
        for k in 0..<d {
            nativeState[k] = evaluator.input(k)
            nativeRates[k] = k < dynamic.leaderDimension ? rule.leaderLearningRate : rule.followerLearningRate
        }
        for e in 0..<extras { nativeExtra[e] = UnsafePointer(evaluator.input(d + e)) }
        if rule.unroll == 1, dynamic.field.outputCount == d, let kernel = NativeKernel.compile(dynamic.field, kind: .iterate) {
            native = kernel
        } else {
            native = nil
        }
    }

    deinit {
        nativeState.deallocate()
        nativeExtra.deallocate()
        nativeRates.deallocate()
    }

    /// Whether steps run as native code (false: the tape interpreter).
    public var isNative: Bool { native != nil }

    /// Coordinate k of every lane.
    public func coordinate(_ k: Int) -> UnsafeMutablePointer<Double> { evaluator.input(k) }

    public func point(lane: Int) -> [Double] { (0..<dynamic.dimension).map { evaluator.input($0)[lane] } }

    /// Advances every lane by `count` iterations.
    public func step(_ count: Int = 1) {
        let n = lanes, d = dynamic.dimension, n1 = dynamic.leaderDimension
        let a1 = rule.leaderLearningRate, a2 = rule.followerLearningRate
        if let native {
            // Lanes are independent: split them over threads (on vector boundaries) when the work is worth it.
            let width = native.vectorWidth, vectors = (n + width - 1) / width
            let work = Double(n) * Double(count) * Double(dynamic.field.instructions.count)
            let threads = work < 4e6 ? 1 : max(1, min(NativeKernel.maxThreads, vectors))
            if threads == 1 {
                native.iterate(state: nativeState, extra: nativeExtra, rates: nativeRates, lanes: 0..<n, steps: count)
            } else {
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    let lo = min(n, vectors * t / threads * width), hi = min(n, vectors * (t + 1) / threads * width)
                    native.iterate(state: nativeState, extra: nativeExtra, rates: nativeRates, lanes: lo..<hi, steps: count)
                }
            }
            return
        }
        for _ in 0..<count {
            evaluator.run()
            if rule.unroll == 1 {
                for k in 0..<d {
                    let x = evaluator.input(k), g = evaluator.output(k), a = k < n1 ? a1 : a2
                    for i in 0..<n { x[i] -= a * g[i] }
                }
                continue
            }
            // Keep the leader's step from the current point, unroll the follower with x1 fixed, then move x1.
            leaderStep.withUnsafeMutableBufferPointer { saved in
                for k in 0..<n1 {
                    let g = evaluator.output(k)
                    for i in 0..<n { saved[k * n + i] = g[i] }
                }
                for l in 0..<rule.unroll {
                    if l > 0 { evaluator.run() }
                    for k in n1..<d {
                        let x = evaluator.input(k), g = evaluator.output(k)
                        for i in 0..<n { x[i] -= a2 * g[i] }
                    }
                }
                for k in 0..<n1 {
                    let x = evaluator.input(k)
                    for i in 0..<n { x[i] -= a1 * saved[k * n + i] }
                }
            }
        }
    }
}

/// Evaluates a dynamic's field on a 2-D grid over two chosen coordinates, the others held fixed.
public struct FieldGrid: Sendable {
    public let xs: [Double]
    public let ys: [Double]
    /// −g components along the two plotted coordinates (the direction of motion), row-major over (x, y).
    public let dx: [Double]
    public let dy: [Double]
}

extension CompiledDynamic {
    /// The field −g on an nx × ny grid of coordinates (a, b) with the others fixed at `base`.
    public func grid(a: Int, b: Int, rangeA: ClosedRange<Double>, rangeB: ClosedRange<Double>,
                     nx: Int, ny: Int, base: [Double]) throws(GameError) -> FieldGrid {
        guard nx >= 2, ny >= 2 else { throw .invalid("a vector-field grid needs at least 2 points per axis (got \(nx)×\(ny))") }
        let xs = (0..<nx).map { rangeA.lowerBound + (rangeA.upperBound - rangeA.lowerBound) * Double($0) / Double(nx - 1) }
        let ys = (0..<ny).map { rangeB.lowerBound + (rangeB.upperBound - rangeB.lowerBound) * Double($0) / Double(ny - 1) }
        let total = nx * ny
        if a != b, let kernel = NativeKernel.compile(field, kind: .row(varying: b)) {
            return nativeGrid(kernel, a: a, b: b, xs: xs, ys: ys, base: base)
        }
        var dx = [Double](repeating: 0, count: total), dy = dx
        let chunk = 512
        let evaluator = TapeEvaluator(field, lanes: chunk)
        for k in 0..<dimension where k != a && k != b { evaluator.input(k).update(repeating: base[k], count: chunk) }
        evaluator.input(dimension).update(repeating: kind.lambda, count: chunk)
        var start = 0
        while start < total {
            let count = min(chunk, total - start)
            let pa = evaluator.input(a), pb = evaluator.input(b)
            for i in 0..<count {
                let idx = start + i
                pa[i] = xs[idx / ny]; pb[i] = ys[idx % ny]
            }
            evaluator.run(count: count)
            let ga = evaluator.output(a), gb = evaluator.output(b)
            for i in 0..<count { dx[start + i] = -ga[i]; dy[start + i] = -gb[i] }
            start += count
        }
        return FieldGrid(xs: xs, ys: ys, dx: dx, dy: dy)
    }

    /// `grid` through native code: one call per grid row (coordinate a fixed, b varying), which computes
    /// the part of g not depending on b once per row and writes −g straight into the result arrays.
    /// Rows are split over threads; lanes are independent, so the values do not depend on the split.
    private func nativeGrid(_ kernel: NativeKernel, a: Int, b: Int, xs: [Double], ys: [Double], base: [Double]) -> FieldGrid {
        let nx = xs.count, ny = ys.count, total = nx * ny
        let inputs = field.inputs.count, outputs = field.outputCount, d = dimension, lambda = kind.lambda
        let threads = max(1, min(NativeKernel.maxThreads, nx, total / 16_384))
        func fill(_ dx: UnsafeMutablePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
            ys.withUnsafeBufferPointer { ys in
                DispatchQueue.concurrentPerform(iterations: threads) { thread in
                    var point = (0..<inputs).map { $0 < d ? base[$0] : lambda }
                    var rows = [UnsafeMutablePointer<Double>?](repeating: nil, count: outputs)
                    for i in nx * thread / threads ..< nx * (thread + 1) / threads {
                        point[a] = xs[i]
                        rows[a] = dx + i * ny
                        rows[b] = dy + i * ny
                        kernel.evaluateRow(point: point, values: ys.baseAddress!, count: ny, outputs: rows, negated: true)
                    }
                }
            }
        }
        var dy: [Double] = []
        let dx = [Double](unsafeUninitializedCapacity: total) { dxBuffer, dxCount in
            dy = [Double](unsafeUninitializedCapacity: total) { dyBuffer, dyCount in
                fill(dxBuffer.baseAddress!, dyBuffer.baseAddress!)
                dyCount = total
            }
            dxCount = total
        }
        return FieldGrid(xs: xs, ys: ys, dx: dx, dy: dy)
    }
}
