/// Symbolic differentiation. Results go through the smart constructors, so they come out simplified.
extension Expr {
    /// The partial derivative with respect to `variable`.
    public func derivative(_ variable: String) -> Expr {
        switch self {
        case .constant: return .zero
        case .variable(let name): return name == variable ? .one : .zero
        case .sum(let terms): return Expr.add(terms.map { $0.derivative(variable) })
        case .product(let factors):
            var terms: [Expr] = []
            for i in factors.indices {
                let d = factors[i].derivative(variable)
                if d == .zero { continue }
                var others = factors
                others[i] = d
                terms.append(Expr.multiply(others))
            }
            return Expr.add(terms)
        case .power(let base, let exponent):
            let db = base.derivative(variable)
            let de = exponent.derivative(variable)
            if de == .zero {
                if db == .zero { return .zero }
                // d(b^e) = e b^(e-1) db
                return Expr.multiply([exponent, Expr.pow(base, exponent - .one), db])
            }
            // d(b^e) = b^e (de log b + e db / b)
            return Expr.multiply([self, Expr.add([
                Expr.multiply([de, Expr.apply(.log, base)]),
                Expr.multiply([exponent, db, Expr.pow(base, -1)]),
            ])])
        case .call:
            // Chain rule down a whole chain of nested calls f1(f2(…fk(u)…)) at once: one product of
            // f1'(…)·f2'(…)·…·fk'(u)·u'. Applying it level by level re-canonicalized the growing product
            // at every level (hashing and sorting factors as deep as the chain), which made sin nested
            // 800 deep take seconds: cubic in the depth, where one product is quadratic.
            var chain: [(MathFunction, Expr)] = []
            var inner = self
            while case .call(let f, let u) = inner {
                chain.append((f, u))
                inner = u
            }
            let du = inner.derivative(variable)
            if du == .zero { return .zero }
            return Expr.multiply(chain.map { f, u in f.derivative(at: u) } + [du])
        }
    }

    /// Successive partial derivatives, in the order given.
    public func derivative(_ variables: [String]) -> Expr {
        variables.reduce(self) { $0.derivative($1) }
    }

    public func gradient(_ variables: [String]) -> [Expr] {
        variables.map { derivative($0) }
    }

    /// Matrix of second partials: entry [i][j] = ∂²/∂rows[i]∂columns[j].
    public func secondDerivatives(rows: [String], columns: [String]) -> [[Expr]] {
        rows.map { r in
            let dr = derivative(r)
            return columns.map { dr.derivative($0) }
        }
    }
}

extension MathFunction {
    /// f'(u) as an expression in u.
    func derivative(at u: Expr) -> Expr {
        switch self {
        case .exp: return Expr.apply(.exp, u)
        case .log: return Expr.pow(u, -1)
        case .sin: return Expr.apply(.cos, u)
        case .cos: return -Expr.apply(.sin, u)
        case .tan: return Expr.one + Expr.pow(Expr.apply(.tan, u), 2)
        case .sinh: return Expr.apply(.cosh, u)
        case .cosh: return Expr.apply(.sinh, u)
        case .tanh: return Expr.one - Expr.pow(Expr.apply(.tanh, u), 2)
        case .sqrt: return Expr.divide(0.5, Expr.apply(.sqrt, u))
        case .abs: return Expr.apply(.sign, u)
        case .sign: return .zero
        case .sigmoid:
            let s = Expr.apply(.sigmoid, u)
            return Expr.multiply([s, Expr.one - s])
        case .softplus: return Expr.apply(.sigmoid, u)
        }
    }
}
