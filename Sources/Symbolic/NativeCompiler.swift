import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compiles C source to a shared library with the system C compiler and loads it, caching the
/// library on disk under a hash of the source, the compiler and its flags (a second run skips the compiler).
///
/// Cache directory: `$XDG_CACHE_HOME/stackelberg`, else `~/.cache/stackelberg`; when that cannot be
/// created or written, a private per-user directory under the temporary directory (a library already in
/// a read-only cache is still used). Only directories owned by this user are trusted. Libraries are
/// written under a unique name and renamed into place, so concurrent processes never see a partial file.
enum NativeCompiler {
    /// Flags of every compilation. No fast-math and no contraction keep IEEE results equal to the
    /// interpreter's; `-fno-math-errno` only lets `sqrt` and friends skip setting errno (values unchanged).
    /// (`-fno-builtin-sin/cos` stop sin and cos of one value being merged into a sincos call.)
    static func flags(optimization: String) -> [String] {
        [optimization, "-march=native", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno",
         "-fno-builtin-sin", "-fno-builtin-cos", "-shared", "-fPIC"]
    }

    struct Library {
        let handle: UnsafeMutableRawPointer
        let path: String
        /// Whether this call ran the compiler (false: found in the disk cache).
        var compiled = false
        func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }
    }

    /// Builds (or finds in the cache) and loads `source`. Throws a message on any failure.
    static func load(source: String, optimization: String = "-O3") throws(NativeError) -> Library {
        let compiler = try compilerCommand()
        let flags = flags(optimization: optimization)
        let key = hash([source, compiler.joined(separator: " "), flags.joined(separator: " "), machineIdentity].joined(separator: "\u{0}"))
        let directories = cacheDirectories()
        // A library built before (by any process) is loaded from any of our directories, even read-only ones.
        for directory in directories {
            let library = directory.path + "/stk-\(key).so"
            if FileManager.default.fileExists(atPath: library), let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) {
                return Library(handle: handle, path: library)
            }
        }
        var lastProblem = "no writable cache directory"
        for directory in directories.filter(\.writable).map(\.path) {
            let library = directory + "/stk-\(key).so"
            do throws(NativeError) {
                try compile(source: source, compiler: compiler, flags: flags, directory: directory, key: key, library: library)
            } catch {
                lastProblem = error.message
                if error.isCompilerFailure { throw error }  // another directory will not help
                continue
            }
            guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
                lastProblem = "dlopen failed: " + (dlerror().map { String(cString: $0) } ?? "unknown error")
                continue
            }
            return Library(handle: handle, path: library, compiled: true)
        }
        throw NativeError(lastProblem)
    }

    private static func compile(source: String, compiler: [String], flags: [String], directory: String, key: String,
                                library: String) throws(NativeError) {
        let unique = "\(getpid())-\(UInt64.random(in: 0 ... .max))"
        let sourcePath = directory + "/stk-\(key).\(unique).c"
        let temporary = directory + "/stk-\(key).\(unique).so"
        guard FileManager.default.createFile(atPath: sourcePath, contents: Data(source.utf8)) else {
            throw NativeError("cannot write \(sourcePath)")
        }
        defer { try? FileManager.default.removeItem(atPath: sourcePath) }
        let arguments = Array(compiler.dropFirst()) + flags + ["-o", temporary, sourcePath, "-lm"]
        let (status, output) = run(compiler[0], arguments)
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            var error = NativeError("\(compiler.joined(separator: " ")) failed (status \(status)): \(output.prefix(2000))")
            error.isCompilerFailure = status != 126 && status != 127  // 126/127: could not run it at all
            throw error
        }
        guard rename(temporary, library) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw NativeError("cannot move the compiled library to \(library)")
        }
        // Keep the source next to the library for inspection (best effort).
        _ = try? FileManager.default.removeItem(atPath: directory + "/stk-\(key).c")
        _ = try? Data(source.utf8).write(to: URL(fileURLWithPath: directory + "/stk-\(key).c"), options: .atomic)
    }

    /// `$CC` split on spaces (so `ccache gcc` works) with the program resolved on `PATH`, else `cc`.
    private static func compilerCommand() throws(NativeError) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        let spec = environment["CC"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } ?? "cc"
        var parts = spec.split(separator: " ").map(String.init)
        if !parts[0].contains("/") {
            let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            guard let found = path.split(separator: ":").map({ "\($0)/\(parts[0])" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw NativeError("C compiler '\(parts[0])' not found on PATH")
            }
            parts[0] = found
        } else if !FileManager.default.isExecutableFile(atPath: parts[0]) {
            throw NativeError("C compiler '\(parts[0])' is not executable")
        }
        return parts
    }

    /// Runs a program, returning its exit status and combined output (status 127 if it could not start).
    private static func run(_ program: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "cannot run \(program): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private struct Directory { let path: String; let writable: Bool }

    /// Cache directories, preferred first: each exists (created 0700 if needed) and belongs to this user.
    private static func cacheDirectories() -> [Directory] {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            candidates.append(xdg + "/stackelberg")
        } else if let home = environment["HOME"], !home.isEmpty {
            candidates.append(home + "/.cache/stackelberg")
        }
        var temporary = NSTemporaryDirectory()
        while temporary.hasSuffix("/") && temporary.count > 1 { temporary.removeLast() }
        candidates.append(temporary + "/stackelberg-\(getuid())")
        return candidates.compactMap { path in
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid() else { return nil }
            return Directory(path: path, writable: access(path, W_OK | X_OK) == 0)
        }
    }

    /// `-march=native` code is only valid on the CPU that built it: key the cache on the CPU too.
    private static let machineIdentity: String = {
        #if os(Linux)
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            let wanted = info.split(separator: "\n").filter { $0.hasPrefix("model name") || $0.hasPrefix("flags") }
            return Array(Set(wanted)).sorted().joined(separator: "\n")
        }
        #endif
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }()

    /// 128-bit FNV-1a (two 64-bit lanes with different offsets), as 32 hex digits.
    static func hash(_ text: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = b ^ (b >> 29)
        }
        func hex(_ v: UInt64) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }
        return hex(a) + hex(b)
    }
}

struct NativeError: Error {
    var message: String
    var isCompilerFailure = false
    init(_ message: String) { self.message = message }
}
