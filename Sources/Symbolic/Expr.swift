/// A real-valued expression over named variables.
///
/// Expressions are kept in a canonical form by the smart constructors in `Expr+Algebra.swift`
/// (flattened sums and products, folded constants, collected like terms), so structurally equal
/// expressions compare equal and derivatives stay readable. Subtraction is a sum with a −1
/// coefficient and division a product with a negative exponent.
public indirect enum Expr: Hashable, Sendable {
    case constant(Double)
    case variable(String)
    case sum([Expr])
    case product([Expr])
    case power(Expr, Expr)
    case call(MathFunction, Expr)
}

/// The elementary functions the parser, differentiator, printers and compiler understand.
public enum MathFunction: String, CaseIterable, Hashable, Sendable {
    case exp, log, sin, cos, tan, sinh, cosh, tanh, sqrt, abs, sign, sigmoid, softplus

    /// Evaluates the function at one point, with the same conventions as the compiled evaluator.
    @inlinable
    public func apply(_ x: Double) -> Double {
        switch self {
        case .exp: return Foundation.exp(x)
        case .log: return Foundation.log(x)
        case .sin: return Foundation.sin(x)
        case .cos: return Foundation.cos(x)
        case .tan: return Foundation.tan(x)
        case .sinh: return Foundation.sinh(x)
        case .cosh: return Foundation.cosh(x)
        case .tanh: return Foundation.tanh(x)
        case .sqrt: return x.squareRoot()
        case .abs: return Swift.abs(x)
        case .sign: return x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : x))
        case .sigmoid:
            // Written so that neither branch overflows exp.
            if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
            let e = Foundation.exp(x)
            return e / (1 + e)
        case .softplus:
            // log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}), stable for large |x|.
            return Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
        }
    }
}

import Foundation

extension Expr {
    public static let zero = Expr.constant(0)
    public static let one = Expr.constant(1)

    /// The constant value, if this expression is a constant.
    public var constantValue: Double? {
        if case .constant(let c) = self { return c }
        return nil
    }

    /// The set of variable names that occur in the expression.
    public var variables: Set<String> {
        var names = Set<String>()
        collectVariables(into: &names)
        return names
    }

    private func collectVariables(into names: inout Set<String>) {
        switch self {
        case .constant: break
        case .variable(let name): names.insert(name)
        case .sum(let terms), .product(let terms): for t in terms { t.collectVariables(into: &names) }
        case .power(let b, let e): b.collectVariables(into: &names); e.collectVariables(into: &names)
        case .call(_, let a): a.collectVariables(into: &names)
        }
    }

    /// Number of nodes, a rough size measure used to keep printed output honest about blow-up.
    public var nodeCount: Int {
        switch self {
        case .constant, .variable: return 1
        case .sum(let terms), .product(let terms): return 1 + terms.reduce(0) { $0 + $1.nodeCount }
        case .power(let b, let e): return 1 + b.nodeCount + e.nodeCount
        case .call(_, let a): return 1 + a.nodeCount
        }
    }

    /// Replaces variables by expressions (simultaneously) and re-simplifies.
    public func substituting(_ map: [String: Expr]) -> Expr {
        switch self {
        case .constant: return self
        case .variable(let name): return map[name] ?? self
        case .sum(let terms): return Expr.add(terms.map { $0.substituting(map) })
        case .product(let factors): return Expr.multiply(factors.map { $0.substituting(map) })
        case .power(let b, let e): return Expr.pow(b.substituting(map), e.substituting(map))
        case .call(let f, let a): return Expr.apply(f, a.substituting(map))
        }
    }

    /// Evaluates by walking the tree. Meant for tests and one-off values; hot loops use `CompiledFunction`.
    public func evaluate(_ values: [String: Double]) -> Double {
        switch self {
        case .constant(let c): return c
        case .variable(let name): return values[name] ?? .nan
        case .sum(let terms): return terms.reduce(0) { $0 + $1.evaluate(values) }
        case .product(let factors): return factors.reduce(1) { $0 * $1.evaluate(values) }
        case .power(let b, let e): return Expr.realPower(b.evaluate(values), e.evaluate(values))
        case .call(let f, let a): return f.apply(a.evaluate(values))
        }
    }

    /// Real power with the conventions used everywhere in the toolkit: integer exponents of negative
    /// bases are defined; other non-integer powers of negative bases are NaN.
    @inlinable
    public static func realPower(_ base: Double, _ exponent: Double) -> Double {
        if exponent == 2 { return base * base }
        if exponent == 1 { return base }
        if exponent == 0.5 { return base.squareRoot() }
        return Foundation.pow(base, exponent)
    }
}
