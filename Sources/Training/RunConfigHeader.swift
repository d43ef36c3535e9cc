import Foundation

/// The `# key = value` lines `stackelberg train` writes above a run's settings in `config.toml`
/// (seed, commit, gemm, command, started; a `# resumed = …` line per resume), read back by the
/// commands that report on runs (`compare`, `windows`, `diagnose`).
struct RunConfigHeader {
    let text: String

    /// The value of the first `# key = value` line (blanks around it dropped); nil without one.
    func value(_ key: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("#") {
            let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
            if body.hasPrefix(key + " =") { return body.dropFirst(key.count + 2).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The seed the run was trained with: the header's, else the `seedN` directory name (a config
    /// from before the header line); nil when neither says.
    func seed(directory: String) -> Int? {
        let name = (directory as NSString).lastPathComponent
        return value("seed").flatMap { Int($0) } ?? (name.hasPrefix("seed") ? Int(name.dropFirst(4)) : nil)
    }
}
