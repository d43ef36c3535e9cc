import Foundation

/// A log cell that does not read as its column's kind: the column (an index into the header) and
/// what it should hold, for the message that refuses the row.
struct UnreadableCell: Error {
    let column: Int
    let expected: String
}

/// Cell `k` of a log row as a number, the one rule every reader of the runner's logs uses: Swift's
/// text of a Double (decimal digits with an optional exponent, "nan", "inf", "-inf"), or an empty
/// cell, read as nan (a value not logged). Hexadecimal ("0x1p3"), which `Double(_:)` also reads, and
/// blanks around a number are refused: the runner writes neither, so either is an edit or damage.
/// - Throws: `UnreadableCell` naming column `k`.
func logNumber(_ cells: [Substring], _ k: Int) throws(UnreadableCell) -> Double {
    let cell = cells[k]
    if cell.isEmpty { return .nan }
    guard let value = Settings.decimal(cell) else {
        throw UnreadableCell(column: k, expected: "a number")
    }
    return value
}

/// Every cell of a log row as a number (``logNumber(_:_:)``).
func logNumbers(_ cells: [Substring]) throws(UnreadableCell) -> [Double] {
    var row = [Double]()
    row.reserveCapacity(cells.count)
    for k in cells.indices { row.append(try logNumber(cells, k)) }
    return row
}

/// Reads a CSV log the runner writes (`episodes.csv`, `eval.csv`, `updates.csv`) in `directory`:
/// its header and the rows `parse` reads from their cells (called only on rows with the header's
/// number of cells). A row that does not read is damage and is refused with its line, and the column
/// and cell that did not read, rather than dropped, since dropping it would change a score without a
/// word; the one exception is the last row of a run still training (`finished` false), which may be
/// half written. The runner ends every row with a newline, so a last row without one was cut off.
/// Windows line ends read the same ("\r\n" is one Character in Swift). An empty file has no header
/// and no rows. A blank line is damage too: the runner writes none, and one where a row was (a row
/// erased in an editor) would change a score without a word if it were passed over.
///
/// A log with an `env_step` column has its steps checked too, since every reader bins or scores rows by
/// step: each must be a whole number from 0, in order (the runner appends rows as training goes, and
/// a resume truncates the logs to its checkpoint), and at most `maxStep` (the steps a run's config trains,
/// `AlgorithmRegistry.stepsTrained`) when given, and with `distinctSteps` (eval.csv: one evaluation per step)
/// after the previous row's. A step that fails is damage like a row that does not read.
/// A log stored as FILE.gz (a finished run's, committed compressed) is read from it when FILE is not there.
/// - Throws: `TrainingError.io` naming a missing or unreadable file, a FILE.gz that does not inflate, or a
///   damaged line.
func readLogRows<Row>(directory: String, file: String, finished: Bool, maxStep: Int? = nil, distinctSteps: Bool = false,
                      parse: ([Substring]) throws(UnreadableCell) -> Row) throws -> (header: [String], rows: [Row]) {
    let file = storedLogName(directory: directory, file: file)
    let path = directory + "/" + file
    var contents = FileManager.default.contents(atPath: path)
    if file.hasSuffix(".gz"), let bytes = contents {
        // Inflating stops at the first chunk that shows the text is no log (a NUL byte, a first line
        // that is not the header), which the checks below then name: a gzip bomb is refused at once.
        contents = try gunzip(bytes, path: path) { text, new in
            text[new].contains(0) || (new.lowerBound == 0 && text.count >= 11 && !opensWithHeader(text))
        }
    }
    // FILE and FILE.gz both there (`gunzip -k`, or a resumed run beside its compressed log): FILE is read.
    // Said when the two differ, since the other may be the run's.
    if !file.hasSuffix(".gz"), let plain = contents, let packed = FileManager.default.contents(atPath: path + ".gz"),
       (try? gunzip(packed, path: path + ".gz") { text, _ in text.count > plain.count }) != plain {
        noteOnce("note: \(path).gz differs from \(path) beside it; \(file) is read: remove the one that is not the run's log\n")
    }
    guard let data = contents else {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw TrainingError.io("\(path) is a directory, where the run's log goes: move it away, or leave the run out")
            }
            // A FIFO, socket or device file in the log's place is not a log, whatever its permissions.
            if let kind = specialFileKind(path) {
                throw TrainingError.io("\(path) is not a regular file (\(kind)), where the run's log goes: move it away, or leave the run out")
            }
            throw TrainingError.io("\(path) cannot be read (check its permissions)")
        }
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            throw TrainingError.io("\(path) is a link to nothing (\(target) does not exist, or the links loop): restore what it points at, or leave the run out")
        }
        throw TrainingError.io("\(path) is missing: is this a run directory of `stackelberg train`?")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw TrainingError.io("\(path) is not UTF-8 text, as the runner writes its logs: the log is damaged; restore it, or leave the run out")
    }
    // No log the runner writes holds a NUL byte; a number parsed past one would be cut at it (1\0999 read as 1).
    if let nul = data.firstIndex(of: 0) {
        let line = data[data.startIndex..<nul].reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
        throw TrainingError.io("\(path) line \(line) holds a NUL byte, which no log the runner writes does: the log is damaged; restore it, or leave the run out")
    }
    guard !text.isEmpty else { return ([], []) }
    let all = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    let header = all[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    // Every log the runner writes opens with its header, env_step first: a first line without it is a
    // header lost (its first row would be read as the header and dropped) or not a run's log.
    guard header.first == "env_step" else {
        throw TrainingError.io("\(path) does not open with the runner's header (env_step, …) but with \"\(excerpt(all[0], 60))\": the log is damaged; restore it, or leave the run out")
    }
    if let repeated = header.indices.first(where: { header[..<$0].contains(header[$0]) }).map({ header[$0] }) {
        throw TrainingError.io("\(path) names the column \(repeated) twice in its header: the log is damaged (a reader would take one for the other); restore it, or leave the run out")
    }
    let lines = all.dropFirst()
    let cutOff = !(text.last == "\n" || text.last == "\r\n")
    // The text after the last newline is the last row only when it was cut off; otherwise it is empty.
    let rowLines = cutOff ? lines[...] : lines.dropLast()
    let last = rowLines.indices.last
    let stepColumn = header.firstIndex(of: "env_step")
    var rows = [Row]()
    var previous = 0.0
    for (i, line) in zip(rowLines.indices, rowLines) {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false)
        let why: String
        if line.isEmpty {
            why = "is blank, where the runner writes none (a row erased?)"
        } else if cutOff && i == last {
            why = "does not read as a log row: it is cut off (the file ends without the newline that ends every row)"
        } else if cells.count != header.count {
            why = "does not read as a log row: it has \(cells.count) cell\(cells.count == 1 ? "" : "s") where the header has \(header.count)"
        } else {
            do throws(UnreadableCell) {
                let row = try parse(cells)
                guard let k = stepColumn else { rows.append(row); continue }
                let step = Double(cells[k]) ?? .nan
                if let problem = stepProblem(step, previous: previous, maxStep: maxStep, distinct: distinctSteps && !rows.isEmpty) {
                    why = "has env_step \(cells[k]), which \(problem)"
                } else {
                    previous = step
                    rows.append(row)
                    continue
                }
            } catch {
                let name = header[error.column].isEmpty ? "column \(error.column + 1)" : header[error.column]
                why = "does not read as a log row: its \(name) is \"\(excerpt(cells[error.column], 40))\", not \(error.expected)"
            }
        }
        if !finished && i == last { continue }
        throw TrainingError.io("\(path) line \(i + 1) \(why) (\"\(excerpt(line, 60))\"): the log is damaged; restore it, or leave the run out")
    }
    return (header, rows)
}

/// Whether inflated log text opens with the runner's header (`env_step`, after a byte-order mark if any).
private func opensWithHeader(_ text: Data) -> Bool {
    let body = text.starts(with: [0xEF, 0xBB, 0xBF]) ? text.dropFirst(3) : text[...]
    return body.starts(with: Array("env_step".utf8))
}

/// At most `count` characters of a log's text for a message, control characters written as `\u{…}`
/// (a damaged log's bytes would otherwise reach the terminal as they are).
func excerpt(_ text: Substring, _ count: Int) -> String {
    text.prefix(count).map { c in
        c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) && c != "\t"
            ? c.unicodeScalars.map { "\\u{\(String($0.value, radix: 16))}" }.joined() : String(c)
    }.joined()
}

/// Writes `note` to stderr the first time this process meets it (a log read by several passes is noted once).
private func noteOnce(_ note: String) {
    notedLock.lock(); defer { notedLock.unlock() }
    guard notedAlready.insert(note).inserted else { return }
    try? FileHandle.standardError.write(contentsOf: Data(note.utf8))
}
private let notedLock = NSLock()
nonisolated(unsafe) private var notedAlready = Set<String>()

/// The name `file` (`episodes.csv`) is stored under in `directory`: the file itself, or `FILE.gz` for a
/// log committed compressed (no FILE beside it; a link to nothing counts as there, so that it is named).
/// Messages about a log name it as stored.
func storedLogName(directory: String, file: String) -> String {
    let path = directory + "/" + file
    func present(_ p: String) -> Bool {
        FileManager.default.fileExists(atPath: p) || (try? FileManager.default.destinationOfSymbolicLink(atPath: p)) != nil
    }
    return !present(path) && present(path + ".gz") ? file + ".gz" : file
}

/// Why `step` cannot be a log row's environment step after one at `previous`, or nil when it can.
private func stepProblem(_ step: Double, previous: Double, maxStep: Int?, distinct: Bool) -> String? {
    // 2^53: every whole number up to it is a Double, and Int() of it cannot trap.
    guard step.isFinite, step >= 0, step == step.rounded(), step <= 9_007_199_254_740_992 else {
        return "is not a whole number of steps from 0 to 2^53"
    }
    if step < previous { return "is before the previous row's \(Int(previous)) (the rows are in step order)" }
    if distinct, step == previous { return "repeats the previous row's step (one row per step in this log)" }
    if let maxStep, step > Double(maxStep) { return "is past the \(maxStep) steps the run trains (its total_steps in whole batches)" }
    return nil
}

/// "fifo", "socket" or "device" for a path (links followed) that is one of those, else nil. Foundation on
/// Linux calls all three "unknown", so this asks stat(2).
func specialFileKind(_ path: String) -> String? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    switch info.st_mode & S_IFMT {
    case S_IFIFO: return "fifo"
    case S_IFSOCK: return "socket"
    case S_IFCHR, S_IFBLK: return "device"
    default: return nil
    }
}
