import Autodiff

/// Named update statistics (losses, learning rates, ε, a solver's diagnostics) in one buffer
/// allocated when the agent is built: the names never change during a run, the values are
/// overwritten in place by each update, so reporting allocates nothing. The runner writes one CSV
/// and TensorBoard column per name, in order.
///
/// A value not yet reported is NaN. Writers resolve a name to a ``Slot`` once, at construction,
/// and write through it.
///
/// Windows: an agent calls `endUpdate()` after each update; the runner logs each column's mean
/// over the updates since its last row (`windowMean`), then `resetWindow()`. So a 0/1 column such
/// as `negative_curvature` logs the fraction of updates in which it happened, and a loss its mean
/// rather than one noisy sample. NaN values (not reported in that update) are left out of a mean.
public final class UpdateMetrics {
    /// A resolved column.
    public struct Slot: Sendable, Equatable { public let index: Int }

    public let names: [String]
    private let values: UnsafeMutablePointer<Float>
    private let sums: UnsafeMutablePointer<Double>
    private let counts: UnsafeMutablePointer<Int64>
    /// Columns whose window value is the last one reported, not the mean (``keepLastValue(of:)``).
    private var lastValueOnly: [Bool]

    /// Errors: a repeated or empty name is a programming error and stops with a message (the names
    /// come from code, never from user input).
    public init(names: [String]) {
        for (i, n) in names.enumerated() where n.isEmpty || names[..<i].contains(n) {
            fatalError("UpdateMetrics: the metric name '\(n)' is empty or declared twice in \(names)")
        }
        self.names = names
        values = .allocate(capacity: Swift.max(names.count, 1))
        values.initialize(repeating: .nan, count: Swift.max(names.count, 1))
        sums = .allocate(capacity: Swift.max(names.count, 1))
        sums.initialize(repeating: 0, count: Swift.max(names.count, 1))
        counts = .allocate(capacity: Swift.max(names.count, 1))
        counts.initialize(repeating: 0, count: Swift.max(names.count, 1))
        lastValueOnly = [Bool](repeating: false, count: names.count)
    }

    /// Makes the window value of `columns` the last value reported in the window instead of the
    /// mean: for measurements whose mean means nothing (eigenvalues sorted by modulus, a point of
    /// the parameter path and the field there), so a logged row is one measurement.
    /// Errors: an undeclared name stops with the declared ones listed (names come from code).
    public func keepLastValue(of columns: [String]) {
        for c in columns { lastValueOnly[slot(c).index] = true }
    }

    deinit { values.deallocate(); sums.deallocate(); counts.deallocate() }

    /// Adds the current values to the window (call once after each update).
    public func endUpdate() {
        for i in names.indices where !values[i].isNaN {
            sums[i] = lastValueOnly[i] ? Double(values[i]) : sums[i] + Double(values[i])
            counts[i] += 1
        }
    }

    /// Column `i`'s mean over the window; the current value when no update closed since the last
    /// reset (NaN when none was ever reported).
    public func windowMean(at i: Int) -> Float {
        guard counts[i] > 0 else { return values[i] }
        return lastValueOnly[i] ? Float(sums[i]) : Float(sums[i] / Double(counts[i]))
    }

    /// Updates in the window of column `i`.
    public func windowCount(at i: Int) -> Int { Int(counts[i]) }

    /// Whether any update closed since the last reset (a run's end logs that partial window).
    public var windowHasUpdates: Bool { (0..<names.count).contains { counts[$0] > 0 } }

    public func resetWindow() {
        sums.update(repeating: 0, count: names.count)
        counts.update(repeating: 0, count: names.count)
    }

    /// The window's sums and counts, for checkpoints (a resumed run logs the rows an
    /// uninterrupted one would).
    public var windowState: (sums: [Double], counts: [Int64]) {
        (Array(UnsafeBufferPointer(start: sums, count: names.count)), Array(UnsafeBufferPointer(start: counts, count: names.count)))
    }

    /// Restores a saved window. A window with one entry per metric is restored as it is; one saved by
    /// a build that reported fewer metrics has an entry per `savedColumns` (the indices, into
    /// `names`, of the metrics it reported, in its order), and the others start empty.
    /// Errors: `StateError.mismatch` when the saved window fits neither.
    public func restoreWindow(sums s: [Double], counts c: [Int64], savedColumns: [Int]? = nil) throws {
        guard s.count == c.count else {
            throw StateError.mismatch("the saved metric window has \(s.count) sums and \(c.count) counts")
        }
        if s.count == names.count {
            sums.update(from: s, count: s.count)
            counts.update(from: c, count: c.count)
            return
        }
        guard let columns = savedColumns, columns.count == s.count, columns.allSatisfy(names.indices.contains) else {
            throw StateError.mismatch("the saved metric window has \(s.count) columns; this agent reports \(names.count)")
        }
        resetWindow()
        for (j, i) in columns.enumerated() { sums[i] = s[j]; counts[i] = c[j] }
    }

    /// The slot of `name`. Errors: an undeclared name stops with the declared ones listed.
    public func slot(_ name: String) -> Slot {
        guard let i = names.firstIndex(of: name) else {
            fatalError("UpdateMetrics: no metric named '\(name)'; declared: \(names.joined(separator: ", "))")
        }
        return Slot(index: i)
    }

    @inline(__always) public subscript(slot: Slot) -> Float {
        get { values[slot.index] }
        set { values[slot.index] = newValue }
    }

    /// The value under `name`; nil for an unknown name or a value not reported yet.
    public subscript(name: String) -> Float? {
        guard let i = names.firstIndex(of: name) else { return nil }
        return values[i].isNaN ? nil : values[i]
    }

    /// The value of column `i` (NaN when not reported).
    public func value(at i: Int) -> Float { values[i] }
}
