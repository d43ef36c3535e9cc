/// Anything that advances a batch of trajectories: deterministic (`BatchIterator`) or sampled (`SampledIterator`).
public protocol LaneIterator: AnyObject {
    var lanes: Int { get }
    func step(_ count: Int)
    func point(lane: Int) -> [Double]
}

extension BatchIterator: LaneIterator {}
extension SampledIterator: LaneIterator {
    public func point(lane: Int) -> [Double] { state[lane] }
}

extension GameDynamics {
    public func compiled(_ kind: DynamicKind) -> CompiledDynamic {
        switch kind {
        case .individual: return individual
        case .stackelberg: return stackelberg
        case .regularized: return regularized
        }
    }

    /// An iterator for one dynamic: sampled gradients for stochastic games, exact ones otherwise.
    public func iterator(_ kind: DynamicKind, game: Game, rule: StepRule, starts: [[Double]], seed: UInt64) throws(GameError) -> LaneIterator {
        if game.noise != nil {
            return try SampledIterator(game, kind: kind, rule: rule, starts: starts, seed: seed)
        }
        return try BatchIterator(compiled(kind), rule: rule, starts: starts)
    }
}
