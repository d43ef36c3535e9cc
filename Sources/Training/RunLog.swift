import Foundation

/// An append-only text log (CSV or JSONL) that buffers lines and writes them on `flush()`. Its
/// size after each flush goes into checkpoints, and a resumed run cuts the file back to that size,
/// so the resumed log is byte for byte the uninterrupted one.
final class RunLog {
    let path: String
    private var pending = ""
    private(set) var bytesWritten: UInt64 = 0

    /// Opens (creating) `path`; with `truncatingTo` the file is cut to that many bytes first,
    /// otherwise a new file gets `header`.
    init(path: String, header: String, truncatingTo size: UInt64? = nil) throws {
        self.path = path
        let fm = FileManager.default
        if let size {
            guard let h = FileHandle(forUpdatingAtPath: path) else { throw TrainingError.io("cannot reopen \(path) to resume; is the run directory intact?") }
            try h.truncate(atOffset: size)
            try h.close()
            bytesWritten = size
        } else {
            guard fm.createFile(atPath: path, contents: nil) else { throw TrainingError.io("cannot create \(path): check that the directory is writable") }
            pending = header + "\n"
        }
    }

    func append(_ line: String) { pending += line + "\n" }

    func flush() throws {
        guard !pending.isEmpty else { return }
        guard let h = FileHandle(forWritingAtPath: path) else { throw TrainingError.io("cannot write \(path)") }
        defer { try? h.close() }
        try h.seek(toOffset: bytesWritten)
        let data = Data(pending.utf8)
        try h.write(contentsOf: data)
        bytesWritten += UInt64(data.count)
        pending = ""
    }
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case io(String)
    case existingRun(String)
    case nothingToResume(String)
    case interrupted(String)
    case diverged(String)

    public var description: String {
        switch self {
        case .io(let why): return why
        case .existingRun(let dir): return "\(dir) already holds a run: pass --resume to continue it, or choose another --out"
        case .nothingToResume(let dir): return "--resume: \(dir) has no checkpoint to resume from; start it without --resume"
        case .interrupted(let dir): return "interrupted; checkpoint saved in \(dir); continue with the same command and --resume"
        case .diverged(let why): return why
        }
    }
}
