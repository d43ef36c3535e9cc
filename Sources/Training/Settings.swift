import Foundation
import TOMLKit
import Environments

/// A run's settings as dotted keys (`scorer.order`, `network.encoder_widths`) with typed values,
/// read from a TOML file, then `--set key=value` overrides, and written back as the resolved
/// config. Only the TOML a config needs is read: `[table]` headers, `key = value` with strings,
/// numbers (`5e6`, `1_000`), booleans and flat arrays of numbers, and `#` comments; anything else
/// is an error naming the file and line.
public struct Settings: Equatable, Sendable {
    public enum Value: Equatable, Sendable, CustomStringConvertible {
        case string(String)
        case number(Double)
        case bool(Bool)
        case numbers([Double])

        public var description: String {
            switch self {
            case .string(let s): return "\"\(s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
            case .number(let x): return Settings.format(x)
            case .bool(let b): return b ? "true" : "false"
            case .numbers(let xs): return "[" + xs.map(Settings.format).joined(separator: ", ") + "]"
            }
        }
    }

    public private(set) var keys: [String] = []
    private var values: [String: Value] = [:]

    public init() {}

    /// Equal when they hold the same keys with the same values, in any order.
    public static func == (a: Settings, b: Settings) -> Bool { a.values == b.values }

    /// The keys whose values differ between the two (a key only one holds counts), sorted.
    public func differingKeys(from other: Settings) -> [String] {
        Set(values.keys).union(other.values.keys).sorted().filter { values[$0] != other.values[$0] }
    }

    /// The keys whose values differ between the two (a key only one holds counts), sorted, each as
    /// "key: A, B" with `labels` naming the two sides ("trained", "now"), at most `limit` of them and
    /// "…" after; empty when they are equal.
    public func differences(from other: Settings, labels: (String, String), limit: Int = 4) -> [String] {
        let keys = differingKeys(from: other)
        return keys.prefix(limit).map {
            "\($0): \(labels.0) \(values[$0]?.description ?? "unset"), \(labels.1) \(other.values[$0]?.description ?? "unset")"
        } + (keys.count > limit ? ["…"] : [])
    }

    public subscript(key: String) -> Value? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            values[key] = newValue
        }
    }

    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < wholeLimit { return String(Int64(x)) }
        return "\(x)"
    }

    /// Parses one value as it appears in TOML or after `--set key=`; a bare word is a string.
    static func parseValue(_ text: String, where place: String) throws -> Value {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw SettingsError.syntax(place, "a value is missing after '='") }
        if t == "true" { return .bool(true) }
        if t == "false" { return .bool(false) }
        if t.hasPrefix("\"") || t.hasPrefix("'") {
            guard t.count >= 2, t.last == t.first else { throw SettingsError.syntax(place, "unterminated string \(t)") }
            return .string(String(t.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\""))
        }
        if t.hasPrefix("[") {
            guard t.hasSuffix("]") else { throw SettingsError.syntax(place, "unterminated array \(t)") }
            let inner = t.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
            if inner.isEmpty { return .numbers([]) }
            return .numbers(try inner.split(separator: ",").map {
                let item = $0.trimmingCharacters(in: .whitespaces)
                if let x = number(item) { return x }
                if isOverflow(item) { throw SettingsError.syntax(place, "\(item) is beyond a Double's range (about ±1.8e308)") }
                throw SettingsError.syntax(place, "arrays hold numbers only, got \(item)")
            })
        }
        if let x = number(t) { return .number(x) }
        // Digits that overflow (1e400) read as inf: said as a number out of range, not as a string where a number belongs.
        if isOverflow(t) { throw SettingsError.syntax(place, "\(t) is beyond a Double's range (about ±1.8e308)") }
        return .string(t)
    }

    /// Where `text` (a refusal) first names `key` as a whole name, nil where it does not: `lr` is not in
    /// `actor_lr`, `perception.dim` is in `perception.dim (16)` and in `perception.dim.` ending a sentence.
    public static func firstMention(_ key: String, in text: String) -> String.Index? {
        func isNamePart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." }
        var from = text.startIndex
        while let r = text.range(of: key, range: from..<text.endIndex) {
            let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
            let after = r.upperBound == text.endIndex ? nil : text[r.upperBound]
            if !(before.map(isNamePart) ?? false), !(after.map { isNamePart($0) && $0 != "." } ?? false) { return r.lowerBound }
            from = r.upperBound
        }
        return nil
    }

    /// Whether `text` (a refusal) names `key` as a whole name (``firstMention(_:in:)``).
    public static func mentions(_ key: String, in text: String) -> Bool { firstMention(key, in: text) != nil }

    /// Whether `key` names a learning rate (`lr`, `critic_lr`, `sprig.leader_lr`): `train` and the sweep
    /// commands note values above 1, nearly always an exponent's sign lost (`1e3` for `1e-3`).
    public static func isLearningRate(_ key: String) -> Bool {
        key == "lr" || key.hasSuffix("_lr") || key.hasSuffix(".lr")
    }

    /// Whether `text` is written as a finite decimal number that a Double cannot hold (`1e400`, `-1e400`), as
    /// opposed to `inf` itself.
    static func isOverflow(_ text: String) -> Bool {
        let digits = text.replacingOccurrences(of: "_", with: "")
        guard let x = decimal(digits) else { return false }
        return x.isInfinite && digits.contains(where: \.isNumber)
    }

    /// `text` as a decimal number (nan and inf included), or nil: `Double(_:)` also reads hexadecimal
    /// ("0x10" is 16), which neither a config nor a log written by the runner ever means.
    static func decimal<S: StringProtocol>(_ text: S) -> Double? {
        text.contains(where: { $0 == "x" || $0 == "X" }) ? nil : Double(text)
    }

    public static func number(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        guard let x = decimal(t), x.isFinite else { return nil }
        return x
    }

    /// Reads a TOML file (TOML 1.0, by TOMLKit): tables flatten to dotted keys (`[sprig]` then
    /// `cooperation = 0.7` is `sprig.cooperation`); values are strings, numbers, booleans and arrays
    /// of numbers. Errors: the file's syntax error with its line and column, or a value of another
    /// kind, naming the key.
    public init(contentsOf path: String) throws {
        let data: Data
        do { data = try readInputFile(path) } catch {
            if case .tooLarge = error { throw SettingsError.syntax(path, error.reason) }
            // Why, where it can be told: "check the path" alone sent a reader to a path that exists.
            throw SettingsError.unreadable(path, why: FileUnreadable(path: path).map {
                switch $0 {
                case .missing: "it does not exist"
                case .directory: "it is a directory"
                case .noPermission: "no permission to read it"
                }
            } ?? error.reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SettingsError.syntax(path, "the file is not UTF-8 text, as a TOML config is: is it the right file?")
        }
        try self.init(text: text, source: path)
    }

    /// Reads TOML text as ``init(contentsOf:)`` reads a file; `source` names it in errors.
    public init(text: String, source path: String) throws {
        let table: TOMLTable
        do { table = try parsedTOML(text) } catch {
            throw SettingsError.syntax(path, "\(error)")
        }
        // A sweep plan given as a run's config read as settings with odd values ("algorithms: arrays
        // hold numbers only"): say what it is.
        let planKeys = ["algorithms", "environments", "grid"].filter { table.contains(key: $0) }
        if !planKeys.isEmpty {
            throw SettingsError.syntax(path, "this is a sweep plan (it has \(planKeys.joined(separator: ", "))), not a run's config: check it with `stackelberg sweep plan \(path)` and train it with `stackelberg sweep run \(path)`")
        }
        func add(_ t: TOMLTable, prefix: String) throws {
            for (key, value) in t {
                let full = prefix.isEmpty ? key : prefix + "." + key
                if let inner = value.table { try add(inner, prefix: full); continue }
                self[full] = try Settings.value(value, key: full, in: path)
            }
        }
        try add(table, prefix: "")
    }

    /// One TOML value as a setting.
    private static func value(_ v: TOMLValueConvertible, key: String, in path: String) throws -> Value {
        if let b = v.bool { return .bool(b) }
        if let i = v.int { return .number(Double(i)) }
        if let x = v.double {
            guard x.isFinite else { throw SettingsError.syntax(path, "\(key) must be a finite number, got \(x)") }
            return .number(x)
        }
        if let s = v.string { return .string(s) }
        if let a = v.array {
            // `[[name]]` (an array of tables) reads as an array whose elements are tables.
            if a.contains(where: { $0.table != nil }) {
                throw SettingsError.syntax(path, "\(key) is an array of tables ([[\(key)]] or a list of {…}), which a config does not use: write [\(key)] once, with its keys under it")
            }
            return .numbers(try a.map { e in
                if let i = e.int { return Double(i) }
                if let x = e.double, x.isFinite { return x }
                throw SettingsError.syntax(path, "\(key): arrays hold numbers only, got \(e)")
            })
        }
        throw SettingsError.syntax(path, "\(key): a string, number, boolean or array of numbers was expected, got \(v)")
    }

    /// Applies `key=value`.
    public mutating func apply(override text: String) throws {
        guard let eq = text.firstIndex(of: "=") else { throw SettingsError.syntax("--set \(text)", "expected key=value") }
        let key = text[..<eq].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw SettingsError.syntax("--set \(text)", "a key is missing before '='") }
        self[key] = try Settings.parseValue(String(text[text.index(after: eq)...]), where: "--set \(text)")
    }

    /// `text` as one TOML comment line: TOML allows no control character in a comment but the tab, and
    /// a newline (an `--out` path or a `--set` value holding one, in the `# command = …` line) ended the
    /// comment, so the rest was read as settings and the run's own config.toml no longer parsed.
    /// Control characters are written as `\n`, `\r` or `\u{…}` instead.
    static func commentText(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || u.value == 0x7F { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// Keys without a table first, then one `[table]` per prefix, in first-seen order.
    public func rendered(header: [String] = []) -> String {
        var out = header.map { "# " + Self.commentText($0) }.joined(separator: "\n")
        if !out.isEmpty { out += "\n\n" }
        var tables: [String] = []
        for k in keys where k.contains(".") {
            let t = String(k[..<k.lastIndex(of: ".")!])
            if !tables.contains(t) { tables.append(t) }
        }
        for k in keys where !k.contains(".") { out += "\(k) = \(values[k]!)\n" }
        for t in tables {
            out += "\n[\(t)]\n"
            for k in keys where k.hasPrefix(t + ".") && !k.dropFirst(t.count + 1).contains(".") {
                out += "\(k.dropFirst(t.count + 1)) = \(values[k]!)\n"
            }
        }
        return out
    }

    // MARK: Typed reads, each naming the key when the value does not fit.

    public func string(_ key: String) throws -> String? {
        switch values[key] {
        case nil: return nil
        case .string(let s)?: return s
        case let v?: return v.description
        }
    }

    public func double(_ key: String) throws -> Double? {
        switch values[key] {
        case nil: return nil
        case .number(let x)?: return x
        case let v?: throw SettingsError.type(key, "a number", v.description)
        }
    }

    /// The bound on a whole-number setting, scalar or in an array: below it a Double holds every whole
    /// number exactly, and Int() of it cannot trap (Int.max is about 9.2e18).
    static let wholeLimit = 9e15

    public func int(_ key: String) throws -> Int? {
        guard let x = try double(key) else { return nil }
        guard x == x.rounded() else { throw SettingsError.type(key, "a whole number", Settings.format(x)) }
        guard abs(x) < Self.wholeLimit else { throw SettingsError.type(key, "a whole number below 9e15 in size (counts beyond are typos: no run takes them)", Settings.format(x)) }
        return Int(x)
    }

    public func bool(_ key: String) throws -> Bool? {
        switch values[key] {
        case nil: return nil
        case .bool(let b)?: return b
        case let v?: throw SettingsError.type(key, "true or false", v.description)
        }
    }

    public func ints(_ key: String) throws -> [Int]? {
        switch values[key] {
        case nil: return nil
        case .numbers(let xs)?:
            guard xs.allSatisfy({ $0 == $0.rounded() && $0 >= 1 && $0 < Self.wholeLimit }) else { throw SettingsError.type(key, "positive whole numbers", Value.numbers(xs).description) }
            return xs.map { Int($0) }
        // One number is a one-element array (`network.encoder_widths=64`: one layer of 64).
        case .number(let x)? where x == x.rounded():
            guard x >= 1 && x < Self.wholeLimit else { throw SettingsError.type(key, "positive whole numbers", Value.number(x).description) }
            return [Int(x)]
        case let v?: throw SettingsError.type(key, "an array of whole numbers", v.description)
        }
    }

    /// A string key that must be one of `choices`.
    public func choice(_ key: String, _ choices: [String]) throws -> String? {
        guard let s = try string(key) else { return nil }
        // Quoted, so an empty or padded value reads as what it is.
        guard choices.contains(s) else {
            // A choice in another case (`Nature3`) or mistyped (`natur3`): the nearest, folded to lower case.
            let near = choices.contains(s.lowercased()) ? [s.lowercased()]
                : nearestByEditDistance(s.lowercased(), in: choices) { editDistance(s.lowercased(), $0) }
            throw SettingsError.type(key, "one of \(choices.joined(separator: ", "))" + (near.isEmpty ? "" : " (did you mean \(near.joined(separator: " or "))?)"), "\"\(s)\"")
        }
        return s
    }
}

public enum SettingsError: Error, CustomStringConvertible, Equatable {
    /// A config file that cannot be read, and why where known.
    case unreadable(String, why: String? = nil)
    case syntax(String, String)
    case type(String, String, String)
    /// Keys the run does not read; `elsewhere` names, for a key another algorithm reads, those algorithms.
    case unknownKeys([String], known: [String], elsewhere: [String: [String]] = [:])
    /// An algorithm with a coupling or an action space it cannot take; the text names the valid choices.
    case refusedPair(String)
    /// An environment the registry does not have, or an environment setting it cannot take (sticky
    /// actions on CartPole); the text names the choices or the fix.
    case environment(String)

    public var description: String {
        switch self {
        case .unreadable(let p, let why): return "cannot read the config file \(p)\(why.map { " (\($0))" } ?? ""): check the path"
        case .syntax(let place, let why): return "\(place): \(why)"
        case .type(let key, let expected, let got): return "setting \(key) must be \(expected), got \(got)"
        case .unknownKeys(let keys, let known, let elsewhere):
            // The nearest known keys, not all of them (over a hundred): a misspelling or a missing
            // prefix (`lambda` for `blpo.lambda`) is the usual cause.
            let named = keys.map { Self.naming(unknownKey: $0, known: known, elsewhere: elsewhere) }
            return "unknown setting\(keys.count > 1 ? "s" : "") \(named.joined(separator: ", ")); `stackelberg algo list` lists every key with its default and meaning"
        case .refusedPair(let why): return why
        case .environment(let why): return why
        }
    }
}

extension SettingsError {
    /// The keys this refusal names (a value out of range: its key; unknown keys: each), which a caller
    /// looking for further refusals sets aside; none for a refusal no key names.
    public var namedKeys: [String] {
        switch self {
        case .type(let key, _, _): return [key]
        case .unknownKeys(let keys, _, _): return keys
        default: return []
        }
    }

    /// An unknown key as a message names it: with the keys of this algorithm it is nearest to, and the
    /// algorithms whose key it is. `lambda` given to BLPO is both PQN's `lambda` and a prefix short of
    /// `blpo.lambda`: naming PQN alone sent the user to the wrong algorithm.
    public static func naming(unknownKey key: String, known: [String], elsewhere: [String: [String]]) -> String {
        let near = nearestKeys(to: key, in: known)
        let suggestion = near.isEmpty ? nil : "did you mean \(near.joined(separator: " or "))?"
        guard let algos = elsewhere[key], !algos.isEmpty else { return suggestion.map { "\(key) (\($0))" } ?? key }
        let others = "a setting of \(algos.joined(separator: ", "))"
        // A whole key of another algorithm (`blpo.lambda` given to SAC) means that algorithm's: no near key of this one.
        guard !key.contains("."), let suggestion else { return "\(key) (\(others), not of this algorithm)" }
        return "\(key) (\(suggestion) `\(key)` alone is \(others))"
    }
}

/// Up to three keys of `known` closest to `key`: those equal but for case, those ending in `.key` (a prefix
/// left out), those a wrong prefix's last component names (`scorer.leader_lr` → `leader_lr`), then ``nearestByEditDistance(_:in:distance:)`` against the whole key and, when `key` has no
/// prefix, against each known key's last component.
func nearestKeys(to key: String, in known: [String]) -> [String] {
    // Keys are lower case: `LR` is `lr` typed with the shift key, whatever the edit distance says.
    let folded = known.filter { $0.lowercased() == key.lowercased() }
    if !folded.isEmpty { return folded }
    let suffixed = known.filter { $0.hasSuffix("." + key) }
    if !suffixed.isEmpty { return Array(suffixed.sorted().prefix(3)) }
    // A prefix that is not the key's (`scorer.leader_lr` for DQN's `leader_lr`): the keys its last component names.
    if let dot = key.lastIndex(of: ".") {
        let last = String(key[key.index(after: dot)...])
        let named = known.filter { $0 == last || $0.hasSuffix("." + last) }
        if !last.isEmpty, !named.isEmpty { return Array(named.sorted().prefix(3)) }
    }
    return nearestByEditDistance(key, in: known) { k in
        let last = key.contains(".") ? k : String(k.split(separator: ".").last ?? Substring(k))
        return Swift.min(editDistance(key, k), editDistance(key, last))
    }
}

