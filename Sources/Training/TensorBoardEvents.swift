import Foundation

/// Scalars in TensorBoard's event-file format, written without TensorFlow: a file of TFRecords
/// (length, masked CRC-32C of the length, payload, masked CRC-32C of the payload), each holding an
/// `Event` protocol buffer. The first record names the format version ("brain.Event:2"); every
/// other one is `Event{wall_time, step, summary{value{tag, simple_value}}}`. The few protobuf
/// fields are encoded by hand here: the wire format is stable and these messages are tiny.
final class TensorBoardEvents {
    let path: String
    private var pending = [UInt8]()
    private var bytesWritten: UInt64 = 0

    /// Creates a new event file in `directory` (made if missing), named the way TensorBoard
    /// discovers it: `events.out.tfevents.<unix seconds>.<host>`.
    init(directory: String, wallTime: Double = Date().timeIntervalSince1970) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw TrainingError.io("cannot create \(directory) for TensorBoard event files: check that the run directory is writable")
        }
        let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        path = "\(directory)/events.out.tfevents.\(Int(wallTime)).\(host.isEmpty ? "localhost" : host)"
        guard fm.createFile(atPath: path, contents: nil) else { throw TrainingError.io("cannot create \(path)") }
        var event = [UInt8]()
        Self.appendDouble(field: 1, wallTime, to: &event)
        Self.appendBytes(field: 3, Array("brain.Event:2".utf8), to: &event)
        Self.appendRecord(event, to: &pending)
    }

    /// Queues one scalar; `flush()` writes it.
    func scalar(_ tag: String, _ value: Double, step: Int, wallTime: Double = Date().timeIntervalSince1970) {
        var summaryValue = [UInt8]()
        Self.appendBytes(field: 1, Array(tag.utf8), to: &summaryValue)
        Self.appendFloat(field: 2, Float(value), to: &summaryValue)
        var summary = [UInt8]()
        Self.appendBytes(field: 1, summaryValue, to: &summary)
        var event = [UInt8]()
        Self.appendDouble(field: 1, wallTime, to: &event)
        Self.appendVarint(field: 2, UInt64(bitPattern: Int64(step)), to: &event)
        Self.appendBytes(field: 5, summary, to: &event)
        Self.appendRecord(event, to: &pending)
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        try write(Data(pending), to: path, atOffset: bytesWritten)
        bytesWritten += UInt64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }

    // MARK: TFRecord and protobuf encoding

    static func appendRecord(_ payload: [UInt8], to out: inout [UInt8]) {
        var length = [UInt8]()
        appendLittleEndian(UInt64(payload.count), bytes: 8, to: &length)
        out += length
        appendLittleEndian(UInt64(maskedCRC32C(length)), bytes: 4, to: &out)
        out += payload
        appendLittleEndian(UInt64(maskedCRC32C(payload)), bytes: 4, to: &out)
    }

    private static func appendLittleEndian(_ v: UInt64, bytes: Int, to out: inout [UInt8]) {
        for i in 0..<bytes { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    private static func appendRawVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    /// Wire types: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit.
    private static func appendKey(field: Int, wireType: Int, to out: inout [UInt8]) {
        appendRawVarint(UInt64(field << 3 | wireType), to: &out)
    }

    static func appendVarint(field: Int, _ v: UInt64, to out: inout [UInt8]) {
        appendKey(field: field, wireType: 0, to: &out); appendRawVarint(v, to: &out)
    }

    static func appendDouble(field: Int, _ v: Double, to out: inout [UInt8]) {
        appendKey(field: field, wireType: 1, to: &out); appendLittleEndian(v.bitPattern, bytes: 8, to: &out)
    }

    static func appendFloat(field: Int, _ v: Float, to out: inout [UInt8]) {
        appendKey(field: field, wireType: 5, to: &out); appendLittleEndian(UInt64(v.bitPattern), bytes: 4, to: &out)
    }

    static func appendBytes(field: Int, _ v: [UInt8], to out: inout [UInt8]) {
        appendKey(field: field, wireType: 2, to: &out); appendRawVarint(UInt64(v.count), to: &out); out += v
    }

    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), rotated and offset as TFRecord asks,
    /// so that a CRC of data containing CRCs stays well distributed.
    static func maskedCRC32C(_ data: [UInt8]) -> UInt32 {
        let crc = crc32c(data)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    static func crc32c(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in data { crc = crcTable[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }
}

/// The run's CSV logs mirrored as TensorBoard scalars. Each scalar comes from a CSV line as the
/// log takes it (`RunLog.mirror`), and a resumed run rebuilds the event file from the CSV logs cut
/// back to the checkpoint (`RunLog.mirrorWrittenLines`), so the events always show exactly what
/// the CSVs hold (with the rebuild's wall time for the replayed part).
final class TensorBoardMirror {
    private let events: TensorBoardEvents

    /// Starts a fresh event file in `directory`, removing older ones (a resumed run's events are
    /// rebuilt from its logs).
    init(directory: String) throws {
        let fm = FileManager.default
        if let old = try? fm.contentsOfDirectory(atPath: directory) {
            for f in old where f.hasPrefix("events.out.tfevents.") { try? fm.removeItem(atPath: directory + "/" + f) }
        }
        events = try TensorBoardEvents(directory: directory)
    }

    /// episodes.csv: env_step, copy, return, length.
    func episode(_ line: String) {
        let f = line.split(separator: ",")
        guard f.count >= 4, let step = Int(f[0]), let r = Double(f[2]), let n = Double(f[3]) else { return }
        events.scalar("train/episode_return", r, step: step)
        events.scalar("train/episode_length", n, step: step)
    }

    /// updates.csv: env_step, updates, then the named columns (losses, learning rates, ε).
    func update(_ line: String, columns: [String]) {
        let f = line.split(separator: ",")
        guard f.count == columns.count + 2, let step = Int(f[0]) else { return }
        for (name, v) in zip(columns, f.dropFirst(2)) { if let x = Double(v) { events.scalar("updates/\(name)", x, step: step) } }
    }

    /// eval.csv: env_step, mean_return, returns.
    func evaluation(_ line: String) {
        let f = line.split(separator: ",")
        guard f.count >= 2, let step = Int(f[0]), let m = Double(f[1]) else { return }
        events.scalar("eval/mean_return", m, step: step)
    }

    func flush() throws { try events.flush() }
}
