import Symbolic

/// The games that ship with the toolkit, by name.
public enum BuiltinGames {
    public static let names = ["stac", "stac-critic-leader", "stac-sac", "bilinear", "quadratic"]

    public static func named(_ name: String) throws(GameError) -> Game {
        switch name {
        case "stac": return stac()
        case "stac-critic-leader": return try stac().swappingRoles(name: "stac-critic-leader")
        case "stac-sac": return stacSAC()
        case "bilinear": return bilinear()
        case "quadratic": return quadratic()
        default:
            // A refused option value (--builtin): a usage error, exit 64 like any other.
            throw .option("unknown built-in game '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }

    static func parse(_ s: String) -> Expr {
        // Built-in expressions are literals of this file; a parse failure is a programming error.
        do { return try Parser.parse(s) } catch { fatalError("built-in expression '\(s)': \(error)") }
    }

    /// STAC toy actor–critic game (Sec. 3.2, App. A).
    public static func stac() -> Game {
        var d = AnalysisDefaults()
        d.leaderLearningRate = 0.01
        d.followerLearningRate = 0.01
        d.lambda = 0.04
        d.start = [0.8, 0.6]
        d.trajectoryStarts = [[0.8, 0.6], [-0.9, 0.9], [0.5, -0.9], [-0.6, -0.4]]
        // On the critic's best response w = −θ/5, near the equilibrium, where ∇22 f2 = 2θ² is invertible.
        d.spectrumPoint = [0.2, -0.04]
        return try! Game(
            name: "stac",
            summary: """
            The toy actor–critic game of the Stackelberg Actor-Critic paper (Sec. 3.2, App. A): a one-step MDP with \
            reward R(θ) = −θ²/5, an actor (leader) θ maximizing J(θ, w) = wθ and a linear critic (follower) w \
            minimizing L(θ, w) = (wθ + θ²/5)². Written as costs: f1 = −wθ, f2 = (wθ + θ²/5)². The hidden linear \
            structure of J and hidden quadratic structure of L make individual gradient play rotate around the \
            equilibrium (0, 0); the actor's total derivative, which anticipates the critic's best response \
            w*(θ) = −θ/5, removes the rotation and the dynamics go straight in. Regularizing the implicit map \
            with λ speeds convergence further. At the equilibrium the critic's Hessian 2θ² vanishes, so the \
            linearization there is degenerate: the report says so rather than print a meaningless spectrum.
            """,
            leaderVariables: ["theta"], followerVariables: ["w"],
            leaderCost: parse("-w*theta"), followerCost: parse("(w*theta + theta^2/5)^2"),
            leaderReturn: parse("-theta^2/5"), leaderReturnLabel: "R(θ) = −θ²/5",
            domain: [-1...1, -1...1], defaults: d)
    }

    /// STAC with a SAC-style actor: a tanh-squashed Gaussian policy a = tanh(θ + σε) with entropy bonus η.
    public static func stacSAC(sigma: Double = 0.3, eta: Double = 0.1) -> Game {
        var d = AnalysisDefaults()
        d.leaderLearningRate = 0.01
        d.followerLearningRate = 0.01
        d.lambda = 0.04
        d.iterations = 2_000
        d.returnIterations = 2_000
        d.start = [0.8, 0.6]
        d.trajectoryStarts = [[0.8, 0.6], [-0.9, 0.9], [0.5, -0.9], [-0.6, -0.4]]
        let u = "(theta + \(sigma)*eps)"
        return try! Game(
            name: "stac-sac",
            summary: """
            The STAC toy game with a soft actor (Figs. 2, 6, 7): the actor samples a = tanh(θ + σε), ε ~ N(0, 1), \
            σ = \(sigma), and maximizes E[w·a − η log π(a)] with entropy weight η = \(eta); the critic minimizes \
            E[(w·a + a²/5)²]. With the reparameterized squashed Gaussian, −log π(a) = −log N(ε) + log(1 − tanh²(u)) \
            = const − 2 log cosh(u), which pulls θ toward 0 and conditions the game. Vector fields and equilibria \
            use the expected game (Gauss–Hermite quadrature in ε); trajectories use gradients estimated from \
            seeded samples of ε, as in the paper's empirical mean fields. Both dynamics converge quickly and the \
            gap between them shrinks.
            """,
            leaderVariables: ["theta"], followerVariables: ["w"],
            leaderCost: parse("-(w*tanh\(u) - \(2 * eta)*log(cosh\(u)))"),
            followerCost: parse("(w*tanh\(u) + tanh\(u)^2/5)^2"),
            leaderReturn: parse("-tanh\(u)^2/5"), leaderReturnLabel: "E[R(a)] = −E[a²]/5",
            domain: [-1...1, -1...1], defaults: d, noise: NoiseModel(variable: "eps"))
    }

    /// Bilinear zero-sum game f1 = xy = −f2.
    public static func bilinear() -> Game {
        var d = AnalysisDefaults()
        d.leaderLearningRate = 0.01
        d.followerLearningRate = 0.01
        d.lambda = 0.5
        d.iterations = 5_000
        d.start = [0.8, 0.6]
        d.trajectoryStarts = [[0.8, 0.6], [-0.5, 0.3]]
        return try! Game(
            name: "bilinear",
            summary: """
            The bilinear zero-sum game f1(x, y) = xy = −f2(x, y). Individual gradient play has purely imaginary \
            Jacobian eigenvalues ±i at (0, 0): the continuous flow circles forever and the discrete iteration \
            spirals outward. The follower's Hessian ∇22 f2 is zero everywhere, so the unregularized Stackelberg \
            gradient does not exist (the report says so); the regularized total derivative y + x/λ does, and \
            converges for every λ > 0, while λ → ∞ recovers the rotation of individual play (Prop. 2).
            """,
            leaderVariables: ["x"], followerVariables: ["y"],
            leaderCost: parse("x*y"), followerCost: parse("-x*y"),
            domain: [-1...1, -1...1], defaults: d)
    }

    /// A quadratic general-sum game whose Nash and Stackelberg equilibria differ.
    public static func quadratic() -> Game {
        var d = AnalysisDefaults()
        d.leaderLearningRate = 0.01
        d.followerLearningRate = 0.01
        d.lambda = 0.5
        d.iterations = 5_000
        d.start = [-0.8, 0.9]
        d.trajectoryStarts = [[-0.8, 0.9], [0.9, -0.7], [0.9, 0.9], [-0.9, -0.9]]
        return try! Game(
            name: "quadratic",
            summary: """
            A quadratic general-sum game where leading pays: f1(x, y) = (x + y)²/2 − x, f2(x, y) = y²/2 − xy. \
            The follower's best response is y = x. The differential Nash equilibrium is (1/2, 1/2) with leader \
            cost 0; the differential Stackelberg equilibrium is (1/4, 1/4) with leader cost −1/8, because the \
            leader's total derivative 2(x + y) − 1 accounts for the follower copying x. Individual play converges \
            to Nash, Stackelberg play to the Stackelberg point, and the regularized dynamic to a point in between \
            that moves from Stackelberg (λ → 0) to Nash (λ → ∞).
            """,
            leaderVariables: ["x"], followerVariables: ["y"],
            leaderCost: parse("(x + y)^2/2 - x"), followerCost: parse("y^2/2 - x*y"),
            domain: [-1...1, -1...1], defaults: d)
    }
}

extension Game {
    /// The same game with leader and follower exchanged (e.g. the critic leading in STAC).
    /// A return the game names itself (STAC's R(θ)) is kept; the default −f1 becomes the new leader's −f1.
    public func swappingRoles(name: String? = nil) throws(GameError) -> Game {
        let n1 = leaderVariables.count
        var d = defaults
        swap(&d.leaderLearningRate, &d.followerLearningRate)
        d.start = defaults.start.map { Array($0[n1...] + $0[..<n1]) }
        d.trajectoryStarts = defaults.trajectoryStarts?.map { Array($0[n1...] + $0[..<n1]) }
        return try Game(name: name ?? "\(self.name)-swapped",
                        summary: "\(summary) Here the roles are exchanged: the former follower leads.",
                        leaderVariables: followerVariables, followerVariables: leaderVariables,
                        leaderCost: followerCost, followerCost: leaderCost,
                        leaderReturn: hasDefaultLeaderReturn ? nil : leaderReturn,
                        leaderReturnLabel: hasDefaultLeaderReturn ? nil : leaderReturnLabel,
                        domain: Array(domain[n1...] + domain[..<n1]), defaults: d, noise: noise)
    }
}
