import Symbolic

/// What the linearization of one dynamic says at a point.
public struct SpectrumReport: Sendable, Codable {
    public var dynamic: String
    public var lambda: Double?
    /// ‖g(z)‖: zero at a stationary point of this dynamic.
    public var gradientNorm: Double?
    /// Eigenvalues of Dg(z); nil when Dg is not finite there.
    public var eigenvalues: [Complex]?
    /// ż = −g(z) is locally asymptotically stable iff every eigenvalue of Dg has positive real part.
    public var locallyAsymptoticallyStable: Bool?
    public var hyperbolic: Bool?
    /// Spectral radius of I − Γ Dg(z) for the discrete iteration with the analysis' learning rates.
    public var discreteSpectralRadius: Double?
    public var note: String?
}

/// A stationary point and what it is.
public struct EquilibriumReport: Sendable, Codable {
    public var point: [Double]
    /// The dynamics for which the point is stationary (‖g‖ below tolerance).
    public var stationaryFor: [String]
    public var leaderHessianEigenvalues: [Double]?
    public var followerHessianEigenvalues: [Double]?
    public var followerHessianCondition: Double
    public var followerHessianStatus: String
    /// Eigenvalues of the second total derivative D²f1 = ∂1(Df1) − ∂2(Df1) (∇22 f2)⁻¹ ∇21 f2 (symmetric part).
    public var secondTotalDerivativeEigenvalues: [Double]?
    public var isDifferentialNash: Bool
    public var nashReason: String
    public var isDifferentialStackelberg: Bool
    public var stackelbergReason: String
    public var spectra: [SpectrumReport]
}

/// Thresholds used by the classification, stated in every report.
public struct ClassificationTolerances: Sendable, Codable {
    public var stationary = 1e-6
    /// Eigenvalues below this (relative to the largest, or absolutely when all are small) count as zero.
    public var singular = 1e-8
    /// Condition numbers above this are reported as ill-conditioned.
    public var illConditioned = 1e8
    /// |Re λ| below this is treated as zero when deciding hyperbolicity.
    public var hyperbolic = 1e-9
    public init() {}
}

extension GameDynamics {
    public func classify(_ z: [Double], rule: StepRule, tolerances t: ClassificationTolerances = .init()) -> EquilibriumReport {
        let game = derivatives.game
        let n1 = game.leaderVariables.count, n2 = game.followerVariables.count
        let values = Dictionary(uniqueKeysWithValues: zip(game.variables, z))
        func eval(_ m: [[Expr]]) -> Matrix { Matrix(m.map { row in row.map { $0.evaluate(values) } }) }
        func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

        let h11 = eval(derivatives.leaderHessian), h22 = eval(derivatives.followerHessian)
        let h21 = eval(derivatives.followerMixed)
        let h11e = h11.symmetricEigenvalues(), h22e = h22.symmetricEigenvalues()
        let cond = h22.symmetricConditionNumber()
        let scale22 = max(1, h22e?.map(Swift.abs).max() ?? 1)
        let h22Singular = h22e.map { $0.contains { Swift.abs($0) < t.singular * scale22 } } ?? true
        let h22Status: String
        if h22e == nil { h22Status = "not finite" }
        else if h22Singular { h22Status = "singular (smallest |eigenvalue| \(fmt(h22e!.map(Swift.abs).min()!)))" }
        else if cond > t.illConditioned { h22Status = "ill-conditioned (condition number \(fmt(cond)))" }
        else if h22e!.allSatisfy({ $0 > 0 }) { h22Status = "positive definite" }
        else { h22Status = "indefinite or negative definite" }
        let h22PD = !h22Singular && (h22e?.allSatisfy { $0 > 0 } ?? false)

        var spectra: [SpectrumReport] = []
        var stationaryFor: [String] = []
        for d in all {
            var s = SpectrumReport(dynamic: d.kind.name, lambda: d.kind == .individual ? nil : d.kind.lambda)
            let g = d.evaluate(z)
            if g.allSatisfy(\.isFinite) {
                s.gradientNorm = norm(g)
                if norm(g) < t.stationary { stationaryFor.append(d.kind.name) }
            }
            let jac = d.jacobianMatrix(z)
            // Where ∇2 f1 ≡ 0 the total derivative is ∇1 f1 whatever the follower's best response: defined,
            // and evaluated as such by the iteration and the flow, so its spectrum is reported too.
            if d.kind == .stackelberg && h22Singular && !derivatives.leaderCostIgnoresFollower {
                s.note = "∇22 f2 is singular here: the Stackelberg gradient (λ = 0) is not defined by the implicit function theorem, so its linearization is not computed"
            } else if let e = jac.eigenvalues() {
                if d.kind == .stackelberg && h22Singular {
                    s.note = "∇22 f2 is singular here, but the leader's cost does not depend on the follower's variables (∇2 f1 ≡ 0), so the total derivative is ∇1 f1 and the Stackelberg dynamic is individual play"
                }
                s.eigenvalues = e
                let scale = max(1, e.map(\.magnitude).max() ?? 1)
                let hyperbolic = e.allSatisfy { Swift.abs($0.re) > t.hyperbolic * scale }
                s.hyperbolic = hyperbolic
                s.locallyAsymptoticallyStable = hyperbolic ? e.allSatisfy { $0.re > 0 } : nil
                if !hyperbolic {
                    s.note = (s.note.map { $0 + "; " } ?? "") + "non-hyperbolic (an eigenvalue of Dg has zero real part): linearization cannot decide stability"
                }
                var step = jac
                for i in 0..<d.dimension {
                    let a = i < n1 ? rule.leaderLearningRate : rule.followerLearningRate
                    for j in 0..<d.dimension { step[i, j] = (i == j ? 1 : 0) - a * jac[i, j] }
                }
                s.discreteSpectralRadius = step.eigenvalues()?.map(\.magnitude).max()
            } else {
                s.note = "Dg is not finite here"
            }
            spectra.append(s)
        }

        // Differential Nash: both own gradients vanish and both own Hessians are positive definite.
        let individualStationary = stationaryFor.contains("individual")
        let h11PD = h11e.map { e in e.allSatisfy { $0 > t.singular * max(1, e.map(Swift.abs).max()!) } } ?? false
        let isNash = individualStationary && h11PD && h22PD
        let nashReason = !individualStationary ? "own gradients do not vanish (‖(∇1f1, ∇2f2)‖ = \(fmt(spectra[0].gradientNorm ?? .nan)))"
            : !h11PD ? "∇11 f1 is not positive definite (eigenvalues \(h11e.map { $0.map { fmt($0) }.joined(separator: ", ") } ?? "not finite"))"
            : !h22PD ? "∇22 f2 is \(h22Status)"
            : "∇1f1 = 0, ∇2f2 = 0, ∇11 f1 ≻ 0, ∇22 f2 ≻ 0"

        // Differential Stackelberg (Def. 1): total derivative and follower gradient vanish, ∇22 f2 ≻ 0, D²f1 ≻ 0.
        var secondTotal: [Double]? = nil
        var isStackelberg = false
        var stackelbergReason: String
        if !h22PD {
            // Singular: the implicit function theorem gives no best response. Nonsingular but not
            // positive definite: it gives one, but the follower's point is not a local minimum of f2.
            stackelbergReason = h22Singular && h22e != nil && derivatives.leaderCostIgnoresFollower
                ? "∇22 f2 is \(h22Status), and Def. 1 needs ∇22 f2 ≻ 0 (the Stackelberg dynamic is defined here all the same: ∇2 f1 ≡ 0 makes the total derivative ∇1 f1)"
                : h22Singular || h22e == nil
                ? "∇22 f2 is \(h22Status), so the implicit best response is not defined by the implicit function theorem"
                : "∇22 f2 is \(h22Status): the implicit best response exists, but the follower is not at a local minimum of f2 (Def. 1 needs ∇22 f2 ≻ 0)"
        } else {
            let jac = stackelberg.jacobianMatrix(z)
            // A = ∂(Df1)/∂x1, B = ∂(Df1)/∂x2; along the best response dx2/dx1 = −(∇22 f2)⁻¹ ∇21 f2.
            var d2 = Matrix(rows: n1, columns: n1, values: Array(repeating: 0, count: n1 * n1))
            var ok = jac.isFinite
            for j in 0..<n1 where ok {
                guard let v = h22.solve((0..<n2).map { h21[$0, j] }) else { ok = false; break }
                for i in 0..<n1 {
                    var s = jac[i, j]
                    for k in 0..<n2 { s -= jac[i, n1 + k] * v[k] }
                    d2[i, j] = s
                }
            }
            secondTotal = ok ? d2.symmetricEigenvalues() : nil
            let stationary = stationaryFor.contains("stackelberg")
            let scale = max(1, secondTotal?.map(Swift.abs).max() ?? 1)
            let d2PD = secondTotal?.allSatisfy { $0 > t.singular * scale } ?? false
            isStackelberg = stationary && d2PD
            stackelbergReason = !stationary ? "the total derivative and follower gradient do not both vanish (‖g‖ = \(fmt(spectra[1].gradientNorm ?? .nan)))"
                : !d2PD ? "the second total derivative D²f1 is not positive definite (eigenvalues \(secondTotal.map { $0.map { fmt($0) }.joined(separator: ", ") } ?? "not finite"))"
                : "Df1 = 0, ∇2f2 = 0, ∇22 f2 ≻ 0, D²f1 ≻ 0"
        }
        return EquilibriumReport(point: z, stationaryFor: stationaryFor, leaderHessianEigenvalues: h11e,
                                 followerHessianEigenvalues: h22e, followerHessianCondition: cond,
                                 followerHessianStatus: h22Status, secondTotalDerivativeEigenvalues: secondTotal,
                                 isDifferentialNash: isNash, nashReason: nashReason,
                                 isDifferentialStackelberg: isStackelberg, stackelbergReason: stackelbergReason,
                                 spectra: spectra)
    }

    /// Stationary points of every dynamic from a grid of starts. A root of one dynamic is merged with
    /// a root already found (of this or another dynamic) only when both are the same point after
    /// Newton polishing (`Root.coincides`), never because they are close on the scale of the domain.
    public func equilibria(domain: [ClosedRange<Double>], startsPerAxis: Int) -> [[Double]] {
        equilibria(domain: domain, starts: gridStarts(domain: domain, perAxis: startsPerAxis))
    }

    /// Stationary points of every dynamic from the given starts (merged as above).
    public func equilibria(domain: [ClosedRange<Double>], starts: [[Double]]) -> [[Double]] {
        var points: [Root] = []
        for d in all {
            for r in d.roots(starts: starts, domain: domain) {
                if let i = points.firstIndex(where: { $0.coincides(with: r) }) {
                    // The same point: keep the better-determined copy.
                    if r.uncertainty < points[i].uncertainty { points[i] = r }
                } else {
                    points.append(r)
                }
            }
        }
        return points.map(\.point)
    }
}
