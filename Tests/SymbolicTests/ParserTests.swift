import XCTest
@testable import Symbolic

final class ParserTests: XCTestCase {
    func testPrecedenceAndAssociativity() throws {
        let values = ["x": 2.0, "y": 3.0]
        XCTAssertEqual(try Parser.parse("-x^2").evaluate(values), -4)
        XCTAssertEqual(try Parser.parse("2^3^2").evaluate(values), 512)
        XCTAssertEqual(try Parser.parse("x**y").evaluate(values), 8)
        XCTAssertEqual(try Parser.parse("1 - 2 - 3").evaluate(values), -4)
        XCTAssertEqual(try Parser.parse("8 / 4 / 2").evaluate(values), 1)
        XCTAssertEqual(try Parser.parse("x^-1").evaluate(values), 0.5)
        XCTAssertEqual(try Parser.parse("2*x + y*(x - 1)").evaluate(values), 7)
    }

    func testNumberNotations() throws {
        for (text, value) in [("1", 1.0), ("2.5", 2.5), (".5", 0.5), ("1e-3", 1e-3), ("2.5E+4", 2.5e4), ("3.", 3.0), ("1E2", 100)] {
            XCTAssertEqual(try Parser.parse(text).evaluate([:]), value, text)
        }
    }

    func testFunctions() throws {
        let x = 0.7
        let cases: [(String, Double)] = [
            ("exp(x)", exp(x)), ("log(x)", log(x)), ("sin(x)", sin(x)), ("cos(x)", cos(x)), ("tanh(x)", tanh(x)),
            ("sqrt(x)", sqrt(x)), ("abs(-x)", x), ("sigmoid(x)", 1 / (1 + exp(-x))), ("softplus(x)", log(1 + exp(x))),
            ("cosh(x)", cosh(x)), ("tan(x)", tan(x)), ("sign(-x)", -1),
        ]
        for (text, value) in cases {
            XCTAssertEqual(try Parser.parse(text).evaluate(["x": x]), value, accuracy: 1e-15, text)
        }
    }

    func testErrorsPointAtTheColumn() {
        func column(_ s: String) -> Int? {
            do { _ = try Parser.parse(s); return nil } catch { return error.column }
        }
        XCTAssertEqual(column("x +* y"), 4)
        XCTAssertEqual(column("foo(x)"), 1)
        XCTAssertEqual(column("(x + 1"), 7)
        XCTAssertEqual(column("x + 1)"), 6)
        XCTAssertEqual(column("2 x"), 3)
        XCTAssertEqual(column(""), 1)
        XCTAssertEqual(column("x $ y"), 3)
        XCTAssertEqual(column("1/0"), 2)
        XCTAssertEqual(column("exp"), 1)
    }

    func testErrorMessageShowsCaret() {
        do { _ = try Parser.parse("x +* y"); XCTFail("expected an error") } catch {
            XCTAssertTrue(error.description.contains("column 4"))
            XCTAssertTrue(error.description.contains("   ^"))
        }
    }

    /// Malformed input, fuzzed from a seeded generator, must give errors or expressions, never a crash.
    func testFuzzedInputNeverCrashes() {
        let alphabet = Array("xy01.5e+-*/^() expsinlogtanh,_$")
        var rng = SplitMix(seed: 42)
        var errors = 0, parsed = 0
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 16) + 1
            let s = String((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            do {
                let e = try Parser.parse(s)
                // Whatever parsed must print to text that parses back to the same function
                // (equal up to rounding of rational coefficients such as 20/11).
                let back = try Parser.parse(e.text)
                var point: [String: Double] = [:]
                for v in e.variables { point[v] = 0.37 + Double(v.count) * 0.11 }
                let a = e.evaluate(point), b = back.evaluate(point)
                if a.isFinite { XCTAssertEqual(a, b, accuracy: 1e-13 * max(1, Swift.abs(a)), "round trip of '\(s)' via '\(e.text)'") }
                parsed += 1
            } catch {
                XCTAssertGreaterThanOrEqual(error.column, 1)
                XCTAssertLessThanOrEqual(error.column, s.count + 1)
                errors += 1
            }
        }
        XCTAssertGreaterThan(errors, 1000)
        XCTAssertGreaterThan(parsed, 100)
    }
}

/// SplitMix64: the seeded generator every Symbolic test draws from.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// Nesting limits: 8,000 nested parentheses or calls overflowed the stack (SIGSEGV) in the parser.
final class NestingLimitTests: XCTestCase {
    private func nested(_ open: String, _ close: String, _ depth: Int, _ inner: String = "x") -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }

    private func parseError(_ s: String) -> ParseError? {
        do { _ = try Parser.parse(s); return nil } catch { return error }
    }

    func testNestingBeyondTheLimitIsAClearError() throws {
        XCTAssertEqual(Parser.maxNesting, 1000)
        for input in [nested("(", ")", 8000), nested("exp(", ")", 8000), String(repeating: "-", count: 8000) + "x",
                      Array(repeating: "x", count: 8000).joined(separator: "^"), nested("(", ")", 1001)] {
            let e = try XCTUnwrap(parseError(input), "accepted input of \(input.count) characters")
            XCTAssertTrue(e.message.hasPrefix("expression nested too deeply: more than 1000 levels"), e.message)
            XCTAssertTrue(e.message.contains("(the limit is 1000)"), e.message)
            // The message shows a window around the column, not the whole 16,000-character input.
            XCTAssertLessThan(e.description.count, 600)
            XCTAssertTrue(e.description.contains("^"))
        }
        XCTAssertEqual(parseError(nested("(", ")", 1001))?.column, 1001)
    }

    func testNestingAtTheLimitWorks() throws {
        let e = try Parser.parse(nested("sin(", ")", 1000))
        var v = 0.5
        var slope = 1.0
        for _ in 0..<1000 { slope *= cos(v); v = sin(v) }
        XCTAssertEqual(e.evaluate(["x": 0.5]), v, accuracy: 1e-15)
        XCTAssertEqual(e.derivative("x").evaluate(["x": 0.5]), slope, accuracy: 1e-15)
        XCTAssertEqual(try Parser.parse(e.text), e)
        XCTAssertEqual(try Parser.parse(nested("(", ")", 1000)), .variable("x"))
    }
}
