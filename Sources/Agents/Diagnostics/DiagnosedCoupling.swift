import Autodiff
import Neural

/// A coupling with the game diagnostics attached: `inner` as it is, preceded every
/// `options.interval` updates by a ``GameProbe`` measurement of the game it plays. The registry
/// wraps the chosen coupling in this when `diagnostics.enabled` is set, so every coupling of every
/// algorithm is measured the same way.
public struct DiagnosedSpec: CouplingSpec {
    public var inner: any CouplingSpec
    public var options: GameDiagnosticsOptions
    public init(_ inner: any CouplingSpec, options: GameDiagnosticsOptions) {
        self.inner = inner
        self.options = options
    }
    public var name: String { inner.name }
    public func validate() throws {
        var checks = ConfigChecks()
        try checks.include { try inner.validate() }
        try checks.include { try options.validate() }
        try checks.finish()
    }
    public var leaderPart: ModelPart? { inner.leaderPart }
    public var batchRoles: [BatchRole] { inner.batchRoles }
    public var base: any CouplingSpec { inner.base }
    public func make(_ parts: ModelParts, optimization: Optimization) throws -> Coupling {
        try validate()
        return try DiagnosedCoupling(try inner.make(parts, optimization: optimization), parts: parts, options: options, optimization: optimization)
    }
}

/// Metrics: the inner coupling's, then the diagnostics' columns (NaN in updates without one; a
/// logged row holds the window's last diagnostic, not a mean).
/// Checkpoints: the inner coupling's state and the path's origin x₀ (`diagnostics.origin`).
public final class DiagnosedCoupling: Coupling {
    public let inner: Coupling
    let probe: GameProbe
    public let gamePlayers: (leader: ModelPart, follower: ModelPart)?
    private let players: (leader: ModelPart, follower: ModelPart)
    public let metricNames: [String]

    /// Errors: `AgentError.badConfig` when the model has not two parts to be the game's players.
    public init(_ inner: Coupling, parts: ModelParts, options: GameDiagnosticsOptions, optimization: Optimization) throws {
        self.inner = inner
        gamePlayers = inner.gamePlayers
        if let p = inner.gamePlayers {
            if let asked = options.leader.part, asked != p.leader {
                throw AgentError.badConfig("diagnostics.leader = \(asked.rawValue), but the \(inner.name) coupling makes the \(p.leader.rawValue) the leader: "
                    + "diagnostics.leader chooses only where a coupling names no leader (monolithic); leave it at auto")
            }
            players = p
        } else {
            guard parts.parts.count == 2 else {
                throw AgentError.badConfig("the game diagnostics need a model of two parts (a leader and a follower); this one has \(parts.parts.map(\.part.rawValue).joined(separator: ", "))")
            }
            let names = parts.parts.map(\.part)
            let leader = options.leader.part ?? (parts.providesTDErrors && names.contains(.head) ? .head : names.contains(.actor) ? .actor : names[0])
            guard names.contains(leader) else {
                throw AgentError.badConfig("diagnostics.leader = \(leader.rawValue), but this model's parts are \(names.map(\.rawValue).joined(separator: ", ")); choose one of them or auto")
            }
            players = (leader, try parts.other(than: leader))
        }
        // A monolithic coupling moves every parameter at its one rate; two players, the follower's.
        let rate = inner.hasTwoPlayers ? optimization.followerLearningRate : optimization.learningRate
        probe = GameProbe(leader: try parts.parameters(of: players.leader), follower: try parts.parameters(of: players.follower),
                          options: options, followerOptimizer: inner.hasTwoPlayers ? inner.optimizers[1] : nil, followerLearningRate: rate)
        metricNames = inner.metricNames + options.metricNames
    }

    public var name: String { inner.name }
    public var batchRoles: [BatchRole] { inner.batchRoles }
    public var optimizers: [GroupOptimizer] { inner.optimizers }
    public var base: Coupling { inner.base }

    public func attach(to metrics: UpdateMetrics) {
        inner.attach(to: metrics)
        probe.attach(to: metrics)
        // A logged row is one diagnostic (the window's last), never a mean of several.
        metrics.keepLastValue(of: probe.options.metricNames)
    }

    public func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws {
        if context.update % probe.options.interval == 0 {
            // The minibatch of the update's first step: the leader's, or the one all steps share.
            let inner = self.inner
            try probe.measure(model, batch: inner.batchRoles.first ?? .shared,
                              losses: { m in let (f1, f2) = inner.gameLosses(m); return (f1, f2, inner.gameMixedLoss(m)) }, metrics: metrics)
        } else {
            probe.clear(metrics)
        }
        try inner.update(model, context: context, metrics: metrics)
    }

    public func gameLosses(_ model: CoupledModel) -> (leader: Tensor, follower: Tensor) { inner.gameLosses(model) }
    public func gameMixedLoss(_ model: CoupledModel) -> Tensor? { inner.gameMixedLoss(model) }

    public func save(into state: inout StateDictionary) {
        inner.save(into: &state)
        probe.save(into: &state)
    }

    public func load(from state: StateDictionary) throws {
        try inner.load(from: state)
        try probe.load(from: state)
    }
}
