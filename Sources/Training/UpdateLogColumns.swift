import Foundation

/// Which of an agent's metrics a run's `updates.csv` carries. A new run logs every metric the agent
/// reports, in order. A resumed run keeps the columns its file started with: a build that reports
/// more (a diagnostic added since) leaves them out for this run, so the file stays one table and a
/// run started before the change still resumes to the bits it would have had. A column the file
/// has and this build does not report cannot be filled, and the resume is refused.
struct UpdateLogColumns: Equatable {
    /// The logged metrics' indices into the agent's metric names, in the file's order.
    let indices: [Int]
    /// Their names, in the file's order.
    let names: [String]
    /// Metrics the agent reports that this run's file does not carry.
    let omitted: [String]

    /// Every metric, for a new run.
    init(reported: [String]) {
        indices = Array(reported.indices)
        names = reported
        omitted = []
    }

    /// The columns of an existing `updates.csv` whose first line is `header`
    /// ("env_step,updates,<metric>,…"), matched by name to `reported`.
    /// Errors: `TrainingError.io` naming `path` when the header is not an updates log, or names a
    /// metric this build does not report (the fix: resume with the build that started the run,
    /// whose commit config.toml records).
    init(header: String, reported: [String], path: String) throws {
        let fields = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 2, fields[0] == "env_step", fields[1] == "updates" else {
            throw TrainingError.io("\(path) does not start with the header env_step,updates,…: it is not this run's update log; restore it from a copy of the run directory")
        }
        let logged = Array(fields.dropFirst(2))
        let unknown = logged.filter { !reported.contains($0) }
        guard unknown.isEmpty else {
            throw TrainingError.io("\(path) logs \(unknown.joined(separator: ", ")), which this build does not report (it reports \(reported.joined(separator: ", "))): resume with the build that started the run (config.toml's header names its commit)")
        }
        indices = logged.map { reported.firstIndex(of: $0)! }
        names = logged
        omitted = reported.filter { !logged.contains($0) }
    }

    /// The first line of the file at `path`, read without loading the rest.
    static func header(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TrainingError.io("cannot read \(path) to resume; is the run directory intact?")
        }
        defer { try? handle.close() }
        var bytes = Data()
        while true {
            guard let chunk = try handle.read(upToCount: 4096), !chunk.isEmpty else { break }
            if let newline = chunk.firstIndex(of: UInt8(ascii: "\n")) {
                bytes.append(chunk[chunk.startIndex..<newline])
                break
            }
            bytes.append(chunk)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
