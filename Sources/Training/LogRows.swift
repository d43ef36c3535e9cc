import Foundation

/// Reads a CSV log the runner writes (`episodes.csv`, `eval.csv`, `updates.csv`) in `directory`:
/// its header and the rows `parse` reads from their cells (called only on rows with the header's
/// number of cells). A row that does not read is damage and is refused with its line rather than
/// dropped, since dropping it would change a score without a word; the one exception is the last
/// row of a run still training (`finished` false), which may be half written. The runner ends every
/// row with a newline, so a last row without one was cut off. Windows line ends read the same
/// ("\r\n" is one Character in Swift). An empty file has no header and no rows.
/// - Throws: `TrainingError.io` naming a missing file (or one stored as FILE.gz) or a damaged line.
func readLogRows<Row>(directory: String, file: String, finished: Bool, parse: ([Substring]) -> Row?) throws -> (header: [String], rows: [Row]) {
    let path = directory + "/" + file
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        if FileManager.default.fileExists(atPath: path + ".gz") {
            throw TrainingError.io("\(path) is stored compressed (\(file).gz): decompress it first (gunzip -k \(path).gz)")
        }
        throw TrainingError.io("\(path) is missing: is this a run directory of `stackelberg train`?")
    }
    guard !text.isEmpty else { return ([], []) }
    let all = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    let header = all[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let lines = all.dropFirst()
    let last = lines.lastIndex { !$0.isEmpty }
    let cutOff = !(text.last == "\n" || text.last == "\r\n")
    var rows = [Row]()
    for (i, line) in zip(lines.indices, lines) where !line.isEmpty {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false)
        if cells.count == header.count, !(cutOff && i == last), let row = parse(cells) { rows.append(row); continue }
        if !finished && i == last { continue }
        throw TrainingError.io("\(path) line \(i + 1) does not read as a log row (\"\(line.prefix(60))\"): the log is damaged; restore it, or leave the run out")
    }
    return (header, rows)
}
