import CMuJoCo
import Seeding

/// N copies of a Gymnasium MuJoCo task: one shared model, one mjData per copy, stepped one after
/// another on the calling thread. A step is Gymnasium's: ctrl ← action, `frameSkip` × mj_step, then
/// mj_rnePostConstraint; a reset is mj_resetData, the task's noise on the model's initial qpos/qvel,
/// then mj_forward. Time limit as truncation and same-step auto-reset as in `ClassicVector`;
/// buffers are allocated once and `step` allocates nothing.
public final class MuJoCoVector<Task: MuJoCoTask>: SnapshottingEnvironment, BufferedEnvironment {
    public let count: Int
    public let outOfBounds: OutOfBoundsActions
    public let task: Task
    public let model: MuJoCoModel
    public var name: String { "mujoco/" + Task.name }
    public var observationSpace: Space {
        .box(low: [Float](repeating: -.infinity, count: Task.observationSize), high: [Float](repeating: .infinity, count: Task.observationSize))
    }
    public let actionSpace: Space
    public let buffers: StepBuffers
    public var stateNames: [String] { (0..<model.nq).map { "qpos\($0)" } + (0..<model.nv).map { "qvel\($0)" } }

    private let datas: [UnsafeMutablePointer<mjData>]
    private var generators: [SeededGenerator]
    private var started = false
    private let low, high: [Float]
    private let dt: Double
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
        buffers = StepBuffers(count: count, observationSize: Task.observationSize)
        action = .allocate(capacity: max(1, model.nu))
        action.initialize(repeating: 0, count: max(1, model.nu))
    }

    deinit {
        datas.forEach { mj_deleteData($0) }
        action.deallocate(); buffers.deallocate()
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
        task.observe(view(i), into: buffers.observation(i))
        buffers.startEpisode(i)
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
        task.observe(view(index), into: buffers.observation(index))
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
        try actionSpace.validate(continuous: actions, copies: count, outOfBounds: outOfBounds)
        let k = model.nu
        guard started else { throw EnvironmentError.notReset }
        let m = model.raw
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
            task.observe(s, into: buffers.observation(i))
            if buffers.record(i, reward: reward, terminated: done, truncated: false, limit: task.timeLimit) {
                buffers.finishEpisode(i)
                resetCopy(i)
            }
        }
    }

    /// What mj_step reads of a copy besides ctrl (which each step overwrites): time, qpos, qvel,
    /// actuator activations and the solver's warm start. Everything else in mjData is recomputed
    /// from these before it is read, so a restored batch steps bit for bit as the saved one would.
    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter(header: name, count: count)
        w.array(generators); w.value(started)
        let na = Int(model.raw.pointee.na)
        for d in datas {
            w.value(d.pointee.time)
            w.buffer(d.pointee.qpos, count: model.nq); w.buffer(d.pointee.qvel, count: model.nv)
            w.buffer(d.pointee.act, count: na); w.buffer(d.pointee.qacc_warmstart, count: model.nv)
        }
        buffers.write(to: &w)
        return w.bytes
    }

    public func restore(snapshot: [UInt8]) throws {
        // Every size is fixed by the task and batch, so the length check means nothing below can
        // fail half-way through and leave the simulations partly overwritten.
        var r = try SnapshotReader(snapshot, owner: name, count: count, expectedLength: self.snapshot().count)
        let savedGenerators: [SeededGenerator] = try r.array(count: count)
        let savedStarted: Bool = try r.value()
        let na = Int(model.raw.pointee.na)
        for d in datas {
            d.pointee.time = try r.value()
            try r.buffer(d.pointee.qpos, count: model.nq); try r.buffer(d.pointee.qvel, count: model.nv)
            try r.buffer(d.pointee.act, count: na); try r.buffer(d.pointee.qacc_warmstart, count: model.nv)
        }
        try buffers.read(from: &r)
        try r.finish()
        (generators, started) = (savedGenerators, savedStarted)
    }
}
