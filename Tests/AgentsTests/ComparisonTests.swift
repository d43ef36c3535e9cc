import Autodiff
@testable import Training
import XCTest

final class ComparisonTests: XCTestCase {
    /// `--threshold` values: one per environment (ENV=VALUE, the environment before the last "="), a bare one
    /// for the rest; a second bare value, an environment named twice, a non-number and a name no run trained
    /// on are refused (a second --threshold silently replaced the first).
    func testReturnThresholdsAreParsedPerEnvironment() throws {
        let t = try ReturnThresholds(parsing: ["minatar/breakout=17", "-100", " minatar/asterix = 2.5 "])
        XCTAssertEqual(t.value(for: "minatar/breakout"), 17)
        XCTAssertEqual(t.value(for: "minatar/asterix"), 2.5)
        XCTAssertEqual(t.value(for: "acrobot"), -100)
        XCTAssertTrue(try ReturnThresholds(parsing: []).isEmpty)
        XCTAssertNil(try ReturnThresholds(parsing: ["cartpole=1"]).value(for: "acrobot"))
        XCTAssertNoThrow(try t.check(against: ["minatar/breakout", "minatar/asterix"]))
        XCTAssertThrowsError(try t.check(against: ["minatar/breakout"])) {
            XCTAssertTrue("\($0)".contains("--threshold names minatar/asterix, which no compared run trained on"), "\($0)")
        }
        for (values, said) in [(["1", "2"], "two bare values (1 and 2)"), (["a=1", "a=2"], "names a twice"),
                               (["=3"], "no environment before"), (["a=x"], "\"x\" is not a number"),
                               (["nan"], "must be a finite return"), (["a=-inf"], "must be a finite return")] {
            XCTAssertThrowsError(try ReturnThresholds(parsing: values), "\(values)") { XCTAssertTrue("\($0)".contains(said), "\(values): \($0)") }
        }
    }

    func testInterquartileMeanIsScipysTrimMean() {
        // scipy.stats.trim_mean(x, 0.25) for each.
        XCTAssertEqual(RobustStatistics.iqm([1, 2, 3, 4, 100]), 3)
        XCTAssertEqual(RobustStatistics.iqm([5, 1, 9, 2, 8, 3, 7, 4]), 4.75)
        XCTAssertEqual(RobustStatistics.iqm([3]), 3)
        XCTAssertEqual(RobustStatistics.iqm([1, 2, 3, 4, 5, 6, 7]), 4)
        XCTAssertTrue(RobustStatistics.iqm([]).isNaN)
    }

    func testProbabilityOfImprovementCountsTiesAsHalf() {
        XCTAssertEqual(RobustStatistics.probabilityOfImprovement([2, 3], over: [1, 2]), (1 + 1 + 1 + 0.5) / 4)
        XCTAssertEqual(RobustStatistics.probabilityOfImprovement([0], over: [1]), 0)
    }

    /// Steps to a threshold read "0.00M" for a short run.
    func testStepCountsKeepTheirDigits() {
        XCTAssertEqual(stepCount(1_900_000), "1.90M")
        XCTAssertEqual(stepCount(440_000), "0.44M")
        XCTAssertEqual(stepCount(42_300), "42.3k")
        XCTAssertEqual(stepCount(3_072), "3072")
    }

    func testBootstrapIntervalIsReproducibleAndCoversTheStatistic() {
        let x = (0..<20).map { Double($0) }
        let a = RobustStatistics.percentileInterval([x]) { RobustStatistics.iqm($0[0]) }
        let b = RobustStatistics.percentileInterval([x]) { RobustStatistics.iqm($0[0]) }
        XCTAssertEqual(a.low, b.low); XCTAssertEqual(a.high, b.high)
        XCTAssertLessThan(a.low, RobustStatistics.iqm(x)); XCTAssertGreaterThan(a.high, RobustStatistics.iqm(x))
        XCTAssertGreaterThan(a.low, 4); XCTAssertLessThan(a.high, 15)
        let constant = RobustStatistics.percentileInterval([[2, 2, 2]]) { RobustStatistics.iqm($0[0]) }
        XCTAssertEqual(constant.low, 2); XCTAssertEqual(constant.high, 2)
    }

    /// Runs of one algorithm-coupling pair with different settings are separate groups, named by the
    /// settings that differ; seeds of the same settings pool, whatever other couplings' options say.
    func testRunsWithDifferentSettingsAreNotPooled() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, unroll, seed) in [("a", 1, 0), ("a", 1, 1), ("b", 80, 0), ("c", 1, 2), ("d", 1, 3)] {
            let dir = "\(root)/\(name)/seed\(seed)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // stackelberg.unroll differs too, but an individual run ignores it: it splits nothing;
            // nor do the logging and checkpoint cadences.
            // A key the toolkit no longer has (here in one seed of a only) does not split either.
            let removed = seed == 1 ? "retired.setting = true\n" : ""
            try ("algo = \"ac\"\ncoupling = \"individual\"\nenv = \"cartpole\"\ntotal_steps = 100\nindividual.unroll = \(unroll)\nstackelberg.unroll = \(seed + 1)\ncheckpoint_interval = \(seed + 7)\nlog_interval = \(seed + 3)\n" + removed)
                .write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
            // Run c failed before its first episode: left out and named, not scored.
            try (name == "c" ? "env_step,copy,return,length\n" : "env_step,copy,return,length\n95,0,\(10 * unroll),10\n")
                .write(toFile: dir + "/episodes.csv", atomically: true, encoding: .utf8)
            try "env_step,mean_return,returns\n100,5,5\n".write(toFile: dir + "/eval.csv", atomically: true, encoding: .utf8)
            // Run d has not finished: its last evaluation is a mid-run one.
            if name != "d" { try "{}".write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8) }
        }
        // A directory given twice, and one inside another given, count once.
        let c = try Comparison(paths: [root, root + "/a", root + "/a/seed0"])
        XCTAssertEqual(c.empty, ["\(root)/c/seed2"])
        XCTAssertEqual(c.unfinished, ["\(root)/d/seed3"])
        XCTAssertTrue(c.markdown(threshold: nil).contains("Left out (not finished: no summary.json; --include-unfinished pools them): \(root)/d/seed3"))
        XCTAssertEqual(try Comparison(paths: [root], includeUnfinished: true).runs(of: "ac-individual [individual.unroll=1]").count, 3)
        XCTAssertTrue(c.markdown(threshold: nil).contains("Left out (no finished training episode): \(root)/c/seed2"))
        XCTAssertEqual(Set(c.groups), ["ac-individual [individual.unroll=1]", "ac-individual [individual.unroll=80]"])
        XCTAssertEqual(c.runs(of: "ac-individual [individual.unroll=1]").count, 2)
        XCTAssertEqual(c.scores("ac-individual [individual.unroll=80]"), [800])
        // Each seed's own score and greedy evaluation, under the IQM table.
        XCTAssertTrue(c.markdown(threshold: nil).contains("| ac-individual [individual.unroll=1] | 0: 10.00 (5.00), 1: 10.00 (5.00) |\n| ac-individual [individual.unroll=80] | 0: 800.00 (5.00) |")
                      || c.markdown(threshold: nil).contains("| ac-individual [individual.unroll=80] | 0: 800.00 (5.00) |\n| ac-individual [individual.unroll=1] | 0: 10.00 (5.00), 1: 10.00 (5.00) |"),
                      c.markdown(threshold: nil))
    }

    /// `--at N` scores each run as a run of `total_steps = N` would have ended: cut at the end of the
    /// batch that reaches N (here batches of 10 steps), whether it has finished or not; a run short of
    /// that is left out and named, and a finished run cut at its own total is itself.
    func testAtScoresEveryRunAsARunOfThatManyStepsWouldEnd() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("compare-at-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let config = "algo = \"ac\"\ncoupling = \"individual\"\nenv = \"cartpole\"\ntotal_steps = 100\nbatch_steps = 10\n"
        func write(_ name: String, episodes: [(Int, Double)], evaluations: [(Int, Double)], lastUpdate: Int?, finished: Bool) throws {
            let dir = "\(root)/\(name)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try config.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
            try ("env_step,copy,return,length\n" + episodes.map { "\($0.0),0,\($0.1),5\n" }.joined())
                .write(toFile: dir + "/episodes.csv", atomically: true, encoding: .utf8)
            try ("env_step,mean_return,returns\n" + evaluations.map { "\($0.0),\($0.1),\($0.1)\n" }.joined())
                .write(toFile: dir + "/eval.csv", atomically: true, encoding: .utf8)
            if let lastUpdate { try "env_step,updates\n\(lastUpdate),1\n".write(toFile: dir + "/updates.csv", atomically: true, encoding: .utf8) }
            if finished { try "{}".write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8) }
        }
        // Finished, 100 steps; unfinished at 60; unfinished at 30.
        try write("a/seed0", episodes: [(44, 1), (47, 2), (52, 3), (90, 20), (100, 30)], evaluations: [(50, 4), (100, 5)], lastUpdate: 100, finished: true)
        try write("b/seed1", episodes: [(43, 7), (49, 9), (58, 11)], evaluations: [], lastUpdate: 60, finished: false)
        try write("c/seed2", episodes: [(12, 1), (30, 2)], evaluations: [], lastUpdate: 30, finished: false)

        // At 45: cut at 50, the batch that reaches 45; the score is over (40.5, 50].
        let at45 = try Comparison(paths: [root], at: 45)
        XCTAssertEqual(at45.groups, ["ac-individual"])
        XCTAssertEqual(at45.scores("ac-individual"), [1.5, 8])
        XCTAssertEqual(at45.evaluations("ac-individual")[0], 4)
        XCTAssertTrue(at45.evaluations("ac-individual")[1].isNaN)
        XCTAssertEqual(at45.runs.map(\.stepsTrained), [50, 50])
        XCTAssertEqual(at45.unfinished, [])
        XCTAssertEqual(at45.shortOfSteps.map(\.directory), ["\(root)/c/seed2"])
        let report = at45.markdown(threshold: nil)
        XCTAssertTrue(report.contains("Left out (not trained through the batch that reaches step 45): \(root)/c/seed2 (not finished; logged to 30, counts once it has logged past 50)"), report)
        XCTAssertTrue(report.contains("Each run's first 45 environment steps (--at)"), report)
        // Each seed's greedy score with the step of its evaluation (none by the cut: –).
        XCTAssertTrue(report.contains("| ac-individual | 0: 1.50 (4.00 at 50), 1: 8.00 (–) |"), report)
        // An unfinished run counts for a batch once it has logged past its end: run b, logged to 60, for the
        // batch ending at 50 but not for the one ending at 60, whose evaluation a stop inside it leaves unlogged.
        XCTAssertEqual(try Comparison(paths: [root], at: 50).runs.count, 2)
        XCTAssertEqual(try Comparison(paths: [root], at: 55).shortOfSteps.map(\.directory), ["\(root)/b/seed1", "\(root)/c/seed2"])
        // A finished run short of the batch.
        XCTAssertThrowsError(try Comparison(paths: [root + "/a"], at: 101)) {
            XCTAssertEqual($0 as? TrainingError, .noneAtSteps([root + "/a"], steps: 101, furthest: 100))
        }
        // Every run past the cut, but no episode ended by then: refused, asking for a larger step.
        XCTAssertThrowsError(try Comparison(paths: [root], at: 5)) {
            XCTAssertEqual($0 as? TrainingError, .noEpisodeByStep([root], steps: 5))
            XCTAssertTrue("\($0)".contains("give a larger --at"), "\($0)")
        }
        // A finished run cut at its own total is itself: the same score (over (90, 100]) and greedy score.
        let whole = try Comparison(paths: [root + "/a"]), cut = try Comparison(paths: [root + "/a"], at: 100)
        XCTAssertEqual(cut.scores("ac-individual"), whole.scores("ac-individual"))
        XCTAssertEqual(cut.scores("ac-individual"), [30])
        XCTAssertEqual(cut.evaluations("ac-individual"), whole.evaluations("ac-individual"))
        // No run that far: refused with the furthest any has trained.
        XCTAssertThrowsError(try Comparison(paths: [root], at: 1000)) {
            XCTAssertEqual($0 as? TrainingError, .noneAtSteps([root], steps: 1000, furthest: 100))
            XCTAssertTrue("\($0)".contains("give a smaller --at"), "\($0)")
        }
    }

    /// A finished run's directory as `train` leaves it, with `config`, one training episode (return 10
    /// at step 95), one evaluation (5 at step 100) and a summary.
    private func writeFinishedRun(_ dir: String, config: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try config.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        try "env_step,copy,return,length\n95,0,10,10\n".write(toFile: dir + "/episodes.csv", atomically: true, encoding: .utf8)
        try "env_step,mean_return,returns\n100,5,5\n".write(toFile: dir + "/eval.csv", atomically: true, encoding: .utf8)
        try "{}".write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8)
    }

    /// A config naming an algorithm, coupling or environment the toolkit does not have, or an environment
    /// other than the one its summary records, is damage: before, `algo = "zzz"` made a group of its own and
    /// `env` edited to another moved the seed into that environment's column.
    func testAConfigNamingWhatTheToolkitDoesNotHaveOrAnotherEnvironmentIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("compare-names-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, config, said) in [("algo", "algo = \"zzz\"\ncoupling = \"individual\"\nenv = \"cartpole\"", "names the algorithm \"zzz\", which `stackelberg train` does not have"),
                                     ("coupling", "algo = \"ac\"\ncoupling = \"zzz\"\nenv = \"cartpole\"", "names the coupling \"zzz\""),
                                     ("env", "algo = \"ac\"\ncoupling = \"individual\"\nenv = \"cartpol\"", "names the environment \"cartpol\", which `stackelberg env list` does not list")] {
            try writeFinishedRun("\(root)/\(name)/seed0", config: config + "\ntotal_steps = 100\n")
            XCTAssertThrowsError(try Comparison(paths: ["\(root)/\(name)"])) { XCTAssertTrue("\($0)".contains(said), "\($0)") }
        }
        try writeFinishedRun("\(root)/moved/seed0", config: "algo = \"ac\"\ncoupling = \"individual\"\nenv = \"cartpole\"\ntotal_steps = 100\n")
        try "{\"env\": \"mujoco/halfcheetah\"}".write(toFile: "\(root)/moved/seed0/summary.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Comparison(paths: ["\(root)/moved"])) {
            XCTAssertTrue("\($0)".contains("summary.json says the run trained on mujoco/halfcheetah, where config.toml says env = \"cartpole\""), "\($0)")
        }
        // The registry's other spellings of the same environment are the same environment.
        try "{\"env\": \"CartPole\"}".write(toFile: "\(root)/moved/seed0/summary.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(try Comparison(paths: ["\(root)/moved"]).groups, ["ac-individual"])
    }

    /// A solver's options split groups only among runs of a solver that reads them: Neumann runs whose
    /// CG budget differs are one group; CG runs whose budget differs are two.
    func testASolversOptionsSplitOnlyRunsOfThatSolver() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("compare-solver-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        func write(_ name: String, solver: String, iterations: Int, seed: Int) throws {
            try writeFinishedRun("\(root)/\(name)/seed\(seed)",
                                 config: "algo = \"ddpg\"\ncoupling = \"actor-leader\"\nenv = \"pendulum\"\ntotal_steps = 100\nstackelberg.solver = \"\(solver)\"\nstackelberg.cg_iterations = \(iterations)\n")
        }
        try write("neumann5", solver: "neumann", iterations: 5, seed: 0)
        try write("neumann20", solver: "neumann", iterations: 20, seed: 1)
        XCTAssertEqual(try Comparison(paths: [root]).groups, ["ddpg-actor-leader"])
        try write("cg5", solver: "cg", iterations: 5, seed: 0)
        try write("cg20", solver: "cg", iterations: 20, seed: 1)
        let c = try Comparison(paths: [root])
        XCTAssertEqual(Set(c.groups), ["ddpg-actor-leader [stackelberg.cg_iterations=5 stackelberg.solver=\"cg\"]",
                                       "ddpg-actor-leader [stackelberg.cg_iterations=20 stackelberg.solver=\"cg\"]",
                                       "ddpg-actor-leader [stackelberg.solver=\"neumann\"]"])
        XCTAssertEqual(c.runs(of: "ddpg-actor-leader [stackelberg.solver=\"neumann\"]").count, 2)
    }

    /// A group named by several differing settings lists them in sorted order, whatever order the
    /// config files (or the hash of a parsed table) give them, so tables and figures do not change
    /// from one `compare` to the next.
    func testGroupNamesListTheirSettingsSorted() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("compare-order-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, unroll, gamma) in [("a", 1, "0.99"), ("b", 80, "0.9")] {
            try writeFinishedRun("\(root)/\(name)/seed0",
                                 config: "algo = \"ac\"\ncoupling = \"individual\"\nenv = \"cartpole\"\ntotal_steps = 100\nindividual.unroll = \(unroll)\ngamma = \(gamma)\n")
        }
        for _ in 0..<3 {
            XCTAssertEqual(Set(try Comparison(paths: [root]).groups),
                           ["ac-individual [gamma=0.99 individual.unroll=1]", "ac-individual [gamma=0.9 individual.unroll=80]"])
        }
        // Runs of other GEMM kernels pool, and the table says which kernels trained which runs.
        XCTAssertFalse(try Comparison(paths: [root]).markdown(threshold: nil).contains("GEMM kernels differ"))
        for (name, header) in [("a", "# gemm = libxsmm cpx\n"), ("b", "# gemm = openblas Haswell\n")] {
            let path = "\(root)/\(name)/seed0/config.toml"
            try (header + (try String(contentsOfFile: path, encoding: .utf8)) + (name == "b" ? "# resumed = 2026-12-01T00:00:00Z, commit = abc, gemm = libxsmm cpx\n" : ""))
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        let c = try Comparison(paths: [root])
        XCTAssertEqual(c.runs.map(\.gemmKernels).sorted { $0.count < $1.count }, [["libxsmm cpx"], ["openblas Haswell", "libxsmm cpx"]])
        XCTAssertTrue(c.markdown(threshold: nil).contains("GEMM kernels differ between runs (seeds pool regardless: the kernels change rounding, not the algorithm): libxsmm cpx: 1 run; openblas Haswell → libxsmm cpx: 1 run"),
                      c.markdown(threshold: nil))
    }

    /// Over several environments a pair keeps one name: a setting that differs between its runs in
    /// one environment only (here γ, as a longer run or a variant not yet run elsewhere would) names
    /// its groups in every environment, so the table has no half-empty duplicate rows. Groups are
    /// ordered by their settings' values as numbers (0, 0.3, 0.7, 1, not 0, 0.3, 0.7, 1 as text
    /// sorts "0.3" before "0"); the steps column and the curves reach the steps a run trained past
    /// its total_steps (whole batches).
    func testASweepNamesAPairAlikeInEveryEnvironmentAndOrdersValuesAsNumbers() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("compare-sweep-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runs: [(env: String, gamma: String, seed: Int)] = [("cartpole", "0.99", 0), ("cartpole", "0.3", 0), ("cartpole", "0", 0), ("cartpole", "1", 0), ("acrobot", "0.99", 0),
                                                                ("acrobot", "0.5", 0)]
        for (env, gamma, seed) in runs {
            let dir = "\(root)/g\(gamma)/\(env)/ac-individual/seed\(seed)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // Batches of 128 steps: 100 steps train 128, as the summary records.
            try "algo = \"ac\"\ncoupling = \"individual\"\nenv = \"\(env)\"\ntotal_steps = 100\nbatch_steps = 128\ngamma = \(gamma)\n"
                .write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
            try "env_step,copy,return,length\n95,0,10,10\n120,0,30,10\n".write(toFile: dir + "/episodes.csv", atomically: true, encoding: .utf8)
            try "env_step,mean_return,returns\n128,5,5\n".write(toFile: dir + "/eval.csv", atomically: true, encoding: .utf8)
            try "{\"env_steps\": 128}".write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8)
        }
        let sweep = try SweepComparison(paths: [root])
        // Numeric over the whole table, not per environment: acrobot's 0.5 goes between cartpole's 0.3 and 0.99.
        XCTAssertEqual(sweep.groups, ["ac-individual [gamma=0]", "ac-individual [gamma=0.3]", "ac-individual [gamma=0.5]",
                                      "ac-individual [gamma=0.99]", "ac-individual [gamma=1]"])
        let acrobot = try XCTUnwrap(sweep.comparisons.first { $0.env == "acrobot" })
        XCTAssertEqual(acrobot.groups, ["ac-individual [gamma=0.5]", "ac-individual [gamma=0.99]"])
        // One environment alone names nothing it does not need to.
        XCTAssertEqual(try Comparison(paths: [root + "/g0.99/acrobot"]).groups, ["ac-individual"])
        XCTAssertTrue(acrobot.markdown(threshold: nil).contains("| ac-individual [gamma=0.99] | 1 | 128 |"), acrobot.markdown(threshold: nil))
        let curve = acrobot.curve("ac-individual [gamma=0.99]")
        XCTAssertEqual(curve.last?.step, 128)
        XCTAssertEqual(curve.last?.iqm, 20)
    }

    /// The note of a resume under other GEMM kernels: silent under the same kernels, the way back to
    /// the checkpoint's (every variable that decides them), and no false way back once an earlier
    /// resume already changed them.
    func testAResumeUnderOtherGEMMKernelsSaysHowToGetThemBack() {
        XCTAssertNil(gemmResumeNote(savedKernels: "libxsmm cpx", changedBefore: false, now: "libxsmm cpx"))
        XCTAssertNil(gemmResumeNote(savedKernels: nil, changedBefore: true, now: "openblas Haswell"))
        let toOpenBLAS = gemmResumeNote(savedKernels: "openblas Haswell, 2 threads", changedBefore: false, now: "libxsmm cpx")
        XCTAssertTrue(toOpenBLAS?.contains("STACKELBERG_GEMM=openblas OPENBLAS_CORETYPE=Haswell STACKELBERG_BLAS_THREADS=2") == true, toOpenBLAS ?? "nil")
        let toLibxsmm = gemmResumeNote(savedKernels: "libxsmm cpx", changedBefore: false, now: "libxsmm hsw")
        XCTAssertTrue(toLibxsmm?.contains("STACKELBERG_GEMM=libxsmm LIBXSMM_TARGET=cpx") == true, toLibxsmm ?? "nil")
        let fromMixed = gemmResumeNote(savedKernels: "mixed: libxsmm hsw for k·n ≤ 16384, openblas Zen above", changedBefore: false, now: "libxsmm cpx")
        XCTAssertTrue(fromMixed?.contains("STACKELBERG_GEMM=mixed LIBXSMM_TARGET=hsw OPENBLAS_CORETYPE=Zen STACKELBERG_BLAS_THREADS=1") == true, fromMixed ?? "nil")
        let fromThreadedMixed = gemmResumeNote(savedKernels: "mixed: libxsmm hsw for k·n ≤ 16384, openblas Zen, 2 threads above", changedBefore: false, now: "libxsmm hsw")
        XCTAssertTrue(fromThreadedMixed?.contains("STACKELBERG_GEMM=mixed LIBXSMM_TARGET=hsw OPENBLAS_CORETYPE=Zen STACKELBERG_BLAS_THREADS=2") == true, fromThreadedMixed ?? "nil")
        let mixed = gemmResumeNote(savedKernels: "libxsmm cpx", changedBefore: true, now: "openblas Haswell")
        XCTAssertTrue(mixed?.contains("no resume reproduces an uninterrupted run") == true, mixed ?? "nil")
        XCTAssertFalse(mixed?.contains("for the same bits") ?? true)
        XCTAssertNotNil(gemmResumeNote(savedKernels: nil, changedBefore: false, now: "libxsmm cpx"))
    }

    /// A line break in the command (an `--out` path holding one) ended the `# command = …` comment, so the
    /// rest was read as settings and the run's own config.toml no longer parsed (`--resume` refused it):
    /// control characters in header lines are written escaped, and the file reads back whole.
    func testHeaderLinesWithControlCharactersStayComments() throws {
        var s = Settings()
        s["gamma"] = .number(0.9)
        let text = s.rendered(header: ["command = train --out /tmp/a\nlr = 5", "note = tab\there, bell\u{7}, cr\r"])
        XCTAssertTrue(text.contains("# command = train --out /tmp/a\\nlr = 5\n"), text)
        XCTAssertTrue(text.contains("# note = tab\there, bell\\u{7}, cr\\r\n"), text)
        let back = try Settings(text: text, source: "config.toml")
        XCTAssertEqual(back.keys.sorted(), ["gamma"])
        XCTAssertEqual(RunConfigHeader(text: text).value("command"), "train --out /tmp/a\\nlr = 5")
    }

    /// toml++ reads its input as a C string: a NUL byte ended the file there, and the settings after it
    /// were dropped without a word. A NUL anywhere (a comment, a value's end, a string) is refused with
    /// its line and column; a config and a plan say so.
    func testANULByteIsRefusedWithItsPlaceNotReadAsTheFilesEnd() throws {
        for (text, line, column) in [("gamma = 0.5\u{0}\nlr = 7\n", 1, 12), ("gamma = 0.5 # a\u{0}b\nlr = 7\n", 1, 16),
                                     ("gamma = 0.5\nname = \"a\u{0}\"\n", 2, 10)] {
            XCTAssertEqual(firstNUL(text), TOMLNULError(line: line, column: column), text)
            XCTAssertThrowsError(try Settings(text: text, source: "c.toml")) { error in
                XCTAssertTrue("\(error)".contains("c.toml: a NUL byte at line \(line), column \(column)"), "\(error)")
            }
        }
        XCTAssertNil(firstNUL("gamma = 0.5 # ä\nlr = 7\n"))
        XCTAssertEqual(try Settings(text: "gamma = 0.5 # ä\nlr = 7\n", source: "c.toml")["lr"], .number(7))
        XCTAssertThrowsError(try SweepPlan(text: "algorithms = [\"dqn\"]\n# \u{0}\n", path: "plan.toml")) { error in
            XCTAssertTrue("\(error)".contains("plan.toml:2: a NUL byte at line 2, column 3"), "\(error)")
        }
    }

    /// toml++ asserts (and the process aborts) on a header such as `[[[a]]]`; those are refused first,
    /// with their line, and nothing valid is: nested arrays over several lines and strings that hold
    /// such lines still parse.
    func testTableHeadersTOMLKitWouldAbortOnAreRefusedWithTheirLine() throws {
        for (text, line) in [("[[[a]]]", 1), ("x = 1\n  [[ [a]]", 2), ("[.a]", 1), ("[[.a]]", 1), ("[[[", 1), ("a = 1\n\n[[[[", 3), ("[[\n", 1), ("[", 1), ("[ ]", 1)] {
            XCTAssertEqual(malformedTableHeader(text)?.line, line, text)
            XCTAssertThrowsError(try parsedTOML(text), text) { XCTAssertTrue($0 is TOMLHeaderError, "\(text): \($0)") }
        }
        let valid = #"""
            widths = [
              [64],
              [32, 32],
            ]
            text = """
            [[[not a header]]]
            [.nor this]"""
            other = '''
            [[[x'''
            q = "[[[" # [[[
            [table]
            [[array.of]]
              [ "quoted key" ]
            """#
        XCTAssertNil(malformedTableHeader(valid))
        XCTAssertNoThrow(try parsedTOML(valid))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toml-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[[[exclude]]]\n".write(toFile: dir + "/c.toml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Settings(contentsOf: dir + "/c.toml")) { XCTAssertTrue("\($0)".contains("line 1"), "\($0)") }
    }

    func testSettingsReadTomlAndOverridesAndRefuseBadInput() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).toml").path
        try """
        # a config
        algo = "ddqn"   # trailing comment
        total_steps = 5e6
        [scorer]
        order = 'leader_first'
        [network]
        encoder_widths = [256, 1_28]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = try Settings(contentsOf: path)
        XCTAssertEqual(try s.string("algo"), "ddqn")
        XCTAssertEqual(try s.int("total_steps"), 5_000_000)
        XCTAssertEqual(try s.string("scorer.order"), "leader_first")
        XCTAssertEqual(try s.ints("network.encoder_widths"), [256, 128])
        try s.apply(override: "gamma=0.9")
        XCTAssertEqual(try s.double("gamma"), 0.9)
        XCTAssertThrowsError(try s.apply(override: "novalue"))
        XCTAssertThrowsError(try s.int("gamma")) { XCTAssertTrue("\($0)".contains("gamma must be a whole number"), "\($0)") }
        let reread = try Settings(contentsOf: { let p = path + ".2"; try! s.rendered().write(toFile: p, atomically: true, encoding: .utf8); return p }())
        XCTAssertEqual(reread, s)
        // What TOML refuses (a bare word, a table defined twice) and what a setting cannot hold.
        for (text, message) in [("x = [1, \"a\"]", "arrays hold numbers only"), ("algo = ddqn", "line 1, column 8"),
                                ("[scorer]\norder = 'a'\n[scorer]\nfollower_steps = 2", "cannot redefine existing table 'scorer'"),
                                ("a = 1\na = 2", "line 2"), ("when = 1979-05-27", "when: a string, number, boolean or array"),
                                ("[[network]]\nencoder_widths = [64]", "network is an array of tables"),
                                ("network = [{encoder_widths = 64}]", "write [network] once")] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Settings(contentsOf: path), text) { XCTAssertTrue("\($0)".contains(message), "\(text): \($0)") }
        }
        s["env"] = .string("cartpole")
        s["lr"] = .number(-1)
        XCTAssertThrowsError(try AlgorithmRegistry.resolve(s)) { XCTAssertTrue("\($0)".contains("lr must be positive"), "\($0)") }
    }

    /// A run flushes subnormals while it trains and gives the calling thread its IEEE mode back
    /// (other code on the thread, such as the symbolic kernels' bit-exact tests, depends on it).
    func testTrainingRunRestoresTheThreadsFloatingPointMode() throws {
        let before = BLAS.subnormalsFlushedOnThisThread
        var given = Settings()
        given["algo"] = .string("dqn"); given["env"] = .string("cartpole"); given["total_steps"] = .number(2_000)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TrainingRun(settings: AlgorithmRegistry.resolve(given), seed: 0, directory: dir, header: []).run(resume: false)
        XCTAssertEqual(BLAS.subnormalsFlushedOnThisThread, before)
        let tiny = Double(bitPattern: 1)   // the smallest subnormal survives arithmetic again
        XCTAssertEqual((tiny * 3 / 3).bitPattern, 1)
    }

    /// A run directory held by another process (its run.lock) is refused before anything is
    /// written; once released, the run goes ahead.
    func testASecondProcessOnOneRunDirectoryIsRefused() throws {
        var given = Settings()
        given["algo"] = .string("dqn"); given["env"] = .string("cartpole"); given["total_steps"] = .number(500)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // flock locks are per open file description: this one stands for the other process.
        let held = open(dir + "/run.lock", O_RDWR | O_CREAT, 0o644)
        XCTAssertEqual(flock(held, LOCK_EX | LOCK_NB), 0)
        let run = TrainingRun(settings: try AlgorithmRegistry.resolve(given), seed: 0, directory: dir, header: [])
        XCTAssertThrowsError(try run.run(resume: false)) { XCTAssertTrue("\($0)".contains("being trained by another process"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/config.toml"), "nothing is written")
        close(held)
        XCTAssertNoThrow(try run.run(resume: false))
    }
}
