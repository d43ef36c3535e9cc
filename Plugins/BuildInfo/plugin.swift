import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` with the toolkit's commit (and `+dirty` when tracked files differ from it)
/// before each build, so a run records the commit its binary was built from, wherever the binary is
/// run from. The file is rewritten only when its text changes, so an unchanged tree rebuilds nothing.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildInfo.swift")
        let script = """
            cd "$1" || exit 1
            c=$(git rev-parse HEAD 2>/dev/null || echo unknown)
            if [ "$c" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null | head -c 1)" ]; then c="$c+dirty"; fi
            printf '/// Written by the BuildInfo plugin at build time.\\nlet buildCommit = "%s"\\n' "$c" > "$2.tmp"
            if cmp -s "$2.tmp" "$2"; then rm -f "$2.tmp"; else mv "$2.tmp" "$2"; fi
            """
        return [.prebuildCommand(displayName: "Embed the toolkit's commit",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: context.pluginWorkDirectoryURL)]
    }
}
