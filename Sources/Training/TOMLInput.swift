import Foundation
import TOMLKit

/// A table header toml++ (TOMLKit's parser) cannot be given: one whose first character after its
/// bracket(s) cannot start a key (`[[[a]]]`, `[[ [a]]`, `[.a]`, a lone `[[`). toml++ 3 asserts on
/// some of those instead of reporting them, which aborts the process; this finds them first.
public struct TOMLHeaderError: Error, CustomStringConvertible, Equatable {
    public let line: Int, column: Int
    public var description: String {
        "a table header must start with a key after its brackets, as in [name] or [[name]] (at line \(line), column \(column))"
    }
}

/// A NUL byte in TOML text. TOML allows none (not even in a comment), and toml++ reads its input as a
/// C string, so it stopped at the first one and silently dropped every setting after it. A file
/// full of them is most likely UTF-16 or not text at all.
public struct TOMLNULError: Error, CustomStringConvertible, Equatable {
    public let line: Int, column: Int
    public var description: String {
        "a NUL byte at line \(line), column \(column): TOML text holds none, and everything after it would be lost (is the file UTF-16, or not text? save it as UTF-8)"
    }
}

/// `text` parsed by TOMLKit, after the NUL and header checks above. Throws `TOMLNULError`,
/// `TOMLHeaderError` or TOMLKit's `TOMLParseError`.
public func parsedTOML(_ text: String) throws -> TOMLTable {
    if let e = firstNUL(text) { throw e }
    if let e = malformedTableHeader(text) { throw e }
    return try TOMLTable(string: text)
}

/// The first NUL byte's line and column (in bytes, from 1), or nil.
func firstNUL(_ text: String) -> TOMLNULError? {
    var line = 1, column = 1
    for b in text.utf8 {
        if b == 0 { return TOMLNULError(line: line, column: column) }
        if b == 0x0A { line += 1; column = 1 } else { column += 1 }
    }
    return nil
}

/// The first table header whose bracket(s) are not followed by a key, or nil. Headers are
/// told from array values by bracket depth: a `[` that opens a line at depth 0 outside strings
/// starts a header in any valid document, so valid TOML is never flagged.
func malformedTableHeader(_ text: String) -> TOMLHeaderError? {
    let c = Array(text.utf8)
    var i = 0, line = 1, lineStart = 0, depth = 0
    var atLineStart = true
    func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    func isBareKeyStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }
    func has(_ s: String, at k: Int) -> Bool {
        let u = Array(s.utf8)
        return k + u.count <= c.count && Array(c[k..<k + u.count]) == u
    }
    while i < c.count {
        let b = c[i]
        if b == 0x0A { line += 1; i += 1; lineStart = i; atLineStart = true; continue }
        if atLineStart && isBlank(b) { i += 1; continue }
        if atLineStart && b == UInt8(ascii: "[") && depth == 0 {
            var k = i + 1
            if k < c.count && c[k] == UInt8(ascii: "[") { k += 1 }
            while k < c.count && isBlank(c[k]) { k += 1 }
            // A key starts with a bare-key character or a quote; toml++ asserts on any other ASCII
            // character there (`[`, `.`, the line's end, the file's end). Non-ASCII is left to it.
            let startsKey = k < c.count && (c[k] >= 0x80 || isBareKeyStart(c[k]) || c[k] == UInt8(ascii: "\"") || c[k] == UInt8(ascii: "'"))
            if !startsKey { return TOMLHeaderError(line: line, column: k - lineStart + 1) }
            // The rest of a header line is the header and a comment: skip it.
            while i < c.count && c[i] != 0x0A { i += 1 }
            continue
        }
        atLineStart = false
        switch b {
        case UInt8(ascii: "#"):
            while i < c.count && c[i] != 0x0A { i += 1 }
            continue
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let quote = b, triple = has(String(repeating: Character(UnicodeScalar(b)), count: 3), at: i)
            i += triple ? 3 : 1
            while i < c.count {
                if quote == UInt8(ascii: "\"") && c[i] == UInt8(ascii: "\\") { i += 2; continue }
                if c[i] == 0x0A {
                    if !triple { break }   // an unterminated one-line string: TOMLKit says so
                    line += 1; lineStart = i + 1
                }
                if c[i] == quote && (!triple || has(String(repeating: Character(UnicodeScalar(quote)), count: 3), at: i)) {
                    i += triple ? 3 : 1
                    // A closing """ may be followed by up to two more quotes that belong to the string.
                    while triple && i < c.count && c[i] == quote { i += 1 }
                    break
                }
                i += 1
            }
            continue
        case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
        case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = Swift.max(0, depth - 1)
        default: break
        }
        i += 1
    }
    return nil
}
