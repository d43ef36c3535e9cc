import Foundation

/// Named arrays of Float32 and named scalars, saved in a small binary format that round-trips bit
/// for bit (values are stored as their IEEE bit patterns, little-endian; no text conversion).
///
/// Layout: magic "STKSTATE", format version (UInt32), entry count (UInt32), then per entry a kind
/// byte, a UTF-8 name (UInt32 length + bytes) and the payload; then a 64-bit FNV-1a checksum of
/// everything before it, so a truncated or corrupted file is refused rather than half-loaded.
public struct StateDictionary: Equatable {
    public enum Value: Equatable {
        case tensor(shape: [Int], values: [Float])
        case integer(Int64)
        case real(Double)
        case text(String)
        /// Double-precision arrays (running statistics, returns) kept exactly.
        case reals([Double])
        /// Integer arrays (generator states, counters, stored actions).
        case integers([Int64])
        /// Opaque bytes (an environment snapshot).
        case bytes([UInt8])
    }

    public private(set) var names: [String] = []
    private var values: [String: Value] = [:]

    public init() {}

    public subscript(name: String) -> Value? {
        get { values[name] }
        set {
            if values[name] == nil, newValue != nil { names.append(name) }
            if newValue == nil { names.removeAll { $0 == name } }
            values[name] = newValue
        }
    }

    public static func == (a: StateDictionary, b: StateDictionary) -> Bool {
        // Bitwise equality of the stored floats: NaN payloads and signed zeros must survive too.
        guard a.names == b.names else { return false }
        for n in a.names {
            switch (a.values[n]!, b.values[n]!) {
            case let (.tensor(s1, v1), .tensor(s2, v2)):
                guard s1 == s2, v1.map(\.bitPattern) == v2.map(\.bitPattern) else { return false }
            case let (.real(x), .real(y)): guard x.bitPattern == y.bitPattern else { return false }
            case let (.reals(x), .reals(y)): guard x.map(\.bitPattern) == y.map(\.bitPattern) else { return false }
            case let (x, y): guard x == y else { return false }
            }
        }
        return true
    }

    // MARK: Typed access

    public mutating func set(_ name: String, shape: Shape, values pointer: UnsafePointer<Float>) {
        self[name] = .tensor(shape: shape.array, values: Array(UnsafeBufferPointer(start: pointer, count: shape.count)))
    }

    /// Copies the tensor `name` into `out`, checking its shape.
    public func load(_ name: String, shape: Shape, into out: UnsafeMutablePointer<Float>) throws {
        guard case .tensor(let s, let v)? = values[name] else { throw StateError.missing(name) }
        guard s == shape.array else { throw StateError.shapeMismatch(name, expected: shape.array, found: s) }
        v.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: v.count) }
    }

    public func integer(_ name: String) throws -> Int64 {
        guard case .integer(let x)? = values[name] else { throw StateError.missing(name) }
        return x
    }

    public func real(_ name: String) throws -> Double {
        guard case .real(let x)? = values[name] else { throw StateError.missing(name) }
        return x
    }

    public func text(_ name: String) throws -> String {
        guard case .text(let x)? = values[name] else { throw StateError.missing(name) }
        return x
    }

    public func reals(_ name: String, count: Int? = nil) throws -> [Double] {
        guard case .reals(let x)? = values[name] else { throw StateError.missing(name) }
        if let count, x.count != count { throw StateError.shapeMismatch(name, expected: [count], found: [x.count]) }
        return x
    }

    public func bytes(_ name: String) throws -> [UInt8] {
        guard case .bytes(let x)? = values[name] else { throw StateError.missing(name) }
        return x
    }

    public func integers(_ name: String, count: Int? = nil) throws -> [Int64] {
        guard case .integers(let x)? = values[name] else { throw StateError.missing(name) }
        if let count, x.count != count { throw StateError.shapeMismatch(name, expected: [count], found: [x.count]) }
        return x
    }

    /// Saves every parameter's values under its name (with an optional prefix).
    public mutating func store(_ parameters: [Parameter], prefix: String = "") {
        for p in parameters { set(prefix + p.name, shape: p.shape, values: p.value) }
    }

    /// Restores parameters saved by `store`; every one must be present with its shape.
    public func restore(_ parameters: [Parameter], prefix: String = "") throws {
        for p in parameters { try load(prefix + p.name, shape: p.shape, into: p.value) }
    }

    // MARK: Encoding

    public static let magic = Array("STKSTATE".utf8)
    static let version: UInt32 = 1

    public func encoded() -> [UInt8] {
        var out = StateDictionary.magic
        func u32(_ x: UInt32) { withUnsafeBytes(of: x.littleEndian) { out += $0 } }
        func u64(_ x: UInt64) { withUnsafeBytes(of: x.littleEndian) { out += $0 } }
        func string(_ s: String) { let b = Array(s.utf8); u32(UInt32(b.count)); out += b }
        u32(StateDictionary.version)
        u32(UInt32(names.count))
        for name in names {
            switch values[name]! {
            case .tensor(let shape, let v):
                out.append(0); string(name)
                u32(UInt32(shape.count)); for d in shape { u64(UInt64(d)) }
                u64(UInt64(v.count))
                out.reserveCapacity(out.count + 4 * v.count)
                for x in v { u32(x.bitPattern) }
            case .integer(let x): out.append(1); string(name); u64(UInt64(bitPattern: x))
            case .real(let x): out.append(2); string(name); u64(x.bitPattern)
            case .text(let s): out.append(3); string(name); string(s)
            case .reals(let v): out.append(4); string(name); u64(UInt64(v.count)); for x in v { u64(x.bitPattern) }
            case .integers(let v): out.append(5); string(name); u64(UInt64(v.count)); for x in v { u64(UInt64(bitPattern: x)) }
            case .bytes(let v): out.append(6); string(name); u64(UInt64(v.count)); out += v
            }
        }
        u64(fnv1a(out))
        return out
    }

    public init(decoding bytes: [UInt8], source: String = "state") throws {
        var r = Reader(bytes: bytes, source: source)
        let magic = StateDictionary.magic
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw StateError.corrupt(source, "not a stackelberg state file (bad magic)")
        }
        // The magic alone, or little past it: a file cut off while written or copied.
        guard bytes.count >= magic.count + 16 else {
            throw StateError.corrupt(source, "truncated: \(bytes.count) bytes, shorter than any state file")
        }
        let body = bytes.count - 8
        let stored = bytes[body...].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard fnv1a(Array(bytes[..<body])) == stored else {
            throw StateError.corrupt(source, "checksum mismatch (truncated or modified file)")
        }
        r.position = StateDictionary.magic.count
        let version = try r.u32()
        guard version == StateDictionary.version else {
            throw StateError.corrupt(source, "format version \(version), this build reads \(StateDictionary.version)")
        }
        let count = try r.u32()
        for _ in 0..<count {
            let kind = try r.byte()
            let name = try r.string()
            switch kind {
            case 0:
                let rank = Int(try r.u32())
                let shape = try (0..<rank).map { _ in Int(try r.u64()) }
                let n = Int(try r.u64())
                guard n == shape.reduce(1, *) else { throw StateError.corrupt(source, "\(name): \(n) values for shape \(shape)") }
                let v = try (0..<n).map { _ in Float(bitPattern: try r.u32()) }
                self[name] = .tensor(shape: shape, values: v)
            case 1: self[name] = .integer(Int64(bitPattern: try r.u64()))
            case 2: self[name] = .real(Double(bitPattern: try r.u64()))
            case 3: self[name] = .text(try r.string())
            case 4, 5:
                let n = Int(try r.u64())
                guard n <= (bytes.count - r.position) / 8 else { throw StateError.corrupt(source, "\(name): \(n) values run past the end") }
                let raw = try (0..<n).map { _ in try r.u64() }
                self[name] = kind == 4 ? .reals(raw.map(Double.init(bitPattern:))) : .integers(raw.map(Int64.init(bitPattern:)))
            case 6:
                let n = Int(try r.u64())
                guard n <= bytes.count - 8 - r.position else { throw StateError.corrupt(source, "\(name): \(n) bytes run past the end") }
                self[name] = .bytes(Array(bytes[r.position..<(r.position + n)]))
                r.position += n
            default: throw StateError.corrupt(source, "unknown entry kind \(kind) for \(name)")
            }
        }
    }

    /// Writes atomically: the bytes go to `NAME.partial`, are synced to disk, and the file is renamed
    /// over `url` (rename(2) replaces in one step), then the directory is synced. A kill or a crash at
    /// any moment leaves either the old file or the new one, never neither.
    public func write(to url: URL) throws {
        let tmp = url.appendingPathExtension("partial")
        let bytes = encoded()
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw StateError.unreadable(tmp.path, String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n <= 0 {
                let why = String(cString: strerror(errno))
                close(fd)
                throw StateError.unreadable(tmp.path, "write failed: \(why)")
            }
            written += n
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced, rename(tmp.path, url.path) == 0 else {
            throw StateError.unreadable(url.path, "could not replace it: \(String(cString: strerror(errno)))")
        }
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY)
        if directory >= 0 { _ = fsync(directory); close(directory) }
    }

    public init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw StateError.unreadable(url.path, "it is a directory, not a state file")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StateError.unreadable(url.path, error.localizedDescription)
        }
        try self.init(decoding: [UInt8](data), source: url.path)
    }
}

private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}

private struct Reader {
    let bytes: [UInt8]
    let source: String
    var position = 0
    init(bytes: [UInt8], source: String) { self.bytes = bytes; self.source = source }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count - 8 else { throw StateError.corrupt(source, "unexpected end of file") }
        defer { position += 1 }
        return bytes[position]
    }
    mutating func u32() throws -> UInt32 {
        var x: UInt32 = 0
        for i in 0..<4 { x |= UInt32(try byte()) << (8 * UInt32(i)) }
        return x
    }
    mutating func u64() throws -> UInt64 {
        var x: UInt64 = 0
        for i in 0..<8 { x |= UInt64(try byte()) << (8 * UInt64(i)) }
        return x
    }
    mutating func string() throws -> String {
        let n = Int(try u32())
        guard n <= bytes.count - position else { throw StateError.corrupt(source, "string length \(n) runs past the end") }
        let s = String(decoding: bytes[position..<(position + n)], as: UTF8.self)
        position += n
        return s
    }
}

public enum StateError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case shapeMismatch(String, expected: [Int], found: [Int])
    case corrupt(String, String)
    case unreadable(String, String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .missing(let n): return "state entry '\(n)' is missing: the checkpoint was saved by a different model or optimizer"
        case .shapeMismatch(let n, let e, let f):
            return "state entry '\(n)' has shape \(f) but the model expects \(e): check the network sizes in the config"
        case .corrupt(let s, let why): return "\(s): \(why)"
        case .unreadable(let p, let why): return "cannot read \(p): \(why)"
        case .mismatch(let why): return why
        }
    }
}
