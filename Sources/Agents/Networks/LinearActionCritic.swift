import Autodiff

/// Q_w(a) = wᵀa: the STAC toy game's linear critic (arXiv 2109.12286, Sec. 3.2, App. A), linear in
/// the action, with no bias and no dependence on the state. Actions [B, actionSize] → [B].
/// One parameter w [actionSize], named "\(name).w", every entry starting at `initialW`.
/// Errors: `AgentError.badConfig` for a non-positive action size or a non-finite start.
public final class LinearActionCritic: TargetUpdatable {
    public let actionSize: Int
    public let weight: Parameter
    public var parameters: [Parameter] { [weight] }

    public init(actionSize: Int, initialW: Float = 0, name: String = "critic") throws {
        guard actionSize > 0 else { throw AgentError.badConfig("\(name): the action size must be positive, got \(actionSize)") }
        guard initialW.isFinite else { throw AgentError.badConfig("\(name): the initial w must be finite, got \(initialW)") }
        self.actionSize = actionSize
        weight = Parameter(name: "\(name).w", shape: Shape(actionSize), initialValue: initialW)
    }

    /// Q_w(a) = Σ_j w_j a_j: [B] for actions [B, actionSize].
    public func callAsFunction(_ actions: Tensor) -> Tensor {
        precondition(actions.shape.rank == 2 && actions.shape[1] == actionSize,
                     "LinearActionCritic: actions \(actions.shape) are not [batch, \(actionSize)]")
        return sum(actions * actions.graph.parameter(weight), axis: -1)
    }
}
