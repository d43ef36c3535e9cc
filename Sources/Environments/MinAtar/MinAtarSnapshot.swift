/// A MinAtar value that goes into a snapshot field by field. Writing a struct's memory raw would
/// also write its padding bytes (between a `Bool` and the next `Int`, and after the last field up to
/// the stride), whose contents are whatever the memory held before, so two identical runs could
/// write different checkpoints. Field by field, the bytes are a deterministic function of the value.
///
/// Snapshots are taken only at checkpoints: none of this is on the stepping path.
public protocol MinAtarSnapshotCodable {
    func write(to w: inout SnapshotWriter)
    static func read(from r: inout SnapshotReader) throws -> Self
}

extension Int: MinAtarSnapshotCodable {
    public func write(to w: inout SnapshotWriter) { w.value(self) }
    public static func read(from r: inout SnapshotReader) throws -> Int { try r.value() }
}

extension Int16: MinAtarSnapshotCodable {
    public func write(to w: inout SnapshotWriter) { w.value(self) }
    public static func read(from r: inout SnapshotReader) throws -> Int16 { try r.value() }
}

extension UInt16: MinAtarSnapshotCodable {
    public func write(to w: inout SnapshotWriter) { w.value(self) }
    public static func read(from r: inout SnapshotReader) throws -> UInt16 { try r.value() }
}

/// One byte, 0 or 1; any other byte is refused (loading it as a `Bool` would be undefined).
extension Bool: MinAtarSnapshotCodable {
    public func write(to w: inout SnapshotWriter) { w.value(UInt8(self ? 1 : 0)) }
    public static func read(from r: inout SnapshotReader) throws -> Bool {
        let byte: UInt8 = try r.value()
        guard byte <= 1 else { throw EnvironmentError.badState("snapshot holds \(byte) where a flag (0 or 1) was expected") }
        return byte == 1
    }
}
