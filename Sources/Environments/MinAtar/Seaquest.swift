/// MinAtar Seaquest: a submarine shoots fish and enemy subs (+1 each), rescues divers, and must
/// surface before its oxygen (200 steps) runs out. Surfacing with no diver ends the episode;
/// surfacing with six gives a bonus of one point per 20 units of oxygen left. Enemy subs fire
/// every 11 steps. With ramping, every surfacing speeds enemies and spawning up.
///
/// Quirks of the original kept on purpose (they shape its statistics): a sub removed in a step
/// still fires that step; surfacing with six divers leaves the count at −1, so the next surfacing
/// after rescuing only one diver ends the game.
///
/// Entity bounds for the inline lists: an enemy lives at most 11 moves × 6 steps = 66 steps and
/// at most one spawns per step, so fewer than 67 fish and subs together; each sub fires once per 11
/// steps and a bullet lives at most 11, so fewer than 78 enemy bullets; friendly bullets and divers
/// are a handful.
public struct MinAtarSeaquest: MinAtarGame {
    public static let name = "seaquest"
    public static let channels = ["sub_front", "sub_back", "friendly_bullet", "trail", "enemy_bullet",
                                  "enemy_fish", "enemy_sub", "oxygen_gauge", "diver_gauge", "diver"]
    public static let minimalActions: [MinAtarAction] = MinAtarAction.allCases

    static let maxOxygen = 200
    static let initialSpawnInterval = 20
    static let diverSpawnInterval = 30
    static let initialMoveInterval = 5
    static let shotCoolDown = 5
    static let enemyShotInterval = 10
    static let diverMoveInterval = 5

    /// Anything that moves one column at a time: bullets, fish, subs, divers.
    struct Mover {
        var x: Int16 = 0, y: Int16 = 0
        var right = false
        var moveTimer: Int16 = 0
        var shotTimer: Int16 = 0

        @inline(__always) func at(_ x: Int, _ y: Int) -> Bool { Int(self.x) == x && Int(self.y) == y }
        @inline(__always) func at(_ o: Mover) -> Bool { x == o.x && y == o.y }
        @inline(__always) mutating func advance() { x += right ? 1 : -1 }
        var isOut: Bool { x < 0 || x > 9 }
    }

    let ramping: Bool
    var oxygen = maxOxygen
    var diverCount = 0
    var subX = 5, subY = 0
    var facingRight = false
    var friendlyBullets = EntityList(filler: Mover())
    var enemyBullets = EntityList(filler: Mover())
    var fish = EntityList(filler: Mover())
    var subs = EntityList(filler: Mover())
    var divers = EntityList(filler: Mover())
    var spawnInterval = initialSpawnInterval, spawnTimer = initialSpawnInterval
    var diverSpawnTimer = diverSpawnInterval
    var moveInterval = initialMoveInterval
    var rampIndex = 0
    var shotTimer = 0
    var surfaced = true

    public init(ramping: Bool) { self.ramping = ramping }

    public var rampLevel: Int { rampIndex }

    public mutating func reset(_ random: NumpyRandomState) {
        self = MinAtarSeaquest(ramping: ramping)
    }

    /// A fish or sub at a random row and side, unless that row already has an enemy heading the
    /// other way (three draws either way).
    mutating func spawnEnemy(_ random: NumpyRandomState) {
        let fromLeft = random.uniform() < 0.5
        let isSub = random.uniform() < 1.0 / 3.0
        let y = Int16(random.integer(in: 1..<9))
        for i in 0..<subs.count where subs[i].y == y && subs[i].right != fromLeft { return }
        for i in 0..<fish.count where fish[i].y == y && fish[i].right != fromLeft { return }
        let e = Mover(x: fromLeft ? 0 : 9, y: y, right: fromLeft, moveTimer: Int16(moveInterval), shotTimer: Int16(Self.enemyShotInterval))
        if isSub { subs.append(e) } else { fish.append(e) }
    }

    mutating func spawnDiver(_ random: NumpyRandomState) {
        let fromLeft = random.uniform() < 0.5
        let y = Int16(random.integer(in: 1..<9))
        divers.append(Mover(x: fromLeft ? 0 : 9, y: y, right: fromLeft, moveTimer: Int16(Self.diverMoveInterval)))
    }

    /// Removes the first friendly bullet on `e`'s cell; true if there was one.
    private mutating func shotDown(_ e: Mover) -> Bool {
        for j in 0..<friendlyBullets.count where friendlyBullets[j].at(e) {
            friendlyBullets.remove(at: j)
            return true
        }
        return false
    }

    public mutating func act(_ action: MinAtarAction, _ random: NumpyRandomState) -> (reward: Int, end: MinAtarEnd) {
        var reward = 0, ended = false
        if spawnTimer == 0 {
            spawnEnemy(random)
            spawnTimer = spawnInterval
        }
        if diverSpawnTimer == 0 {
            spawnDiver(random)
            diverSpawnTimer = Self.diverSpawnInterval
        }
        switch action {
        case .fire where shotTimer == 0:
            friendlyBullets.append(Mover(x: Int16(subX), y: Int16(subY), right: facingRight))
            shotTimer = Self.shotCoolDown
        case .left: subX = max(0, subX - 1); facingRight = false
        case .right: subX = min(9, subX + 1); facingRight = true
        case .up: subY = max(0, subY - 1)
        case .down: subY = min(8, subY + 1)
        default: break
        }

        // Lists are walked newest first, as the original does, so removals keep the walk valid.
        var i = friendlyBullets.count - 1
        while i >= 0 {
            var b = friendlyBullets[i]
            b.advance()
            if b.isOut {
                friendlyBullets.remove(at: i)
            } else {
                friendlyBullets[i] = b
                var hit = false
                for j in 0..<fish.count where fish[j].at(b) { fish.remove(at: j); hit = true; break }
                if !hit { for j in 0..<subs.count where subs[j].at(b) { subs.remove(at: j); hit = true; break } }
                if hit { friendlyBullets.remove(at: i); reward += 1 }
            }
            i -= 1
        }

        i = divers.count - 1
        while i >= 0 {
            var d = divers[i]
            if d.at(subX, subY) && diverCount < 6 {
                divers.remove(at: i); diverCount += 1
            } else if d.moveTimer == 0 {
                d.moveTimer = Int16(Self.diverMoveInterval)
                d.advance()
                if d.isOut {
                    divers.remove(at: i)
                } else if d.at(subX, subY) && diverCount < 6 {
                    divers.remove(at: i); diverCount += 1
                } else {
                    divers[i] = d
                }
            } else {
                d.moveTimer -= 1
                divers[i] = d
            }
            i -= 1
        }

        i = subs.count - 1
        while i >= 0 {
            var s = subs[i]
            var removed = false
            if s.at(subX, subY) { ended = true }
            if s.moveTimer == 0 {
                s.moveTimer = Int16(moveInterval)
                s.advance()
                if s.isOut {
                    removed = true
                } else if s.at(subX, subY) {
                    ended = true
                } else if shotDown(s) {
                    removed = true; reward += 1
                }
            } else {
                s.moveTimer -= 1
            }
            if s.shotTimer == 0 {
                s.shotTimer = Int16(Self.enemyShotInterval)
                enemyBullets.append(Mover(x: s.x, y: s.y, right: s.right))
            } else {
                s.shotTimer -= 1
            }
            if removed { subs.remove(at: i) } else { subs[i] = s }
            i -= 1
        }

        i = enemyBullets.count - 1
        while i >= 0 {
            var b = enemyBullets[i]
            if b.at(subX, subY) { ended = true }
            b.advance()
            if b.isOut {
                enemyBullets.remove(at: i)
            } else {
                enemyBullets[i] = b
                if b.at(subX, subY) { ended = true }
            }
            i -= 1
        }

        i = fish.count - 1
        while i >= 0 {
            var f = fish[i]
            if f.at(subX, subY) { ended = true }
            if f.moveTimer == 0 {
                f.moveTimer = Int16(moveInterval)
                f.advance()
                if f.isOut {
                    fish.remove(at: i)
                } else if f.at(subX, subY) {
                    ended = true
                    fish[i] = f
                } else if shotDown(f) {
                    fish.remove(at: i); reward += 1
                } else {
                    fish[i] = f
                }
            } else {
                f.moveTimer -= 1
                fish[i] = f
            }
            i -= 1
        }

        if spawnTimer > 0 { spawnTimer -= 1 }
        if diverSpawnTimer > 0 { diverSpawnTimer -= 1 }
        if shotTimer > 0 { shotTimer -= 1 }
        if oxygen <= 0 { ended = true }
        if subY > 0 {
            oxygen -= 1
            surfaced = false
        } else if !surfaced {
            if diverCount == 0 { ended = true } else { reward += surface() }
        }
        return (reward, ended ? .terminated : .running)
    }

    /// Reaching the top row with at least one diver: oxygen refilled, one diver used up (all six
    /// and a bonus if the crew is full), and the difficulty ramps.
    mutating func surface() -> Int {
        surfaced = true
        var bonus = 0
        if diverCount == 6 {
            diverCount = 0
            bonus = oxygen * 10 / Self.maxOxygen
        }
        oxygen = Self.maxOxygen
        diverCount -= 1
        if ramping && (spawnInterval > 1 || moveInterval > 2) {
            if moveInterval > 2 && rampIndex % 2 == 1 { moveInterval -= 1 }
            if spawnInterval > 1 { spawnInterval -= 1 }
            rampIndex += 1
        }
        return bonus
    }

    public mutating func observe(into grid: ObservationGrid) {
        grid.set(row: subY, column: subX, channel: 0)
        grid.set(row: subY, column: facingRight ? subX - 1 : subX + 1, channel: 1)
        for x in 0..<(max(0, oxygen) * 10 / Self.maxOxygen) { grid.set(row: 9, column: x, channel: 7) }
        // The gauge fills from column 8 leftwards; after a full-crew bonus the count is −1 and it is empty.
        if diverCount > 0 { for x in (9 - diverCount)..<9 { grid.set(row: 9, column: x, channel: 8) } }
        for j in 0..<friendlyBullets.count { grid.set(row: Int(friendlyBullets[j].y), column: Int(friendlyBullets[j].x), channel: 2) }
        for j in 0..<enemyBullets.count { grid.set(row: Int(enemyBullets[j].y), column: Int(enemyBullets[j].x), channel: 4) }
        func withTrail(_ e: Mover, _ channel: Int) {
            grid.set(row: Int(e.y), column: Int(e.x), channel: channel)
            let back = Int(e.x) + (e.right ? -1 : 1)
            if back >= 0 && back <= 9 { grid.set(row: Int(e.y), column: back, channel: 3) }
        }
        for j in 0..<fish.count { withTrail(fish[j], 5) }
        for j in 0..<subs.count { withTrail(subs[j], 6) }
        for j in 0..<divers.count { withTrail(divers[j], 9) }
    }
}

extension MinAtarSeaquest.Mover: MinAtarSnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        x.write(to: &w); y.write(to: &w); right.write(to: &w); moveTimer.write(to: &w); shotTimer.write(to: &w)
    }

    static func read(from r: inout SnapshotReader) throws -> Self {
        Self(x: try .read(from: &r), y: try .read(from: &r), right: try .read(from: &r),
             moveTimer: try .read(from: &r), shotTimer: try .read(from: &r))
    }
}

extension MinAtarSeaquest {
    public func write(to w: inout SnapshotWriter) {
        ramping.write(to: &w)
        for v in [oxygen, diverCount, subX, subY] { v.write(to: &w) }
        facingRight.write(to: &w)
        for list in [friendlyBullets, enemyBullets, fish, subs, divers] { list.write(to: &w) }
        for v in [spawnInterval, spawnTimer, diverSpawnTimer, moveInterval, rampIndex, shotTimer] { v.write(to: &w) }
        surfaced.write(to: &w)
    }

    public static func read(from r: inout SnapshotReader) throws -> MinAtarSeaquest {
        var g = MinAtarSeaquest(ramping: try .read(from: &r))
        g.oxygen = try .read(from: &r); g.diverCount = try .read(from: &r)
        g.subX = try .read(from: &r); g.subY = try .read(from: &r)
        g.facingRight = try .read(from: &r)
        g.friendlyBullets = try .read(from: &r); g.enemyBullets = try .read(from: &r)
        g.fish = try .read(from: &r); g.subs = try .read(from: &r); g.divers = try .read(from: &r)
        g.spawnInterval = try .read(from: &r); g.spawnTimer = try .read(from: &r)
        g.diverSpawnTimer = try .read(from: &r); g.moveInterval = try .read(from: &r)
        g.rampIndex = try .read(from: &r); g.shotTimer = try .read(from: &r)
        g.surfaced = try .read(from: &r)
        return g
    }
}
