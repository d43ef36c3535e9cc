import Foundation
import Synchronization

/// A plot on disk: a self-contained gnuplot script and its one data file, rendered to PNG (and SVG).
///
/// The script reads only its own data file (datasets are gnuplot `index` blocks), found beside the
/// script from any working directory, and picks the terminal from the variable `fmt` ("png" by default,
/// "svg" with `gnuplot -e "fmt='svg'"`), so a user can edit and re-run it by hand.
public struct GnuplotFigure {
    public var name: String
    public var width: Int
    public var height: Int
    public var data = DataFile()
    /// Script body after the terminal set-up; refer to the data file as `datafile`.
    public var body = ""
    /// The format `gnuplot NAME.gp` renders when no `fmt` is given: "png" or "svg". A command that
    /// writes scripts without rendering them (`--no-render --format svg`) sets it, so the scripts
    /// render what was asked for.
    public var defaultFormat = "png"

    public init(name: String, width: Int = 900, height: Int = 600) {
        self.name = name; self.width = width; self.height = height
    }

    public var script: String {
        """
        # \(name).gp — written by stackelberg; data in \(name).dat.
        # Render: gnuplot \(name).gp            (\(defaultFormat.uppercased()))
        #         gnuplot -e "fmt='\(otherFormat)'" \(name).gp   (\(otherFormat.uppercased()))
        if (!exists("fmt")) fmt = "\(defaultFormat)"
        # The data is read from, and the figure written to, the script's own directory (ARG0 is the
        # script's path as gnuplot was given it), whatever directory gnuplot runs in.
        sb_dir = ""
        sb_k = 0
        if (exists("ARG0")) { sb_k = strlen(ARG0) }
        while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
        if (fmt eq "svg") {
            set terminal svg size \(width),\(height) dynamic enhanced font "Helvetica,12" background rgb "white"
            set output sb_dir."\(name).svg"
        } else {
            set terminal pngcairo size \(width),\(height) enhanced font "Helvetica,11" background rgb "white"
            set output sb_dir."\(name).png"
        }
        datafile = sb_dir."\(name).dat"
        set encoding utf8
        \(body)
        unset output

        """
    }

    /// The format the script renders with `-e "fmt='…'"`: the one of png and svg that is not the default.
    private var otherFormat: String { defaultFormat == "svg" ? "png" : "svg" }

    /// A figure with nothing to plot: the title and a message in the middle of an empty frame. gnuplot
    /// refuses to autoscale a plot with no finite point ("x range is invalid"), so a figure whose data
    /// are all undefined is written as this instead, and says why.
    public static func placeholder(name: String, title: String, message: String, width: Int = 900, height: Int = 600) -> GnuplotFigure {
        var f = GnuplotFigure(name: name, width: width, height: height)
        f.data.addBlock("no finite data: \(message)", columns: ["x", "y"], rows: [])
        f.body = """
        set title "\(gnuplotEscaped(title))"
        set xrange [0:1]
        set yrange [0:1]
        unset xtics
        unset ytics
        set label 1 "\(gnuplotEscaped(message))" at graph 0.5, 0.5 center
        plot NaN notitle
        """
        return f
    }

    /// Writes `NAME.gp` and `NAME.dat` into `directory` and renders the requested formats.
    public func write(to directory: URL, formats: [String] = ["png"]) throws -> [URL] {
        let gp = directory.appendingPathComponent("\(name).gp"), dat = directory.appendingPathComponent("\(name).dat")
        // A directory where one of the figure's files goes: said by name before anything is written,
        // rather than as Foundation's error 512 or gnuplot's "cannot open file".
        for file in [gp, dat] + formats.map({ directory.appendingPathComponent("\(name).\($0)") }) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw PlotError.pathIsDirectory(file.path)
            }
        }
        try script.write(to: gp, atomically: true, encoding: .utf8)
        try data.text.write(to: dat, atomically: true, encoding: .utf8)
        var written = [gp, dat]
        for format in formats {
            try Gnuplot.render(script: gp, format: format)
            let figure = directory.appendingPathComponent("\(name).\(format)")
            // gnuplot exits 0 when it cannot write its whole output (a full disk, a quota): an empty
            // figure is refused here rather than listed as written.
            let size = (try? FileManager.default.attributesOfItem(atPath: figure.path)[.size] as? Int) ?? nil
            guard let size, size > 0 else { throw PlotError.figureNotWritten(figure.path) }
            written.append(figure)
        }
        return written
    }
}

/// Text for a double-quoted gnuplot string.
func gnuplotEscaped(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
}

/// A gnuplot data file made of blocks (gnuplot's `index 0`, `index 1`, …).
public struct DataFile {
    private var blocks: [String] = []
    public init() {}

    /// Appends a block and returns its index. `rows` may contain `nil` rows for polyline breaks.
    @discardableResult
    public mutating func addBlock(_ title: String, columns: [String], rows: [[Double]?]) -> Int {
        var s = "# \(title)\n# \(columns.joined(separator: " "))\n"
        if rows.isEmpty { s += columns.map { _ in "nan" }.joined(separator: " ") + "\n" }
        for row in rows {
            guard let row else { s += "\n"; continue }
            s += row.map { $0.isFinite ? String(format: "%.10g", $0) : "nan" }.joined(separator: " ") + "\n"
        }
        blocks.append(s)
        return blocks.count - 1
    }

    public var text: String { blocks.joined(separator: "\n\n") }
}

public enum PlotError: Error, CustomStringConvertible {
    case gnuplotMissing
    case gnuplotFailed(script: String, status: Int32, message: String)
    /// A directory stands where a figure's file goes.
    case pathIsDirectory(String)
    /// gnuplot exited 0 but left the figure missing or empty.
    case figureNotWritten(String)

    public var description: String {
        switch self {
        case .gnuplotMissing:
            return "gnuplot was not found on PATH: install it with scripts/setup.sh (Debian package gnuplot-nox), or pass --no-render to write the scripts only"
        case .gnuplotFailed(let script, let status, let message):
            return "gnuplot failed on \(script) (exit \(status)): \(message)"
        case .pathIsDirectory(let path):
            return "\(path) is a directory, where a figure's file goes: move it away, or write the figures elsewhere"
        case .figureNotWritten(let path):
            return "gnuplot left \(path) empty or did not write it: is the disk full? Free space, or write the figures elsewhere"
        }
    }
}

/// The gnuplot process rendering now (0: none), and the figure it writes and the message to print, as C
/// strings made before it starts: the stop-signal handler may not allocate.
private let renderingProcess = Atomic<pid_t>(0)
nonisolated(unsafe) private var renderingFigure: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var renderingMessage: UnsafeMutablePointer<CChar>?
/// Whether gnuplot is being started, its pid not yet known: a stop signal then is held in `pendingStop`
/// and acted on by `render` once the pid is (the handler, installed before the start, found no pid and
/// left gnuplot rendering on with its half-written figure, when the signal came between the two).
private let starting = Atomic<Bool>(false)
private let pendingStop = Atomic<Int32>(0)
/// Set by whichever of the handler and `render` stops first, so that only one does.
private let stopping = Atomic<Bool>(false)

/// Stops gnuplot if it runs and waits for it, removes the figure it left half written, says so, and ends
/// as the signal would have (its default action, so the exit status is 128 + the signal). Only
/// async-signal-safe calls (kill, waitpid, unlink, write, signal, raise) and lock-free atomics.
private func stopRenderingAndExit(_ sig: Int32) {
    guard stopping.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else { return }
    let pid = renderingProcess.load(ordering: .sequentiallyConsistent)
    if pid > 0 {
        kill(pid, SIGTERM)
        waitpid(pid, nil, 0)
        if let figure = renderingFigure { unlink(figure) }
    }
    if let message = renderingMessage { _ = write(2, message, strlen(message)) }
    signal(sig, SIG_DFL)
    raise(sig)
}

/// SIGINT, SIGTERM or SIGHUP while gnuplot renders. The signal is recorded before the pid is read, and
/// `render` stores the pid before it reads the record: one of the two sees the other, so no stop is lost.
private let stopSignalWhileRendering: @convention(c) (Int32) -> Void = { sig in
    pendingStop.store(sig, ordering: .sequentiallyConsistent)
    if renderingProcess.load(ordering: .sequentiallyConsistent) > 0 || !starting.load(ordering: .sequentiallyConsistent) {
        stopRenderingAndExit(sig)
    }
}

public enum Gnuplot {
    /// Path of the gnuplot executable, if any.
    public static var executable: String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for p in paths {
            let candidate = "\(p)/gnuplot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public static func render(script: URL, format: String) throws {
        guard let exe = executable else { throw PlotError.gnuplotMissing }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["-e", "fmt='\(format)'", script.lastPathComponent]
        process.currentDirectoryURL = script.deletingLastPathComponent()
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        // gnuplot runs in a process group of its own (Foundation's Process), so Ctrl-C reached only this
        // process: gnuplot rendered on, writing a figure after the command had exited. A stop signal now
        // stops it first (see `stopRenderingAndExit`), then this process as the signal would have.
        let figure = script.deletingPathExtension().appendingPathExtension(format).path
        renderingFigure = strdup(figure)
        renderingMessage = strdup("\nstopped while gnuplot rendered \(figure): gnuplot was stopped too, and the figure, left incomplete, was removed\n")
        pendingStop.store(0, ordering: .sequentiallyConsistent)
        starting.store(true, ordering: .sequentiallyConsistent)
        let previousINT = signal(SIGINT, stopSignalWhileRendering), previousTERM = signal(SIGTERM, stopSignalWhileRendering)
        // SIGHUP (a closed terminal) too, unless the process ignores it (started under nohup).
        let previousHUP = signal(SIGHUP, stopSignalWhileRendering)
        if unsafeBitCast(previousHUP, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { signal(SIGHUP, SIG_IGN) }
        defer {
            renderingProcess.store(0, ordering: .sequentiallyConsistent)
            starting.store(false, ordering: .sequentiallyConsistent)
            signal(SIGINT, previousINT)
            signal(SIGTERM, previousTERM)
            signal(SIGHUP, previousHUP)
            free(renderingFigure); renderingFigure = nil
            free(renderingMessage); renderingMessage = nil
        }
        do { try process.run() } catch {
            // A stop held while it failed to start is a stop all the same.
            let held = pendingStop.load(ordering: .sequentiallyConsistent)
            if held != 0 { stopRenderingAndExit(held) }
            throw error
        }
        renderingProcess.store(process.processIdentifier, ordering: .sequentiallyConsistent)
        starting.store(false, ordering: .sequentiallyConsistent)
        let held = pendingStop.load(ordering: .sequentiallyConsistent)
        if held != 0 { stopRenderingAndExit(held) }
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw PlotError.gnuplotFailed(script: script.path, status: process.terminationStatus,
                                          message: String(decoding: err, as: UTF8.self))
        }
    }
}
