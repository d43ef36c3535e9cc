import Foundation

/// The memory this process may use: the least of the machine's physical memory, the process's
/// address-space limit (`ulimit -v`, RLIMIT_AS) and its cgroup's limit (cgroup v2 `memory.max`, v1
/// `memory.limit_in_bytes`: what Slurm's `--mem` and containers set). `train`'s memory check judges
/// sizes against it: on a cluster node the machine's memory is not what a job may take.
struct MemoryLimit {
    /// Bytes.
    let bytes: Double
    /// Who holds it, as the refusal says it ("this machine", "this process").
    let holder: String
    /// Where a limit below the machine's comes from, as " (its address-space limit, ulimit -v)"; empty
    /// for the machine's memory.
    let source: String

    static var current: MemoryLimit {
        var limit = MemoryLimit(bytes: Double(ProcessInfo.processInfo.physicalMemory), holder: "this machine", source: "")
        var r = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &r) == 0, r.rlim_cur != rlim_t.max, Double(r.rlim_cur) < limit.bytes {
            limit = MemoryLimit(bytes: Double(r.rlim_cur), holder: "this process", source: " (its address-space limit, ulimit -v)")
        }
        if let cgroup = cgroupLimit(), cgroup < limit.bytes {
            limit = MemoryLimit(bytes: cgroup, holder: "this process", source: " (its cgroup's memory limit, as a batch scheduler or container sets it)")
        }
        return limit
    }

    /// The cgroup's memory limit in bytes, nil when unlimited or unreadable.
    static func cgroupLimit() -> Double? {
        func number(_ path: String) -> Double? {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            // "max" (v2) or a value near 2^63 (v1) is no limit.
            guard let v = Double(value), v > 0, v < 1e18 else { return nil }
            return v
        }
        // cgroup v2: "0::/path" in /proc/self/cgroup; the limit of the process's own group.
        if let lines = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) {
            for line in lines.split(separator: "\n") where line.hasPrefix("0::") {
                let path = String(line.dropFirst(3))
                if let v = number("/sys/fs/cgroup\(path == "/" ? "" : path)/memory.max") { return v }
            }
        }
        return number("/sys/fs/cgroup/memory.max") ?? number("/sys/fs/cgroup/memory/memory.limit_in_bytes")
    }
}
