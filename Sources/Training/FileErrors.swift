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

/// The first proper ancestor of `path` (nearest the root) that exists and is not a directory.
func fileInPlaceOfDirectory(_ path: String) -> String? {
    var url = URL(fileURLWithPath: path).standardizedFileURL
    var ancestors = [String]()
    while url.path != "/" && !url.path.isEmpty {
        url.deleteLastPathComponent()
        ancestors.append(url.path)
    }
    var isDirectory: ObjCBool = false
    for a in ancestors.reversed() where FileManager.default.fileExists(atPath: a, isDirectory: &isDirectory) && !isDirectory.boolValue {
        return a
    }
    return nil
}
