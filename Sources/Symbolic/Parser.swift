import Foundation

/// A parse error that points at the offending column (1-based) of the input.
public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public let column: Int
    public let input: String

    public var description: String {
        // A long input is shown as a window around the column, so that the caret stays readable.
        let chars = Array(input), radius = 60
        var shown = input, caretColumn = column
        if chars.count > 2 * radius {
            let lo = max(0, min(column - 1, chars.count) - radius), hi = min(chars.count, lo + 2 * radius)
            shown = (lo > 0 ? "…" : "") + String(chars[lo..<hi]) + (hi < chars.count ? "…" : "")
            caretColumn = column - lo + (lo > 0 ? 1 : 0)
        }
        let caret = String(repeating: " ", count: max(0, caretColumn - 1)) + "^"
        return "\(message) at column \(column)\n  \(shown)\n  \(caret)"
    }
}

/// Recursive-descent parser for the expression syntax:
///
///     expr    := term (('+' | '-') term)*
///     term    := unary (('*' | '/') unary)*
///     unary   := ('-' | '+') unary | power
///     power   := primary (('^' | '**') unary)?        (right associative; -x^2 = -(x^2))
///     primary := number | name | name '(' expr ')' | '(' expr ')'
///
/// `pi` is the constant π. Every other name is a variable.
///
/// Nesting (parentheses, function calls, leading signs and exponents) is limited to `maxNesting`
/// levels: the parser and everything downstream (derivatives, printers, compilers) recurse once per
/// level, and an input nested thousands deep would overflow the stack instead of failing cleanly.
public struct Parser {
    /// The deepest nesting of parentheses, function calls, signs and exponents the parser accepts.
    public static let maxNesting = 1000

    public static func parse(_ input: String) throws(ParseError) -> Expr {
        var parser = Parser(input: input)
        return try parser.parseAll()
    }

    /// A character as an error shows it: quoted, or as U+XXXX where it would print as nothing or as
    /// blank (a zero-width space, a control character, a no-break space), so the user can find it.
    static func shown(_ c: Character) -> String {
        let invisible: Set<Unicode.GeneralCategory> = [.format, .control, .spaceSeparator, .lineSeparator,
                                                       .paragraphSeparator, .nonspacingMark, .enclosingMark, .unassigned]
        guard c.unicodeScalars.contains(where: { invisible.contains($0.properties.generalCategory) }) else { return "'\(c)'" }
        return c.unicodeScalars.map { scalar -> String in
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }.joined(separator: " ")
    }

    private enum Token: Equatable {
        case number(Double), name(String), op(Character), power, lparen, rparen, end
    }

    private let input: String
    private let chars: [Character]
    private var index = 0
    private var token: Token = .end
    private var tokenColumn = 1
    private var depth = 0

    private init(input: String) {
        self.input = input
        self.chars = Array(input)
    }

    private mutating func parseAll() throws(ParseError) -> Expr {
        try advance()
        if token == .end { throw ParseError(message: "empty expression", column: 1, input: input) }
        let e = try parseSum()
        if token != .end {
            throw fail(token == .rparen ? "unmatched ')'" : "expected an operator (+ - * / ^) or the end of the expression")
        }
        return e
    }

    private func fail(_ message: String) -> ParseError {
        ParseError(message: message, column: tokenColumn, input: input)
    }

    /// Enters one level of nesting (a parenthesis, call, sign or exponent at the current token);
    /// the caller leaves it with `depth -= 1`.
    private mutating func enterNesting() throws(ParseError) {
        depth += 1
        if depth > Parser.maxNesting {
            throw fail("expression nested too deeply: more than \(Parser.maxNesting) levels of parentheses, function calls, signs or exponents (the limit is \(Parser.maxNesting))")
        }
    }

    private mutating func advance() throws(ParseError) {
        while index < chars.count, chars[index].isWhitespace { index += 1 }
        tokenColumn = index + 1
        guard index < chars.count else { token = .end; return }
        let c = chars[index]
        if c.isNumber || (c == "." && index + 1 < chars.count && chars[index + 1].isNumber) {
            token = .number(try scanNumber())
            return
        }
        if c.isLetter || c == "_" {
            var name = ""
            while index < chars.count, chars[index].isLetter || chars[index].isNumber || chars[index] == "_" {
                guard chars[index].isASCII else {
                    // Greek letters as `game list` spells them: π is the constant pi, the others their names.
                    let greek: [Character: String] = ["π": "pi", "θ": "theta", "λ": "lambda", "α": "alpha", "β": "beta", "σ": "sigma", "ε": "eps", "η": "eta"]
                    throw ParseError(message: "non-ASCII character '\(chars[index])' in a name" + (greek[chars[index]].map { ": write it as \($0)" } ?? ""), column: index + 1, input: input)
                }
                name.append(chars[index]); index += 1
            }
            token = .name(name)
            return
        }
        index += 1
        switch c {
        case "+", "-", "/": token = .op(c)
        case "*":
            if index < chars.count, chars[index] == "*" { index += 1; token = .power } else { token = .op("*") }
        case "^": token = .power
        case "(": token = .lparen
        case ")": token = .rparen
        default:
            // Typeset operators (as `game list` prints some games) read as their ASCII spelling: say which.
            let ascii: [Character: String] = ["−": "-", "–": "-", "—": "-", "‐": "-", "×": "*", "·": "*", "⋅": "*", "∗": "*",
                                              "÷": "/", "＋": "+", "²": "^2", "³": "^3", "√": "sqrt(…)", "π": "pi"]
            throw ParseError(message: "unexpected character \(Self.shown(c))" + (ascii[c].map { ": write it as ASCII '\($0)'" } ?? ""), column: index, input: input)
        }
    }

    private mutating func scanNumber() throws(ParseError) -> Double {
        let start = index
        while index < chars.count, chars[index].isNumber { index += 1 }
        if index < chars.count, chars[index] == "." {
            index += 1
            while index < chars.count, chars[index].isNumber { index += 1 }
        }
        if index < chars.count, chars[index] == "e" || chars[index] == "E" {
            var j = index + 1
            if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
            if j < chars.count, chars[j].isNumber {
                index = j
                while index < chars.count, chars[index].isNumber { index += 1 }
            }
        }
        let text = String(chars[start..<index])
        guard chars[start..<index].allSatisfy(\.isASCII), let value = Double(text), value.isFinite else {
            if chars[start..<index].allSatisfy(\.isASCII), let value = Double(text), value.isInfinite {
                throw ParseError(message: "number '\(text)' is beyond the largest finite value (about 1.8e308)", column: start + 1, input: input)
            }
            throw ParseError(message: "malformed number '\(text)'", column: start + 1, input: input)
        }
        // A number below the smallest positive double reads as 0, which turned 1/1e-400 into a division by zero.
        if value == 0, text.prefix(while: { $0 != "e" && $0 != "E" }).contains(where: { $0.isNumber && $0 != "0" }) {
            throw ParseError(message: "number '\(text)' is below the smallest positive value (about 4.9e-324) and would read as 0: write 0 if that is meant", column: start + 1, input: input)
        }
        return value
    }

    private mutating func parseSum() throws(ParseError) -> Expr {
        var terms = [try parseProduct()]
        while case .op(let c) = token, c == "+" || c == "-" {
            try advance()
            let rhs = try parseProduct()
            terms.append(c == "+" ? rhs : Expr.negate(rhs))
        }
        return terms.count == 1 ? terms[0] : Expr.add(terms)
    }

    private mutating func parseProduct() throws(ParseError) -> Expr {
        var lhs = try parseUnary()
        while case .op(let c) = token, c == "*" || c == "/" {
            let column = tokenColumn
            try advance()
            let rhs = try parseUnary()
            if c == "/", rhs.constantValue == 0 {
                throw ParseError(message: "division by zero", column: column, input: input)
            }
            lhs = c == "*" ? Expr.multiply([lhs, rhs]) : Expr.divide(lhs, rhs)
        }
        return lhs
    }

    private mutating func parseUnary() throws(ParseError) -> Expr {
        if case .op(let c) = token, c == "-" || c == "+" {
            try enterNesting()
            defer { depth -= 1 }
            try advance()
            let operand = try parseUnary()
            return c == "-" ? Expr.negate(operand) : operand
        }
        return try parsePower()
    }

    private mutating func parsePower() throws(ParseError) -> Expr {
        let base = try parsePrimary()
        guard token == .power else { return base }
        let column = tokenColumn
        try enterNesting()
        defer { depth -= 1 }
        try advance()
        let exponent = try parseUnary()
        if base.constantValue == 0, let e = exponent.constantValue, e < 0 {
            throw ParseError(message: "zero raised to a negative power", column: column, input: input)
        }
        return Expr.pow(base, exponent)
    }

    private mutating func parsePrimary() throws(ParseError) -> Expr {
        switch token {
        case .number(let v):
            try advance()
            return .constant(v)
        case .name(let name):
            let column = tokenColumn
            try advance()
            if token == .lparen {
                guard let function = MathFunction(rawValue: name) else {
                    let known = MathFunction.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ParseError(message: "unknown function '\(name)' (known: \(known))", column: column, input: input)
                }
                try enterNesting()
                defer { depth -= 1 }
                try advance()
                let argument = try parseSum()
                guard token == .rparen else { throw fail("expected ')' to close \(name)(") }
                try advance()
                return Expr.apply(function, argument)
            }
            if MathFunction(rawValue: name) != nil {
                throw ParseError(message: "function '\(name)' needs an argument in parentheses", column: column, input: input)
            }
            if name == "pi" { return .constant(Double.pi) }
            return .variable(name)
        case .lparen:
            try enterNesting()
            defer { depth -= 1 }
            try advance()
            let inner = try parseSum()
            guard token == .rparen else { throw fail("expected ')'") }
            try advance()
            return inner
        case .rparen: throw fail("unexpected ')'")
        case .end: throw fail("unexpected end of expression")
        case .op(let c): throw fail("expected a number, a name or '(' before '\(c)'")
        case .power: throw fail("expected a number, a name or '(' before '^'")
        }
    }
}
