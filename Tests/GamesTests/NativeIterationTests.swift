import XCTest
@testable import Games
import Symbolic

/// `BatchIterator` and `CompiledDynamic.grid` give the same bits with native kernels as with the interpreter.
final class NativeIterationTests: XCTestCase {
    private func withInterpreter<T>(_ body: () throws -> T) rethrows -> T {
        let saved = NativeKernel.isEnabled
        NativeKernel.isEnabled = false
        defer { NativeKernel.isEnabled = saved }
        return try body()
    }

    private func dynamics() throws -> [CompiledDynamic] {
        let game = try Game.parse(leader: "-w*theta + 0.1*tanh(theta)^2", follower: "(w*theta + theta^2/5)^2 + w^2/10",
                                  leaderVariables: ["theta"], followerVariables: ["w"])
        let derivatives = try GameDerivatives(game)
        return try [DynamicKind.individual, .stackelberg, .regularized(lambda: 0.5)].map { try CompiledDynamic(derivatives, kind: $0) }
    }

    private func assertSameBits(_ a: [Double], _ b: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for (x, y) in zip(a, b) where !(x.isNaN && y.isNaN) && x.bitPattern != y.bitPattern {
            XCTFail("\(message): \(x) ≠ \(y)", file: file, line: line)
            return
        }
    }

    func testTrajectoriesMatchTheInterpreter() throws {
        guard NativeKernel.isEnabled else { throw XCTSkip("native kernels disabled") }
        let lin = (0..<7).map { -0.9 + 1.8 * Double($0) / 6 }
        let starts = lin.flatMap { t in lin.map { [t, $0] } }  // 49 lanes: not a multiple of the vector width
        for dynamic in try dynamics() {
            for rule in [StepRule(leaderLearningRate: 0.01, followerLearningRate: 0.03),
                         StepRule(leaderLearningRate: 0.02, followerLearningRate: 0.02, unroll: 3)] {
                let native = try BatchIterator(dynamic, rule: rule, starts: starts)
                if rule.unroll == 1, !native.isNative {
                    throw XCTSkip("no native kernel: \(NativeKernel.lastError ?? "?")")
                }
                native.step(1500)
                native.step(1)
                let interpreted = try withInterpreter { try BatchIterator(dynamic, rule: rule, starts: starts) }
                XCTAssertFalse(interpreted.isNative)
                interpreted.step(1501)
                for lane in 0..<starts.count {
                    assertSameBits(native.point(lane: lane), interpreted.point(lane: lane), "\(dynamic.kind), unroll \(rule.unroll), lane \(lane)")
                }
            }
        }
    }

    func testGridMatchesTheInterpreter() throws {
        for dynamic in try dynamics() {
            for (a, b) in [(0, 1), (1, 0)] {
                func grid() throws -> FieldGrid {
                    try dynamic.grid(a: a, b: b, rangeA: -1...1, rangeB: -0.5...1.5, nx: 201, ny: 181, base: [0.1, 0.2])
                }
                let native = try grid(), interpreted = try withInterpreter(grid)
                assertSameBits(native.dx, interpreted.dx, "\(dynamic.kind) dx (\(a), \(b))")
                assertSameBits(native.dy, interpreted.dy, "\(dynamic.kind) dy (\(a), \(b))")
            }
        }
    }
}
