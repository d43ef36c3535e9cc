import Autodiff
import Foundation

/// What a run checks of its directory before it trains, shared by `run(resume:)` and `train --dry-run`
/// so that the two cannot disagree: how it starts (`start(resume:)`), a file in the way
/// (`checkRunPath`), another process training it (`isBeingTrained`), and the checkpoint a resume reads
/// (`readCheckpoint(at:)`).
extension TrainingRun {
    /// Said of a directory whose logs a new run replaces (`Start.replacingLogs`).
    public static func replacingLogsText(episodes: Int) -> String {
        "holds an unfinished run's logs (\(episodes) episodes) but no checkpoint.state, so it cannot be resumed; this run starts over and replaces them"
    }

    /// What `run(resume:)` does with this seed's directory before it trains.
    public enum Start: Equatable, Sendable {
        /// A new run in a new (or empty) directory.
        case fresh
        /// A new run over the logs of one stopped before its first checkpoint (`episodes` rows), which
        /// cannot be resumed and are replaced.
        case replacingLogs(episodes: Int)
        /// Continues from `checkpoint.state`.
        case resume
    }

    /// Whether the directory holds a checkpoint to resume from: `checkpoint.state`, or the leftover of
    /// an interrupted atomic replace (`checkpoint.state.tmp`), which a resume takes for it once its
    /// checksum verifies (see `train`).
    public var hasCheckpoint: Bool {
        FileManager.default.fileExists(atPath: checkpointPath) || FileManager.default.fileExists(atPath: checkpointPath + ".tmp")
    }

    /// How `run(resume:)` would begin, decided from the directory alone (nothing is read beyond it,
    /// nothing written): the refusals it makes before building anything, for `train --dry-run` and for
    /// `run` itself, so that the two cannot disagree.
    /// - Throws: `TrainingError.finishedRun` or `.existingRun` without `resume` where the directory holds
    ///   a finished or a checkpointed run; `.nothingToResume` with `resume` where it holds no checkpoint.
    public func start(resume: Bool) throws -> Start {
        let fm = FileManager.default
        try Self.checkRunPath(directory)
        if resume {
            guard hasCheckpoint else { throw TrainingError.nothingToResume(directory) }
            return .resume
        }
        if fm.fileExists(atPath: summaryPath) { throw TrainingError.finishedRun(directory) }
        if fm.fileExists(atPath: checkpointPath) { throw TrainingError.existingRun(directory) }
        if let old = try? String(contentsOfFile: directory + "/episodes.csv", encoding: .utf8) {
            let rows = old.split(separator: "\n").count - 1
            if rows > 0 { return .replacingLogs(episodes: rows) }
        }
        return .fresh
    }

    /// `start(resume:)`, then what `run(resume:)` checks next before it trains, without building the
    /// agent or writing anything: that no other process trains the directory, and with `resume` the
    /// checkpoint (it reads whole, its settings are config.toml's, the logs hold what it records), for
    /// `train --dry-run`. A checkpoint over `checkpointReadLimit` bytes (a large replay buffer) is not
    /// read: `notRead` gives its size, and the run checks it as it loads it.
    /// - Throws: as `start(resume:)`; `TrainingError.io` naming the process that holds the run, or the
    ///   checkpoint's damage or disagreement, with what to do.
    public func check(resume: Bool) throws -> (start: Start, notRead: UInt64?) {
        // First: what another process is doing to the directory explains what it holds (no checkpoint yet).
        if isBeingTrained { throw TrainingError.io(beingTrainedText) }
        let start = try self.start(resume: resume)
        try Self.checkWritable(directory)
        guard resume else { return (start, nil) }
        let fm = FileManager.default
        let path = fm.fileExists(atPath: checkpointPath) ? checkpointPath : checkpointPath + ".tmp"
        let size = ((try? fm.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
        if size > Self.checkpointReadLimit { return (start, size) }
        _ = try readCheckpoint(at: path)
        return (start, nil)
    }

    /// Refuses a run directory this process cannot write (its run.lock, logs and checkpoints go in
    /// it), or, where it does not exist yet, whose deepest existing ancestor it cannot create it in.
    /// `train` found it only as it took the run's lock; the dry run said "starts".
    public static func checkWritable(_ directory: String) throws {
        var path = directory
        while !FileManager.default.fileExists(atPath: path) {
            // A relative path's first component goes in the working directory.
            let parent = parentPath(of: path)
            let up = parent.isEmpty ? "." : parent
            guard up != path else { return }
            path = up
        }
        guard access(path, W_OK | X_OK) == 0 else {
            let what = path == directory ? "the run's directory \(directory) is not writable by this user" : "\(path) is not writable by this user, and the run's directory \(directory) goes under it"
            throw TrainingError.io("\(what): change its permissions, or choose another --out")
        }
    }

    /// The checkpoint size above which `check(resume:)` leaves the reading to the run (2 GB).
    public static let checkpointReadLimit: UInt64 = 2_000_000_000

    /// Whether another process holds this run's `run.lock` (trains it now). Probed with a shared lock,
    /// held for the moment of the probe.
    public var isBeingTrained: Bool {
        let fd = open(directory + "/run.lock", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }

    var beingTrainedText: String {
        "\(directory) is being trained by another process (it holds run.lock): wait for it to finish, or stop it (Ctrl-C checkpoints) and --resume"
    }

    /// Refuses a run directory that cannot be made or used: a file, or a link to nothing, on its path
    /// (the directory itself or one above it), named with the fix. Without this a file in the way
    /// failed only when the seed started (after other seeds had trained), and a dangling link was said
    /// to be "a file of that name".
    public static func checkRunPath(_ directory: String) throws {
        guard let o = PathObstacle.first(on: directory) else { return }
        // Said of the run's directory itself, or of one above it.
        // (Not naming the seed above it: every seed under it is refused alike, and said once.)
        let place = o.isWholePath ? "where the run's directory goes" : "and run directories go under it"
        throw TrainingError.io("\(o.path) \(o.what), \(place): \(o.fix), or choose another --out")
    }

    /// Reads the checkpoint at `path` as a resume does, before anything is changed: whole (its checksum),
    /// with the settings config.toml names, and with logs that hold what it records.
    /// - Returns: the state, and the log sizes and CRC-32s it records (episodes, updates, eval; the CRCs
    ///   verified against the logs, nil in checkpoints from before them).
    func readCheckpoint(at path: String) throws -> (state: StateDictionary, logSizes: [UInt64], logChecksums: [UInt32?]) {
        let state: StateDictionary
        do { state = try StateDictionary(contentsOf: URL(fileURLWithPath: path)) } catch let e as StateError {
            // Resuming again cannot help: say how to get out of the loop.
            throw TrainingError.io("\(e): the checkpoint is damaged, and resuming again will fail the same way; restore \(checkpointPath) from a copy if you kept one, or remove the run directory to train it again from the start")
        }
        // A seed directory renamed or copied (seed0 to seed1) would continue seed 0's run under seed 1's name,
        // and `compare` would pool it as an independent seed. Checkpoints from before run.seed have none.
        if let saved = try? state.integer("run.seed"), UInt64(bitPattern: saved) != seed {
            let was = UInt64(bitPattern: saved)
            throw TrainingError.io("\(checkpointPath) is seed \(was)'s checkpoint, but the command resumes it as seed \(seed): the directory was renamed or copied from seed\(was), and resuming would continue seed \(was)'s run under seed \(seed)'s name; move it back to seed\(was) (and resume with --seeds \(was)), or train seed \(seed) in a directory of its own")
        }
        // config.toml edited since the checkpoint (and the command given to match it) would continue
        // the run under settings it did not train with. Checkpoints from before run.settings have none.
        let changed = try Self.settingsChanged(since: state, checkpointPath: path, configPath: directory + "/config.toml")
        guard changed.isEmpty else {
            throw TrainingError.io(Self.checkpointDisagreement(configPath: directory + "/config.toml", changed: changed) + "; restore it, and resume with the settings config.toml names")
        }
        let sizes = try state.integers("run.log_sizes", count: 3).map { UInt64($0) }
        // Checkpoints from before run.log_checksums have none: sizes alone are checked.
        let checksums: [UInt32?] = (try? state.integers("run.log_checksums", count: 3)).map { $0.map { UInt32(truncatingIfNeeded: $0) } } ?? [nil, nil, nil]
        for (file, (size, crc)) in zip(["episodes.csv", "updates.csv", "eval.csv"], zip(sizes, checksums)) {
            try RunLog.checkHolds(directory + "/" + file, bytes: size, checksum: crc)
        }
        return (state, sizes, checksums)
    }
}
