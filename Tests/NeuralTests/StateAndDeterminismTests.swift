import Autodiff
import Foundation
import Neural
import Seeding
import XCTest

final class StateAndDeterminismTests: XCTestCase {
    func testInitializersHaveTheirStatedMoments() {
        var rng = SeededGenerator(seed: 1)
        let (fanIn, fanOut) = (200, 300)
        func stats(_ i: Initializer) -> (mean: Double, variance: Double, maxAbs: Float) {
            let p = Parameter(name: "w", shape: [fanIn, fanOut])
            i.fill(p, fanIn: fanIn, fanOut: fanOut, using: &rng)
            let v = p.values.map(Double.init)
            let m = v.reduce(0, +) / Double(v.count)
            return (m, v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count), p.values.map(Swift.abs).max()!)
        }
        // Variance targets: xavier 2/(in+out), he 2/in, fan-in uniform 1/(3·in); n = 60,000 draws, so
        // the sample variance is within a few percent.
        XCTAssertEqual(stats(.xavierNormal()).variance, 2.0 / 500, accuracy: 0.03 * 2.0 / 500)
        XCTAssertEqual(stats(.xavierUniform()).variance, 2.0 / 500, accuracy: 0.03 * 2.0 / 500)
        XCTAssertEqual(stats(.heNormal).variance, 2.0 / 200, accuracy: 0.03 * 2.0 / 200)
        XCTAssertEqual(stats(.heUniform).variance, 2.0 / 200, accuracy: 0.03 * 2.0 / 200)
        let fanInStats = stats(.fanInUniform)
        XCTAssertEqual(fanInStats.variance, 1.0 / (3 * 200), accuracy: 0.03 / (3 * 200))
        XCTAssertLessThanOrEqual(fanInStats.maxAbs, 1 / Float(200).squareRoot())
        XCTAssertEqual(stats(.zeros).maxAbs, 0)
    }

    func testOrthogonalInitializerIsOrthonormalTimesGain() {
        var rng = SeededGenerator(seed: 2)
        for (rows, cols) in [(6, 4), (4, 6), (5, 5)] {
            let p = Parameter(name: "w", shape: [rows, cols])
            Initializer.orthogonal(gain: 1.5).fill(p, fanIn: rows, fanOut: cols, using: &rng)
            let w = p.values
            // WᵀW = gain²·I (tall) or WWᵀ = gain²·I (wide).
            let k = min(rows, cols)
            for i in 0..<k {
                for j in 0..<k {
                    var d: Float = 0
                    if rows >= cols { for r in 0..<rows { d += w[r * cols + i] * w[r * cols + j] } }
                    else { for c in 0..<cols { d += w[i * cols + c] * w[j * cols + c] } }
                    XCTAssertEqual(d, i == j ? 2.25 : 0, accuracy: 1e-5, "\(rows)×\(cols) entry (\(i),\(j))")
                }
            }
        }
    }

    func testStateDictionaryRoundTripIsBitExact() throws {
        var state = StateDictionary()
        let special: [Float] = [0, -0.0, .infinity, -.infinity, .nan, Float(bitPattern: 0x7fc0_1234), .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1 / 3]
        special.withUnsafeBufferPointer { state.set("odd values", shape: [3, 3], values: $0.baseAddress!) }
        state["step"] = .integer(-42)
        state["seed"] = .real(0.1)
        state["commit"] = .text("abc123 ünïcode")
        state["running mean"] = .reals([0.1, -0.0, .nan, 1e300])
        state["generator"] = .integers([Int64.min, -1, 0, Int64.max])
        state["empty"] = .reals([])
        state["snapshot"] = .bytes([0, 255, 7])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stackelberg-state-\(UUID()).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try state.write(to: url)
        let back = try StateDictionary(contentsOf: url)
        XCTAssertEqual(back, state)
        guard case .tensor(_, let values)? = back["odd values"] else { return XCTFail("tensor missing") }
        XCTAssertEqual(values.map(\.bitPattern), special.map(\.bitPattern), "NaN payloads and signed zeros survive")
        XCTAssertEqual(try back.reals("running mean").map(\.bitPattern), [0.1, -0.0, .nan, 1e300].map(\.bitPattern))
        XCTAssertEqual(try back.integers("generator"), [Int64.min, -1, 0, Int64.max])
        XCTAssertEqual(try back.bytes("snapshot"), [0, 255, 7])
        XCTAssertThrowsError(try back.reals("running mean", count: 3)) { XCTAssertTrue("\($0)".contains("running mean")) }
    }

    func testCorruptOrMismatchedStateIsRefusedWithAClearError() throws {
        var rng = SeededGenerator(seed: 3)
        let d = Dense(3, 2, name: "head", rng: &rng)
        var state = StateDictionary()
        state.store(d.parameters)
        var bytes = state.encoded()
        bytes[bytes.count / 2] ^= 0x40
        XCTAssertThrowsError(try StateDictionary(decoding: bytes)) { XCTAssertTrue("\($0)".contains("checksum")) }
        // Cut off past its magic: said as a truncated file, not as "bad magic".
        XCTAssertThrowsError(try StateDictionary(decoding: Array(state.encoded().prefix(20)))) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        let wider = Dense(3, 4, name: "head", rng: &rng)
        XCTAssertThrowsError(try state.restore(wider.parameters)) { error in
            XCTAssertTrue("\(error)".contains("head.weight") && "\(error)".contains("[3, 2]"), "\(error)")
        }
        XCTAssertThrowsError(try state.restore([Parameter(name: "other", shape: [1])])) { XCTAssertTrue("\($0)".contains("'other' is missing")) }
        XCTAssertThrowsError(try StateDictionary(contentsOf: URL(fileURLWithPath: "/nonexistent/ckpt.bin"))) { XCTAssertTrue("\($0)".contains("/nonexistent/ckpt.bin")) }
    }

    /// Trains a small Q network twice from the same seed: every parameter bit must agree; a different
    /// seed must differ. Single BLAS thread (the default).
    func testSameSeedSameBits() {
        func train(seed: UInt64) -> [UInt32] {
            var rng = SeededGenerator(seed: seed)
            let encoder = MLP([16, 32, 32], outputActivation: .relu, name: "encoder", weightInit: .orthogonal(gain: 1.4), rng: &rng)
            let head = DuelingHead(32, actions: 4, rng: &rng)
            let follower = GroupOptimizer(ParameterGroup("follower", encoder.parameters), optimizer: Adam(parameterCount: encoder.parameterCount),
                                          schedule: .constant(1e-3), maxGradientNorm: 10)
            let leader = GroupOptimizer(ParameterGroup("leader", head.parameters), optimizer: Adam.radam(parameterCount: head.parameterCount),
                                        schedule: .linear(initial: 1e-3, final: 1e-4, steps: 20))
            let g = Graph()
            for _ in 0..<20 {
                g.reset()
                let x = g.constant(shape: [8, 16]) { for i in 0..<$0.count { $0[i] = Float(rng.normal()) } }
                let actions = g.indices((0..<8).map { _ in Int32(rng.next() % 4) }, shape: [8])
                let target = g.constant((0..<8).map { _ in Float(rng.normal()) }, shape: [8])
                let features = encoder(x)
                let q = gather(head(stopGradient(features)), actions)
                leader.step(minimizing: mean(square(q - target)))
                let errors = gather(head(features), actions) - target
                follower.step(minimizing: mean(square(errors - mean(errors))))
            }
            return (encoder.parameters + head.parameters).flatMap { $0.values.map(\.bitPattern) }
        }
        XCTAssertEqual(train(seed: 7), train(seed: 7))
        XCTAssertNotEqual(train(seed: 7), train(seed: 8))
    }

    /// After the first step, rebuilding the same graph takes no new memory from the arena.
    func testArenaIsReusedAcrossSteps() {
        var rng = SeededGenerator(seed: 4)
        let net = MLP([64, 128, 128, 6], rng: &rng)
        let group = ParameterGroup("all", net.parameters)
        let g = Graph()
        let gradient = UnsafeMutablePointer<Float>.allocate(capacity: group.count)
        defer { gradient.deallocate() }
        var after = [Int]()
        for _ in 0..<5 {
            g.reset()
            let loss = mean(square(net(g.filled(0.1, shape: [256, 64]))))
            _ = RecordedGradient(of: loss, wrt: group)
            g.gradient(of: loss, wrt: group, into: gradient)
            after.append(g.arenaBytesAllocated)
        }
        XCTAssertEqual(Set(after).count, 1, "arena grew after the first step: \(after)")
    }
}
