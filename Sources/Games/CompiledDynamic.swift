import Symbolic

/// One learning dynamic compiled for fast evaluation: the gradient map g (ż = −g(z)) and its
/// Jacobian Dg, both as tapes over the game's variables followed by λ.
public struct CompiledDynamic: Sendable {
    public let kind: DynamicKind
    public let dimension: Int
    public let leaderDimension: Int
    /// Symbolic g, for printing.
    public let gradientMap: [Expr]
    /// Inputs: the game's variables then λ; outputs: g(z).
    public let field: Tape
    /// Inputs as `field`; outputs: Dg(z) row-major.
    public let jacobian: Tape

    public init(_ derivatives: GameDerivatives, kind: DynamicKind) throws(GameError) {
        self.kind = kind
        let vars = derivatives.game.variables
        dimension = vars.count
        leaderDimension = derivatives.game.leaderVariables.count
        gradientMap = derivatives.gradientMap(kind)
        let inputs = vars + [GameDerivatives.lambda]
        do {
            field = try Tape(gradientMap, inputs: inputs)
            jacobian = try Tape(gradientMap.flatMap { g in vars.map { g.derivative($0) } }, inputs: inputs)
        } catch {
            throw .invalid("cannot compile the \(kind): \(error)")
        }
    }

    /// g(z) at one point (allocates; for reports and root polishing, not hot loops).
    public func evaluate(_ z: [Double]) -> [Double] { field.evaluate(z + [kind.lambda]) }

    /// Dg(z) at one point.
    public func jacobianMatrix(_ z: [Double]) -> Matrix {
        Matrix(rows: dimension, columns: dimension, values: jacobian.evaluate(z + [kind.lambda]))
    }
}

/// All dynamics of one analysis, compiled once.
public struct GameDynamics: Sendable {
    public let derivatives: GameDerivatives
    public let individual: CompiledDynamic
    public let stackelberg: CompiledDynamic
    public let regularized: CompiledDynamic

    public init(_ game: Game, lambda: Double) throws(GameError) {
        guard lambda > 0, lambda.isFinite else {
            throw .invalid("the regularization λ must be positive and finite (got \(lambda)); λ = 0 is the plain Stackelberg dynamic, always analysed")
        }
        derivatives = try GameDerivatives(game)
        individual = try CompiledDynamic(derivatives, kind: .individual)
        stackelberg = try CompiledDynamic(derivatives, kind: .stackelberg)
        regularized = try CompiledDynamic(derivatives, kind: .regularized(lambda: lambda))
    }

    public var all: [CompiledDynamic] { [individual, stackelberg, regularized] }
}
