import Autodiff
import Foundation
import Neural
import Seeding
import XCTest

/// Optimizer updates against the published update rules written out by hand in Double, schedules
/// against their formulas, clipping, and state round trips.
final class OptimizerTests: XCTestCase {
    let gradients: [[Float]] = [[0.5, -1, 2], [0.1, 0.3, -0.2], [-1, 0.5, 0.5], [2, 2, -3], [0.01, -0.02, 0.5], [1, 1, 1], [0.3, -0.7, 0.2]]

    func run(_ opt: Optimizer, lr: Float, scale: Float = 1) -> [Float] {
        let p = Parameter(name: "w", shape: [3], values: [1, -2, 0.5])
        let group = ParameterGroup("g", [p])
        for g in gradients { g.withUnsafeBufferPointer { opt.update(group, gradient: $0.baseAddress!, gradientScale: scale, learningRate: lr) } }
        return p.values
    }

    func assertClose(_ a: [Float], _ b: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for (x, y) in zip(a, b) { XCTAssertEqual(Double(x), y, accuracy: 1e-5 * Swift.max(1, Swift.abs(y)), what, file: file, line: line) }
    }

    func testAdamMatchesReferenceRule() {
        var w: [Double] = [1, -2, 0.5], m = [0.0, 0, 0], v = [0.0, 0, 0]
        let (lr, b1, b2, eps) = (0.01, 0.9, 0.999, 1e-8)
        for (t, g) in gradients.enumerated() {
            for i in 0..<3 {
                let gi = Double(g[i])
                m[i] = b1 * m[i] + (1 - b1) * gi; v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let mh = m[i] / (1 - pow(b1, Double(t + 1))), vh = v[i] / (1 - pow(b2, Double(t + 1)))
                w[i] -= lr * mh / (vh.squareRoot() + eps)
            }
        }
        assertClose(run(Adam(parameterCount: 3), lr: 0.01), w, "adam")
    }

    func testAdamWDecouplesWeightDecay() {
        var w: [Double] = [1, -2, 0.5], m = [0.0, 0, 0], v = [0.0, 0, 0]
        let (lr, wd) = (0.01, 0.1)
        for (t, g) in gradients.enumerated() {
            for i in 0..<3 {
                w[i] *= 1 - lr * wd
                let gi = Double(g[i])
                m[i] = 0.9 * m[i] + 0.1 * gi; v[i] = 0.999 * v[i] + 0.001 * gi * gi
                w[i] -= lr * (m[i] / (1 - pow(0.9, Double(t + 1)))) / ((v[i] / (1 - pow(0.999, Double(t + 1)))).squareRoot() + 1e-8)
            }
        }
        assertClose(run(Adam(parameterCount: 3, weightDecay: 0.1, decoupledWeightDecay: true), lr: 0.01), w, "adamw")
    }

    func testRAdamMatchesReferenceRule() {
        // β2 = 0.9 makes ρ_t cross 5 within the seven steps, so both branches run.
        let (b1, b2, lr) = (0.9, 0.9, 0.01)
        var w: [Double] = [1, -2, 0.5], m = [0.0, 0, 0], v = [0.0, 0, 0]
        let rhoInf = 2 / (1 - b2) - 1
        var branches = Set<Bool>()
        for (k, g) in gradients.enumerated() {
            let t = Double(k + 1)
            let rho = rhoInf - 2 * t * pow(b2, t) / (1 - pow(b2, t))
            branches.insert(rho > 5)
            for i in 0..<3 {
                let gi = Double(g[i])
                m[i] = b1 * m[i] + (1 - b1) * gi; v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let mh = m[i] / (1 - pow(b1, t))
                if rho > 5 {
                    let r = ((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho)).squareRoot()
                    let vh = (v[i] / (1 - pow(b2, t))).squareRoot()
                    w[i] -= lr * mh * r / (vh + 1e-8)
                } else {
                    w[i] -= lr * mh
                }
            }
        }
        XCTAssertEqual(branches, [false, true], "the test must exercise both RAdam branches")
        assertClose(run(Adam.radam(parameterCount: 3, beta2: 0.9), lr: 0.01), w, "radam")
    }

    func testSGDMomentumAndNesterov() {
        for nesterov in [false, true] {
            var w: [Double] = [1, -2, 0.5], b = [0.0, 0, 0]
            for (t, g) in gradients.enumerated() {
                for i in 0..<3 {
                    let gi = Double(g[i]) + 0.01 * w[i]
                    b[i] = t == 0 ? gi : 0.9 * b[i] + gi
                    w[i] -= 0.05 * (nesterov ? gi + 0.9 * b[i] : b[i])
                }
            }
            assertClose(run(SGD(parameterCount: 3, momentum: 0.9, nesterov: nesterov, weightDecay: 0.01), lr: 0.05), w, "sgd nesterov=\(nesterov)")
        }
    }

    func testGlobalNormClippingScalesTheWholeGradient() {
        let a = Parameter(name: "a", shape: [2], values: [0, 0]), b = Parameter(name: "b", shape: [1], values: [0])
        let opt = GroupOptimizer(ParameterGroup("leader", [a, b]), optimizer: SGD(parameterCount: 3), schedule: .constant(1), maxGradientNorm: 1)
        // gradient (3, 0, 4): norm 5 → scaled to norm 1 (up to the 1e-6 guard).
        opt.gradient[0] = 3; opt.gradient[1] = 0; opt.gradient[2] = 4
        opt.step()
        XCTAssertEqual(opt.lastGradientNorm, 5, accuracy: 1e-6)
        XCTAssertEqual(a.values[0], -0.6, accuracy: 1e-5)
        XCTAssertEqual(b.values[0], -0.8, accuracy: 1e-5)
        // Below the cap nothing changes.
        opt.gradient[0] = 0.3; opt.gradient[1] = 0; opt.gradient[2] = 0.4
        opt.step()
        XCTAssertEqual(a.values[0], -0.9, accuracy: 1e-5)
    }

    func testPerPlayerGroupsStepIndependently() {
        var rng = SeededGenerator(seed: 1)
        let encoder = Dense(4, 3, name: "encoder", rng: &rng), head = Dense(3, 2, name: "head", rng: &rng)
        let follower = GroupOptimizer(ParameterGroup("follower", encoder.parameters), optimizer: Adam(parameterCount: encoder.parameterCount),
                                      schedule: .constant(1e-2))
        let leader = GroupOptimizer(ParameterGroup("leader", head.parameters), optimizer: SGD(parameterCount: head.parameterCount),
                                    schedule: .linear(initial: 1e-3, final: 0, steps: 10))
        let headBefore = head.weight.values
        let g = Graph()
        let loss = mean(square(head(relu(encoder(g.filled(0.5, shape: [2, 4]))))))
        follower.step(minimizing: loss)
        XCTAssertEqual(head.weight.values, headBefore, "stepping the follower must not move the leader")
        XCTAssertEqual(follower.updates, 1)
        XCTAssertEqual(leader.updates, 0)
        XCTAssertEqual(leader.learningRate, 1e-3)
    }

    func testSchedules() {
        XCTAssertEqual(Schedule.constant(0.1).learningRate(at: 1000), 0.1)
        let lin = Schedule.linear(initial: 1, final: 0.2, steps: 4)
        XCTAssertEqual([0, 1, 2, 4, 10].map { lin.learningRate(at: $0) }, [1, 0.8, 0.6, 0.2, 0.2].map { Float($0) })
        XCTAssertEqual(Schedule.exponential(initial: 1, rate: 0.5, every: 2).learningRate(at: 5), 0.25)
        XCTAssertEqual(Schedule.polynomial(initial: 1, exponent: 1, timescale: 10).learningRate(at: 30), 0.25)
        let vanishing = TwoTimescaleSchedule.vanishingRatio(leader: 1e-3, follower: 1e-2)
        XCTAssertTrue(vanishing.ratioVanishes)
        // ratio = 0.1·(1 + k/1000)^−0.4: 0.1 at k = 0, 0.0025 at k = 10⁷, strictly decreasing.
        let ratios = [0, 1_000, 100_000, 10_000_000].map { vanishing.ratio(at: $0) }
        XCTAssertEqual(ratios[3], 0.1 * Float(pow(10_001.0, -0.4)), accuracy: 1e-6)
        XCTAssertEqual(ratios, ratios.sorted(by: >), "leader/follower ratio must decay toward 0")
        let fixed = TwoTimescaleSchedule.fixedRatioLinear(leader: 1e-3, follower: 1e-2, steps: 100)
        XCTAssertFalse(fixed.ratioVanishes)
        XCTAssertEqual(fixed.ratio(at: 50), 0.1, accuracy: 1e-6)
    }

    func testOptimizerStateRoundTripResumesIdentically() throws {
        for name in ["sgd", "adam", "adamw", "radam"] {
            let gradient: [Float] = [0.3, -0.2, 0.9]
            func fresh() throws -> (GroupOptimizer, Parameter) {
                let p = Parameter(name: "w", shape: [3], values: [1, 2, 3])
                return (GroupOptimizer(ParameterGroup("leader", [p]), optimizer: try makeOptimizer(name, parameterCount: 3, momentum: 0.9),
                                       schedule: .linear(initial: 0.1, final: 0.01, steps: 10)), p)
            }
            func step(_ o: GroupOptimizer, _ k: Int) { for _ in 0..<k { for i in 0..<3 { o.gradient[i] = gradient[i] }; o.step() } }
            let (straight, ps) = try fresh()
            step(straight, 6)
            let (first, pf) = try fresh()
            step(first, 3)
            var state = StateDictionary()
            state.store([pf])
            first.saveState(into: &state)
            let bytes = state.encoded()
            let (second, p2) = try fresh()
            let restored = try StateDictionary(decoding: bytes)
            try restored.restore([p2])
            try second.loadState(from: restored)
            step(second, 3)
            XCTAssertEqual(p2.values.map(\.bitPattern), ps.values.map(\.bitPattern), "\(name): resumed run differs from the uninterrupted one")
        }
        XCTAssertThrowsError(try makeOptimizer("adagrad", parameterCount: 1)) { error in
            XCTAssertTrue("\(error)".contains("sgd, adam, adamw, radam"))
        }
    }
}
