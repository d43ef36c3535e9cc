import Autodiff
import Foundation
import Environments
import Neural
import Seeding

/// PPO over a batch of environments, discrete or box actions (Schulman et al. 2017, arXiv
/// 1707.06347, with the implementation details of CleanRL's `ppo.py` / `ppo_continuous_action.py`
/// and PureJaxRL), and BLPO's couplings on it (arXiv 2505.11714, its public code).
///
/// One `iterate()`:
/// 1. a rollout of T = `rollout_length` batched steps of the N copies: observations (normalized
///    when set), actions sampled from π (box draws clipped to the box when stepping, the unclipped
///    draw stored), log π_old, V_old, rewards (scaled when set), flags;
/// 2. GAE(γ, λ) advantages Â and value targets G = Â + V_old (a truncation bootstraps from V of
///    its final observation, or not: `truncation`);
/// 3. `epochs` passes over the rollout in `minibatches` minibatches (rows shuffled, or whole copies'
///    trajectories), one coupling update each.
///
/// The model's objectives on a minibatch, ρ = exp(log π_θ(a|s) − log π_old(a|s)):
/// - actor f₁ = −mean min(ρÂ, clip(ρ, 1 ± ε)Â) − c_ent·mean H[π_θ(·|s)], Â normalized per
///   minibatch when set; with `advantages = recomputed`, Â(w) is GAE along the minibatch's
///   trajectories with the current critic V_w, so f₁ depends on w (and `othersHeld` holds it);
/// - critic f₂ = mean max((V_w − G)², (V_old + clip(V_w − V_old, ±ε) − G)²), or mean (V_w − G)²
///   without value clipping (the unhalved square, as BLPO's code steps its critic);
/// - joint (monolithic, CleanRL's one loss) f₁ + c_v·½·f₂;
/// - linearized f̃₂ (``LinearizedObjective``) = σ·2·R[min(ρÂ(w), clip(ρ, 1 ± ε_F)Â(w))·(G − V_w)].
///
/// Under `network.layout = attention` the body is SPRIG's ``AttentionPerception`` (the model's
/// `encoder`, the heads its `head`), which the `sprig` coupling makes the leader; the agent then
/// also logs each head's attention entropy H/log T (spatial and temporal, on the first minibatch
/// of each rollout): `spatial_entropy_h<k>` (with more than one block at the level, the mean over its
/// blocks, and `spatial_entropy_b<j>_h<k>` for block j), `temporal_entropy_h<k>` alike; and, with cell gates,
/// `gate_mean`, the mean gate over the minibatch's cells (under SPRIG's default `gate_l1` cost, C_θ itself).
///
/// Metrics: the coupling's, then `approx_kl` (k3 = mean((ρ − 1) − log ρ)), `clip_fraction`
/// (mean |ρ − 1| > ε), `entropy`, `policy_loss` (the clipped surrogate's loss), `value_loss`
/// (f₂), from the actor's and critic's last objectives, and `explained_variance`
/// (1 − Var(G − V_old)/Var(G) over the rollout).
public final class PPOAgent: Agent, PerceptionLeaderModel {
    public let config: PPOConfig
    public let environment: VectorEnvironment
    let policy: StochasticActor
    public var actorParameters: [Parameter] { policy.parameters }
    public let critic: ValueCritic
    /// The body both heads read under a shared layout (nil: separate networks on the observation).
    public let trunk: SharedTrunk?
    /// SPRIG's perception module, the body under `network.layout = attention`.
    public let perception: AttentionPerception?
    /// One observation's shape as the networks take it ([H, W, C] for the Nature CNN, else flat).
    private let inputShape: Shape
    public let coupling: Coupling
    public let metrics: UpdateMetrics
    public let graph = Graph()
    public private(set) var environmentSteps = 0
    public private(set) var updates = 0
    public private(set) var finishedEpisodes: [FinishedEpisode] = []
    private var rng: SeededGenerator
    private let copies, steps, rows, observationSize, actionSize: Int
    let rollout: RolloutBuffer
    /// The observations after the rollout's last step (as acted on: normalized), [N·size].
    private let lastObservations: UnsafeMutablePointer<Float>
    /// Normalized final observations of truncated episodes, [rows·size] (row k's where truncated).
    private let finalObservations: UnsafeMutablePointer<Float>
    private let actions: ActionBatch
    private let scratch: UnsafeMutablePointer<Float>
    private let observationNormalizer: ObservationNormalizer?
    /// Normalized observations for `act` (grown to the largest batch asked for).
    private var actingBuffer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var actingCapacity = 0
    private let rewardScaler: RewardScaler?

    // The current minibatch, gathered contiguously (M rows at most).
    private let minibatchRows: Int
    let batchObservations, batchActions, batchLogProbabilities, batchAdvantages, batchReturns, batchValues: UnsafeMutablePointer<Float>
    private let batchDiscrete: UnsafeMutablePointer<Int32>
    private var order: [Int]
    private var copyOrder: [Int]
    var minibatch = 0
    /// Recomputed advantages: Â(w) = c + B·V_w(states), states = the minibatch's rows, then each
    /// of its copies' bootstrap observation, then the final observations of its truncations.
    let gae: DifferentiableGAE?

    private let klSlot, clipFractionSlot, entropySlot, policyLossSlot, valueLossSlot, explainedVarianceSlot: UpdateMetrics.Slot
    /// Each attention head's normalized entropy, spatial then temporal (attention layout only).
    private let attentionEntropySlots: [UpdateMetrics.Slot]
    /// `gate_mean`'s slot, where the module has cell gates.
    private let gateMeanSlot: UpdateMetrics.Slot?
    /// Set at the first minibatch of a rollout: its forward pass measures the attention entropies.
    private var measureAttention = false

    public init(config: PPOConfig, environment: VectorEnvironment, seed: UInt64) throws {
        try config.validate(copies: environment.count)
        self.config = config
        self.environment = environment
        copies = environment.count
        steps = config.rolloutLength
        rows = steps * copies
        observationSize = environment.observationSpace.size
        rng = SeededGenerator(seed: seed)
        var initRng = SeededGenerator(seed: seed ^ 0x9E37_79B9)
        // Shared layouts: heads of one layer on the body's features (CleanRL's Atari agent).
        let shape = environment.observationShape
        let spatialLayouts: [PPOConfig.NetworkLayout] = [.natureCNN, .minAtarCNN, .attention]
        try config.checkObservations(shape: shape, environment: environment.name)
        switch config.network {
        case .separate:
            trunk = nil; perception = nil
        case .sharedMLP:
            trunk = try SharedTrunk(.dense(inputs: observationSize, widths: config.actorWidths, activation: .tanh), rng: &initRng)
            perception = nil
        case .natureCNN:
            trunk = try SharedTrunk(.natureCNN(height: shape[0], width: shape[1], channels: shape[2]), rng: &initRng)
            perception = nil
        case .minAtarCNN:
            trunk = try SharedTrunk(.minAtarCNN(height: shape[0], width: shape[1], channels: shape[2]), rng: &initRng)
            perception = nil
        case .attention:
            trunk = nil
            perception = try AttentionPerception(height: shape[0], width: shape[1], stackedChannels: shape[2],
                                                 frames: environment.stackedFrames, settings: config.perception, rng: &initRng)
        }
        inputShape = spatialLayouts.contains(config.network) ? Shape(shape) : Shape(observationSize)
        let headInputs = trunk?.outputSize ?? perception?.outputSize ?? observationSize
        let shared = trunk != nil || perception != nil
        let actorHidden = shared ? [] : config.actorWidths, criticHidden = shared ? [] : config.criticWidths
        policy = try StochasticActor(space: environment.actionSpace, inputs: headInputs, hiddenWidths: actorHidden,
                                     initialLogStd: config.initialLogStd, rng: &initRng)
        actionSize = policy.actionSize
        critic = try ValueCritic(observationSize: headInputs, hiddenWidths: criticHidden, name: "critic", rng: &initRng)
        rollout = try RolloutBuffer(steps: steps, copies: copies, observationSize: observationSize, actionSpace: environment.actionSpace)

        // BLPO's couplings lead with the actor, SPRIG's with the perception module (the encoder).
        if let leader = config.coupling.leaderPart, leader != .actor, leader != .encoder {
            throw AgentError.badConfig("PPO's couplings lead with the actor (BLPO, arXiv 2505.11714) or the perception module (SPRIG, arXiv 2502.14264); the \(leader.rawValue) cannot lead here")
        }
        let epsilon = config.adamEpsilon
        let optimization = Optimization(
            learningRate: config.learningRate, leaderLearningRate: config.actorLearningRate, followerLearningRate: config.criticLearningRate,
            maxGradientNorm: config.maxGradientNorm > 0 ? config.maxGradientNorm : nil, plannedUpdates: config.plannedUpdates(copies: copies),
            decayLearningRate: config.annealLearningRate, makeOptimizer: { Adam(parameterCount: $0, epsilon: epsilon) })
        // A shared body makes one player of everything (the monolithic coupling's only).
        let (policyParameters, criticParameters) = (policy.parameters, critic.parameters)
        let parts: ModelParts
        if let body = perception?.parameters {
            parts = ModelParts(jointName: "actor_critic", [(.encoder, body), (.head, policyParameters + criticParameters)],
                               providesPerceptionLeader: true)
        } else if let body = trunk?.parameters {
            // One optimizer over all of it (monolithic); two parts, so that the game diagnostics can
            // measure the shared body against the heads (the order, and so the checkpoint, as one part).
            parts = ModelParts(jointName: "actor_critic", [(.encoder, body), (.head, policyParameters + criticParameters)])
        } else {
            parts = ModelParts(jointName: "actor_critic", [(.actor, policyParameters), (.critic, criticParameters)])
        }
        coupling = try config.coupling.make(parts, optimization: optimization)
        let own = ["approx_kl", "clip_fraction", "entropy", "policy_loss", "value_loss", "explained_variance"]
        var attentionNames = [String]()
        if let perception {
            // The level's mean per head keeps its name at every depth (logs of different depths compare
            // on it; at one block it is the block's, as before depth was a setting), then each block's.
            func names(_ level: String, blocks: Int) -> [String] {
                let heads = 0..<config.perception.heads
                return heads.map { "\(level)_entropy_h\($0)" } + (blocks < 2 ? [] : (0..<blocks).flatMap { j in heads.map { "\(level)_entropy_b\(j)_h\($0)" } })
            }
            attentionNames = names("spatial", blocks: config.perception.spatialBlocks)
            if perception.temporalBlockCount > 0 { attentionNames += names("temporal", blocks: perception.temporalBlockCount) }
        }
        // The mean cell gate under every coupling, so that SPRIG's gates, which its attention cost pushes down,
        // compare with those of the module trained end to end, which has no cost.
        let gateNames = perception != nil && config.perception.cellGate ? ["gate_mean"] : []
        metrics = UpdateMetrics(names: coupling.metricNames + own + attentionNames + gateNames)
        attentionEntropySlots = attentionNames.map(metrics.slot)
        gateMeanSlot = gateNames.first.map(metrics.slot)
        coupling.attach(to: metrics)
        klSlot = metrics.slot("approx_kl"); clipFractionSlot = metrics.slot("clip_fraction"); entropySlot = metrics.slot("entropy")
        policyLossSlot = metrics.slot("policy_loss"); valueLossSlot = metrics.slot("value_loss")
        explainedVarianceSlot = metrics.slot("explained_variance")

        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(n, 1)); p.initialize(repeating: 0, count: Swift.max(n, 1)); return p
        }
        lastObservations = floats(copies * observationSize)
        finalObservations = floats(rows * observationSize)
        scratch = floats(copies)
        actions = ActionBatch(space: environment.actionSpace, count: copies)
        minibatchRows = rows / config.minibatches
        let m = minibatchRows
        // Room for the recomputed advantages' extra states: a bootstrap per copy, a final per row.
        batchObservations = floats((config.advantages == .recomputed ? 2 * m + copies : m) * observationSize)
        batchActions = floats(m * actionSize)
        batchDiscrete = .allocate(capacity: m); batchDiscrete.initialize(repeating: 0, count: m)
        batchLogProbabilities = floats(m); batchAdvantages = floats(m); batchReturns = floats(m); batchValues = floats(m)
        order = Array(0..<rows)
        copyOrder = Array(0..<copies)
        gae = config.advantages == .recomputed ? DifferentiableGAE(rows: m, copiesPerMinibatch: copies / config.minibatches, steps: steps) : nil
        observationNormalizer = config.normalizeObservations ? ObservationNormalizer(size: observationSize, clip: config.observationClip) : nil
        rewardScaler = config.normalizeRewards ? RewardScaler(copies: copies, gamma: config.gamma, clip: config.rewardClip) : nil
        finishedEpisodes.reserveCapacity(rows)
    }

    deinit {
        actingBuffer.deallocate()
        lastObservations.deallocate(); finalObservations.deallocate(); scratch.deallocate()
        batchObservations.deallocate(); batchActions.deallocate(); batchDiscrete.deallocate()
        batchLogProbabilities.deallocate(); batchAdvantages.deallocate(); batchReturns.deallocate(); batchValues.deallocate()
    }

    private func input(_ x: UnsafePointer<Float>, rows n: Int) -> Tensor {
        graph.constant(borrowing: x, shape: inputShape.prepending(n))
    }

    /// What the policy head and the value head read for observations `x`: x itself (separate
    /// networks), or the shared body's features, computed once.
    private func heads(_ x: Tensor) -> (policy: Tensor, critic: Tensor) {
        if let perception { let h = perception(x).features; return (h, h) }
        guard let trunk else { return (x, x) }
        let h = trunk(x)
        return (h, h)
    }

    private func value(_ x: Tensor) -> Tensor { critic(heads(x).critic) }

    // MARK: Acting

    /// Samples (or takes the mode/mean of) π for the `x` rows into `out`; a box draw goes unclipped
    /// to `raw` (when given) and clipped to the box into `out`.
    private func sample(_ x: Tensor, deterministic: Bool, raw: UnsafeMutablePointer<Float>?, into out: ActionBatch) {
        policy.sample(x, deterministic: deterministic, raw: raw, into: out, rng: &rng)
    }

    /// The mode (categorical) or the mean clipped to the box (Gaussian), on observations
    /// normalized with the training statistics, frozen.
    public func act(_ observations: UnsafePointer<Float>, count: Int, deterministic: Bool, into out: ActionBatch) {
        graph.reset()
        sample(heads(actingInput(observations, rows: count)).policy, deterministic: deterministic, raw: nil, into: out)
    }

    /// `rows` observations as the networks read them outside training: normalized with the
    /// training statistics, frozen (into a buffer grown to the largest batch asked for), or as given.
    private func actingInput(_ observations: UnsafePointer<Float>, rows: Int) -> Tensor {
        guard let normalizer = observationNormalizer else { return input(observations, rows: rows) }
        if actingCapacity < rows {
            actingBuffer.deallocate()
            actingBuffer = .allocate(capacity: rows * observationSize)
            actingCapacity = rows
        }
        normalizer.normalize(observations, rows: rows, into: actingBuffer, update: false)
        return input(actingBuffer, rows: rows)
    }

    /// What the perception module attends to on one observation (laid out like the
    /// environment's), as the acting policy sees it; nil unless `network.layout = attention`.
    /// `spatialBlock` and `temporalBlock` pick the blocks (0-based; nil: the last of each level,
    /// the one whose output the gates and the features read) and are clamped to the blocks there are.
    public func attentionSnapshot(_ observation: UnsafePointer<Float>, spatialBlock: Int? = nil, temporalBlock: Int? = nil) -> AttentionSnapshot? {
        guard let perception else { return nil }
        graph.reset()
        let out = perception(actingInput(observation, rows: 1))
        func floats(_ t: Tensor) -> [Float] { Array(UnsafeBufferPointer(start: t.pointer, count: t.count)) }
        func pick(_ wanted: Int?, of count: Int) -> Int { min(max(wanted ?? count - 1, 0), max(count - 1, 0)) }
        let s = pick(spatialBlock, of: out.spatial.count), t = pick(temporalBlock, of: out.temporal.count)
        var snapshot = AttentionSnapshot(frames: perception.frames, heads: config.perception.heads, grid: perception.grid,
                                         spatial: floats(out.spatial[s].weights),
                                         temporal: out.temporal.isEmpty ? nil : floats(out.temporal[t].weights),
                                         gates: out.gates.map(floats))
        snapshot.spatialBlock = (s, out.spatial.count)
        snapshot.temporalBlock = (t, out.temporal.count)
        snapshot.stem = perception.stemLayers
        return snapshot
    }

    /// Copies (normalizes) `rows` raw observations into `out`.
    private func observe(_ x: UnsafePointer<Float>, rows n: Int, into out: UnsafeMutablePointer<Float>, update: Bool) {
        if let o = observationNormalizer { o.normalize(x, rows: n, into: out, update: update) }
        else { out.update(from: x, count: n * observationSize) }
    }

    // MARK: Training

    public func iterate() throws -> Bool {
        try collectRollout()
        try optimize()
        return true
    }

    /// Step 1 and 2: the rollout, its advantages and targets.
    public func collectRollout() throws {
        finishedEpisodes.removeAll(keepingCapacity: true)
        let n = copies, size = observationSize
        for t in 0..<steps {
            let row = t * n
            let acted = rollout.observations + row * size
            observe(environment.observations.baseAddress!, rows: n, into: acted, update: true)
            graph.reset()
            let h = heads(input(acted, rows: n))
            (rollout.values + row).update(from: critic(h.critic).pointer, count: n)
            sample(h.policy, deterministic: false, raw: rollout.continuousActions.map { $0 + row * actionSize }, into: actions)
            if let d = rollout.discreteActions { (d + row).update(from: actions.discrete, count: n) }
            writeLogProbabilities(h.policy, row: row)
            try actions.step(environment)
            environmentSteps += n
            environment.collectFinishedEpisodes(at: environmentSteps, into: &finishedEpisodes)
            rollout.record(step: t, after: environment)
            if config.clipRewardsToSign {
                for i in 0..<n { let r = rollout.rewards[row + i]; rollout.rewards[row + i] = r > 0 ? 1 : (r < 0 ? -1 : 0) }
            }
            if rewardScaler != nil {
                let env = environment
                rewardScaler?.scale(rollout.rewards + row) { env.terminated[$0] || env.truncated[$0] }
            }
            if config.truncation == .bootstrap, (0..<n).contains(where: { environment.truncated[$0] && !environment.terminated[$0] }) {
                for i in 0..<n where environment.truncated[i] && !environment.terminated[i] {
                    observe(environment.finalObservations.baseAddress! + i * size, rows: 1, into: finalObservations + (row + i) * size, update: false)
                }
                graph.reset()
                let finals = value(input(finalObservations + row * size, rows: n))
                for i in 0..<n where environment.truncated[i] { rollout.finalValues[row + i] = finals.pointer[i] }
            }
        }
        observe(environment.observations.baseAddress!, rows: n, into: lastObservations, update: false)
        graph.reset()
        scratch.update(from: value(input(lastObservations, rows: n)).pointer, count: n)
        rollout.computeAdvantages(gamma: config.gamma, lambda: config.gaeLambda, lastValues: scratch, rule: config.truncation)
        metrics[explainedVarianceSlot] = explainedVariance()
    }

    /// log π(a|s) of the actions just sampled for row `row`'s copies, into the rollout.
    private func writeLogProbabilities(_ x: Tensor, row: Int) {
        let n = copies
        switch policy {
        case .categorical(let p):
            let lp = p.logProbability(logits: p.logits(x), actions: graph.indices(rollout.discreteActions! + row, shape: Shape(n)))
            (rollout.logProbabilities + row).update(from: lp.pointer, count: n)
        case .gaussian(let p, _):
            let a = graph.constant(borrowing: rollout.continuousActions! + row * actionSize, shape: Shape(n, actionSize))
            (rollout.logProbabilities + row).update(from: p.distribution(x).logProbability(a).pointer, count: n)
        }
    }

    /// 1 − Var(G − V_old)/Var(G) over the rollout (CleanRL's; NaN when the targets are constant).
    private func explainedVariance() -> Float {
        var sg = 0.0, sgg = 0.0, sd = 0.0, sdd = 0.0
        for k in 0..<rows {
            let g = Double(rollout.returns[k]), d = g - Double(rollout.values[k])
            sg += g; sgg += g * g; sd += d; sdd += d * d
        }
        let n = Double(rows)
        let varG = sgg / n - (sg / n) * (sg / n), varD = sdd / n - (sd / n) * (sd / n)
        return varG > 0 ? Float(1 - varD / varG) : .nan
    }

    /// Step 3: the epochs of minibatch updates.
    public func optimize() throws {
        let context = UpdateContext(update: 0, environmentStep: environmentSteps)
        for _ in 0..<config.epochs {
            switch config.minibatchLayout {
            case .shuffled: order.shuffle(using: &rng)
            case .trajectories: copyOrder.shuffle(using: &rng)
            }
            for b in 0..<config.minibatches {
                minibatch = b
                measureAttention = perception != nil && updates % (config.epochs * config.minibatches) == 0
                gather()
                var c = context
                c.update = updates
                try coupling.update(self, context: c, metrics: metrics)
                metrics.endUpdate()
                updates += 1
            }
        }
    }

    /// Gathers minibatch `minibatch` into the batch buffers: rows of the shuffled order, or whole
    /// trajectories of the shuffled copies (copy-major, t ascending), and for recomputed
    /// advantages the extra states and GAE's coefficients.
    func gather() {
        let size = observationSize, m = minibatchRows
        func copyRow(_ j: Int, from k: Int) {
            (batchObservations + j * size).update(from: rollout.observations + k * size, count: size)
            if let d = rollout.discreteActions { batchDiscrete[j] = d[k] }
            if let a = rollout.continuousActions { (batchActions + j * actionSize).update(from: a + k * actionSize, count: actionSize) }
            batchLogProbabilities[j] = rollout.logProbabilities[k]
            batchAdvantages[j] = rollout.advantages[k]
            batchReturns[j] = rollout.returns[k]
            batchValues[j] = rollout.values[k]
        }
        switch config.minibatchLayout {
        case .shuffled:
            for j in 0..<m { copyRow(j, from: order[minibatch * m + j]) }
        case .trajectories:
            let perBatch = copies / config.minibatches
            for q in 0..<perBatch {
                let i = copyOrder[minibatch * perBatch + q]
                for t in 0..<steps { copyRow(q * steps + t, from: t * copies + i) }
            }
            if let gae { gatherRecomputedAdvantages(gae, copies: copyOrder[(minibatch * perBatch)..<((minibatch + 1) * perBatch)]) }
        }
    }

    /// The extra states of the recomputed advantages after the minibatch's rows, and B, c.
    private func gatherRecomputedAdvantages(_ gae: DifferentiableGAE, copies chosen: ArraySlice<Int>) {
        let size = observationSize, m = minibatchRows
        var extra = 0
        for (q, i) in chosen.enumerated() {
            (batchObservations + (m + q) * size).update(from: lastObservations + i * size, count: size)
            extra += 1
        }
        gae.begin(states: m + chosen.count)
        for (q, i) in chosen.enumerated() {
            for t in 0..<steps {
                let k = t * copies + i, j = q * steps + t
                let terminated = rollout.terminated[k] == 1, truncated = rollout.truncated[k] == 1
                let next: Int?
                if terminated { next = nil }
                else if truncated {
                    if config.truncation == .bootstrap {
                        (batchObservations + (m + extra) * size).update(from: finalObservations + k * size, count: size)
                        next = m + extra; extra += 1
                    } else { next = nil }
                } else { next = t == steps - 1 ? m + q : j + 1 }
                gae.setStep(j, reward: rollout.rewards[k], next: next, ends: terminated || truncated)
            }
        }
        gae.finish(states: m + extra, gamma: config.gamma, lambda: config.gaeLambda, trajectories: chosen.count)
    }

    // MARK: CoupledModel

    public func prepare(_ batch: BatchRole) throws {}

    // The networks' outputs on the minibatch, recorded once per graph step: a hypergradient's step
    // asks for f₁, f₂ and f̃₂ in one step, and they share V_w and log π_θ.
    private var cachedValues: (step: UInt32, rows: Tensor, states: Tensor?)?
    private var cachedPolicy: (step: UInt32, logProbabilities: Tensor, entropy: Tensor)?
    private var cachedFeatures: (step: UInt32, features: Tensor)?
    private var cachedPerception: (step: UInt32, output: AttentionPerception.Output)?

    /// The minibatch rows as the heads read them (the shared body's features once per graph step).
    private func minibatchFeatures() -> Tensor {
        if perception != nil { return minibatchPerception().features }
        let x = input(batchObservations, rows: minibatchRows)
        guard let trunk else { return x }
        if let c = cachedFeatures, c.step == graph.currentStep { return c.features }
        let f = trunk(x)
        cachedFeatures = (graph.currentStep, f)
        return f
    }

    /// The perception module's pass over the minibatch, once per graph step.
    private func minibatchPerception() -> AttentionPerception.Output {
        if let c = cachedPerception, c.step == graph.currentStep { return c.output }
        let out = perception!(input(batchObservations, rows: minibatchRows))
        cachedPerception = (graph.currentStep, out)
        if measureAttention {
            measureAttention = false
            recordAttentionEntropies(out)
        }
        return out
    }

    /// Each head's mean normalized entropy H(row)/log T over the rows of `out` into the metrics, by
    /// the entropy the attention costs use (values only: nothing differentiates it).
    private func recordAttentionEntropies(_ out: AttentionPerception.Output) {
        let heads = config.perception.heads
        /// Each head's mean H/log T over the rows of one block.
        func perHead(_ a: AttentionWeights) -> [Double] {
            let t = a.tokens
            let rowEntropies = MultiHeadSelfAttention.entropy(a)   // [N·h, T]
            let h = rowEntropies.pointer, rows = rowEntropies.count
            var sums = [Double](repeating: 0, count: heads)
            for r in 0..<rows { sums[(r / t) % heads] += Double(h[r]) }
            let norm = Double(rows / heads) * Double(Foundation.log(Float(t)))
            return sums.map { $0 / norm }
        }
        // Slots in the order of the names: per level, the heads' means over its blocks, then each block's heads.
        var slot = 0
        for level in [out.spatial, out.temporal] where !level.isEmpty {
            let blocks = level.map(perHead)
            for k in 0..<heads {
                metrics[attentionEntropySlots[slot]] = Float(blocks.reduce(0) { $0 + $1[k] } / Double(blocks.count))
                slot += 1
            }
            guard blocks.count > 1 else { continue }
            for block in blocks { for k in 0..<heads { metrics[attentionEntropySlots[slot]] = Float(block[k]); slot += 1 } }
        }
        if let gateMeanSlot, let gates = out.gates {
            let g = gates.pointer
            var sum = 0.0
            for i in 0..<gates.count { sum += Double(g[i]) }
            metrics[gateMeanSlot] = Float(sum / Double(gates.count))
        }
    }

    /// V_w of the minibatch's rows [M], and of every state Â(w) reads [S] when recomputing.
    func values() -> (rows: Tensor, states: Tensor?) {
        if let c = cachedValues, c.step == graph.currentStep { return (c.rows, c.states) }
        let m = minibatchRows
        let result: (rows: Tensor, states: Tensor?)
        if let gae {
            let all = critic(input(batchObservations, rows: gae.stateCount))
            result = (slice(all.reshaped(Shape(1, gae.stateCount)), lastAxis: 0, length: m).reshaped(Shape(m)), all)
        } else {
            result = (critic(minibatchFeatures()), nil)
        }
        cachedValues = (graph.currentStep, result.rows, result.states)
        return result
    }

    /// Â on the minibatch [M]: the rollout's, or GAE with the current critic (held or not).
    private func advantages(states: Tensor?, held: Bool) -> Tensor {
        let m = minibatchRows
        var a: Tensor
        if let gae, let states {
            a = gae.advantages(values: held ? stopGradient(states) : states, graph: graph)
        } else {
            a = graph.constant(borrowing: batchAdvantages, shape: Shape(m))
        }
        if config.normalizeAdvantages {
            let centred = a - mean(a)
            a = centred / (sqrt(mean(square(centred))) + 1e-8)
        }
        return a
    }

    /// log π_θ(a|s) [M] and the entropy [M] on the minibatch.
    private func logProbabilitiesAndEntropy() -> (Tensor, Tensor) {
        if let c = cachedPolicy, c.step == graph.currentStep { return (c.logProbabilities, c.entropy) }
        let m = minibatchRows, s = minibatchFeatures()
        let result: (Tensor, Tensor)
        switch policy {
        case .categorical(let p):
            let logits = p.logits(s)
            result = (p.logProbability(logits: logits, actions: graph.indices(batchDiscrete, shape: Shape(m))), p.entropy(logits: logits))
        case .gaussian(let p, _):
            let d = p.distribution(s)
            result = (d.logProbability(graph.constant(borrowing: batchActions, shape: Shape(m, actionSize))), d.entropy())
        }
        cachedPolicy = (graph.currentStep, result.0, result.1)
        return result
    }

    /// ρ [M], and the ratio's diagnostics written to the metrics.
    private func ratio(_ logProbabilities: Tensor) -> Tensor {
        let m = minibatchRows
        let logRatio = logProbabilities - graph.constant(borrowing: batchLogProbabilities, shape: Shape(m))
        let rho = exp(logRatio)
        var kl = 0.0, clipped = 0
        for j in 0..<m {
            let r = Double(rho.pointer[j])
            kl += (r - 1) - Double(logRatio.pointer[j])
            if abs(r - 1) > Double(config.clip) { clipped += 1 }
        }
        metrics[klSlot] = Float(kl / Double(m))
        metrics[clipFractionSlot] = Float(clipped) / Float(m)
        return rho
    }

    /// The clipped surrogate's loss −mean min(ρÂ, clip(ρ, 1 ± ε)Â) − c_ent·mean H.
    private func actorLoss(advantages a: Tensor) -> Tensor {
        let (logP, entropy) = logProbabilitiesAndEntropy()
        let rho = ratio(logP)
        let surrogate = minimum(rho * a, clamp(rho, 1 - config.clip, 1 + config.clip) * a)
        let policyLoss = -mean(surrogate)
        let h = mean(entropy)
        metrics[policyLossSlot] = policyLoss.scalarValue
        metrics[entropySlot] = h.scalarValue
        return config.entropyCoefficient > 0 ? policyLoss - h * config.entropyCoefficient : policyLoss
    }

    /// mean max((V − G)², (V_old + clip(V − V_old, ±ε) − G)²), or mean (V − G)².
    private func criticLoss(_ v: Tensor) -> Tensor {
        let m = minibatchRows
        let g = graph.constant(borrowing: batchReturns, shape: Shape(m))
        let unclipped = square(v - g)
        let loss: Tensor
        if config.clipValueLoss {
            let old = graph.constant(borrowing: batchValues, shape: Shape(m))
            let clippedValue = old + clamp(v - old, -config.clip, config.clip)
            loss = mean(maximum(unclipped, square(clippedValue - g)))
        } else {
            loss = mean(unclipped)
        }
        metrics[valueLossSlot] = loss.scalarValue
        return loss
    }

    public func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        if part == .critic { return criticLoss(values().rows) }
        // The critic enters the actor's loss only through recomputed advantages.
        let states = gae == nil ? nil : values().states
        return actorLoss(advantages: advantages(states: states, held: othersHeld))
    }

    /// CleanRL's one loss: f₁ + c_v·½·f₂ (advantages from the rollout, or recomputed and held).
    public func jointObjective() -> Tensor {
        let v = values()
        return actorLoss(advantages: advantages(states: v.states, held: true)) + criticLoss(v.rows) * (0.5 * config.valueCoefficient)
    }

    // MARK: PerceptionLeaderModel (SPRIG)

    /// mean log π_φ(a|f_θ(s))·Â, or mean min(r·Â, clip(r, 1 ± ε)·Â), over the minibatch, Â the
    /// rollout's (normalized as PPO's loss has it).
    public func policyUtility(_ form: LeaderPolicyTerm) -> Tensor {
        let logP = logProbabilitiesAndEntropy().0
        let a = advantages(states: nil, held: true)
        switch form {
        case .logProbability: return mean(logP * a)
        case .clippedSurrogate:
            let rho = ratio(logP)
            return mean(minimum(rho * a, clamp(rho, 1 - config.clip, 1 + config.clip) * a))
        }
    }

    public func attentionCost(_ cost: AttentionCost) -> Tensor {
        let out = minibatchPerception()
        switch cost {
        case .gateL1:
            // The agent refuses gate_l1 without gates when it is built.
            return mean(out.gates!)
        case .entropy, .focus:
            func spread(_ a: AttentionWeights) -> Tensor {
                mean(MultiHeadSelfAttention.entropy(a)) * (1 / Foundation.log(Float(a.tokens)))
            }
            // Each level's blocks averaged, then the two levels (as with one block per level).
            func level(_ blocks: [AttentionWeights]) -> Tensor {
                blocks.count == 1 ? spread(blocks[0])
                    : blocks.dropFirst().reduce(spread(blocks[0])) { $0 + spread($1) } * (1 / Float(blocks.count))
            }
            var h = level(out.spatial)
            if !out.temporal.isEmpty { h = (h + level(out.temporal)) * 0.5 }
            return cost == .entropy ? h : 1 - h
        }
    }

    public func linearizedObjective(of part: ModelPart, _ form: LinearizedObjective) -> Tensor? {
        guard part == .critic else { return nil }
        let m = minibatchRows
        let v = values()
        // Â(w) unnormalized, as the code's f̃₂ reads it.
        let a: Tensor
        if let gae, let states = v.states { a = gae.advantages(values: states, graph: graph) }
        else { a = graph.constant(borrowing: batchAdvantages, shape: Shape(m)) }
        let logRatio = logProbabilitiesAndEntropy().0 - graph.constant(borrowing: batchLogProbabilities, shape: Shape(m))
        let rho = exp(logRatio)
        let surrogate = form.ratioClip > 0 ? minimum(rho * a, clamp(rho, 1 - form.ratioClip, 1 + form.ratioClip) * a) : rho * a
        let gap = graph.constant(borrowing: batchReturns, shape: Shape(m)) - v.rows
        let reduced = form.reduction == .sum ? sum(surrogate * gap) : mean(surrogate * gap)
        return reduced * (2 * form.sign.value)
    }

    // MARK: Checkpoints

    private var allParameters: [Parameter] { (trunk?.parameters ?? []) + (perception?.parameters ?? []) + policy.parameters + critic.parameters }

    public func save(into state: inout StateDictionary) {
        state.store(allParameters, prefix: "net.")
        coupling.save(into: &state)
        state.setGenerator("agent.rng", rng)
        state["agent.environment_steps"] = .integer(Int64(environmentSteps))
        state["agent.updates"] = .integer(Int64(updates))
        state["agent.order"] = .integers(order.map(Int64.init))
        state["agent.copy_order"] = .integers(copyOrder.map(Int64.init))
        observationNormalizer?.save(into: &state, prefix: "agent.observation_statistics.")
        rewardScaler?.save(into: &state, prefix: "agent.reward_statistics.")
    }

    public func load(from state: StateDictionary) throws {
        try state.restore(allParameters, prefix: "net.")
        try coupling.load(from: state)
        rng = try state.generator("agent.rng")
        environmentSteps = Int(try state.integer("agent.environment_steps"))
        updates = Int(try state.integer("agent.updates"))
        let o = try state.integers("agent.order", count: rows).map(Int.init)
        let c = try state.integers("agent.copy_order", count: copies).map(Int.init)
        guard Set(o) == Set(0..<rows), Set(c) == Set(0..<copies) else {
            throw StateError.mismatch("agent.order or agent.copy_order is not a permutation")
        }
        order = o
        copyOrder = c
        try observationNormalizer?.load(from: state, prefix: "agent.observation_statistics.")
        try rewardScaler?.load(from: state, prefix: "agent.reward_statistics.")
    }
}
