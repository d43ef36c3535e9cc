/// Environments by name. Issue-4 scope not yet built (MinAtar, MuJoCo, Atari) is not listed, so an
/// unknown-name error shows exactly what exists.
public enum EnvironmentRegistry {
    public struct Entry: Sendable {
        public let name: String
        public let reference: String
        public let stateNames: [String]
        let make: @Sendable (Int, OutOfBoundsActions) -> VectorEnvironment
        /// Puts copy i of an environment made by this entry into the given state.
        public let setState: @Sendable (VectorEnvironment, [Double], Int) throws -> Void
        /// The state of copy i.
        public let getState: @Sendable (VectorEnvironment, Int) -> [Double]
    }

    static func classic<D: ClassicDynamics>(_: D.Type) -> Entry {
        Entry(name: D.name, reference: "Gymnasium \(D.gymnasiumID)", stateNames: D.stateNames,
              make: { ClassicVector<D>(count: $0, outOfBounds: $1) },
              setState: { env, s, i in try (env as! ClassicVector<D>).setState(s, copy: i) },
              getState: { env, i in (env as! ClassicVector<D>).state(copy: i) })
    }

    public static let entries: [Entry] = [classic(CartPole.self), classic(Acrobot.self), classic(MountainCar.self), classic(Pendulum.self)]

    public static var names: [String] { entries.map(\.name) }

    public static func entry(_ name: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name.lowercased() }) else {
            throw EnvironmentError.unknown(name, known: names)
        }
        return e
    }

    /// `count` copies of the environment `name`.
    public static func make(_ name: String, count: Int, outOfBounds: OutOfBoundsActions = .reject) throws -> VectorEnvironment {
        guard count >= 1 else { throw EnvironmentError.wrongBatchSize(expected: 1, got: count) }
        return try entry(name).make(count, outOfBounds)
    }
}
