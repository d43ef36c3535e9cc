// @preconcurrency: C's stdout is a mutable global to Swift 6's checker; this program never reassigns it.
@preconcurrency import Glibc
import Foundation

/// Whether what the command printed reached its standard output. `print` writes through C's buffered
/// stdout, which keeps a failed write (a full disk, `> /dev/full`, a closed pipe's EPIPE with SIGPIPE
/// ignored) to itself: without this check `env rollout > file` on a full disk, or `sweep run --dry-run
/// > job.sbatch`, exited 0 with the output lost.
/// - Throws: `OutputError` (exit 3) naming the system's reason, after a flush.
func checkStandardOutput() throws {
    let fix = "run the command again with its output going where it can be written (a full disk, a closed pipe?)"
    let lost = ImmediateOutput.linesLost
    if lost > 0 {
        throw OutputError("cannot write the standard output: \(lost) line\(lost == 1 ? "" : "s") of the report could not be written; \(fix)")
    }
    let flushed = fflush(stdout) == 0
    guard flushed, ferror(stdout) == 0 else {
        let reason = flushed ? "a write failed" : String(cString: strerror(errno))
        clearerr(stdout)
        throw OutputError("cannot write the standard output (\(reason)): the output is incomplete; \(fix)")
    }
}

/// For long outputs: stops at the first failed write, where the stream already knows of one (a
/// 1e9-step `env rollout` into a full disk ran on, writing nothing). Cheap: no flush.
func checkStandardOutputSoFar() throws {
    if ferror(stdout) != 0 { try checkStandardOutput() }
}

/// Lines written to the standard output at once, one write(2) each (the sweep pool's report, read while it
/// runs). A failed write is counted, not fatal: FileHandle's non-throwing `write(_:)` trapped on a full disk
/// and took the pool down with its runs; `checkStandardOutput()` fails the command at its end instead.
enum ImmediateOutput {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var lost = 0

    static func writeLine(_ line: String) {
        do { try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8)) } catch { lock.withLock { lost += 1 } }
    }

    static var linesLost: Int { lock.withLock { lost } }
}
