/// MinAtar's six actions, in the original's numbering (the full action set).
public enum MinAtarAction: Int32, CaseIterable, Sendable {
    case noop = 0, left, up, right, down, fire
}

/// How one MinAtar step ended for the copy.
public enum MinAtarEnd: Sendable {
    case running
    /// The game is over (collision, ball lost, out of oxygen…).
    case terminated
    /// Freeway's 2,500-step clock ran out: a time limit, so a truncation, not an end of the task.
    case timeLimit
}

/// One MinAtar game on the 10×10 grid, written from the rules of Young & Tian (2019) and checked
/// against the `minatar` package. A value of this type is one copy's whole game state; it holds no
/// references, so a batch is a plain array and stepping allocates nothing. Snapshots write it field
/// by field (`MinAtarSnapshotCodable`: every stored property, in declaration order).
public protocol MinAtarGame: MinAtarSnapshotCodable {
    static var name: String { get }
    /// One binary channel per object kind, in the original's order.
    static var channels: [String] { get }
    /// The original's minimal action set, as full-set actions.
    static var minimalActions: [MinAtarAction] { get }

    init(ramping: Bool)
    /// Starts an episode; draws from `random` exactly where the original does.
    mutating func reset(_ random: NumpyRandomState)
    /// One step with a full-set action; returns the reward and how the step ended.
    mutating func act(_ action: MinAtarAction, _ random: NumpyRandomState) -> (reward: Int, end: MinAtarEnd)
    /// Writes the 10×10×C observation (row, column, channel; channel fastest) as 0/1; the caller
    /// has cleared it.
    /// Mutating only so the inline entity lists are read in place, without copies.
    mutating func observe(into grid: ObservationGrid)
    /// The difficulty level reached (0 for the games that do not ramp).
    var rampLevel: Int { get }
}

/// A view of one copy's observation buffer laid out row, column, channel. It notes every cell it
/// sets, so the next frame clears just those cells instead of the whole 10×10×C grid (a few dozen
/// writes instead of up to a thousand).
public struct ObservationGrid {
    public let base: UnsafeMutablePointer<Float>
    public let channelCount: Int
    let marks: UnsafeMutablePointer<Int32>
    let markCount: UnsafeMutablePointer<Int>

    @inline(__always)
    public func set(row: Int, column: Int, channel: Int) {
        let k = (row * 10 + column) * channelCount + channel
        if base[k] == 0 {
            base[k] = 1
            marks[markCount.pointee] = Int32(k)
            markCount.pointee += 1
        }
    }

    /// Zeroes the cells set since the last clear.
    @inline(__always)
    func clear() {
        for j in 0..<markCount.pointee { base[Int(marks[j])] = 0 }
        markCount.pointee = 0
    }

    /// Sets `channel` wherever `rows` has a bit (bit x of row y is column x).
    @inline(__always)
    public func set(rows: BitGrid, channel: Int) {
        for y in 0..<10 where rows[y] != 0 {
            var bits = rows[y]
            while bits != 0 {
                let x = bits.trailingZeroBitCount
                set(row: y, column: x, channel: channel)
                bits &= bits - 1
            }
        }
    }
}

/// N values stored inline. Reading an element of an `InlineArray` directly compiled (Swift 6.3) to
/// a copy of the whole array per read (a 1.3 kB memcpy for a 128-entity list); reading through a
/// pointer to the storage does not.
public struct Slots<let N: Int, Element> {
    // (Sendable when Element is: see the extension below.)
    private var storage: InlineArray<N, Element>

    public init(repeating value: Element) { storage = .init(repeating: value) }

    public subscript(i: Int) -> Element {
        // A mutating get: reading through the storage's address needs inout access; a borrowed
        // read let the compiler copy the whole storage first.
        @inline(__always) mutating get {
            precondition(i >= 0 && i < N, "slot \(i) outside 0..<\(N)")
            return withUnsafeMutablePointer(to: &storage) { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Element.self)[i] }
        }
        @inline(__always) set {
            precondition(i >= 0 && i < N, "slot \(i) outside 0..<\(N)")
            withUnsafeMutablePointer(to: &storage) { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Element.self)[i] = newValue }
        }
    }
}

/// A 10×10 grid of flags as ten row bitmasks (bit x = column x): bricks, aliens and bullets, with
/// the whole-row shifts the games use.
public struct BitGrid: Equatable, Sendable {
    public static let fullRow: UInt16 = 0x3FF
    private var rows = InlineArray<10, UInt16>(repeating: 0)

    public init() {}

    public static func == (a: BitGrid, b: BitGrid) -> Bool {
        for y in 0..<10 where a.rows[y] != b.rows[y] { return false }
        return true
    }

    public subscript(row: Int) -> UInt16 {
        get { rows[row] }
        set { rows[row] = newValue }
    }

    public subscript(row: Int, column: Int) -> Bool {
        get { rows[row] >> UInt16(column) & 1 != 0 }
        set {
            if newValue { rows[row] |= 1 << UInt16(column) } else { rows[row] &= ~(1 << UInt16(column)) }
        }
    }

    public var count: Int {
        var c = 0
        for y in 0..<10 { c += rows[y].nonzeroBitCount }
        return c
    }

    public var isEmpty: Bool {
        var any: UInt16 = 0
        for y in 0..<10 { any |= rows[y] }
        return any == 0
    }

    /// Columns with at least one flag, as a bitmask.
    public var occupiedColumns: UInt16 {
        var any: UInt16 = 0
        for y in 0..<10 { any |= rows[y] }
        return any
    }

    /// Every row moves one up; the top row leaves the grid and the bottom row comes in empty.
    public mutating func shiftUp() {
        for y in 0..<9 { rows[y] = rows[y + 1] }
        rows[9] = 0
    }

    /// Every row moves one down; the bottom row leaves the grid and the top row comes in empty.
    public mutating func shiftDown() {
        for y in stride(from: 9, to: 0, by: -1) { rows[y] = rows[y - 1] }
        rows[0] = 0
    }

    /// Every row moves one down and the bottom row wraps round to the top (NumPy's `roll`).
    public mutating func rollDown() {
        let bottom = rows[9]
        shiftDown()
        rows[0] = bottom
    }

    /// Every column moves by `direction` (±1), wrapping round at the edges (NumPy's `roll`).
    public mutating func rollColumns(_ direction: Int) {
        for y in 0..<10 {
            let r = rows[y]
            rows[y] = direction > 0 ? ((r << 1) | (r >> 9)) & Self.fullRow : ((r >> 1) | (r << 9)) & Self.fullRow
        }
    }

    public mutating func formIntersection(_ other: BitGrid) { for y in 0..<10 { rows[y] &= other.rows[y] } }
    public mutating func subtract(_ other: BitGrid) { for y in 0..<10 { rows[y] &= ~other.rows[y] } }
}

/// An ordered list with room for `capacity` entities stored inline, with the original's list
/// operations (append, remove keeping order). The games' rules bound how many entities can be
/// alive (see each game), well under the capacity.
public struct EntityList<Entity> {
    public static var capacity: Int { 128 }
    private var items: Slots<128, Entity>
    public private(set) var count = 0

    public init(filler: Entity) { items = .init(repeating: filler) }

    public subscript(i: Int) -> Entity {
        mutating get { items[i] }
        set { items[i] = newValue }
    }

    public mutating func append(_ e: Entity) {
        precondition(count < Self.capacity, "MinAtar entity list overflow: the game rules bound this below \(Self.capacity)")
        items[count] = e
        count += 1
    }

    public mutating func remove(at i: Int) {
        var j = i
        while j + 1 < count { items[j] = items[j + 1]; j += 1 }
        count -= 1
    }

    public mutating func removeAll() { count = 0 }
}

extension Slots: Sendable where Element: Sendable {}

extension BitGrid: MinAtarSnapshotCodable {
    public func write(to w: inout SnapshotWriter) { for y in 0..<10 { rows[y].write(to: &w) } }
    public static func read(from r: inout SnapshotReader) throws -> BitGrid {
        var g = BitGrid()
        for y in 0..<10 { g.rows[y] = try .read(from: &r) }
        return g
    }
}

extension Slots: MinAtarSnapshotCodable where Element: MinAtarSnapshotCodable {
    public func write(to w: inout SnapshotWriter) {
        var copy = self
        for i in 0..<N { copy[i].write(to: &w) }
    }

    public static func read(from r: inout SnapshotReader) throws -> Self {
        precondition(N > 0, "no slots to read")
        var slots = Self(repeating: try Element.read(from: &r))
        for i in 1..<N { slots[i] = try Element.read(from: &r) }
        return slots
    }
}

/// Every slot is written, the ones past `count` too (left by earlier entities; they are never
/// read), so a snapshot's length is fixed by the game and batch size.
extension EntityList: MinAtarSnapshotCodable where Entity: MinAtarSnapshotCodable {
    public func write(to w: inout SnapshotWriter) { items.write(to: &w); count.write(to: &w) }

    public static func read(from r: inout SnapshotReader) throws -> Self {
        var items = try Slots<128, Entity>.read(from: &r)
        let count = try Int.read(from: &r)
        guard (0...capacity).contains(count) else { throw EnvironmentError.badState("snapshot holds an entity list of \(count) entities (capacity \(capacity))") }
        var list = Self(filler: items[0])
        list.items = items
        list.count = count
        return list
    }
}
