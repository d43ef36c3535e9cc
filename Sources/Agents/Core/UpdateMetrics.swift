/// Named update statistics (losses, learning rates, ε, a solver's diagnostics) in one buffer
/// allocated when the agent is built: the names never change during a run, the values are
/// overwritten in place by each update, so reporting allocates nothing. The runner writes one CSV
/// and TensorBoard column per name, in order.
///
/// A value not yet reported is NaN. Writers resolve a name to a ``Slot`` once, at construction,
/// and write through it.
public final class UpdateMetrics {
    /// A resolved column.
    public struct Slot: Sendable, Equatable { public let index: Int }

    public let names: [String]
    private let values: UnsafeMutablePointer<Float>

    /// Errors: a repeated or empty name is a programming error and stops with a message (the names
    /// come from code, never from user input).
    public init(names: [String]) {
        for (i, n) in names.enumerated() where n.isEmpty || names[..<i].contains(n) {
            fatalError("UpdateMetrics: the metric name '\(n)' is empty or declared twice in \(names)")
        }
        self.names = names
        values = .allocate(capacity: Swift.max(names.count, 1))
        values.initialize(repeating: .nan, count: Swift.max(names.count, 1))
    }

    deinit { values.deallocate() }

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
