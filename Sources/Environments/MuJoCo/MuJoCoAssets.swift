import Foundation

/// Where Gymnasium's MJCF files are read from. They are Gymnasium's (Apache-2.0) and are not copied
/// into this repository: scripts/setup.sh copies the seven the v5 tasks use out of the installed
/// Gymnasium, so the Swift side reads the same models the Python reference loads.
public enum MuJoCoAssets {
    /// Names a directory that overrides the set-up one (e.g. `…/gymnasium/envs/mujoco/assets`).
    public static let environmentVariable = "STACKELBERG_MUJOCO_ASSETS"

    /// The files scripts/setup.sh copies, one per task.
    public static let files = ["hopper.xml", "walker2d_v5.xml", "half_cheetah.xml", "swimmer.xml", "reacher.xml",
                               "inverted_pendulum.xml", "inverted_double_pendulum.xml"]

    /// The directory to read, and where that choice came from (for error messages).
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> (path: String, origin: String) {
        if let given = environment[environmentVariable], !given.isEmpty {
            return (given, "\(environmentVariable)")
        }
        return (stackelbergDataDirectory(environment: environment) + "/mujoco-assets", "the directory scripts/setup.sh fills")
    }

    /// The full path of `file`, or an error saying how to provide it.
    public static func path(of file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let (dir, origin) = directory(environment: environment)
        let path = dir + "/" + file
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EnvironmentError.modelUnavailable(
                "MuJoCo model directory \(dir) (\(origin)) does not exist: run scripts/setup.sh to copy Gymnasium's MJCF files there, or set \(environmentVariable) to a directory holding \(file)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw EnvironmentError.modelUnavailable(
                "MuJoCo model \(file) is missing from \(dir) (\(origin)): run scripts/setup.sh to copy Gymnasium's MJCF files there, or set \(environmentVariable) to a directory holding \(file)")
        }
        return path
    }
}

/// ${XDG_DATA_HOME:-$HOME/.local/share}/stackelberg, as the shell expands it in scripts/setup.sh
/// (unset and empty both mean the default): where set-up puts the MuJoCo models and ALE.
func stackelbergDataDirectory(environment: [String: String]) -> String {
    let dataHome: String
    if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
        dataHome = xdg
    } else {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        dataHome = home + "/.local/share"
    }
    return dataHome + "/stackelberg"
}
