import CZlib
import Foundation

/// Inflates a gzip file's bytes (RFC 1952), as the run logs committed compressed (`episodes.csv.gz`)
/// are stored, with zlib. Concatenated gzip members (`cat a.gz b.gz`, which `gunzip` reads as one
/// file) are read one after another; zero bytes after the last member (padding) are allowed, other
/// bytes are not.
///
/// `stopEarly(output, new)` is asked after each inflated chunk (`new`: its range in `output`); true
/// returns the output so far, unread rest dropped. A reader that can tell from the first bytes that
/// the text is not what it reads (a gzip bomb of zeros is not a log) refuses it without inflating
/// gigabytes.
/// - Throws: `TrainingError.io` naming `path` when the bytes are not gzip, are cut short, or are
///   followed by bytes that are not gzip.
func gunzip(_ data: Data, path: String, stopEarly: (Data, Range<Int>) -> Bool = { _, _ in false }) throws -> Data {
    var output = Data()
    guard !data.isEmpty else { throw TrainingError.io("\(path) is empty, not a gzip file: the log is damaged; restore it, or leave the run out") }
    let damaged = "the log is damaged; restore it (`gzip -t \(path)` checks it), or leave the run out"
    try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) throws in
        var stream = z_stream()
        // 15 + 16: a 32 KiB window, gzip framing only (a bare zlib stream is not what `gzip` writes).
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TrainingError.io("cannot read \(path): zlib could not start (out of memory)")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress!)
        stream.avail_in = uInt(input.count)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            let start = output.count
            output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
            // Run logs compress about 5–15 times; a file that inflates past 200 times its size (plus 16 MiB)
            // is a gzip bomb or no log, and reading on would take the machine's memory.
            if output.count > 200 * data.count + (1 << 24) {
                throw TrainingError.io("\(path) inflates to more than 200 times its \(data.count) bytes, which no run log does: it is not a log this toolkit wrote (a gzip bomb?); decompress it yourself if you trust it, or leave the run out")
            }
            if output.count > start, stopEarly(output, start..<output.count) { return }
            switch status {
            case Z_STREAM_END:
                if stream.avail_in == 0 { return }
                let rest = UnsafeRawBufferPointer(start: stream.next_in, count: Int(stream.avail_in))
                if rest.allSatisfy({ $0 == 0 }) { return }
                // Another member starts with gzip's magic bytes; anything else is what `gzip -t` calls trailing garbage.
                guard rest.count >= 2, rest[0] == 0x1f, rest[1] == 0x8b else {
                    throw TrainingError.io("\(path) has \(rest.count) byte\(rest.count == 1 ? "" : "s") after its gzip data that are not gzip (trailing garbage): \(damaged)")
                }
                guard inflateReset(&stream) == Z_OK else { throw TrainingError.io("cannot read \(path): zlib could not go on to its next member") }
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw TrainingError.io("\(path) is cut short (its gzip stream ends early): \(damaged)")
            default:
                let why = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw TrainingError.io("\(path) is not a readable gzip file (\(why)): \(damaged)")
            }
        }
    }
    return output
}
