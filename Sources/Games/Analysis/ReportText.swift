import Foundation

extension AnalysisReport {
    /// The human-readable report (report.txt): each property stated with the number behind it.
    public var text: String {
        var out: [String] = []
        func line(_ s: String = "") { out.append(s) }
        func vec(_ v: [Double]) -> String { "(" + v.map { fmt($0) }.joined(separator: ", ") + ")" }
        func eig(_ e: [Complex]?) -> String { e.map { $0.map(\.description).joined(separator: ", ") } ?? "not defined" }

        line("Stackelberg game analysis: \(game.name)")
        line(String(repeating: "=", count: 34 + game.name.count))
        line(game.summary)
        line()
        line("Leader variables:   \(game.leaderVariables.joined(separator: ", "))")
        line("Follower variables: \(game.followerVariables.joined(separator: ", "))")
        line("Leader cost   f1 = \(game.leaderCost)")
        line("Follower cost f2 = \(game.followerCost)")
        line("Leader return: \(game.leaderReturn)")
        if !game.domain.isEmpty {
            line("Domain: " + zip(game.leaderVariables + game.followerVariables, game.domain).map { "\($0) ∈ [\(fmt($1[0])), \(fmt($1[1]))]" }.joined(separator: ", "))
        }
        if game.stochastic { line("Stochastic game: fields and equilibria use the expected game; trajectories use seeded sampled gradients.") }
        line()
        line("Derivatives")
        line("-----------")
        line("∇1 f1  = \(derivatives.leaderGradient.joined(separator: "; "))")
        line("∇2 f1  = \(derivatives.leaderCostFollowerGradient.joined(separator: "; "))")
        line("∇2 f2  = \(derivatives.followerGradient.joined(separator: "; "))")
        line("∇22 f2 = \(derivatives.followerHessian.map { $0.joined(separator: ", ") }.joined(separator: "; "))")
        line("∇21 f2 = \(derivatives.followerMixed.map { $0.joined(separator: ", ") }.joined(separator: "; "))")
        line("Total derivative ∇λ f1 = ∇1 f1 − ∇21 f2ᵀ (∇22 f2 + λI)⁻¹ ∇2 f1 = \(derivatives.totalDerivative.joined(separator: "; "))")
        if let n = derivatives.note { line("(\(n))") }
        line()
        line("Settings: λ = \(fmt(options.lambda)), α1 (leader) = \(fmt(options.leaderLearningRate)), α2 (follower) = \(fmt(options.followerLearningRate)), timescale ratio α1/α2 = \(fmt(options.leaderLearningRate / options.followerLearningRate)), follower unroll m = \(options.unroll), iterations = \(options.iterations), seed = \(options.seed)")
        if !warnings.isEmpty {
            line()
            line("Warnings")
            line("--------")
            for w in warnings { line("- \(w)") }
        }
        line()
        line(options.haltonStarts
             ? "Stationary points (\(equilibria.count) found from \(options.rootStarts) root-finder starts, Halton points over the domain: a grid of 2 per axis would need 2^\(options.start.count) starts; --root-starts N asks for a grid)"
             : "Stationary points (\(equilibria.count) found from \(options.rootStarts) root-finder starts, \(options.rootStartsPerAxis) per axis)")
        line("-----------------")
        if equilibria.isEmpty { line("none found in the domain") }
        for (i, e) in equilibria.enumerated() {
            line("[\(i + 1)] z = \(vec(e.point))   stationary for: \(e.stationaryFor.isEmpty ? "none" : e.stationaryFor.joined(separator: ", "))")
            line("    ∇22 f2: \(e.followerHessianStatus); eigenvalues \(e.followerHessianEigenvalues.map { vec($0) } ?? "n/a"), condition number \(fmt(e.followerHessianCondition))")
            line("    ∇11 f1 eigenvalues: \(e.leaderHessianEigenvalues.map { vec($0) } ?? "n/a")")
            line("    differential Nash equilibrium: \(e.isDifferentialNash ? "YES" : "no") — \(e.nashReason)")
            line("    differential Stackelberg equilibrium: \(e.isDifferentialStackelberg ? "YES" : "no") — \(e.stackelbergReason)")
            if let s = e.secondTotalDerivativeEigenvalues { line("    second total derivative D²f1 eigenvalues: \(vec(s))") }
            for s in e.spectra {
                var verdict = "stability: "
                if let st = s.locallyAsymptoticallyStable { verdict += st ? "locally asymptotically stable" : "unstable" } else { verdict += "undecided" }
                line("    \(s.dynamic)\(s.lambda.map { " (λ = \(fmt($0)))" } ?? ""): ‖g‖ = \(s.gradientNorm.map { fmt($0) } ?? "not finite"); spec(Dg) = {\(eig(s.eigenvalues))}; \(verdict)\(s.discreteSpectralRadius.map { "; discrete spectral radius ρ(I − ΓDg) = \(fmt($0))" } ?? "")")
                if let n = s.note { line("      note: \(n)") }
            }
        }
        line()
        line("Discrete trajectories from \(vec(options.start)) toward \(referenceEquilibrium.map { vec($0) } ?? "(no reference equilibrium)")"
             + (options.reference != nil ? " (given by --reference)"
                : referenceEquilibrium == nil ? ""
                : equilibria.contains(where: { $0.point == referenceEquilibrium! && $0.isDifferentialStackelberg })
                    ? " (the differential Stackelberg equilibrium nearest the start; --reference chooses another)"
                    : " (no differential Stackelberg equilibrium: of the points stationary for the most dynamics, the nearest the start; --reference chooses another)"))
        line("-----------------------")
        for t in trajectories {
            if t.undefinedAtStart {
                line("\(t.dynamic): undefined at the start z0 = \(vec(t.start)): its first step is not finite (\(t.undefinedReason ?? "the dynamic is not defined there")); not iterated")
                continue
            }
            // Without a reference point there is no error to follow and no centre to sweep an angle around.
            let measured = referenceEquilibrium == nil ? "no reference point (no stationary point found; --reference gives one): error and angle not measured"
                : "‖z − z*‖² \(fmt(t.initialError)) → \(fmt(t.finalError)); error increased on \(fmt(100 * t.increasingStepFraction, digits: 3))% of steps; angle swept around z* = \(fmt(t.windingAngle, digits: 4)) rad (\(fmt(t.windingAngle / (2 * .pi), digits: 3)) turns)"
            line("\(t.dynamic): after \(t.iterations) iterations z = \(vec(t.final)), \(measured)\(t.diverged ? "; DIVERGED" : "")")
        }
        line()
        line("Continuous flows ż = −Γ g(z), Γ = diag(α1, α2) / max(α1, α2) (adaptive RKF45), from the same start")
        line("----------------")
        for f in flows {
            line("\(f.dynamic): at t = \(fmt(f.time)) z = \(vec(f.final))\(referenceEquilibrium == nil ? "" : ", ‖z − z*‖² = \(fmt(f.finalError))")\(f.note.map { " (\($0))" } ?? "")")
        }
        if let s = lambdaSweep {
            line()
            line("Spectrum of the regularized dynamic's Jacobian as λ grows (Prop. 2), at z = \(vec(s.point))")
            line("-------------------------------------------------------------")
            if let n = s.note { line("(\(n))") }
            line("λ = 0 (Stackelberg): {\(eig(s.stackelbergEigenvalues))}")
            for i in Swift.stride(from: 0, to: s.lambdas.count, by: max(1, s.lambdas.count / 8)) {
                line("λ = \(fmt(s.lambdas[i], digits: 3)): {\(eig(s.eigenvalues[i]))}")
            }
            line("λ → ∞ (individual): {\(eig(s.individualEigenvalues))}")
        }
        if !points.isEmpty {
            line()
            line("Requested points")
            line("----------------")
            for p in points {
                line("z = \(vec(p.point)): individual g = \(vec(p.individualGradient)); total derivative (λ = \(fmt(p.totalDerivativeLambda))) = \(p.totalDerivative.map { vec($0) } ?? "not defined"); Stackelberg gradient (λ = 0) = \(p.stackelbergGradient.map { vec($0) } ?? "not defined"); ∇22 f2 = \(p.followerHessian.map { vec($0) }.joined(separator: ", ")) (\(p.followerHessianStatus))")
                for s in p.spectra { line("    \(s.dynamic): spec(Dg) = {\(eig(s.eigenvalues))}\(s.note.map { " — \($0)" } ?? "")") }
            }
        }
        if let p = provenance {
            line()
            line("Provenance: \(p.tool), commit \(p.commit), seed \(p.seed), \(p.date)")
            line("Command: \(p.command)")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
