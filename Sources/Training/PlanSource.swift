import Foundation

// Locating keys and values in a sweep plan's text, for its errors.

/// Where each key is defined in the plan text, for errors: TOMLKit gives lines for syntax errors
/// only, so keys are found by reading the lines (table headers, `key =`), and values by searching
/// for their text below their key.
struct PlanSource {
    let lines: [String]
    /// Dotted key path ("settings.lr", "exclude[1].coupling") → 1-based line.
    private(set) var keyLines: [String: Int] = [:]
    /// The lines that start a key or a table, sorted.
    private(set) var starts: [Int] = []

    init(_ text: String) {
        lines = text.components(separatedBy: "\n")
        var table = "", arrays: [String: Int] = [:]
        for (i, raw) in lines.enumerated() {
            let line = PlanSource.stripComment(raw).trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            if line.hasPrefix("[[") {
                let name = PlanSource.keyPath(String(line.dropFirst(2).prefix { $0 != "]" }))
                let n = arrays[name, default: -1] + 1
                arrays[name] = n
                table = "\(name)[\(n)]"
                keyLines[table] = keyLines[table] ?? i + 1
                keyLines[name] = keyLines[name] ?? i + 1
                starts.append(i + 1)
            } else if line.hasPrefix("[") {
                table = PlanSource.keyPath(String(line.dropFirst().prefix { $0 != "]" }))
                keyLines[table] = keyLines[table] ?? i + 1
                starts.append(i + 1)
            } else if let eq = PlanSource.keyEnd(line) {
                let key = PlanSource.keyPath(String(line[..<eq]))
                let full = table.isEmpty ? key : table + "." + key
                keyLines[full] = keyLines[full] ?? i + 1
                starts.append(i + 1)
            }
        }
    }

    /// The text before a `#` that is not inside a string.
    static func stripComment(_ s: String) -> String {
        var quote: Character? = nil, out = ""
        for c in s {
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "#" { break }
            out.append(c)
        }
        return out
    }

    /// The index of the `=` after a key at the line's start (bare, quoted or dotted), if the line starts with one.
    static func keyEnd(_ line: String) -> String.Index? {
        var quote: Character? = nil
        for i in line.indices {
            let c = line[i]
            if let q = quote { if c == q { quote = nil }; continue }
            if c == "\"" || c == "'" { quote = c; continue }
            if c == "=" { return i }
            if !(c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." || c == " ") { return nil }
        }
        return nil
    }

    /// `a.b`, `"a.b"` and `a."b.c"` as the dotted path the plan reader uses (quoted parts kept whole).
    static func keyPath(_ s: String) -> String {
        var parts = [String](), current = "", quote: Character? = nil
        for c in s.trimmingCharacters(in: .whitespaces) {
            if let q = quote { if c == q { quote = nil } else { current.append(c) }; continue }
            if c == "\"" || c == "'" { quote = c; continue }
            if c == "." { parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue }
            current.append(c)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts.joined(separator: ".")
    }

    func line(of key: String) -> Int? { keyLines[key] }

    /// The value of `key = value` as written on its line (comment dropped): `1e3`, where the parsed TOML
    /// value prints as 1000.0. Nil where the key has no line or its value runs over several lines.
    func writtenValue(of key: String) -> String? {
        guard let n = line(of: key), n >= 1, n <= lines.count else { return nil }
        let text = Self.stripComment(lines[n - 1])
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let value = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }

    /// The line, at or below `key`'s, before the next key, where `value` is written (quoted or bare).
    func line(ofValue value: String, under key: String) -> Int? {
        guard let start = keyLines[key] else { return nil }
        let end = starts.first { $0 > start } ?? lines.count + 1
        for n in start..<end where n - 1 < lines.count {
            let l = PlanSource.stripComment(lines[n - 1])
            if l.contains("\"\(value)\"") || l.contains("'\(value)'") { return n }
        }
        for n in start..<end where n - 1 < lines.count {
            if PlanSource.stripComment(lines[n - 1]).range(of: "(^|[^A-Za-z0-9_.])\(NSRegularExpression.escapedPattern(for: value))($|[^A-Za-z0-9_.])", options: .regularExpression) != nil { return n }
        }
        return start
    }
}
