/// MinAtar Space Invaders: a cannon on the bottom row fires upwards (cool-down 5) at a 4×6 block of
/// aliens that sweeps sideways and steps down at the edges; the alien nearest the cannon's column
/// fires every 11 steps. +1 per alien; the episode ends when the cannon is hit or the aliens reach
/// it. A cleared wave is replaced, faster with ramping.
public struct MinAtarSpaceInvaders: MinAtarGame {
    public static let name = "space_invaders"
    public static let channels = ["cannon", "alien", "alien_left", "alien_right", "friendly_bullet", "enemy_bullet"]
    public static let minimalActions: [MinAtarAction] = [.noop, .left, .right, .fire]

    static let shotCoolDown = 5
    static let initialMoveInterval = 12
    static let alienShotInterval = 10

    let ramping: Bool
    var cannon = 5
    var friendlyBullets = BitGrid()
    var enemyBullets = BitGrid()
    var aliens = wave()
    var alienDirection = -1
    var moveInterval = initialMoveInterval
    var alienMoveTimer = initialMoveInterval
    var alienShotTimer = alienShotInterval
    var rampIndex = 0
    var shotTimer = 0

    public init(ramping: Bool) { self.ramping = ramping }

    public var rampLevel: Int { rampIndex }

    /// Rows 0–3, columns 2–7.
    static func wave() -> BitGrid {
        var g = BitGrid()
        for y in 0..<4 { g[y] = 0b00_1111_1100 }
        return g
    }

    public mutating func reset(_ random: NumpyRandomState) {
        self = MinAtarSpaceInvaders(ramping: ramping)
    }

    /// The lowest alien in the occupied column nearest the cannon (ties: the left column).
    func shooter() -> (row: Int, column: Int)? {
        let columns = aliens.occupiedColumns
        func lowest(in column: Int) -> (row: Int, column: Int)? {
            guard column >= 0 && column <= 9 && columns >> UInt16(column) & 1 != 0 else { return nil }
            for row in stride(from: 9, through: 0, by: -1) where aliens[row, column] { return (row, column) }
            return nil
        }
        for distance in 0..<10 {
            if let s = lowest(in: cannon - distance) ?? lowest(in: cannon + distance) { return s }
        }
        return nil
    }

    public mutating func act(_ action: MinAtarAction, _ random: NumpyRandomState) -> (reward: Int, end: MinAtarEnd) {
        var ended = false
        if action == .fire && shotTimer == 0 {
            friendlyBullets[9, cannon] = true
            shotTimer = Self.shotCoolDown
        } else if action == .left {
            cannon = max(0, cannon - 1)
        } else if action == .right {
            cannon = min(9, cannon + 1)
        }
        friendlyBullets.shiftUp()
        enemyBullets.shiftDown()
        if enemyBullets[9, cannon] { ended = true }
        if aliens[9, cannon] { ended = true }
        if alienMoveTimer == 0 {
            alienMoveTimer = min(aliens.count, moveInterval)
            let columns = aliens.occupiedColumns
            let atLeftEdge = columns & 1 != 0, atRightEdge = columns & (1 << 9) != 0
            if (atLeftEdge && alienDirection < 0) || (atRightEdge && alienDirection > 0) {
                alienDirection = -alienDirection
                if aliens[9] != 0 { ended = true }
                // The original rolls the grid, so a bottom row wraps round to the top.
                aliens.rollDown()
            } else {
                aliens.rollColumns(alienDirection)
            }
            if aliens[9, cannon] { ended = true }
        }
        if alienShotTimer == 0 {
            alienShotTimer = Self.alienShotInterval
            if let s = shooter() { enemyBullets[s.row, s.column] = true }
        }
        var hits = aliens
        hits.formIntersection(friendlyBullets)
        let reward = hits.count
        aliens.subtract(hits)
        friendlyBullets.subtract(hits)

        if shotTimer > 0 { shotTimer -= 1 }
        alienMoveTimer -= 1
        alienShotTimer -= 1
        if aliens.isEmpty {
            if moveInterval > 6 && ramping {
                moveInterval -= 1
                rampIndex += 1
            }
            aliens = Self.wave()
        }
        return (reward, ended ? .terminated : .running)
    }

    public mutating func observe(into grid: ObservationGrid) {
        grid.set(row: 9, column: cannon, channel: 0)
        grid.set(rows: aliens, channel: 1)
        grid.set(rows: aliens, channel: alienDirection < 0 ? 2 : 3)
        grid.set(rows: friendlyBullets, channel: 4)
        grid.set(rows: enemyBullets, channel: 5)
    }
}

extension MinAtarSpaceInvaders {
    public func write(to w: inout SnapshotWriter) {
        ramping.write(to: &w)
        cannon.write(to: &w)
        friendlyBullets.write(to: &w); enemyBullets.write(to: &w); aliens.write(to: &w)
        for v in [alienDirection, moveInterval, alienMoveTimer, alienShotTimer, rampIndex, shotTimer] { v.write(to: &w) }
    }

    public static func read(from r: inout SnapshotReader) throws -> MinAtarSpaceInvaders {
        var g = MinAtarSpaceInvaders(ramping: try .read(from: &r))
        g.cannon = try .read(from: &r)
        g.friendlyBullets = try .read(from: &r); g.enemyBullets = try .read(from: &r); g.aliens = try .read(from: &r)
        g.alienDirection = try .read(from: &r); g.moveInterval = try .read(from: &r)
        g.alienMoveTimer = try .read(from: &r); g.alienShotTimer = try .read(from: &r)
        g.rampIndex = try .read(from: &r); g.shotTimer = try .read(from: &r)
        return g
    }
}
