/// One step's computation, recorded as it runs (define-by-run), differentiable to any order.
///
/// Every op computes its value at once, into memory from the graph's arena, and appends a node.
/// `gradients(of:wrt:)` walks the nodes backwards and *records its own work as new nodes*, built
/// from the same differentiable ops; so a gradient can itself be differentiated. That is what makes
/// Hessian-vector products and the mixed products of the total derivative exact (reverse over
/// reverse, the double backward of PyTorch's `create_graph=True`), with no finite differences.
///
/// Call `reset()` at the start of each step: node storage and values are kept and reused, so a
/// step that builds the same graph as the step before allocates nothing.
///
/// A `Tensor` is valid only in the step that recorded it. Each tensor carries that step's number
/// (`Tensor.recordedStep`); every read of a tensor's node compares it with `currentStep` and stops
/// the process with a message naming the tensor and both steps when they differ, or when the
/// tensor belongs to another graph. The check is one integer compare (plus a pointer compare
/// where the graph is not the tensor's own) and is written as `if _slowPath(...) { fatalError }`
/// so that it survives `-Ounchecked`, which this target is built with and which removes every
/// `precondition`. APIs that can throw use `validate(_:what:)` instead (see `GraphError`).
public final class Graph {
    @usableFromInline var nodes: [Node] = []
    let arena = Arena()
    /// Distinguishes this graph's steps from every other graph's, for parameter leaf caching.
    private(set) var token: UInt64
    /// The number of `reset()` calls so far: tensors recorded now carry this value. A 32-bit
    /// counter keeps `Tensor` at 16 bytes (graph reference, id, step); it would take 2³² resets
    /// for a stale tensor to meet its own step number again.
    public private(set) var currentStep: UInt32 = 0

    // Scratch for the backward pass, kept to avoid per-step allocation.
    var reachScratch: [Bool] = []
    var adjointScratch: [Int32] = []

    // Rewinding (`mark()`, `rewind(to:)`). Each rewind starts a new epoch of the step: it bumps
    // `currentStep`, so tensors recorded since the mark fail the one-compare check like tensors of
    // an earlier step; tensors of an earlier epoch stay valid below the lowest node count any later
    // rewind went back to (looked up only off the hot path). Those counts never decrease from one
    // epoch to the next, so they are kept as runs of epochs sharing one count: a solve's k rewinds
    // to one mark make one run, and a step's storage does not grow with its number of rewinds
    // (a CG solve that runs longer than the first one allocates nothing).
    /// `currentStep` at the last `reset()`: epoch 0 of this step.
    private var firstEpochStep: UInt32 = 0
    /// The finished epochs of this step, as runs from `firstEpoch` (to the next run's) whose tensors
    /// survive below `below` nodes; ascending in both.
    private var survivingRuns: [(firstEpoch: Int, below: Int32)] = []
    /// The parameters given a leaf in this step, in order, so a rewind can forget the leaves it drops.
    private var leafParameters: [Unmanaged<Parameter>] = []

    public init() {
        BLAS.ensureConfigured()
        var rng = SystemRandomNumberGenerator()
        token = rng.next() | 1
        nodes.reserveCapacity(512)
    }

    /// Forgets every node and rewinds the arena; tensors from earlier steps become invalid.
    public func reset() {
        nodes.removeAll(keepingCapacity: true)
        arena.reset()
        token &+= 2
        currentStep &+= 1
        firstEpochStep = currentStep
        survivingRuns.removeAll(keepingCapacity: true)
        leafParameters.removeAll(keepingCapacity: true)
    }

    /// A position in the current step's record, to come back to with `rewind(to:)`.
    public struct Mark {
        fileprivate let nodes: Int32, leaves: Int, step: UInt32
        fileprivate let arena: Arena.Position
    }

    /// The current end of the step's record.
    public func mark() -> Mark {
        Mark(nodes: Int32(nodes.count), leaves: leafParameters.count, step: currentStep, arena: arena.position)
    }

    /// Drops every node recorded since `mark` and reuses its memory, keeping the nodes before it:
    /// for work whose results have been copied out of the graph (a Hessian-vector product written
    /// into a flat vector), so that many of them in one step take the memory of one. Tensors
    /// recorded since the mark become invalid (using one stops the process, as a tensor of an
    /// earlier step does); those recorded before it stay valid. A `mark` from an earlier step, or
    /// one a previous rewind went behind, stops the process.
    public func rewind(to mark: Mark) {
        let epoch = Int(mark.step &- firstEpochStep), now = currentEpoch
        let intact = epoch == now || (epoch < now && survivingNodes(inEpoch: epoch) >= mark.nodes)
        if _slowPath(!intact || Int(mark.nodes) > nodes.count) {
            fatalError("Graph.rewind(to:): the mark was taken in an earlier step, or a rewind has since gone behind it; take a new mark in this step")
        }
        // Every epoch so far now survives below at most mark.nodes: the runs at or above it merge
        // into one that also takes the epoch ending now.
        var start = now
        while let last = survivingRuns.last, last.below >= mark.nodes { start = last.firstEpoch; survivingRuns.removeLast() }
        survivingRuns.append((start, mark.nodes))
        // A parameter whose leaf is dropped gets a new one when it is next used.
        for p in leafParameters[mark.leaves...] { p.takeUnretainedValue().graphToken = 0 }
        leafParameters.removeSubrange(mark.leaves...)
        nodes.removeSubrange(Int(mark.nodes)...)
        arena.rewind(to: mark.arena)
        currentStep &+= 1
    }

    /// Runs `body`, then rewinds to where the record was before it (see `rewind(to:)`): `body`
    /// must copy what it needs out of the graph; tensors it recorded are invalid afterwards.
    public func scratch<R>(_ body: () throws -> R) rethrows -> R {
        let m = mark()
        defer { rewind(to: m) }
        return try body()
    }

    /// Whether `t` (of this graph) can be read now: recorded in the current epoch, or in an
    /// earlier epoch of this step below every rewind since. The first compare is the hot path.
    @inline(__always) func isCurrent(_ t: Tensor) -> Bool {
        t.recordedStep == currentStep || survivedRewind(t)
    }

    @inline(never) func survivedRewind(_ t: Tensor) -> Bool {
        let epoch = Int(t.recordedStep &- firstEpochStep)
        return epoch < currentEpoch && t.id < survivingNodes(inEpoch: epoch)
    }

    /// The epochs of this step so far (rewinds since the last reset).
    private var currentEpoch: Int { Int(currentStep &- firstEpochStep) }

    /// The node count below which tensors of finished `epoch` survive (runs are few: searched from the end).
    private func survivingNodes(inEpoch epoch: Int) -> Int32 {
        var i = survivingRuns.count - 1
        while i > 0, survivingRuns[i].firstEpoch > epoch { i -= 1 }
        return survivingRuns[i].below
    }

    /// Number of nodes recorded in this step.
    public var nodeCount: Int { nodes.count }

    /// Bytes the arena has taken from the system since the graph was created. A training loop that
    /// allocates nothing per step leaves this unchanged after its first step.
    public var arenaBytesAllocated: Int { arena.bytesAllocated }

    /// Nodes the graph can record before its node storage grows (an allocation).
    public var nodeCapacity: Int { nodes.capacity }

    /// Bytes of the arena this step has used so far, counting what chunk ends were skipped.
    public var arenaBytesInUse: Int { arena.bytesInUse }

    @usableFromInline
    func append(_ node: Node) -> Tensor {
        nodes.append(node)
        return Tensor(graph: self, id: Int32(nodes.count - 1))
    }

    /// The node of `t`, which must have been recorded in this graph's current step: the op
    /// builders read their inputs through this, so a stale or foreign input stops here.
    @inline(__always) func node(_ t: Tensor) -> Node {
        // One pointer and one integer compare; the failure path is out of line.
        if _slowPath(t.graph !== self || !isCurrent(t)) { invalidTensor(t, usedIn: "an op's input") }
        return nodes[Int(t.id)]
    }

    /// Stops the process for a tensor that `node(_:)` or `Tensor.node` rejected. Out of line and
    /// never inlined so that the hot path keeps only the compare and a call.
    @inline(never)
    func invalidTensor(_ t: Tensor, usedIn what: String) -> Never {
        let error = validity(of: t, what: what) ?? .staleTensor(id: t.id, recordedStep: t.recordedStep,
                                                                currentStep: currentStep, what: what)
        fatalError(error.description)
    }

    /// Why `t` cannot be used with this graph now, or nil when it can.
    func validity(of t: Tensor, what: String) -> GraphError? {
        if t.graph !== self { return .otherGraph(id: t.id, what: what) }
        if !isCurrent(t) {
            return .staleTensor(id: t.id, recordedStep: t.recordedStep, currentStep: currentStep, what: what)
        }
        return nil
    }

    /// Throws when `tensor` was recorded in an earlier step of this graph (`GraphError.staleTensor`)
    /// or in another graph (`GraphError.otherGraph`). `what` names the caller in the message
    /// (e.g. "TotalDerivative.compute: followerLoss"). Allocates nothing when the tensor is valid,
    /// unlike the variadic form, whose argument array the caller allocates.
    public func validate(_ tensor: Tensor, what: String) throws {
        if let error = validity(of: tensor, what: what) { throw error }
    }

    /// `validate(_:what:)` for several tensors, checked in order; the first invalid one throws.
    public func validate(_ tensors: Tensor..., what: String) throws {
        for t in tensors { try validate(t, what: what) }
    }

    // MARK: Leaves

    /// The leaf standing for `p` in this step (the same leaf every time `p` is used in the step).
    public func parameter(_ p: Parameter) -> Tensor {
        if p.graphToken == token, Int(p.graphNode) < nodes.count { return Tensor(graph: self, id: p.graphNode) }
        let t = append(Node(op: .parameter, shape: p.shape, data: UnsafeMutableRawPointer(p.value)))
        leafParameters.append(.passUnretained(p))
        p.graphToken = token
        p.graphNode = t.id
        return t
    }

    /// A constant copied from `values` (inputs, targets, the vector of a Hessian-vector product).
    public func constant(_ values: UnsafePointer<Float>, shape: Shape) -> Tensor {
        let out = arena.floats(shape.count)
        out.update(from: values, count: shape.count)
        return append(Node(op: .constant, shape: shape, data: UnsafeMutableRawPointer(out)))
    }

    /// A constant that reads `values` in place, without copying: the memory must stay unchanged
    /// until the next `reset()` (e.g. a minibatch buffer the caller owns).
    public func constant(borrowing values: UnsafePointer<Float>, shape: Shape) -> Tensor {
        append(Node(op: .constant, shape: shape, data: UnsafeMutableRawPointer(mutating: values)))
    }

    public func constant(_ values: [Float], shape: Shape) -> Tensor {
        precondition(values.count == shape.count,
                     "constant: \(values.count) values given for shape \(shape) (\(shape.count) expected)")
        return values.withUnsafeBufferPointer { constant($0.baseAddress!, shape: shape) }
    }

    public func scalar(_ value: Float) -> Tensor { filled(value, shape: Shape()) }

    public func filled(_ value: Float, shape: Shape) -> Tensor {
        let out = arena.floats(shape.count)
        out.update(repeating: value, count: shape.count)
        return append(Node(op: .constant, shape: shape, data: UnsafeMutableRawPointer(out)))
    }

    public func zeros(_ shape: Shape) -> Tensor { filled(0, shape: shape) }

    /// A constant whose values `fill` writes in place (no intermediate array).
    public func constant(shape: Shape, fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let out = arena.floats(shape.count)
        fill(UnsafeMutableBufferPointer(start: out, count: shape.count))
        return append(Node(op: .constant, shape: shape, data: UnsafeMutableRawPointer(out)))
    }

    /// Integer indices (actions for Q(s, a) selection, class labels).
    public func indices(_ values: UnsafePointer<Int32>, shape: Shape) -> Tensor {
        let out = arena.indices(shape.count)
        out.update(from: values, count: shape.count)
        return append(Node(op: .indices, shape: shape, data: UnsafeMutableRawPointer(out)))
    }

    public func indices(_ values: [Int32], shape: Shape) -> Tensor {
        precondition(values.count == shape.count,
                     "indices: \(values.count) values given for shape \(shape) (\(shape.count) expected)")
        return values.withUnsafeBufferPointer { indices($0.baseAddress!, shape: shape) }
    }

    public func indices(_ values: [Int]) -> Tensor { indices(values.map { Int32($0) }, shape: Shape(values.count)) }

    // MARK: Recording helpers for the ops

    @usableFromInline
    func record(_ op: Op, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil, shape: Shape,
                data: UnsafeMutableRawPointer) -> Tensor {
        append(Node(op: op, a: a.id, b: b?.id ?? -1, c: c?.id ?? -1, shape: shape, data: data))
    }

    func newFloats(_ shape: Shape) -> UnsafeMutablePointer<Float> { arena.floats(shape.count) }
    func newIndices(_ shape: Shape) -> UnsafeMutablePointer<Int32> { arena.indices(shape.count) }
}

/// Why a tensor cannot be used where it was given: the throwing counterpart of the checks that
/// stop the process when a tensor from an earlier step or another graph reaches an op.
public enum GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Tensor `id` was recorded in step `recordedStep` of its graph, which has been reset since and
    /// is now at `currentStep`. `what` names the API that was given the tensor.
    case staleTensor(id: Int32, recordedStep: UInt32, currentStep: UInt32, what: String)
    /// Tensor `id` belongs to another `Graph` than the one it was used with.
    case otherGraph(id: Int32, what: String)

    public var description: String {
        switch self {
        case let .staleTensor(id, recorded, current, what):
            return "\(what): tensor #\(id) was recorded in step \(recorded) of its graph, which has been reset "
                + "since (now step \(current)): a tensor is valid only until the next reset(); recompute it in this step "
                + "(a rewind(to:) behind it ends it too)"
        case let .otherGraph(id, what):
            return "\(what): tensor #\(id) belongs to another graph: tensors of different Graph objects cannot be "
                + "combined; record every input of this computation in the same graph and step"
        }
    }
}

/// A recorded operation and its value.
@usableFromInline
struct Node {
    var op: Op
    var a: Int32 = -1
    var b: Int32 = -1
    var c: Int32 = -1
    var shape: Shape
    /// The value: `shape.count` Floats, or Int32s for index-valued nodes.
    var data: UnsafeMutableRawPointer

    init(op: Op, a: Int32 = -1, b: Int32 = -1, c: Int32 = -1, shape: Shape, data: UnsafeMutableRawPointer) {
        self.op = op; self.a = a; self.b = b; self.c = c; self.shape = shape; self.data = data
    }

    var floats: UnsafeMutablePointer<Float> { data.assumingMemoryBound(to: Float.self) }
    var ints: UnsafeMutablePointer<Int32> { data.assumingMemoryBound(to: Int32.self) }
}

/// Geometry of a 2-D convolution over NHWC input.
public struct ConvGeometry: Hashable, Sendable {
    public var batch, height, width, channels: Int
    public var kernelHeight, kernelWidth, stride, padding: Int
    public var outHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Columns of the im2col matrix: one patch, ordered (kernel row, kernel column, channel).
    public var patchSize: Int { kernelHeight * kernelWidth * channels }
}

/// Axis order of a permutation of a rank-4 tensor (or lower, padded with trailing identity).
public struct Permutation: Hashable, Sendable {
    public var axes: (Int, Int, Int, Int)
    public var rank: Int
    public static func == (a: Permutation, b: Permutation) -> Bool {
        a.rank == b.rank && a.axes == b.axes
    }
    public func hash(into h: inout Hasher) { h.combine(rank); h.combine(axes.0); h.combine(axes.1); h.combine(axes.2); h.combine(axes.3) }
    public init(_ axes: [Int]) {
        precondition(axes.count <= 4 && Set(axes) == Set(0..<axes.count),
                     "permutation \(axes) must list each axis 0..<\(axes.count) once (rank ≤ 4)")
        var a = [0, 1, 2, 3]
        for (i, x) in axes.enumerated() { a[i] = x }
        self.axes = (a[0], a[1], a[2], a[3])
        rank = axes.count
    }
    init(axes: (Int, Int, Int, Int), rank: Int) { self.axes = axes; self.rank = rank }
    subscript(i: Int) -> Int {
        switch i {
        case 0: return axes.0
        case 1: return axes.1
        case 2: return axes.2
        default: return axes.3
        }
    }
    var inverse: Permutation {
        var inv = (0, 1, 2, 3)
        for i in 0..<rank {
            switch self[i] {
            case 0: inv.0 = i
            case 1: inv.1 = i
            case 2: inv.2 = i
            default: inv.3 = i
            }
        }
        return Permutation(axes: inv, rank: rank)
    }
}

@usableFromInline
enum Op {
    // Leaves.
    case parameter, constant, indices
    // Elementwise, with NumPy broadcasting.
    case add, sub, mul, div, maximum, minimum
    case neg, exp, log, tanh, relu, sigmoid, abs, sqrt
    case addScalar(Float), mulScalar(Float), powScalar(Float)
    // Derivative zero almost everywhere: backward stops here.
    case stopGradient, step, sign, greaterEqual
    // g where a > 0, else 0: ReLU's backward in one pass (differentiable in g, not in a).
    case reluMask
    // Shape and layout.
    case reshape, sumTo, broadcastTo, permute(Permutation)
    case concatLast, sliceLast(start: Int), padLast(start: Int)
    // Rows are the last axis.
    // softmax(c·x) per row; its vector–Jacobian product c·y ⊙ (g − Σ g ⊙ y) in one pass (a = y, b = g).
    case logSumExpLast, softmaxLast(scale: Float), softmaxLastBackward(scale: Float)
    // x / (mean |x| + ε) per row, in one pass (SCORER's feature scaling).
    case meanAbsNormalizeLast(epsilon: Float)
    // Layer normalization per row, (x − μ)·(σ² + ε)^(−1/2); its backward into x − μ in one pass
    // (a = x, b = g).
    case layerNormLast(epsilon: Float), layerNormLastBackward(epsilon: Float)
    // BLAS.
    case matmul(transA: Bool, transB: Bool), affine
    // Attention's per-head products on [N, T, D] (HeadOps.swift).
    case headScores(heads: Int), headContext(heads: Int, transposeWeights: Bool)
    // Indexing along the last axis.
    case gather, scatter, argmaxLast, oneHot
    // Convolution as im2col + GEMM.
    case im2col(ConvGeometry), col2im(ConvGeometry)

    /// Whether derivatives flow through this node to its inputs.
    var isDifferentiable: Bool {
        switch self {
        case .parameter, .constant, .indices, .stopGradient, .step, .sign, .greaterEqual, .argmaxLast, .oneHot:
            return false
        default:
            return true
        }
    }
}
