import Symbolic

/// Symbolic first and second derivatives of a game's costs, and the leader's total derivative.
///
/// Notation follows the STAC paper: ∇1 f1 is the leader's own gradient, ∇2 f1 the leader cost's
/// gradient in the follower's variables, ∇2 f2 the follower's gradient, ∇22 f2 its Hessian and
/// ∇21 f2 the mixed block (rows: follower variables, columns: leader variables).
public struct GameDerivatives: Sendable {
    /// Name of the regularization input λ in compiled tapes (not a valid user variable name).
    public static let lambda = "λ"

    public let game: Game
    public let leaderGradient: [Expr]          // ∇1 f1
    public let leaderCostFollowerGradient: [Expr]  // ∇2 f1
    public let followerGradient: [Expr]        // ∇2 f2
    public let leaderHessian: [[Expr]]         // ∇11 f1
    public let followerHessian: [[Expr]]       // ∇22 f2
    public let followerMixed: [[Expr]]         // ∇21 f2 = ∂²f2/∂x2_i ∂x1_j
    /// ∇λ f1 = ∇1 f1 − ∇21 f2ᵀ (∇22 f2 + λI)⁻¹ ∇2 f1, with λ as the input named `lambda`.
    public let totalDerivative: [Expr]
    /// The implicit correction −∇21 f2ᵀ (∇22 f2 + λI)⁻¹ ∇2 f1 alone.
    public let implicitCorrection: [Expr]

    /// True when ∇2 f1 ≡ 0: the leader's cost does not depend on the follower's variables, so the total
    /// derivative is ∇1 f1 wherever the follower's best response is, and is defined even where ∇22 f2 is
    /// singular (the implicit function theorem is not needed for it). Such a game's Stackelberg and
    /// individual dynamics coincide.
    public var leaderCostIgnoresFollower: Bool { leaderCostFollowerGradient.allSatisfy { $0 == .zero } }

    /// The largest follower dimension for which the total derivative is formed symbolically
    /// (Cramer's rule); the formula grows factorially beyond it.
    public static let maxSymbolicFollowerDimension = 3

    public init(_ game: Game) throws(GameError) {
        let g = game.noise == nil ? game : game.expectedGame()
        self.game = g
        let x1 = g.leaderVariables, x2 = g.followerVariables
        guard x2.count <= Self.maxSymbolicFollowerDimension else {
            throw .unsupported("the follower has \(x2.count) variables; the symbolic total derivative supports at most \(Self.maxSymbolicFollowerDimension) (split the follower or reduce its dimension)")
        }
        let g1 = g.leaderCost.gradient(x1), c2 = g.leaderCost.gradient(x2), g2 = g.followerCost.gradient(x2)
        let h22 = g2.map { d in x2.map { d.derivative($0) } }
        let h21 = g2.map { d in x1.map { d.derivative($0) } }
        leaderGradient = g1
        leaderCostFollowerGradient = c2
        followerGradient = g2
        leaderHessian = g.leaderCost.secondDerivatives(rows: x1, columns: x1)
        followerHessian = h22
        followerMixed = h21

        let lambda = Expr.variable(Self.lambda)
        let regularized = h22.enumerated().map { i, row in
            row.enumerated().map { j, h in i == j ? h + lambda : h }
        }
        let solution = cramerSolve(regularized, c2)
        let correction = x1.indices.map { j in
            Expr.negate(Expr.add(x2.indices.map { i in h21[i][j] * solution[i] }))
        }
        implicitCorrection = correction
        totalDerivative = x1.indices.map { g1[$0] + correction[$0] }
    }

    /// The map g whose zeros are the stationary points of a dynamic: ż = −g(z), z ← z − Γ g(z). Its
    /// inputs are the game's variables and λ (`GameDerivatives.lambda`), which the Stackelberg dynamic
    /// takes at 0.
    public func gradientMap(_ kind: DynamicKind) -> [Expr] {
        switch kind {
        case .individual: return leaderGradient + followerGradient
        // One map for both: λ stays an input, 0 for the Stackelberg dynamic when evaluated (`CompiledDynamic`
        // passes `kind.lambda`). Substituting λ = 0 symbolically let the simplifier cancel (y − x)²/(y − x)²,
        // or fold 0·0⁻¹ into 0, where ∇22 f2 is singular, giving a Stackelberg gradient where the implicit
        // function theorem defines none.
        case .stackelberg, .regularized: return totalDerivative + followerGradient
        }
    }
}

/// Solves M v = b symbolically by Cramer's rule (M at most 3×3).
func cramerSolve(_ m: [[Expr]], _ b: [Expr]) -> [Expr] {
    let det = determinant(m)
    return b.indices.map { i in
        var mi = m
        for r in mi.indices { mi[r][i] = b[r] }
        return Expr.divide(determinant(mi), det)
    }
}

func determinant(_ m: [[Expr]]) -> Expr {
    switch m.count {
    case 1: return m[0][0]
    case 2: return m[0][0] * m[1][1] - m[0][1] * m[1][0]
    default:
        var terms: [Expr] = []
        for j in m.indices {
            let minor = m.dropFirst().map { row in row.enumerated().filter { $0.offset != j }.map(\.element) }
            let term = m[0][j] * determinant(minor)
            terms.append(j % 2 == 0 ? term : Expr.negate(term))
        }
        return Expr.add(terms)
    }
}

/// The learning dynamics the toolkit compares.
public enum DynamicKind: Hashable, Sendable, CustomStringConvertible {
    /// Simultaneous (individual) gradient play: each player follows its own gradient.
    case individual
    /// Stackelberg gradient: the leader follows the total derivative with λ = 0.
    case stackelberg
    /// Regularized Stackelberg gradient with λ > 0 (Sec. 4.5).
    case regularized(lambda: Double)

    public var lambda: Double {
        switch self {
        case .individual: return .infinity
        case .stackelberg: return 0
        case .regularized(let l): return l
        }
    }

    public var name: String {
        switch self {
        case .individual: return "individual"
        case .stackelberg: return "stackelberg"
        case .regularized: return "regularized"
        }
    }

    public var description: String {
        switch self {
        case .individual: return "individual gradient"
        case .stackelberg: return "Stackelberg gradient (λ = 0)"
        case .regularized(let l): return "regularized Stackelberg (λ = \(l))"
        }
    }
}
