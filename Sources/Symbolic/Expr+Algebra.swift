import Foundation

/// Smart constructors that keep expressions canonical: every derivative and substitution goes
/// through them, which is what keeps printed derivatives readable.
extension Expr {
    public static func add(_ terms: [Expr]) -> Expr {
        var constant = 0.0
        var order: [Expr] = []
        var coefficients: [Expr: Double] = [:]
        func absorb(_ term: Expr) {
            switch term {
            case .constant(let c): constant += c
            case .sum(let inner): inner.forEach(absorb)
            case .product(let factors) where Expr.isDistributable(factors):
                // monomial × (a + b) is expanded so that polynomial terms collect (∇21 f2 reads 6θ²/5 + 4θw).
                let i = factors.firstIndex { if case .sum = $0 { return true }; return false }!
                guard case .sum(let inner) = factors[i] else { return }
                var others = factors
                others.remove(at: i)
                for t in inner { absorb(Expr.multiply(others + [t])) }
            default:
                let (c, rest) = term.splitCoefficient()
                if coefficients[rest] == nil { order.append(rest) }
                coefficients[rest, default: 0] += c
            }
        }
        terms.forEach(absorb)
        var result: [Expr] = []
        for rest in order.sorted(by: Expr.canonicallyPrecedes) {
            let c = coefficients[rest]!
            if c == 0 { continue }
            result.append(c == 1 ? rest : Expr.scaled(rest, by: c))
        }
        if constant != 0 || result.isEmpty { result.append(.constant(constant)) }
        return result.count == 1 ? result[0] : .sum(result)
    }

    public static func multiply(_ factors: [Expr]) -> Expr {
        var coefficient = 1.0
        var order: [Expr] = []
        var exponents: [Expr: [Expr]] = [:]
        func absorb(_ factor: Expr) {
            switch factor {
            case .constant(let c): coefficient *= c
            case .product(let inner): inner.forEach(absorb)
            case .power(let base, let exponent):
                if exponents[base] == nil { order.append(base) }
                exponents[base, default: []].append(exponent)
            default:
                if exponents[factor] == nil { order.append(factor) }
                exponents[factor, default: []].append(.one)
            }
        }
        factors.forEach(absorb)
        if coefficient == 0 {
            // 0 times an undefined constant (0⁻¹, log 0, left unevaluated) is undefined, not 0: dropping it
            // hid a singular point. Substituting λ = 0 into a total derivative whose ∇22 f2 is singular
            // everywhere gave 2xλ/(2λ + λ²) → 0·0⁻¹ → 0, a Stackelberg gradient where none is defined.
            for base in order where base.variables.isEmpty {
                for exponent in exponents[base]! where exponent.variables.isEmpty {
                    if !Expr.realPower(base.evaluate([:]), exponent.evaluate([:])).isFinite { return .constant(.nan) }
                }
            }
            return .zero
        }
        var rest: [Expr] = []
        for base in order {
            let p = Expr.pow(base, Expr.add(exponents[base]!))
            switch p {
            case .constant(let c): coefficient *= c
            case .product(let inner):
                for f in inner { if case .constant(let c) = f { coefficient *= c } else { rest.append(f) } }
            default: rest.append(p)
            }
        }
        rest.sort(by: Expr.canonicallyPrecedes)
        if rest.isEmpty { return .constant(coefficient) }
        // A numeric coefficient times a single sum is distributed, so that like terms can cancel later.
        if rest.count == 1, case .sum(let terms) = rest[0], coefficient != 1 {
            return Expr.add(terms.map { Expr.scaled($0, by: coefficient) })
        }
        if coefficient != 1 { rest.insert(.constant(coefficient), at: 0) }
        return rest.count == 1 ? rest[0] : .product(rest)
    }

    public static func pow(_ base: Expr, _ exponent: Expr) -> Expr {
        if let e = exponent.constantValue {
            if e == 0 { return .one }
            if e == 1 { return base }
            if let b = base.constantValue {
                let v = Expr.realPower(b, e)
                if v.isFinite { return .constant(v) }
            }
            if e.rounded() == e {
                switch base {
                case .power(let innerBase, let innerExponent):
                    return Expr.pow(innerBase, Expr.multiply([innerExponent, exponent]))
                case .product(let factors):
                    return Expr.multiply(factors.map { Expr.pow($0, exponent) })
                default: break
                }
            }
        }
        if let b = base.constantValue, b == 1 { return .one }
        return .power(base, exponent)
    }

    public static func apply(_ function: MathFunction, _ argument: Expr) -> Expr {
        if let c = argument.constantValue {
            let v = function.apply(c)
            if v.isFinite && (v == v.rounded() || function == .sqrt || function == .abs || function == .sign) {
                return .constant(v)
            }
        }
        if function == .log, case .call(.exp, let inner) = argument { return inner }
        if function == .abs, case .call(.abs, _) = argument { return argument }
        return .call(function, argument)
    }

    /// A product of one sum and otherwise only constants and non-negative powers of variables.
    static func isDistributable(_ factors: [Expr]) -> Bool {
        var sums = 0
        for f in factors {
            switch f {
            case .sum: sums += 1
            case .constant, .variable: continue
            // Only non-negative powers: expanding x⁻¹·(x² + x) would cancel a 0/0 that marks a
            // singular point (e.g. where the follower's Hessian vanishes) into a finite value.
            case .power(.variable, .constant(let k)) where k >= 0: continue
            default: return false
            }
        }
        return sums == 1
    }

    public static func negate(_ x: Expr) -> Expr { multiply([.constant(-1), x]) }
    public static func subtract(_ a: Expr, _ b: Expr) -> Expr { add([a, negate(b)]) }
    public static func divide(_ a: Expr, _ b: Expr) -> Expr { multiply([a, pow(b, .constant(-1))]) }
    static func scaled(_ x: Expr, by c: Double) -> Expr { multiply([.constant(c), x]) }

    /// Splits `c * rest` into its numeric coefficient and the rest.
    func splitCoefficient() -> (Double, Expr) {
        if case .product(let factors) = self, case .constant(let c) = factors[0] {
            let rest = Array(factors.dropFirst())
            return (c, rest.count == 1 ? rest[0] : .product(rest))
        }
        return (1, self)
    }

    /// A total order used to sort the children of sums and products into a canonical form.
    public static func canonicallyPrecedes(_ a: Expr, _ b: Expr) -> Bool { compare(a, b) < 0 }

    private var rank: Int {
        switch self {
        case .constant: return 0
        case .variable: return 1
        case .power: return 2
        case .call: return 3
        case .product: return 4
        case .sum: return 5
        }
    }

    private static func compare(_ a: Expr, _ b: Expr) -> Int {
        switch (a, b) {
        case (.constant(let x), .constant(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.variable(let x), .variable(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.power(let b1, let e1), .power(let b2, let e2)):
            let c = compare(b1, b2)
            return c != 0 ? c : compare(e1, e2)
        case (.call(let f, let x), .call(let g, let y)):
            if f != g { return f.rawValue < g.rawValue ? -1 : 1 }
            return compare(x, y)
        case (.sum(let xs), .sum(let ys)), (.product(let xs), .product(let ys)):
            for (x, y) in zip(xs, ys) {
                let c = compare(x, y)
                if c != 0 { return c }
            }
            return xs.count < ys.count ? -1 : (xs.count > ys.count ? 1 : 0)
        default:
            // A power sorts next to its base so that x, x^2, x^3 read in order.
            let ka = a.sortBase, kb = b.sortBase
            if ka != a || kb != b {
                let c = compare(ka, kb)
                if c != 0 { return c }
            }
            return a.rank < b.rank ? -1 : (a.rank > b.rank ? 1 : 0)
        }
    }

    private var sortBase: Expr {
        if case .power(let base, _) = self { return base }
        return self
    }
}

/// Operators for building expressions in Swift code and tests.
extension Expr: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    public init(floatLiteral value: Double) { self = .constant(value) }
    public init(integerLiteral value: Int) { self = .constant(Double(value)) }

    public static func + (a: Expr, b: Expr) -> Expr { add([a, b]) }
    public static func - (a: Expr, b: Expr) -> Expr { subtract(a, b) }
    public static func * (a: Expr, b: Expr) -> Expr { multiply([a, b]) }
    public static func / (a: Expr, b: Expr) -> Expr { divide(a, b) }
    public static prefix func - (a: Expr) -> Expr { negate(a) }
}
