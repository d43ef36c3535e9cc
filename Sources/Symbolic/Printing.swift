import Foundation

/// Text and LaTeX printing. Text output re-parses to the same expression and is valid SymPy input
/// (with `^` read as power), which is how the SymPy cross-check reads it.
extension Expr: CustomStringConvertible {
    public var description: String { text }

    public var text: String { TextPrinter().print(self, context: .top) }
    public var latex: String { LatexPrinter().print(self, context: .top) }
}

/// Where a subexpression is printed, from loosest to tightest binding.
enum PrintContext: Int, Comparable {
    case top = 0, sumTerm, factor, powerBase
    static func < (a: PrintContext, b: PrintContext) -> Bool { a.rawValue < b.rawValue }
}

/// A product split into sign, rational coefficient, numerator and denominator factors.
struct FractionParts {
    var negative = false
    var numeratorCoefficient: Double = 1
    var denominatorCoefficient: Double = 1
    var numerator: [Expr] = []
    var denominator: [Expr] = []

    init(_ e: Expr) {
        let factors: [Expr]
        if case .product(let fs) = e { factors = fs } else { factors = [e] }
        for f in factors {
            switch f {
            case .constant(let c):
                negative = c < 0
                if let (p, q) = rational(Swift.abs(c)) {
                    numeratorCoefficient = p; denominatorCoefficient = q
                } else {
                    numeratorCoefficient = Swift.abs(c)
                }
            case .power(let base, .constant(let k)) where k < 0:
                denominator.append(Expr.pow(base, .constant(-k)))
            default:
                numerator.append(f)
            }
        }
    }
}

/// `x` as p/q with a small denominator when that is exact, so 0.2 prints as 1/5.
func rational(_ x: Double) -> (Double, Double)? {
    guard x.isFinite, x != x.rounded() else { return nil }
    for q in 2...100 {
        let p = (x * Double(q)).rounded()
        // Within a few ulps: 1.2000000000000002 (from 2/5 + 4/5) still prints as 6/5.
        if p != 0, Swift.abs(p) < 1e9, Swift.abs(p / Double(q) - x) <= 4 * x.ulp { return (p, Double(q)) }
    }
    return nil
}

func formatNumber(_ x: Double) -> String {
    if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int64(x)) }
    // Drop round-off noise (0.6000000000000001 → 0.6) when 15 significant digits are within 4 ulps.
    let short = String(format: "%.15g", x)
    if let v = Double(short), Swift.abs(v - x) <= 4 * x.ulp { return short }
    return "\(x)"
}

/// Whether an expression prints with a leading minus sign.
func printsNegative(_ e: Expr) -> Bool {
    switch e {
    case .constant(let c): return c < 0
    case .product(let fs): if case .constant(let c) = fs[0] { return c < 0 }; return false
    default: return false
    }
}

struct TextPrinter {
    func print(_ e: Expr, context: PrintContext) -> String {
        switch e {
        case .constant(let c):
            var s = formatNumber(Swift.abs(c))
            if let (p, q) = rational(Swift.abs(c)) {
                s = "\(formatNumber(p))/\(formatNumber(q))"
                if context >= .factor { s = "(\(s))" }
            }
            if c < 0 { s = "-" + s; if context >= .factor { s = "(\(s))" } }
            return s
        case .variable(let name): return name
        case .sum(let terms):
            var s = print(terms[0], context: .sumTerm)
            for t in terms.dropFirst() {
                if printsNegative(t) {
                    s += " - " + print(Expr.negate(t), context: .sumTerm)
                } else {
                    s += " + " + print(t, context: .sumTerm)
                }
            }
            return context > .top ? "(\(s))" : s
        case .product, .power(_, .constant(_)):
            if case .power(_, .constant(let k)) = e, k >= 0 { return printPower(e, context: context) }
            return printProduct(e, context: context)
        case .power: return printPower(e, context: context)
        case .call(let f, let a): return "\(f.rawValue)(\(print(a, context: .top)))"
        }
    }

    private func printPower(_ e: Expr, context: PrintContext) -> String {
        guard case .power(let base, let exponent) = e else { return print(e, context: context) }
        var b = print(base, context: .powerBase)
        // Powers are right associative: a power as the base needs parentheses, (x^2)^y.
        if case .power = base { b = "(\(b))" }
        var x = print(exponent, context: .powerBase)
        if case .constant(let k) = exponent, k >= 0, rational(k) == nil { x = formatNumber(k) }
        return "\(b)^\(x)"
    }

    private func printProduct(_ e: Expr, context: PrintContext) -> String {
        let parts = FractionParts(e)
        var num = parts.numerator.map { print($0, context: .factor) }
        if parts.numeratorCoefficient != 1 || num.isEmpty { num.insert(formatNumber(parts.numeratorCoefficient), at: 0) }
        var den = parts.denominator.map { print($0, context: .factor) }
        if parts.denominatorCoefficient != 1 { den.insert(formatNumber(parts.denominatorCoefficient), at: 0) }
        var s = num.joined(separator: "*")
        if !den.isEmpty {
            let single = den.count == 1 && (parts.denominator.count == 0 || !isProductLike(parts.denominator[0]))
            s += "/" + (single ? den[0] : "(\(den.joined(separator: "*")))")
        }
        if parts.negative { s = "-" + s }
        return context >= .powerBase || (parts.negative && context >= .factor) ? "(\(s))" : s
    }

    private func isProductLike(_ e: Expr) -> Bool {
        if case .product = e { return true }
        return false
    }
}

struct LatexPrinter {
    static let greek: Set<String> = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
        "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
        "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
    ]

    func name(_ n: String) -> String {
        var base = n, sub = ""
        if let u = n.firstIndex(of: "_") {
            base = String(n[..<u]); sub = String(n[n.index(after: u)...])
        } else if let d = n.firstIndex(where: \.isNumber), d != n.startIndex {
            base = String(n[..<d]); sub = String(n[d...])
        }
        if n == "λ" { return "\\lambda" }
        var s = LatexPrinter.greek.contains(base) ? "\\\(base)" : (base.count > 1 ? "\\mathrm{\(base)}" : base)
        if !sub.isEmpty { s += "_{\(sub)}" }
        return s
    }

    func print(_ e: Expr, context: PrintContext) -> String {
        switch e {
        case .constant(let c):
            var s = formatNumber(Swift.abs(c))
            if let (p, q) = rational(Swift.abs(c)) { s = "\\frac{\(formatNumber(p))}{\(formatNumber(q))}" }
            if c < 0 { s = "-" + s; if context >= .factor { s = "\\left(\(s)\\right)" } }
            return s
        case .variable(let n): return name(n)
        case .sum(let terms):
            var s = print(terms[0], context: .sumTerm)
            for t in terms.dropFirst() {
                s += printsNegative(t) ? " - " + print(Expr.negate(t), context: .sumTerm) : " + " + print(t, context: .sumTerm)
            }
            return context > .top ? "\\left(\(s)\\right)" : s
        case .power(let base, .constant(let k)) where k < 0:
            return printProduct(.product([e]), context: context)
        case .product: return printProduct(e, context: context)
        case .power(let base, let exponent):
            if case .constant(0.5) = exponent { return "\\sqrt{\(print(base, context: .top))}" }
            var b = print(base, context: .powerBase)
            // A base that already carries a superscript (x^{2}, e^{x}) must be wrapped: x^{2}^{y} is not LaTeX.
            if case .power = base { b = "\\left(\(b)\\right)" }
            if case .call(.exp, _) = base { b = "\\left(\(b)\\right)" }
            return "\(b)^{\(print(exponent, context: .top))}"
        case .call(let f, let a):
            let arg = print(a, context: .top)
            switch f {
            case .exp: return "e^{\(arg)}"
            case .sqrt: return "\\sqrt{\(arg)}"
            case .abs: return "\\left|\(arg)\\right|"
            case .sigmoid: return "\\sigma\\left(\(arg)\\right)"
            case .softplus, .sign: return "\\operatorname{\(f.rawValue)}\\left(\(arg)\\right)"
            default: return "\\\(f.rawValue)\\left(\(arg)\\right)"
            }
        }
    }

    private func printProduct(_ e: Expr, context: PrintContext) -> String {
        let parts = FractionParts(e)
        func join(_ coefficient: Double, _ factors: [Expr]) -> String {
            var items = factors.map { print($0, context: .factor) }
            if coefficient != 1 || items.isEmpty { items.insert(formatNumber(coefficient), at: 0) }
            var s = items[0]
            for item in items.dropFirst() {
                s += (item.first?.isNumber ?? false) ? " \\cdot " + item : " " + item
            }
            return s
        }
        var s = join(parts.numeratorCoefficient, parts.numerator)
        if !parts.denominator.isEmpty || parts.denominatorCoefficient != 1 {
            s = "\\frac{\(s)}{\(join(parts.denominatorCoefficient, parts.denominator))}"
        }
        if parts.negative {
            s = "-" + s
            if context >= .factor { s = "\\left(\(s)\\right)" }
        } else if context >= .powerBase, parts.denominator.isEmpty {
            s = "\\left(\(s)\\right)"
        }
        return s
    }
}
