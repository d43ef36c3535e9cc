/// The dimensions of a tensor, rank 0 through 4, stored inline so that building a shape in a
/// training step allocates nothing (an `[Int]` would).
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public static let maxRank = 4
    public private(set) var rank: Int
    @usableFromInline var dims: (Int, Int, Int, Int)

    /// A scalar (rank 0, one element).
    public init() { rank = 0; dims = (1, 1, 1, 1) }
    public init(_ d0: Int) { rank = 1; dims = (d0, 1, 1, 1); validate() }
    public init(_ d0: Int, _ d1: Int) { rank = 2; dims = (d0, d1, 1, 1); validate() }
    public init(_ d0: Int, _ d1: Int, _ d2: Int) { rank = 3; dims = (d0, d1, d2, 1); validate() }
    public init(_ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) { rank = 4; dims = (d0, d1, d2, d3); validate() }

    public init(_ array: [Int]) {
        precondition(array.count <= Shape.maxRank,
                     "Shape \(array) has rank \(array.count); tensors support rank ≤ \(Shape.maxRank)")
        rank = array.count
        dims = (1, 1, 1, 1)
        for (i, d) in array.enumerated() { self[i] = d }
        validate()
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    private func validate() {
        for i in 0..<rank where self[i] < 0 {
            preconditionFailure("Shape \(self) has a negative dimension")
        }
    }

    @inlinable public subscript(i: Int) -> Int {
        get {
            switch i {
            case 0: return dims.0
            case 1: return dims.1
            case 2: return dims.2
            default: return dims.3
            }
        }
        set {
            switch i {
            case 0: dims.0 = newValue
            case 1: dims.1 = newValue
            case 2: dims.2 = newValue
            default: dims.3 = newValue
            }
        }
    }

    /// Number of elements.
    @inlinable public var count: Int {
        var n = 1
        for i in 0..<rank { n *= self[i] }
        return n
    }

    /// The last dimension (1 for a scalar).
    public var last: Int { rank == 0 ? 1 : self[rank - 1] }

    public var array: [Int] { (0..<rank).map { self[$0] } }

    public var description: String { "[" + array.map(String.init).joined(separator: ", ") + "]" }

    public static func == (a: Shape, b: Shape) -> Bool {
        guard a.rank == b.rank else { return false }
        for i in 0..<a.rank where a[i] != b[i] { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(rank)
        for i in 0..<rank { h.combine(self[i]) }
    }

    /// This shape with the last dimension replaced.
    public func replacingLast(with d: Int) -> Shape {
        var s = self
        if rank == 0 { s = Shape(d) } else { s[rank - 1] = d }
        return s
    }

    /// This shape with a trailing dimension of size `d` appended.
    public func appending(_ d: Int) -> Shape {
        precondition(rank < Shape.maxRank, "cannot append a dimension to \(self): rank would exceed \(Shape.maxRank)")
        var s = self
        s.rank += 1
        s[rank] = d
        return s
    }

    /// This shape with a leading dimension of size `d` (a batch of `self`-shaped samples).
    public func prepending(_ d: Int) -> Shape {
        precondition(rank < Shape.maxRank, "cannot prepend a dimension to \(self): rank would exceed \(Shape.maxRank)")
        var s = Shape()
        s.rank = rank + 1
        s[0] = d
        for i in 0..<rank { s[i + 1] = self[i] }
        return s
    }

    /// This shape without its last dimension.
    public func droppingLast() -> Shape {
        precondition(rank > 0, "a scalar has no last dimension to drop")
        var s = self
        s[rank - 1] = 1
        s.rank -= 1
        return s
    }

    /// The same shape right-aligned to rank 4, padded with leading ones (NumPy broadcasting alignment).
    @usableFromInline func padded4() -> (Int, Int, Int, Int) {
        var p = (1, 1, 1, 1)
        let offset = 4 - rank
        for i in 0..<rank {
            switch i + offset {
            case 0: p.0 = self[i]
            case 1: p.1 = self[i]
            case 2: p.2 = self[i]
            default: p.3 = self[i]
            }
        }
        return p
    }

    /// The NumPy broadcast of two shapes, or nil when they are incompatible.
    public static func broadcast(_ a: Shape, _ b: Shape) -> Shape? {
        var out = Shape()
        out.rank = max(a.rank, b.rank)
        for i in 0..<out.rank {
            let da = i < out.rank - a.rank ? 1 : a[i - (out.rank - a.rank)]
            let db = i < out.rank - b.rank ? 1 : b[i - (out.rank - b.rank)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }
}
