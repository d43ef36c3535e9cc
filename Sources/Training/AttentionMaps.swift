import Agents
import Autodiff
import Environments
import Foundation

/// Attention maps of a trained SPRIG (or attention-PPO) agent: its greedy policy played from a
/// run's checkpoint, and at chosen steps a figure of what the perception module attends to
/// (`stackelberg attention`).
///
/// Each figure `attention_play_stepT` (T: the step of the greedy play, not of training) is titled
/// with the environment, the coupling, the run's seed and the environment steps its checkpoint had
/// trained, and has one row per stacked frame (oldest first, named t−(F−1) … t−0): the frame
/// (Atari: grey levels on the fixed range 0–255 under a red veil of the attention, each stem cell's
/// weight spread evenly over the pixels it sees (``spreadOverFrame(_:grid:field:height:width:)``);
/// MinAtar: each cell in a fixed colour for its first
/// active channel, the colour box naming the channels, empty cells light grey), the attention each
/// stem cell receives (the mean over heads and attending cells of its weights: the cells sum to 1;
/// one colour range [0, max] over every frame's panel, the uniform level 1/P in its label), and the
/// cell gates (range [0, 1]) when the module has them; then the temporal attention between frames
/// (mean over heads, row = the attending frame, tics t−k as the frames). Data (each block's
/// meaning in its comment lines) and script sit beside the PNG. Stem cell
/// (i, j) sees the frame through the stem's receptive field: on MinAtar the 3×3 block of rows
/// i…i+2 and columns j…j+2; on Atari a 20-pixel square starting at pixel (8i, 8j) (8×8 stride 4,
/// then 4×4 stride 2: 8 + 3·4 pixels).
public enum AttentionMaps {
    public struct Capture: Sendable {
        public let step: Int
        public let snapshot: AttentionSnapshot
        /// The raw observation [H, W, F·C].
        public let observation: [Float]

        public init(step: Int, snapshot: AttentionSnapshot, observation: [Float]) {
            self.step = step; self.snapshot = snapshot; self.observation = observation
        }
    }

    /// What the greedy policy did over the steps played: the reward it collected, the returns of the
    /// games it finished (as the evaluation counts them: whole games under Atari's episodic life),
    /// and how often it took each action (discrete spaces; empty for a box).
    public struct Play: Sendable {
        public let steps: Int
        public let reward: Double
        public let finishedReturns: [Double]
        public let actionCounts: [Int]
        /// The environment's names of the actions (``VectorEnvironment/actionNames``), or nil to
        /// print their numbers.
        public var actionNames: [String]? = nil

        /// One line: "400 greedy steps: reward 352, 1 game finished (352); actions NOOP: 12, FIRE: 388"
        /// (with numbers, "0: 12, 1: 388", where the environment does not name its actions).
        public var summary: String {
            var s = "\(steps) greedy step\(steps == 1 ? "" : "s"): reward \(Self.number(reward))"
            s += finishedReturns.isEmpty ? ", no game finished"
                : ", \(finishedReturns.count) game\(finishedReturns.count == 1 ? "" : "s") finished (" + finishedReturns.map(Self.number).joined(separator: ", ") + ")"
            if !actionCounts.isEmpty {
                let names = actionNames.flatMap { $0.count == actionCounts.count ? $0 : nil }
                s += "; actions " + actionCounts.enumerated().map { "\(names?[$0.offset] ?? String($0.offset)): \($0.element)" }.joined(separator: ", ")
            }
            return s
        }

        static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(format: "%.2f", x) }
    }

    /// Plays `steps` greedy steps of the run in `runDirectory` (a `seedN` directory with
    /// `config.toml` and `checkpoint.state`) from a reset with `seed`, capturing `captures`
    /// evenly spaced steps, of spatial block `spatialBlock` and temporal block `temporalBlock`
    /// (0-based; nil: the last of each level). Errors: `TrainingError.io` for a missing file or a run
    /// without an attention perception module, ``BlockChoiceError`` for a block the module does not have,
    /// each naming the fix.
    public static func capture(runDirectory: String, steps: Int, captures: Int, seed: UInt64,
                               spatialBlock: Int? = nil, temporalBlock: Int? = nil) throws -> (captures: [Capture], shape: [Int], environment: String, play: Play, provenance: Provenance) {
        guard steps >= 1, captures >= 1, captures <= steps else {
            throw TrainingError.io("--steps (\(steps)) must be ≥ 1 and --captures (\(captures)) between 1 and --steps")
        }
        let fm = FileManager.default
        let configPath = runDirectory + "/config.toml", checkpointPath = runDirectory + "/checkpoint.state"
        var isDirectory: ObjCBool = false
        guard !runDirectory.isEmpty else {
            throw TrainingError.io("the run path is empty (an unset shell variable?): give one seed's run directory (OUT/ENV/ALGO-COUPLING/seedN)")
        }
        guard fm.fileExists(atPath: runDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError.io("\(runDirectory) is not a directory: give one seed's run directory (OUT/ENV/ALGO-COUPLING/seedN)")
        }
        guard fm.fileExists(atPath: configPath) else {
            let seeds = ((try? fm.contentsOfDirectory(atPath: runDirectory)) ?? []).filter { fm.fileExists(atPath: runDirectory + "/" + $0 + "/config.toml") }.sorted()
            throw TrainingError.io("no config.toml in \(runDirectory): point at one seed's directory (OUT/ENV/ALGO-COUPLING/seedN)"
                + (seeds.isEmpty ? "" : "; it holds \(seeds.joined(separator: ", "))"))
        }
        // A run from before a setting existed reads as it ran (AlgorithmRegistry.completing). A run
        // without the module is said first: a checkpoint would not help it.
        let settings = AlgorithmRegistry.completing(try Settings(contentsOf: configPath))
        // `train` writes every key: one missing is a damaged or hand-written file, not a run without the module.
        let missing = ["algo", "env"].filter { (try? settings.string($0)) == nil }
        guard missing.isEmpty, let algo = try settings.string("algo"), let envName = try settings.string("env") else {
            throw TrainingError.io("\(configPath) has no \(missing.joined(separator: " or ")) key, which `stackelberg train` writes in every run's config.toml: the file is damaged or not a run's; restore it")
        }
        let layout = try settings.string("network.layout")
        guard algo == "ppo", layout == "attention" else {
            throw TrainingError.io("the run in \(runDirectory) has no attention perception module (\(layout.map { "algo \(algo), network.layout \($0)" } ?? "algo \(algo), which has no network.layout")); attention maps need a run of --algo ppo with --coupling sprig, or with --set network.layout=attention")
        }
        guard fm.fileExists(atPath: checkpointPath) else {
            // A finished run without its checkpoint (a committed run: checkpoints stay out of the repository)
            // can be neither resumed nor trained on: the way out is the same run trained elsewhere.
            if fm.fileExists(atPath: runDirectory + "/summary.json") {
                let command = RunConfigHeader(text: (try? String(contentsOfFile: configPath, encoding: .utf8)) ?? "").value("command")
                throw TrainingError.io("no checkpoint.state in \(runDirectory): the run has finished without one (runs committed to a repository keep no checkpoints), so it can be neither resumed nor mapped; train the same settings and seed into another --out (\(command.map { "its command: \($0)" } ?? "its config.toml's command")) and map that run")
            }
            throw TrainingError.io("no checkpoint.state in \(runDirectory): train (or resume) the run until it writes one")
        }
        let state: StateDictionary
        do { state = try StateDictionary(contentsOf: URL(fileURLWithPath: checkpointPath)) } catch let e as StateError {
            // As `train --resume` says it: the same checkpoint fails the same way every time.
            throw TrainingError.io("\(e): the checkpoint is damaged; restore \(checkpointPath) from a copy if you kept one, or train the run again (its next periodic checkpoint is read the same way)")
        }
        // The module's sizes (perception.heads, …) do not all show in its tensors' shapes, so the
        // settings themselves are compared (checkpoints from before the record are not).
        let changed = try TrainingRun.settingsChanged(since: state, checkpointPath: checkpointPath, configPath: configPath)
        guard changed.isEmpty else {
            throw TrainingError.io(TrainingRun.checkpointDisagreement(configPath: configPath, changed: changed) + "; restore it")
        }
        if (try? state.text("run.settings")) == nil {
            // Its tensors' shapes are still checked as it loads; perception.heads, for one, does not show in them.
            try? FileHandle.standardError.write(contentsOf: Data("note: \(checkpointPath) predates the checkpoints' record of their settings: a config.toml edited since (perception.heads, …) cannot be told from the one that trained it\n".utf8))
        }
        let options = try AlgorithmRegistry.runOptions(settings)
        let overrides = try options.environmentOverrides()
        // The agent is built on the run's batch (its checkpoint is sized by it); one copy plays.
        let training = try EnvironmentRegistry.make(envName, count: options.numEnvs, overrides: overrides)
        let env = try EnvironmentRegistry.make(envName, count: 1, overrides: overrides)
        let agent = try AlgorithmRegistry.makeAgent(settings, environment: training, seed: seed)
        // The checkpoint's environment snapshot names its environment and batch (checked for checkpoints
        // without run.settings): a config.toml edited after the run would draw maps of a model on a game it
        // never played.
        if let snapshotting = training as? SnapshottingEnvironment, let snapshot = try? state.bytes("run.environment") {
            do { try snapshotting.restore(snapshot: snapshot) } catch {
                throw TrainingError.io("\(checkpointPath) was not written for the environment \(configPath) states (env = \(envName), num_envs = \(options.numEnvs)): \(error); config.toml was changed after the run: restore it")
            }
        }
        // A checkpoint of another run (copied in), or sizes edited in a config.toml older than the checkpoints'
        // settings record: said with the file and the way out, not as a bare missing state entry.
        do { try agent.load(from: state) } catch {
            throw TrainingError.io("\(checkpointPath) does not fit the model \(configPath) describes (\(error)): the checkpoint is another run's, or config.toml was edited after the run; restore the run's own config.toml and checkpoint.state")
        }
        guard let ppo = agent as? PPOAgent else { throw TrainingError.io("the run in \(runDirectory) is not a PPO agent") }
        // Before the play: a block the module lacks would otherwise be found after it.
        let sizes = ppo.config.perception, frames = ppo.perception?.frames ?? 1
        let temporalCount = ppo.perception?.temporalBlockCount ?? 0
        if let k = spatialBlock, !(0..<sizes.spatialBlocks).contains(k) {
            throw BlockChoiceError("--spatial-block \(k): the run's module has \(sizes.spatialBlocks) spatial block\(sizes.spatialBlocks == 1 ? "" : "s") (perception.spatial_blocks = \(sizes.spatialBlocks)); give 0\(sizes.spatialBlocks == 1 ? "" : " to \(sizes.spatialBlocks - 1)"), or leave it out for the last")
        }
        if let k = temporalBlock {
            let count = temporalCount
            guard (0..<count).contains(k) else {
                throw BlockChoiceError("--temporal-block \(k): the run's module has " + (count == 0
                    ? "no temporal block (\(frames == 1 ? "one frame per observation" : "perception.temporal_blocks = 0")); leave --temporal-block out"
                    : "\(count) temporal block\(count == 1 ? "" : "s") (perception.temporal_blocks = \(count)); give 0\(count == 1 ? "" : " to \(count - 1)"), or leave it out for the last"))
            }
        }
        // For the figures' titles: which run, and how far its checkpoint had trained.
        let provenance = Provenance(coupling: (try? settings.string("coupling")) ?? "monolithic", trainedSteps: ppo.environmentSteps,
                                    totalSteps: try? settings.int("total_steps"), runSeed: (try? state.integer("run.seed")).map { UInt64(bitPattern: $0) },
                                    playSeed: seed, playSteps: steps)
        env.reset(seed: seed)
        let wanted = Set((1...captures).map { k in (k * steps) / (captures + 1) })
        let actions = ActionBatch(space: env.actionSpace, count: 1)
        let size = env.observationSpace.size
        var out = [Capture]()
        var reward = 0.0, finished = [Double]()
        var counts = [Int]()
        if case .discrete(let n) = env.actionSpace { counts = [Int](repeating: 0, count: n) }
        for t in 0..<steps {
            let observation = env.observations.baseAddress!
            if wanted.contains(t), let snapshot = ppo.attentionSnapshot(observation, spatialBlock: spatialBlock, temporalBlock: temporalBlock) {
                out.append(Capture(step: t, snapshot: snapshot, observation: Array(UnsafeBufferPointer(start: observation, count: size))))
            }
            agent.act(observation, count: 1, deterministic: true, into: actions)
            if counts.indices.contains(Int(actions.discrete[0])) { counts[Int(actions.discrete[0])] += 1 }
            try actions.step(env)
            reward += Double(env.rewards[0])
            if env.gameOver(copy: 0) { finished.append(Double(env.episodeReturns[0])) }
        }
        let play = Play(steps: steps, reward: reward, finishedReturns: finished, actionCounts: counts, actionNames: env.actionNames)
        var played = provenance
        played.playSummary = play.summary
        return (out, env.observationShape, envName, play, played)
    }

    /// A `--spatial-block` or `--temporal-block` the run's module does not have: an option value the
    /// command refuses (exit 64), found once the run's settings are read.
    public struct BlockChoiceError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Where the captures come from, as each figure's title says it: the run (its coupling, its
    /// training seed and the environment steps its checkpoint had trained) and the greedy play.
    public struct Provenance: Sendable {
        /// The run's `coupling` ("sprig", or "monolithic" for PPO with the attention layout).
        public var coupling: String
        /// Environment steps the checkpoint had trained (its `agent.environment_steps`).
        public var trainedSteps: Int
        /// The run's `total_steps`, when known: a checkpoint short of it is a run still training.
        public var totalSteps: Int?
        /// The run's training seed (the checkpoint's `run.seed`), when recorded.
        public var runSeed: UInt64?
        /// The seed of the play's environment reset (`--seed`) and the greedy steps played (`--steps`).
        public var playSeed: UInt64
        public var playSteps: Int
        /// What the whole greedy play did (``Play/summary``), set once it has been played: each figure's
        /// data file keeps it, so a map is read beside its play after the command's output is gone.
        public var playSummary: String?

        public init(coupling: String, trainedSteps: Int, totalSteps: Int? = nil, runSeed: UInt64? = nil, playSeed: UInt64, playSteps: Int) {
            self.coupling = coupling; self.trainedSteps = trainedSteps; self.totalSteps = totalSteps
            self.runSeed = runSeed; self.playSeed = playSeed; self.playSteps = playSteps
        }

        /// The coupling as the title says it: which of the two attention variants the maps are of.
        public var couplingText: String {
            switch coupling {
            case "sprig": return "SPRIG (perception module leads)"
            case "monolithic": return "monolithic attention PPO (trained end to end)"
            default: return "coupling \(coupling), attention layout"
            }
        }

        /// "checkpoint after 16,384 env steps of training" (with "of 5,000,000" for a run still training).
        public var checkpointText: String {
            "checkpoint after \(grouped(trainedSteps)) env steps of training"
                + (totalSteps.map { $0 > trainedSteps ? " (of \(grouped($0)))" : "" } ?? "")
        }
    }
}

/// 16384 → "16,384".
fileprivate func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (k, ch) in digits.enumerated() {
        if k > 0, (digits.count - k) % 3 == 0 { out += "," }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}
