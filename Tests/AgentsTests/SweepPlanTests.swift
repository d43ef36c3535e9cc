import Foundation
@testable import Training
import XCTest

/// Sweep plans: expansion (product, exclusions, seed-major order, directories, train arguments),
/// refusals with their lines, and the Slurm array script.
final class SweepPlanTests: XCTestCase {
    private func plan(_ text: String) throws -> SweepPlan { try SweepPlan(text: text, path: "plan.toml") }

    /// The errors a plan is refused with, as "LINE: message" (nil line: "-").
    private func refusals(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [SweepPlanError] {
        do {
            _ = try plan(text)
            XCTFail("the plan was accepted", file: file, line: line)
            return []
        } catch let e as SweepPlanErrors {
            return e.errors
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    let stac = """
        # STAC's grid, small
        out = "runs/sweeps/stac"
        algorithms = ["ac"]
        environments = ["cartpole"]
        seeds = "0..2"
        steps = 8e5

        [settings]
        env_max_episode_steps = 200

        [grid]
        variant = [
          { name = "ac", coupling = "individual" },
          { name = "stac", coupling = "actor-leader" },
        ]
        "stackelberg.unroll" = [1, 80]

        [[exclude]]
        name = "ac only at m = 1"
        variant = "ac"
        "stackelberg.unroll" = 80
        """

    func testExpansionIsTheProductMinusExclusionsSeedMajor() throws {
        let p = try plan(stac)
        // 2 × 2 points − 1 excluded, × 3 seeds.
        XCTAssertEqual(p.runs.count, 9)
        XCTAssertEqual(p.excluded.map(\.name), ["ac only at m = 1"])
        XCTAssertEqual(p.excluded.map(\.count), [3])
        XCTAssertEqual(p.variants, ["ac+unroll=1", "stac+unroll=1", "stac+unroll=80"])
        // Seed-major: every configuration has seed 0 before any has seed 1.
        XCTAssertEqual(p.runs.map(\.seed), [0, 0, 0, 1, 1, 1, 2, 2, 2])
        XCTAssertEqual(p.runs.map(\.index), Array(0..<9))
        let r = p.runs[2]
        XCTAssertEqual(r.directory, "runs/sweeps/stac/stac+unroll=80/cartpole/ac-actor-leader/seed0")
        XCTAssertEqual(r.coupling, "actor-leader")
        XCTAssertEqual(r.steps, 800_000)
        XCTAssertEqual(r.trainArguments(resume: true),
                       ["train", "--algo", "ac", "--coupling", "actor-leader", "--env", "cartpole", "--seeds", "0", "--steps", "800000",
                        "--out", "runs/sweeps/stac/stac+unroll=80", "--quiet", "--jobs", "1",
                        "--set", "env_max_episode_steps=200", "--set", "stackelberg.unroll=80", "--resume"])
        // Each run's settings are resolved as train resolves them.
        XCTAssertEqual(try r.settings.int("stackelberg.unroll"), 80)
        XCTAssertEqual(try r.settings.int("total_steps"), 800_000)
        XCTAssertEqual(Set(p.runs.map(\.directory)).count, p.runs.count)
    }

    func testStepsPerEnvironmentEnvironmentSettingsAndBaselineCoupling() throws {
        let p = try plan("""
            algorithms = ["ppo"]
            environments = ["cartpole", "acrobot"]
            seeds = [3]
            steps = { cartpole = 5e5, acrobot = 4e5 }
            [environment_settings.acrobot]
            env_max_episode_steps = 300
            """)
        XCTAssertEqual(p.out, "runs/sweeps/plan")
        XCTAssertEqual(p.runs.map(\.steps), [500_000, 400_000])
        XCTAssertEqual(p.runs.map(\.coupling), ["monolithic", "monolithic"])
        XCTAssertEqual(p.runs[1].directory, "runs/sweeps/plan/default/acrobot/ppo-monolithic/seed3")
        XCTAssertEqual(try p.runs[1].settings.double("env_max_episode_steps"), 300)
        XCTAssertEqual(try p.runs[0].settings.double("env_max_episode_steps"), -1)
    }

    func testStringValuesThatReadAsNumbersAreQuotedForTrain() throws {
        let p = try plan("""
            algorithms = ["ppo"]
            couplings = ["blpo"]
            environments = ["cartpole"]
            seeds = [0]
            steps = 1e4
            [grid]
            "blpo.solver" = ["cg", "nystrom"]
            """)
        XCTAssertEqual(p.variants, ["solver=cg", "solver=nystrom"])
        XCTAssertTrue(p.runs[0].trainArguments().contains("blpo.solver=cg"))
    }

    func testUnknownKeysNamesAndSyntaxAreRefusedWithTheirLines() {
        let errors = refusals("""
            out = "x"
            algorithms = ["dqn",
              "sacc"]
            environments = ["cartpole", "cartpol"]
            seeds = [0]
            steps = 1e4
            colour = "red"
            [slurm]
            gpus = 1
            """)
        let byLine = Dictionary(errors.map { ($0.line ?? -1, $0.message) }, uniquingKeysWith: { a, b in a + " / " + b })
        XCTAssertTrue(byLine[3]?.contains("unknown algorithm \"sacc\"") == true, "\(errors)")
        XCTAssertTrue(byLine[3]?.contains("known: dqn") == true)
        // Said once, with the nearest name (it read "unknown environment \"cartpol\": unknown environment 'cartpol': …").
        XCTAssertTrue(byLine[4]?.contains("unknown environment 'cartpol': did you mean cartpole?") == true, "\(errors)")
        XCTAssertEqual(byLine[4]?.components(separatedBy: "unknown environment").count, 2, "\(errors)")
        XCTAssertTrue(byLine[7]?.contains("unknown key `colour`") == true, "\(errors)")
        XCTAssertTrue(byLine[7]?.contains("out, algorithms") == true)
        XCTAssertTrue(byLine[9]?.contains("unknown key `gpus` in [slurm]") == true, "\(errors)")
        XCTAssertTrue(errors.allSatisfy { $0.description.hasPrefix("plan.toml:") })

        let syntax = refusals("algorithms = [\"dqn\"\nseeds = [0]\n")
        XCTAssertEqual(syntax.count, 1)
        XCTAssertEqual(syntax.first?.line, 2)
        XCTAssertTrue(syntax.first?.message.hasPrefix("TOML syntax") == true)

        let missing = refusals("algorithms = [\"dqn\"]\n")
        XCTAssertTrue(missing.contains { $0.message.contains("`environments` is missing") })
        XCTAssertTrue(missing.contains { $0.message.contains("`seeds` is missing") })
        XCTAssertTrue(missing.contains { $0.message.contains("`steps` is missing") })
    }

    /// Fractional steps were rounded (1.5 ran as 2), a point named ".." put its runs outside the
    /// output root, and `[[[exclude]]]` aborted the process inside TOMLKit.
    func testFractionalStepsDotNamesAndBadHeadersAreRefusedWithTheirLines() {
        let steps = refusals("algorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = [0]\nsteps = 1.5\n")
        XCTAssertTrue(steps.contains { $0.line == 4 && $0.message.contains("must be a whole number of environment steps from 1 to 1e13") }, "\(steps)")
        // An agent's check that weighs two keys points at the one the refused runs' grid point sets.
        let weighed = refusals("algorithms = [\"ppo\"]\nenvironments = [\"cartpole\"]\nseeds = [0]\nsteps = 1e5\n[settings]\nminibatches = 3\n[grid]\nrollout_length = [96, 128]\n")
        XCTAssertEqual(weighed.map(\.line), [8], "\(weighed)")
        XCTAssertTrue(weighed.first?.message.contains("rollout_length=128/cartpole/ppo-monolithic") == true, "\(weighed)")
        // A refused budget in the per-environment table is one problem, not also a missing one.
        let perEnv = refusals("algorithms = [\"dqn\"]\nenvironments = [\"cartpole\", \"acrobot\"]\nseeds = [0]\nsteps = { acrobot = -5, cartpole = 1000 }\n")
        XCTAssertEqual(perEnv.map(\.message), ["steps for acrobot must be a whole number of environment steps from 1 to 1e13 (e.g. 5e6), got -5"])
        let dots = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole"]
            seeds = [0]
            steps = 1e4
            [grid]
            variant = [{ name = "..", lr = 0.001 }]
            """)
        XCTAssertTrue(dots.contains { $0.line == 6 && $0.message.contains("outside the sweep's output root") }, "\(dots)")
        let header = refusals("algorithms = [\"dqn\"]\n[[[exclude]]]\nname = \"x\"\n")
        XCTAssertEqual(header.first?.line, 2, "\(header)")
        XCTAssertEqual(PlanParser.directorySafe(".."), "__")
    }

    /// `seeds` reads as `--seeds` does ("5", "0,3,7", "0..2"), and each refusal says what is wrong.
    func testSeedsReadAsTheCommandLineReadsThemAndRefusalsSayWhy() throws {
        func seeds(_ v: String) throws -> [UInt64] {
            Array(Set(try plan("algorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = \(v)\nsteps = 1e4\n").runs.map(\.seed))).sorted()
        }
        XCTAssertEqual(try seeds("\"5\""), [5])
        XCTAssertEqual(try seeds("\"0,3,7\""), [0, 3, 7])
        XCTAssertEqual(try seeds("\"0..2\""), [0, 1, 2])
        XCTAssertEqual(try seeds("4"), [4])
        func refused(_ v: String) -> String {
            refusals("algorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = \(v)\nsteps = 1e4\n").first { $0.line == 3 }?.message ?? "(not refused on line 3)"
        }
        XCTAssertTrue(refused("\"3..1\"").contains("the range runs backwards"), refused("\"3..1\""))
        XCTAssertTrue(refused("\"0,,1\"").contains("has an empty entry"), refused("\"0,,1\""))
        XCTAssertTrue(refused("\"0..99999\"").contains("names more than 10,000 seeds (0 to 99999)"), refused("\"0..99999\""))
        XCTAssertTrue(refused("[0, -1]").contains("entry 2 (-1) is not a whole number"), refused("[0, -1]"))
        XCTAssertTrue(refused("[1, 2, 1]").contains("repeats seed 1"), refused("[1, 2, 1]"))
        XCTAssertTrue(refused("[]").contains("names no seed"), refused("[]"))
        XCTAssertTrue(refused("-2").contains("a seed is a whole number ≥ 0"), refused("-2"))
        // A count's number form is told to be written in digits; seeds from 2^63 read back as no seed.
        XCTAssertTrue(refused("1e3").contains("`seeds = 1e3`: write the seed in digits, as seeds = 1000"), refused("1e3"))  // as written, not "1000.0"
        XCTAssertTrue(refused("\"1e3\"").contains("write seed \"1e3\" in digits, as 1000"), refused("\"1e3\""))
        XCTAssertTrue(refused("[0, 5.0]").contains("entry 2 (5.0) is not a whole number ≥ 0 written in digits"), refused("[0, 5.0]"))
        XCTAssertTrue(refused("\"9223372036854775808\"").contains("seed 9223372036854775808 is too large: a seed is at most 9223372036854775807"),
                      refused("\"9223372036854775808\""))
        XCTAssertEqual(try seeds("\"9223372036854775807\""), [9_223_372_036_854_775_807])
        // The same parser behind --seeds.
        XCTAssertThrowsError(try SeedList.parse("1..x"))
        XCTAssertEqual(try SeedList.parse(" 2 , 9 "), [2, 9])
    }

    /// A setting the grid varies cannot also be set by a table (the table's value would never be
    /// used), nor by two axes; an unquoted dotted key in [grid] is a table, and says so.
    func testGridSettingsSetTwiceAndUnquotedDottedKeysAreRefusedWithTheirLines() {
        let head = "algorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = [0]\nsteps = 1e4\n"
        let both = refusals(head + "[settings]\nlr = 1e-3\n[grid]\nlr = [1e-3, 3e-4]\n")
        XCTAssertTrue(both.contains { $0.line == 6 && $0.message.contains("`lr` is set in [settings] and varied by grid axis `lr`") }, "\(both)")
        let perEnv = refusals(head + "[environment_settings.cartpole]\ngamma = 0.9\n[grid]\ngamma = [0.9, 0.99]\n")
        XCTAssertTrue(perEnv.contains { $0.line == 6 && $0.message.contains("[environment_settings.\"cartpole\"] and varied by grid axis `gamma`") }, "\(perEnv)")
        let twoAxes = refusals(head + "[grid]\nlr = [1e-3, 3e-4]\nvariant = [{ name = \"a\", lr = 1e-2 }]\n")
        XCTAssertTrue(twoAxes.contains { $0.message.contains("`lr` is set by grid axes") }, "\(twoAxes)")
        let escape = refusals("name = \"../../evil\"\n" + head)
        XCTAssertTrue(escape.contains { $0.line == 1 && $0.message.contains("must be one file name") }, "\(escape)")
        let dotted = refusals(head + "[grid]\nscorer.order = [\"follower_first\", \"leader_first\"]\n")
        XCTAssertTrue(dotted.contains { $0.line == 6 && $0.message.contains("quoted in [grid] (\"scorer.order\" = [a, b])") }, "\(dotted)")
    }

    /// A grid of ten million runs was expanded until killed; it is refused by its count at once.
    func testAPlanBeyondTheRunLimitIsRefusedBeforeExpanding() {
        let values = (1...100).map { "\($0)e-5" }.joined(separator: ", ")
        let start = Date()
        let errors = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole"]
            seeds = "0..9"
            steps = 1e4
            [grid]
            lr = [\(values)]
            gamma = [\((1...100).map { "0.\($0 + 100)" }.joined(separator: ", "))]
            adam_epsilon = [\((1...100).map { "\($0)e-9" }.joined(separator: ", "))]
            """)
        XCTAssertTrue(errors.contains { $0.message.contains("expands to 10000000 runs before exclusions; one plan holds at most 20000") }, "\(errors)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testEveryRunIsResolvedSoRefusedPairsAndBadSettingsSurfaceWithLines() {
        let errors = refusals("""
            algorithms = ["dqn"]
            couplings = ["monolithic", "actor-leader"]
            environments = ["cartpole", "pendulum"]
            seeds = [0, 1]
            steps = 1e4
            [settings]
            learning_rat = 0.1
            [grid]
            gamma = [0.99, 1.5]
            """)
        let text = errors.map(\.description)
        // The coupling dqn does not take: once, at the coupling's line, with the fix.
        XCTAssertEqual(text.filter { $0.contains("dqn does not take the coupling actor-leader") }.count, 1, "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("plan.toml:2: dqn-actor-leader") && $0.contains("[[exclude]]") }, "\(text)")
        // Unknown setting at its line (reported per pair, not per variant).
        XCTAssertTrue(text.contains { $0.hasPrefix("plan.toml:7: unknown setting learning_rat for dqn-monolithic") }, "\(text)")
        // Pendulum's box actions: refused at the environment's line.
        let plain = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole", "pendulum"]
            seeds = [0]
            steps = 1e4
            [grid]
            gamma = [0.99, 1.5]
            """)
        XCTAssertTrue(plain.contains { $0.line == 2 && $0.message.contains("pendulum/dqn-monolithic: dqn acts in discrete action spaces") }, "\(plain)")
        // A value out of range, at the grid line that sets it.
        XCTAssertTrue(plain.contains { $0.line == 6 && $0.message.contains("gamma=1.5/cartpole/dqn-monolithic: setting gamma must be in [0, 1], got 1.5") }, "\(plain)")
        // A bad value in [settings] holds for every grid point: one problem naming the configurations, not one
        // per point; and a second bad value is said too, not hidden behind the first.
        let both = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole"]
            seeds = [0, 1]
            steps = 1e4
            [settings]
            env_max_episode_steps = -3
            lr = -1
            [grid]
            gamma = [0.9, 0.95, 0.98, 0.99]
            """)
        let shared = both.filter { $0.message.contains("env_max_episode_steps") }
        XCTAssertEqual(shared.count, 1, "\(shared)")
        XCTAssertEqual(shared.first?.line, 6)
        XCTAssertEqual(both.filter { $0.line == 7 && $0.message.contains("setting lr must be positive, got -1 (in 4 configurations") }.count, 1, "\(both)")
        XCTAssertTrue(shared.first?.message.contains("got -3 (in 4 configurations, every seed: gamma=0.9/cartpole/dqn-monolithic, gamma=0.95/cartpole/dqn-monolithic, gamma=0.98/cartpole/dqn-monolithic, …)") == true, "\(shared)")
    }

    func testExclusionsAndDuplicatesAreChecked() {
        let errors = refusals("""
            algorithms = ["dqn", "dqn"]
            environments = ["cartpole"]
            seeds = [0, 0]
            steps = 1e4
            [grid]
            gamma = [0.9, 0.9]
            [[exclude]]
            name = "typo"
            algorithm = "ddqn"
            [[exclude]]
            algorithm = "dqn"
            [[exclude]]
            name = "bad field"
            colour = "red"
            """)
        let text = errors.map(\.description)
        XCTAssertTrue(text.contains { $0.hasPrefix("plan.toml:1:") && $0.contains("lists \"dqn\" twice") }, "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("plan.toml:3:") && $0.contains("repeats seed 0") }, "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("plan.toml:6:") && $0.contains("lists 0.9 twice") }, "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("plan.toml:10:") && $0.contains("has no name") }, "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("plan.toml:14:") && $0.contains("unknown field `colour`") }, "\(text)")

        let unmatched = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole"]
            seeds = [0]
            steps = 1e4
            [[exclude]]
            name = "typo"
            algorithm = "ddqn"
            """)
        XCTAssertEqual(unmatched.map(\.line), [5])
        XCTAssertTrue(unmatched[0].message.contains("matches no run"))

        // A repeat of an earlier exclusion matches runs: it is named as a repeat, not as a typo.
        let repeated = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole"]
            seeds = [0, 1]
            steps = 1e4
            [[exclude]]
            name = "a"
            seed = 1
            [[exclude]]
            name = "c"
            seed = 1
            """)
        XCTAssertEqual(repeated.map(\.line), [8])
        XCTAssertTrue(repeated[0].message.contains("leaves out only runs that the earlier [[exclude]] \"a\" (line 5) leaves out already"), "\(repeated)")
    }

    /// A file where a run's directory goes: `sweep run` said "cannot write RUN/sweep.log: is the output root
    /// writable?" and `sweep status` called the run pending; the plan is refused with the run and the file.
    func testAFileWhereARunsDirectoryGoesIsRefused() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-file-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try FileManager.default.createDirectory(atPath: out + "/default/cartpole", withIntermediateDirectories: true)
        try "x".write(toFile: out + "/default/cartpole/dqn-monolithic", atomically: true, encoding: .utf8)
        let errors = refusals("out = \"\(out)\"\nalgorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = [0]\nsteps = 1e4\n")
        XCTAssertTrue(errors.contains { $0.message.contains("default/cartpole/dqn-monolithic/seed0: \(out)/default/cartpole/dqn-monolithic is a file, not a directory, and the run's directory goes under it: move it") }, "\(errors)")
        // Under every seed: one problem naming the runs.
        let seeds = refusals("out = \"\(out)\"\nalgorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = [0, 1, 2]\nsteps = 1e4\n")
        XCTAssertEqual(seeds.count, 1, "\(seeds)")
        XCTAssertTrue(seeds.first?.message.contains("(in 3 runs: default/cartpole/dqn-monolithic/seed0, default/cartpole/dqn-monolithic/seed1, default/cartpole/dqn-monolithic/seed2)") == true, "\(seeds)")
        // A link to nothing, or a loop, where a run's directory or the output root goes: refused too, where
        // `sweep run` failed on it with "a file of that name exists" and `sweep status` said pending.
        try FileManager.default.removeItem(atPath: out + "/default/cartpole/dqn-monolithic")
        try FileManager.default.createDirectory(atPath: out + "/default/cartpole/dqn-monolithic", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: out + "/default/cartpole/dqn-monolithic/seed0", withDestinationPath: out + "/nowhere")
        let dangling = refusals("out = \"\(out)\"\nalgorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = [0]\nsteps = 1e4\n")
        XCTAssertTrue(dangling.contains { $0.message.contains("seed0 is a link to nothing (\(out)/nowhere does not exist), where the run's directory goes: remove it or point it at a directory") }, "\(dangling)")
        try FileManager.default.createSymbolicLink(atPath: out + "/loop", withDestinationPath: out + "/loop")
        let loop = refusals("out = \"\(out)/loop/sub\"\nalgorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = [0]\nsteps = 1e4\n")
        XCTAssertEqual(loop.map(\.line), [1])
        XCTAssertTrue(loop.first?.message.contains("`out` lies under \(out)/loop, which is a loop of links (through \(out)/loop)") == true, "\(loop)")
    }

    /// [slurm] values the array script would have carried unchecked: a limit within the checkpoint signal
    /// (every task requeues at once, forever), empty texts (`--partition=""`, an empty executable), and
    /// extra lines that are no option or one the script writes itself.
    func testSlurmValuesThatCouldNotRunAreRefused() {
        let head = "algorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = [0]\nsteps = 1e4\n[slurm]\n"
        for (body, said) in [("time = \"00:02:00\"\nsignal_seconds = 600", "slurm.time \"00:02:00\" (120 s) is not longer than slurm.signal_seconds (600 s"),
                             ("time = \"3\"", "slurm.time \"3\" (180 s) is not longer than slurm.signal_seconds (180 s"),
                             ("partition = \"\"", "slurm.partition is empty"), ("executable = \" \"", "slurm.executable is empty"),
                             ("extra = [\"--array=0-3\"]", "sets an option the array script writes itself"),
                             ("extra = [\"--time=10\"]", "(give it as slurm.time)"),
                             ("extra = [\"no-dashes\"]", "is not an sbatch option")] {
            let errors = refusals(head + body + "\n")
            XCTAssertTrue(errors.contains { $0.message.contains(said) }, "\(body): \(errors)")
        }
        XCTAssertNoThrow(try plan(head + "time = \"2-00\"\nextra = [\"--constraint=avx2\", \"-C avx2\"]\n"))
        for (time, seconds) in [("30", 1_800), ("30:15", 1_815), ("01:02:03", 3_723), ("2-00", 172_800), ("1-02:03", 93_780), ("1-00:00:05", 86_405)] {
            XCTAssertEqual(PlanParser.slurmSeconds(time), seconds, time)
        }
        XCTAssertEqual(PlanParser.slurmSeconds("99999999999-00"), Int.max)
    }

    /// A second plan with the first's `out` overwrote its manifest (and compare's labels of its runs).
    func testASecondPlanUnderOneOutputRootIsRefused() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-out-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        func named(_ name: String) throws -> SweepPlan {
            try SweepPlan(text: "name = \"\(name)\"\nout = \"\(out)\"\nalgorithms = [\"dqn\"]\nenvironments = [\"cartpole\"]\nseeds = [0]\nsteps = 1e4\n", path: "\(name).toml")
        }
        try named("first").writeManifest()
        try named("first").writeManifest()  // the same plan again
        XCTAssertThrowsError(try named("second").writeManifest()) { error in
            XCTAssertTrue("\(error)".contains("holds the runs of another plan, \"first\" (first.toml)"), "\(error)")
        }
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: out + "/sweep.json"))) as? [String: Any])
        XCTAssertEqual(manifest["name"] as? String, "first")
    }

    /// A line break in `out` split the Slurm script's `#SBATCH --output=` line (the rest ran as shell).
    func testAnOutputRootWithALineBreakIsRefused() {
        let errors = refusals("""
            out = "/tmp/x\\nrm -rf y"
            algorithms = ["dqn"]
            environments = ["cartpole"]
            seeds = [0]
            steps = 1e4
            """)
        XCTAssertTrue(errors.contains { $0.line == 1 && $0.message.contains("`out` holds a control character (U+000A") }, "\(errors)")
    }

    /// Names that a directory cannot hold become "_": the message named both variants "_"; it gives them as written.
    func testVariantsThatShareADirectoryAreNamedAsWritten() {
        let errors = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole"]
            seeds = [0]
            steps = 1e4
            [grid]
            v = [{ name = "ü", gamma = 0.9 }, { name = "é", gamma = 0.8 }]
            """)
        XCTAssertTrue(errors.contains { $0.message.contains("would share the run directory") && $0.message.contains("(variants \"ü\" and \"é\" as written;") }, "\(errors)")
        // On lines of their own, the message is at the later one's and names the earlier one's.
        let apart = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole"]
            seeds = [0]
            steps = 1e4
            [[grid.v]]
            name = "ü"
            gamma = 0.9
            [[grid.v]]
            name = "é"
            gamma = 0.8
            """)
        XCTAssertTrue(apart.contains { $0.line == 8 && $0.message.contains("would share the run directory") && $0.message.contains("(the first is at line 5)") }, "\(apart)")
    }

    /// Two spellings of one environment would share run directories; refused at the second spelling's line
    /// (said as two runs sharing a directory, without a line, before).
    func testTwoSpellingsOfOneEnvironmentWouldShareDirectoriesAndAreRefused() {
        let errors = refusals("""
            algorithms = ["dqn"]
            environments = ["minatar/breakout", "MinAtar/Breakout"]
            seeds = [0]
            steps = 1e4
            """)
        XCTAssertTrue(errors.contains { $0.line == 2 && $0.message.contains("`environments` lists minatar/breakout twice, as \"minatar/breakout\" and as \"MinAtar/Breakout\"") }, "\(errors)")
        // One spelling twice is said once, not a second time as "another spelling" of itself.
        let same = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole", "cartpole"]
            seeds = [0]
            steps = 1e4
            """)
        XCTAssertEqual(same.filter { $0.message.contains("twice") }.map(\.message), ["`environments` lists \"cartpole\" twice: list each once"])
        // Three listings in two spellings are one problem, said once (a probe found it said twice).
        let three = refusals("""
            algorithms = ["dqn"]
            environments = ["cartpole", "CartPole", "cartpole"]
            seeds = [0]
            steps = 1e4
            """)
        XCTAssertEqual(three.map(\.message), ["`environments` lists cartpole 3 times, as \"cartpole\", \"CartPole\" and \"cartpole\": list each once"])
    }

    /// An unknown key is said once at its line, naming every algorithm-coupling pair (once per pair before).
    func testAnUnknownKeyIsSaidOnceForEveryPair() {
        let errors = refusals("""
            algorithms = ["ppo"]
            couplings = ["monolithic", "nested", "blpo"]
            environments = ["cartpole"]
            seeds = [0]
            steps = 1e4
            [settings]
            gama = 0.9
            """)
        XCTAssertEqual(errors.map(\.line), [7], "\(errors)")
        XCTAssertTrue(errors.first?.message.hasPrefix("unknown setting gama (did you mean gamma?) for ppo-monolithic, ppo-nested and ppo-blpo:") == true, "\(errors)")
    }

    func testSlurmScriptHasOneTaskPerRunTheResourcesAndRequeue() throws {
        let p = try plan(stac + """

            [slurm]
            partition = "cpu"
            time = "2-00:00:00"
            cpus = 2
            mem = "4G"
            max_parallel = 50
            account = "lab"
            qos = "normal"
            extra = ["--constraint=avx2"]
            """)
        XCTAssertEqual(p.slurm.partition, "cpu")
        XCTAssertEqual(SlurmScript.arraySpec([0, 1, 2, 5, 7, 8]), "0-2,5,7-8")
        let s = SlurmScript.render(plan: p, indices: [0, 1, 2, 5], executable: "/opt/bin/stackelberg", workingDirectory: "/home/u/exp", logDirectory: "/home/u/exp/logs")
        for line in ["#SBATCH --array=0-2,5%50", "#SBATCH --partition=cpu", "#SBATCH --time=2-00:00:00", "#SBATCH --cpus-per-task=2",
                     "#SBATCH --mem=4G", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@180", "#SBATCH --constraint=avx2",
                     "#SBATCH --output=/home/u/exp/logs/%A_%a.out", "S=/opt/bin/stackelberg", "cd /home/u/exp || exit 1",
                     "trap on_term TERM INT", "trap on_limit USR1"] {
            XCTAssertTrue(s.contains(line + "\n"), "missing \(line)")
        }
        // Every option the script writes is one a plan's `extra` may not repeat (the list the plan check reads).
        let options = s.split(separator: "\n").filter { $0.hasPrefix("#SBATCH --") }.map { String($0.dropFirst(8).split(separator: "=").first!) }
        XCTAssertEqual(Set(options).subtracting(["--constraint"]), SlurmScript.writtenOptions)
        // One case per task, each the run's train command; none for runs not asked for.
        XCTAssertTrue(s.contains("  5) dir=runs/sweeps/stac/stac+unroll=80/cartpole/ac-actor-leader/seed1; args=(train --algo ac --coupling actor-leader"))
        XCTAssertFalse(s.contains("  3) dir="))
        XCTAssertTrue(s.contains("resume=(--resume)"))
        let bad = refusals(stac + "\n[slurm]\ntime = \"two days\"\ncpus = 0\n")
        XCTAssertTrue(bad.contains { $0.message.contains("slurm.time \"two days\" is not Slurm's format") }, "\(bad)")
        XCTAssertTrue(bad.contains { $0.message.contains("slurm.cpus must be a whole number ≥ 1") }, "\(bad)")
        // Values sbatch would split at a space are double-quoted, as its directive reader expects.
        let spaced = SlurmScript.render(plan: p, indices: [0], executable: "/opt/bin/stackelberg", workingDirectory: "/home/u/my exp", logDirectory: "/home/u/my exp/logs")
        XCTAssertTrue(spaced.contains("#SBATCH --output=\"/home/u/my exp/logs/%A_%a.out\"\n"), spaced)
        XCTAssertEqual(SlurmScript.slurmQuoted("a\"b\\c"), "\"a\\\"b\\\\c\"")
    }

    /// `[slurm] mem` in Slurm's units (K, M, G, T; megabytes without one) as the bytes each task gets, which
    /// the runs' memory check judges against; 0 (Slurm's "the whole node") and other formats give none.
    func testSlurmMemIsReadInSlurmsUnits() {
        XCTAssertEqual(MemoryLimit(slurmMem: "4G")?.bytes, 4 * 1024 * 1024 * 1024)
        XCTAssertEqual(MemoryLimit(slurmMem: "500M")?.bytes, 500 * 1024 * 1024)
        XCTAssertEqual(MemoryLimit(slurmMem: "4096")?.bytes, 4096 * 1024 * 1024)
        XCTAssertEqual(MemoryLimit(slurmMem: "2T")?.bytes, 2 * 1024 * 1024 * 1024 * 1024)
        XCTAssertNil(MemoryLimit(slurmMem: "0"))
        XCTAssertNil(MemoryLimit(slurmMem: "4g"))
        XCTAssertNil(MemoryLimit(slurmMem: "lots"))
        XCTAssertEqual(MemoryLimit(slurmMem: "4G")?.holder, "each Slurm task")
    }
}
