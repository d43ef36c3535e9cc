import Foundation
import CKernels

// Elementwise ops. Binary ops broadcast NumPy-style; their backward passes sum the incoming
// gradient back to each operand's shape (`sumTo`).

/// Strides of a shape right-aligned to rank 4, with 0 on broadcast (size-1) axes.
@inline(__always)
func broadcastStrides(_ s: Shape) -> (Int, Int, Int, Int) {
    let p = s.padded4()
    let s3 = 1, s2 = p.3, s1 = p.3 * p.2, s0 = p.3 * p.2 * p.1
    return (p.0 == 1 ? 0 : s0, p.1 == 1 ? 0 : s1, p.2 == 1 ? 0 : s2, p.3 == 1 ? 0 : s3)
}

/// An elementwise function as a type, so that each kernel is a generic specialization with the
/// function inlined into a vectorizable loop (a closure argument was called per element).
protocol BinaryFunction { static func apply(_ a: Float, _ b: Float) -> Float }
enum AddF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }
enum MaxF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a >= b ? a : b } }
enum MinF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a <= b ? a : b } }
enum GreaterEqualF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a >= b ? 1 : 0 } }
enum FirstF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a } }

/// Applies `F` over the broadcast of `a` and `b` into `out`. Runs along the innermost axis are tight
/// loops specialised for contiguous and broadcast operands.
func broadcastBinary<F: BinaryFunction>(_: F.Type, _ pa: UnsafePointer<Float>, _ sa: Shape, _ pb: UnsafePointer<Float>, _ sb: Shape,
                                        _ po: UnsafeMutablePointer<Float>, _ so: Shape) {
    let f = F.apply
    let n = so.count
    if sa == so && sb == so {
        for i in 0..<n { po[i] = f(pa[i], pb[i]) }
        return
    }
    if sb.count == 1 && sa == so {
        let b = pb[0]
        for i in 0..<n { po[i] = f(pa[i], b) }
        return
    }
    if sa.count == 1 && sb == so {
        let a = pa[0]
        for i in 0..<n { po[i] = f(a, pb[i]) }
        return
    }
    let o = so.padded4(), ta = broadcastStrides(sa), tb = broadcastStrides(sb)
    var out = po
    for i0 in 0..<o.0 {
        for i1 in 0..<o.1 {
            for i2 in 0..<o.2 {
                let a = pa + i0 * ta.0 + i1 * ta.1 + i2 * ta.2
                let b = pb + i0 * tb.0 + i1 * tb.1 + i2 * tb.2
                switch (ta.3, tb.3) {
                case (1, 1): for j in 0..<o.3 { out[j] = f(a[j], b[j]) }
                case (1, 0): let bv = b[0]; for j in 0..<o.3 { out[j] = f(a[j], bv) }
                case (0, 1): let av = a[0]; for j in 0..<o.3 { out[j] = f(av, b[j]) }
                default: let v = f(a[0], b[0]); for j in 0..<o.3 { out[j] = v }
                }
                out += o.3
            }
        }
    }
}

extension Graph {
    func binary(_ op: Op, _ a: Tensor, _ b: Tensor) -> Tensor {
        let na = node(a), nb = node(b)
        guard let shape = Shape.broadcast(na.shape, nb.shape) else {
            preconditionFailure("\(op): shapes \(na.shape) and \(nb.shape) do not broadcast")
        }
        let out = newFloats(shape)
        let pa = UnsafePointer(na.floats), pb = UnsafePointer(nb.floats)
        switch op {
        case .add: broadcastBinary(AddF.self, pa, na.shape, pb, nb.shape, out, shape)
        case .sub: broadcastBinary(SubF.self, pa, na.shape, pb, nb.shape, out, shape)
        case .mul: broadcastBinary(MulF.self, pa, na.shape, pb, nb.shape, out, shape)
        case .div: broadcastBinary(DivF.self, pa, na.shape, pb, nb.shape, out, shape)
        case .maximum: broadcastBinary(MaxF.self, pa, na.shape, pb, nb.shape, out, shape)
        case .minimum: broadcastBinary(MinF.self, pa, na.shape, pb, nb.shape, out, shape)
        case .greaterEqual: broadcastBinary(GreaterEqualF.self, pa, na.shape, pb, nb.shape, out, shape)
        case .reluMask:
            precondition(na.shape == nb.shape, "reluMask: shapes \(na.shape) and \(nb.shape) differ")
            // Multiply by a 0/1 mask rather than select: the select compiled to an unpredictable
            // branch per element, the product to a vector compare and multiply.
            for i in 0..<shape.count { let m: Float = pb[i] > 0 ? 1 : 0; out[i] = pa[i] * m }
        default: preconditionFailure("\(op) is not a binary op")
        }
        return record(op, a, b, shape: shape, data: UnsafeMutableRawPointer(out))
    }

    func unary(_ op: Op, _ x: Tensor) -> Tensor {
        let nx = node(x)
        let n = nx.shape.count
        let out = newFloats(nx.shape)
        let p = nx.floats
        switch op {
        case .neg: for i in 0..<n { out[i] = -p[i] }
        case .exp: for i in 0..<n { out[i] = Foundation.exp(p[i]) }
        case .log: for i in 0..<n { out[i] = Foundation.log(p[i]) }
        case .tanh: stk_tanh(p, out, n)
        case .relu: for i in 0..<n { out[i] = p[i] > 0 ? p[i] : 0 }
        case .sigmoid: for i in 0..<n { out[i] = 1 / (1 + Foundation.exp(-p[i])) }
        case .abs: for i in 0..<n { out[i] = Swift.abs(p[i]) }
        case .sqrt: for i in 0..<n { out[i] = p[i].squareRoot() }
        case .step: for i in 0..<n { out[i] = p[i] > 0 ? 1 : 0 }
        case .sign: for i in 0..<n { out[i] = p[i] > 0 ? 1 : (p[i] < 0 ? -1 : 0) }
        case .stopGradient: out.update(from: p, count: n)
        case .addScalar(let c): for i in 0..<n { out[i] = p[i] + c }
        case .mulScalar(let c): for i in 0..<n { out[i] = p[i] * c }
        case .powScalar(let e):
            if e == 2 { for i in 0..<n { out[i] = p[i] * p[i] } }
            else if e == 1 { out.update(from: p, count: n) }
            else { for i in 0..<n { out[i] = Foundation.pow(p[i], e) } }
        default: preconditionFailure("\(op) is not a unary op")
        }
        return record(op, x, shape: nx.shape, data: UnsafeMutableRawPointer(out))
    }
}

// MARK: Public elementwise API

public func + (a: Tensor, b: Tensor) -> Tensor { a.graph.binary(.add, a, b) }
public func - (a: Tensor, b: Tensor) -> Tensor { a.graph.binary(.sub, a, b) }
public func * (a: Tensor, b: Tensor) -> Tensor { a.graph.binary(.mul, a, b) }
public func / (a: Tensor, b: Tensor) -> Tensor { a.graph.binary(.div, a, b) }
public prefix func - (x: Tensor) -> Tensor { x.graph.unary(.neg, x) }

public func + (a: Tensor, c: Float) -> Tensor { a.graph.unary(.addScalar(c), a) }
public func + (c: Float, a: Tensor) -> Tensor { a.graph.unary(.addScalar(c), a) }
public func - (a: Tensor, c: Float) -> Tensor { a.graph.unary(.addScalar(-c), a) }
public func - (c: Float, a: Tensor) -> Tensor { (-a) + c }
public func * (a: Tensor, c: Float) -> Tensor { a.graph.unary(.mulScalar(c), a) }
public func * (c: Float, a: Tensor) -> Tensor { a.graph.unary(.mulScalar(c), a) }
public func / (a: Tensor, c: Float) -> Tensor { a.graph.unary(.mulScalar(1 / c), a) }

/// Elementwise larger of the two (the gradient goes to `a` on ties).
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a.graph.binary(.maximum, a, b) }
/// Elementwise smaller of the two (the gradient goes to `a` on ties).
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a.graph.binary(.minimum, a, b) }
public func maximum(_ a: Tensor, _ c: Float) -> Tensor { maximum(a, a.graph.scalar(c)) }
public func minimum(_ a: Tensor, _ c: Float) -> Tensor { minimum(a, a.graph.scalar(c)) }
/// Clamps into [lo, hi] (PPO's ratio clipping).
public func clamp(_ x: Tensor, _ lo: Float, _ hi: Float) -> Tensor { minimum(maximum(x, lo), hi) }

public func exp(_ x: Tensor) -> Tensor { x.graph.unary(.exp, x) }
public func log(_ x: Tensor) -> Tensor { x.graph.unary(.log, x) }
public func tanh(_ x: Tensor) -> Tensor { x.graph.unary(.tanh, x) }
public func relu(_ x: Tensor) -> Tensor { x.graph.unary(.relu, x) }
public func sigmoid(_ x: Tensor) -> Tensor { x.graph.unary(.sigmoid, x) }
public func abs(_ x: Tensor) -> Tensor { x.graph.unary(.abs, x) }
public func sqrt(_ x: Tensor) -> Tensor { x.graph.unary(.sqrt, x) }
public func square(_ x: Tensor) -> Tensor { x.graph.unary(.powScalar(2), x) }
public func pow(_ x: Tensor, _ e: Float) -> Tensor { x.graph.unary(.powScalar(e), x) }
/// ELU(x) = x for x > 0, α(eˣ − 1) otherwise; written as relu(x) + α(exp(min(x, 0)) − 1) so that
/// every derivative order comes from ops that already have one.
public func elu(_ x: Tensor, alpha: Float = 1) -> Tensor {
    relu(x) + alpha * (exp(minimum(x, 0)) - 1)
}

/// The same values, with no derivative: gradients do not flow into `x` through this use.
public func stopGradient(_ x: Tensor) -> Tensor { x.graph.unary(.stopGradient, x) }
/// 1 where x > 0, else 0 (no derivative).
public func step(_ x: Tensor) -> Tensor { x.graph.unary(.step, x) }
/// −1, 0 or 1 (no derivative).
public func sign(_ x: Tensor) -> Tensor { x.graph.unary(.sign, x) }
/// 1 where a ≥ b, else 0 (no derivative).
public func greaterEqual(_ a: Tensor, _ b: Tensor) -> Tensor { a.graph.binary(.greaterEqual, a, b) }
