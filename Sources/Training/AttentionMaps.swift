import Agents
import Autodiff
import Environments
import Foundation
import Plotting

/// Attention maps of a trained SPRIG (or attention-PPO) agent: its greedy policy played from a
/// run's checkpoint, and at chosen steps a figure of what the perception module attends to
/// (`stackelberg attention`).
///
/// Each figure `attention_stepT` has one row per stacked frame (oldest first): the frame (Atari:
/// grayscale pixels; MinAtar: each cell coloured by its first active channel), the attention each
/// stem cell receives (the mean over heads and attending cells of its weights: the cells sum to
/// 1), and the cell gates when the module has them; then the temporal attention between frames
/// (mean over heads, row = the attending frame). Data and script sit beside the PNG. Stem cell
/// (i, j) sees the frame through the stem's receptive field: on MinAtar the 3×3 block of rows
/// i…i+2 and columns j…j+2; on Atari a 20-pixel square starting at pixel (8i, 8j) (8×8 stride 4,
/// then 4×4 stride 2: 8 + 3·4 pixels).
public enum AttentionMaps {
    public struct Capture: Sendable {
        public let step: Int
        public let snapshot: AttentionSnapshot
        /// The raw observation [H, W, F·C].
        public let observation: [Float]
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
    /// evenly spaced steps. Errors: `TrainingError.io` for a missing file or a run without an
    /// attention perception module, naming the fix.
    public static func capture(runDirectory: String, steps: Int, captures: Int, seed: UInt64) throws -> (captures: [Capture], shape: [Int], environment: String, play: Play) {
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
            throw TrainingError.io("the run in \(runDirectory) has no attention perception module (algo \(algo), network.layout \(layout ?? "none")); attention maps need a run of --algo ppo with --coupling sprig, or with --set network.layout=attention")
        }
        guard fm.fileExists(atPath: checkpointPath) else {
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
            FileHandle.standardError.write(Data("note: \(checkpointPath) predates the checkpoints' record of their settings: a config.toml edited since (perception.heads, …) cannot be told from the one that trained it\n".utf8))
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
            if wanted.contains(t), let snapshot = ppo.attentionSnapshot(observation) {
                out.append(Capture(step: t, snapshot: snapshot, observation: Array(UnsafeBufferPointer(start: observation, count: size))))
            }
            agent.act(observation, count: 1, deterministic: true, into: actions)
            if counts.indices.contains(Int(actions.discrete[0])) { counts[Int(actions.discrete[0])] += 1 }
            try actions.step(env)
            reward += Double(env.rewards[0])
            if env.gameOver(copy: 0) { finished.append(Double(env.episodeReturns[0])) }
        }
        return (out, env.observationShape, envName, Play(steps: steps, reward: reward, finishedReturns: finished, actionCounts: counts, actionNames: env.actionNames))
    }

    /// The figure of one capture (see the type's documentation).
    public static func figure(_ c: Capture, shape: [Int], environment: String) -> GnuplotFigure {
        let s = c.snapshot, (h, w) = (shape[0], shape[1]), channels = shape[2] / s.frames
        let columns = s.gates == nil ? 2 : 3
        let rows = s.frames + (s.temporal == nil ? 0 : 1)
        var fig = GnuplotFigure(name: "attention_step\(c.step)", width: 330 * columns, height: 300 * rows)
        var body = """
            set multiplot layout \(rows),\(columns) title "\(environment): what the perception module attends to at step \(c.step)" noenhanced
            set size ratio -1
            set yrange [*:*] reverse
            set autoscale xfix
            set autoscale yfix
            unset key
            set tics font ",8"

            """
        func matrix(_ title: String, _ height: Int, _ width: Int, _ value: (Int, Int) -> Float) -> Int {
            fig.data.addBlock(title, columns: [], rows: (0..<height).map { i in (0..<width).map { j in Double(value(i, j)) } })
        }
        for f in 0..<s.frames {
            // The frame: Atari's gray level, or MinAtar's first active channel (0: empty).
            let frame = matrix("frame \(f)", h, w) { i, j in
                let base = (i * w + j) * s.frames * channels + f * channels
                if channels == 1 { return c.observation[base] }
                return Float((0..<channels).first { c.observation[base + $0] > 0 }.map { $0 + 1 } ?? 0)
            }
            let received = s.received(frame: f)
            let attention = matrix("attention received, frame \(f)", s.grid.height, s.grid.width) { i, j in received[i * s.grid.width + j] }
            let age = s.frames - 1 - f
            body += """
                set title "frame t−\(age)\(channels == 1 ? "" : " (colour: first active channel, 0 empty)")" font ",10"
                set palette \(channels == 1 ? "gray" : "defined (0 'white', 1 'black', \(channels) 'orange')")
                set colorbox
                plot datafile index \(frame) matrix with image

                set title "attention received (t−\(age)), \(s.grid.height)×\(s.grid.width) stem cells" font ",10"
                set palette defined (0 'white', 1 'red')
                plot datafile index \(attention) matrix with image

                """
            if let gates = s.gates {
                let gate = matrix("gates, frame \(f)", s.grid.height, s.grid.width) { i, j in gates[f * s.cells + i * s.grid.width + j] }
                body += """
                    set title "cell gates (t−\(age))" font ",10"
                    set palette defined (0 'white', 1 'blue')
                    set cbrange [0:1]
                    plot datafile index \(gate) matrix with image
                    set cbrange [*:*]

                    """
            }
        }
        if let temporal = s.temporalMean {
            let block = matrix("temporal attention (row attends to column), mean over heads", s.frames, s.frames) { i, j in temporal[i * s.frames + j] }
            body += """
                set title "temporal attention (row: attending frame)" font ",10"
                set palette defined (0 'white', 1 'purple')
                set cbrange [0:1]
                set xtics 1
                set ytics 1
                set xlabel "frame (0 = oldest)" font ",9"
                set ylabel "frame" font ",9"
                plot datafile index \(block) matrix with image

                """
        }
        fig.body = body + "unset multiplot\n"
        return fig
    }
}
