import Autodiff

/// GAE(γ, λ) along whole trajectories as a function of the critic's values, so that the actor's
/// loss can be differentiated through it (BLPO's code recomputes the advantages of each minibatch
/// with the current critic, arXiv 2505.11714):
///
///   Â = c + B·v,   v = V_w(states) [S],
///
/// states = the minibatch's M rows, then each trajectory's bootstrap observation, then the final
/// observations of truncations that bootstrap. With δ_t = r_t + γ·V(next_t) − V(s_t) (no next
/// value after a termination, or after a truncation that does not bootstrap) and
/// Â_t = δ_t + γλ·(1 − end_t)·Â_{t+1}, row t of B is −e_t + γ·e_next(t) + γλ(1 − end_t)·B_{t+1}
/// and c_t = r_t + γλ(1 − end_t)·c_{t+1}: the rollout's GAE recursion, on coefficients.
///
/// Built per minibatch in preallocated storage (M × (2M + trajectories) floats at most); the
/// product is one [M, S] × [S] matrix–vector product in the graph.
final class DifferentiableGAE {
    let rows: Int
    let steps: Int
    let maxStates: Int
    private(set) var stateCount = 0
    private let coefficients, constants, rewards: UnsafeMutablePointer<Float>
    private var next: [Int]
    private var ends: [Bool]

    /// `rows` = trajectories × `steps`.
    init(rows: Int, copiesPerMinibatch: Int, steps: Int) {
        self.rows = rows
        self.steps = steps
        maxStates = 2 * rows + copiesPerMinibatch
        coefficients = .allocate(capacity: rows * maxStates); coefficients.initialize(repeating: 0, count: rows * maxStates)
        constants = .allocate(capacity: rows); constants.initialize(repeating: 0, count: rows)
        rewards = .allocate(capacity: rows); rewards.initialize(repeating: 0, count: rows)
        next = Array(repeating: -1, count: rows)
        ends = Array(repeating: false, count: rows)
    }

    deinit { coefficients.deallocate(); constants.deallocate(); rewards.deallocate() }

    func begin(states: Int) { stateCount = states }

    /// Row j's reward, the state index of its next value (nil: none), and whether an episode ends
    /// there (which cuts the recursion).
    func setStep(_ j: Int, reward: Float, next n: Int?, ends e: Bool) {
        rewards[j] = reward
        next[j] = n ?? -1
        ends[j] = e
    }

    /// Builds B [rows, states] and c for `trajectories` trajectories of `steps` rows each.
    func finish(states: Int, gamma: Float, lambda: Float, trajectories: Int) {
        precondition(states <= maxStates && trajectories * steps == rows, "DifferentiableGAE: \(states) states or \(trajectories) trajectories out of range")
        stateCount = states
        let s = states, decay = gamma * lambda
        coefficients.update(repeating: 0, count: rows * s)
        for q in 0..<trajectories {
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let j = q * steps + t, row = coefficients + j * s
                let continues = t < steps - 1 && !ends[j]
                if continues {
                    let following = row + s
                    for c in 0..<s { row[c] = decay * following[c] }
                    constants[j] = rewards[j] + decay * constants[j + 1]
                } else {
                    constants[j] = rewards[j]
                }
                row[j] -= 1
                if next[j] >= 0 { row[next[j]] += gamma }
            }
        }
    }

    /// Â [rows] for the values v [states] of the states in order.
    func advantages(values v: Tensor, graph: Graph) -> Tensor {
        precondition(v.shape == Shape(stateCount), "DifferentiableGAE: values \(v.shape) are not [\(stateCount)]")
        let b = graph.constant(borrowing: coefficients, shape: Shape(rows, stateCount))
        let product = matmul(b, v.reshaped(Shape(stateCount, 1))).reshaped(Shape(rows))
        return graph.constant(borrowing: constants, shape: Shape(rows)) + product
    }
}
