/// Settings of an Atari batch. The defaults are Gymnasium's `ALE/<Game>-v5` (sticky actions 0.25,
/// minimal action set, 108,000-frame cap) under `AtariPreprocessing` (no-op starts up to 30, frame
/// skip 4 with the last two frames max-pooled, 84×84 grayscale by area averaging); frame stacking
/// is the `FrameStack` wrapper, which the registry's `atari/<game>` adds with depth 4. Two of
/// Stable-Baselines3's wrappers that CleanRL's `ppo_atari.py` adds are options here too:
/// `episodicLife` (`EpisodicLifeEnv`) and `fireReset` (`FireResetEnv`), off by default.
public struct AtariOptions: Sendable, Equatable {
    /// Emulator frames per agent step; the observation max-pools the last two of them.
    public var frameSkip = 4
    /// ALE's sticky actions: each frame repeats the previous frame's action with this probability.
    public var stickyActionProbability: Float = 0.25
    /// After each reset, 1…noopMax no-op steps drawn uniformly (0 turns no-op starts off).
    public var noopMax = 30
    /// Observations are `screenSize`×`screenSize` grayscale pixels, values 0…255.
    public var screenSize = 84
    /// Episodic life as Gymnasium's `terminal_on_life_loss`: losing a life terminates the episode and
    /// the next episode starts a fresh game.
    public var terminalOnLifeLoss = false
    /// Episodic life as Stable-Baselines3's `EpisodicLifeEnv` (CleanRL's Atari scripts): a lost life
    /// (lives drop and stay above 0) terminates the learner's episode, but the game goes on: the
    /// "reset" that follows is one no-op step of the same game; only a game over resets the emulator.
    /// Episode statistics (`episodeReturns`, `gameOver(copy:)`) still count whole games.
    public var episodicLife = false
    /// Stable-Baselines3's `FireResetEnv`: every reset (a new game, and under `episodicLife` the
    /// no-op step after a lost life too) is followed by the actions FIRE and 2, unseen by the learner.
    /// Only for games whose action set has FIRE at index 1 and at least 3 actions (SB3's asserts;
    /// CleanRL wraps every game with FIRE); others ignore it.
    public var fireReset = false
    /// Act over all 18 Atari actions instead of the game's minimal set.
    public var fullActionSpace = false
    /// ALE's cap on emulator frames per episode, reported as truncation (0: none).
    public var maxFramesPerEpisode = 108_000

    public init(frameSkip: Int = 4, stickyActionProbability: Float = 0.25, noopMax: Int = 30, screenSize: Int = 84,
                terminalOnLifeLoss: Bool = false, fullActionSpace: Bool = false, maxFramesPerEpisode: Int = 108_000,
                episodicLife: Bool = false, fireReset: Bool = false) {
        self.frameSkip = frameSkip
        self.stickyActionProbability = stickyActionProbability
        self.noopMax = noopMax
        self.screenSize = screenSize
        self.terminalOnLifeLoss = terminalOnLifeLoss
        self.fullActionSpace = fullActionSpace
        self.maxFramesPerEpisode = maxFramesPerEpisode
        self.episodicLife = episodicLife
        self.fireReset = fireReset
    }

    /// The first setting out of range, said so that the caller can fix it.
    func validate() throws {
        guard frameSkip >= 1 else { throw EnvironmentError.badState("Atari frameSkip must be ≥ 1, got \(frameSkip)") }
        guard (0...1).contains(stickyActionProbability) else {
            throw EnvironmentError.badState("Atari stickyActionProbability must be in [0, 1], got \(stickyActionProbability)")
        }
        guard noopMax >= 0 else { throw EnvironmentError.badState("Atari noopMax must be ≥ 0, got \(noopMax)") }
        guard (1...ALELibrary.screenWidth).contains(screenSize) else {
            throw EnvironmentError.badState("Atari screenSize must be in 1…\(ALELibrary.screenWidth), got \(screenSize)")
        }
        guard !(terminalOnLifeLoss && episodicLife) else {
            throw EnvironmentError.badState("Atari terminalOnLifeLoss (Gymnasium's: a new game after each lost life) and episodicLife (Stable-Baselines3's: the game goes on) exclude each other; choose one")
        }
        guard maxFramesPerEpisode >= 0 else { throw EnvironmentError.badState("Atari maxFramesPerEpisode must be ≥ 0, got \(maxFramesPerEpisode)") }
    }
}
