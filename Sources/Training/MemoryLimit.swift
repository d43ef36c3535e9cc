import Foundation

/// The memory this process may still take: the least of the machine's physical memory, what its
/// address-space limit (`ulimit -v`, RLIMIT_AS) leaves beyond the address space it already maps, and
/// what its cgroups' limits leave beyond their groups' use (cgroup v2 `memory.max`, v1
/// `memory.limit_in_bytes`, on the process's own group and every group above it: Slurm's `--mem` and a
/// container's limit sit on an ancestor of the task's group). `train`'s memory check judges sizes against
/// it: on a cluster node the machine's memory is not what a job may take.
struct MemoryLimit {
    /// Bytes.
    let bytes: Double
    /// Who holds it, as the refusal says it ("this machine", "this process").
    let holder: String
    /// Where a limit below the machine's comes from, as " (its address-space limit, ulimit -v)"; empty
    /// for the machine's memory.
    let source: String

    init(bytes: Double, holder: String, source: String) {
        self.bytes = bytes; self.holder = holder; self.source = source
    }

    /// A Slurm `--mem` value ("4G", "500M", "4096": megabytes without a unit) as the memory each task
    /// gets; nil for another format (the plan refuses it) or 0 (Slurm's "all of the node").
    init?(slurmMem mem: String) {
        guard let m = mem.wholeMatch(of: /(\d+)([KMGT]?)/), let n = Double(m.1), n > 0 else { return nil }
        let units: [String: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        let unit = units[String(m.2)] ?? 0x1p20
        self.init(bytes: n * unit, holder: "each Slurm task", source: " ([slurm] mem = \"\(mem)\")")
    }

    static var current: MemoryLimit {
        var limit = MemoryLimit(bytes: Double(ProcessInfo.processInfo.physicalMemory), holder: "this machine", source: "")
        var r = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &r) == 0, r.rlim_cur != rlim_t.max {
            // The binary, its libraries and its threads already map some of the limit.
            let left = Double(r.rlim_cur) - (statusKilobytes("VmSize") ?? 0) * 1024
            if left < limit.bytes {
                limit = MemoryLimit(bytes: max(left, 0), holder: "this process", source: " left by its address-space limit (ulimit -v)")
            }
        }
        if let left = cgroupHeadroom(), left < limit.bytes {
            limit = MemoryLimit(bytes: max(left, 0), holder: "this process", source: " left by its cgroup's memory limit (a batch scheduler's or container's)")
        }
        return limit
    }

    /// A `Vm…` line of /proc/self/status, in kB.
    static func statusKilobytes(_ field: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Double(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// The least of limit − use over the process's cgroup and its ancestors, nil where none is limited
    /// or none can be read.
    static func cgroupHeadroom() -> Double? {
        func number(_ path: String) -> Double? {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            // "max" (v2) or a value near 2^63 (v1) is no limit.
            guard let v = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), v >= 0, v < 1e18 else { return nil }
            return v
        }
        guard let lines = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        var least: Double?
        func consider(_ directory: String, limit: String, usage: String) {
            guard let l = number(directory + "/" + limit) else { return }
            let left = l - (number(directory + "/" + usage) ?? 0)
            least = min(least ?? left, left)
        }
        for line in lines.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            // v2: "0::/path"; v1: "N:memory:/path" (the controller may share its line with others).
            let root: String, limit: String, usage: String
            if parts[0] == "0" && parts[1].isEmpty {
                (root, limit, usage) = ("/sys/fs/cgroup", "memory.max", "memory.current")
            } else if parts[1].split(separator: ",").contains("memory") {
                (root, limit, usage) = ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes")
            } else { continue }
            // The group and each ancestor up to the hierarchy's root.
            var components = path.split(separator: "/").map(String.init)
            while true {
                consider(root + (components.isEmpty ? "" : "/" + components.joined(separator: "/")), limit: limit, usage: usage)
                if components.isEmpty { break }
                components.removeLast()
            }
        }
        return least
    }
}
