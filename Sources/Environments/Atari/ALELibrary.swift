import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Arcade Learning Environment, loaded at run time from the C shim scripts/ale/build_ale.sh
/// builds (`lib/libale_c.so` over ALE's `libale.so`, and the ROMs in `roms/`). Loaded rather than
/// linked: the toolkit builds and runs without ALE, `atari/*` environments say how to get it when it
/// is missing, and the GPL-2.0 emulator stays out of the toolkit's own binaries.
final class ALELibrary: Sendable {
    typealias Handle = OpaquePointer

    let directory: String
    let create: @convention(c) (Int32, Float) -> Handle?
    let destroy: @convention(c) (Handle?) -> Void
    let setInt: @convention(c) (Handle?, UnsafePointer<CChar>?, Int32) -> Int32
    let loadROM: @convention(c) (Handle?, UnsafePointer<CChar>?) -> Int32
    let reset: @convention(c) (Handle?) -> Void
    let act: @convention(c) (Handle?, Int32) -> Int32
    let gameTerminal: @convention(c) (Handle?) -> Int32
    let gameTruncated: @convention(c) (Handle?) -> Int32
    let lives: @convention(c) (Handle?) -> Int32
    let screenGrayscale: @convention(c) (Handle?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32
    let minimalActionSet: @convention(c) (Handle?, UnsafeMutablePointer<Int32>?, Int32) -> Int32
    let legalActionSet: @convention(c) (Handle?, UnsafeMutablePointer<Int32>?, Int32) -> Int32
    let cloneState: @convention(c) (Handle?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32
    let restoreState: @convention(c) (Handle?, UnsafePointer<UInt8>?, Int32) -> Int32
    let lastErrorFunction: @convention(c) () -> UnsafePointer<CChar>?

    static let screenHeight = 210, screenWidth = 160
    /// ALE's names of its 18 action ids (ale::Action, as ale-py's `Action` enum and Gymnasium's
    /// `get_action_meanings` give them); an id outside 0..<18 prints as its number.
    static let actionNames = ["NOOP", "FIRE", "UP", "RIGHT", "LEFT", "DOWN", "UPRIGHT", "UPLEFT", "DOWNRIGHT",
                              "DOWNLEFT", "UPFIRE", "RIGHTFIRE", "LEFTFIRE", "DOWNFIRE", "UPRIGHTFIRE",
                              "UPLEFTFIRE", "DOWNRIGHTFIRE", "DOWNLEFTFIRE"]
    static func actionName(_ id: Int32) -> String {
        actionNames.indices.contains(Int(id)) ? actionNames[Int(id)] : String(id)
    }
    /// The shim version this code was written against (`ale_c_version`).
    static let shimVersion: Int32 = 2
    static let environmentVariable = "STACKELBERG_ALE"
    static let setupHint = "run scripts/setup.sh (it builds ALE from the ale-py sdist), or set \(environmentVariable) to a directory holding lib/libale_c.so and roms/"

    /// The library found at start-up, or why there is none; loaded once per process.
    static let shared: Result<ALELibrary, EnvironmentError> = Result { try ALELibrary(directory: installDirectory().path) }
        .mapError { $0 as? EnvironmentError ?? .modelUnavailable("\($0)") }

    static func load() throws -> ALELibrary { try shared.get() }

    /// STACKELBERG_ALE, or the directory scripts/setup.sh fills.
    static func installDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> (path: String, origin: String) {
        if let given = environment[environmentVariable], !given.isEmpty { return (given, environmentVariable) }
        return (stackelbergDataDirectory(environment: environment) + "/ale", "the directory scripts/setup.sh fills")
    }

    init(directory: String) throws {
        self.directory = directory
        let path = directory + "/lib/libale_c.so"
        guard FileManager.default.fileExists(atPath: path) else {
            throw EnvironmentError.modelUnavailable("the Arcade Learning Environment is not installed (\(path) not found): \(ALELibrary.setupHint)")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw EnvironmentError.modelUnavailable("could not load \(path): \(why); rebuild it with scripts/setup.sh")
        }
        // The handle stays open for the life of the process: the function pointers below point into it.
        func symbol<F>(_ name: String, as: F.Type) throws -> F {
            guard let p = dlsym(handle, name) else {
                throw EnvironmentError.modelUnavailable("\(path) has no \(name): it is an older shim; rebuild it with scripts/setup.sh")
            }
            return unsafeBitCast(p, to: F.self)
        }
        let version = try symbol("ale_c_version", as: (@convention(c) () -> Int32).self)()
        guard version == ALELibrary.shimVersion else {
            throw EnvironmentError.modelUnavailable("\(path) is shim version \(version), this build needs \(ALELibrary.shimVersion): rebuild it with scripts/setup.sh")
        }
        create = try symbol("ale_c_create", as: type(of: create))
        destroy = try symbol("ale_c_destroy", as: type(of: destroy))
        setInt = try symbol("ale_c_set_int", as: type(of: setInt))
        loadROM = try symbol("ale_c_load_rom", as: type(of: loadROM))
        reset = try symbol("ale_c_reset", as: type(of: reset))
        act = try symbol("ale_c_act", as: type(of: act))
        gameTerminal = try symbol("ale_c_game_terminal", as: type(of: gameTerminal))
        gameTruncated = try symbol("ale_c_game_truncated", as: type(of: gameTruncated))
        lives = try symbol("ale_c_lives", as: type(of: lives))
        screenGrayscale = try symbol("ale_c_get_screen_grayscale", as: type(of: screenGrayscale))
        minimalActionSet = try symbol("ale_c_minimal_action_set", as: type(of: minimalActionSet))
        legalActionSet = try symbol("ale_c_legal_action_set", as: type(of: legalActionSet))
        cloneState = try symbol("ale_c_clone_state", as: type(of: cloneState))
        restoreState = try symbol("ale_c_restore_state", as: type(of: restoreState))
        lastErrorFunction = try symbol("ale_c_last_error", as: type(of: lastErrorFunction))
    }

    var lastError: String { lastErrorFunction().map { String(cString: $0) } ?? "" }

    var romDirectory: String { directory + "/roms" }

    /// The games whose ROMs are installed, by ALE's snake_case names (e.g. beam_rider).
    var games: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: romDirectory)) ?? []
        return files.filter { $0.hasSuffix(".bin") }.map { String($0.dropLast(4)) }.sorted()
    }

    func romPath(_ game: String) throws -> String {
        let path = romDirectory + "/" + game + ".bin"
        guard FileManager.default.isReadableFile(atPath: path) else {
            let known = games
            throw EnvironmentError.unknown("atari/\(game)", known: known.isEmpty ? ["(no ROMs in \(romDirectory): \(ALELibrary.setupHint))"] : known.map { "atari/" + $0 })
        }
        return path
    }
}
