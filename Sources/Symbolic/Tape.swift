import Foundation

/// Expressions compiled to a straight-line register program ("tape").
///
/// The tape evaluates many points ("lanes") at once: every instruction runs a tight loop over
/// the lanes, so the per-instruction dispatch is paid once per batch and the loops vectorize.
/// Common subexpressions are shared and registers are reused once their last reader has run.
public struct Tape: Sendable {
    public enum Operation: UInt8, Sendable {
        case add, sub, mul, div, neg, square, sqrt, pow
        case exp, log, sin, cos, tan, sinh, cosh, tanh, abs, sign, sigmoid, softplus
    }

    public struct Instruction: Sendable {
        public var operation: Operation
        public var destination: Int32
        public var lhs: Int32
        public var rhs: Int32
    }

    /// Names of the inputs, in register order (registers 0 ..< inputs.count).
    public let inputs: [String]
    /// Constant registers and their values.
    public let constants: [(register: Int32, value: Double)]
    public let instructions: [Instruction]
    /// Register holding each output.
    public let outputs: [Int32]
    public let registerCount: Int

    public var outputCount: Int { outputs.count }

    /// Compiles `expressions` as functions of `inputs`. Every variable must be an input.
    public init(_ expressions: [Expr], inputs: [String]) throws(CompileError) {
        var builder = TapeBuilder(inputs: inputs)
        var outputRegisters: [Int32] = []
        for e in expressions { outputRegisters.append(try builder.lower(e)) }
        let allocated = builder.allocateRegisters(outputs: outputRegisters)
        self.inputs = inputs
        self.constants = allocated.constants
        self.instructions = allocated.instructions
        self.outputs = allocated.outputs
        self.registerCount = allocated.registerCount
    }

    /// Evaluates one point. Allocates; for hot loops use `TapeEvaluator`.
    public func evaluate(_ point: [Double]) -> [Double] {
        let evaluator = TapeEvaluator(self, lanes: 1)
        for (i, v) in point.enumerated() { evaluator.input(i)[0] = v }
        evaluator.run()
        return (0..<outputCount).map { evaluator.output($0)[0] }
    }
}

public struct CompileError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Runs a tape over a fixed number of lanes with a register file allocated once.
/// Inputs are written straight into the input registers, outputs read from theirs: `run()` allocates nothing.
public final class TapeEvaluator {
    public let tape: Tape
    public let lanes: Int
    private let registers: UnsafeMutablePointer<Double>
    private let instructions: UnsafeMutableBufferPointer<Tape.Instruction>

    public init(_ tape: Tape, lanes: Int) {
        precondition(lanes > 0)
        self.tape = tape
        self.lanes = lanes
        let count = max(tape.registerCount, 1) * lanes
        registers = .allocate(capacity: count)
        registers.initialize(repeating: 0, count: count)
        for (r, v) in tape.constants {
            (registers + Int(r) * lanes).update(repeating: v, count: lanes)
        }
        instructions = .allocate(capacity: tape.instructions.count)
        _ = instructions.initialize(from: tape.instructions)
    }

    deinit {
        registers.deallocate()
        instructions.deallocate()
    }

    /// Lane values of input `i`, writable.
    @inline(__always) public func input(_ i: Int) -> UnsafeMutablePointer<Double> { registers + i * lanes }
    /// Lane values of output `i`, valid after `run()`.
    @inline(__always) public func output(_ i: Int) -> UnsafePointer<Double> {
        UnsafePointer(registers + Int(tape.outputs[i]) * lanes)
    }

    /// Evaluates the first `count` lanes (all by default).
    public func run(count: Int? = nil) {
        let n = count ?? lanes
        let r = registers, stride = lanes
        for ins in instructions {
            let d = r + Int(ins.destination) * stride
            let a = UnsafePointer(r + Int(ins.lhs) * stride)
            let b = UnsafePointer(r + Int(ins.rhs) * stride)
            switch ins.operation {
            case .add: for i in 0..<n { d[i] = a[i] + b[i] }
            case .sub: for i in 0..<n { d[i] = a[i] - b[i] }
            case .mul: for i in 0..<n { d[i] = a[i] * b[i] }
            case .div: for i in 0..<n { d[i] = a[i] / b[i] }
            case .neg: for i in 0..<n { d[i] = -a[i] }
            case .square: for i in 0..<n { d[i] = a[i] * a[i] }
            case .sqrt: for i in 0..<n { d[i] = a[i].squareRoot() }
            case .pow: for i in 0..<n { d[i] = Expr.realPower(a[i], b[i]) }
            case .exp: for i in 0..<n { d[i] = Foundation.exp(a[i]) }
            case .log: for i in 0..<n { d[i] = Foundation.log(a[i]) }
            case .sin: for i in 0..<n { d[i] = Foundation.sin(a[i]) }
            case .cos: for i in 0..<n { d[i] = Foundation.cos(a[i]) }
            case .tan: for i in 0..<n { d[i] = Foundation.tan(a[i]) }
            case .sinh: for i in 0..<n { d[i] = Foundation.sinh(a[i]) }
            case .cosh: for i in 0..<n { d[i] = Foundation.cosh(a[i]) }
            case .tanh: for i in 0..<n { d[i] = Foundation.tanh(a[i]) }
            case .abs: for i in 0..<n { d[i] = Swift.abs(a[i]) }
            case .sign: for i in 0..<n { d[i] = MathFunction.sign.apply(a[i]) }
            case .sigmoid: for i in 0..<n { d[i] = MathFunction.sigmoid.apply(a[i]) }
            case .softplus: for i in 0..<n { d[i] = MathFunction.softplus.apply(a[i]) }
            }
        }
    }
}
