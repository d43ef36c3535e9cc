import CMuJoCo
import Foundation

/// A compiled MuJoCo model, read-only once loaded and shared by every copy of an environment.
///
/// The toolkit links Debian's libmujoco 2.2.2 while Gymnasium 1.4 runs on MuJoCo 4.0; the models
/// load unchanged and the dynamics agree to round-off, with one rule difference handled here (see
/// `adjustMargins`).
public final class MuJoCoModel {
    let raw: UnsafeMutablePointer<mjModel>
    /// The file it was loaded from.
    public let path: String
    /// What was changed after loading to follow newer MuJoCo, or why it could not be; nil when
    /// nothing applied.
    public let compatibilityNote: String?
    /// MuJoCo before 3.3.6 lets mj_forward overwrite the solver's warm start; from 3.3.6 only
    /// mj_step does. Gymnasium's reset ends in mj_forward, so with an older library the warm start
    /// is cleared again afterwards to start the first step from where newer MuJoCo starts it.
    let forwardWritesWarmstart: Bool

    public let nq: Int, nv: Int, nu: Int
    public var timestep: Double { raw.pointee.opt.timestep }
    public var siteCount: Int { Int(raw.pointee.nsite) }

    /// Loads `file` from the asset directory (see `MuJoCoAssets`).
    public convenience init(file: String) throws {
        try self.init(path: MuJoCoAssets.path(of: file))
    }

    public init(path: String) throws {
        _ = MuJoCoMessages.installed
        // The headers fix the struct layouts this code reads, so a different library is refused.
        guard mj_version() == mjVERSION_HEADER else {
            throw EnvironmentError.modelUnavailable(
                "libmujoco reports version \(mj_version()) but stackelberg was built against headers of version \(mjVERSION_HEADER): rebuild against the installed library")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw EnvironmentError.modelUnavailable("MuJoCo model \(path) cannot be read")
        }
        var error = [CChar](repeating: 0, count: 1000)
        // The XML compiler installs its own message handlers in globals while it runs: one load at a time.
        loadLock.lock()
        let loaded = mj_loadXML(path, nil, &error, Int32(error.count))
        loadLock.unlock()
        guard let loaded else {
            let message = String(decoding: error.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw EnvironmentError.modelUnavailable("MuJoCo could not load \(path): \(message.isEmpty ? "no reason given" : message)")
        }
        raw = loaded
        self.path = path
        nq = Int(loaded.pointee.nq); nv = Int(loaded.pointee.nv); nu = Int(loaded.pointee.nu)
        let version = MuJoCoVersion(encoded: Int(mj_version()))
        forwardWritesWarmstart = version < MuJoCoVersion(3, 3, 6)
        compatibilityNote = version < MuJoCoVersion(3, 5, 0) ? Self.adjustMargins(loaded) : nil
    }

    deinit { mj_deleteModel(raw) }

    /// MuJoCo 3.5 changed how a contact's margin is formed from its two geoms' margins: the sum,
    /// where earlier versions take the larger. When every geom has the same margin m, giving each
    /// 2m makes the older rule's max(2m, 2m) equal the newer m + m exactly (Hopper: all 0.001).
    /// Margins that differ cannot be rewritten that way; they are left alone and contacts between
    /// two geoms with nonzero margins may then differ from newer MuJoCo. Explicit contact pairs
    /// carry their own margin and are not affected by the rule.
    static func adjustMargins(_ m: UnsafeMutablePointer<mjModel>) -> String? {
        let margins = UnsafeMutableBufferPointer(start: m.pointee.geom_margin, count: Int(m.pointee.ngeom))
        guard let first = margins.first, margins.contains(where: { $0 != 0 }) else { return nil }
        guard margins.allSatisfy({ $0 == first }) else {
            return "geom margins differ; MuJoCo \(String(cString: mj_versionString())) combines two margins by their maximum where MuJoCo ≥ 3.5 adds them, so contacts may differ from newer MuJoCo"
        }
        for i in margins.indices { margins[i] = 2 * first }
        return "every geom margin \(first) set to \(2 * first) so that MuJoCo \(String(cString: mj_versionString()))'s max rule equals the sum rule of MuJoCo ≥ 3.5"
    }

    /// Index of the body called `name`, or an error naming the model.
    public func body(_ name: String) throws -> Int {
        let id = mj_name2id(raw, Int32(mjOBJ_BODY.rawValue), name)
        guard id >= 0 else { throw EnvironmentError.modelUnavailable("\(path) has no body named '\(name)'") }
        return Int(id)
    }

    /// The control box from the actuators' ctrlrange as float32, as Gymnasium builds its action
    /// space; an actuator without limits gets ±infinity.
    public var actionSpace: Space {
        var low = [Float](), high = [Float]()
        for i in 0..<nu {
            let limited = raw.pointee.actuator_ctrllimited[i] != 0
            low.append(limited ? Float(raw.pointee.actuator_ctrlrange[2 * i]) : -.infinity)
            high.append(limited ? Float(raw.pointee.actuator_ctrlrange[2 * i + 1]) : .infinity)
        }
        return .box(low: low, high: high)
    }
}

private let loadLock = NSLock()

/// MuJoCo's version number: 100·major + 10·minor + patch up to 3.x (2.2.2 reports 222), and
/// 1_000_000·major + 1000·minor + patch from 4.0 (4.0.0 reports 4000000).
struct MuJoCoVersion: Comparable {
    let major: Int, minor: Int, patch: Int

    init(_ major: Int, _ minor: Int, _ patch: Int) { (self.major, self.minor, self.patch) = (major, minor, patch) }

    init(encoded v: Int) {
        if v >= 1_000_000 { self.init(v / 1_000_000, v / 1000 % 1000, v % 1000) } else { self.init(v / 100, v / 10 % 10, v % 10) }
    }

    static func < (a: Self, b: Self) -> Bool { (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
}
