import Agents

/// One setting of an algorithm or a coupling, declared once: its key, what it means, and the
/// path into the configuration value it sets. The same declaration writes the default (from a
/// preset configuration) and reads a run's value back, so the two can never disagree.
public struct SettingDeclaration<Config>: Sendable {
    public let key: String
    public let help: String
    let write: @Sendable (Config) -> Settings.Value
    let read: @Sendable (inout Config, Settings) throws -> Void
}

/// The range a numeric setting must lie in, checked when it is read (before anything runs), so a
/// value out of range is refused by name instead of training on garbage.
public enum SettingBound: Sendable {
    case any
    case positive
    case nonNegative
    /// [0, 1]: discounts, probabilities, mixing weights.
    case unit
    /// (0, 1]: a fraction that must move something (a Polyak weight of 0 never updates the target).
    case positiveUnit
    /// (0, limit]: counts whose work and memory grow with the value, so that a typo (an unroll m of 1e10
    /// allocated 160 GB, and an update that long did not stop on Ctrl-C) is refused by name.
    case positiveAtMost(Double)
    /// [low, high]: whole ranges an agent's own check states (Lanczos and Arnoldi steps in 2…200), so
    /// that the table's refusal gives the same range and a value fixed to pass one is not refused by the other.
    case within(ClosedRange<Double>)
    /// [0, limit]: the same, where 0 means "none".
    case nonNegativeAtMost(Double)

    /// The most environment steps a run may be given (`total_steps`, `train --steps`): far beyond any run
    /// and within the 64-bit counts; a larger value is a typo (an exponent too many).
    public static let maxTotalSteps = 1e15

    /// `total_steps`'s range, the same as `train --steps` takes.
    public static let totalSteps = SettingBound.positiveAtMost(maxTotalSteps)

    func check(_ key: String, _ x: Double) throws {
        switch self {
        case .any: return
        case .positive: if !(x > 0) { throw SettingsError.type(key, "positive", Settings.format(x)) }
        case .nonNegative: if !(x >= 0) { throw SettingsError.type(key, "≥ 0", Settings.format(x)) }
        case .unit: if !(0...1).contains(x) { throw SettingsError.type(key, "in [0, 1]", Settings.format(x)) }
        case .positiveUnit: if !(x > 0 && x <= 1) { throw SettingsError.type(key, "in (0, 1]", Settings.format(x)) }
        case .positiveAtMost(let limit): if !(x > 0 && x <= limit) { throw SettingsError.type(key, "positive and at most \(Settings.format(limit))", Settings.format(x)) }
        case .within(let range): if !range.contains(x) { throw SettingsError.type(key, "in \(Settings.format(range.lowerBound))…\(Settings.format(range.upperBound))", Settings.format(x)) }
        case .nonNegativeAtMost(let limit): if !(x >= 0 && x <= limit) { throw SettingsError.type(key, "in [0, \(Settings.format(limit))]", Settings.format(x)) }
        }
    }
}

extension SettingDeclaration {
    /// A whole number within `bound`.
    public static func int(_ key: String, _ path: WritableKeyPath<Config, Int> & Sendable, _ help: String, _ bound: SettingBound = .any) -> Self {
        Self(key: key, help: help, write: { .number(Double($0[keyPath: path])) },
             read: { c, s in
                 let v = try s.required(key, s.int)
                 try bound.check(key, Double(v))
                 c[keyPath: path] = v
             })
    }

    /// A Float32 setting within `bound`, written as its shortest decimal (0.99, not 0.9900000095367432).
    public static func real(_ key: String, _ path: WritableKeyPath<Config, Float> & Sendable, _ help: String, _ bound: SettingBound = .any) -> Self {
        Self(key: key, help: help, write: { .number(Double("\($0[keyPath: path])")!) },
             read: { c, s in
                 let v = try s.required(key, s.double)
                 try bound.check(key, v)
                 guard Float(v).isFinite else { throw SettingsError.type(key, "a number within Float's range", Settings.format(v)) }
                 // A value that rounds to 0 in Float (1e-50) would run as 0, a λ of 0 or a learning rate the
                 // agent then calls "0.0"; a subnormal loses its digits and flushes to 0 in the kernels.
                 guard v == 0 || Swift.abs(v) >= Double(Float.leastNormalMagnitude) else {
                     // "0 or …" only where 0 is allowed: a learning rate of 0 is refused as not positive.
                     let zeroAllowed = (try? bound.check(key, 0)) != nil
                     throw SettingsError.type(key, "\(zeroAllowed ? "0 or " : "")a number of magnitude at least 1.2e-38 (Float's smallest normal number; \(Settings.format(v)) would run as 0)", Settings.format(v))
                 }
                 c[keyPath: path] = Float(v)
             })
    }

    public static func bool(_ key: String, _ path: WritableKeyPath<Config, Bool> & Sendable, _ help: String) -> Self {
        Self(key: key, help: help, write: { .bool($0[keyPath: path]) }, read: { c, s in c[keyPath: path] = try s.required(key, s.bool) })
    }

    /// Positive whole numbers (layer widths); `allowEmpty` accepts `[]`.
    public static func ints(_ key: String, _ path: WritableKeyPath<Config, [Int]> & Sendable, _ help: String) -> Self {
        Self(key: key, help: help, write: { .numbers($0[keyPath: path].map(Double.init)) },
             read: { c, s in c[keyPath: path] = try s.ints(key) ?? [] })
    }

    /// One case of a string enumeration; the help lists the cases.
    public static func choice<E: RawRepresentable & CaseIterable & Sendable>(_ key: String, _ path: WritableKeyPath<Config, E> & Sendable,
                                                                            _ help: String) -> Self where E.RawValue == String {
        Self(key: key, help: help + " (" + E.allCases.map(\.rawValue).joined(separator: " | ") + ")",
             write: { .string($0[keyPath: path].rawValue) }, read: { c, s in c[keyPath: path] = try s.required(key, E.self) })
    }

    /// One of a fixed list of names.
    public static func name(_ key: String, _ path: WritableKeyPath<Config, String> & Sendable, among choices: [String], _ help: String) -> Self {
        Self(key: key, help: help + " (" + choices.joined(separator: " | ") + ")", write: { .string($0[keyPath: path]) },
             read: { c, s in c[keyPath: path] = try s.required(key) { try s.choice($0, choices) } })
    }

    /// A whole number where 0 means "none" (nil).
    public static func optionalInt(_ key: String, _ path: WritableKeyPath<Config, Int?> & Sendable, _ help: String) -> Self {
        Self(key: key, help: help, write: { .number(Double($0[keyPath: path] ?? 0)) },
             read: { c, s in
                 let v = try s.required(key, s.int)
                 // 0 means "unset" (the default): a negative count is a typo, not another way to say it.
                 try SettingBound.nonNegative.check(key, Double(v))
                 c[keyPath: path] = v > 0 ? v : nil
             })
    }

    /// The same setting on a configuration nested at `path` (e.g. a network spec inside an agent's config).
    public func nested<Outer>(in path: WritableKeyPath<Outer, Config> & Sendable) -> SettingDeclaration<Outer> {
        let (w, r) = (write, read)
        return SettingDeclaration<Outer>(key: key, help: help, write: { w($0[keyPath: path]) },
                                         read: { outer, s in try r(&outer[keyPath: path], s) })
    }
}

/// The declarations of one configuration type, in key order.
public struct SettingTable<Config>: Sendable {
    public let declarations: [SettingDeclaration<Config>]
    public init(_ declarations: [SettingDeclaration<Config>]) { self.declarations = declarations }

    public var keys: [String] { declarations.map(\.key) }

    /// Writes every key's value in `config` (a preset: its values are the defaults) into `settings`.
    public func write(_ config: Config, into settings: inout Settings) {
        for d in declarations { settings[d.key] = d.write(config) }
    }

    /// `preset` with every declared key read from `settings` (which must hold them all: resolved settings do).
    public func read(_ settings: Settings, into preset: Config) throws -> Config {
        var c = preset
        for d in declarations { try d.read(&c, settings) }
        return c
    }

    public func appending(_ more: [SettingDeclaration<Config>]) -> SettingTable { SettingTable(declarations + more) }
}

extension Settings {
    /// A value that must be set, read with `read` (e.g. `s.int`).
    func required<T>(_ key: String, _ read: (String) throws -> T?) throws -> T {
        guard let v = try read(key) else { throw SettingsError.type(key, "set", "nothing") }
        return v
    }

    /// A string key naming one case of `E`.
    func required<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) throws -> E where E.RawValue == String {
        E(rawValue: try required(key) { try choice($0, E.allCases.map(\.rawValue)) })!
    }
}

extension SettingDeclaration {
    /// A real number kept in Double (environment overrides).
    public static func double(_ key: String, _ path: WritableKeyPath<Config, Double> & Sendable, _ help: String) -> Self {
        Self(key: key, help: help, write: { .number($0[keyPath: path]) }, read: { c, s in c[keyPath: path] = try s.required(key, s.double) })
    }
}
