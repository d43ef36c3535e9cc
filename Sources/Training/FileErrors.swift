import Foundation

/// The operating system's words for a file error ("No such file or directory", "Permission denied"),
/// not Foundation's `Error Domain=NSCocoaErrorDomain Code=512 …` rendering of it. With `path`, a
/// component of it that is a file where a directory is needed is named first, since Foundation
/// reports that case only as "The operation could not be completed" (Cocoa error 512); so is a
/// directory standing at `path` itself, where a file is to be written.
public func fileErrorReason(_ error: Error, path: String? = nil) -> String {
    if let path, let file = fileInPlaceOfDirectory(path) { return "\(file) is a file, not a directory" }
    var isDirectory: ObjCBool = false
    if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        return "a directory of that name is in the way"
    }
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    switch CocoaError.Code(rawValue: ns.code) {
    case .fileWriteNoPermission, .fileReadNoPermission: return "Permission denied"
    case .fileWriteOutOfSpace: return "No space left on device"
    case .fileWriteVolumeReadOnly: return "Read-only file system"
    case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
    case .fileWriteFileExists: return "a file of that name exists"
    default: break
    }
    // Foundation's other file errors read "The operation could not be completed. The file doesn’t exist.".
    var text = ns.localizedDescription
    let generic = "The operation could not be completed. "
    if text.hasPrefix(generic), text.count > generic.count { text.removeFirst(generic.count) }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

/// Why a file cannot be read, where it can be told: it is missing, a directory, or without read
/// permission (nil: none of these). One reading for the CLI's file arguments and the config reader.
public enum FileUnreadable: Sendable {
    case missing, directory, noPermission

    public init?(path: String) {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { self = .missing }
        else if isDirectory.boolValue { self = .directory }
        else if !FileManager.default.isReadableFile(atPath: path) { self = .noPermission }
        else { return nil }
    }
}

/// The first level of a path, from the root, that exists but is not a directory: what stops a
/// directory being made or used there. One walker for every command that checks a directory path
/// (train's run directories, `--out`, a sweep's output root).
public struct PathObstacle: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A file (or anything else that is not a directory).
        case file
        /// A link to a file.
        case linkToFile(target: String)
        /// A link to nothing (`target`: what it points at, "?" unread).
        case brokenLink(target: String)
        /// A link that leads back to itself, through `target`.
        case linkLoop(target: String)
    }
    /// The level, spelled as the path spells it down to there.
    public let path: String
    public let kind: Kind
    /// The level is the whole path, not a directory above it.
    public let isWholePath: Bool

    /// What the level is, for a message: "is a file, not a directory", "is a link to nothing (T does not exist)", ….
    public var what: String {
        switch kind {
        case .file: "is a file, not a directory"
        case .linkToFile(let target): "is a link to a file (\(target))"
        case .brokenLink(let target): "is a link to nothing (\(target) does not exist)"
        case .linkLoop(let target): "is a loop of links (through \(target))"
        }
    }

    /// The fix, for a message.
    public var fix: String {
        if case .file = kind { return "move it" }
        return "remove it or point it at a directory"
    }

    /// The first obstacle on `path`, or nil when every existing level is a directory (or a link to one).
    /// The walk ends at the first level that does not exist: nothing under it does either.
    public static func first(on path: String) -> PathObstacle? {
        let absolute = path.hasPrefix("/")
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var level = absolute ? "/" : ""
        for (n, part) in parts.enumerated() {
            level += (level.isEmpty || level.hasSuffix("/") ? "" : "/") + part
            var link = stat()
            guard lstat(level, &link) == 0 else { return nil }
            var followed = stat()
            let resolves = stat(level, &followed) == 0, why = errno
            if resolves, followed.st_mode & S_IFMT == S_IFDIR { continue }
            let kind: Kind
            if link.st_mode & S_IFMT != S_IFLNK { kind = .file } else {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: level)) ?? "?"
                kind = resolves ? .linkToFile(target: target) : why == ELOOP ? .linkLoop(target: target) : .brokenLink(target: target)
            }
            return PathObstacle(path: level, kind: kind, isWholePath: n == parts.count - 1)
        }
        return nil
    }
}

/// The first proper ancestor of `path` (nearest the root) that exists and is not a directory (a link
/// to nothing is left to the write that meets it).
func fileInPlaceOfDirectory(_ path: String) -> String? {
    let parent = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
    guard let o = PathObstacle.first(on: parent) else { return nil }
    switch o.kind {
    case .file, .linkToFile: return o.path
    case .brokenLink, .linkLoop: return nil
    }
}

/// `path` without its last component, as a path written the same way: "a/b" → "a", "a" → "" (no component
/// above, relative), "/a" → "/", "a/b/" → "a". In place of `NSString.deletingLastPathComponent`, which traps in
/// swift-corelibs-foundation on a one-character name without a slash (`train --out a` crashed, exit 132).
public func parentPath(of path: String) -> String {
    var p = Substring(path)
    while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return "" }
    var up = p[..<slash]
    while up.count > 1, up.hasSuffix("/") { up = up.dropLast() }
    return up.isEmpty ? "/" : String(up)
}
