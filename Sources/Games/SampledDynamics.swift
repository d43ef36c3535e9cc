import Symbolic

/// Discrete dynamics of a stochastic game (costs that contain a noise variable ε ~ N(0, 1)) with
/// gradients estimated from seeded samples: each step draws `samples` values of ε per lane, averages
/// the sampled ∇1 f1, ∇2 f1, ∇2 f2, ∇22 f2 and ∇21 f2, and assembles the leader's direction from the
/// averages (the empirical mean field the STAC paper plots for SAC).
public final class SampledIterator {
    public let game: Game
    public let kind: DynamicKind
    public let rule: StepRule
    public let lanes: Int
    public private(set) var state: [[Double]]
    private var generator: SeededGenerator
    private let samples: Int
    private let evaluator: TapeEvaluator
    private let n1: Int, n2: Int

    public init(_ game: Game, kind: DynamicKind, rule: StepRule, starts: [[Double]], seed: UInt64) throws(GameError) {
        guard let noise = game.noise else { throw .invalid("game '\(game.name)' has no noise variable to sample") }
        try rule.validate()
        self.game = game
        self.kind = kind
        self.rule = rule
        lanes = starts.count
        state = starts
        samples = noise.samplesPerStep
        generator = SeededGenerator(seed: seed)
        let x1 = game.leaderVariables, x2 = game.followerVariables
        n1 = x1.count; n2 = x2.count
        let g1 = game.leaderCost.gradient(x1), c2 = game.leaderCost.gradient(x2), g2 = game.followerCost.gradient(x2)
        let h22 = g2.flatMap { d in x2.map { d.derivative($0) } }
        let h21 = g2.flatMap { d in x1.map { d.derivative($0) } }
        do {
            let tape = try Tape(g1 + c2 + g2 + h22 + h21, inputs: game.variables + [noise.variable])
            evaluator = TapeEvaluator(tape, lanes: lanes * samples)
        } catch { throw .invalid("cannot compile the sampled gradients of '\(game.name)': \(error)") }
    }

    public func step(_ count: Int = 1) {
        let d = n1 + n2, width = lanes * samples
        let outputs = evaluator.tape.outputCount
        var mean = [Double](repeating: 0, count: outputs)
        for _ in 0..<count {
            for lane in 0..<lanes {
                for s in 0..<samples {
                    let i = lane * samples + s
                    for k in 0..<d { evaluator.input(k)[i] = state[lane][k] }
                    evaluator.input(d)[i] = generator.normal()
                }
            }
            evaluator.run(count: width)
            for lane in 0..<lanes {
                for o in 0..<outputs {
                    let p = evaluator.output(o) + lane * samples
                    var s = 0.0
                    for j in 0..<samples { s += p[j] }
                    mean[o] = s / Double(samples)
                }
                let direction = assemble(mean)
                for k in 0..<d {
                    state[lane][k] -= (k < n1 ? rule.leaderLearningRate : rule.followerLearningRate) * direction[k]
                }
            }
        }
    }

    /// Leader: ∇1 f1 (individual) or ∇1 f1 − ∇21 f2ᵀ (∇22 f2 + λI)⁻¹ ∇2 f1; follower: ∇2 f2.
    private func assemble(_ m: [Double]) -> [Double] {
        let g1 = Array(m[0..<n1]), c2 = Array(m[n1..<(n1 + n2)]), g2 = Array(m[(n1 + n2)..<(n1 + 2 * n2)])
        let h22Start = n1 + 2 * n2, h21Start = h22Start + n2 * n2
        guard kind != .individual else { return g1 + g2 }
        var h = Matrix(rows: n2, columns: n2, values: Array(m[h22Start..<h21Start]))
        for i in 0..<n2 { h[i, i] += kind.lambda }
        guard let v = h.solve(c2) else { return Array(repeating: .nan, count: n1) + g2 }
        let leader = (0..<n1).map { j in g1[j] - (0..<n2).reduce(0) { $0 + m[h21Start + $1 * n1 + j] * v[$1] } }
        return leader + g2
    }
}
