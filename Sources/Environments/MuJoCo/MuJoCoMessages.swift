import CMuJoCo
import Foundation

/// MuJoCo's two message hooks. Left unset, MuJoCo appends warnings to MUJOCO_LOG.TXT in the current
/// directory, and on an error writes the log, waits for Enter on stdin and exits. Installed once,
/// before the first model is loaded. Load errors do not come through here: the XML compiler swaps in
/// its own handlers while it runs and reports through mj_loadXML's error buffer.
enum MuJoCoMessages {
    static let installed: Void = stackelberg_mujoco_set_handlers(reportWarning, reportError)

    /// Warnings (e.g. an unstable simulation MuJoCo had to reset) go to standard error; after a
    /// number of them the rest are counted silently so a diverging batch cannot flood the output.
    static let printedLimit = 20
}

private final class WarningCount: @unchecked Sendable {
    let lock = NSLock()
    var value = 0
}

private let warningCount = WarningCount()

private func reportWarning(_ message: UnsafePointer<CChar>?) {
    let text = message.map { String(cString: $0) } ?? "(no message)"
    warningCount.lock.lock()
    warningCount.value += 1
    let n = warningCount.value
    warningCount.lock.unlock()
    if n <= MuJoCoMessages.printedLimit {
        let suffix = n == MuJoCoMessages.printedLimit ? " (further MuJoCo warnings are not printed)" : ""
        try? FileHandle.standardError.write(contentsOf: Data("MuJoCo warning: \(text)\(suffix)\n".utf8))
    }
}

/// MuJoCo continues after its error hook returns as if the failed call had succeeded, so the hook
/// must not return; it stops the process with the message instead of MuJoCo's wait-for-Enter exit.
private func reportError(_ message: UnsafePointer<CChar>?) {
    let text = message.map { String(cString: $0) } ?? "(no message)"
    fatalError("MuJoCo error: \(text)")
}
