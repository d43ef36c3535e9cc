/// What an agent may send or will receive, per environment copy.
public enum Space: Equatable, Sendable, CustomStringConvertible {
    /// Actions 0..<n.
    case discrete(Int)
    /// Real vectors within [low, high] elementwise (±infinity allowed).
    case box(low: [Float], high: [Float])

    public var size: Int {
        switch self {
        case .discrete: return 1
        case .box(let low, _): return low.count
        }
    }

    public var description: String {
        switch self {
        case .discrete(let n): return "Discrete(\(n))"
        case .box(let lo, let hi): return "Box(\(lo.count), low: \(lo), high: \(hi))"
        }
    }
}

extension Space {
    /// Checks a batch of discrete actions, one per copy: the space's kind, the batch size, the range.
    public func validate(discrete actions: UnsafeBufferPointer<Int32>, copies: Int) throws {
        guard case .discrete(let n) = self else { throw EnvironmentError.wrongActionKind(expected: "continuous") }
        guard actions.count == copies else { throw EnvironmentError.wrongBatchSize(expected: copies, got: actions.count) }
        for i in 0..<copies where actions[i] < 0 || Int(actions[i]) >= n {
            throw EnvironmentError.actionOutOfRange(copy: i, value: Float(actions[i]), space: description)
        }
    }

    /// Checks a batch of continuous actions, copy after copy: the space's kind, the batch size,
    /// finiteness (always), and the box unless actions are to be clipped.
    public func validate(continuous actions: UnsafeBufferPointer<Float>, copies: Int, outOfBounds: OutOfBoundsActions) throws {
        guard case .box(let low, let high) = self else { throw EnvironmentError.wrongActionKind(expected: "discrete") }
        let k = low.count
        guard actions.count == copies * k else { throw EnvironmentError.wrongBatchSize(expected: copies * k, got: actions.count) }
        for i in 0..<(copies * k) {
            let v = actions[i]
            guard v.isFinite else { throw EnvironmentError.nonFiniteAction(copy: i / k, value: v) }
            if outOfBounds == .reject, v < low[i % k] || v > high[i % k] {
                throw EnvironmentError.actionOutOfRange(copy: i / k, value: v, space: description)
            }
        }
    }
}

/// What an environment does with a continuous action outside its box.
public enum OutOfBoundsActions: Sendable {
    /// Refuse the step with an error naming the copy and the value (the default: no silent clamping).
    case reject
    /// Clip into the box, as Gymnasium's Pendulum does internally; chosen explicitly by the caller.
    case clip
}

public enum EnvironmentError: Error, CustomStringConvertible, Equatable {
    case unknown(String, known: [String])
    case wrongBatchSize(expected: Int, got: Int)
    case actionOutOfRange(copy: Int, value: Float, space: String)
    case nonFiniteAction(copy: Int, value: Float)
    case wrongActionKind(expected: String)
    case badState(String)
    case notReset
    /// A simulator model could not be found or loaded; the text says which file and what to do.
    case modelUnavailable(String)

    public var description: String {
        switch self {
        case .unknown(let n, let known):
            // The list is long (every ALE game ships in it): a near name comes first.
            let near = nearestEnvironmentNames(to: n, in: known)
            let list = known.joined(separator: ", ")
            return near.isEmpty ? "unknown environment '\(n)'; known: \(list)" : "unknown environment '\(n)': did you mean \(near.joined(separator: " or "))? Known: \(list)"
        case .wrongBatchSize(let e, let g): return "expected \(e) actions (one per environment copy), got \(g)"
        case .actionOutOfRange(let c, let v, let s): return "action \(v) for copy \(c) is outside the action space \(s)"
        case .nonFiniteAction(let c, let v): return "action \(v) for copy \(c) is not finite: check the policy's output for NaN/Inf"
        case .wrongActionKind(let e): return "this environment takes \(e) actions"
        case .badState(let why): return "invalid state: \(why)"
        case .notReset: return "call reset(seed:) before step"
        case .modelUnavailable(let why): return why
        }
    }
}
