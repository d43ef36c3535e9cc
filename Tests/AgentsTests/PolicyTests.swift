import Agents
import Autodiff
import Foundation
import Seeding
import XCTest

/// The policy and critic networks of Sources/Agents/Networks: log-densities against closed forms
/// computed independently in Double, normalization of the squashed density, gradients against
/// Double finite differences, per-sample shapes, seeding and the action box.
final class PolicyTests: XCTestCase {
    let log2Pi = Foundation.log(2 * Double.pi)

    func doubles(_ t: Tensor) -> [Double] { t.array.map(Double.init) }

    /// A [rows, columns] constant of values in [−1.5, 1.5) from `seed`.
    func observations(_ g: Graph, _ rows: Int, _ columns: Int, seed: UInt64 = 99) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return g.constant((0..<(rows * columns)).map { _ in Float(3 * rng.uniform() - 1.5) }, shape: Shape(rows, columns))
    }

    func assertClose(_ a: [Double], _ b: [Double], tolerance: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "\(what): lengths", file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() where !(Swift.abs(x - y) <= tolerance * (1 + Swift.abs(y))) {
            XCTFail("\(what)[\(i)]: \(x) vs \(y)", file: file, line: line)
        }
    }

    // MARK: Categorical

    func testCategoricalLogProbabilityAndEntropyMatchLogSoftmax() throws {
        var rng = SeededGenerator(seed: 1)
        let policy = try CategoricalPolicy(observationSize: 4, actions: 3, outputGain: 1, rng: &rng)
        let g = Graph()
        let logits = policy.logits(observations(g, 5, 4))
        XCTAssertEqual(logits.shape, Shape(5, 3))
        let actions: [Int32] = [0, 2, 1, 1, 2]
        let logP = policy.logProbability(logits: logits, actions: g.indices(actions, shape: Shape(5)))
        let entropy = policy.entropy(logits: logits)
        XCTAssertEqual(logP.shape, Shape(5)); XCTAssertEqual(entropy.shape, Shape(5))
        let l = doubles(logits)
        var expectedLogP = [Double](), expectedEntropy = [Double]()
        for r in 0..<5 {
            let row = Array(l[(3 * r)..<(3 * r + 3)])
            let lse = Foundation.log(row.map(Foundation.exp).reduce(0, +))
            let logSoftmax = row.map { $0 - lse }
            expectedLogP.append(logSoftmax[Int(actions[r])])
            expectedEntropy.append(-logSoftmax.map { Foundation.exp($0) * $0 }.reduce(0, +))
        }
        assertClose(doubles(logP), expectedLogP, tolerance: 1e-5, "log π")
        assertClose(doubles(entropy), expectedEntropy, tolerance: 1e-5, "entropy")
    }

    func testCategoricalSamplingIsSeededAndFollowsTheProbabilities() throws {
        var rng = SeededGenerator(seed: 2)
        let policy = try CategoricalPolicy(observationSize: 2, actions: 3, rng: &rng)
        let g = Graph()
        let n = 40_000
        let row: [Float] = [0.5, -1, 1.2]
        let logits = g.constant((0..<n).flatMap { _ in row }, shape: Shape(n, 3))
        var first = [Int32](repeating: -1, count: n), second = first
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        first.withUnsafeMutableBufferPointer { policy.sample(logits: logits, using: &a, into: $0.baseAddress!) }
        second.withUnsafeMutableBufferPointer { policy.sample(logits: logits, using: &b, into: $0.baseAddress!) }
        XCTAssertEqual(first, second, "the same seed gives the same actions")
        let z = row.map { Foundation.exp(Double($0)) }.reduce(0, +)
        for j in 0..<3 {
            let frequency = Double(first.filter { $0 == Int32(j) }.count) / Double(n)
            // Binomial standard error ≤ 0.0025; 4 of them.
            XCTAssertEqual(frequency, Foundation.exp(Double(row[j])) / z, accuracy: 0.01, "frequency of action \(j)")
        }
        var greedy = [Int32](repeating: -1, count: n)
        greedy.withUnsafeMutableBufferPointer { policy.deterministicAction(logits: logits, into: $0.baseAddress!) }
        XCTAssertTrue(greedy.allSatisfy { $0 == 2 })
    }

    // MARK: Diagonal Gaussian

    func testDiagonalGaussianLogProbabilityAndEntropyMatchTheFormula() throws {
        var rng = SeededGenerator(seed: 3)
        let policy = try DiagonalGaussianPolicy(observationSize: 4, actionSize: 3, outputGain: 1, rng: &rng)
        policy.logStd.load([-0.7, 0.2, 0.9])
        let g = Graph()
        let d = policy.distribution(observations(g, 5, 4))
        XCTAssertEqual(d.mean.shape, Shape(5, 3))
        let actions = observations(g, 5, 3, seed: 7)
        let logP = d.logProbability(actions), entropy = d.entropy()
        XCTAssertEqual(logP.shape, Shape(5)); XCTAssertEqual(entropy.shape, Shape(5))
        let mu = doubles(d.mean), a = doubles(actions), ls = policy.logStd.values.map(Double.init)
        var expected = [Double]()
        for r in 0..<5 {
            var s = -1.5 * log2Pi
            for i in 0..<3 {
                let z = (a[3 * r + i] - mu[3 * r + i]) / Foundation.exp(ls[i])
                s += -0.5 * z * z - ls[i]
            }
            expected.append(s)
        }
        assertClose(doubles(logP), expected, tolerance: 1e-5, "log π")
        let h = ls.map { $0 + 0.5 * (1 + log2Pi) }.reduce(0, +)
        assertClose(doubles(entropy), Array(repeating: h, count: 5), tolerance: 1e-5, "entropy")
    }

    func testSixDimensionalGaussianIsTheSumOfSixOneDimensionalOnes() throws {
        var rng = SeededGenerator(seed: 4)
        let policy = try DiagonalGaussianPolicy(observationSize: 5, actionSize: 6, outputGain: 1, rng: &rng)
        policy.logStd.load([-1, -0.5, 0, 0.3, 0.7, 1.1])
        let g = Graph()
        let d = policy.distribution(observations(g, 4, 5))
        let actions = observations(g, 4, 6, seed: 11)
        let joint = d.logProbability(actions)
        var total = [Double](repeating: 0, count: 4)
        for i in 0..<6 {
            let one = DiagonalGaussianPolicy.Distribution(mean: slice(d.mean, lastAxis: i, length: 1),
                                                          logStd: slice(d.logStd, lastAxis: i, length: 1))
            let lp = one.logProbability(slice(actions, lastAxis: i, length: 1))
            XCTAssertEqual(lp.shape, Shape(4))
            for (r, v) in doubles(lp).enumerated() { total[r] += v }
        }
        assertClose(doubles(joint), total, tolerance: 1e-5, "6-D vs Σ 1-D")
    }

    /// ∂ log π/∂ log σᵢ = Σ_b (z_bi² − 1), the closed form of the state-independent log σ's gradient.
    func testDiagonalGaussianLogStdGradient() throws {
        var rng = SeededGenerator(seed: 5)
        let policy = try DiagonalGaussianPolicy(observationSize: 3, actionSize: 2, rng: &rng)
        policy.logStd.load([-0.4, 0.6])
        let g = Graph()
        let d = policy.distribution(observations(g, 6, 3))
        let actions = observations(g, 6, 2, seed: 3)
        let grad = doubles(g.gradient(of: sum(d.logProbability(actions)), wrt: g.parameter(policy.logStd)))
        let mu = doubles(d.mean), a = doubles(actions)
        var expected = [0.0, 0.0]
        for r in 0..<6 {
            for i in 0..<2 {
                let z = (a[2 * r + i] - mu[2 * r + i]) / Foundation.exp(Double(policy.logStd.values[i]))
                expected[i] += z * z - 1
            }
        }
        assertClose(grad, expected, tolerance: 1e-4, "∂ log π/∂ log σ")
    }

    // MARK: Squashed Gaussian

    /// Reference in Double of the squashed policy: the network from its parameter values (tanh hidden
    /// layers), the log σ rescaling, and the change of variables written as log(scale·(1 − tanh² u)).
    struct SquashedReference {
        let widths: [Int]          // input, hidden…, 2k
        let low: [Double], high: [Double]
        let logStdMin = -5.0, logStdMax = 2.0

        /// Returns (actions [B·k], log π [B]) for observations [B·inputs] and noise [B·k].
        func evaluate(_ params: [[Double]], observations x: [Double], noise: [Double], rows: Int) -> ([Double], [Double]) {
            let k = low.count
            var actions = [Double](), logP = [Double]()
            for r in 0..<rows {
                var h = Array(x[(r * widths[0])..<((r + 1) * widths[0])])
                for l in 0..<(widths.count - 1) {
                    let w = params[2 * l], b = params[2 * l + 1], n = widths[l + 1]
                    var y = b
                    for j in 0..<n { for i in 0..<widths[l] { y[j] += h[i] * w[i * n + j] } }
                    h = l < widths.count - 2 ? y.map(Foundation.tanh) : y
                }
                var total = 0.0
                for i in 0..<k {
                    let mu = h[i]
                    let logStd = logStdMin + 0.5 * (logStdMax - logStdMin) * (Foundation.tanh(h[k + i]) + 1)
                    let eps = noise[r * k + i]
                    let u = mu + Foundation.exp(logStd) * eps
                    let scale = (high[i] - low[i]) / 2, bias = (high[i] + low[i]) / 2
                    let t = Foundation.tanh(u)
                    actions.append(t * scale + bias)
                    let gaussian = -0.5 * ((u - mu) / Foundation.exp(logStd)) * ((u - mu) / Foundation.exp(logStd))
                        - logStd - 0.5 * Foundation.log(2 * Double.pi)
                    total += gaussian - Foundation.log(scale * (1 - t * t))
                }
                logP.append(total)
            }
            return (actions, logP)
        }
    }

    func makeSquashed(seed: UInt64, observationSize: Int = 3, low: [Float] = [-2, 0.5], high: [Float] = [3, 1.5],
                      hidden: [Int] = [4]) throws -> SquashedGaussianPolicy {
        var rng = SeededGenerator(seed: seed)
        return try SquashedGaussianPolicy(observationSize: observationSize, box: ActionBox(low: low, high: high),
                                          hiddenWidths: hidden, activation: .tanh, outputGain: 1, rng: &rng)
    }

    func testSquashedGaussianMatchesTheChangeOfVariables() throws {
        let policy = try makeSquashed(seed: 6)
        let g = Graph()
        let obs = observations(g, 5, 3)
        let noiseValues: [Float] = [0.3, -1.2, 2.5, 0.0, -0.4, 1.7, -2.8, 0.9, 1.1, -0.1]
        let (action, logP) = policy.sample(obs, noise: g.constant(noiseValues, shape: Shape(5, 2)))
        XCTAssertEqual(action.shape, Shape(5, 2)); XCTAssertEqual(logP.shape, Shape(5))
        let reference = SquashedReference(widths: [3, 4, 4], low: [-2, 0.5], high: [3, 1.5])
        let (refActions, refLogP) = reference.evaluate(policy.parameters.map { $0.values.map(Double.init) },
                                                       observations: doubles(obs), noise: noiseValues.map(Double.init), rows: 5)
        assertClose(doubles(action), refActions, tolerance: 1e-5, "action")
        assertClose(doubles(logP), refLogP, tolerance: 1e-4, "log π")
        // The density at given actions (inverting tanh) agrees with the sample's where the action is
        // not saturated: near the box's edge a Float action keeps too few bits of 1 − |x| to invert.
        let again = policy.logProbability(obs, actions: action)
        XCTAssertEqual(again.shape, Shape(5))
        let x = doubles(action).enumerated().map { i, a in i % 2 == 0 ? (a - 0.5) / 2.5 : (a - 1) / 0.5 }
        let unsaturated = (0..<5).filter { r in Swift.abs(x[2 * r]) < 0.99 && Swift.abs(x[2 * r + 1]) < 0.99 }
        XCTAssertGreaterThanOrEqual(unsaturated.count, 2)
        assertClose(unsaturated.map { doubles(again)[$0] }, unsaturated.map { refLogP[$0] }, tolerance: 1e-3, "log π at given actions")
    }

    /// Far in the tails (|u| ≈ 70, where tanh(u) rounds to ±1 even in Double) log π stays finite and
    /// exact: log(1 − tanh² u) = log 4 − 2|u| − 2 log(1 + e^(−2|u|)), and so do its gradients.
    func testSquashedLogProbabilityIsStableForLargePreTanhValues() throws {
        let policy = try makeSquashed(seed: 14)
        policy.network.layers.last!.bias.load([0, 0, 50, 50])   // log σ → 2 (σ ≈ 7.4)
        let g = Graph()
        let obs = observations(g, 2, 3)
        let noise: [Float] = [10, -10, -9, 9.5]
        let (action, logP) = policy.sample(obs, noise: g.constant(noise, shape: Shape(2, 2)))
        let (mu, logStd) = policy.meanAndLogStd(obs)
        let m = doubles(mu), ls = doubles(logStd), scale = [2.5, 0.5]
        var expected = [0.0, 0.0]
        for r in 0..<2 {
            for i in 0..<2 {
                let e = Double(noise[2 * r + i]), u = Swift.abs(m[2 * r + i] + Foundation.exp(ls[2 * r + i]) * e)
                XCTAssertGreaterThan(u, 50)
                let logJacobian = Foundation.log(4) - 2 * u - 2 * Foundation.log1p(Foundation.exp(-2 * u))
                expected[r] += -0.5 * e * e - ls[2 * r + i] - 0.5 * log2Pi - Foundation.log(scale[i]) - logJacobian
            }
        }
        assertClose(doubles(logP), expected, tolerance: 1e-5, "log π in the tails")
        XCTAssertEqual(action.array, [3, 0.5, -2, 1.5])
        let grads = g.gradients(of: sum(logP), wrt: ParameterGroup("actor", policy.parameters))
        XCTAssertTrue(grads.allSatisfy { $0.array.allSatisfy(\.isFinite) })
    }

    /// ∫ π(a|s) da over the box [−2, 3] is 1 (trapezoid on a fine grid of actions).
    func testSquashedDensityIntegratesToOneOverTheBox() throws {
        let policy = try makeSquashed(seed: 7, observationSize: 2, low: [-2], high: [3], hidden: [3])
        policy.network.layers.last!.bias.load([0.4, 0.3])   // μ ≠ 0 and a log σ ≠ 0 whatever the weights
        let g = Graph()
        let n = 20_001, low = -2.0, high = 3.0, step = (high - low) / Double(n - 1)
        // Interior grid points only: the density tends to 0 at both ends (the Gaussian decays faster
        // than the Jacobian grows), so the trapezoid's end terms are 0.
        let interior = (1..<(n - 1)).map { Float(low + Double($0) * step) }
        let obs = g.constant((0..<interior.count).flatMap { _ in [Float(0.7), Float(-0.2)] }, shape: Shape(interior.count, 2))
        let logP = policy.logProbability(obs, actions: g.constant(interior, shape: Shape(interior.count, 1)))
        XCTAssertEqual(logP.shape, Shape(interior.count))
        let integral = doubles(logP).map(Foundation.exp).reduce(0, +) * step
        XCTAssertEqual(integral, 1, accuracy: 1e-3)
    }

    /// ∂/∂θ [Σ log π + Σ c·a] against central differences of the Double reference.
    func testSquashedGaussianGradientsMatchFiniteDifferences() throws {
        let policy = try makeSquashed(seed: 8)
        let rows = 3
        let noise: [Float] = [0.5, -1.0, 1.5, 0.2, -0.7, 2.0]
        let weights: [Double] = [0.3, -0.8]
        let g = Graph()
        let obs = observations(g, rows, 3)
        let (action, logP) = policy.sample(obs, noise: g.constant(noise, shape: Shape(rows, 2)))
        let c = g.constant(weights.map(Float.init), shape: Shape(2))
        let loss = sum(logP) + sum(action * c)
        let grads = g.gradients(of: loss, wrt: ParameterGroup("actor", policy.parameters)).map(doubles)

        let reference = SquashedReference(widths: [3, 4, 4], low: [-2, 0.5], high: [3, 1.5])
        let x = doubles(obs), e = noise.map(Double.init)
        func referenceLoss(_ p: [[Double]]) -> Double {
            let (a, lp) = reference.evaluate(p, observations: x, noise: e, rows: rows)
            return lp.reduce(0, +) + a.enumerated().map { weights[$0.offset % 2] * $0.element }.reduce(0, +)
        }
        let base = policy.parameters.map { $0.values.map(Double.init) }
        XCTAssertEqual(referenceLoss(base), Double(loss.scalarValue), accuracy: 1e-4 * (1 + Swift.abs(referenceLoss(base))))
        let h = 1e-6
        for (pi, p) in base.enumerated() {
            var fd = [Double]()
            for i in 0..<p.count {
                var plus = base, minus = base
                plus[pi][i] += h; minus[pi][i] -= h
                fd.append((referenceLoss(plus) - referenceLoss(minus)) / (2 * h))
            }
            assertClose(grads[pi], fd, tolerance: 2e-3, "∂L/∂\(policy.parameters[pi].name)")
        }
    }

    func testSquashedSamplingIsSeededAndActionsStayInTheBox() throws {
        let policy = try makeSquashed(seed: 9)
        let g = Graph()
        let obs = observations(g, 64, 3)
        var a = SeededGenerator(seed: 21), b = SeededGenerator(seed: 21), c = SeededGenerator(seed: 21)
        let first = policy.sample(obs, using: &a), second = policy.sample(obs, using: &b)
        XCTAssertEqual(first.action.array, second.action.array)
        XCTAssertEqual(first.logProbability.array, second.logProbability.array)
        // The drawn noise is rng.normal() in row-major order.
        let noise = g.constant((0..<128).map { _ in Float(c.normal()) }, shape: Shape(64, 2))
        XCTAssertEqual(policy.sample(obs, noise: noise).action.array, first.action.array)
        // Saturate the mean: deterministic actions still lie in [low, high].
        policy.network.layers.last!.bias.load([60, -60, 0, 0])
        let deterministic = policy.deterministicAction(obs)
        XCTAssertEqual(deterministic.shape, Shape(64, 2))
        for (i, v) in deterministic.array.enumerated() {
            let (lo, hi): (Float, Float) = i % 2 == 0 ? (-2, 3) : (0.5, 1.5)
            XCTAssertTrue(v >= lo && v <= hi, "deterministic action \(v) outside [\(lo), \(hi)]")
        }
        for (i, v) in first.action.array.enumerated() {
            let (lo, hi): (Float, Float) = i % 2 == 0 ? (-2, 3) : (0.5, 1.5)
            XCTAssertTrue(v >= lo && v <= hi, "sampled action \(v) outside [\(lo), \(hi)]")
        }
    }

    // MARK: Deterministic policy

    func testDeterministicPolicyStaysInTheBoxAndExploresReproducibly() throws {
        var rng = SeededGenerator(seed: 10)
        let box = try ActionBox(low: [-1, 0], high: [1, 4])
        let policy = try DeterministicPolicy(observationSize: 3, box: box, hiddenWidths: [8], outputGain: 1, rng: &rng)
        let g = Graph()
        let obs = observations(g, 50, 3)
        let mu = policy(obs)
        XCTAssertEqual(mu.shape, Shape(50, 2))
        var first = [Float](repeating: 0, count: 100), second = first
        var a = SeededGenerator(seed: 4), b = SeededGenerator(seed: 4)
        first.withUnsafeMutableBufferPointer { policy.explore(mu, noise: 0.5, using: &a, into: $0.baseAddress!) }
        second.withUnsafeMutableBufferPointer { policy.explore(mu, noise: 0.5, using: &b, into: $0.baseAddress!) }
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first, mu.array, "exploration adds noise")
        var c = SeededGenerator(seed: 4)
        let smoothed = policy.smoothedTargetAction(obs, noise: 0.2, noiseClip: 0.5, using: &c)
        XCTAssertEqual(smoothed.shape, Shape(50, 2))
        for values in [mu.array, first, smoothed.array] {
            for (i, v) in values.enumerated() {
                XCTAssertTrue(v >= box.low[i % 2] && v <= box.high[i % 2], "action \(v) outside the box")
            }
        }
        // Smoothing noise is clipped to noiseClip·scale.
        for (i, (s, m)) in zip(smoothed.array, mu.array).enumerated() {
            XCTAssertLessThanOrEqual(Swift.abs(s - m), 0.5 * box.scale[i % 2] + 1e-5)
        }
    }

    // MARK: Critics and shapes

    func testEveryPerSampleTensorIsRankOne() throws {
        var rng = SeededGenerator(seed: 11)
        let batch = 5, obsSize = 4, k = 3
        let g = Graph()
        let obs = observations(g, batch, obsSize), act = observations(g, batch, k, seed: 1)
        let v = try ValueCritic(observationSize: obsSize, rng: &rng)
        let q = try ActionValueCritic(observationSize: obsSize, actionSize: k, hiddenWidths: [16], rng: &rng)
        let twin = try TwinActionValueCritic(observationSize: obsSize, actionSize: k, hiddenWidths: [16], rng: &rng)
        let squashed = try SquashedGaussianPolicy(observationSize: obsSize, box: ActionBox(low: [-1, -1, -1], high: [1, 1, 1]),
                                                  hiddenWidths: [16], rng: &rng)
        let gaussian = try DiagonalGaussianPolicy(observationSize: obsSize, actionSize: k, rng: &rng)
        let categorical = try CategoricalPolicy(observationSize: obsSize, actions: k, rng: &rng)
        let (q1, q2) = twin(obs, act)
        let d = gaussian.distribution(obs)
        let logits = categorical.logits(obs)
        let s = squashed.sample(obs, using: &rng)
        let perSample: [(String, Tensor)] = [
            ("V", v(obs)), ("Q", q(obs, act)), ("Q1", q1), ("Q2", q2), ("min Q", twin.minimum(obs, act)),
            ("gaussian log π", d.logProbability(act)), ("gaussian entropy", d.entropy()),
            ("categorical log π", categorical.logProbability(logits: logits, actions: g.indices([0, 1, 2, 1, 0], shape: Shape(batch)))),
            ("categorical entropy", categorical.entropy(logits: logits)),
            ("squashed log π", s.logProbability), ("squashed log π at actions", squashed.logProbability(obs, actions: s.action)),
        ]
        for (name, t) in perSample { XCTAssertEqual(t.shape, Shape(batch), name) }
        XCTAssertEqual(s.action.shape, Shape(batch, k))
        // A per-sample loss against [B] targets stays [B] (no [B, B] broadcast).
        XCTAssertEqual((v(obs) - g.constant([1, 2, 3, 4, 5], shape: Shape(batch))).shape, Shape(batch))
        let minimum = twin.minimum(obs, act).array
        for i in 0..<batch { XCTAssertEqual(minimum[i], Swift.min(q1.array[i], q2.array[i])) }
    }

    func testCriticParametersAreNamedAndTargetUpdatesWork() throws {
        var rng = SeededGenerator(seed: 12)
        let twin = try TwinActionValueCritic(observationSize: 3, actionSize: 2, hiddenWidths: [8], name: "qf", rng: &rng)
        let target = try TwinActionValueCritic(observationSize: 3, actionSize: 2, hiddenWidths: [8], name: "qf_target", rng: &rng)
        let names = twin.parameters.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "distinct names: \(names)")
        XCTAssertTrue(twin.first.parameters.allSatisfy { $0.name.hasPrefix("qf1.") })
        XCTAssertTrue(twin.second.parameters.allSatisfy { $0.name.hasPrefix("qf2.") })
        XCTAssertEqual(twin.parameters.count, twin.first.parameters.count + twin.second.parameters.count)
        XCTAssertNotEqual(twin.first.parameters[0].values, twin.second.parameters[0].values, "independent initializations")
        XCTAssertEqual(twin.parameterCount, 2 * ((5 * 8 + 8) + (8 + 1)))

        let before = target.parameters.map(\.values)
        target.blend(towards: twin, tau: 0.25)
        for (p, (old, online)) in zip(target.parameters, zip(before, twin.parameters.map(\.values))) {
            for i in 0..<p.count { XCTAssertEqual(p.values[i], 0.25 * online[i] + 0.75 * old[i], accuracy: 1e-6) }
        }
        target.copy(from: twin)
        XCTAssertEqual(target.parameters.map(\.values), twin.parameters.map(\.values))

        let v = try ValueCritic(observationSize: 3, name: "critic", rng: &rng)
        XCTAssertEqual(v.parameters.map(\.name), ["critic.0.weight", "critic.0.bias", "critic.1.weight", "critic.1.bias",
                                                  "critic.2.weight", "critic.2.bias"])
        let gaussian = try DiagonalGaussianPolicy(observationSize: 3, actionSize: 2, name: "pi", rng: &rng)
        XCTAssertEqual(gaussian.parameters.last?.name, "pi.log_std")
    }

    func testInvalidConfigurationsThrowBadConfig() {
        var rng = SeededGenerator(seed: 13)
        func expectBadConfig(_ mentioning: String, _ body: () throws -> Void, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { error in
                guard case AgentError.badConfig(let why) = error else { return XCTFail("\(error) is not badConfig", line: line) }
                XCTAssertTrue(why.contains(mentioning), "'\(why)' does not mention '\(mentioning)'", line: line)
            }
        }
        expectBadConfig("low 1.0 ≥ high -1.0") { _ = try ActionBox(low: [1], high: [-1]) }
        expectBadConfig("not finite") { _ = try ActionBox(low: [-.infinity], high: [1]) }
        expectBadConfig("not finite") { _ = try ActionBox(low: [0], high: [.nan]) }
        expectBadConfig("low has 2 bounds") { _ = try ActionBox(low: [0, 0], high: [1]) }
        expectBadConfig("empty") { _ = try ActionBox(low: [], high: []) }
        expectBadConfig("Box") { _ = try ActionBox(.discrete(3)) }
        expectBadConfig("input size") { _ = try CategoricalPolicy(observationSize: 0, actions: 2, rng: &rng) }
        expectBadConfig("at least one action") { _ = try CategoricalPolicy(observationSize: 2, actions: 0, rng: &rng) }
        expectBadConfig("hidden widths") { _ = try ValueCritic(observationSize: 2, hiddenWidths: [8, 0], rng: &rng) }
        expectBadConfig("action size") { _ = try DiagonalGaussianPolicy(observationSize: 2, actionSize: 0, rng: &rng) }
        expectBadConfig("initialLogStd") {
            _ = try DiagonalGaussianPolicy(observationSize: 2, actionSize: 1, initialLogStd: .nan, rng: &rng)
        }
        expectBadConfig("log σ range") {
            _ = try SquashedGaussianPolicy(observationSize: 2, box: ActionBox(low: [0], high: [1]), logStdMin: 2, logStdMax: -5, rng: &rng)
        }
        expectBadConfig("sizes must be positive") { _ = try ActionValueCritic(observationSize: 2, actionSize: 0, rng: &rng) }
        XCTAssertNoThrow(try ActionBox(.box(low: [-2], high: [3])))
    }
}
