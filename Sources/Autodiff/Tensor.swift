/// A value computed in a `Graph` step: a handle (graph, node, step), 16 bytes, cheap to copy. Its
/// values stay valid until the graph's next `reset()`; reading or using it after that (its shape,
/// values, or as an op's input) stops the process with a message naming the tensor and the steps.
public struct Tensor {
    public let graph: Graph
    /// The node's index in its step (its position in the graph's record).
    public let id: Int32
    /// The graph's `currentStep` when this tensor was recorded: it is valid while they are equal.
    public let recordedStep: UInt32

    @usableFromInline init(graph: Graph, id: Int32) {
        self.graph = graph; self.id = id; recordedStep = graph.currentStep
    }

    /// Whether this tensor can still be read: its graph has not been reset (nor rewound behind it)
    /// since it was recorded.
    public var isValid: Bool { graph.isCurrent(self) }

    @inline(__always) var node: Node {
        let g = graph
        // Its own graph, so only the step can be wrong; one integer compare on the hot path.
        if _slowPath(!g.isCurrent(self)) { g.invalidTensor(self, usedIn: "reading a tensor's shape or values") }
        return g.nodes[Int(id)]
    }

    public var shape: Shape { node.shape }
    public var count: Int { node.shape.count }

    /// Read-only view of the values (Float-valued tensors).
    public var pointer: UnsafePointer<Float> { UnsafePointer(node.floats) }

    public var array: [Float] {
        precondition(!isIndices, "array: tensor \(id) holds indices; use indexArray")
        return Array(UnsafeBufferPointer(start: node.floats, count: count))
    }

    public var indexArray: [Int32] {
        precondition(isIndices, "indexArray: tensor \(id) holds floats; use array")
        return Array(UnsafeBufferPointer(start: node.ints, count: count))
    }

    /// The single value of a one-element tensor.
    public var scalarValue: Float {
        precondition(count == 1, "scalarValue: tensor has shape \(shape), not one element")
        return node.floats[0]
    }

    var isIndices: Bool {
        switch node.op {
        case .indices, .argmaxLast: return true
        default: return false
        }
    }

    /// Index-valued pointer (indices, argmax).
    public var indexPointer: UnsafePointer<Int32> {
        precondition(isIndices, "indexPointer: tensor \(id) holds floats")
        return UnsafePointer(node.ints)
    }
}
