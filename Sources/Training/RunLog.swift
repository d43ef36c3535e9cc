import CZlib
import Foundation

/// An append-only text log (CSV or JSONL) that buffers lines and writes them on `flush()`. Its
/// size and CRC-32 after each flush go into checkpoints, and a resumed run checks the file's first
/// that-many bytes against the CRC and cuts the file back to that size, so the resumed log is byte
/// for byte the uninterrupted one. `mirror` sees every line appended (the TensorBoard events are
/// made from it).
final class RunLog {
    let path: String
    private var pending = ""
    private(set) var bytesWritten: UInt64 = 0
    /// zlib's CRC-32 of the `bytesWritten` bytes in the file, kept as they are written.
    private(set) var checksum: UInt32 = 0
    var mirror: ((String) -> Void)?

    /// zlib's CRC-32 of `data`, continuing `crc` (0 to start).
    static func crc(_ data: some DataProtocol, continuing crc: UInt32 = 0) -> UInt32 {
        var value = uLong(crc)
        for region in data.regions {
            region.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                guard let base = raw.bindMemory(to: Bytef.self).baseAddress else { return }
                var offset = 0
                while offset < raw.count {   // uInt lengths: in slices below 2^32
                    let n = min(raw.count - offset, 1 << 30)
                    value = crc32(value, base + offset, uInt(n))
                    offset += n
                }
            }
        }
        return UInt32(truncatingIfNeeded: value)
    }

    /// The CRC-32 of the first `size` bytes of the file at `path`, or nil where they cannot be read.
    static func checksum(of path: String, bytes size: UInt64) -> UInt32? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        var crc: UInt32 = 0, left = size
        while left > 0 {
            guard let chunk = try? h.read(upToCount: Int(min(left, 1 << 22))), !chunk.isEmpty else { return nil }
            crc = Self.crc(chunk, continuing: crc)
            left -= UInt64(chunk.count)
        }
        return crc
    }

    /// Refuses to resume onto a log shorter than the checkpoint's record of it: truncating "to" a larger
    /// size would pad it with NUL bytes and the rows cut from it would be gone without a word. With
    /// `checksum` (checkpoints from before it have none), also onto a log whose first `size` bytes were
    /// changed since the checkpoint (an edit that kept its length): the resumed run would continue a
    /// history it did not write, and its summary would be taken from it.
    static func checkHolds(_ path: String, bytes size: UInt64, checksum expected: UInt32? = nil) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            // A log compressed for committing (FILE.gz) is the run's history: said, since the fix is to decompress it.
            if FileManager.default.fileExists(atPath: path + ".gz") {
                throw TrainingError.io("\(path) is missing, and the checkpoint continues it; \(path).gz is there: decompress it (gunzip \(path).gz) and resume again")
            }
            throw TrainingError.io("\(path) is missing, and the checkpoint continues it: restore it, or remove the run directory to train it again")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let length = (attributes[.size] as? NSNumber)?.uint64Value else {
            throw TrainingError.io("cannot read \(path) to resume: is the run directory intact? Restore the file, or remove the run directory to train it again")
        }
        guard length >= size else {
            throw TrainingError.io("\(path) has \(length) bytes, fewer than the \(size) it had at the checkpoint: it was cut or replaced since; restore it, or remove the run directory to train it again")
        }
        if let expected {
            guard let found = checksum(of: path, bytes: size) else {
                throw TrainingError.io("cannot read \(path) to resume: is the run directory intact? Restore the file, or remove the run directory to train it again")
            }
            guard found == expected else {
                throw TrainingError.io("\(path)'s first \(size) bytes, the part the checkpoint continues, were changed since it was written (their CRC-32 is \(hex(found)), the checkpoint's \(hex(expected))): the resumed run would continue rows it did not write; restore the file, or remove the run directory to train it again")
            }
        }
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Opens (creating) `path`; with `truncatingTo` the file is cut to that many bytes first,
    /// otherwise a new file gets `header`. `checksum` is those bytes' CRC-32 where `checkHolds` has
    /// verified it; without one (a checkpoint from before the key) they are read to compute it.
    init(path: String, header: String, truncatingTo size: UInt64? = nil, checksum known: UInt32? = nil) throws {
        self.path = path
        let fm = FileManager.default
        if let size {
            guard let h = FileHandle(forUpdatingAtPath: path) else { throw TrainingError.io("cannot reopen \(path) to resume; is the run directory intact?") }
            try h.truncate(atOffset: size)
            try h.close()
            bytesWritten = size
            guard let crc = known ?? Self.checksum(of: path, bytes: size) else { throw TrainingError.io("cannot read \(path) to resume; is the run directory intact?") }
            checksum = crc
        } else {
            guard fm.createFile(atPath: path, contents: nil) else { throw TrainingError.io("cannot create \(path): check that the directory is writable") }
            pending = header + "\n"
        }
    }

    func append(_ line: String) {
        pending += line + "\n"
        mirror?(line)
    }

    /// The lines already in the file, after the header.
    func writtenLines() throws -> [Substring] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw TrainingError.io("cannot read \(path) to resume") }
        return Array(text.split(separator: "\n").dropFirst())
    }

    /// Passes the lines already in the file (after the header) to `mirror`: a resumed run rebuilds
    /// what it mirrors from the log cut back to its checkpoint.
    func mirrorWrittenLines() throws {
        guard let mirror else { return }
        for line in try writtenLines() { mirror(String(line)) }
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        let data = Data(pending.utf8)
        try write(data, to: path, atOffset: bytesWritten)
        bytesWritten += UInt64(data.count)
        checksum = Self.crc(data, continuing: checksum)
        pending = ""
    }
}

/// Writes `data` into the existing file at `path`, starting at `offset`.
func write(_ data: Data, to path: String, atOffset offset: UInt64) throws {
    guard let h = FileHandle(forWritingAtPath: path) else { throw TrainingError.io("cannot write \(path)") }
    defer { try? h.close() }
    try h.seek(toOffset: offset)
    try h.write(contentsOf: data)
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case io(String)
    case existingRun(String)
    case finishedRun(String)
    case nothingToResume(String)
    case interrupted(String)
    case diverged(String)
    /// No run directory (one with a config.toml) under the paths given to `compare`.
    case noRunDirectories([String])
    /// Runs were found under the paths, but none can be compared: none has a training episode yet
    /// (`unfinishedLeftOut` false), or the ones that do have not finished and were left out for it.
    case noComparableRun([String], unfinishedLeftOut: Bool)
    /// Every run found diverged (train stopped each on a non-finite value and wrote its diverged.txt).
    case allDiverged([String])
    /// `compare --at`: no run under the paths has trained through the batch that reaches `steps`;
    /// `furthest` is the most any has.
    case noneAtSteps([String], steps: Int, furthest: Int)
    /// `compare --at`: runs have trained that far, but none has a training episode that ended by then.
    case noEpisodeByStep([String], steps: Int)

    public var description: String {
        switch self {
        case .io(let why): return why
        case .existingRun(let dir): return "\(dir) already holds a run: pass --resume to continue it, or choose another --out"
        case .finishedRun(let dir): return "\(dir) already holds a finished run (its summary.json): choose another --out, or remove that directory to train it again"
        case .nothingToResume(let dir): return "--resume: \(dir) has no checkpoint to resume from; start it without --resume"
        case .interrupted(let dir): return "interrupted; checkpoint saved in \(dir); continue with the same command and --resume"
        case .diverged(let why): return why
        case .noRunDirectories(let paths): return "no run directories (with config.toml) under \(paths.joined(separator: ", "))"
        case .noComparableRun(let paths, unfinishedLeftOut: false):
            return "no run under \(paths.joined(separator: ", ")) has a finished training episode yet; nothing to compare"
        case .allDiverged(let dirs):
            return "every run found diverged (train stopped \(dirs.count == 1 ? "it" : "each") on a non-finite value; the reason is in \(dirs.count == 1 ? "its" : "each one's") diverged.txt): \(dirs.prefix(5).joined(separator: ", "))\(dirs.count > 5 ? ", …" : ""); nothing to compare"
        case .noComparableRun(let paths, unfinishedLeftOut: true):
            return "no run under \(paths.joined(separator: ", ")) has finished (no summary.json); --include-unfinished compares them as they stand"
        case .noneAtSteps(let paths, let steps, let furthest):
            return "no run under \(paths.joined(separator: ", ")) has trained through the batch that reaches step \(steps) (the furthest has trained \(furthest)): give a smaller --at"
        case .noEpisodeByStep(let paths, let steps):
            return "no run under \(paths.joined(separator: ", ")) has a training episode that ended by step \(steps) (--at): give a larger --at"
        }
    }
}
