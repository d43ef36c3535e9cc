/// Environments by name. Only what is built is listed, so an unknown-name error shows exactly what
/// exists.
public enum EnvironmentRegistry {
    public struct Entry: Sendable {
        public let name: String
        public let reference: String
        public let stateNames: [String]
        /// The overrides this environment honours; make refuses any other.
        public let accepts: EnvironmentOverrides.Kinds
        /// Frames stacked per observation when `EnvironmentOverrides.frameStack` is unset: Atari's 4
        /// (the Nature DQN's), one elsewhere.
        public var ownFrameStack = 1
        /// Throws when the environment needs files that are not there (MuJoCo's models).
        let make: @Sendable (Int, OutOfBoundsActions, EnvironmentOverrides) throws -> VectorEnvironment
        /// Puts copy i of an environment made by this entry into the given state.
        public let setState: @Sendable (VectorEnvironment, [Double], Int) throws -> Void
        /// The state of copy i.
        public let getState: @Sendable (VectorEnvironment, Int) -> [Double]
    }

    static func classic<D: ClassicDynamics>(_: D.Type) -> Entry {
        Entry(name: D.name, reference: "Gymnasium \(D.gymnasiumID)", stateNames: D.stateNames, accepts: [.episodeLimit],
              make: { count, bounds, overrides in ClassicVector<D>(count: count, outOfBounds: bounds, timeLimit: overrides.maxEpisodeSteps) },
              setState: { env, s, i in try (env as! ClassicVector<D>).setState(s, copy: i) },
              getState: { env, i in (env as! ClassicVector<D>).state(copy: i) })
    }

    /// A toy game of the symbolic module run as an environment (``StacBandit``): batched like classic
    /// control, no overrides (every episode is one step).
    static func toy<D: ClassicDynamics>(_: D.Type, description: String) -> Entry {
        Entry(name: D.name, reference: description, stateNames: D.stateNames, accepts: [],
              make: { count, bounds, _ in ClassicVector<D>(count: count, outOfBounds: bounds) },
              setState: { env, s, i in try (env as! ClassicVector<D>).setState(s, copy: i) },
              getState: { env, i in (env as! ClassicVector<D>).state(copy: i) })
    }

    /// MinAtar with the original's settings; `-minimal` names act over the game's minimal action set.
    static func minAtar<G: MinAtarGame>(_: G.Type, minimal: Bool) -> Entry {
        let options = MinAtarOptions(minimalActionSet: minimal)
        return Entry(name: "minatar/\(G.name)" + (minimal ? "-minimal" : ""),
                     reference: "minatar \(G.name) (sticky actions 0.1, difficulty ramping, \(minimal ? "minimal" : "full") action set)",
                     stateNames: ["ramp_level"], accepts: [.stickyActions, .episodeLimit, .frameStack],
                     make: { count, _, overrides in
                         var o = options
                         if let p = overrides.stickyActionProbability { o.stickyActionProbability = p }
                         if let limit = overrides.maxEpisodeSteps { o.maxEpisodeSteps = limit }
                         let env = MinAtarVector<G>(count: count, options: o)
                         if let k = overrides.frameStack, k > 1 { return FrameStack(env, depth: k) }
                         return env
                     },
                     setState: { _, _, _ in
                         throw EnvironmentError.badState("MinAtar states cannot be set from numbers; start from a seed (--seed) instead")
                     },
                     getState: { env, i in [Double((((env as? FrameStack)?.inner ?? env) as! MinAtarVector<G>).rampLevel(copy: i))] })
    }

    /// Gymnasium's MuJoCo v5 tasks; the state is qpos ++ qvel. The model is loaded when the
    /// environment is made, so a missing model file shows up there with what to do about it.
    static func muJoCo<T: MuJoCoTask>(_: T.Type) -> Entry {
        Entry(name: "mujoco/\(T.name)",
              reference: "Gymnasium \(T.gymnasiumID) on MuJoCo via libmujoco; needs Gymnasium's \(T.modelFile) (scripts/setup.sh or \(MuJoCoAssets.environmentVariable))",
              stateNames: (0..<T.coordinates.nq).map { "qpos\($0)" } + (0..<T.coordinates.nv).map { "qvel\($0)" }, accepts: [],
              make: { count, bounds, _ in try MuJoCoVector<T>(count: count, outOfBounds: bounds) },
              setState: { env, s, i in try (env as! MuJoCoVector<T>).setState(s, copy: i) },
              getState: { env, i in (env as! MuJoCoVector<T>).state(copy: i) })
    }

    /// An ALE game with Gymnasium's v5 settings and AtariPreprocessing, frames stacked 4 deep
    /// ([84, 84, 4], oldest first); SB3's episodic life and fire reset on request. Made only when
    /// ALE and the game's ROM are installed, so a missing emulator shows up there with what to do
    /// about it.
    /// Gymnasium's spelling of an ALE game's id (ROM `beam_rider` → `BeamRider`, as in
    /// `ALE/BeamRider-v5`), so the listed reference is a name `gymnasium.make` takes.
    static func gymnasiumGameName(_ rom: String) -> String {
        rom.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static let atariFrameStack = 4

    static func atari(_ game: String) -> Entry {
        Entry(name: "atari/\(game)",
              reference: "Gymnasium ALE/\(gymnasiumGameName(game))-v5 (ale-py 0.12.1, sticky actions 0.25) + AtariPreprocessing(noop_max 30, frame skip 4, 84×84) + frame stack 4; SB3 EpisodicLifeEnv and FireResetEnv on request",
              stateNames: ["lives"], accepts: [.stickyActions, .frameStack, .episodicLife, .fireReset],
              ownFrameStack: atariFrameStack,
              make: { count, _, overrides in
                  var o = AtariOptions()
                  if let p = overrides.stickyActionProbability { o.stickyActionProbability = Float(p) }
                  if let on = overrides.episodicLife { o.episodicLife = on }
                  if let on = overrides.fireReset { o.fireReset = on }
                  return FrameStack(try AtariVector(game: game, count: count, options: o), depth: overrides.frameStack ?? atariFrameStack)
              },
              setState: { _, _, _ in
                  throw EnvironmentError.badState("Atari states cannot be set from numbers; start from a seed (--seed) instead")
              },
              getState: { env, i in
                  let inner = (env as? FrameStack)?.inner ?? env
                  return [Double((inner as! AtariVector).lives(copy: i))]
              })
    }

    /// Atari games listed by `env list`; any other game whose ROM ALE ships works as atari/<game>.
    static let listedAtariGames = ["beam_rider", "breakout", "pong", "space_invaders", "seaquest", "qbert", "enduro", "asterix"]

    static func minAtarPair<G: MinAtarGame>(_ g: G.Type) -> [Entry] { [minAtar(g, minimal: false), minAtar(g, minimal: true)] }

    public static let entries: [Entry] = [classic(CartPole.self), classic(Acrobot.self), classic(MountainCar.self), classic(Pendulum.self)]
        + minAtarPair(MinAtarBreakout.self) + minAtarPair(MinAtarAsterix.self) + minAtarPair(MinAtarFreeway.self)
        + minAtarPair(MinAtarSeaquest.self) + minAtarPair(MinAtarSpaceInvaders.self)
        + [muJoCo(Hopper.self), muJoCo(Walker2d.self), muJoCo(HalfCheetah.self), muJoCo(Swimmer.self),
           muJoCo(Reacher.self), muJoCo(InvertedPendulum.self), muJoCo(InvertedDoublePendulum.self)]
        + listedAtariGames.map(atari)
        + [toy(StacBandit.self, description: "the STAC toy actor–critic game as a one-step bandit: observation [1], action a in [-2, 2], reward -a^2/5 (arXiv 2109.12286, Sec. 3.2, App. A; train with --algo ac)")]

    public static var names: [String] { entries.map(\.name) }

    /// Gymnasium's spellings of an ALE game as this registry's: `atari/BeamRider` and
    /// `ALE/BeamRider-v5` → `atari/beam_rider` (the ROM's name); nil for any other name.
    static func atariROMSpelling(_ name: String) -> String? {
        var game: Substring
        if name.hasPrefix("ALE/") {
            game = name.dropFirst(4)
            if let dash = game.lastIndex(of: "-"), game[game.index(after: dash)...].hasPrefix("v") { game = game[..<dash] }
        } else if name.lowercased().hasPrefix("atari/"), name.dropFirst(6).contains(where: \.isUppercase) {
            game = name.dropFirst(6)
        } else {
            return nil
        }
        var rom = ""
        for (i, c) in game.enumerated() {
            if c.isUppercase, i > 0, !rom.hasSuffix("_") { rom += "_" }
            rom += c.lowercased()
        }
        return "atari/" + rom
    }

    public static func entry(_ name: String) throws -> Entry {
        let lowered = atariROMSpelling(name) ?? name.lowercased()
        if let e = entries.first(where: { $0.name == lowered }) { return e }
        // Any ALE game by its ROM name; an unknown one is reported by the ROM lookup with the list.
        if lowered.hasPrefix("atari/"), lowered.count > 6,
           lowered.dropFirst(6).allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) {
            return atari(String(lowered.dropFirst(6)))
        }
        throw EnvironmentError.unknown(name, known: names + ["atari/<game> (any ROM ALE ships)"])
    }

    /// Frames per observation of `name` under an `env_frame_stack` of `override` (0 or nil: the
    /// environment's own); nil for an environment this registry does not make.
    public static func framesStacked(_ name: String, override: Int?) -> Int? {
        guard let e = try? entry(name) else { return nil }
        if let k = override, k > 0 { return k }
        return e.ownFrameStack
    }

    /// `count` copies of the environment `name`.
    public static func make(_ name: String, count: Int, outOfBounds: OutOfBoundsActions = .reject,
                            overrides: EnvironmentOverrides = EnvironmentOverrides()) throws -> VectorEnvironment {
        guard count >= 1 else { throw EnvironmentError.wrongBatchSize(expected: 1, got: count) }
        let e = try entry(name)
        try check(overrides, for: e)
        return try e.make(count, outOfBounds, overrides)
    }

    /// Refuses overrides out of range or ones the environment does not honour (checked before a
    /// run writes anything, and again when the environment is made).
    public static func check(_ overrides: EnvironmentOverrides, for entry: Entry) throws {
        if let p = overrides.stickyActionProbability {
            guard entry.accepts.contains(.stickyActions) else {
                throw EnvironmentError.badState("\(entry.name) has no sticky actions; leave the sticky-action setting unset")
            }
            guard (0...1).contains(p) else { throw EnvironmentError.badState("the sticky-action probability must be in [0, 1], got \(p)") }
        }
        if let limit = overrides.maxEpisodeSteps {
            guard entry.accepts.contains(.episodeLimit) else {
                throw EnvironmentError.badState("\(entry.name) keeps its own episode limit; leave the episode-limit setting unset")
            }
            guard limit >= 1 else { throw EnvironmentError.badState("the episode limit must be at least 1 step, got \(limit)") }
        }
        if let k = overrides.frameStack {
            guard entry.accepts.contains(.frameStack) else {
                throw EnvironmentError.badState("\(entry.name) does not stack frames; leave the frame-stack setting unset (MinAtar and Atari only)")
            }
            guard (1...64).contains(k) else { throw EnvironmentError.badState("the frame stack must hold 1…64 frames, got \(k)") }
        }
        if overrides.episodicLife != nil, !entry.accepts.contains(.episodicLife) {
            throw EnvironmentError.badState("\(entry.name) has no lives to make episodic; leave the episodic-life setting unset (Atari only)")
        }
        if overrides.fireReset != nil, !entry.accepts.contains(.fireReset) {
            throw EnvironmentError.badState("\(entry.name) has no FIRE to press on reset; leave the fire-reset setting unset (Atari only)")
        }
    }
}

/// Settings a caller may change on a registered environment (e.g. to match another
/// implementation's variant); nil keeps the registry's default.
public struct EnvironmentOverrides: Sendable, Equatable {
    /// MinAtar (default 0.1) and Atari (default 0.25); gymnax's MinAtar has none (0).
    public var stickyActionProbability: Double?
    /// MinAtar and classic control: a time limit reported as truncation. The original MinAtar has
    /// none (Freeway ends on its own clock); gymnax cuts episodes at 1,000 steps (Freeway 2,500).
    /// Classic control keeps Gymnasium's limit unless set (CartPole-v0, the STAC paper's, is 200).
    public var maxEpisodeSteps: Int?
    /// MinAtar and Atari: the last k observations stacked along the channel axis (``FrameStack``).
    /// Atari stacks 4 unless set; MinAtar none (SPRIG's temporal attention reads the stack).
    public var frameStack: Int?
    /// Atari: Stable-Baselines3's `EpisodicLifeEnv` (a lost life terminates the learner's episode,
    /// the game goes on; statistics count whole games). Off unless set.
    public var episodicLife: Bool?
    /// Atari: Stable-Baselines3's `FireResetEnv` (FIRE then action 2 after every reset). Off unless set.
    public var fireReset: Bool?

    public init(stickyActionProbability: Double? = nil, maxEpisodeSteps: Int? = nil, frameStack: Int? = nil,
                episodicLife: Bool? = nil, fireReset: Bool? = nil) {
        self.stickyActionProbability = stickyActionProbability
        self.maxEpisodeSteps = maxEpisodeSteps
        self.frameStack = frameStack
        self.episodicLife = episodicLife
        self.fireReset = fireReset
    }

    /// Which overrides an environment honours: MinAtar both, Atari sticky actions (its episode
    /// limit is Gymnasium's 108,000 frames), classic control and MuJoCo neither (their limits are
    /// Gymnasium's registered ones).
    public struct Kinds: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let stickyActions = Kinds(rawValue: 1)
        public static let episodeLimit = Kinds(rawValue: 2)
        public static let frameStack = Kinds(rawValue: 4)
        public static let episodicLife = Kinds(rawValue: 8)
        public static let fireReset = Kinds(rawValue: 16)
    }
}
