/// MinAtar Breakout: a paddle on the bottom row, a ball moving diagonally, three rows of bricks
/// (rows 1–3). +1 per brick; the wall is rebuilt when the ball reaches the bottom row with no
/// bricks left; the episode ends when the paddle misses the ball. No difficulty ramp.
public struct MinAtarBreakout: MinAtarGame {
    public static let name = "breakout"
    public static let channels = ["paddle", "ball", "trail", "brick"]
    public static let minimalActions: [MinAtarAction] = [.noop, .left, .right]

    var paddle = 4
    var ballX = 0, ballY = 3
    /// 0: up-left, 1: up-right, 2: down-right, 3: down-left.
    var direction = 2
    var lastX = 0, lastY = 3
    var bricks = BitGrid()
    /// Set while the ball is inside a brick it has just broken, so it breaks one brick per contact.
    var striking = false

    public init(ramping: Bool) {}

    public var rampLevel: Int { 0 }

    static func wall() -> BitGrid {
        var g = BitGrid()
        for y in 1...3 { g[y] = BitGrid.fullRow }
        return g
    }

    public mutating func reset(_ random: NumpyRandomState) {
        ballY = 3
        // The ball starts at either top corner of the open area, heading down and away from it.
        if random.integer(in: 0..<2) == 0 { ballX = 0; direction = 2 } else { ballX = 9; direction = 3 }
        paddle = 4
        bricks = Self.wall()
        striking = false
        lastX = ballX; lastY = ballY
    }

    // Direction changes: mirror horizontally, vertically, or reverse (the paddle's edge hit).
    private static let mirrorX = [1, 0, 3, 2]
    private static let mirrorY = [3, 2, 1, 0]
    private static let reverse = [2, 3, 0, 1]

    public mutating func act(_ action: MinAtarAction, _ random: NumpyRandomState) -> (reward: Int, end: MinAtarEnd) {
        var reward = 0
        if action == .left { paddle = max(0, paddle - 1) } else if action == .right { paddle = min(9, paddle + 1) }

        lastX = ballX; lastY = ballY
        var newX = ballX + (direction == 1 || direction == 2 ? 1 : -1)
        var newY = ballY + (direction >= 2 ? 1 : -1)
        var ended = false
        var struckNow = false
        if newX < 0 || newX > 9 {
            newX = min(max(newX, 0), 9)
            direction = Self.mirrorX[direction]
        }
        if newY < 0 {
            newY = 0
            direction = Self.mirrorY[direction]
        } else if bricks[newY, newX] {
            struckNow = true
            if !striking {
                reward += 1
                striking = true
                bricks[newY, newX] = false
                newY = lastY
                direction = Self.mirrorY[direction]
            }
        } else if newY == 9 {
            if bricks.isEmpty { bricks = Self.wall() }
            if ballX == paddle {
                direction = Self.mirrorY[direction]
                newY = lastY
            } else if newX == paddle {
                direction = Self.reverse[direction]
                newY = lastY
            } else {
                ended = true
            }
        }
        if !struckNow { striking = false }
        ballX = newX; ballY = newY
        return (reward, ended ? .terminated : .running)
    }

    public mutating func observe(into grid: ObservationGrid) {
        grid.set(row: ballY, column: ballX, channel: 1)
        grid.set(row: 9, column: paddle, channel: 0)
        grid.set(row: lastY, column: lastX, channel: 2)
        grid.set(rows: bricks, channel: 3)
    }
}

extension MinAtarBreakout {
    public func write(to w: inout SnapshotWriter) {
        for v in [paddle, ballX, ballY, direction, lastX, lastY] { v.write(to: &w) }
        bricks.write(to: &w)
        striking.write(to: &w)
    }

    public static func read(from r: inout SnapshotReader) throws -> MinAtarBreakout {
        var g = MinAtarBreakout(ramping: false)
        g.paddle = try .read(from: &r)
        g.ballX = try .read(from: &r); g.ballY = try .read(from: &r)
        g.direction = try .read(from: &r)
        g.lastX = try .read(from: &r); g.lastY = try .read(from: &r)
        g.bricks = try .read(from: &r)
        g.striking = try .read(from: &r)
        return g
    }
}
