/// A value computed in a `Graph` step: a handle (graph, node), cheap to copy. Its values stay valid
/// until the graph's next `reset()`.
public struct Tensor {
    public let graph: Graph
    public let id: Int32

    @usableFromInline init(graph: Graph, id: Int32) { self.graph = graph; self.id = id }

    @inline(__always) var node: Node { graph.nodes[Int(id)] }

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
