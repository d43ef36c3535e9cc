import ArgumentParser
import Games
import Symbolic

/// How a command is told which game to use: a built-in name, or two cost expressions.
struct GameSelection: ParsableArguments {
    @Option(name: .customLong("builtin"), help: "A built-in game: \(BuiltinGames.names.joined(separator: ", ")).")
    var builtin: String?

    @Option(parsing: .unconditional, help: "The leader's cost f1 (minimized; see --maximize).")
    var leader: String?

    @Option(parsing: .unconditional, help: "The follower's cost f2 (minimized; see --maximize).")
    var follower: String?

    @Option(help: "Variables as leader:follower, comma-separated within each, e.g. theta:w or x1,x2:y.")
    var vars: String?

    @Option(help: "Players whose expression is an objective to maximize: leader, follower, or both (also written leader,follower).")
    var maximize: String?

    @Option(parsing: .unconditional, help: "Plot and search box, one lo:hi per variable separated by commas, e.g. -1:1,-1:1.")
    var domain: String?

    @Flag(help: "Exchange leader and follower (e.g. the critic leading in the STAC game).")
    var swapRoles = false

    func resolve() throws -> Game {
        var game: Game
        if let name = builtin {
            guard leader == nil, follower == nil else {
                throw ValidationError("give either --builtin or --leader/--follower, not both")
            }
            // A built-in game comes with its variables and its players' senses; accepting these and
            // reading neither would analyse a game other than the one the user asked for.
            guard vars == nil, maximize == nil else {
                throw ValidationError("--\(vars != nil ? "vars" : "maximize") applies to a game given as --leader/--follower; a built-in game has its own variables and senses (`game list` shows them), so leave it out, or write the game out with --leader, --follower and --vars")
            }
            game = try BuiltinGames.named(name)
        } else {
            guard leader != nil || follower != nil else {
                throw ValidationError("no game given: use --builtin NAME (\(BuiltinGames.names.joined(separator: ", "))) or --leader EXPR --follower EXPR --vars leader:follower")
            }
            guard let leader else { throw ValidationError("--leader is missing: a game written out needs both costs, --leader EXPR and --follower EXPR") }
            guard let follower else { throw ValidationError("--follower is missing: a game written out needs both costs, --leader EXPR and --follower EXPR") }
            guard let vars else { throw ValidationError("--vars is required with --leader/--follower, e.g. --vars theta:w") }
            let parts = vars.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw ValidationError("--vars must be leader:follower with exactly one colon (got '\(vars)')")
            }
            func names(_ s: Substring) throws -> [String] { s.trimmingCharacters(in: .whitespaces).isEmpty ? [] : try entries(of: s, option: "--vars").map(String.init) }
            var players = Set<Player>()
            if let m = maximize {
                guard !m.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ValidationError("--maximize names no player: give leader, follower or both, or leave it out")
                }
                for p in try entries(of: m, option: "--maximize") {
                    switch p.trimmingCharacters(in: .whitespaces) {
                    case "leader": players.insert(.leader)
                    case "follower": players.insert(.follower)
                    case "both": players = [.leader, .follower]
                    default: throw ValidationError("--maximize takes leader, follower or both (got '\(p)')")
                    }
                }
            }
            game = try Game.parse(leader: leader, follower: follower, leaderVariables: try names(parts[0]),
                                  followerVariables: try names(parts[1]), maximize: players)
        }
        if let domain {
            let ranges = try parseDomain(domain)
            guard ranges.count == game.dimension else {
                throw ValidationError("--domain has \(ranges.count) ranges but the game has \(game.dimension) variables (\(game.variables.joined(separator: ", ")))")
            }
            game = try Game(name: game.name, summary: game.summary, leaderVariables: game.leaderVariables,
                            followerVariables: game.followerVariables, leaderCost: game.leaderCost,
                            followerCost: game.followerCost, leaderReturn: game.leaderReturn,
                            leaderReturnLabel: game.leaderReturnLabel, domain: ranges, defaults: game.defaults, noise: game.noise)
        }
        if swapRoles { game = try game.swappingRoles() }
        return game
    }
}

/// The `separator`-separated entries of an option's value, each trimmed; an empty one (`0.8,,0.6`, a
/// trailing comma) is refused, since dropping it would leave a list other than the one meant.
func entries(of text: some StringProtocol, separator: Character = ",", option: String) throws -> [Substring] {
    let items = text.split(separator: separator, omittingEmptySubsequences: false)
    if items.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
        throw ValidationError("\(option) '\(text)' has an empty entry: give \(separator == ";" ? "points separated by ;" : "values separated by commas"), none left out")
    }
    return items.map { Substring($0.trimmingCharacters(in: .whitespaces)) }
}

func parseDomain(_ s: String) throws -> [ClosedRange<Double>] {
    try entries(of: s, option: "--domain").map { item in
        let bounds = item.split(separator: ":")
        guard bounds.count == 2, let lo = Double(bounds[0]), let hi = Double(bounds[1]), lo < hi, lo.isFinite, hi.isFinite else {
            throw ValidationError("--domain entry '\(item)' must be lo:hi with lo < hi, e.g. -1:1")
        }
        guard (hi - lo).isFinite else {
            throw ValidationError("--domain entry '\(item)' is too wide: its width hi − lo overflows to infinity, so no search grid can be laid on it; give a narrower range (hi − lo must stay below 1.8e308)")
        }
        return lo...hi
    }
}

/// Points written as x,y;x,y…
func parsePoints(_ s: String, option: String) throws -> [[Double]] {
    let points = try entries(of: s, separator: ";", option: option).map { p in
        try entries(of: p, option: option).map { v in
            guard let x = Double(v.trimmingCharacters(in: .whitespaces)), x.isFinite else {
                throw ValidationError("\(option): '\(v)' in '\(p)' is not a finite number (write points as x,y;x,y)")
            }
            return x
        }
    }
    guard !points.isEmpty, points.allSatisfy({ !$0.isEmpty }) else {
        throw ValidationError("\(option) '\(s)' gives \(points.isEmpty ? "no point" : "an empty point"): write points as x,y;x,y")
    }
    return points
}
