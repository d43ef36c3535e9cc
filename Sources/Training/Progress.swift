import Foundation

/// Progress of the seeds of a `train` call on one status line: steps done, steps per second, the
/// mean of each seed's latest training episode return, and the time left. Redrawn in place on a
/// terminal, printed every `interval` seconds as plain lines otherwise, silent in quiet mode.
/// The rate and the time left count only the steps this process ran: a resumed seed's earlier
/// steps (`begin(_:steps:)`) are progress, not speed.
public final class ProgressBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var done: [Int]
    private var latestReturn: [Double?]
    /// Each seed's steps when this process took it up (its checkpoint's, when resumed).
    private var startSteps: [Int]
    private let totals: [Int]
    private let labels: [String]
    let start = Date()
    private let quiet: Bool
    private let interactive: Bool
    private var lastPrint = Date.distantPast
    private let interval: TimeInterval

    public init(labels: [String], totals: [Int], quiet: Bool, interval: TimeInterval = 10) {
        self.labels = labels
        self.totals = totals
        done = Array(repeating: 0, count: totals.count)
        startSteps = done
        latestReturn = Array(repeating: nil, count: totals.count)
        self.quiet = quiet
        interactive = isatty(STDERR_FILENO) != 0
        self.interval = interactive ? 0.5 : interval
    }

    /// Seed `index` starts at `steps`: 0 for a fresh run, its checkpoint's count when resumed, its
    /// total when it had already finished.
    public func begin(_ index: Int, steps: Int) {
        lock.lock()
        done[index] = steps
        startSteps[index] = steps
        lock.unlock()
    }

    public func update(_ index: Int, steps: Int, episodeReturn: Double?) {
        lock.lock()
        done[index] = steps
        if let episodeReturn { latestReturn[index] = episodeReturn }
        let due = Date().timeIntervalSince(lastPrint) >= interval
        if due { lastPrint = Date() }
        let line = due && !quiet ? render() : nil
        lock.unlock()
        if let line { emit(line) }
    }

    public func finish() {
        guard !quiet else { return }
        lock.lock()
        let line = render()
        lock.unlock()
        emit(line)
        if interactive { try? FileHandle.standardError.write(contentsOf: Data("\n".utf8)) }
    }

    /// Prints `text` as a note line of its own (on a terminal, over the status line, which is redrawn
    /// on the next update); printed in quiet mode too, as notes are.
    public func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        try? FileHandle.standardError.write(contentsOf: Data(((interactive && !quiet ? "\r\u{1B}[K" : "") + "note: " + text + "\n").utf8))
    }

    private func emit(_ line: String) {
        try? FileHandle.standardError.write(contentsOf: Data((interactive ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    private func render() -> String { compose(now: Date()) }

    /// The status line as it stands at `now`.
    func line(now: Date) -> String {
        lock.lock(); defer { lock.unlock() }
        return compose(now: now)
    }

    /// The line; the caller holds `lock`.
    private func compose(now: Date) -> String {
        let total = totals.reduce(0, +), sum = done.reduce(0, +), ran = sum - startSteps.reduce(0, +)
        // At most 1: a total that is not a whole number of the algorithm's batches trains past it.
        let fraction = total > 0 ? Swift.min(Double(sum) / Double(total), 1) : 1
        let width = 24, filled = Swift.max(0, Swift.min(Int(fraction * Double(width)), width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(ran) / elapsed : 0
        let eta = rate > 0 ? Double(Swift.max(total - sum, 0)) / rate : 0
        let returns = latestReturn.compactMap { $0 }
        let ret = returns.isEmpty ? "–" : String(format: "%.2f", returns.reduce(0, +) / Double(returns.count))
        return String(format: "%@ %5.1f%% %@/%@ steps  %@ steps/s  return %@  elapsed %@  ETA %@  [%@]",
                      bar, 100 * fraction, compact(sum), compact(total), compact(Int(rate)), ret,
                      clock(elapsed), rate > 0 || sum >= total ? clock(eta) : "–", labels.joined(separator: ","))
    }

    private func compact(_ n: Int) -> String { stepCount(Double(n), millionsFrom: 1e6) }

    private func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
