import ArgumentParser
import Environments
import Foundation
import Games
import Training

/// `stackelberg env`: list, roll out and time the environments.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Environments: list them, roll one out as JSONL, time batched stepping.",
        subcommands: [List.self, Rollout.self, Episodes.self, Bench.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the environments with their spaces.",
            discussion: "One line each: name, observation shape, action space, the reference it is checked against, and the state `env rollout --state` takes (its values in this order, comma-separated).")
        func run() throws {
            for e in EnvironmentRegistry.entries {
                // An environment whose files are missing (MuJoCo models before set-up) is listed
                // with the reason instead of ending the listing.
                do {
                    let env = try EnvironmentRegistry.make(e.name, count: 1)
                    print("\(e.name)\tobservation \(env.observationShape)\taction \(env.actionSpace)\t(\(e.reference))\tstate [\(e.stateNames.joined(separator: ", "))]")
                } catch {
                    print("\(e.name)\t(unavailable: \(error))\t(\(e.reference))")
                }
            }
        }
    }

    struct Rollout: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Step one copy and print one JSON line per transition.",
            discussion: "Each line: step, action, reward, terminated, truncated, next_obs (the episode's last observation when it ended), obs (what to act on next, after any auto-reset), state (after the step), and episode_return and episode_length when a whole episode (game) ended.")
        @Argument(help: "Environment name (see `stackelberg env list`).") var name: String
        @Option(parsing: .unconditional, help: "Seed of the environment and of the random policy (a whole number ≥ 0).") var seed: String = "0"
        @Option(parsing: .unconditional, help: "Number of steps (e.g. 100 or 1e3; default: 10).", transform: Count.parse) var steps: Count = Count(10)
        @Option(help: "Policy: random or zero (action 0, or the zero vector).") var policy: String = "random"
        @Option(parsing: .unconditional, help: "Start from this state instead of a reset: its values, comma-separated, in the order `stackelberg env list` gives for the environment.") var state: String?
        @Option(parsing: .unconditional, help: "Comma-separated actions to play in order (overrides --policy; continuous: one value per step and dimension).") var actions: String?
        @Flag(help: "Clip continuous actions into the box instead of refusing them.") var clipActions = false
        @Option(help: ArgumentHelp("Write observations to this file instead of the JSON lines: per step, next_obs then obs, as little-endian Float32.", discussion: "For image observations (Atari), where JSON would be hundreds of megabytes.", valueName: "path"))
        var observationsTo: String?
        @Flag(help: "Atari: SB3's EpisodicLifeEnv (a lost life terminates, the game goes on; episode_return is the whole game's).") var episodicLife = false
        @Flag(help: "Atari: SB3's FireResetEnv (FIRE then action 2 after every reset).") var fireReset = false

        func run() throws {
            try environmentErrors {
                let seed = try seedValue(self.seed)
                let steps = self.steps.value
                // Bounded so that steps × action size cannot overflow (a line per step is printed anyway).
                guard (0...1_000_000_000).contains(steps) else { throw ValidationError("--steps must be from 0 to 1e9, got \(steps)") }
                var observationFile: FileHandle?
                if let observationsTo {
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: observationsTo, isDirectory: &isDirectory), isDirectory.boolValue {
                        throw ValidationError("--observations-to: \(observationsTo) is a directory; give a file path (e.g. \(observationsTo)/observations.f32)")
                    }
                    guard FileManager.default.createFile(atPath: observationsTo, contents: nil), let h = FileHandle(forWritingAtPath: observationsTo) else {
                        throw ValidationError("--observations-to: cannot create \(observationsTo); check that its directory exists and is writable")
                    }
                    observationFile = h
                }
                defer { try? observationFile?.close() }
                guard ["random", "zero"].contains(policy) else { throw ValidationError("--policy must be random or zero, got \(policy)") }
                let entry = try EnvironmentRegistry.entry(name)
                // Said as the flags the user gave (the registry's message speaks of settings).
                if episodicLife, !entry.accepts.contains(.episodicLife) {
                    throw ValidationError("--episodic-life is for Atari games, which have lives; \(name) has none: drop the flag")
                }
                if fireReset, !entry.accepts.contains(.fireReset) {
                    throw ValidationError("--fire-reset is for Atari games with a FIRE action; \(name) has none: drop the flag")
                }
                let overrides = EnvironmentOverrides(episodicLife: episodicLife ? true : nil, fireReset: fireReset ? true : nil)
                let env = try EnvironmentRegistry.make(name, count: 1, outOfBounds: clipActions ? .clip : .reject, overrides: overrides)
                // Accepted and ignored on discrete actions, where --episodic-life on CartPole is refused.
                if clipActions, case .discrete = env.actionSpace {
                    throw ValidationError("--clip-actions is for continuous actions; \(name) has discrete ones (\(env.actionSpace)): drop the flag")
                }
                env.reset(seed: seed)
                if let state {
                    let values = try parseList(state, "--state")
                    try entry.setState(env, values, 0)
                }
                let given = try actions.map { try parseList($0, "--actions") }
                let k = env.actionSpace.size
                // Checked before stepping, so that a short list prints nothing rather than part of a rollout.
                if let given, given.count != steps * k {
                    throw ValidationError("--actions has \(given.count) values; \(steps) steps of \(k) action value\(k == 1 ? "" : "s") need \(steps * k)")
                }
                var rng = copyGenerator(seed: seed ^ 0x5EED_A0C7, index: 0)
                for t in 0..<steps {
                    var action = [Float](repeating: 0, count: k)
                    if let given {
                        for j in 0..<k { action[j] = Float(given[t * k + j]) }
                    } else if policy == "random" {
                        switch env.actionSpace {
                        case .discrete(let n): action[0] = Float(rng.next() % UInt64(n))
                        case .box(let lo, let hi): for j in 0..<k { action[j] = lo[j] + (hi[j] - lo[j]) * Float(rng.uniform()) }
                        }
                    }
                    if case .discrete(let n) = env.actionSpace {
                        guard action[0] == action[0].rounded() else { throw ValidationError("discrete action \(action[0]) at step \(t) is not a whole number") }
                        // Checked here, before the conversion to Int32 (which traps past 2^31).
                        guard action[0] >= 0, action[0] < Float(n) else {
                            throw ValidationError("discrete action \(given.map { $0[t * k] } ?? Double(action[0])) at step \(t) is outside Discrete(\(n)): give actions 0 to \(n - 1)")
                        }
                        try [Int32(action[0])].withUnsafeBufferPointer { try env.step(discrete: $0) }
                    } else {
                        try action.withUnsafeBufferPointer { try env.step(continuous: $0) }
                    }
                    let done = env.terminated[0] || env.truncated[0]
                    let next = done ? Array(env.finalObservations) : Array(env.observations)
                    var line: [String: Any] = ["step": t, "reward": Double(env.rewards[0]),
                                               "terminated": env.terminated[0], "truncated": env.truncated[0],
                                               "state": entry.getState(env, 0)]
                    if let observationFile {
                        next.withUnsafeBytes { observationFile.write(Data($0)) }
                        observationFile.write(Data(buffer: env.observations))
                    } else {
                        line["next_obs"] = next.map(Double.init)
                        line["obs"] = Array(env.observations).map(Double.init)
                    }
                    if case .discrete = env.actionSpace { line["action"] = Int(action[0]) } else { line["action"] = action.map(Double.init) }
                    // A whole game's (under episodic life a lost life ends `done` but not the game).
                    if env.gameOver(copy: 0) { line["episode_return"] = Double(env.episodeReturns[0]); line["episode_length"] = Int(env.episodeLengths[0]) }
                    // JSON has no inf or nan (Foundation's refusal named neither the step nor the field).
                    if let (key, value) = firstNonFinite(line) {
                        throw ValidationError("step \(t): \(key) holds \(value), which JSON cannot write: the dynamics overflowed\(state != nil ? " from --state \(state!)" : ""); start from a state of ordinary size")
                    }
                    let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                    try checkStandardOutputSoFar()
                }
            }
        }
    }

    struct Episodes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Play uniformly random episodes and print their returns and lengths as one JSON line.",
            discussion: "Each of --batch copies plays the same number of whole episodes (its first ones), so the sample is not biased towards short episodes.")
        @Argument(help: "Environment name (discrete actions).") var name: String
        @Option(parsing: .unconditional, help: "Episodes to play in all, rounded up to a multiple of --batch (e.g. 1e4; default: 1000).", transform: Count.parse) var episodes: Count = Count(1000)
        @Option(parsing: .unconditional, help: "Copies stepped together (at most 1e6; default: 16).", transform: Count.parse) var batch: Count = Count(16)
        @Option(parsing: .unconditional, help: "Seed of the environment and of the random policy (a whole number ≥ 0).") var seed: String = "0"

        func run() throws {
            try environmentErrors {
                let seed = try seedValue(self.seed)
                let episodes = self.episodes.value, batch = self.batch.value
                guard episodes >= 1, batch >= 1 else { throw ValidationError("--episodes and --batch must be ≥ 1") }
                // Every copy plays the same number of whole episodes: more copies than episodes would play
                // --batch episodes, not the --episodes asked for.
                guard batch <= episodes else {
                    throw ValidationError("--batch \(batch) is more copies than --episodes \(episodes), and every copy plays at least one episode: give --batch at most \(episodes)")
                }
                try checkBatchFits(name, batch: batch)
                guard episodes <= 1_000_000_000 else { throw ValidationError("--episodes must be at most 1e9, got \(episodes)") }
                let env = try EnvironmentRegistry.make(name, count: batch)
                guard case .discrete(let n) = env.actionSpace else { throw ValidationError("\(name) has continuous actions; `env episodes` plays discrete ones") }
                env.reset(seed: seed)
                let perCopy = (episodes + batch - 1) / batch
                var returns = [[Double]](repeating: [], count: batch), lengths = [[Int]](repeating: [], count: batch)
                var rng = copyGenerator(seed: seed ^ 0x5EED_A0C7, index: batch)
                var actions = [Int32](repeating: 0, count: batch)
                // Copies with episodes still to play: counted, not searched for each step (a scan of every copy per
                // step made a large --batch quadratic).
                var playing = batch
                while playing > 0 {
                    for i in 0..<batch { actions[i] = Int32(rng.next() % UInt64(n)) }
                    try actions.withUnsafeBufferPointer { try env.step(discrete: $0) }
                    for i in 0..<batch where env.gameOver(copy: i) && returns[i].count < perCopy {
                        returns[i].append(Double(env.episodeReturns[i]))
                        lengths[i].append(Int(env.episodeLengths[i]))
                        if returns[i].count == perCopy { playing -= 1 }
                    }
                }
                let r = returns.flatMap { $0 }, l = lengths.flatMap { $0 }.map(Double.init)
                func meanAndError(_ x: [Double]) -> (Double, Double) {
                    let m = x.reduce(0, +) / Double(x.count)
                    let v = x.count > 1 ? x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1) : 0
                    return (m, (v / Double(x.count)).squareRoot())
                }
                let (mr, er) = meanAndError(r), (ml, el) = meanAndError(l)
                let line: [String: Any] = ["env": name, "seed": seed, "batch": batch, "episodes": r.count, "returns": r, "lengths": l.map(Int.init),
                                           "mean_return": mr, "stderr_return": er, "mean_length": ml, "stderr_length": el]
                print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            }
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time batched stepping with random actions; prints one JSON line.")
        @Argument(help: "Environment name.") var name: String
        @Option(parsing: .unconditional, help: "Copies stepped together (at most 1e6; default: 128).", transform: Count.parse) var batch: Count = Count(128)
        @Option(parsing: .unconditional, help: "Batched steps to time (e.g. 1e4; default: 10000).", transform: Count.parse) var steps: Count = Count(10_000)
        @Option(parsing: .unconditional, help: "Seed (a whole number ≥ 0).") var seed: String = "0"

        func run() throws {
            try environmentErrors {
                let seed = try seedValue(self.seed)
                let steps = self.steps.value, batch = self.batch.value
                guard batch >= 1, steps >= 1 else { throw ValidationError("--batch and --steps must be ≥ 1") }
                guard steps <= 1_000_000_000 else { throw ValidationError("--steps must be at most 1e9 batched steps, got \(steps)") }
                try checkBatchFits(name, batch: batch)
                let env = try EnvironmentRegistry.make(name, count: batch)
                env.reset(seed: seed)
                // Actions are drawn before timing so only stepping is measured.
                var rng = copyGenerator(seed: seed, index: batch)
                // Up to 1024 batches of actions, cycled, at most 2^24 actions in all: a chunk of 1024 batches of a
                // million copies took 40 GB. Only the kind the environment takes is allocated.
                let k = env.actionSpace.size, chunk = max(1, min(1024, (1 << 24) / (batch * max(k, 1))))
                var discrete = [Int32](), continuous = [Float]()
                switch env.actionSpace {
                case .discrete(let n): discrete = (0..<(batch * chunk)).map { _ in Int32(rng.next() % UInt64(n)) }
                case .box(let lo, let hi): continuous = (0..<(batch * chunk * k)).map { i in lo[i % k] + (hi[i % k] - lo[i % k]) * Float(rng.uniform()) }
                }
                let clock = ContinuousClock()
                var episodes = 0
                let elapsed = try clock.measure {
                    for t in 0..<steps {
                        let c = t % chunk
                        if case .discrete = env.actionSpace {
                            try discrete.withUnsafeBufferPointer { try env.step(discrete: UnsafeBufferPointer(rebasing: $0[(c * batch)..<((c + 1) * batch)])) }
                        } else {
                            try continuous.withUnsafeBufferPointer { try env.step(continuous: UnsafeBufferPointer(rebasing: $0[(c * batch * k)..<((c + 1) * batch * k)])) }
                        }
                        for i in 0..<batch where env.gameOver(copy: i) { episodes += 1 }
                    }
                }
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                let line: [String: Any] = ["env": name, "batch": batch, "steps": steps, "seconds": seconds,
                                           "env_steps_per_second": Double(batch * steps) / seconds, "episodes": episodes, "seed": seed]
                print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            }
        }
    }
}

/// `env`'s errors by kind, as the README's Errors section gives them: an unknown environment is a refused
/// setting (78, as `train` says it; it was 1), and a state or action the command was given that the
/// environment refuses is a refused option value (64; a continuous action out of its box was 1, a discrete
/// one 64).
func environmentErrors(_ body: () throws -> Void) throws {
    try reportingErrors {
        do { try body() } catch let e as EnvironmentError {
            switch e {
            case .unknown:
                try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8))
                throw ExitCode(78)
            case .actionOutOfRange:
                try? FileHandle.standardError.write(contentsOf: Data("error: \(e): give --actions within it, or pass --clip-actions to clip them into it\n".utf8))
                throw ExitCode(64)
            case .badState, .nonFiniteAction:
                try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8))
                throw ExitCode(64)
            default: throw e
            }
        }
    }
}

func parseList(_ text: String, _ option: String) throws -> [Double] {
    try entries(of: text, option: option).map { part in
        guard let v = Double(part.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("\(option): '\(part)' is not a number (give comma-separated numbers)")
        }
        return v
    }
}

/// Refuses a `--batch` whose copies' arrays alone (counted as `train` counts them) exceed this
/// machine's memory, before they are allocated: an allocation that large used to abort the process.
/// Then one beyond a million copies: past that the environment's per-copy loops, not stepping in
/// batches, are what is timed, and a CartPole batch of 1e7 (within memory by its arrays) aborted
/// allocating its actions.
func checkBatchFits(_ name: String, batch: Int) throws {
    let probe = try EnvironmentRegistry.make(name, count: 1)
    let needed = AlgorithmRegistry.environmentBytes(copies: batch, observationSize: probe.observationSpace.size)
    let available = Double(ProcessInfo.processInfo.physicalMemory)
    guard needed < available else {
        throw ValidationError("--batch \(batch) needs " + String(format: "%.1f GB for its copies' arrays and this machine has %.1f GB", needed / 1e9, available / 1e9) + ": give a smaller --batch")
    }
    guard batch <= 1_000_000 else { throw ValidationError("--batch must be from 1 to 1e6 copies, got \(batch)") }
}

/// The first field of a JSON line (sorted by key) holding a non-finite number, with that number.
func firstNonFinite(_ line: [String: Any]) -> (String, Double)? {
    for key in line.keys.sorted() {
        let values: [Double]
        switch line[key] {
        case let x as Double: values = [x]
        case let xs as [Double]: values = xs
        default: continue
        }
        if let bad = values.first(where: { !$0.isFinite }) { return (key, bad) }
    }
    return nil
}
