/// A batch whose whole state can be saved and put back, so a training run resumed from a
/// checkpoint steps exactly as the uninterrupted run would have (games, generators, counters,
/// the current observations and wrapper statistics).
///
/// Snapshots are raw bytes of plain values: they are meant for checkpoints of the same build and
/// environment, which `restore` checks by name, batch size and length.
public protocol SnapshottingEnvironment: VectorEnvironment {
    func snapshot() -> [UInt8]
    func restore(snapshot: [UInt8]) throws
}

/// Appends plain values (no references inside) as their bytes.
public struct SnapshotWriter {
    public private(set) var bytes: [UInt8] = []

    public init(header: String, count: Int) {
        text(header)
        value(count)
    }

    public mutating func value<T>(_ v: T) {
        precondition(_isPOD(T.self), "snapshots hold plain values only, not \(T.self)")
        withUnsafeBytes(of: v) { bytes += $0 }
    }

    public mutating func array<T>(_ a: [T]) {
        value(a.count)
        for v in a { value(v) }
    }

    public mutating func buffer<T>(_ p: UnsafePointer<T>, count: Int) {
        precondition(_isPOD(T.self), "snapshots hold plain values only, not \(T.self)")
        value(count)
        bytes += UnsafeRawBufferPointer(start: p, count: count * MemoryLayout<T>.stride)
    }

    public mutating func text(_ s: String) { array(Array(s.utf8)) }
}

/// Reads what a `SnapshotWriter` wrote, refusing anything that does not fit.
public struct SnapshotReader {
    let bytes: [UInt8]
    var position = 0
    let owner: String

    /// Checks the header written for `owner` with `count` copies. When every size is fixed by the
    /// environment and batch, pass `expectedLength` (the length of a fresh snapshot): a snapshot of
    /// another length is refused before anything is read, so a failed restore never leaves a batch
    /// partly overwritten.
    public init(_ bytes: [UInt8], owner: String, count: Int, expectedLength: Int? = nil) throws {
        self.bytes = bytes
        self.owner = owner
        let header = try text()
        let n: Int = try value()
        guard header == owner, n == count else {
            throw EnvironmentError.badState("snapshot of '\(header)' with \(n) copies cannot restore '\(owner)' with \(count) copies")
        }
        if let expectedLength, bytes.count != expectedLength {
            throw EnvironmentError.badState("snapshot for \(owner) has \(bytes.count) bytes where \(expectedLength) were expected (truncated or from another build)")
        }
    }

    public mutating func value<T>() throws -> T {
        let size = MemoryLayout<T>.size
        guard position + size <= bytes.count else { throw EnvironmentError.badState("snapshot for \(owner) is truncated") }
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: T.self) }
        position += size
        return v
    }

    public mutating func array<T>(count expected: Int? = nil) throws -> [T] {
        let n: Int = try value()
        guard n >= 0, expected == nil || n == expected else { throw EnvironmentError.badState("snapshot for \(owner) has \(n) entries where \(expected ?? 0) were expected") }
        return try (0..<n).map { _ in try value() }
    }

    public mutating func buffer<T>(_ p: UnsafeMutablePointer<T>, count: Int) throws {
        let n: Int = try value()
        let size = count * MemoryLayout<T>.stride
        guard n == count, position + size <= bytes.count else { throw EnvironmentError.badState("snapshot for \(owner) does not fit its buffers") }
        bytes.withUnsafeBytes { UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress! + position, byteCount: size) }
        position += size
    }

    public mutating func text() throws -> String { String(decoding: try array() as [UInt8], as: UTF8.self) }

    public func finish() throws {
        guard position == bytes.count else { throw EnvironmentError.badState("snapshot for \(owner) has \(bytes.count - position) bytes left over") }
    }
}
