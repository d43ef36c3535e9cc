/// MinAtar Asterix: the player moves within rows 1–8; each of those eight rows holds at most one
/// entity, an enemy or gold, crossing from one side. +1 per gold taken; touching an enemy ends the
/// episode. With ramping, spawning and movement speed up every 100 steps.
public struct MinAtarAsterix: MinAtarGame {
    public static let name = "asterix"
    public static let channels = ["player", "enemy", "trail", "gold"]
    public static let minimalActions: [MinAtarAction] = [.noop, .left, .up, .right, .down]

    static let rampInterval = 100
    static let initialSpawnInterval = 10
    static let initialMoveInterval = 5

    struct Entity {
        var x = 0
        var movingRight = false
        var isGold = false
        var alive = false
    }

    let ramping: Bool
    var playerX = 5, playerY = 5
    /// Slot k is row k + 1.
    var slots = Slots<8, Entity>(repeating: Entity())
    var spawnInterval = initialSpawnInterval, spawnTimer = initialSpawnInterval
    var moveInterval = initialMoveInterval, moveTimer = initialMoveInterval
    var rampTimer = rampInterval, rampIndex = 0

    public init(ramping: Bool) { self.ramping = ramping }

    public var rampLevel: Int { rampIndex }

    public mutating func reset(_ random: NumpyRandomState) {
        self = MinAtarAsterix(ramping: ramping)
    }

    /// Both coin flips are drawn even when every row is taken, as in the original.
    mutating func spawn(_ random: NumpyRandomState) {
        let fromLeft = random.uniform() < 0.5
        let gold = random.uniform() < 1.0 / 3.0
        var free = InlineArray<8, Int>(repeating: 0)
        var nFree = 0
        for k in 0..<8 where !slots[k].alive { free[nFree] = k; nFree += 1 }
        if nFree == 0 { return }
        let k = free[random.integer(in: 0..<nFree)]
        slots[k] = Entity(x: fromLeft ? 0 : 9, movingRight: fromLeft, isGold: gold, alive: true)
    }

    /// An entity on the player's cell: gold is taken (+1), an enemy ends the game.
    private mutating func meet(_ k: Int, reward: inout Int, ended: inout Bool) {
        if slots[k].isGold { slots[k].alive = false; reward += 1 } else { ended = true }
    }

    public mutating func act(_ action: MinAtarAction, _ random: NumpyRandomState) -> (reward: Int, end: MinAtarEnd) {
        var reward = 0, ended = false
        if spawnTimer == 0 {
            spawn(random)
            spawnTimer = spawnInterval
        }
        switch action {
        case .left: playerX = max(0, playerX - 1)
        case .right: playerX = min(9, playerX + 1)
        case .up: playerY = max(1, playerY - 1)
        case .down: playerY = min(8, playerY + 1)
        default: break
        }
        for k in 0..<8 where slots[k].alive && slots[k].x == playerX && k + 1 == playerY {
            meet(k, reward: &reward, ended: &ended)
        }
        if moveTimer == 0 {
            moveTimer = moveInterval
            for k in 0..<8 where slots[k].alive {
                slots[k].x += slots[k].movingRight ? 1 : -1
                if slots[k].x < 0 || slots[k].x > 9 {
                    slots[k].alive = false
                } else if slots[k].x == playerX && k + 1 == playerY {
                    meet(k, reward: &reward, ended: &ended)
                }
            }
        }
        spawnTimer -= 1
        moveTimer -= 1
        if ramping && (spawnInterval > 1 || moveInterval > 1) {
            if rampTimer >= 0 {
                rampTimer -= 1
            } else {
                // Movement speeds up on every other level, spawning on every level.
                if moveInterval > 1 && rampIndex % 2 == 1 { moveInterval -= 1 }
                if spawnInterval > 1 { spawnInterval -= 1 }
                rampIndex += 1
                rampTimer = Self.rampInterval
            }
        }
        return (reward, ended ? .terminated : .running)
    }

    public mutating func observe(into grid: ObservationGrid) {
        grid.set(row: playerY, column: playerX, channel: 0)
        for k in 0..<8 where slots[k].alive {
            let x = slots[k].x
            grid.set(row: k + 1, column: x, channel: slots[k].isGold ? 3 : 1)
            let back = slots[k].movingRight ? x - 1 : x + 1
            if back >= 0 && back <= 9 { grid.set(row: k + 1, column: back, channel: 2) }
        }
    }
}

extension MinAtarAsterix.Entity: MinAtarSnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        x.write(to: &w); movingRight.write(to: &w); isGold.write(to: &w); alive.write(to: &w)
    }

    static func read(from r: inout SnapshotReader) throws -> Self {
        Self(x: try .read(from: &r), movingRight: try .read(from: &r), isGold: try .read(from: &r), alive: try .read(from: &r))
    }
}

extension MinAtarAsterix {
    public func write(to w: inout SnapshotWriter) {
        ramping.write(to: &w)
        playerX.write(to: &w); playerY.write(to: &w)
        slots.write(to: &w)
        for v in [spawnInterval, spawnTimer, moveInterval, moveTimer, rampTimer, rampIndex] { v.write(to: &w) }
    }

    public static func read(from r: inout SnapshotReader) throws -> MinAtarAsterix {
        var g = MinAtarAsterix(ramping: try .read(from: &r))
        g.playerX = try .read(from: &r); g.playerY = try .read(from: &r)
        g.slots = try .read(from: &r)
        g.spawnInterval = try .read(from: &r); g.spawnTimer = try .read(from: &r)
        g.moveInterval = try .read(from: &r); g.moveTimer = try .read(from: &r)
        g.rampTimer = try .read(from: &r); g.rampIndex = try .read(from: &r)
        return g
    }
}
