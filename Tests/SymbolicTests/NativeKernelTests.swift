import XCTest
@testable import Symbolic

/// Native kernels must reproduce `TapeEvaluator` bit for bit (NaN results: NaN, payload not compared).
final class NativeKernelTests: XCTestCase {
    /// The kernel, or a skip when this machine has no C compiler (any other failure is a test failure).
    private func kernel(_ tape: Tape, _ kind: NativeKernel.Kind = .evaluate) throws -> NativeKernel {
        if let kernel = NativeKernel.compile(tape, kind: kind) { return kernel }
        let error = NativeKernel.lastError ?? "unknown error"
        if error.contains("not found on PATH") || error.contains("not executable") { throw XCTSkip(error) }
        XCTFail("native compilation failed: \(error)")
        throw XCTSkip(error)
    }

    private func assertSameBits(_ native: Double, _ interpreted: Double, _ message: @autoclosure () -> String,
                                file: StaticString = #filePath, line: UInt = #line) {
        if interpreted.isNaN {
            XCTAssertTrue(native.isNaN, "\(message()): native \(native), interpreter NaN", file: file, line: line)
        } else {
            XCTAssertEqual(native.bitPattern, interpreted.bitPattern, "\(message()): native \(native), interpreter \(interpreted)",
                           file: file, line: line)
        }
    }

    /// Special values (zeros, infinities, NaN, subnormals, the pow branch exponents) and random doubles
    /// of every magnitude, including raw bit patterns.
    private func sampleValues(_ count: Int, seed: UInt64) -> [Double] {
        let special: [Double] = [0, -0.0, 1, -1, 0.5, 2, -2, 3, 0.25, 1e-300, -1e-300, 5e-324, -5e-324, 1e300, -1e300,
                                 .infinity, -.infinity, .nan, .pi, -7.25, 40, -40, 800, -800, .greatestFiniteMagnitude]
        var rng = SplitMix(seed: seed)
        return (0..<count).map { i in
            if i < special.count { return special[i] }
            switch i % 3 {
            case 0: return (rng.uniform() * 2 - 1) * 4
            case 1: return Double(sign: rng.next() & 1 == 0 ? .plus : .minus, exponent: Int(rng.next() % 200) - 100,
                                  significand: 1 + rng.uniform())
            default: return Double(bitPattern: rng.next())
            }
        }
    }

    private func checkEvaluation(_ texts: [String], lanes: Int = 203, file: StaticString = #filePath, line: UInt = #line) throws {
        try checkEvaluation(texts.map { try Parser.parse($0) }, lanes: lanes, file: file, line: line)
    }

    private func checkEvaluation(_ expressions: [Expr], lanes: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let inputs = ["x", "y", "z"]
        let tape = try Tape(expressions, inputs: inputs)
        let native = try kernel(tape)
        let evaluator = TapeEvaluator(tape, lanes: lanes)
        let columns = (0..<inputs.count).map { k in
            var shuffler = SplitMix(seed: UInt64(k))
            return sampleValues(lanes, seed: UInt64(17 + k)).shuffled(using: &shuffler)
        }
        for (k, column) in columns.enumerated() { for l in 0..<lanes { evaluator.input(k)[l] = column[l] } }
        evaluator.run()
        let outputs = (0..<tape.outputCount).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: lanes) }
        defer { outputs.forEach { $0.deallocate() } }
        let inputPointers = (0..<inputs.count).map { UnsafePointer(evaluator.input($0)) }
        native.evaluate(inputs: inputPointers, outputs: outputs, count: lanes)
        for o in 0..<tape.outputCount {
            for l in 0..<lanes {
                assertSameBits(outputs[o][l], evaluator.output(o)[l],
                               "\(expressions[o].text) at \((0..<3).map { columns[$0][l] })", file: file, line: line)
            }
        }
    }

    func testElementaryFunctions() throws {
        try checkEvaluation(["exp(x) + log(y) * tanh(z)", "sin(x) * cos(x) + tan(y) - sinh(z) / cosh(x)",
                             "sqrt(x) + abs(y) * sign(z)", "sigmoid(x * y) - softplus(z - x)"])
    }

    func testPowersAndDivisions() throws {
        try checkEvaluation(["x^2.5 + y^0.5 - z^3 + x^-1.5", "x^y", "(x + y) / (z - 1) - x / y",
                             "x / 5 + y / 3 - z / 7 + x / 4 + y / 0.1 + z / 10 - x / 2.5 + y / 1e6"])
    }

    func testOutputsThatAreInputsOrConstants() throws {
        try checkEvaluation(["x", "2", "y * z", "-3.5"], lanes: 21)
        let tape = try Tape(["x", "2", "y * z"].map { try Parser.parse($0) }, inputs: ["x", "y", "z"])
        let row = try kernel(tape, .row(varying: 1))
        let point = [1.5, 0, -2.0], values = [0.25, -1, 3, 7, 11]
        let outs = (0..<3).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: values.count) }
        defer { outs.forEach { $0.deallocate() } }
        row.evaluateRow(point: point, values: values, count: values.count, outputs: outs.map { Optional($0) })
        XCTAssertEqual(Array(UnsafeBufferPointer(start: outs[0], count: 5)), [1.5, 1.5, 1.5, 1.5, 1.5])
        XCTAssertEqual(Array(UnsafeBufferPointer(start: outs[1], count: 5)), [2, 2, 2, 2, 2])
        XCTAssertEqual(Array(UnsafeBufferPointer(start: outs[2], count: 5)), values.map { $0 * -2.0 })
        let iterate = try kernel(try Tape(["x", "0.5", "y / 3"].map { try Parser.parse($0) }, inputs: ["x", "y", "z", "w"]), .iterate)
        let state = (0..<3).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: 3) }
        defer { state.forEach { $0.deallocate() } }
        for k in 0..<3 { for l in 0..<3 { state[k][l] = Double(k + l) } }
        let w = [9.0, 9, 9]
        iterate.iterate(state: state, extra: [UnsafePointer(w)], rates: [0.5, 0.5, 0.5], lanes: 0..<3, steps: 2)
        for l in 0..<3 {
            XCTAssertEqual(state[0][l], Double(l) / 4)             // x ← x/2 twice
            XCTAssertEqual(state[1][l], Double(1 + l) - 0.5)       // y ← y − 0.25 twice
        }
    }

    func testDerivativesOfACompositeExpression() throws {
        let e = try Parser.parse("sigmoid(x * y) * log(1 + z^2) + softplus(x - y) / (1 + exp(-z)) + abs(x)^1.5")
        try checkEvaluation([e] + ["x", "y", "z"].map { e.derivative($0) }, lanes: 97)
    }

    /// Division by odd integer constants avoids the divider; it must still round exactly like it.
    func testDivisionByConstantsOnRawBitPatterns() throws {
        let divisors: [Double] = [3, 5, 7, 9, 25, 99, 1e6 + 1, 4, 0.5, 10, 0.2, -5]
        let x = Expr.variable("x")
        let tape = try Tape(divisors.map { Expr.divide(x, .constant($0)) }, inputs: ["x"])
        let native = try kernel(tape)
        let lanes = 20_000
        let evaluator = TapeEvaluator(tape, lanes: lanes)
        let values = sampleValues(lanes, seed: 99)
        for l in 0..<lanes { evaluator.input(0)[l] = values[l] }
        evaluator.run()
        let outputs = divisors.map { _ in UnsafeMutablePointer<Double>.allocate(capacity: lanes) }
        defer { outputs.forEach { $0.deallocate() } }
        native.evaluate(inputs: [UnsafePointer(evaluator.input(0))], outputs: outputs, count: lanes)
        for (o, y) in divisors.enumerated() {
            for l in 0..<lanes { assertSameBits(outputs[o][l], evaluator.output(o)[l], "\(values[l]) / \(y)") }
        }
    }

    func testIterationMatchesInterpretedSteps() throws {
        let field = try ["x - 0.3 * tanh(y) + x^3 / 7 + lam * x / 5", "y + 0.2 * sigmoid(x) - lam * y / 3 + sin(x * y) / 9"]
            .map { try Parser.parse($0) }
        let tape = try Tape(field, inputs: ["x", "y", "lam"])
        let native = try kernel(tape, .iterate)
        let lanes = 37, steps = 300, rates = [0.01, 0.03]
        var rng = SplitMix(seed: 3)
        let starts = (0..<lanes).map { _ in [rng.uniform() * 2 - 1, rng.uniform() * 2 - 1] }
        // Reference: the interpreter, stepping both players from the old point.
        let reference = TapeEvaluator(tape, lanes: lanes)
        for l in 0..<lanes { reference.input(0)[l] = starts[l][0]; reference.input(1)[l] = starts[l][1]; reference.input(2)[l] = 0.5 }
        for _ in 0..<steps {
            reference.run()
            for k in 0..<2 { for l in 0..<lanes { reference.input(k)[l] -= rates[k] * reference.output(k)[l] } }
        }
        // Native, in two disjoint lane ranges to check that ranges are independent.
        let state = (0..<2).map { k in UnsafeMutablePointer<Double>.allocate(capacity: lanes) }
        let lambda = UnsafeMutablePointer<Double>.allocate(capacity: lanes)
        defer { state.forEach { $0.deallocate() }; lambda.deallocate() }
        for l in 0..<lanes { state[0][l] = starts[l][0]; state[1][l] = starts[l][1]; lambda[l] = 0.5 }
        let extra = [UnsafePointer(lambda)]
        for range in [0..<13, 13..<lanes] {
            native.iterate(state: state, extra: extra, rates: rates, lanes: range, steps: steps)
        }
        for k in 0..<2 {
            for l in 0..<lanes { assertSameBits(state[k][l], reference.input(k)[l], "coordinate \(k), lane \(l)") }
        }
    }

    func testGridRowsMatchEvaluation() throws {
        // Outputs sharing little per-lane work (one pass each) and much (one pass for all).
        let shared = try Parser.parse("sigmoid(x * y) * log(1 + z^2) + softplus(x - y) / (1 + exp(-z))")
        for expressions in [try ["x * y / (1 + z^2) + exp(-x) / 5", "tanh(y - x) * z + x / 3"].map { try Parser.parse($0) },
                            [shared.derivative("x"), shared.derivative("y")]] {
            try checkRows(try Tape(expressions, inputs: ["x", "y", "z"]))
        }
    }

    private func checkRows(_ tape: Tape) throws {
        let point = [0.3, -1.7, 0.9], n = 37
        let values = (0..<n).map { -1 + 2 * Double($0) / Double(n - 1) }
        for varying in 0..<3 {
            let row = try kernel(tape, .row(varying: varying))
            let evaluator = TapeEvaluator(tape, lanes: n)
            for k in 0..<3 { for l in 0..<n { evaluator.input(k)[l] = k == varying ? values[l] : point[k] } }
            evaluator.run()
            let out0 = UnsafeMutablePointer<Double>.allocate(capacity: n + 1), out1 = UnsafeMutablePointer<Double>.allocate(capacity: n)
            defer { out0.deallocate(); out1.deallocate() }
            // An unaligned destination exercises the aligning head; a nil output is skipped.
            row.evaluateRow(point: point, values: values, count: n, outputs: [out0 + 1, nil], negated: true)
            row.evaluateRow(point: point, values: values, count: n, outputs: [nil, out1])
            for l in 0..<n {
                assertSameBits(out0[1 + l], -evaluator.output(0)[l], "output 0, varying \(varying), lane \(l)")
                assertSameBits(out1[l], evaluator.output(1)[l], "output 1, varying \(varying), lane \(l)")
            }
        }
    }

    /// The C source must not depend on register allocation (it varies with hashing), or the disk cache would miss.
    func testSourceIsDeterministic() throws {
        let e = try Parser.parse("sigmoid(x * y) * log(1 + z^2) + softplus(x - y) / (1 + exp(-z))")
        let expressions = [e] + ["x", "y", "z"].map { e.derivative($0) }
        let sources = try (0..<20).map { _ in NativeKernel.source(for: try Tape(expressions, inputs: ["x", "y", "z"]), kind: .iterate) }
        XCTAssertEqual(Set(sources).count, 1)
    }

    func testDisabledReturnsNil() throws {
        let tape = try Tape([try Parser.parse("x * y + 1")], inputs: ["x", "y"])
        let saved = NativeKernel.isEnabled
        defer { NativeKernel.isEnabled = saved }
        NativeKernel.isEnabled = false
        XCTAssertNil(NativeKernel.compile(tape))
        XCTAssertNil(NativeKernel.compile(tape, kind: .iterate))
        XCTAssertNil(NativeKernel.compile(tape, kind: .row(varying: 0)))
        XCTAssertNotNil(NativeKernel.lastError)
    }

    func testInvalidKindsReturnNil() throws {
        let tape = try Tape(["x", "y", "x * y"].map { try Parser.parse($0) }, inputs: ["x", "y"])
        XCTAssertNil(NativeKernel.compile(tape, kind: .iterate))  // more outputs than state coordinates
        XCTAssertNil(NativeKernel.compile(tape, kind: .row(varying: 2)))
    }
}
