/// MinAtar Freeway: a chicken in column 4 crosses eight lanes of cars (rows 1–8) from row 9 to row
/// 0, moving at most once every 3 steps. +1 per crossing, after which the car speeds are redrawn;
/// a car hit sends the chicken back to row 9. The game lasts 2,500 steps; that clock is a time
/// limit, reported as truncation (the original reports it as the game's end). No difficulty ramp.
public struct MinAtarFreeway: MinAtarGame {
    public static let name = "freeway"
    public static let channels = ["chicken", "car", "speed1", "speed2", "speed3", "speed4", "speed5"]
    public static let minimalActions: [MinAtarAction] = [.noop, .up, .down]

    static let chickenDelay = 3
    static let timeLimit = 2500

    struct Car {
        var x = 0
        /// Steps until the next move.
        var timer = 0
        /// Signed: |speed| is the wait between moves (1 fastest... 5 slowest), the sign the direction.
        var speed = 1
    }

    /// Car k drives in row k + 1.
    var cars = Slots<8, Car>(repeating: Car())
    var chicken = 9
    var moveTimer = chickenDelay
    var clock = timeLimit

    public init(ramping: Bool) {}

    public var rampLevel: Int { 0 }

    /// Eight speeds 1…5, then eight directions from coin flips, as the original draws them.
    mutating func redrawSpeeds(_ random: NumpyRandomState, placeAtStart: Bool) {
        var speeds = InlineArray<8, Int>(repeating: 0)
        for k in 0..<8 { speeds[k] = random.integer(in: 1..<6) }
        for k in 0..<8 {
            // sign(u − 0.5); u = 0.5 exactly (probability 2⁻⁵³) counts as rightwards here.
            if random.uniform() < 0.5 { speeds[k] = -speeds[k] }
        }
        for k in 0..<8 {
            if placeAtStart { cars[k].x = 0 }
            cars[k].timer = abs(speeds[k])
            cars[k].speed = speeds[k]
        }
    }

    public mutating func reset(_ random: NumpyRandomState) {
        redrawSpeeds(random, placeAtStart: true)
        chicken = 9
        moveTimer = Self.chickenDelay
        clock = Self.timeLimit
    }

    public mutating func act(_ action: MinAtarAction, _ random: NumpyRandomState) -> (reward: Int, end: MinAtarEnd) {
        var reward = 0
        if action == .up && moveTimer == 0 {
            moveTimer = Self.chickenDelay
            chicken = max(0, chicken - 1)
        } else if action == .down && moveTimer == 0 {
            moveTimer = Self.chickenDelay
            chicken = min(9, chicken + 1)
        }
        if chicken == 0 {
            reward += 1
            redrawSpeeds(random, placeAtStart: false)
            chicken = 9
        }
        for k in 0..<8 {
            let row = k + 1
            if cars[k].x == 4 && row == chicken { chicken = 9 }
            if cars[k].timer == 0 {
                cars[k].timer = abs(cars[k].speed)
                cars[k].x += cars[k].speed > 0 ? 1 : -1
                if cars[k].x < 0 { cars[k].x = 9 } else if cars[k].x > 9 { cars[k].x = 0 }
                if cars[k].x == 4 && row == chicken { chicken = 9 }
            } else {
                cars[k].timer -= 1
            }
        }
        if moveTimer > 0 { moveTimer -= 1 }
        clock -= 1
        return (reward, clock < 0 ? .timeLimit : .running)
    }

    public mutating func observe(into grid: ObservationGrid) {
        grid.set(row: chicken, column: 4, channel: 0)
        // Fields are read in place: copying an InlineArray element out costs a memcpy call here.
        for k in 0..<8 {
            let x = cars[k].x, speed = cars[k].speed
            grid.set(row: k + 1, column: x, channel: 1)
            var back = speed > 0 ? x - 1 : x + 1
            if back < 0 { back = 9 } else if back > 9 { back = 0 }
            grid.set(row: k + 1, column: back, channel: 1 + abs(speed))
        }
    }
}

extension MinAtarFreeway.Car: MinAtarSnapshotCodable {
    func write(to w: inout SnapshotWriter) { x.write(to: &w); timer.write(to: &w); speed.write(to: &w) }

    static func read(from r: inout SnapshotReader) throws -> Self {
        Self(x: try .read(from: &r), timer: try .read(from: &r), speed: try .read(from: &r))
    }
}

extension MinAtarFreeway {
    public func write(to w: inout SnapshotWriter) {
        cars.write(to: &w)
        chicken.write(to: &w); moveTimer.write(to: &w); clock.write(to: &w)
    }

    public static func read(from r: inout SnapshotReader) throws -> MinAtarFreeway {
        var g = MinAtarFreeway(ramping: false)
        g.cars = try .read(from: &r)
        g.chicken = try .read(from: &r); g.moveTimer = try .read(from: &r); g.clock = try .read(from: &r)
        return g
    }
}
