import Foundation

/// Why a file given on the command line (a `--config`, a sweep plan, a speed table) could not be read.
public enum InputFileError: Error, Equatable, Sendable {
    /// It could not be opened: `why` is the system's reason ("No such file or directory", …).
    case cannotOpen(why: String)
    /// It holds more than `limit` bytes, far past any text file of its kind (a device such as
    /// /dev/zero, or the wrong file).
    case tooLarge(limit: Int)

    /// The reason, for a message that names the file itself.
    public var reason: String {
        switch self {
        case .cannotOpen(let why): why
        case .tooLarge(let limit): "it holds more than \(limit >> 20) MiB, where a TOML file of settings is a few KB: is it the right file?"
        }
    }
}

/// The bytes of a small text input file. Read through a file handle, not
/// `FileManager.contents(atPath:)`, which gives nothing for a pipe or a device: `--config <(…)`, a
/// plan from process substitution, or `/dev/stdin` read as a regular file does. A file or stream past
/// `limit` bytes is refused rather than read whole (`/dev/zero` would never end).
public func readInputFile(_ path: String, limit: Int = 64 << 20) throws(InputFileError) -> Data {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw .cannotOpen(why: String(cString: strerror(errno))) }
    defer { close(fd) }
    var data = Data()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw .cannotOpen(why: String(cString: strerror(errno)))
        }
        if n == 0 { return data }
        guard data.count + n <= limit else { throw .tooLarge(limit: limit) }
        data.append(contentsOf: chunk[0..<n])
    }
}
