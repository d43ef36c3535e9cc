import XCTest
@testable import Symbolic

final class TapeTests: XCTestCase {
    func testTapeMatchesTreeEvaluation() throws {
        var rng = SplitMix(seed: 5)
        for _ in 0..<300 {
            let e = try Parser.parse(randomExpression(&rng, depth: 5))
            let exprs = [e, e.derivative("x"), e.derivative("y")]
            let tape = try Tape(exprs, inputs: ["x", "y", "z"])
            let lanes = 7
            let evaluator = TapeEvaluator(tape, lanes: lanes)
            var points: [[Double]] = []
            for l in 0..<lanes {
                let p = [rng.uniform() * 2 - 1, rng.uniform() * 2 - 1, rng.uniform() * 2 - 1]
                points.append(p)
                for k in 0..<3 { evaluator.input(k)[l] = p[k] }
            }
            evaluator.run()
            for l in 0..<lanes {
                let values = ["x": points[l][0], "y": points[l][1], "z": points[l][2]]
                for (o, ex) in exprs.enumerated() {
                    let tree = ex.evaluate(values), compiled = evaluator.output(o)[l]
                    if tree.isNaN { XCTAssertTrue(compiled.isNaN); continue }
                    XCTAssertEqual(compiled, tree, accuracy: 1e-12 * max(1, Swift.abs(tree)), ex.text)
                }
            }
        }
    }

    func testCommonSubexpressionsShareRegisters() throws {
        let e = try Parser.parse("exp(x*y) + exp(x*y)^2 + sin(exp(x*y))")
        let tape = try Tape([e], inputs: ["x", "y"])
        XCTAssertEqual(tape.instructions.filter { $0.operation == .exp }.count, 1)
        XCTAssertEqual(tape.instructions.filter { $0.operation == .mul }.count >= 1, true)
    }

    func testUnknownVariableIsAnError() throws {
        XCTAssertThrowsError(try Tape([try Parser.parse("x + q")], inputs: ["x"]))
    }
}
