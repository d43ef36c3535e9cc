import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` with the toolkit's commit (and `+dirty` when tracked files differ from it),
/// so a run records the commit its binary was built from, wherever the binary is run from.
///
/// A build command, not a prebuild one: SwiftPM skips prebuild commands on builds it finds up to date
/// (a source edited and then reverted kept `+dirty`; an edit after a commit, built, still said clean).
/// Its inputs are every source file of the package plus git's HEAD and index, so any edit, commit or
/// checkout reruns it. The file is rewritten only when its text changes, so an unchanged commit
/// recompiles nothing.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildInfo.swift")
        let root = context.package.directoryURL
        let script = """
            cd "$1" || exit 1
            c=$(git rev-parse HEAD 2>/dev/null || echo unknown)
            if [ "$c" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null | head -c 1)" ]; then c="$c+dirty"; fi
            printf '/// Written by the BuildInfo plugin at build time.\\nlet buildCommit = "%s"\\n' "$c" > "$2.tmp"
            if cmp -s "$2.tmp" "$2"; then rm -f "$2.tmp"; else mv "$2.tmp" "$2"; fi
            """
        var inputs = context.package.targets.compactMap { $0 as? SourceModuleTarget }
            .flatMap { $0.sourceFiles.map(\.url) }
        for name in ["HEAD", "index"] {
            let file = root.appendingPathComponent(".git").appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: file.path) { inputs.append(file) }
        }
        inputs.append(root.appendingPathComponent("Package.swift"))
        return [.buildCommand(displayName: "Embed the toolkit's commit",
                              executable: URL(fileURLWithPath: "/bin/sh"),
                              arguments: ["-c", script, "sh", root.path, output.path],
                              inputFiles: inputs,
                              outputFiles: [output])]
    }
}
