import Autodiff
import Foundation
import XCTest

/// A tensor is valid only in the graph step that recorded it. Using one after `reset()`, or with
/// another graph, must stop the process with a message that names the tensor and the fix — in the
/// build the project ships, where Autodiff is compiled with `-Ounchecked` (even in debug builds:
/// the target's unsafe flag comes after `-Onone`), which removes every `precondition`.
///
/// The fatal paths are checked by death tests: the test re-launches this test executable on itself
/// with one test's name and an environment variable that tells that test, in the child, to commit
/// the misuse; the parent asserts that the child died and what it printed on stderr.
final class GraphSafetyTests: XCTestCase {
    /// In the child, holds the name of the test whose misuse should run.
    static let childVariable = "STACKELBERG_GRAPH_SAFETY_CHILD"

    /// Whether this process is the child launched for `test`.
    func isChild(_ test: String = #function) -> Bool {
        ProcessInfo.processInfo.environment[Self.childVariable] == Self.testName(test)
    }

    static func testName(_ function: String) -> String {
        function.hasSuffix("()") ? String(function.dropLast(2)) : function
    }

    /// Runs `AutodiffTests.GraphSafetyTests/<test>` in a child process and asserts that it died
    /// (not a clean exit, not an XCTest failure exit) with each of `messages` on its stderr.
    func expectDeath(_ test: String = #function, messages: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        #if os(Linux)
        let name = Self.testName(test)
        // On Linux the test bundle is an ordinary executable; /proc/self/exe names it even when
        // `swift test` started it through a relative path.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["AutodiffTests.GraphSafetyTests/\(name)"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = name
        environment["SWIFT_BACKTRACE"] = "enable=no"   // the crash report is not what is checked; skip its cost
        child.environment = environment
        let errorPipe = Pipe()
        child.standardError = errorPipe
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        let stderr = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        // fatalError traps (SIGILL on x86-64, SIGTRAP on arm64); an XCTest failure would exit 1.
        XCTAssertEqual(child.terminationReason, .uncaughtSignal,
                       "the child must die on a signal, it exited with status \(child.terminationStatus); stderr:\n\(stderr)",
                       file: file, line: line)
        XCTAssertNotEqual(child.terminationStatus, 0, file: file, line: line)
        for message in messages {
            XCTAssertTrue(stderr.contains(message), "stderr lacks \"\(message)\"; it was:\n\(stderr)", file: file, line: line)
        }
        #else
        throw XCTSkip("death tests re-launch the test executable, which only Linux's XCTest runs directly")
        #endif
    }

    // MARK: In process

    func testTensorStaysSixteenBytes() {
        XCTAssertEqual(MemoryLayout<Tensor>.size, 16)
        XCTAssertEqual(MemoryLayout<Tensor>.stride, 16)
    }

    func testStepsAdvanceOnResetAndTensorsKnowTheirStep() {
        let g = Graph()
        let first = g.currentStep
        let a = g.scalar(2)
        XCTAssertEqual(a.recordedStep, first)
        XCTAssertTrue(a.isValid)
        g.reset()
        XCTAssertEqual(g.currentStep, first &+ 1)
        XCTAssertFalse(a.isValid)
        let b = g.scalar(3)
        XCTAssertTrue(b.isValid)
        XCTAssertEqual((b * b).scalarValue, 9)
    }

    func testValidatePassesCurrentTensors() throws {
        let g = Graph()
        g.reset()
        let a = g.scalar(1), b = g.filled(2, shape: [3])
        XCTAssertNoThrow(try g.validate(a, what: "test"))
        XCTAssertNoThrow(try g.validate(a, b, what: "test"))
    }

    func testValidateThrowsForAStaleTensor() throws {
        let g = Graph()
        _ = g.scalar(0)
        let a = g.scalar(1)
        let step = g.currentStep
        g.reset()
        let b = g.scalar(2)
        XCTAssertThrowsError(try g.validate(b, a, what: "TotalDerivative.compute")) { error in
            XCTAssertEqual(error as? GraphError,
                           .staleTensor(id: 1, recordedStep: step, currentStep: step &+ 1, what: "TotalDerivative.compute"))
            let text = String(describing: error)
            XCTAssertTrue(text.contains("tensor #1 was recorded in step \(step) of its graph, which has been reset since (now step \(step &+ 1))"), text)
            XCTAssertTrue(text.contains("recompute it in this step"), text)
            XCTAssertTrue(text.hasPrefix("TotalDerivative.compute: "), text)
        }
    }

    func testValidateThrowsForATensorOfAnotherGraph() throws {
        let g = Graph(), h = Graph()
        let foreign = h.scalar(1)
        XCTAssertThrowsError(try g.validate(foreign, what: "caller")) { error in
            XCTAssertEqual(error as? GraphError, .otherGraph(id: 0, what: "caller"))
            XCTAssertTrue(String(describing: error).contains("belongs to another graph"))
        }
    }

    /// The checks read no values and write none: a computation gives the same bits as before
    /// resets on other tensors interleaved (the op builders and backward still see valid tensors).
    func testValidTensorsComputeAsBeforeAcrossResets() {
        let g = Graph()
        let p = Parameter(name: "w", shape: [3], values: [0.5, -1, 2])
        func run() -> [Float] {
            g.reset()
            let w = g.parameter(p)
            let y = sum(square(tanh(w * 3)))
            return g.gradients(of: y, wrt: [w])[0].array + [y.scalarValue]
        }
        let first = run(), second = run()
        XCTAssertEqual(first, second)
    }

    // MARK: Death tests

    func testReadingAStaleTensorStops() throws {
        if isChild() {
            let g = Graph()
            for _ in 0..<17 { _ = g.scalar(0) }
            let t = g.scalar(1)          // tensor #17 of step 0
            g.reset()
            _ = t.scalarValue
            XCTFail("reading a stale tensor returned")
            return
        }
        try expectDeath(messages: ["tensor #17 was recorded in step 0 of its graph, which has been reset since (now step 1)",
                                   "a tensor is valid only until the next reset(); recompute it in this step"])
    }

    func testPointerOfAStaleTensorStops() throws {
        if isChild() {
            let g = Graph()
            let t = g.filled(1, shape: [4])
            g.reset(); g.reset()
            _ = t.pointer
            XCTFail("the pointer of a stale tensor was returned")
            return
        }
        try expectDeath(messages: ["tensor #0 was recorded in step 0 of its graph, which has been reset since (now step 2)"])
    }

    func testAStaleTensorAsAnOpInputStops() throws {
        if isChild() {
            let g = Graph()
            let stale = g.filled(1, shape: [2])
            g.reset()
            let fresh = g.filled(2, shape: [2])
            // The stale id now names `fresh`'s node: without the check this would silently add 2 + 2.
            _ = fresh + stale
            XCTFail("an op accepted a stale input")
            return
        }
        try expectDeath(messages: ["an op's input: tensor #0 was recorded in step 0", "recompute it in this step"])
    }

    func testATensorOfAnotherGraphAsAnOpInputStops() throws {
        if isChild() {
            let g = Graph(), h = Graph()
            let a = g.filled(1, shape: [2]), b = h.filled(2, shape: [2])
            _ = a * b
            XCTFail("an op combined tensors of two graphs")
            return
        }
        try expectDeath(messages: ["tensor #0 belongs to another graph"])
    }

    func testIndicesOfAStaleTensorStop() throws {
        if isChild() {
            let g = Graph()
            let idx = g.indices([2, 0, 1])
            g.reset()
            _ = g.filled(5, shape: [3])   // the stale id now names a Float node
            _ = idx.indexArray
            XCTFail("the indices of a stale tensor were read")
            return
        }
        try expectDeath(messages: ["reading a tensor's shape or values: tensor #0 was recorded in step 0"])
    }

    func testDifferentiatingWithRespectToAStaleTensorStops() throws {
        if isChild() {
            let g = Graph()
            let staleX = g.filled(1, shape: [2])
            g.reset()
            let x = g.filled(2, shape: [2])
            _ = g.gradients(of: sum(square(x)), wrt: [staleX])
            XCTFail("a gradient with respect to a stale tensor was taken")
            return
        }
        try expectDeath(messages: ["gradients(of:wrt:), a tensor differentiated against: tensor #0 was recorded in step 0"])
    }

    func testDifferentiatingAStaleOutputStops() throws {
        if isChild() {
            let g = Graph()
            let p = Parameter(name: "w", shape: [2], values: [1, 2])
            let loss = sum(square(g.parameter(p)))
            g.reset()
            _ = g.gradient(of: loss, wrt: ParameterGroup("w", [p]))
            XCTFail("the gradient of a stale loss was taken")
            return
        }
        try expectDeath(messages: ["gradients(of:wrt:), the differentiated output: tensor #", "which has been reset since (now step 1)"])
    }
}
