@testable import Agents
import Autodiff
import Environments
import Seeding
import Training
import XCTest

/// SPRIG (arXiv 2502.14264): the perception module, its attention costs, the two stages, exact
/// resume and the refusals.
final class SprigTests: XCTestCase {
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    /// A small SPRIG agent on MinAtar Breakout with two stacked frames.
    func agent(_ options: SprigOptions = SprigOptions(), rollout: Int = 8, seed: UInt64 = 2,
               configure: (inout PPOConfig) -> Void = { _ in }) throws -> PPOAgent {
        var c = PPOConfig()
        c.coupling = SprigSpec(options)
        c.network = .attention
        c.perception.dimension = 8
        c.perception.heads = 2
        c.perception.features = 16
        c.rolloutLength = rollout
        c.minibatches = 2
        configure(&c)
        let env = try EnvironmentRegistry.make("minatar/breakout", count: 4, overrides: EnvironmentOverrides(frameStack: 2))
        env.reset(seed: seed)
        return try PPOAgent(config: c, environment: env, seed: seed)
    }

    private func norm(_ g: UnsafePointer<Float>, _ n: Int) -> Double {
        (0..<n).reduce(0.0) { $0 + Double(g[$1]) * Double(g[$1]) }.squareRoot()
    }

    /// Each attention cost is in [0, 1] and has a non-zero gradient in θ; the paper's literal cost,
    /// the L1 norm of the softmax rows, is the same for every θ (its gradient is rounding).
    func testEachAttentionCostHasAGradient() throws {
        let a = try agent()
        try a.collectRollout()
        a.minibatch = 0
        a.gather()
        let perception = a.perception!
        XCTAssertEqual(perception.frames, 2)
        let group = ParameterGroup("perception", perception.parameters)
        let g = UnsafeMutablePointer<Float>.allocate(capacity: group.count)
        defer { g.deallocate() }
        var norms = [AttentionCost: Double]()
        for cost in AttentionCost.allCases {
            a.graph.reset()
            let c = a.attentionCost(cost)
            XCTAssert((0...1).contains(c.scalarValue), "\(cost) = \(c.scalarValue)")
            a.graph.gradient(of: c, wrt: group, into: g)
            norms[cost] = norm(g, group.count)
            XCTAssertGreaterThan(norms[cost]!, 1e-4, "\(cost)")
        }
        // entropy + focus = 1, so their gradients are opposite.
        XCTAssertEqual(norms[.entropy]!, norms[.focus]!, accuracy: 1e-4 * norms[.entropy]!)
        a.graph.reset()
        let x = a.graph.constant(borrowing: a.batchObservations, shape: Shape(16, 10, 10, 8))
        let literal = mean(sum(perception(x).spatial[0].weights, axis: -1))
        XCTAssertEqual(literal.scalarValue, 1, accuracy: 1e-5)
        a.graph.gradient(of: literal, wrt: group, into: g)
        XCTAssertLessThan(norm(g, group.count), 1e-4 * norms[.entropy]!)
    }

    /// With α_coop = 1 and λ_c = 0 the leader has nothing to ascend and θ stays; the follower then
    /// moves φ alone, or θ too when it reaches the perception module.
    func testEachStageMovesItsPlayer() throws {
        for reaches in [false, true] {
            var o = SprigOptions()
            o.cooperation = 1
            o.costWeight = 0
            o.followerReachesPerception = reaches
            let a = try agent(o)
            let sprig = a.coupling as! Sprig
            let thetaCount = a.perception!.parameters.reduce(0) { $0 + $1.count }
            XCTAssertEqual(sprig.leader.group.count, thetaCount)
            XCTAssertEqual(sprig.follower.group.count, (a.actorParameters + a.critic.parameters).reduce(0) { $0 + $1.count } + (reaches ? thetaCount : 0))
            func snapshot(_ ps: [Parameter]) -> [Float] { ps.flatMap { Array(UnsafeBufferPointer(start: $0.value, count: $0.count)) } }
            let theta0 = snapshot(a.perception!.parameters), phi0 = snapshot(a.actorParameters + a.critic.parameters)
            try a.collectRollout()
            a.minibatch = 0
            a.gather()
            try sprig.update(a, context: UpdateContext(update: 0, environmentStep: 0), metrics: a.metrics)
            XCTAssertEqual(a.metrics.windowMean(at: a.metrics.names.firstIndex(of: "leader_utility")!), 0)
            XCTAssertNotEqual(snapshot(a.actorParameters + a.critic.parameters), phi0)
            if reaches { XCTAssertNotEqual(snapshot(a.perception!.parameters), theta0) }
            else { XCTAssertEqual(snapshot(a.perception!.parameters), theta0, "the leader stood still and the follower cannot move θ") }
        }
    }

    /// The paper's u_policy = mean log π·Â and the clipped surrogate have one gradient in θ where
    /// the policy is the rollout's (r = 1, a minibatch's first visit); once the leader has moved the
    /// policy past the clip on every row, the surrogate's gradient is zero and the paper's is not.
    func testTheLeaderPolicyTermsAgreeAtTheRolloutsPolicy() throws {
        let a = try agent()
        try a.collectRollout()
        a.minibatch = 0
        a.gather()
        let group = ParameterGroup("perception", a.perception!.parameters)
        let n = group.count
        let gLog = UnsafeMutablePointer<Float>.allocate(capacity: n), gClip = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { gLog.deallocate(); gClip.deallocate() }
        func gradients() {
            a.graph.reset()
            a.graph.gradient(of: a.policyUtility(.logProbability), wrt: group, into: gLog)
            a.graph.reset()
            a.graph.gradient(of: a.policyUtility(.clippedSurrogate), wrt: group, into: gClip)
        }
        gradients()
        let scale = norm(gLog, n)
        XCTAssertGreaterThan(scale, 1e-6)
        var gap = 0.0
        for i in 0..<n { gap = Swift.max(gap, Double(abs(gLog[i] - gClip[i]))) }
        XCTAssertLessThan(gap, 1e-4 * scale, "at r = 1 the surrogate's gradient is the paper's")
        // Ascend the paper's term alone with large steps until every ratio is outside the clip in
        // its advantage's direction.
        var options = SprigOptions()
        options.cooperation = 0
        options.leaderPolicyTerm = .logProbability
        options.leaderLearningRate = 0.05
        options.followerLearningRate = 1e-12
        let b = try agent(options)
        try b.collectRollout()
        let sprig = b.coupling as! Sprig
        for _ in 0..<40 {
            b.minibatch = 0
            b.gather()
            try sprig.update(b, context: UpdateContext(update: 0, environmentStep: 0), metrics: b.metrics)
        }
        b.minibatch = 0
        b.gather()
        let bGroup = ParameterGroup("perception", b.perception!.parameters)
        b.graph.reset()
        let clipped = b.policyUtility(.clippedSurrogate)
        b.graph.gradient(of: clipped, wrt: bGroup, into: gClip)
        b.graph.reset()
        b.graph.gradient(of: b.policyUtility(.logProbability), wrt: bGroup, into: gLog)
        XCTAssertGreaterThan(norm(gLog, n), 1e-6, "the paper's term keeps pushing")
        XCTAssertLessThan(norm(gClip, n), 1e-3 * norm(gLog, n), "the surrogate stops at the clip")
    }

    /// The leader's terms are what the paper writes: (1 − α_coop)·mean(log π·Â) and
    /// α_coop·(−λ_c·C_θ), and their cosine with PPO's gradient is a cosine.
    func testTheLeaderUtilityHasThePapersParts() throws {
        var o = SprigOptions()
        o.cooperation = 0.25
        o.costWeight = 0.5
        let a = try agent(o)
        try a.collectRollout()
        a.minibatch = 0
        a.gather()
        a.graph.reset()
        let policy = a.policyUtility(o.leaderPolicyTerm).scalarValue, cost = a.attentionCost(.gateL1).scalarValue
        try a.coupling.update(a, context: UpdateContext(update: 0, environmentStep: 0), metrics: a.metrics)
        func metric(_ n: String) -> Float { a.metrics.windowMean(at: a.metrics.names.firstIndex(of: n)!) }
        XCTAssertEqual(metric("leader_policy_term"), 0.75 * policy, accuracy: 1e-6)
        XCTAssertEqual(metric("leader_cost_term"), -0.25 * 0.5 * cost, accuracy: 1e-6)
        XCTAssertEqual(metric("leader_utility"), 0.75 * policy - 0.125 * cost, accuracy: 1e-6)
        XCTAssertEqual(metric("attention_cost"), cost, accuracy: 1e-6)
        let cosine = metric("leader_gradient_cosine")
        XCTAssert(cosine.isFinite && abs(cosine) <= 1, "\(cosine)")
    }

    /// `leader_gradient_cosine` is cos(∇_θ(−u_L), ∇_θ L_PPO). With α_coop = 0, the clipped surrogate as the
    /// leader's term and PPO's loss reduced to that surrogate (no value or entropy term), the two losses are
    /// one: the cosine is 1. A sign error (−1), or a cosine against another gradient, fails here. With
    /// PPO's value term back the two differ (the value head also reads f_θ), and so does the cosine.
    func testTheLeaderGradientCosineIsOneWhereTheTwoLossesAgree() throws {
        func loggedCosine(valueCoefficient: Float, entropyCoefficient: Float) throws -> Float {
            var o = SprigOptions()
            o.cooperation = 0
            o.leaderPolicyTerm = .clippedSurrogate
            let a = try agent(o) { $0.valueCoefficient = valueCoefficient; $0.entropyCoefficient = entropyCoefficient }
            try a.collectRollout()
            a.minibatch = 0
            a.gather()
            try a.coupling.update(a, context: UpdateContext(update: 0, environmentStep: 0), metrics: a.metrics)
            return a.metrics.windowMean(at: a.metrics.names.firstIndex(of: "leader_gradient_cosine")!)
        }
        XCTAssertEqual(try loggedCosine(valueCoefficient: 0, entropyCoefficient: 0), 1, accuracy: 1e-5)
        let withValue = try loggedCosine(valueCoefficient: 0.5, entropyCoefficient: 0.01)
        XCTAssert(withValue.isFinite && withValue < 0.999, "\(withValue)")
    }

    /// Each head's logged attention entropy is H/log T averaged over its rows: in (0, 1], and near 1 for
    /// the freshly initialized module, whose scores are small (Xavier weights, positions N(0, 0.02²)).
    func testTheAttentionEntropiesAreNormalizedPerHead() throws {
        let a = try agent()
        _ = try a.iterate()
        let names = a.metrics.names.filter { $0.hasPrefix("spatial_entropy_h") || $0.hasPrefix("temporal_entropy_h") }
        XCTAssertEqual(names, ["spatial_entropy_h0", "spatial_entropy_h1", "temporal_entropy_h0", "temporal_entropy_h1"])
        for n in names {
            let h = a.metrics.windowMean(at: a.metrics.names.firstIndex(of: n)!)
            XCTAssert(h > 0.8 && h <= 1 + 1e-6, "\(n) = \(h)")
        }
    }

    /// `gate_mean` is logged under every coupling whose module has cell gates (the module trained end to end
    /// included, which has no attention cost), and under SPRIG's `gate_l1` it is the cost C_θ itself: with one
    /// update per rollout both read the same pass of the module.
    func testTheMeanGateIsLoggedUnderEveryCouplingAndIsTheGateCost() throws {
        func logged(_ a: PPOAgent, _ n: String) -> Float? { a.metrics.names.firstIndex(of: n).map { a.metrics.windowMean(at: $0) } }
        let oneUpdate: (inout PPOConfig) -> Void = { $0.epochs = 1; $0.minibatches = 1 }
        let sprig = try agent(configure: oneUpdate)
        _ = try sprig.iterate()
        let gate = try XCTUnwrap(logged(sprig, "gate_mean"))
        XCTAssert(gate > 0.05 && gate < 0.95, "\(gate)")
        XCTAssertEqual(gate, try XCTUnwrap(logged(sprig, "attention_cost")), accuracy: 1e-6)
        let endToEnd = try agent { oneUpdate(&$0); $0.coupling = MonolithicSpec() }
        _ = try endToEnd.iterate()
        XCTAssertNil(logged(endToEnd, "attention_cost"))
        let g = try XCTUnwrap(logged(endToEnd, "gate_mean"))
        XCTAssert(g > 0.05 && g < 0.95, "\(g)")
        // Without gates there is nothing to log.
        var noGate = SprigOptions()
        noGate.attentionCost = .entropy
        let ungated = try agent(noGate) { oneUpdate(&$0); $0.perception.cellGate = false }
        _ = try ungated.iterate()
        XCTAssertNil(logged(ungated, "gate_mean"))
    }

    /// The module on Atari's pixels (84×84, four frames of one channel): the Nature CNN's first two
    /// layers leave a 9×9 grid, each frame's 81 cells attend among themselves, the frames among 4; and
    /// the weights `train`'s memory check counts before building anything are the module's own, with
    /// and without stacked frames, on pixels and on MinAtar's grid.
    func testThePixelModuleHasAtarisShapesAndItsCountedWeights() throws {
        var atari = AttentionPerception.Settings()
        atari.dimension = 32   // the Atari preset's
        atari.heads = 2
        var minatar = atari
        minatar.dimension = 16
        minatar.features = 128
        for (side, channels, frames, s) in [(84, 1, 4, atari), (84, 1, 1, atari), (10, 4, 2, minatar), (10, 4, 1, minatar)] {
            var rng = SeededGenerator(seed: 0)
            let m = try AttentionPerception(height: side, width: side, stackedChannels: frames * channels, frames: frames, settings: s, rng: &rng)
            let counted = AttentionPerception.parameterCount(height: side, width: side, stackedChannels: frames * channels, frames: frames, settings: s)
            XCTAssertEqual(counted.frameSummary + counted.features + counted.rest, Double(m.parameters.reduce(0) { $0 + $1.count }),
                           "\(side)×\(side), \(frames) frames")
            let p = side == 84 ? 81 : 64
            XCTAssertEqual(m.cells, p)
            let graph = Graph()
            let x = [Float](repeating: side == 84 ? 128 : 1, count: 2 * side * side * frames * channels)
            let out = m(graph.constant(x, shape: Shape(2, side, side, frames * channels)))
            XCTAssertEqual(out.features.shape, Shape(2, s.features))
            XCTAssertEqual(out.spatial.map(\.weights.shape), [Shape(2 * frames * 2, p, p)])
            XCTAssertEqual(out.gates?.shape, Shape(2 * frames, p))
            XCTAssertEqual(out.temporal.map(\.weights.shape), frames > 1 ? [Shape(2 * 2, frames, frames)] : [])
        }
        var rng = SeededGenerator(seed: 0)
        let m = try AttentionPerception(height: 84, width: 84, stackedChannels: 4, frames: 4, settings: atari, rng: &rng)
        XCTAssertEqual(m.grid.height, 9)
        XCTAssertEqual(m.grid.width, 9)
    }

    /// The module's depth (`perception.spatial_blocks`, `perception.temporal_blocks`): each block
    /// records its attention, its weights are counted and named apart (block 0 keeps the names of the
    /// one-block module, so its checkpoints load), the weights of the one-block module are drawn as
    /// before whatever the depth adds after them, and with no temporal block none is built.
    func testTheModulesDepthIsASetting() throws {
        var base = AttentionPerception.Settings()
        base.dimension = 8
        base.heads = 2
        base.features = 16
        func module(_ spatial: Int, _ temporal: Int, frames: Int = 2) throws -> AttentionPerception {
            var s = base
            s.spatialBlocks = spatial
            s.temporalBlocks = temporal
            var rng = SeededGenerator(seed: 3)
            let m = try AttentionPerception(height: 10, width: 10, stackedChannels: 4 * frames, frames: frames, settings: s, rng: &rng)
            let counted = AttentionPerception.parameterCount(height: 10, width: 10, stackedChannels: 4 * frames, frames: frames, settings: s)
            XCTAssertEqual(counted.frameSummary + counted.features + counted.rest, Double(m.parameters.reduce(0) { $0 + $1.count }),
                           "\(spatial) spatial, \(temporal) temporal blocks, \(frames) frames")
            XCTAssertEqual(Set(m.parameters.map(\.name)).count, m.parameters.count, "parameter names are unique")
            return m
        }
        func values(_ m: AttentionPerception) -> [String: [Float]] {
            Dictionary(uniqueKeysWithValues: m.parameters.map { ($0.name, Array(UnsafeBufferPointer(start: $0.value, count: $0.count))) })
        }
        let one = try module(1, 1), deep = try module(3, 2), flat = try module(1, 0), single = try module(2, 2, frames: 1)
        let oneNames = Set(one.parameters.map(\.name)), deepNames = Set(deep.parameters.map(\.name))
        XCTAssert(oneNames.isSubset(of: deepNames), "block 0 keeps its names")
        XCTAssert(deepNames.contains { $0.hasPrefix("perception.spatial2.") }, "\(deepNames.sorted())")
        XCTAssert(deepNames.contains { $0.hasPrefix("perception.temporal_norm1") }, "\(deepNames.sorted())")
        XCTAssertFalse(flat.parameters.contains { $0.name.hasPrefix("perception.temporal") })
        XCTAssertFalse(single.parameters.contains { $0.name.hasPrefix("perception.temporal") })
        // Same seed: the stem, the tokens and spatial block 0 are drawn first at any depth; without a
        // temporal block every weight the module has is the one-block module's.
        let v1 = values(one), vDeep = values(deep), vFlat = values(flat)
        for (name, v) in vFlat { XCTAssertEqual(v, v1[name], name) }
        for name in oneNames where name.hasPrefix("perception.stem") || name.hasPrefix("perception.tokens") || name.hasPrefix("perception.spatial") {
            XCTAssertEqual(vDeep[name], v1[name], name)
        }
        let graph = Graph()
        let x = graph.constant([Float](repeating: 1, count: 2 * 100 * 8), shape: Shape(2, 10, 10, 8))
        let out = deep(x)
        XCTAssertEqual(out.spatial.map(\.weights.shape), Array(repeating: Shape(2 * 2 * 2, 64, 64), count: 3))
        XCTAssertEqual(out.temporal.map(\.weights.shape), Array(repeating: Shape(2 * 2, 2, 2), count: 2))
        XCTAssertEqual(flat(x).temporal.count, 0)
        var bad = base
        bad.spatialBlocks = 0
        var rng = SeededGenerator(seed: 0)
        XCTAssertThrowsError(try AttentionPerception(height: 10, width: 10, stackedChannels: 8, frames: 2, settings: bad, rng: &rng)) {
            XCTAssert("\($0)".contains("perception.spatial_blocks"), "\($0)")
        }
    }

    /// The stem is a setting (`perception.stem`): `auto` is the Nature CNN's first two convolutions on pixels
    /// (the same module as `nature2`, weight for weight) and MinAtar's on grids; `nature3` leaves 7×7 cells
    /// of 36 pixels on 84×84; each stem's weights are counted as built; a stem that leaves no cell of
    /// the frame is refused, naming the setting.
    func testTheStemIsASetting() throws {
        func module(_ stem: AttentionPerception.Stem, side: Int, channels: Int = 1) throws -> AttentionPerception {
            var s = AttentionPerception.Settings()
            s.dimension = 8
            s.features = 16
            s.stem = stem
            var rng = SeededGenerator(seed: 5)
            let m = try AttentionPerception(height: side, width: side, stackedChannels: 2 * channels, frames: 2, settings: s, rng: &rng)
            let counted = AttentionPerception.parameterCount(height: side, width: side, stackedChannels: 2 * channels, frames: 2, settings: s)
            XCTAssertEqual(counted.frameSummary + counted.features + counted.rest, Double(m.parameters.reduce(0) { $0 + $1.count }), "\(stem) on \(side)")
            XCTAssertEqual(AttentionPerception.cellCount(height: side, width: side, stem: stem), m.cells, "\(stem) on \(side)")
            return m
        }
        let auto = try module(.auto, side: 84), two = try module(.nature2, side: 84), three = try module(.nature3, side: 84)
        XCTAssertEqual(auto.parameters.map(\.name), two.parameters.map(\.name))
        XCTAssertEqual(auto.parameters.map(\.values), two.parameters.map(\.values))
        XCTAssertEqual(two.cells, 81)
        XCTAssertEqual(three.cells, 49)
        XCTAssertEqual(three.grid.height, 7)
        XCTAssertEqual(AttentionPerception.receptiveField(two.stemLayers).size, 20)
        XCTAssertEqual(AttentionPerception.receptiveField(three.stemLayers).size, 36)
        XCTAssertEqual(AttentionPerception.receptiveField(three.stemLayers).stride, 8)
        XCTAssertEqual(try module(.auto, side: 10, channels: 4).cells, 64)
        XCTAssertEqual(try module(.minatar, side: 20).cells, 18 * 18)
        let graph = Graph()
        let out = three(graph.constant([Float](repeating: 100, count: 84 * 84 * 2), shape: Shape(1, 84, 84, 2)))
        XCTAssertEqual(out.spatial.map(\.weights.shape), [Shape(2 * 2, 49, 49)])
        XCTAssertEqual(out.gates?.shape, Shape(2, 49))
        // The figures' titles say what a cell sees (the two default stems' words as before the setting).
        XCTAssertEqual(AttentionMaps.fieldText(two.stemLayers), "stem cell (i, j) sees the 20×20-pixel square from pixel (8i, 8j) (8×8 stride 4, then 4×4 stride 2)")
        XCTAssertEqual(AttentionMaps.fieldText(three.stemLayers), "stem cell (i, j) sees the 36×36-pixel square from pixel (8i, 8j) (8×8 stride 4, then 4×4 stride 2, then 3×3 stride 1)")
        XCTAssertEqual(AttentionMaps.fieldText(try module(.auto, side: 10, channels: 4).stemLayers), "stem cell (i, j) sees frame rows i…i+2, columns j…j+2 (3×3 convolution)")
        XCTAssertThrowsError(try module(.nature3, side: 10, channels: 4)) {
            XCTAssert("\($0)".contains("perception.stem = nature3 leaves no cell of a 10×10 frame"), "\($0)")
        }
    }

    /// In a deeper module the agent logs every block's heads (`spatial_entropy_b<j>_h<k>`) beside each level's
    /// mean over its blocks (`spatial_entropy_h<k>`), each near 1 at initialization, and the entropy cost
    /// reaches the weights of every block.
    func testADeeperModulesBlocksAreLoggedAndCosted() throws {
        let a = try agent { $0.perception.spatialBlocks = 2; $0.perception.temporalBlocks = 2 }
        _ = try a.iterate()
        let names = a.metrics.names.filter { $0.contains("_entropy_") }
        XCTAssertEqual(names, ["spatial_entropy_h0", "spatial_entropy_h1",
                               "spatial_entropy_b0_h0", "spatial_entropy_b0_h1", "spatial_entropy_b1_h0", "spatial_entropy_b1_h1",
                               "temporal_entropy_h0", "temporal_entropy_h1",
                               "temporal_entropy_b0_h0", "temporal_entropy_b0_h1", "temporal_entropy_b1_h0", "temporal_entropy_b1_h1"])
        func logged(_ n: String) -> Float { a.metrics.windowMean(at: a.metrics.names.firstIndex(of: n)!) }
        for n in names { XCTAssert(logged(n) > 0.8 && logged(n) <= 1 + 1e-6, "\(n) = \(logged(n))") }
        // The level's column is the mean of its blocks' (logs of different depths compare on it).
        for level in ["spatial", "temporal"] {
            for k in 0..<2 {
                XCTAssertEqual(logged("\(level)_entropy_h\(k)"), (logged("\(level)_entropy_b0_h\(k)") + logged("\(level)_entropy_b1_h\(k)")) / 2, accuracy: 1e-6)
            }
        }
        try a.collectRollout()
        a.minibatch = 0
        a.gather()
        let perception = a.perception!
        for prefix in ["perception.spatial1.", "perception.temporal1."] {
            let block = perception.parameters.filter { $0.name.hasPrefix(prefix) }
            XCTAssertFalse(block.isEmpty, prefix)
            let group = ParameterGroup(prefix, block)
            let g = UnsafeMutablePointer<Float>.allocate(capacity: group.count)
            defer { g.deallocate() }
            a.graph.reset()
            a.graph.gradient(of: a.attentionCost(.entropy), wrt: group, into: g)
            XCTAssertGreaterThan(norm(g, group.count), 1e-6, prefix)
        }
    }

    /// Raising λ_c lowers the attention cost in training, for each cost.
    func testRaisingTheCostWeightLowersTheCost() throws {
        for cost in AttentionCost.allCases {
            func trainedCost(_ lambda: Float) throws -> Float {
                var o = SprigOptions()
                o.attentionCost = cost
                o.costWeight = lambda
                o.leaderLearningRate = 3e-3
                o.followerLearningRate = 3e-3
                let a = try agent(o, rollout: 16, seed: 5)
                let slot = a.metrics.names.firstIndex(of: "attention_cost")!
                for _ in 0..<12 { a.metrics.resetWindow(); _ = try a.iterate() }
                return a.metrics.windowMean(at: slot)
            }
            let free = try trainedCost(0), pushed = try trainedCost(1)
            XCTAssertLessThan(pushed, free - 0.02, "\(cost): λ_c = 1 gives \(pushed), λ_c = 0 gives \(free)")
        }
    }

    /// SPRIG and PPO on the same perception module, interrupted and resumed, write the logs of an
    /// uninterrupted run (the attention entropies included).
    func testSprigAndAttentionPPOResumeExactly() throws {
        for coupling in ["sprig", "monolithic"] {
            func settings() throws -> Settings {
                var g = Settings()
                for (k, v) in [("algo", "ppo"), ("coupling", coupling), ("env", "minatar/breakout"), ("network.layout", "attention")] { g[k] = .string(v) }
                for (k, v) in [("total_steps", 256.0), ("num_envs", 2), ("rollout_length", 32), ("epochs", 2), ("minibatches", 2),
                               ("perception.dim", 8), ("perception.heads", 2), ("perception.features", 16), ("env_frame_stack", 2),
                               ("eval_interval", 128), ("eval_episodes", 1), ("eval_max_episode_steps", 50),
                               ("checkpoint_interval", 1_000), ("log_interval", 64)] { g[k] = .number(v) }
                g["tensorboard"] = .bool(false)
                return try AlgorithmRegistry.resolve(g)
            }
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("sprig-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            try TrainingRun(settings: try settings(), seed: 3, directory: root + "/whole", header: []).run(resume: false)
            XCTAssertThrowsError(try TrainingRun(settings: try settings(), seed: 3, directory: root + "/split", header: [], stopAfterSteps: 128).run(resume: false))
            // As an older build killed between unlinking the checkpoint and renaming its replacement
            // left it: a complete `.tmp` alone is recovered; a truncated one is not taken.
            let fm = FileManager.default, checkpoint = root + "/split/checkpoint.state"
            try fm.moveItem(atPath: checkpoint, toPath: checkpoint + ".tmp")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint + ".tmp"))
            try bytes.prefix(bytes.count - 9).write(to: URL(fileURLWithPath: checkpoint + ".tmp"))
            XCTAssertThrowsError(try TrainingRun(settings: try settings(), seed: 3, directory: root + "/split", header: []).run(resume: true)) {
                guard case TrainingError.nothingToResume = $0 else { return XCTFail("\($0)") }
            }
            try bytes.write(to: URL(fileURLWithPath: checkpoint + ".tmp"))
            try TrainingRun(settings: try settings(), seed: 3, directory: root + "/split", header: []).run(resume: true)
            // A stop inside an evaluation (the one at step 128) leaves it pending; the resumed run
            // makes it first.
            XCTAssertThrowsError(try TrainingRun(settings: try settings(), seed: 3, directory: root + "/in-eval", header: [], stopInEvaluation: 0).run(resume: false)) {
                guard case TrainingError.interrupted = $0 else { return XCTFail("\($0)") }
            }
            try TrainingRun(settings: try settings(), seed: 3, directory: root + "/in-eval", header: []).run(resume: true)
            for log in ["episodes.csv", "updates.csv", "eval.csv"] {
                let whole = try String(contentsOfFile: "\(root)/whole/\(log)", encoding: .utf8)
                XCTAssertEqual(whole, try String(contentsOfFile: "\(root)/split/\(log)", encoding: .utf8), "\(coupling) \(log)")
                XCTAssertEqual(whole, try String(contentsOfFile: "\(root)/in-eval/\(log)", encoding: .utf8), "\(coupling) \(log), stopped in an evaluation")
            }
            let header = try String(contentsOfFile: "\(root)/whole/updates.csv", encoding: .utf8).split(separator: "\n")[0]
            XCTAssertTrue(header.contains("spatial_entropy_h1") && header.contains("temporal_entropy_h0"), "\(header)")
            // The attention maps of the trained run: each frame's received attention sums to 1.
            let maps = try AttentionMaps.capture(runDirectory: root + "/whole", steps: 12, captures: 3, seed: 1)
            XCTAssertEqual(maps.captures.map(\.step), [3, 6, 9])
            // The play behind the maps: every greedy step is one counted action.
            XCTAssertEqual(maps.play.steps, 12)
            XCTAssertEqual(maps.play.actionCounts.reduce(0, +), 12)
            XCTAssertTrue(maps.play.summary.hasPrefix("12 greedy steps: reward "), maps.play.summary)
            // Actions by MinAtar's names, each of the six listed.
            XCTAssertEqual(maps.play.actionNames, ["noop", "left", "up", "right", "down", "fire"])
            XCTAssertTrue(["noop: ", "left: ", "fire: "].allSatisfy(maps.play.summary.contains), maps.play.summary)
            // Where the maps come from, for their titles: the run's coupling and seed, and the steps its checkpoint trained.
            XCTAssertEqual(maps.provenance.coupling, coupling)
            XCTAssertEqual(maps.provenance.runSeed, 3)
            XCTAssertEqual(maps.provenance.trainedSteps, 256)
            XCTAssertEqual(maps.provenance.playSeed, 1)
            XCTAssertEqual(maps.provenance.playSteps, 12)
            for c in maps.captures {
                for f in 0..<2 { XCTAssertEqual(c.snapshot.received(frame: f).reduce(0, +), 1, accuracy: 1e-4) }
                XCTAssertEqual(c.snapshot.temporalMean!.count, 4)
                let figure = AttentionMaps.figure(c, shape: maps.shape, environment: maps.environment, provenance: maps.provenance)
                XCTAssertEqual(figure.name, "attention_play_step\(c.step)")
                XCTAssertEqual(figure.body.components(separatedBy: "matrix with image").count - 1, 2 * 3 + 1)
                XCTAssertTrue(figure.body.contains("checkpoint after 256 env steps of training"), figure.body)
                XCTAssertTrue(figure.body.contains(coupling == "sprig" ? "SPRIG" : "monolithic attention PPO"), figure.body)
                XCTAssertTrue(figure.body.contains("play step \(c.step) of 12"), figure.body)
                // The data file keeps what the whole play did, which the command prints only once, last.
                XCTAssertTrue(figure.data.text.contains("# The whole greedy play: \(maps.play.summary)\n"), figure.data.text)
            }
            // A run written before a setting existed (here env_episodic_life, added later) ran at its
            // default: its maps are drawn, not refused for the missing key.
            let config = "\(root)/whole/config.toml"
            let lines = try String(contentsOfFile: config, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            try lines.filter { !$0.hasPrefix("env_episodic_life") }.joined(separator: "\n").write(toFile: config, atomically: true, encoding: .utf8)
            XCTAssertEqual(try AttentionMaps.capture(runDirectory: root + "/whole", steps: 6, captures: 1, seed: 1).captures.count, 1)
        }
    }

    /// A run without the attention module has no maps, and the command says which runs do.
    func testAttentionMapsNeedAnAttentionRun() throws {
        var g = Settings()
        for (k, v) in [("algo", "ppo"), ("coupling", "monolithic"), ("env", "minatar/breakout")] { g[k] = .string(v) }
        for (k, v) in [("total_steps", 64.0), ("num_envs", 2), ("rollout_length", 32), ("epochs", 1), ("minibatches", 2),
                       ("eval_interval", 1_000), ("eval_episodes", 1), ("eval_max_episode_steps", 20)] { g[k] = .number(v) }
        g["tensorboard"] = .bool(false)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sprig-maps-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(settings: try AlgorithmRegistry.resolve(g), seed: 0, directory: root, header: []).run(resume: false)
        XCTAssertThrowsError(try AttentionMaps.capture(runDirectory: root, steps: 10, captures: 2, seed: 0)) {
            XCTAssertTrue("\($0)".contains("has no attention perception module"), "\($0)")
        }
        // Without its checkpoint too, what it lacks first is the module (a checkpoint would not help).
        try FileManager.default.removeItem(atPath: root + "/checkpoint.state")
        XCTAssertThrowsError(try AttentionMaps.capture(runDirectory: root, steps: 10, captures: 2, seed: 0)) {
            XCTAssertTrue("\($0)".contains("has no attention perception module"), "\($0)")
        }
        XCTAssertThrowsError(try AttentionMaps.capture(runDirectory: root + "/nothing", steps: 10, captures: 2, seed: 0)) {
            XCTAssertTrue("\($0)".contains("is not a directory"), "\($0)")
        }
        // A parent of seed directories names them.
        XCTAssertThrowsError(try AttentionMaps.capture(runDirectory: (root as NSString).deletingLastPathComponent, steps: 10, captures: 2, seed: 0)) {
            XCTAssertTrue("\($0)".contains("no config.toml") && "\($0)".contains((root as NSString).lastPathComponent), "\($0)")
        }
    }

    /// A capture of `frames` frames over a `grid` of stem cells whose spatial weights all go to one
    /// cell per frame (frame f: cell f) for head 0 and spread uniformly for head 1.
    private func syntheticCapture(frames: Int, grid: (Int, Int), observation: [Float], step: Int = 80) -> AttentionMaps.Capture {
        let p = grid.0 * grid.1, heads = 2
        var spatial = [Float](repeating: 0, count: frames * heads * p * p)
        for f in 0..<frames {
            for i in 0..<p {
                spatial[(f * heads + 0) * p * p + i * p + f] = 1
                for j in 0..<p { spatial[(f * heads + 1) * p * p + i * p + j] = 1 / Float(p) }
            }
        }
        let temporal = (0..<heads * frames * frames).map { _ in 1 / Float(frames) }
        let gates = (0..<frames * p).map { Float($0 % 7) / 7 }
        let snapshot = AttentionSnapshot(frames: frames, heads: heads, grid: (height: grid.0, width: grid.1), spatial: spatial, temporal: temporal, gates: gates)
        return AttentionMaps.Capture(step: step, snapshot: snapshot, observation: observation)
    }

    /// The figure reads on its own (the user test's points): the title names the training step, the
    /// coupling, the run's seed and the play step; MinAtar frames are categorical with named channels;
    /// the attention panels say they are the mean over heads and share one colour range [0, max]
    /// with the uniform level stated; the gates are on [0, 1]; the temporal tics name the frames as
    /// the frame panels do.
    func testAttentionFigureIsSelfExplaining() throws {
        // MinAtar Freeway, 2 stacked frames of its 7 channels: the chicken at (9, 4), a car and speed3 at (3, 5) (two channels).
        var observation = [Float](repeating: 0, count: 10 * 10 * 2 * 7)
        for f in 0..<2 {
            observation[(9 * 10 + 4) * 14 + f * 7 + 0] = 1
            observation[(3 * 10 + 5) * 14 + f * 7 + 1] = 1
            observation[(3 * 10 + 5) * 14 + f * 7 + 4] = 1
        }
        let provenance = AttentionMaps.Provenance(coupling: "sprig", trainedSteps: 1_234_567, totalSteps: 5_000_000, runSeed: 2, playSeed: 7, playSteps: 400)
        let figure = AttentionMaps.figure(syntheticCapture(frames: 2, grid: (8, 8), observation: observation), shape: [10, 10, 14],
                                          environment: "minatar/freeway", provenance: provenance)
        let body = figure.body, data = figure.data.text
        XCTAssertEqual(figure.name, "attention_play_step80")
        // 2. The title: environment, coupling, run seed, the checkpoint's training step; the play step as such.
        for said in ["minatar/freeway", "SPRIG (perception module leads)", "run seed 2", "checkpoint after 1,234,567 env steps of training (of 5,000,000)",
                     "greedy play from reset seed 7: play step 80 of 400"] {
            XCTAssertTrue(body.contains(said), "\(said) not in \(body)")
        }
        XCTAssertFalse(body.contains("at step 80"), body)
        // 1. Categorical frames: a fixed colour per channel, each named in the colour box, empty cells in one colour, labelled axes.
        XCTAssertTrue(body.contains(#"set cbtics ("empty" 0, "chicken" 1, "car" 2, "speed1" 3, "speed2" 4, "speed3" 5, "speed4" 6, "speed5" 7)"#), body)
        XCTAssertTrue(body.contains("set cbrange [-0.5:7.5]"), body)
        XCTAssertTrue(body.contains("-0.5 '\(AttentionMaps.emptyColour)', 0.5 '\(AttentionMaps.emptyColour)', 0.5 '#1f77b4', 1.5 '#1f77b4', 1.5 '#ff7f0e'"), body)
        XCTAssertEqual(Set(AttentionMaps.channelColours).count, AttentionMaps.channelColours.count)
        XCTAssertTrue(body.contains("set xlabel \"column\"") && body.contains("set ylabel \"row\""), body)
        // The frame's data: 1 + the first active channel (the chicken 1, the car 2), and the cell with two channels listed.
        XCTAssertTrue(data.contains("0 empty, 1 chicken, 2 car, 3 speed1"), data)
        XCTAssertTrue(data.contains("0 0 0 0 0 2 0 0 0 0\n") && data.contains("0 0 0 0 1 0 0 0 0 0\n"), data)
        XCTAssertTrue(data.contains("cells where several channels are set") && data.contains("5 3 2\n"), data)
        // 3. Mean over heads, said in the panel titles.
        XCTAssertEqual(body.components(separatedBy: "attention received, t−1 (mean over 2 heads)").count - 1, 1, body)
        XCTAssertEqual(body.components(separatedBy: "temporal attention (mean over 2 heads)").count - 1, 1, body)
        // 4. One colour range for both frames' attention: [0, the largest received weight] (frame 0's cell 0 and frame 1's
        // cell 1 each receive (1 + 1/64)/2), the uniform level stated; the gates on [0, 1].
        let top = (1 + 1 / Float(64)) / 2
        XCTAssertEqual(body.components(separatedBy: "set cbrange [0:\(String(format: "%.8g", Double(top)))]").count - 1, 2, body)
        XCTAssertEqual(body.components(separatedBy: "set cblabel \"uniform level 1/64 = 0.0156\"").count - 1, 2, body)
        XCTAssertEqual(body.components(separatedBy: "set cbrange [0:1]").count - 1, 2 + 1, body)  // two gate panels, the temporal one
        XCTAssertFalse(body.contains("set cbrange [*:*]"), body)
        // 5. The temporal panel names the frames as the frame panels do.
        XCTAssertTrue(body.contains(#"set xtics ("t−1" 0, "t−0" 1)"#) && body.contains(#"set ytics ("t−1" 0, "t−0" 1)"#), body)
        XCTAssertTrue(body.contains("frame t−1") && body.contains("frame t−0") && !body.contains("oldest\""), body)
        // Every block says what it holds.
        XCTAssertTrue(data.hasPrefix("# attention_play_step80: minatar/freeway"), data)
        XCTAssertTrue(data.contains("row = the attending frame, column = the attended frame"), data)

        // Atari: grey levels on the fixed range 0–255, four frames t−3 … t−0, the monolithic coupling named.
        let atari = AttentionMaps.figure(syntheticCapture(frames: 4, grid: (9, 9), observation: (0..<84 * 84 * 4).map { Float($0 % 200) }),
                                         shape: [84, 84, 4], environment: "atari/breakout",
                                         provenance: AttentionMaps.Provenance(coupling: "monolithic", trainedSteps: 2_000_000, runSeed: 0, playSeed: 0, playSteps: 400))
        XCTAssertTrue(atari.body.contains("monolithic attention PPO") && atari.body.contains("checkpoint after 2,000,000 env steps of training\\n"), atari.body)
        XCTAssertEqual(atari.body.components(separatedBy: "set palette gray\nset cbrange [0:255]").count - 1, 4, atari.body)
        XCTAssertTrue(atari.body.contains(#"set xtics ("t−3" 0, "t−2" 1, "t−1" 2, "t−0" 3)"#), atari.body)
        XCTAssertTrue(atari.body.contains("uniform level 1/81 = 0.0123"), atari.body)
        // Pixel frames carry the attention as a red veil, one per frame, its scale in the colour box's label.
        XCTAssertEqual(atari.body.components(separatedBy: "with rgbalpha").count - 1, 4, atari.body)
        XCTAssertTrue(atari.body.contains("attention over it (red)") && atari.body.contains("red: attention per pixel, 78% opaque at") && atari.data.text.contains("# attention over frame t−0 (84×84 pixels)"), atari.body)
        XCTAssertFalse(body.contains("rgbalpha"), "MinAtar's cells are the frame's: no veil")
        // Spread over the frame, each cell's weight covers the pixels its square sees: the Nature stem's cell (4, 3) sees
        // rows 32–51 and columns 24–43 (20×20 pixels from (8·4, 8·3)), each of its pixels 1/400 of its weight; the pixels
        // sum to the cells' sum, and a pixel two cells see holds both shares.
        var one = [Float](repeating: 0, count: 81)
        one[4 * 9 + 3] = 1
        let spread = AttentionMaps.spreadOverFrame(one, grid: (9, 9), field: (20, 8), height: 84, width: 84)
        XCTAssertEqual(spread.count, 84 * 84)
        XCTAssertEqual(spread.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(spread[32 * 84 + 24], 1.0 / 400); XCTAssertEqual(spread[51 * 84 + 43], 1.0 / 400)
        XCTAssertEqual(spread[31 * 84 + 24], 0); XCTAssertEqual(spread[32 * 84 + 44], 0)
        let even = AttentionMaps.spreadOverFrame([Float](repeating: 1 / 81, count: 81), grid: (9, 9), field: (20, 8), height: 84, width: 84)
        XCTAssertEqual(even.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(even[0], Double(Float(1) / 81) / 400, accuracy: 1e-12, "pixel (0, 0): cell (0, 0) alone")
        XCTAssertEqual(even[16 * 84 + 16], 9 * Double(Float(1) / 81) / 400, accuracy: 1e-12, "pixel (16, 16): cells (0…2, 0…2)")
        // The older frames of a capture at the play's first steps are the reset frame repeated, and say so.
        XCTAssertEqual(atari.body.components(separatedBy: ", the reset frame repeated").count - 1, 0, "play step 80: no padding")
        let early = AttentionMaps.figure(syntheticCapture(frames: 4, grid: (9, 9), observation: (0..<84 * 84 * 4).map { Float($0 % 200) }, step: 1),
                                         shape: [84, 84, 4], environment: "atari/breakout",
                                         provenance: AttentionMaps.Provenance(coupling: "sprig", trainedSteps: 2_000_000, runSeed: 0, playSeed: 0, playSteps: 400))
        XCTAssertTrue(early.body.contains("frame t−3 (grey), the reset frame repeated") && early.body.contains("frame t−2 (grey), the reset frame repeated")
                      && early.body.contains("frame t−1 (grey), attention"), early.body)
        // Channel names: MinAtar's (either action set), none elsewhere.
        XCTAssertEqual(AttentionMaps.channelNames(environment: "minatar/breakout-minimal", channels: 4), ["paddle", "ball", "trail", "brick"])
        XCTAssertNil(AttentionMaps.channelNames(environment: "atari/breakout", channels: 1))
    }

    /// Bad combinations fail before training, naming the setting and the fix.
    func testBadSettingsAreRefused() throws {
        func resolve(_ pairs: [String: Settings.Value]) throws -> Settings {
            var g = Settings()
            g["algo"] = .string("ppo"); g["coupling"] = .string("sprig")
            for (k, v) in pairs { g[k] = v }
            return try AlgorithmRegistry.resolve(g)
        }
        func refuses(_ pairs: [String: Settings.Value], _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try resolve(pairs), line: line) { XCTAssertTrue("\($0)".contains(message), "\($0)", line: line) }
        }
        refuses(["env": .string("minatar/breakout"), "network.layout": .string("minatar_cnn")], "needs network.layout = attention")
        refuses(["env": .string("minatar/breakout"), "perception.cell_gate": .bool(false)], "set perception.cell_gate = true")
        refuses(["env": .string("minatar/breakout"), "sprig.cooperation": .number(2)], "sprig.cooperation must be in [0, 1], got 2")
        refuses(["env": .string("minatar/breakout"), "sprig.cost_weight": .number(-1)], "sprig.cost_weight must be ≥ 0, got -1")
        refuses(["env": .string("minatar/breakout"), "perception.dim": .number(10), "perception.heads": .number(4)], "perception.dim (10) must be a positive multiple of perception.heads (4)")
        var c = PPOConfig()
        c.coupling = SprigSpec()
        c.network = .attention
        XCTAssertThrowsError(try PPOAgent(config: c, environment: try EnvironmentRegistry.make("cartpole", count: 4), seed: 0)) {
            XCTAssertTrue("\($0)".contains("the sprig coupling needs image observations (MinAtar, Atari)"), "\($0)")
        }
        refuses(["env": .string("cartpole"), "env_frame_stack": .number(2)], "does not stack frames")
        // Every refusal at once (ConfigChecks), one per line, the description listing them.
        var many = PPOConfig()
        many.coupling = SprigSpec()
        many.network = .attention
        many.minibatches = 7
        many.perception.heads = 3
        many.perception.cellGate = false
        XCTAssertThrowsError(try many.validate(copies: 64)) { error in
            let reasons = (error as? AgentError)?.reasons ?? []
            XCTAssertEqual(reasons.count, 3, "\(error)")
            XCTAssertTrue(reasons[0].hasPrefix("minibatches (7) must divide") && reasons[1].hasPrefix("perception.dim (") && reasons[2].hasPrefix("sprig.attention_cost = gate_l1"), "\(reasons)")
            XCTAssertTrue("\(error)".hasPrefix("invalid configuration, 3 problems:\n  - minibatches (7)"), "\(error)")
        }
        XCTAssertEqual("\(AgentError.badConfig("clip (ε) must be positive, got -1"))", "invalid configuration: clip (ε) must be positive, got -1")
        XCTAssertNoThrow(try resolve(["env": .string("minatar/breakout"), "perception.cell_gate": .bool(false), "sprig.attention_cost": .string("entropy")]))
    }
}
