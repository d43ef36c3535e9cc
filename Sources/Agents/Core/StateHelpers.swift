import Autodiff
import Seeding

extension StateDictionary {
    /// Stores a generator's state as its bytes.
    public mutating func setGenerator(_ name: String, _ g: SeededGenerator) {
        self[name] = .bytes(withUnsafeBytes(of: g) { Array($0) })
    }

    public func generator(_ name: String) throws -> SeededGenerator {
        let bytes = try self.bytes(name)
        guard bytes.count == MemoryLayout<SeededGenerator>.size else { throw StateError.mismatch("\(name) has \(bytes.count) bytes") }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: SeededGenerator.self) }
    }
}
