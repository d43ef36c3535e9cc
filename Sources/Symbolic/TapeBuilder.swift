/// Lowers expressions to SSA instructions with common-subexpression elimination, then assigns
/// physical registers by last use so the register file stays small (and in cache) for wide batches.
struct TapeBuilder {
    private let inputs: [String]
    private var inputIndex: [String: Int32] = [:]
    private var constantValues: [Double] = []
    private var constantIndex: [Double: Int32] = [:]
    /// SSA values: inputs first, then constants, then one per instruction (ids are offset later).
    private var code: [(op: Tape.Operation, lhs: Int32, rhs: Int32)] = []
    private var memo: [Expr: Int32] = [:]
    private var instructionMemo: [Int64: Int32] = [:]

    init(inputs: [String]) {
        self.inputs = inputs
        for (i, name) in inputs.enumerated() { inputIndex[name] = Int32(i) }
    }

    // SSA ids: 0..<inputs → inputs; -1-k → constant k; inputs.count + j → instruction j.
    private mutating func constant(_ v: Double) -> Int32 {
        if let id = constantIndex[v] { return id }
        let id = Int32(-1 - constantValues.count)
        constantValues.append(v)
        constantIndex[v] = id
        return id
    }

    private mutating func emit(_ op: Tape.Operation, _ a: Int32, _ b: Int32 = 0) -> Int32 {
        // Commutative operations are keyed with ordered operands so a*b and b*a share a register.
        var (x, y) = (a, b)
        if (op == .add || op == .mul), x > y { swap(&x, &y) }
        let key = Int64(op.rawValue) << 48 ^ Int64(x & 0xFFFFFF) << 24 ^ Int64(y & 0xFFFFFF)
        if let id = instructionMemo[key] { return id }
        code.append((op, x, y))
        let id = Int32(inputs.count + code.count - 1)
        instructionMemo[key] = id
        return id
    }

    mutating func lower(_ e: Expr) throws(CompileError) -> Int32 {
        if let id = memo[e] { return id }
        let id: Int32
        switch e {
        case .constant(let c): id = constant(c)
        case .variable(let name):
            guard let i = inputIndex[name] else {
                throw CompileError(message: "unknown variable '\(name)' (inputs: \(inputs.joined(separator: ", ")))")
            }
            id = i
        case .sum(let terms):
            var positive: [Int32] = [], negative: [Int32] = []
            for t in terms {
                if printsNegative(t) { negative.append(try lower(Expr.negate(t))) } else { positive.append(try lower(t)) }
            }
            var acc: Int32
            if positive.isEmpty {
                acc = emit(.neg, negative.removeFirst())
            } else {
                acc = positive[0]
                for p in positive.dropFirst() { acc = emit(.add, acc, p) }
            }
            for n in negative { acc = emit(.sub, acc, n) }
            id = acc
        case .product, .power(_, .constant(_)):
            if case .power(let base, .constant(let k)) = e, k >= 0 {
                id = try lowerPower(base, k)
            } else {
                id = try lowerProduct(e)
            }
        case .power(let base, let exponent):
            id = emit(.pow, try lower(base), try lower(exponent))
        case .call(let f, let a):
            id = emit(Tape.Operation(f), try lower(a))
        }
        memo[e] = id
        return id
    }

    private mutating func lowerProduct(_ e: Expr) throws(CompileError) -> Int32 {
        let parts = FractionParts(e)
        var numerator: Int32? = nil
        for f in parts.numerator {
            let v = try lower(f)
            numerator = numerator.map { emit(.mul, $0, v) } ?? v
        }
        if parts.numeratorCoefficient != 1 || numerator == nil {
            let c = constant(parts.numeratorCoefficient)
            numerator = numerator.map { emit(.mul, c, $0) } ?? c
        }
        var result = numerator!
        if !parts.denominator.isEmpty || parts.denominatorCoefficient != 1 {
            var denominator: Int32? = nil
            for f in parts.denominator {
                let v = try lower(f)
                denominator = denominator.map { emit(.mul, $0, v) } ?? v
            }
            if parts.denominatorCoefficient != 1 {
                let c = constant(parts.denominatorCoefficient)
                denominator = denominator.map { emit(.mul, c, $0) } ?? c
            }
            result = emit(.div, result, denominator!)
        }
        return parts.negative ? emit(.neg, result) : result
    }

    private mutating func lowerPower(_ base: Expr, _ k: Double) throws(CompileError) -> Int32 {
        let b = try lower(base)
        if k == 0.5 { return emit(.sqrt, b) }
        if k == k.rounded(), k >= 1, k <= 64 {
            // Exponentiation by squaring on registers.
            var n = Int(k), result: Int32? = nil, square = b
            while n > 0 {
                if n & 1 == 1 { result = result.map { emit(.mul, $0, square) } ?? square }
                n >>= 1
                if n > 0 { square = emit(.square, square) }
            }
            return result!
        }
        return emit(.pow, b, constant(k))
    }

    struct Allocation {
        var constants: [(register: Int32, value: Double)]
        var instructions: [Tape.Instruction]
        var outputs: [Int32]
        var registerCount: Int
    }

    /// Maps SSA ids to physical registers: inputs and constants keep fixed registers; instruction
    /// results take a register freed by a value whose last reader has already run.
    func allocateRegisters(outputs: [Int32]) -> Allocation {
        let nInputs = inputs.count, nConstants = constantValues.count
        let fixed = nInputs + nConstants
        func slot(_ id: Int32) -> Int { id >= 0 ? Int(id) : nInputs + Int(-1 - id) }  // fixed-register ids
        var lastUse = [Int](repeating: -1, count: code.count)
        for (j, ins) in code.enumerated() {
            for operand in [ins.lhs, ins.rhs] where Int(operand) >= nInputs { lastUse[Int(operand) - nInputs] = j }
        }
        for o in outputs where Int(o) >= nInputs { lastUse[Int(o) - nInputs] = Int.max }
        var physical = [Int32](repeating: -1, count: code.count)
        var free: [Int32] = []
        var next = Int32(fixed)
        func reg(_ id: Int32) -> Int32 { Int(id) >= nInputs ? physical[Int(id) - nInputs] : Int32(slot(id)) }
        var instructions: [Tape.Instruction] = []
        for (j, ins) in code.enumerated() {
            let a = reg(ins.lhs)
            let b = ins.op.isBinary ? reg(ins.rhs) : a
            // Operands whose last use is this instruction release their registers first,
            // so the destination may overwrite an operand (loops read before they write, lane by lane).
            for operand in Set([ins.lhs, ins.rhs]) where Int(operand) >= nInputs && (ins.op.isBinary || operand == ins.lhs) {
                if lastUse[Int(operand) - nInputs] == j { free.append(physical[Int(operand) - nInputs]) }
            }
            let d: Int32
            if let f = free.popLast() { d = f } else { d = next; next += 1 }
            physical[j] = d
            if lastUse[j] == -1 { free.append(d) }  // dead value
            instructions.append(.init(operation: ins.op, destination: d, lhs: a, rhs: b))
        }
        let constants = constantValues.enumerated().map { (Int32(nInputs + $0.offset), $0.element) }
        return Allocation(constants: constants, instructions: instructions,
                          outputs: outputs.map(reg), registerCount: Int(next))
    }
}

extension Tape.Operation {
    var isBinary: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow: return true
        default: return false
        }
    }

    init(_ f: MathFunction) {
        switch f {
        case .exp: self = .exp
        case .log: self = .log
        case .sin: self = .sin
        case .cos: self = .cos
        case .tan: self = .tan
        case .sinh: self = .sinh
        case .cosh: self = .cosh
        case .tanh: self = .tanh
        case .sqrt: self = .sqrt
        case .abs: self = .abs
        case .sign: self = .sign
        case .sigmoid: self = .sigmoid
        case .softplus: self = .softplus
        }
    }
}
