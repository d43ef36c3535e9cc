import Training
import Agents
import XCTest

/// Every refused setting said at once (`AlgorithmRegistry.everyRefusal`, used by `train` and `sweep plan`).
final class EveryRefusalTests: XCTestCase {
    /// `everyRefusal` finds each refused key behind the first, and never a refusal of a default: with
    /// `minibatches = -2` set aside, the default 4 does not divide the user's 21 rollout steps, which is
    /// not the user's doing. An agent's refusal of what the user set is kept.
    func testEveryRefusalIsFoundAndNoneBlamesADefault() throws {
        func refusals(_ pairs: [String: Double]) -> [Error] {
            var s = Settings()
            s["algo"] = .string("ppo"); s["env"] = .string("cartpole")
            for (k, v) in pairs { s[k] = .number(v) }
            do { _ = try AlgorithmRegistry.resolveProbing(s) } catch {
                return AlgorithmRegistry.everyRefusal(after: error, given: s) { _ = try AlgorithmRegistry.resolveProbing($0) }
            }
            XCTFail("\(pairs) resolved"); return []
        }
        let three = refusals(["minibatches": -2, "num_envs": 3, "rollout_length": 7, "lr": -1, "gamma": 2])
        XCTAssertEqual(Set(three.flatMap { ($0 as? SettingsError)?.namedKeys ?? [] }), ["minibatches", "lr", "gamma"])
        XCTAssertEqual(three.count, 3, "\(three)")
        XCTAssertFalse(three.contains { $0 is AgentError }, "a refusal of the default minibatches: \(three)")

        let two = refusals(["minibatches": 5, "num_envs": 3, "rollout_length": 7, "lr": -1])
        XCTAssertEqual(two.count, 2, "\(two)")
        XCTAssertEqual((two.first as? SettingsError)?.namedKeys, ["lr"])
        let agent = try XCTUnwrap(two.last as? AgentError)
        XCTAssertTrue(agent.reasons.contains { $0.contains("minibatches (5)") }, "\(agent.reasons)")
    }

    /// A refusal names a key only as a whole name.
    func testAMentionIsAWholeName() {
        XCTAssertNil(Settings.firstMention("lr", in: "actor_lr (2) must be positive"))
        XCTAssertNil(Settings.firstMention("perception.dim", in: "perception.dims is unknown"))
        let text = "critic_lr and lr differ; see perception.dim."
        XCTAssertEqual(Settings.firstMention("lr", in: text), text.range(of: " lr ")!.lowerBound.samePosition(in: text).map { text.index(after: $0) })
        XCTAssertTrue(Settings.mentions("perception.dim", in: text))
    }
}
