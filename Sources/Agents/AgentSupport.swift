import Autodiff
import Neural
import Seeding

extension GroupOptimizer {
    /// Steps on `loss`, refusing non-finite values: a NaN or infinite loss throws before the step,
    /// a non-finite gradient norm after it (the runner then keeps its last good checkpoint). The
    /// error names the player, the update and the environment step. Returns the loss.
    func stepChecked(minimizing loss: Tensor, player: String, update: Int, environmentStep: Int) throws -> Float {
        let value = loss.scalarValue
        guard value.isFinite else {
            throw AgentError.diverged("the \(player) loss is \(value) at update \(update) (environment step \(environmentStep)); lower the learning rate or clip gradients harder")
        }
        step(minimizing: loss)
        guard lastGradientNorm.isFinite else {
            throw AgentError.diverged("the \(player) gradient norm is \(lastGradientNorm) at update \(update) (environment step \(environmentStep))")
        }
        return value
    }
}

extension ScorerOptions {
    /// The leader's and follower's learning-rate schedules for `decay` over `plannedUpdates`.
    func schedules(leader a: Float, follower b: Float, plannedUpdates n: Int) -> TwoTimescaleSchedule {
        switch decay {
        case .linear: return .fixedRatioLinear(leader: a, follower: b, steps: n)
        case .constant: return TwoTimescaleSchedule(leader: .constant(a), follower: .constant(b))
        case .vanishingRatio: return .vanishingRatio(leader: a, follower: b, timescale: Float(Swift.max(1, n / 100)))
        }
    }
}

extension StateDictionary {
    /// Stores a generator's state as its bytes.
    mutating func setGenerator(_ name: String, _ g: SeededGenerator) {
        self[name] = .bytes(withUnsafeBytes(of: g) { Array($0) })
    }

    func generator(_ name: String) throws -> SeededGenerator {
        let bytes = try self.bytes(name)
        guard bytes.count == MemoryLayout<SeededGenerator>.size else { throw StateError.mismatch("\(name) has \(bytes.count) bytes") }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: SeededGenerator.self) }
    }
}
