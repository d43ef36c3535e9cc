/// The machine-readable result of `stackelberg game analyze` (written as report.json).
public struct AnalysisReport: Sendable, Codable {
    public struct GameDescription: Sendable, Codable {
        public var name: String
        public var summary: String
        public var leaderVariables: [String]
        public var followerVariables: [String]
        public var leaderCost: String
        public var followerCost: String
        public var leaderCostLatex: String
        public var followerCostLatex: String
        public var leaderReturn: String
        public var stochastic: Bool
        /// The search and plotting domain, one [lo, hi] per variable in `leaderVariables +
        /// followerVariables` order (`--domain`, or the game's own).
        public var domain: [[Double]] = []
    }
    public struct Derivatives: Sendable, Codable {
        public var leaderGradient: [String]
        public var leaderCostFollowerGradient: [String]
        public var followerGradient: [String]
        public var followerHessian: [[String]]
        public var followerMixed: [[String]]
        /// ∇λ f1 with λ as the symbol "λ".
        public var totalDerivative: [String]
        public var totalDerivativeLatex: [String]
        public var note: String?
    }
    /// A discrete trajectory summary for one dynamic.
    public struct TrajectorySummary: Sendable, Codable {
        public var dynamic: String
        public var start: [Double]
        public var iterations: Int
        public var final: [Double]
        public var initialError: Double
        public var finalError: Double
        /// Fraction of steps at which ‖z − z*‖² increased.
        public var increasingStepFraction: Double
        /// The last iteration at which ‖z − z*‖² increased (0 if it never did).
        public var lastIncreasingStep: Int
        /// Total signed angle (radians) swept around the reference equilibrium in the plotted plane.
        public var windingAngle: Double
        public var diverged: Bool
        /// The dynamic's first step from the start is not finite: the dynamic is undefined there (e.g.
        /// the Stackelberg dynamic where ∇22f2 is singular), which is not a divergence.
        public var undefinedAtStart: Bool = false
        /// Why the dynamic is undefined at the start (a cost not finite there, ∇22 f2 singular there for
        /// the Stackelberg dynamic, …); nil when it is defined.
        public var undefinedReason: String? = nil
    }
    public struct FlowSummary: Sendable, Codable {
        public var dynamic: String
        public var time: Double
        public var final: [Double]
        public var finalError: Double
        public var note: String?
    }
    public struct PointEvaluation: Sendable, Codable {
        public var point: [Double]
        public var individualGradient: [Double]
        public var totalDerivative: [Double]?
        public var totalDerivativeLambda: Double
        public var stackelbergGradient: [Double]?
        public var followerHessian: [[Double]]
        public var followerHessianStatus: String
        public var spectra: [SpectrumReport]
    }
    public struct LambdaSweep: Sendable, Codable {
        public var point: [Double]
        public var lambdas: [Double]
        public var eigenvalues: [[Complex]?]
        public var stackelbergEigenvalues: [Complex]?
        public var individualEigenvalues: [Complex]?
        public var note: String?
    }
    public struct Provenance: Sendable, Codable {
        public var tool: String
        public var commit: String
        public var seed: UInt64
        public var command: String
        public var date: String
        public init(tool: String, commit: String, seed: UInt64, command: String, date: String) {
            self.tool = tool; self.commit = commit; self.seed = seed; self.command = command; self.date = date
        }
    }

    public var game: GameDescription
    public var options: ResolvedOptions
    public var tolerances: ClassificationTolerances
    public var derivatives: Derivatives
    public var equilibria: [EquilibriumReport]
    public var referenceEquilibrium: [Double]?
    public var trajectories: [TrajectorySummary]
    public var flows: [FlowSummary]
    public var points: [PointEvaluation]
    public var lambdaSweep: LambdaSweep?
    public var provenance: Provenance?
    /// What the analysis could not do and why, e.g. a cost that is not finite on part of the domain.
    public var warnings: [String] = []
}
