import ArgumentParser
import Foundation
import Symbolic

struct ExprCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expr",
        abstract: "Parse, differentiate and evaluate expressions.",
        subcommands: [Diff.self, Eval.self])

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a partial derivative, simplified.",
            discussion: """
            Size: the derivative of a chain nested k deep, f1(f2(…fk(x)…)), is one product of k factors, each \
            up to k deep, so its text (and the work) grows as k²; each further variable in --wrt multiplies the \
            size by about the number of factors. Expressions may nest at most \(Parser.maxNesting) levels.
            """)
        @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The expression.", discussion: expressionWordsHelp("diff --wrt h"))) var words: [String] = []
        // Optional to the parser, so that a --wrt placed after `--` (read as part of the expression) is said as that.
        @Option(help: "Variables to differentiate by, in order (x,y means ∂/∂y ∂/∂x); required.") var wrt: String?
        @Option(help: "text or latex.") var format: String = "text"

        func run() throws {
            try exprErrors {
                let expression = try expressionText(words, command: "diff", options: ["--wrt", "--format"])
                guard let wrt else { throw ValidationError("missing --wrt: give the variables to differentiate by, e.g. --wrt x or --wrt x,y") }
                let e = try Parser.parse(expression)
                let vars = try entries(of: wrt, option: "--wrt").map(String.init)
                guard !vars.isEmpty else { throw ValidationError("--wrt needs at least one variable") }
                for v in vars where !(v.first?.isLetter ?? false) || !v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    throw ValidationError("--wrt: '\(v)' is not a variable name (letters, digits and _, starting with a letter)")
                }
                // Mathematically 0, but far more often a typo (X for x): said, not refused.
                for v in Set(vars).subtracting(e.variables).sorted() {
                    // Written but simplified away (x/x is 1, as SymPy has it): said so, since the text has it.
                    let written = expression.range(of: "(?<![A-Za-z0-9_])\(NSRegularExpression.escapedPattern(for: v))(?![A-Za-z0-9_(])", options: .regularExpression) != nil
                    let place = written ? "the expression once simplified (as SymPy simplifies it: x/x is 1)" : "the expression"
                    try? FileHandle.standardError.write(contentsOf: Data("note: \(v) does not occur in \(place) (its variables: \(e.variables.sorted().joined(separator: ", ").nonEmpty ?? "none")), so ∂/∂\(v) is 0\n".utf8))
                }
                let d = e.derivative(vars)
                switch format {
                case "text": print(d.text)
                case "latex": print(d.latex)
                default: throw ValidationError("--format must be text or latex (got '\(format)')")
                }
            }
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Evaluate an expression at a point.")
        @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The expression.", discussion: expressionWordsHelp("eval --at h=2"))) var words: [String] = []
        // Repeatable (each adds its values), so that `--at x=2 --at x=3` is refused as x given twice
        // rather than read as the last one.
        @Option(help: "Values as name=value,name=value (repeatable).") var at: [String] = []

        func run() throws {
            try exprErrors {
                let e = try Parser.parse(try expressionText(words, command: "eval", options: ["--at"]))
                var values: [String: Double] = [:]
                for item in try at.flatMap({ try entries(of: $0, option: "--at") }) {
                    let kv = item.split(separator: "=")
                    // A number as an expression writes one (decimal, finite): Double() alone also takes
                    // 0x10, inf and nan, which the expression itself would refuse.
                    let text = kv.count == 2 ? kv[1].trimmingCharacters(in: .whitespaces) : ""
                    guard kv.count == 2, text.allSatisfy({ "0123456789+-.eE".contains($0) }), let v = Double(text), v.isFinite else {
                        throw ValidationError("--at entry '\(item)' must be name=number, a finite decimal such as x=0.5 or y=-1e-3")
                    }
                    let name = kv[0].trimmingCharacters(in: .whitespaces)
                    // The parser reads pi as the constant π, never as a variable: a value for it would be ignored.
                    guard name != "pi" else { throw ValidationError("--at gives pi, which expressions read as the constant π, not a variable: rename the variable") }
                    guard values.updateValue(v, forKey: name) == nil else { throw ValidationError("--at gives \(name) twice: give each variable once") }
                }
                let missing = e.variables.subtracting(values.keys).sorted()
                guard missing.isEmpty else {
                    throw ValidationError("no value for \(missing.joined(separator: ", ")): give --at \(missing.map { "\($0)=…" }.joined(separator: ","))")
                }
                let value = e.evaluate(values)
                print(String(format: "%.17g", value))
                if !value.isFinite {
                    try? FileHandle.standardError.write(contentsOf: Data("note: the value is not finite (outside a function's domain, e.g. sqrt or log of a negative number, or an overflow)\n".utf8))
                }
            }
        }
    }
}

/// The expression from the words the parser left over: the "--" terminator arrives among them and is not
/// part of it. An option after "--" (`expr eval -- -x^2 --at x=2`) is read as words too: refused, naming it, where
/// the parser (`expected an operator … at column 6`) or the missing --wrt would not say why.
func expressionText(_ words: [String], command: String, options: [String]) throws -> String {
    if let end = words.firstIndex(of: "--"),
       let option = words[(end + 1)...].first(where: { w in options.contains { w == $0 || w.hasPrefix($0 + "=") } }) {
        let name = option.split(separator: "=", maxSplits: 1)[0]
        throw ValidationError("\(name) comes after `--`, which makes everything after it part of the expression: put the options before `--`, e.g. stackelberg expr \(command == "eval" ? "eval --at x=2 -- -x^2" : "diff --wrt x -- -x^2")")
    }
    return words.filter { $0 != "--" }.joined(separator: " ")
}

/// The words' help: how to write an expression that starts with '-'.
func expressionWordsHelp(_ example: String) -> String {
    "It may start with '-' (-x^2). One that reads as an option (-h, which is help) goes after `--`, with the options before it: stackelberg expr \(example) -- -h"
}

/// A parse error exits 2 (as a refused game does); everything else as `reportingErrors` says it.
func exprErrors(_ body: () throws -> Void) throws {
    try reportingErrors {
        do { try body() } catch let e as ParseError {
            try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8))
            throw ExitCode(2)
        }
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
