import Foundation

/// A tape compiled to machine code through the system C compiler (`$CC`, else `cc`), loaded with `dlopen`.
///
/// Results equal `TapeEvaluator`'s bit for bit: the generated C keeps the tape's operation order and
/// is built without fast-math or FMA contraction. `NativeKernel.compile` returns nil — and callers
/// keep the interpreter — when native code is disabled (`isEnabled`, or `STACKELBERG_NATIVE=0`), when
/// no compiler is found, or when compiling or loading fails (`lastError` says why). Kernels are
/// compiled once per tape per process and cached on disk across runs (see `NativeCompiler`).
public final class NativeKernel: @unchecked Sendable {
    public let inputCount: Int
    public let outputCount: Int
    /// The generated C source.
    public let source: String
    /// The loaded shared library.
    public let libraryPath: String

    private typealias EvalFunction = @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, Int) -> Void
    private typealias IterateFunction = @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?, Int, Int, Int) -> Void
    private typealias RowFunction = @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, Int, UnsafeRawPointer?) -> Void
    private typealias WidthFunction = @convention(c) () -> Int
    private let evalFunction: EvalFunction
    private let iterateFunction: IterateFunction?
    private let rowFunctions: [RowFunction?]
    /// Doubles per SIMD vector of the generated code (lanes are best split in multiples of it).
    public let vectorWidth: Int

    private init(tape: Tape, source: String, library: NativeCompiler.Library) throws(NativeError) {
        guard let eval = library.symbol("stk_eval") else { throw NativeError("stk_eval missing from \(library.path)") }
        inputCount = tape.inputs.count
        outputCount = tape.outputCount
        self.source = source
        libraryPath = library.path
        evalFunction = unsafeBitCast(eval, to: EvalFunction.self)
        iterateFunction = library.symbol("stk_iterate").map { unsafeBitCast($0, to: IterateFunction.self) }
        rowFunctions = (0..<tape.inputs.count).map { b in
            library.symbol("stk_row_\(b)").map { unsafeBitCast($0, to: RowFunction.self) }
        }
        vectorWidth = library.symbol("stk_vector_width").map { unsafeBitCast($0, to: WidthFunction.self)() } ?? 1
    }

    // MARK: - Compilation and the process-wide cache

    /// Whether `compile` may build native code. Defaults to true unless the environment sets
    /// `STACKELBERG_NATIVE=0`; set it to false to force the interpreter (tests, comparisons).
    public static var isEnabled: Bool {
        get { registry.withLock { $0.enabled } }
        set { registry.withLock { $0.enabled = newValue } }
    }

    /// Most threads callers should split native work over (default: the active processor count).
    public static var maxThreads: Int {
        get { registry.withLock { $0.maxThreads } }
        set { registry.withLock { $0.maxThreads = max(1, newValue) } }
    }

    /// Why the last failed `compile` returned nil (nil after a success).
    public static var lastError: String? { registry.withLock { $0.lastError } }

    /// The generated C source for `tape` (no compilation).
    public static func source(for tape: Tape) -> String { NativeCodegen.source(for: tape) }

    /// The native kernel of `tape`, or nil when native code is disabled or unavailable.
    /// Thread-safe; each distinct tape is compiled at most once per process (failures are remembered too).
    public static func compile(_ tape: Tape) -> NativeKernel? {
        guard isEnabled, !tape.outputs.isEmpty else { return nil }
        let source = NativeCodegen.source(for: tape)
        return registry.withLock { state in
            if let known = state.kernels[source] {
                state.lastError = known.error
                return known.kernel
            }
            let entry: Registry.Entry
            do throws(NativeError) {
                let library = try NativeCompiler.load(source: source)
                entry = .init(kernel: try NativeKernel(tape: tape, source: source, library: library), error: nil)
            } catch {
                entry = .init(kernel: nil, error: error.message)
            }
            state.kernels[source] = entry
            state.lastError = entry.error
            return entry.kernel
        }
    }

    private struct Registry {
        struct Entry { var kernel: NativeKernel?; var error: String? }
        var enabled = ProcessInfo.processInfo.environment["STACKELBERG_NATIVE"] != "0"
        var kernels: [String: Entry] = [:]
        var maxThreads = ProcessInfo.processInfo.activeProcessorCount
        var lastError: String?
    }

    private static let registry = Locked(Registry())

    // MARK: - Kernels

    /// Evaluates lanes 0 ..< count: `inputs[i]` holds input i of every lane, `outputs[o]` receives output o.
    /// Outputs must not overlap each other or the inputs.
    public func evaluate(inputs: UnsafePointer<UnsafePointer<Double>>, outputs: UnsafePointer<UnsafeMutablePointer<Double>>,
                         count: Int) {
        guard count > 0 else { return }
        evalFunction(UnsafeRawPointer(inputs), UnsafeRawPointer(outputs), count)
    }

    public func evaluate(inputs: [UnsafePointer<Double>], outputs: [UnsafeMutablePointer<Double>], count: Int) {
        precondition(inputs.count == inputCount && outputs.count == outputCount)
        inputs.withUnsafeBufferPointer { i in
            outputs.withUnsafeBufferPointer { o in evaluate(inputs: i.baseAddress!, outputs: o.baseAddress!, count: count) }
        }
    }

    /// Whether `iterate` is available: the tape has one output per state coordinate (its first inputs).
    public var canIterate: Bool { iterateFunction != nil }

    /// Runs `steps` steps x_k ← x_k − rates[k] · g_k(x, extra) on the given lanes, in place.
    /// `state` has `outputCount` pointers (inputs 0 ..< outputCount of the tape), `extra` one pointer per
    /// remaining input (read only), `rates` one rate per coordinate. Every g_k is taken at the old point.
    /// Lanes are independent: disjoint lane ranges may run concurrently.
    public func iterate(state: UnsafePointer<UnsafeMutablePointer<Double>>, extra: UnsafePointer<UnsafePointer<Double>>?,
                        rates: UnsafePointer<Double>, lanes: Range<Int>, steps: Int) {
        guard let iterateFunction, !lanes.isEmpty, steps > 0 else { return }
        iterateFunction(UnsafeRawPointer(state), extra.map(UnsafeRawPointer.init), UnsafeRawPointer(rates),
                        lanes.lowerBound, lanes.upperBound, steps)
    }

    /// Whether `evaluateRow(varying:...)` is available for input `input`.
    public func canEvaluateRow(varying input: Int) -> Bool { input < rowFunctions.count && rowFunctions[input] != nil }

    /// Evaluates `count` lanes where input `input` takes `values[0 ..< count]` and every other input i is
    /// `point[i]` (one grid row): the part not depending on `input` is computed once. Output o goes to
    /// `outputs[o]` unless that pointer is nil. Same results as `evaluate` on the expanded inputs.
    public func evaluateRow(varying input: Int, point: UnsafePointer<Double>, values: UnsafePointer<Double>, count: Int,
                            outputs: UnsafePointer<UnsafeMutablePointer<Double>?>) {
        guard count > 0, let row = rowFunctions[input] else { return }
        row(UnsafeRawPointer(point), UnsafeRawPointer(values), count, UnsafeRawPointer(outputs))
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
