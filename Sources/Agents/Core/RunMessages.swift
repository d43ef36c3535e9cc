import Foundation

/// Warnings and notes said while a run trains, on standard error, naming the run they concern.
///
/// Seeds train concurrently (`stackelberg train --seeds 0..2`), so a bare "warning: …" from inside an
/// update would not say whose update it was. ``TrainingRun`` binds ``label`` (the run's directory)
/// around its training loop; code below it calls ``say(_:_:)``, which prefixes the label when one is
/// bound ("warning: runs/…/seed1: …"). The binding is a task-local value, which outside a task (the
/// runner's dispatch workers) lives in thread-local storage, so each worker thread sees its own run.
public enum RunMessages {
    /// The run being trained on this thread or task, or nil outside a run (tests, benchmarks).
    @TaskLocal public static var label: String?

    /// Writes "`kind`: LABEL: `text`" (or "`kind`: `text`" outside a run) and a newline to standard error.
    /// - Parameters:
    ///   - kind: "warning" or "note".
    ///   - text: one sentence or more, without the trailing newline.
    public static func say(_ kind: String, _ text: String) {
        let prefix = label.map { "\($0): " } ?? ""
        try? FileHandle.standardError.write(contentsOf: Data("\(kind): \(prefix)\(text)\n".utf8))
    }
}
