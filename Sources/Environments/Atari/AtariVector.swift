/// N copies of an Atari game on the Arcade Learning Environment, preprocessed as Gymnasium's
/// `AtariPreprocessing` over `ALE/<Game>-v5` with `frameskip=1` (see `AtariOptions`).
///
/// Copy i of `reset(seed: s)` is `env.reset(seed: s + i)` of that Gymnasium environment: the seed
/// goes through NumPy's SeedSequence to ALE's `random_seed` (sticky actions) and to the generator of
/// the no-op starts, so under the same actions every observation, reward and episode end is the
/// reference's, frame for frame. Later episodes of a copy continue its generators, as Gymnasium's
/// `reset()` without a seed does. Observations are [size, size, 1] grayscale values 0…255.
///
/// With `episodicLife` and/or `fireReset` it is that environment further wrapped in
/// Stable-Baselines3's `EpisodicLifeEnv` and then `FireResetEnv` (CleanRL's `ppo_atari.py`
/// order), under vector auto-reset: a lost life terminates the step but the "reset" that follows
/// is one no-op step of the same game, and every reset is followed by FIRE and 2. Those hidden
/// steps count in the game's return and length, and episode statistics close only when the game
/// ends (`gameOver(copy:)`): the return of Gymnasium's `RecordEpisodeStatistics` placed between
/// `AtariPreprocessing` and `EpisodicLifeEnv`. A seeded `reset(seed:)` always starts a new game.
public final class AtariVector: SnapshottingEnvironment, BufferedEnvironment {
    public let game: String
    public let count: Int
    public let options: AtariOptions
    public var name: String { "atari/" + game }
    public let observationSpace: Space
    public var observationShape: [Int] { [options.screenSize, options.screenSize, 1] }
    public var observationEncoding: ObservationEncoding { .byte }
    public var actionSpace: Space { .discrete(actionSet.count) }
    public var actionNames: [String]? { actionSet.map { ALELibrary.actionName($0) } }
    /// ALE action ids the agent's actions 0..<n stand for.
    public let actionSet: [Int32]
    public let buffers: StepBuffers

    private let ale: ALELibrary
    private let romPath: String
    private let emulators: [ALELibrary.Handle]
    private var noopGenerators: [NumpyGenerator]
    private var lives: [Int32]
    /// SB3 `EpisodicLifeEnv`'s `was_real_done` and `lives`, per copy.
    private var realDone: [Bool]
    private var episodicLives: [Int32]
    /// Whether the copy's last step ended a game (statistics closed), kept only when resets have
    /// hidden steps; otherwise a game ends exactly when the learner's episode does.
    private var gameEnded: [Bool]
    /// Episodic life or fire reset: resets hide steps and statistics follow games.
    private let followsGames: Bool
    /// Fire reset applies: `fireReset` and FIRE is action 1 of at least 3.
    public let firesOnReset: Bool
    /// Per copy, the last two grayscale screens (Gymnasium's obs_buffer[0] and [1]).
    private let screens: UnsafeMutablePointer<UInt8>
    private let resize: AreaResize
    private var started = false
    private static let screenBytes = ALELibrary.screenHeight * ALELibrary.screenWidth

    public init(game: String, count: Int, options: AtariOptions = AtariOptions()) throws {
        guard count >= 1 else { throw EnvironmentError.wrongBatchSize(expected: 1, got: count) }
        try options.validate()
        let ale = try ALELibrary.load()
        let romPath = try ale.romPath(game)
        (self.ale, self.romPath) = (ale, romPath)
        self.game = game
        self.count = count
        self.options = options
        var made = [ALELibrary.Handle]()
        for _ in 0..<count {
            guard let e = ale.create(0, options.stickyActionProbability) else {
                made.forEach { ale.destroy($0) }
                throw EnvironmentError.modelUnavailable("ALE could not create an emulator: \(ale.lastError)")
            }
            made.append(e)
            _ = ale.setInt(e, "max_num_frames_per_episode", Int32(options.maxFramesPerEpisode))
            guard ale.loadROM(e, romPath) == 0 else {
                made.forEach { ale.destroy($0) }
                throw EnvironmentError.modelUnavailable("ALE could not load \(romPath): \(ale.lastError)")
            }
        }
        emulators = made
        let query = options.fullActionSpace ? ale.legalActionSet : ale.minimalActionSet
        var ids = [Int32](repeating: 0, count: 32)
        let n = Int(ids.withUnsafeMutableBufferPointer { query(made[0], $0.baseAddress, 32) })
        actionSet = Array(ids.prefix(n))
        let size = options.screenSize
        observationSpace = .box(low: Array(repeating: 0, count: size * size), high: Array(repeating: 255, count: size * size))
        buffers = StepBuffers(count: count, observationSize: size * size)
        noopGenerators = (0..<count).map { NumpyGenerator(seed: UInt64($0)) }
        lives = Array(repeating: 0, count: count)
        realDone = Array(repeating: true, count: count)
        episodicLives = Array(repeating: 0, count: count)
        gameEnded = Array(repeating: false, count: count)
        // ALE's action id 1 is FIRE (PLAYER_A_FIRE).
        firesOnReset = options.fireReset && actionSet.count >= 3 && actionSet[1] == 1
        followsGames = options.episodicLife || options.fireReset
        screens = .allocate(capacity: count * 2 * AtariVector.screenBytes)
        screens.initialize(repeating: 0, count: count * 2 * AtariVector.screenBytes)
        resize = AreaResize(sourceHeight: ALELibrary.screenHeight, sourceWidth: ALELibrary.screenWidth, height: size, width: size)
    }

    deinit {
        emulators.forEach { ale.destroy($0) }
        screens.deallocate(); resize.deallocate(); buffers.deallocate()
    }

    @inline(__always) private func screen(_ i: Int, _ k: Int) -> UnsafeMutablePointer<UInt8> {
        screens + (2 * i + k) * AtariVector.screenBytes
    }

    private func ended(_ e: ALELibrary.Handle) -> (terminal: Bool, truncated: Bool) {
        (ale.gameTerminal(e) != 0, ale.gameTruncated(e) != 0)
    }

    /// Gymnasium's `_get_obs`: the newer screen max-pooled into the older one in place (which later
    /// steps that end early read again), then resized.
    private func observe(_ i: Int) {
        let (a, b) = (screen(i, 0), screen(i, 1))
        for p in 0..<AtariVector.screenBytes where b[p] > a[p] { a[p] = b[p] }
        resize.resize(a, into: buffers.observation(i))
    }

    /// `AtariPreprocessing.reset()` without a seed: a new game, then the no-op start; writes the
    /// observation. The episode statistics are the caller's.
    private func preprocessingReset(_ i: Int) {
        let e = emulators[i]
        ale.reset(e)
        let noops = options.noopMax > 0 ? noopGenerators[i].integers(1, options.noopMax + 1) : 0
        for _ in 0..<noops {
            _ = ale.act(e, actionSet[0])
            let end = ended(e)
            if end.terminal || end.truncated { ale.reset(e) }
        }
        lives[i] = ale.lives(e)
        _ = ale.screenGrayscale(e, screen(i, 0), Int32(AtariVector.screenBytes))
        screen(i, 1).update(repeating: 0, count: AtariVector.screenBytes)
        observe(i)
    }

    /// What one preprocessed step gave: the reward, the episode end as the layer that took it
    /// reports it, and whether the game itself ended (ALE's terminal or frame cap; under
    /// Gymnasium's `terminalOnLifeLoss` also a lost life, since a new game follows).
    private struct Outcome {
        var reward: Int
        var terminal: Bool
        var truncated: Bool
        var gameEnded: Bool
    }

    /// `AtariPreprocessing.step(action)`: `frameSkip` emulator frames, the last two max-pooled into
    /// the observation.
    private func preprocessingStep(_ i: Int, _ action: Int32) -> Outcome {
        let e = emulators[i]
        let skip = options.frameSkip
        let bytes = Int32(AtariVector.screenBytes)
        var reward = 0
        var end = (terminal: false, truncated: false)
        for t in 0..<skip {
            reward += Int(ale.act(e, action))
            end = ended(e)
            if options.terminalOnLifeLoss {
                let now = ale.lives(e)
                end.terminal = end.terminal || now < lives[i]
                lives[i] = now
            }
            if end.terminal || end.truncated { break }
            if t == skip - 2 {
                _ = ale.screenGrayscale(e, screen(i, 1), bytes)
            } else if t == skip - 1 {
                _ = ale.screenGrayscale(e, screen(i, 0), bytes)
            }
        }
        observe(i)
        return Outcome(reward: reward, terminal: end.terminal, truncated: end.truncated, gameEnded: end.terminal || end.truncated)
    }

    /// SB3 `EpisodicLifeEnv.step`: a life lost with lives left terminates; the preprocessed step
    /// itself without episodic life.
    private func lifeStep(_ i: Int, _ action: Int32) -> Outcome {
        var o = preprocessingStep(i, action)
        guard options.episodicLife else { return o }
        realDone[i] = o.terminal || o.truncated
        let now = ale.lives(emulators[i])
        if 0 < now && now < episodicLives[i] { o.terminal = true }
        episodicLives[i] = now
        return o
    }

    /// A step of a reset, unseen by the learner: it counts in the game's statistics, and a game
    /// that ends in it closes them.
    private func unseen(_ i: Int, _ o: Outcome) {
        buffers.recordUnseen(i, reward: Double(o.reward))
        if o.gameEnded { closeGame(i) }
    }

    private func closeGame(_ i: Int) {
        buffers.closeEpisode(i)
        gameEnded[i] = true
    }

    /// SB3 `EpisodicLifeEnv.reset`: after a lost life one no-op step of the same game (a new game
    /// only if that step ends this one); else, or without episodic life, a new game.
    private func lifeReset(_ i: Int) {
        if options.episodicLife && !realDone[i] {
            let o = preprocessingStep(i, actionSet[0])
            unseen(i, o)
            if o.terminal || o.truncated { preprocessingReset(i) }
        } else {
            preprocessingReset(i)
        }
        if options.episodicLife { episodicLives[i] = ale.lives(emulators[i]) }
    }

    /// A reset as the learner sees it: SB3 `FireResetEnv.reset` (FIRE, then action 2, each through
    /// the episodic-life layer and followed by its reset if it ended) over `lifeReset`.
    private func resetGame(_ i: Int) {
        lifeReset(i)
        guard firesOnReset else { return }
        for k in 1...2 {
            let o = lifeStep(i, actionSet[k])
            unseen(i, o)
            if o.terminal || o.truncated { lifeReset(i) }
        }
    }

    public func reset(seed: UInt64) {
        for i in 0..<count {
            // AtariEnv.seed_game: SeedSequence(seed).generate_state(2) gives the no-op generator's
            // seed and ALE's random_seed (as an int32); the ROM is reloaded to take the seed.
            let words = NumpyGenerator.seedSequenceState(entropy: seed &+ UInt64(i), words: 2)
            noopGenerators[i] = NumpyGenerator(seed: UInt64(words[0]))
            let e = emulators[i]
            _ = ale.setInt(e, "random_seed", Int32(bitPattern: words[1]))
            // The ROM loaded in init, so loading it again cannot fail short of the file vanishing,
            // which the next step's emulator would then report through ALE's own messages.
            _ = ale.loadROM(e, romPath)
            buffers.startEpisode(i)
            realDone[i] = true
            gameEnded[i] = false
            resetGame(i)
            gameEnded[i] = false
        }
        started = true
    }

    /// Lives left in copy `index`'s game.
    public func lives(copy index: Int) -> Int { Int(ale.lives(emulators[index])) }

    /// Whether copy `index`'s last step ended its game: under episodic life not at a lost life,
    /// and possibly in a reset's hidden steps.
    public func gameOver(copy index: Int) -> Bool {
        followsGames ? gameEnded[index] : buffers.terminated[index] || buffers.truncated[index]
    }

    public func step(continuous actions: UnsafeBufferPointer<Float>) throws {
        throw EnvironmentError.wrongActionKind(expected: "discrete")
    }

    public func step(discrete actions: UnsafeBufferPointer<Int32>) throws {
        try actionSpace.validate(discrete: actions, copies: count)
        guard started else { throw EnvironmentError.notReset }
        for i in 0..<count {
            gameEnded[i] = false
            let o = lifeStep(i, actionSet[Int(actions[i])])
            if buffers.record(i, reward: Double(o.reward), terminated: o.terminal, truncated: o.truncated, limit: .max) {
                buffers.keepFinalObservation(i)
                if o.gameEnded { closeGame(i) }
                resetGame(i)
            }
        }
    }

    /// The emulators' full states (sticky-action memory and random generator included), the no-op
    /// generators, lives, both screens of every copy and the step buffers; with episodic life or
    /// fire reset also the episodic-life layer's lives and game-over flags.
    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter(header: name, count: count)
        w.value(options.frameSkip); w.value(options.screenSize); w.value(started)
        w.array(noopGenerators); w.array(lives)
        for e in emulators {
            let n = Int(ale.cloneState(e, nil, 0))
            var state = [UInt8](repeating: 0, count: max(n, 0))
            let written = state.withUnsafeMutableBufferPointer { ale.cloneState(e, $0.baseAddress, Int32(n)) }
            precondition(n > 0 && written == n, "ALE could not save its state: \(ale.lastError)")
            w.array(state)
        }
        w.buffer(screens, count: count * 2 * AtariVector.screenBytes)
        buffers.write(to: &w)
        // Appended only when on, so that snapshots of the plain batch keep their earlier layout.
        if followsGames {
            w.value(options.episodicLife); w.value(options.fireReset)
            w.array(realDone); w.array(episodicLives); w.array(gameEnded)
        }
        return w.bytes
    }

    public func restore(snapshot: [UInt8]) throws {
        // Everything is read and checked before anything is written; if an emulator then refuses
        // its state, the batch is put back as it was.
        var r = try SnapshotReader(snapshot, owner: name, count: count)
        let (skip, size, savedStarted): (Int, Int, Bool) = (try r.value(), try r.value(), try r.value())
        guard skip == options.frameSkip, size == options.screenSize else {
            throw EnvironmentError.badState("snapshot of \(name) with frame skip \(skip), screen \(size) cannot restore frame skip \(options.frameSkip), screen \(options.screenSize)")
        }
        let savedGenerators: [NumpyGenerator] = try r.array(count: count)
        let savedLives: [Int32] = try r.array(count: count)
        let states: [[UInt8]] = try (0..<count).map { _ in try r.array() }
        let screenCount = count * 2 * AtariVector.screenBytes
        let savedScreens = UnsafeMutablePointer<UInt8>.allocate(capacity: screenCount)
        defer { savedScreens.deallocate() }
        try r.buffer(savedScreens, count: screenCount)
        let savedBuffers = StepBuffers(count: count, observationSize: buffers.observationSize)
        defer { savedBuffers.deallocate() }
        try savedBuffers.read(from: &r)
        func describe(_ life: Bool, _ fire: Bool) -> String {
            "episodic life \(life ? "on" : "off"), fire reset \(fire ? "on" : "off")"
        }
        let ours = describe(options.episodicLife, options.fireReset)
        var saved = (realDone: realDone, episodicLives: episodicLives, gameEnded: gameEnded)
        if r.position == r.bytes.count {
            guard !followsGames else {
                throw EnvironmentError.badState("snapshot of \(name) with \(describe(false, false)) cannot restore a batch with \(ours)")
            }
        } else {
            let (life, fire): (Bool, Bool) = (try r.value(), try r.value())
            guard life == options.episodicLife, fire == options.fireReset else {
                throw EnvironmentError.badState("snapshot of \(name) with \(describe(life, fire)) cannot restore a batch with \(ours)")
            }
            saved = (try r.array(count: count), try r.array(count: count), try r.array(count: count))
        }
        try r.finish()

        let before = self.snapshot()
        for (e, state) in zip(emulators, states) {
            let rc = state.withUnsafeBufferPointer { ale.restoreState(e, $0.baseAddress, Int32($0.count)) }
            if rc != 0 {
                let why = ale.lastError
                try? restore(snapshot: before)
                throw EnvironmentError.badState("ALE refused a saved emulator state of \(name): \(why)")
            }
        }
        screens.update(from: savedScreens, count: screenCount)
        buffers.update(from: savedBuffers)
        (noopGenerators, lives, started) = (savedGenerators, savedLives, savedStarted)
        (realDone, episodicLives, gameEnded) = saved
    }
}
