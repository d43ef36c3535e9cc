import CMuJoCo
import Seeding

/// N copies of a Gymnasium MuJoCo task: one shared model, one mjData per copy, stepped one after
/// another on the calling thread. A step is Gymnasium's: ctrl ← action, `frameSkip` × mj_step, then
/// mj_rnePostConstraint; a reset is mj_resetData, the task's noise on the model's initial qpos/qvel,
/// then mj_forward. Time limit as truncation and same-step auto-reset as in `ClassicVector`;
/// buffers are allocated once and `step` allocates nothing.
public final class MuJoCoVector<Task: MuJoCoTask>: SnapshottingEnvironment {
    public let count: Int
    public let outOfBounds: OutOfBoundsActions
    public let task: Task
    public let model: MuJoCoModel
    public var name: String { "mujoco/" + Task.name }
    public var observationSpace: Space {
        .box(low: [Float](repeating: -.infinity, count: Task.observationSize), high: [Float](repeating: .infinity, count: Task.observationSize))
    }
    public let actionSpace: Space
    public var stateNames: [String] { (0..<model.nq).map { "qpos\($0)" } + (0..<model.nv).map { "qvel\($0)" } }

    private let datas: [UnsafeMutablePointer<mjData>]
    private var generators: [SeededGenerator]
    private var elapsed: [Int]
    private var started = false
    private let low, high: [Float]
    private let dt: Double
    private let obs, finalObs, rew, ret: UnsafeMutablePointer<Float>
    private let term, trunc: UnsafeMutablePointer<Bool>
    private let len: UnsafeMutablePointer<Int32>
    private let runningReturn: UnsafeMutablePointer<Double>
    private let action: UnsafeMutablePointer<Float>

    /// Loads `Task.modelFile` from the asset directory (see `MuJoCoAssets`).
    public convenience init(count: Int, task: Task = Task(), outOfBounds: OutOfBoundsActions = .reject) throws {
        try self.init(count: count, task: task, model: MuJoCoModel(file: Task.modelFile), outOfBounds: outOfBounds)
    }

    public init(count: Int, task: Task = Task(), model: MuJoCoModel, outOfBounds: OutOfBoundsActions = .reject) throws {
        precondition(count >= 1, "\(Task.name): need at least one copy, got \(count)")
        guard (model.nq, model.nv) == Task.coordinates else {
            throw EnvironmentError.modelUnavailable(
                "\(model.path) has nq \(model.nq), nv \(model.nv) where \(Task.gymnasiumID) expects \(Task.coordinates.nq), \(Task.coordinates.nv): is it Gymnasium's \(Task.modelFile)?")
        }
        var task = task
        try task.bind(to: model)
        precondition(task.frameSkip >= 1 && task.timeLimit >= 1, "\(Task.name): frameSkip and timeLimit must be ≥ 1")
        self.count = count
        self.task = task
        self.model = model
        self.outOfBounds = outOfBounds
        actionSpace = model.actionSpace
        guard case .box(let lo, let hi) = actionSpace else { preconditionFailure("a MuJoCo action space is a box") }
        (low, high) = (lo, hi)
        dt = model.timestep * Double(task.frameSkip)
        var made = [UnsafeMutablePointer<mjData>]()
        for _ in 0..<count {
            guard let d = mj_makeData(model.raw) else {
                made.forEach { mj_deleteData($0) }
                throw EnvironmentError.modelUnavailable("MuJoCo could not allocate the simulation data for \(model.path)")
            }
            made.append(d)
        }
        datas = made
        generators = (0..<count).map { copyGenerator(seed: 0, index: $0) }
        elapsed = Array(repeating: 0, count: count)
        let k = Task.observationSize
        obs = .allocate(capacity: count * k); finalObs = .allocate(capacity: count * k)
        rew = .allocate(capacity: count); ret = .allocate(capacity: count)
        term = .allocate(capacity: count); trunc = .allocate(capacity: count)
        len = .allocate(capacity: count); runningReturn = .allocate(capacity: count)
        action = .allocate(capacity: max(1, model.nu))
        for p in [obs, finalObs] { p.initialize(repeating: 0, count: count * k) }
        for p in [rew, ret] { p.initialize(repeating: 0, count: count) }
        term.initialize(repeating: false, count: count); trunc.initialize(repeating: false, count: count)
        len.initialize(repeating: 0, count: count); runningReturn.initialize(repeating: 0, count: count)
        action.initialize(repeating: 0, count: max(1, model.nu))
    }

    deinit {
        datas.forEach { mj_deleteData($0) }
        obs.deallocate(); finalObs.deallocate(); rew.deallocate(); ret.deallocate()
        term.deallocate(); trunc.deallocate(); len.deallocate(); runningReturn.deallocate(); action.deallocate()
    }

    private func view(_ i: Int) -> MuJoCoState { MuJoCoState(data: datas[i], nq: model.nq, nv: model.nv) }

    /// mj_forward after qpos/qvel were written, as Gymnasium's set_state; with MuJoCo before 3.3.6
    /// the warm start mj_forward wrote is cleared, since newer MuJoCo leaves it as mj_resetData did.
    private func forward(_ i: Int) {
        mj_forward(model.raw, datas[i])
        if model.forwardWritesWarmstart { datas[i].pointee.qacc_warmstart.update(repeating: 0, count: model.nv) }
    }

    private func resetCopy(_ i: Int) {
        let d = datas[i]
        // mj_resetData leaves qpos = qpos0 and qvel = 0: Gymnasium's init_qpos and init_qvel.
        mj_resetData(model.raw, d)
        task.perturb(qpos: UnsafeMutableBufferPointer(start: d.pointee.qpos, count: model.nq),
                     qvel: UnsafeMutableBufferPointer(start: d.pointee.qvel, count: model.nv), using: &generators[i])
        forward(i)
        task.observe(view(i), into: obs + i * Task.observationSize)
        elapsed[i] = 0
        runningReturn[i] = 0
    }

    public func reset(seed: UInt64) {
        for i in 0..<count {
            generators[i] = copyGenerator(seed: seed, index: i)
            resetCopy(i)
        }
        started = true
    }

    /// Puts copy `index` in the state qpos ++ qvel (for comparisons from identical states): the rest
    /// of its simulation data is reset first, so the state fully determines what follows. The
    /// episode's step count is kept.
    public func setState(_ values: [Double], copy index: Int) throws {
        let (nq, nv) = (model.nq, model.nv)
        guard values.count == nq + nv, values.allSatisfy(\.isFinite) else {
            throw EnvironmentError.badState("\(name) takes \(nq + nv) finite values, qpos (\(nq)) then qvel (\(nv)), got \(values.count): \(values)")
        }
        guard (0..<count).contains(index) else { throw EnvironmentError.badState("copy \(index) does not exist (\(count) copies)") }
        if !started { reset(seed: 0) }
        let d = datas[index]
        mj_resetData(model.raw, d)
        for j in 0..<nq { d.pointee.qpos[j] = values[j] }
        for j in 0..<nv { d.pointee.qvel[j] = values[nq + j] }
        forward(index)
        task.observe(view(index), into: obs + index * Task.observationSize)
    }

    /// qpos ++ qvel of copy `index`.
    public func state(copy index: Int) -> [Double] {
        let d = datas[index]
        return (0..<model.nq).map { d.pointee.qpos[$0] } + (0..<model.nv).map { d.pointee.qvel[$0] }
    }

    public func step(discrete actions: UnsafeBufferPointer<Int32>) throws {
        throw EnvironmentError.wrongActionKind(expected: "continuous")
    }

    public func step(continuous actions: UnsafeBufferPointer<Float>) throws {
        let k = model.nu
        guard actions.count == count * k else { throw EnvironmentError.wrongBatchSize(expected: count * k, got: actions.count) }
        for i in 0..<(count * k) {
            let v = actions[i]
            guard v.isFinite else { throw EnvironmentError.nonFiniteAction(copy: i / k, value: v) }
            if outOfBounds == .reject, v < low[i % k] || v > high[i % k] {
                throw EnvironmentError.actionOutOfRange(copy: i / k, value: v, space: actionSpace.description)
            }
        }
        guard started else { throw EnvironmentError.notReset }
        let m = model.raw, size = Task.observationSize
        for i in 0..<count {
            let d = datas[i]
            // With .clip the cost is charged on the clipped action; Gymnasium would charge the
            // action as sent (MuJoCo clamps ctrl itself). Identical for actions inside the box.
            for j in 0..<k {
                action[j] = min(max(actions[i * k + j], low[j]), high[j])
                d.pointee.ctrl[j] = Double(action[j])
            }
            let xBefore = d.pointee.qpos[0]
            for _ in 0..<task.frameSkip { mj_step(m, d) }
            mj_rnePostConstraint(m, d)
            let s = view(i)
            let (reward, done) = task.outcome(of: MuJoCoTransition(state: s, xBefore: xBefore, action: UnsafeBufferPointer(start: action, count: k), dt: dt))
            elapsed[i] += 1
            runningReturn[i] += reward
            rew[i] = Float(reward)
            term[i] = done
            trunc[i] = !done && elapsed[i] >= task.timeLimit
            let o = obs + i * size
            task.observe(s, into: o)
            if done || trunc[i] {
                (finalObs + i * size).update(from: o, count: size)
                ret[i] = Float(runningReturn[i])
                len[i] = Int32(elapsed[i])
                resetCopy(i)
            }
        }
    }

    /// What mj_step reads of a copy besides ctrl (which each step overwrites): time, qpos, qvel,
    /// actuator activations and the solver's warm start. Everything else in mjData is recomputed
    /// from these before it is read, so a restored batch steps bit for bit as the saved one would.
    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter(header: name, count: count)
        w.array(generators); w.array(elapsed); w.value(started)
        let na = Int(model.raw.pointee.na)
        for d in datas {
            w.value(d.pointee.time)
            w.buffer(d.pointee.qpos, count: model.nq); w.buffer(d.pointee.qvel, count: model.nv)
            w.buffer(d.pointee.act, count: na); w.buffer(d.pointee.qacc_warmstart, count: model.nv)
        }
        let n = count * Task.observationSize
        w.buffer(obs, count: n); w.buffer(finalObs, count: n); w.buffer(rew, count: count); w.buffer(ret, count: count)
        w.buffer(term, count: count); w.buffer(trunc, count: count); w.buffer(len, count: count); w.buffer(runningReturn, count: count)
        return w.bytes
    }

    public func restore(snapshot: [UInt8]) throws {
        var r = try SnapshotReader(snapshot, owner: name, count: count)
        // Every size is fixed by the task and batch, so a matching length means nothing below can
        // fail half-way through and leave the simulations partly overwritten.
        guard snapshot.count == self.snapshot().count else {
            throw EnvironmentError.badState("snapshot for \(name) has \(snapshot.count) bytes where \(self.snapshot().count) were expected")
        }
        let savedGenerators: [SeededGenerator] = try r.array(count: count), savedElapsed: [Int] = try r.array(count: count)
        let savedStarted: Bool = try r.value()
        let na = Int(model.raw.pointee.na)
        for d in datas {
            d.pointee.time = try r.value()
            try r.buffer(d.pointee.qpos, count: model.nq); try r.buffer(d.pointee.qvel, count: model.nv)
            try r.buffer(d.pointee.act, count: na); try r.buffer(d.pointee.qacc_warmstart, count: model.nv)
        }
        let n = count * Task.observationSize
        try r.buffer(obs, count: n); try r.buffer(finalObs, count: n); try r.buffer(rew, count: count); try r.buffer(ret, count: count)
        try r.buffer(term, count: count); try r.buffer(trunc, count: count); try r.buffer(len, count: count); try r.buffer(runningReturn, count: count)
        try r.finish()
        (generators, elapsed, started) = (savedGenerators, savedElapsed, savedStarted)
    }

    public var observations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: obs, count: count * Task.observationSize) }
    public var finalObservations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: finalObs, count: count * Task.observationSize) }
    public var rewards: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: rew, count: count) }
    public var terminated: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(start: term, count: count) }
    public var truncated: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(start: trunc, count: count) }
    public var episodeReturns: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: ret, count: count) }
    public var episodeLengths: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: len, count: count) }
}
