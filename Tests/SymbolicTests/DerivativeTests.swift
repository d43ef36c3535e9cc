import XCTest
@testable import Symbolic

/// Random expression trees, differentiated symbolically and checked against central differences.
final class DerivativeTests: XCTestCase {
    func randomExpr(_ rng: inout SplitMix, depth: Int) -> String { randomExpression(&rng, depth: depth) }

    func centralDifference(_ e: Expr, _ point: [String: Double], _ v: String) -> Double {
        let h = 1e-5
        var p = point, m = point
        p[v]! += h; m[v]! -= h
        return (e.evaluate(p) - e.evaluate(m)) / (2 * h)
    }

    func testGradientsAgainstFiniteDifferencesOnRandomExpressions() throws {
        var rng = SplitMix(seed: 7)
        var checked = 0
        for _ in 0..<400 {
            let text = randomExpr(&rng, depth: 4)
            let e = try Parser.parse(text)
            let point = ["x": rng.uniform() * 2 - 1, "y": rng.uniform() * 2 - 1, "z": rng.uniform() * 2 - 1]
            guard e.evaluate(point).isFinite else { continue }
            for v in ["x", "y", "z"] {
                let exact = e.derivative(v).evaluate(point)
                let fd = centralDifference(e, point, v)
                guard fd.isFinite, Swift.abs(fd) < 1e6 else { continue }
                XCTAssertEqual(exact, fd, accuracy: 1e-5 * max(1, Swift.abs(fd)), "∂/∂\(v) of \(text) at \(point)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 900)
    }

    func testSecondDerivativesAgainstFiniteDifferences() throws {
        var rng = SplitMix(seed: 11)
        for _ in 0..<150 {
            let e = try Parser.parse(randomExpr(&rng, depth: 3))
            let point = ["x": rng.uniform() - 0.5, "y": rng.uniform() - 0.5, "z": 0.3]
            let dx = e.derivative("x")
            let exact = e.derivative(["x", "y"]).evaluate(point)
            let fd = centralDifference(dx, point, "y")
            guard fd.isFinite, exact.isFinite else { continue }
            XCTAssertEqual(exact, fd, accuracy: 1e-5 * max(1, Swift.abs(fd)))
            // Mixed partials commute.
            XCTAssertEqual(exact, e.derivative(["y", "x"]).evaluate(point), accuracy: 1e-9 * max(1, Swift.abs(exact)))
        }
    }

    func testReadableSimplification() throws {
        let f2 = try Parser.parse("(w*theta + theta^2/5)^2")
        XCTAssertEqual(try Parser.parse("x - x"), .zero)
        XCTAssertEqual(try Parser.parse("x*x/x"), .variable("x"))
        XCTAssertEqual(try Parser.parse("2*x + 3*x").text, "5*x")
        XCTAssertEqual(f2.derivative(["w", "w"]).text, "2*theta^2")
        XCTAssertEqual(try Parser.parse("-w*theta").derivative("theta").text, "-w")
        XCTAssertEqual(try Parser.parse("theta^2/5").text, "theta^2/5")
    }

    /// Zero times an undefined constant stays undefined: substituting λ = 0 into 2xλ/(2λ + λ²) (a total
    /// derivative whose ∇22 f2 is singular) folded 0·0⁻¹ into 0, a value where none is defined.
    func testZeroTimesAnUndefinedConstantIsUndefined() throws {
        let e = try Parser.parse("2*x*l/(2*l + l^2)")
        XCTAssertTrue(e.substituting(["l": .zero]).evaluate(["x": 1]).isNaN, e.substituting(["l": .zero]).text)
        XCTAssertTrue(Expr.multiply([.zero, .power(.zero, .constant(-1))]).evaluate([:]).isNaN)
        XCTAssertTrue(Expr.multiply([.zero, .call(.log, .zero)]).evaluate([:]).isNaN)
        // Zero times what is defined is still zero.
        XCTAssertEqual(Expr.multiply([.zero, .variable("x"), .power(.constant(2), .constant(-1))]), .zero)
        XCTAssertEqual(e.substituting(["l": .one]).evaluate(["x": 3]), 2.0, accuracy: 1e-15)
    }

    func testLatex() throws {
        let e = try Parser.parse("theta^2/5 + sqrt(x1) - sigmoid(w)")
        XCTAssertEqual(e.latex.filter { $0 == "{" }.count, e.latex.filter { $0 == "}" }.count)
        XCTAssertTrue(e.latex.contains("\\theta^{2}"), e.latex)
        XCTAssertTrue(e.latex.contains("x_{1}"), e.latex)
        XCTAssertTrue(e.latex.contains("\\sigma"), e.latex)
    }

    func testTextRoundTripsThroughTheParser() throws {
        var rng = SplitMix(seed: 3)
        for _ in 0..<300 {
            let e = try Parser.parse(randomExpr(&rng, depth: 4)).derivative("x")
            let back = try Parser.parse(e.text)
            let p = ["x": 0.3, "y": -0.4, "z": 0.7]
            let a = e.evaluate(p), b = back.evaluate(p)
            if a.isFinite { XCTAssertEqual(a, b, accuracy: 1e-12 * max(1, Swift.abs(a)), e.text) }
        }
    }
}

/// A random expression in x, y, z over every operator and most functions (seeded).
func randomExpression(_ rng: inout SplitMix, depth: Int) -> String {
        if depth == 0 || rng.next() % 4 == 0 {
            switch rng.next() % 4 {
            case 0: return "x"
            case 1: return "y"
            case 2: return String(format: "%.2f", rng.uniform() * 3 - 1.5)
            default: return "z"
            }
        }
        let a = randomExpression(&rng, depth: depth - 1), b = randomExpression(&rng, depth: depth - 1)
        switch rng.next() % 12 {
        case 0: return "(\(a)) + (\(b))"
        case 1: return "(\(a)) - (\(b))"
        case 2, 3: return "(\(a)) * (\(b))"
        case 4: return "(\(a)) / (1.5 + (\(b))^2)"
        case 5: return "(\(a))^\(Int(rng.next() % 4))"
        case 6: return "exp(0.3*(\(a)))"
        case 7: return "sin(\(a))"
        case 8: return "tanh(\(a))"
        case 9: return "sqrt(1 + (\(a))^2)"
        case 10: return "sigmoid(\(a)) + softplus(\(b))"
        default: return "log(2 + cos(\(a)))"
        }
}

/// d/dx of f1(f2(…fk(x)…)) is one product of k factors. Built one chain-rule level at a time, the
/// growing product was re-canonicalized at every level: sin nested 800 deep took 15 s (cubic in k).
final class NestedDerivativeTests: XCTestCase {
    func testNestedChainDerivativeIsOneProduct() throws {
        let depth = 800
        let e = try Parser.parse(String(repeating: "sin(", count: depth) + "x" + String(repeating: ")", count: depth))
        let start = Date()
        let d = e.derivative("x")
        let seconds = Date().timeIntervalSince(start)
        // One factor cos(sin^k(x)) per level, k = 0 … 799.
        guard case .product(let factors) = d else { return XCTFail("not a product: \(d.nodeCount) nodes") }
        XCTAssertEqual(factors.count, depth)
        var v = 0.3, slope = 1.0
        for _ in 0..<depth { slope *= cos(v); v = sin(v) }
        XCTAssertEqual(d.evaluate(["x": 0.3]), slope, accuracy: 1e-15)
        // About 0.1 s in a debug build; the level-by-level construction took about 7 s here.
        XCTAssertLessThan(seconds, 3, "d/dx of sin nested \(depth) deep took \(seconds) s")
    }

    func testChainsWithInnerSumsAndMixedFunctions() throws {
        // d/dx exp(tanh(3x)) = exp(tanh(3x)) (1 − tanh²(3x)) · 3.
        let d = try Parser.parse("exp(tanh(3*x))").derivative("x")
        let x = 0.2, t = tanh(3 * x)
        XCTAssertEqual(d.evaluate(["x": x]), exp(t) * (1 - t * t) * 3, accuracy: 1e-14)
        XCTAssertEqual(try Parser.parse("sign(sin(x))").derivative("x"), .zero)
        XCTAssertEqual(try Parser.parse("sin(cos(y))").derivative("x"), .zero)
        // log(log(x)): 1/(x log x).
        XCTAssertEqual(try Parser.parse("log(log(x))").derivative("x").evaluate(["x": 3]), 1 / (3 * log(3)), accuracy: 1e-15)
    }
}
