import Agents

extension AlgorithmRegistry {
    /// Every refused setting of one run, not only the first that resolving stops at: each key a refusal
    /// names is set aside (back at its default) and the settings are resolved again, until they resolve or
    /// fail on something that is not another key the user gave. `train` prints them all and `sweep plan`
    /// locates each at its line, so a user mends a command or a plan in one pass.
    ///
    /// A later refusal counts only where it names keys the user gave that are still in place, and an agent's
    /// refusals (`AgentError.reasons`) only those that mention none of the keys set aside: one naming a
    /// default, or weighing a default put in place of the user's value, blames what the user did not set
    /// (`minibatches (4) must divide the rollout's 21 steps` after `minibatches = -2`).
    ///
    /// - Parameters:
    ///   - first: the refusal resolving `given` threw.
    ///   - given: the settings as the user gave them (a command's `--config` and `--set`, a plan's run).
    ///   - resolve: resolves a probe of the settings (`resolveProbing` with the caller's workers or memory).
    /// - Returns: `first`, then each later refusal in the order found; an agent's kept refusals come as one
    ///   `AgentError.badConfig` listing them. The names `algo`, `coupling`, `env` and `total_steps` are never set
    ///   aside (without them nothing else can be judged).
    public static func everyRefusal(after first: Error, given: Settings, resolve: (Settings) throws -> Void) -> [Error] {
        var found = [first], last = first, probe = given
        // Each pass drops at least one key the probe holds, so this ends.
        while true {
            let droppable = ((last as? SettingsError)?.namedKeys ?? [])
                .filter { probe[$0] != nil && !["algo", "coupling", "env", "total_steps"].contains($0) }
            guard !droppable.isEmpty else { return found }
            for k in droppable { probe[k] = nil }
            do {
                try resolve(probe)
                return found
            } catch let next as SettingsError {
                let keys = next.namedKeys
                guard !keys.isEmpty, keys.allSatisfy({ probe[$0] != nil }) else { return found }
                found.append(next)
                last = next
            } catch let next as AgentError {
                let setAside = given.keys.filter { probe[$0] == nil }
                let kept = next.reasons.filter { r in !setAside.contains { Settings.mentions($0, in: r) } }
                if !kept.isEmpty { found.append(AgentError.badConfig(kept.joined(separator: "\n"))) }
                return found
            } catch {
                return found
            }
        }
    }
}
