import Foundation

/// A tape compiled to machine code through the system C compiler (`$CC`, else `cc`), loaded with `dlopen`.
///
/// Results equal `TapeEvaluator`'s bit for bit: the generated C keeps the tape's operation order and
/// is built without fast-math or FMA contraction (see `NativeCodegen`). `compile` returns nil — and
/// callers keep the interpreter — when native code is disabled (`isEnabled`, or the environment sets
/// `STACKELBERG_NATIVE=0`), when no compiler is found, or when compiling or loading fails (`lastError`
/// says why; `STACKELBERG_NATIVE=verbose` reports every kernel on standard error). Each kernel is
/// compiled at most once per process and cached on disk across runs (`NativeCompiler`), so only the
/// first run on a machine pays the compiler (0.1–0.3 s per kernel).
public final class NativeKernel: @unchecked Sendable {
    /// What a kernel computes; each kind is a separate (small) compilation.
    public enum Kind: Hashable, Sendable {
        /// `evaluate`: all outputs at SoA lanes.
        case evaluate
        /// `iterate`: discrete steps x_k ← x_k − rate_k g_k(x, extra), the state being the first
        /// `outputCount` inputs. Requires outputCount ≤ input count.
        case iterate
        /// `evaluateRow`: one input varies over the lanes, the others are fixed (one grid row).
        case row(varying: Int)
    }

    public let kind: Kind
    public let inputCount: Int
    public let outputCount: Int
    /// The generated C source.
    public let source: String
    /// The loaded shared library.
    public let libraryPath: String
    /// Doubles per SIMD vector of the generated code (lane ranges are best split on multiples of it).
    public let vectorWidth: Int

    private typealias EvalFunction = @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, Int) -> Void
    private typealias IterateFunction = @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?, Int, Int, Int) -> Void
    private typealias RowFunction = @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, Int, UnsafeRawPointer?, Int32) -> Void
    private typealias WidthFunction = @convention(c) () -> Int
    private let entry: UnsafeMutableRawPointer

    private init(tape: Tape, kind: Kind, source: String, library: NativeCompiler.Library) throws(NativeError) {
        let name: String
        switch kind {
        case .evaluate: name = "stk_eval"
        case .iterate: name = "stk_iterate"
        case .row: name = "stk_row"
        }
        guard let entry = library.symbol(name), let width = library.symbol("stk_vector_width") else {
            throw NativeError("\(name) missing from \(library.path)")
        }
        self.kind = kind
        self.entry = entry
        inputCount = tape.inputs.count
        outputCount = tape.outputCount
        self.source = source
        libraryPath = library.path
        vectorWidth = unsafeBitCast(width, to: WidthFunction.self)()
    }

    // MARK: - Compilation and the process-wide cache

    /// Whether `compile` may build native code. Defaults to true unless the environment sets
    /// `STACKELBERG_NATIVE=0`; set it to false to force the interpreter (tests, comparisons).
    public static var isEnabled: Bool {
        get { settings.withLock { $0.enabled } }
        set { settings.withLock { $0.enabled = newValue } }
    }

    /// Most threads callers should split native work over (default: `STACKELBERG_THREADS`, else the
    /// active processor count).
    public static var maxThreads: Int {
        get { settings.withLock { $0.maxThreads } }
        set { settings.withLock { $0.maxThreads = max(1, newValue) } }
    }

    /// Why the last `compile` returned nil, or nil if it succeeded.
    public static var lastError: String? { settings.withLock { $0.lastError } }

    /// The generated C source for `tape` (no compilation).
    public static func source(for tape: Tape, kind: Kind = .evaluate) -> String? {
        valid(tape, kind) ? NativeCodegen.source(for: tape, kind: kind) : nil
    }

    private static func valid(_ tape: Tape, _ kind: Kind) -> Bool {
        guard !tape.outputs.isEmpty else { return false }
        switch kind {
        case .evaluate: return true
        case .iterate: return tape.outputs.count <= tape.inputs.count
        case .row(let b): return b >= 0 && b < tape.inputs.count
        }
    }

    /// The native kernel of `tape`, or nil when native code is disabled or unavailable.
    /// Thread-safe; each distinct kernel is compiled at most once per process (failures are remembered too).
    public static func compile(_ tape: Tape, kind: Kind = .evaluate) -> NativeKernel? {
        guard isEnabled else {
            settings.withLock { $0.lastError = "native code is disabled" }
            return nil
        }
        guard valid(tape, kind) else {
            settings.withLock { $0.lastError = "no \(kind) kernel for a tape with \(tape.inputs.count) inputs and \(tape.outputCount) outputs" }
            return nil
        }
        let source = NativeCodegen.source(for: tape, kind: kind)
        let optimization = NativeCodegen.optimization(for: tape)
        let verbose = settings.withLock { $0.verbose }
        // The cache lock is held while compiling, so each kernel is built once even when threads race.
        let entry = kernels.withLock { kernels in
            if let known = kernels[source] { return known }
            let entry: Entry
            let start = DispatchTime.now().uptimeNanoseconds
            do throws(NativeError) {
                let library = try NativeCompiler.load(source: source, optimization: optimization)
                entry = .init(kernel: try NativeKernel(tape: tape, kind: kind, source: source, library: library), error: nil)
                if verbose {
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    let how = library.compiled ? "compiled in \(Int(ms.rounded())) ms" : "loaded from the cache"
                    try? FileHandle.standardError.write(contentsOf: Data("stackelberg: native \(kind) kernel \(how): \(library.path)\n".utf8))
                }
            } catch {
                entry = .init(kernel: nil, error: error.message)
                if verbose { try? FileHandle.standardError.write(contentsOf: Data("stackelberg: no native \(kind) kernel: \(error.message)\n".utf8)) }
            }
            kernels[source] = entry
            return entry
        }
        settings.withLock { $0.lastError = entry.error }
        return entry.kernel
    }

    private struct Entry { var kernel: NativeKernel?; var error: String? }

    private struct Settings {
        var enabled = ProcessInfo.processInfo.environment["STACKELBERG_NATIVE"] != "0"
        var maxThreads = ProcessInfo.processInfo.environment["STACKELBERG_THREADS"].flatMap(Int.init).map { max(1, $0) }
            ?? ProcessInfo.processInfo.activeProcessorCount
        /// `STACKELBERG_NATIVE=verbose`: report each compilation on standard error.
        let verbose = ProcessInfo.processInfo.environment["STACKELBERG_NATIVE"] == "verbose"
        var lastError: String?
    }

    private static let settings = Locked(Settings())
    /// Kernels (and failures) by generated source.
    private static let kernels = Locked([String: Entry]())

    // MARK: - Kernels

    /// Evaluates lanes 0 ..< count (`.evaluate` kernels): `inputs[i]` holds input i of every lane,
    /// `outputs[o]` receives output o. Outputs must not overlap each other or the inputs.
    public func evaluate(inputs: UnsafePointer<UnsafePointer<Double>>, outputs: UnsafePointer<UnsafeMutablePointer<Double>>,
                         count: Int) {
        guard kind == .evaluate, count > 0 else { return }
        unsafeBitCast(entry, to: EvalFunction.self)(UnsafeRawPointer(inputs), UnsafeRawPointer(outputs), count)
    }

    public func evaluate(inputs: [UnsafePointer<Double>], outputs: [UnsafeMutablePointer<Double>], count: Int) {
        guard inputs.count == inputCount, outputs.count == outputCount else { return }
        inputs.withUnsafeBufferPointer { i in
            outputs.withUnsafeBufferPointer { o in evaluate(inputs: i.baseAddress!, outputs: o.baseAddress!, count: count) }
        }
    }

    /// Runs `steps` steps x_k ← x_k − rates[k] · g_k(x, extra) on the given lanes, in place (`.iterate` kernels).
    /// `state` has `outputCount` pointers (inputs 0 ..< outputCount of the tape), `extra` one pointer per
    /// remaining input (read only), `rates` one rate per coordinate. Every g_k is taken at the old point.
    /// Lanes are independent: disjoint lane ranges may run concurrently.
    public func iterate(state: UnsafePointer<UnsafeMutablePointer<Double>>, extra: UnsafePointer<UnsafePointer<Double>>?,
                        rates: UnsafePointer<Double>, lanes: Range<Int>, steps: Int) {
        guard kind == .iterate, !lanes.isEmpty, steps > 0 else { return }
        unsafeBitCast(entry, to: IterateFunction.self)(UnsafeRawPointer(state), extra.map(UnsafeRawPointer.init),
                                                       UnsafeRawPointer(rates), lanes.lowerBound, lanes.upperBound, steps)
    }

    /// Evaluates `count` lanes where the varying input (`.row(varying:)` kernels) takes `values[0 ..< count]`
    /// and every other input i is `point[i]`: the part not depending on the varying input is computed once.
    /// Output o goes to `outputs[o]` unless that pointer is nil, negated (sign bit flipped) if `negated`.
    /// Same results as `evaluate` on the expanded inputs.
    public func evaluateRow(point: UnsafePointer<Double>, values: UnsafePointer<Double>, count: Int,
                            outputs: UnsafePointer<UnsafeMutablePointer<Double>?>, negated: Bool = false) {
        guard case .row = kind, count > 0 else { return }
        unsafeBitCast(entry, to: RowFunction.self)(UnsafeRawPointer(point), UnsafeRawPointer(values), count,
                                                   UnsafeRawPointer(outputs), negated ? 1 : 0)
    }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
