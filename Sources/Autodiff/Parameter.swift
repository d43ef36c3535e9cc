/// A trainable tensor that outlives graphs: its values live in memory it owns, and a graph reads
/// them in place (no copy) when the parameter is used in a step.
public final class Parameter {
    public let name: String
    public let shape: Shape
    /// The values, `shape.count` floats.
    public let value: UnsafeMutablePointer<Float>

    // The node standing for this parameter in the graph step identified by `graphToken`: using a
    // parameter twice in one step (Q(s) and Q(s′)) gives one leaf, so its gradient sums both uses.
    var graphToken: UInt64 = 0
    var graphNode: Int32 = -1

    public init(name: String, shape: Shape, initialValue: Float = 0) {
        self.name = name
        self.shape = shape
        value = .allocate(capacity: max(1, shape.count))
        value.initialize(repeating: initialValue, count: max(1, shape.count))
    }

    public convenience init(name: String, shape: Shape, values: [Float]) {
        precondition(values.count == shape.count,
                     "Parameter \(name): \(values.count) values given for shape \(shape) (\(shape.count) expected)")
        self.init(name: name, shape: shape)
        load(values)
    }

    deinit { value.deallocate() }

    public var count: Int { shape.count }

    public var values: [Float] { Array(UnsafeBufferPointer(start: value, count: count)) }

    public func load(_ values: [Float]) {
        precondition(values.count == count,
                     "Parameter \(name): \(values.count) values given for shape \(shape) (\(count) expected)")
        values.withUnsafeBufferPointer { value.update(from: $0.baseAddress!, count: count) }
    }
}

/// Parameters flattened in a fixed order into one vector, the form hypergradient solvers and
/// optimizers' global-norm clipping see. The order is the order of `parameters`.
public struct ParameterGroup {
    public let name: String
    public let parameters: [Parameter]

    public init(_ name: String, _ parameters: [Parameter]) {
        self.name = name
        self.parameters = parameters
    }

    /// Total number of scalars.
    public var count: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Copies the parameter values into `out` (length `count`).
    public func gather(into out: UnsafeMutablePointer<Float>) {
        var o = 0
        for p in parameters { (out + o).update(from: p.value, count: p.count); o += p.count }
    }

    /// Overwrites the parameter values from `source` (length `count`).
    public func scatter(from source: UnsafePointer<Float>) {
        var o = 0
        for p in parameters { p.value.update(from: source + o, count: p.count); o += p.count }
    }

    public var flatValues: [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { gather(into: $0.baseAddress!) }
        return out
    }
}
