import Autodiff
import Neural
import Seeding

/// A part of a model that a coupling can make a player: SCORER's encoder (perception) and Q head
/// (control), an actor–critic's actor and critic. The same words as the game module's leader and
/// follower variables.
public enum ModelPart: String, Sendable, CaseIterable {
    case encoder, head, actor, critic
}

/// Which minibatch a player step uses. The coupling says whose step it is; the algorithm decides
/// what that means (DQN: one replay sample per role; PQN: the leader's or the follower's shuffle of
/// the rollout). `.follower(j)` is the j-th follower step of an update (the unroll).
public enum BatchRole: Hashable, Sendable {
    /// One minibatch for every step of the update.
    case shared
    case leader
    case follower(Int)
}

/// The two players' parameters as an algorithm lays them out, given to a coupling when it is built.
public struct ModelParts {
    /// The name of the single optimizer of a monolithic coupling (it prefixes checkpoint keys).
    public let jointName: String
    public let parts: [(part: ModelPart, parameters: [Parameter])]
    /// Whether the model is a ``TDErrorModel`` (value-based, encoder + head): SCORER needs one.
    public let providesTDErrors: Bool
    /// Whether the model is a ``PerceptionLeaderModel`` (a perception encoder and heads): SPRIG needs one.
    public let providesPerceptionLeader: Bool

    public init(jointName: String, _ parts: [(ModelPart, [Parameter])], providesTDErrors: Bool = false, providesPerceptionLeader: Bool = false) {
        self.jointName = jointName
        self.parts = parts.map { (part: $0.0, parameters: $0.1) }
        self.providesTDErrors = providesTDErrors
        self.providesPerceptionLeader = providesPerceptionLeader
    }

    /// Every parameter, in the order of the parts.
    public var all: [Parameter] { parts.flatMap(\.parameters) }

    public func parameters(of part: ModelPart) throws -> [Parameter] {
        guard let p = parts.first(where: { $0.part == part }) else {
            throw AgentError.badConfig("this model has no \(part.rawValue) to be a player; its parts are \(parts.map(\.part.rawValue).joined(separator: ", "))")
        }
        return p.parameters
    }

    /// The part that is not `part` (two-part models only).
    public func other(than part: ModelPart) throws -> ModelPart {
        guard parts.count == 2, parts.contains(where: { $0.part == part }) else {
            throw AgentError.badConfig("a leader–follower coupling needs a model of two parts, one of them \(part.rawValue); this one has \(parts.map(\.part.rawValue).joined(separator: ", "))")
        }
        return parts.first { $0.part != part }!.part
    }
}

/// How each player is optimized, from the algorithm's settings: learning rates, clipping, the
/// optimizer kind and the length of the run (for decaying schedules).
public struct Optimization {
    /// The monolithic optimizer's learning rate.
    public var learningRate: Float
    public var leaderLearningRate: Float
    public var followerLearningRate: Float
    /// Global-norm clipping of each player's gradient.
    public var maxGradientNorm: Float?
    /// Updates over the whole run (decaying schedules reach 0 there).
    public var plannedUpdates: Int
    /// The monolithic (and individual) schedule: linear to 0 over `plannedUpdates`, or constant.
    public var decayLearningRate: Bool
    /// A fresh optimizer for `count` parameters.
    public var makeOptimizer: (Int) throws -> Optimizer

    public init(learningRate: Float, leaderLearningRate: Float, followerLearningRate: Float, maxGradientNorm: Float?,
                plannedUpdates: Int, decayLearningRate: Bool, makeOptimizer: @escaping (Int) throws -> Optimizer) {
        self.learningRate = learningRate
        self.leaderLearningRate = leaderLearningRate
        self.followerLearningRate = followerLearningRate
        self.maxGradientNorm = maxGradientNorm
        self.plannedUpdates = plannedUpdates
        self.decayLearningRate = decayLearningRate
        self.makeOptimizer = makeOptimizer
    }

    /// The monolithic schedule for `rate`.
    public func schedule(_ rate: Float) -> Schedule {
        decayLearningRate ? .linear(initial: rate, final: 0, steps: plannedUpdates) : .constant(rate)
    }

    /// An optimizer for `parameters` under the name `name` (its checkpoint prefix).
    public func player(_ name: String, _ parameters: [Parameter], schedule: Schedule) throws -> GroupOptimizer {
        let group = ParameterGroup(name, parameters)
        return GroupOptimizer(group, optimizer: try makeOptimizer(group.count), schedule: schedule, maxGradientNorm: maxGradientNorm)
    }
}

/// Where an update happens, for error messages and clocks (λ decays over environment steps).
public struct UpdateContext: Sendable {
    public var update: Int
    public var environmentStep: Int
    public init(update: Int, environmentStep: Int) {
        self.update = update
        self.environmentStep = environmentStep
    }
}

/// What an algorithm gives its coupling at update time: the graph its losses are recorded in, and
/// each part's objective on a prepared minibatch. Every objective is a loss to *minimize* (an actor
/// maximizing J gives −J).
public protocol CoupledModel: AnyObject {
    var graph: Graph { get }
    /// Readies the data of `batch` (e.g. Double DQN's targets, PQN's gathered rows). Called before
    /// each player step, before the coupling resets the graph.
    func prepare(_ batch: BatchRole) throws
    /// f_part, recorded in `graph`: the loss `part` minimizes on the prepared minibatch. With
    /// `othersHeld` the other parts' outputs enter as constants (a coupling that takes no
    /// derivative through them asks for it: SCORER's leader; it saves the backward pass through
    /// them). A perception leader's utility (SPRIG) is its part's objective, different from the
    /// follower's loss.
    func objective(of part: ModelPart, othersHeld: Bool) -> Tensor
    /// The one loss a monolithic coupling minimizes over every parameter.
    func jointObjective() -> Tensor
    /// BLPO's linearized objective f̃₂ of `part` in `form` (see ``LinearizedObjective``), recorded
    /// in `graph` on the prepared minibatch, whose mixed derivative ∇_leader∇_part stands in for
    /// the part's own; nil (the default) where the model has none, and the part's objective serves.
    func linearizedObjective(of part: ModelPart, _ form: LinearizedObjective) -> Tensor?
    /// The random stream the objectives draw from (SAC's reparameterized actions), so that a probe
    /// that evaluates them between updates (the game diagnostics) can put it back and leave
    /// training's bits unchanged; nil (the default) where the objectives draw nothing.
    var objectiveRandomness: SeededGenerator? { get set }
}

extension CoupledModel {
    public func linearizedObjective(of part: ModelPart, _ form: LinearizedObjective) -> Tensor? { nil }
    public var objectiveRandomness: SeededGenerator? {
        get { nil }
        set {}
    }
}

/// A value-based model split SCORER's way: per-sample TD errors δ_j = Y_j − Q_θ(f_φ(s_j), a_j) on
/// the prepared minibatch, from which SCORER forms both players' losses. Its parts are the encoder
/// and the head; the default objectives are the MSBE mean δ².
public protocol TDErrorModel: CoupledModel {
    /// δ, shape [B]; with `featuresHeld` the encoder's features are constants.
    func tdErrors(featuresHeld: Bool) -> Tensor
}

extension TDErrorModel {
    public func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        // The head's MSBE with the encoder held is SCORER's leader loss; otherwise plain MSBE.
        mean(square(tdErrors(featuresHeld: part == .head && othersHeld)))
    }
    public func jointObjective() -> Tensor { mean(square(tdErrors(featuresHeld: false))) }
}

/// How the two players of a model are trained: who leads, how the leader's gradient is formed
/// (its own, with the follower's output held, through the implicit total derivative, nested), the
/// optimizers and schedules of each, and the order of their steps. One file per coupling; an
/// algorithm calls `update` once per minibatch update and never switches on the coupling.
public protocol Coupling: AnyObject {
    /// The registry name (`monolithic`, `scorer`, `actor-leader`, …).
    var name: String { get }
    /// The metrics this coupling reports, in column order.
    var metricNames: [String] { get }
    /// The minibatches one update uses, in the order of its steps; the algorithm may draw them all
    /// before the update (DQN samples them together).
    var batchRoles: [BatchRole] { get }
    /// The optimizers, leader first where there is one.
    var optimizers: [GroupOptimizer] { get }
    /// Resolves the metric slots it writes (called once, when the agent is built).
    func attach(to metrics: UpdateMetrics)
    /// One update: every player step, in order, each after `model.prepare` of its batch.
    func update(_ model: CoupledModel, context: UpdateContext, metrics: UpdateMetrics) throws
    func save(into state: inout StateDictionary)
    func load(from state: StateDictionary) throws
    /// The game this coupling plays, as the game diagnostics measure it: its leader's and
    /// follower's parts (nil where it names none: a monolithic coupling).
    var gamePlayers: (leader: ModelPart, follower: ModelPart)? { get }
    /// The players' costs (f₁, f₂) of this coupling's game on the prepared minibatch, recorded in
    /// `model.graph`, each a function of both players' parameters (nothing held), so that the
    /// total derivative and the game Jacobian see every cross term. The default: the parts'
    /// objectives when the coupling names players, else the joint objective for both (one loss
    /// over every parameter is a potential game).
    func gameLosses(_ model: CoupledModel) -> (leader: Tensor, follower: Tensor)
    /// The objective whose mixed derivative ∇_leader∇_follower stands in for f₂'s in this game, when
    /// f₂ itself does not carry the leader's influence (BLPO's linearized critic objective f̃₂: PPO's
    /// critic loss on fixed returns does not depend on the actor); recorded right after
    /// `gameLosses`, in the same graph step. Nil (the default): f₂'s own.
    func gameMixedLoss(_ model: CoupledModel) -> Tensor?
    /// The coupling itself, under any wrapper (``DiagnosedCoupling``): what an algorithm casts to
    /// reach a coupling's own state (STAC's solve).
    var base: Coupling { get }
}

extension Coupling {
    public var base: Coupling { self }
    public func gameMixedLoss(_ model: CoupledModel) -> Tensor? { nil }
    public var gamePlayers: (leader: ModelPart, follower: ModelPart)? { nil }
    public func gameLosses(_ model: CoupledModel) -> (leader: Tensor, follower: Tensor) {
        guard let p = gamePlayers else {
            let f = model.jointObjective()
            return (f, f)
        }
        return (model.objective(of: p.leader, othersHeld: false), model.objective(of: p.follower, othersHeld: false))
    }

    /// Whether leader and follower are trained apart (two optimizers). Builds the optimizer list:
    /// read it once, at construction, not per step.
    public var hasTwoPlayers: Bool { optimizers.count == 2 }
    public func save(into state: inout StateDictionary) { for o in optimizers { o.saveState(into: &state) } }
    public func load(from state: StateDictionary) throws { for o in optimizers { try o.loadState(from: state) } }
}

/// A coupling's choice, made from settings before the model exists; `make` binds it to a model's
/// parts. What a model must offer is checked here, so a refused pair fails before training.
public protocol CouplingSpec: Sendable {
    var name: String { get }
    /// Throws `AgentError.badConfig` when `parts` (or the model kind) cannot play this coupling.
    func make(_ parts: ModelParts, optimization: Optimization) throws -> Coupling
    /// Throws `AgentError.badConfig` naming every option out of range (before any model exists).
    func validate() throws
    /// The part that leads, where the coupling names one (nil: monolithic, or the model's first part),
    /// so an algorithm with per-part learning rates (actor, critic) can tell which is the leader's.
    var leaderPart: ModelPart? { get }
    /// The minibatches one update will use (the coupling's `batchRoles`), known from the options
    /// alone, so an algorithm can allocate its minibatches before its networks exist.
    var batchRoles: [BatchRole] { get }
    /// The choice itself, under any wrapper (``DiagnosedSpec``): what an algorithm casts to read a
    /// coupling's options.
    var base: any CouplingSpec { get }
}

extension CouplingSpec {
    public var base: any CouplingSpec { self }
    public func validate() throws {}
    public var leaderPart: ModelPart? { nil }
    public var batchRoles: [BatchRole] { [.shared] }
}

extension GroupOptimizer {
    /// Steps on `loss`, refusing non-finite values: a NaN or infinite loss throws before the step,
    /// a non-finite gradient norm after it (the runner then keeps its last good checkpoint). The
    /// error names the player, the update and the environment step. Returns the loss.
    func stepChecked(minimizing loss: Tensor, player: String, context: UpdateContext) throws -> Float {
        let value = loss.scalarValue
        try requireFinite(value, player: player, context: context)
        step(minimizing: loss)
        try checkGradient(player: player, context: context)
        return value
    }

    /// One step of `part` on `batch` with the model's other parts held: an unrolled follower step
    /// (individual play's and the total derivative's alike). Returns the loss.
    func stepHeld(_ part: ModelPart, of model: CoupledModel, on batch: BatchRole, player: String, context: UpdateContext) throws -> Float {
        try model.prepare(batch)
        model.graph.reset()
        return try stepChecked(minimizing: model.objective(of: part, othersHeld: true), player: player, context: context)
    }

    /// Steps with the gradient already in `gradient` (a total derivative), refusing a non-finite one.
    func stepChecked(player: String, context: UpdateContext) throws {
        step()
        try checkGradient(player: player, context: context)
    }

    private func checkGradient(player: String, context: UpdateContext) throws {
        guard lastGradientNorm.isFinite else {
            throw AgentError.diverged("the \(player) gradient norm is \(lastGradientNorm) at update \(context.update) (environment step \(context.environmentStep))")
        }
    }
}

/// Throws `AgentError.diverged` for a non-finite loss, naming the player and the moment.
func requireFinite(_ loss: Float, player: String, context: UpdateContext) throws {
    guard loss.isFinite else {
        throw AgentError.diverged("the \(player) loss is \(loss) at update \(context.update) (environment step \(context.environmentStep)); lower the learning rate or clip gradients harder")
    }
}
