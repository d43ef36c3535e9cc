@testable import Environments
import XCTest

/// One test per rule of each MinAtar game, from hand-placed states. Timers are set so no random
/// spawn interferes unless the rule is about spawning.
final class MinAtarRuleTests: XCTestCase {
    let random = NumpyRandomState(seed: 0)

    func breakout() -> MinAtarBreakout { var g = MinAtarBreakout(ramping: true); g.reset(random); return g }

    func testBreakoutBrickBreakScoresAndReflects() {
        var g = breakout()
        g.ballX = 4; g.ballY = 4; g.direction = 0  // up-left, into the brick at row 3, column 3
        let (r, end) = g.act(.noop, random)
        XCTAssertEqual(r, 1); XCTAssertEqual(end, .running)
        XCTAssertFalse(g.bricks[3, 3])
        XCTAssertEqual(g.bricks.count, 29)
        XCTAssertEqual([g.ballX, g.ballY, g.direction], [3, 4, 3], "stays in its row, now heading down-left")
    }

    func testBreakoutSideWallAndCeilingReflect() {
        var g = breakout()
        g.ballX = 0; g.ballY = 6; g.direction = 0
        _ = g.act(.noop, random)
        XCTAssertEqual([g.ballX, g.ballY, g.direction], [0, 5, 1])
        g.bricks = BitGrid(); g.ballX = 5; g.ballY = 0; g.direction = 1
        _ = g.act(.noop, random)
        XCTAssertEqual([g.ballX, g.ballY, g.direction], [6, 0, 2])
    }

    func testBreakoutPaddleCatchesOrMisses() {
        var g = breakout()
        g.ballX = 2; g.ballY = 8; g.direction = 2; g.paddle = 2  // under the ball: bounces straight back up
        XCTAssertEqual(g.act(.noop, random).end, .running)
        XCTAssertEqual([g.ballX, g.ballY, g.direction], [3, 8, 1])
        g.ballX = 2; g.ballY = 8; g.direction = 2; g.paddle = 3  // where the ball lands: sent back the way it came
        XCTAssertEqual(g.act(.noop, random).end, .running)
        XCTAssertEqual(g.direction, 0)
        g.ballX = 2; g.ballY = 8; g.direction = 2; g.paddle = 7
        XCTAssertEqual(g.act(.noop, random).end, .terminated)
    }

    func testBreakoutWallIsRebuiltWhenCleared() {
        var g = breakout()
        g.bricks = BitGrid(); g.ballX = 2; g.ballY = 8; g.direction = 2; g.paddle = 2
        _ = g.act(.noop, random)
        XCTAssertEqual(g.bricks, MinAtarBreakout.wall())
    }

    func testBreakoutPaddleMovesAndStopsAtEdges() {
        var g = breakout()
        g.paddle = 0; _ = g.act(.left, random); XCTAssertEqual(g.paddle, 0)
        _ = g.act(.right, random); XCTAssertEqual(g.paddle, 1)
        _ = g.act(.up, random); XCTAssertEqual(g.paddle, 1, "up is a no-op in Breakout")
    }

    func asterix(ramping: Bool = true) -> MinAtarAsterix {
        var g = MinAtarAsterix(ramping: ramping); g.reset(random)
        g.spawnTimer = 50; g.moveTimer = 50
        return g
    }

    func testAsterixGoldScoresAndEnemyEndsTheGame() {
        var g = asterix()
        g.slots[4] = .init(x: 5, movingRight: true, isGold: true, alive: true)  // row 5 is the player's
        XCTAssertEqual(g.act(.noop, random).reward, 1)
        XCTAssertFalse(g.slots[4].alive)
        g.slots[2] = .init(x: 6, movingRight: false, isGold: false, alive: true)  // row 3
        _ = g.act(.up, random)  // player to row 4
        XCTAssertEqual(g.act(.up, random).end, .running)  // row 3, column 5: the enemy is at 6
        g.moveTimer = 0
        XCTAssertEqual(g.act(.noop, random).end, .terminated, "the enemy moved onto the player")
    }

    func testAsterixPlayerStaysInRowsOneToEight() {
        var g = asterix()
        g.playerY = 1; _ = g.act(.up, random); XCTAssertEqual(g.playerY, 1)
        g.playerY = 8; _ = g.act(.down, random); XCTAssertEqual(g.playerY, 8)
    }

    func testAsterixRampSpeedsUpSpawningThenMovement() {
        var g = asterix()
        g.rampTimer = -1
        _ = g.act(.noop, random)
        XCTAssertEqual([g.spawnInterval, g.moveInterval, g.rampIndex, g.rampTimer], [9, 5, 1, 100])
        g.rampTimer = -1
        _ = g.act(.noop, random)
        XCTAssertEqual([g.spawnInterval, g.moveInterval, g.rampIndex], [8, 4, 2], "movement speeds up on odd levels")
        var flat = asterix(ramping: false)
        flat.rampTimer = -1
        _ = flat.act(.noop, random)
        XCTAssertEqual([flat.spawnInterval, flat.moveInterval, flat.rampIndex], [10, 5, 0])
    }

    func testAsterixSpawnFillsAFreeRow() {
        var g = asterix()
        for k in 0..<8 where k != 6 { g.slots[k].alive = true }
        g.spawn(random)
        XCTAssertTrue(g.slots[6].alive, "the only free row gets the entity")
        XCTAssertTrue(g.slots[6].x == 0 || g.slots[6].x == 9)
    }

    func freeway() -> MinAtarFreeway {
        var g = MinAtarFreeway(ramping: true); g.reset(random)
        for k in 0..<8 { g.cars[k] = .init(x: 0, timer: 5, speed: 5) }
        return g
    }

    func testFreewayChickenMovesOnceEveryThreeSteps() {
        var g = freeway()
        g.moveTimer = 0
        _ = g.act(.up, random); XCTAssertEqual(g.chicken, 8)
        _ = g.act(.up, random); XCTAssertEqual(g.chicken, 8, "cooling down")
        _ = g.act(.up, random); _ = g.act(.up, random); XCTAssertEqual(g.chicken, 7)
    }

    func testFreewayCrossingScoresAndRedrawsSpeeds() {
        var g = freeway()
        g.chicken = 1; g.moveTimer = 0
        let (r, _) = g.act(.up, random)
        XCTAssertEqual(r, 1); XCTAssertEqual(g.chicken, 9)
        XCTAssertTrue((0..<8).allSatisfy { (1...5).contains(abs(g.cars[$0].speed)) })
        XCTAssertFalse((0..<8).allSatisfy { g.cars[$0].speed == 5 }, "speeds were redrawn")
    }

    func testFreewayCarSendsChickenBack() {
        var g = freeway()
        g.chicken = 3
        g.cars[2] = .init(x: 3, timer: 0, speed: 2)  // row 3, moves onto column 4 this step
        _ = g.act(.noop, random)
        XCTAssertEqual(g.chicken, 9)
        XCTAssertEqual(g.cars[2].x, 4); XCTAssertEqual(g.cars[2].timer, 2)
    }

    func testFreewayCarsWrapAround() {
        var g = freeway()
        g.cars[0] = .init(x: 0, timer: 0, speed: -1)
        _ = g.act(.noop, random)
        XCTAssertEqual(g.cars[0].x, 9)
    }

    func testFreewayClockIsATimeLimit() {
        var g = freeway()
        var ends = [MinAtarEnd]()
        for _ in 0..<2501 { ends.append(g.act(.noop, random).end) }
        XCTAssertEqual(ends.dropLast().filter { $0 != .running }.count, 0)
        XCTAssertEqual(ends.last, .timeLimit, "the 2,501st step runs out the clock")
    }

    func seaquest() -> MinAtarSeaquest {
        var g = MinAtarSeaquest(ramping: true); g.reset(random)
        g.spawnTimer = 50; g.diverSpawnTimer = 50
        return g
    }

    func testSeaquestShootingAFishScores() {
        var g = seaquest()
        g.subX = 5; g.subY = 3; g.facingRight = true
        g.fish.append(.init(x: 6, y: 3, right: false, moveTimer: 4))
        XCTAssertEqual(g.act(.fire, random).reward, 1)
        XCTAssertEqual(g.fish.count, 0); XCTAssertEqual(g.friendlyBullets.count, 0)
        XCTAssertEqual(g.shotTimer, 4, "cool-down of 5, one step spent")
    }

    func testSeaquestOxygenRunsOut() {
        var g = seaquest()
        g.subY = 4; g.surfaced = false; g.oxygen = 0
        XCTAssertEqual(g.act(.noop, random).end, .terminated)
    }

    func testSeaquestSurfacingNeedsADiver() {
        var g = seaquest()
        g.subY = 1; g.surfaced = false
        XCTAssertEqual(g.act(.up, random).end, .terminated)
        var h = seaquest()
        h.subY = 1; h.surfaced = false; h.diverCount = 2; h.oxygen = 37
        XCTAssertEqual(h.act(.up, random).end, .running)
        XCTAssertEqual([h.diverCount, h.oxygen, h.rampIndex, h.spawnInterval], [1, 200, 1, 19])
    }

    func testSeaquestFullCrewBonusLeavesCountAtMinusOne() {
        var g = seaquest()
        g.subY = 1; g.surfaced = false; g.diverCount = 6; g.oxygen = 150
        let (r, end) = g.act(.up, random)
        XCTAssertEqual(end, .running)
        XCTAssertEqual(r, 7, "one point per 20 units of oxygen left (150 → 7); no oxygen is used at the surface")
        XCTAssertEqual(g.diverCount, -1)
    }

    func testSeaquestRescuesADiver() {
        var g = seaquest()
        g.subX = 3; g.subY = 4
        g.divers.append(.init(x: 3, y: 4, right: true, moveTimer: 3))
        _ = g.act(.noop, random)
        XCTAssertEqual(g.diverCount, 1); XCTAssertEqual(g.divers.count, 0)
    }

    func testSeaquestEnemySubFiresEveryElevenSteps() {
        var g = seaquest()
        g.subX = 0; g.subY = 7
        g.subs.append(.init(x: 9, y: 2, right: false, moveTimer: 100, shotTimer: 0))
        _ = g.act(.noop, random)
        XCTAssertEqual(g.enemyBullets.count, 1)
        XCTAssertEqual(g.subs[0].shotTimer, 10)
    }

    func spaceInvaders(ramping: Bool = true) -> MinAtarSpaceInvaders {
        var g = MinAtarSpaceInvaders(ramping: ramping); g.reset(random)
        g.alienMoveTimer = 50; g.alienShotTimer = 50
        return g
    }

    func testSpaceInvadersShotKillsAlienAndWaveReturnsFaster() {
        var g = spaceInvaders()
        g.aliens = BitGrid(); g.aliens[8, 5] = true; g.cannon = 5
        XCTAssertEqual(g.act(.fire, random).reward, 1)
        XCTAssertEqual(g.aliens, MinAtarSpaceInvaders.wave(), "a cleared wave is replaced")
        XCTAssertEqual([g.moveInterval, g.rampIndex], [11, 1])
        XCTAssertTrue(g.friendlyBullets.isEmpty)
    }

    func testSpaceInvadersAliensTurnAndDescendAtTheEdge() {
        var g = spaceInvaders()
        g.aliens = BitGrid(); g.aliens[2, 0] = true; g.aliens[2, 1] = true; g.alienMoveTimer = 0
        _ = g.act(.noop, random)
        XCTAssertEqual(g.alienDirection, 1)
        XCTAssertTrue(g.aliens[3, 0] && g.aliens[3, 1] && g.aliens[2] == 0)
        XCTAssertEqual(g.alienMoveTimer, 1, "the wait is the number of aliens left, at most the interval, minus this step")
        g.alienMoveTimer = 0
        _ = g.act(.noop, random)
        XCTAssertTrue(g.aliens[3, 1] && g.aliens[3, 2])
    }

    func testSpaceInvadersCannonHitEndsTheGame() {
        var g = spaceInvaders()
        g.cannon = 4; g.enemyBullets[8, 4] = true
        XCTAssertEqual(g.act(.noop, random).end, .terminated)
    }

    func testSpaceInvadersNearestAlienShootsLeftColumnOnTies() {
        var g = spaceInvaders()
        g.aliens = BitGrid(); g.aliens[1, 3] = true; g.aliens[3, 3] = true; g.aliens[0, 7] = true; g.cannon = 5
        XCTAssertEqual(g.shooter()?.row, 3); XCTAssertEqual(g.shooter()?.column, 3)
        g.alienShotTimer = 0
        _ = g.act(.noop, random)
        XCTAssertTrue(g.enemyBullets[3, 3], "fired from the lowest alien in column 3, after this step's bullet moves")
    }
}
