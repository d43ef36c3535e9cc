import ArgumentParser
import Foundation
import Training

extension TrainCommand {
    /// `train --dry-run`: prints the resolved settings as a TOML config (usable as `--config`), headed by
    /// what each seed would do (start, start over its stopped logs, resume, or leave a finished run as it
    /// is), after every check `train` makes before it trains; writes nothing (`--out`'s check creates
    /// and removes a probe file). A seed `train` would refuse (a finished or checkpointed directory
    /// without `--resume`, nothing to resume with it, a file in the way, a command that disagrees
    /// with the run's config.toml, a damaged or disagreeing checkpoint, another process training it)
    /// is said on stderr as `train` says it, and the exit status is then 1, as `train`'s would be. The
    /// checks per seed are `checkSameSettings` and `TrainingRun.check(resume:)`, made of the ones `train` makes.
    ///
    /// Experiment scripts call it on every run of their grid before the first trains, so that a
    /// refused budget or setting stops the grid before any run, not after some.
    func reportDryRun(_ runs: [TrainingRun], resumes: [Bool], settings: Settings, commit: String, command: String) throws {
        var plan: [String] = []
        var refused = false
        // A file above every seed's directory refuses each of them the same way: said once.
        var said = Set<String>()
        for (run, resumed) in zip(runs, resumes) {
            let what: String
            if resumed && run.isFinished {
                what = "has finished; train leaves it as it is"
            } else {
                do {
                    // The command against the run's config.toml first, as train checks it before any seed starts.
                    if resumed { try checkSameSettings(run) }
                    let (start, notRead) = try run.check(resume: resumed)
                    switch start {
                    case .fresh: what = "starts"
                    case .replacingLogs(let episodes): what = "starts over: it " + TrainingRun.replacingLogsText(episodes: episodes)
                    case .resume:
                        what = "resumes from its checkpoint" + (notRead.map {
                            String(format: " (%.1f GB, more than this dry run reads: train checks it as it loads it)", Double($0) / 1e9)
                        } ?? "")
                    }
                } catch {
                    refused = true
                    if said.insert("\(error)").inserted { try? FileHandle.standardError.write(contentsOf: Data("error: \(error)\n".utf8)) }
                    what = "is refused (the error above)"
                }
            }
            plan.append("seed \(run.seed): \(run.directory) \(what)")
        }
        let header = ["stackelberg train --dry-run: the settings train would run with; nothing was written",
                      "commit = \(commit)", "command = \(command)"] + plan
        print(settings.rendered(header: header), terminator: "")
        if refused { throw ExitCode(1) }
    }
}
