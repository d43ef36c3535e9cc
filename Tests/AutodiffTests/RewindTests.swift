import Autodiff
import Seeding
import XCTest

/// `Graph.mark()` / `rewind(to:)` / `scratch`: work whose results were copied out (a
/// Hessian-vector product written into a flat vector) is dropped and its memory reused, while what
/// was recorded before it stays valid; tensors recorded in the dropped part are caught like tensors
/// of an earlier step.
final class RewindTests: XCTestCase {
    let net = SecondOrderTests.Net(seed: 5)

    /// Products taken in scratch scopes equal products taken without, the recorded gradient stays
    /// usable across the rewinds, and the node count comes back to the mark each time.
    func testProductsInScratchScopesMatchAndLeaveTheRecordAsItWas() {
        let group = ParameterGroup("all", net.theta + net.w)
        var rng = SeededGenerator(seed: 9)
        let vectors = (0..<4).map { _ in rng.floats(group.count) }
        func products(rewinding: Bool) -> [[Float]] {
            let g = Graph()
            let recorded = RecordedGradient(of: net.loss(g), wrt: group)
            let before = g.nodeCount
            return vectors.map { v in
                var out = [Float](repeating: 0, count: group.count)
                v.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { o in
                        if rewinding { g.scratch { recorded.hessianVectorProduct(vp.baseAddress!, into: o.baseAddress!) } } else {
                            recorded.hessianVectorProduct(vp.baseAddress!, into: o.baseAddress!)
                        }
                    }
                }
                if rewinding { XCTAssertEqual(g.nodeCount, before, "the scope's nodes were dropped") }
                XCTAssertTrue(recorded.tensors.allSatisfy(\.isValid), "the gradient recorded before the mark stays valid")
                return out
            }
        }
        XCTAssertEqual(products(rewinding: true), products(rewinding: false), "same bits with and without rewinding")
    }

    /// Many products in scratch scopes take the arena room of one.
    func testScratchProductsTakeTheRoomOfOne() {
        let group = ParameterGroup("all", net.theta + net.w)
        let g = Graph()
        let recorded = RecordedGradient(of: net.loss(g), wrt: group)
        let v = [Float](repeating: 0.5, count: group.count)
        var out = v
        func product() { v.withUnsafeBufferPointer { vp in out.withUnsafeMutableBufferPointer { o in g.scratch { recorded.hessianVectorProduct(vp.baseAddress!, into: o.baseAddress!) } } } }
        product()
        let (bytes, nodes) = (g.arenaBytesInUse, g.nodeCapacity)
        for _ in 0..<50 { product() }
        XCTAssertEqual(g.arenaBytesInUse, bytes)
        XCTAssertEqual(g.nodeCapacity, nodes)
    }

    /// A tensor recorded after the mark is stale once rewound (validate throws); one recorded before
    /// stays valid, even after a second epoch's rewind to a later mark.
    func testRewindInvalidatesOnlyWhatCameAfterTheMark() throws {
        let g = Graph()
        let kept = g.filled(2, shape: [3])
        let first = g.mark()
        let dropped = g.filled(3, shape: [3])
        g.rewind(to: first)
        XCTAssertTrue(kept.isValid)
        XCTAssertFalse(dropped.isValid)
        XCTAssertThrowsError(try g.validate(dropped, what: "test")) { error in
            guard case GraphError.staleTensor = error else { return XCTFail("expected staleTensor, got \(error)") }
        }
        // A second epoch: what it records before its own mark survives a rewind to that mark.
        let kept2 = kept * 2
        let second = g.mark()
        _ = kept2 + 1
        g.rewind(to: second)
        XCTAssertTrue(kept.isValid); XCTAssertTrue(kept2.isValid)
        XCTAssertEqual((kept2 + kept).array, [6, 6, 6])
        // A rewind to the first mark again goes behind kept2.
        g.rewind(to: first)
        XCTAssertTrue(kept.isValid); XCTAssertFalse(kept2.isValid)
        g.reset()
        XCTAssertFalse(kept.isValid)
    }

    /// A parameter whose leaf was first made inside a scratch scope gets a new leaf afterwards, and
    /// gradients with respect to it are right (the dropped leaf's id now names another node).
    func testAParameterFirstUsedInScratchGetsANewLeaf() {
        let p = Parameter(name: "p", shape: [2], values: [1, 2])
        let group = ParameterGroup("p", [p])
        let g = Graph()
        _ = g.filled(0, shape: [1])
        g.scratch { _ = g.parameter(p) * 3 }
        for _ in 0..<4 { _ = g.filled(1, shape: [1]) }   // reuse the dropped leaf's node id
        let loss = sum(square(g.parameter(p)))
        XCTAssertEqual(g.gradient(of: loss, wrt: group), [2, 4])
    }

    /// The arena keeps one steady size when steps of different shapes alternate: a large
    /// allocation takes an unused chunk that fits wherever it comes in the step, instead of growing
    /// whichever chunk is next (which grew every chunk towards the largest allocation).
    func testAlternatingStepShapesStopAllocating() {
        let g = Graph()
        func step(_ pattern: [Int]) {
            g.reset()
            for n in pattern { _ = g.filled(1, shape: [n]) }
        }
        // Five allocations of 20, 16, 12, 8 and 4 MB, in a rotated order each step: every chunk
        // position meets every size.
        let mb = 1 << 18   // floats
        let sizes = [20, 16, 12, 8, 4].map { $0 * mb }
        let shapes = (0..<5).map { Array(sizes[$0...] + sizes[..<$0]) }
        for _ in 0..<2 { for s in shapes { step(s) } }
        let settled = g.arenaBytesAllocated
        for _ in 0..<10 { for s in shapes { step(s) } }
        XCTAssertEqual(g.arenaBytesAllocated, settled, "a steady cycle of step shapes allocates nothing more")
        // One chunk per size fits every order (60 MB); growing the chunk next in line instead
        // grows every chunk to 20 MB (100 MB, more counting the chunks it freed on the way).
        XCTAssertLessThanOrEqual(settled, 64 << 20, "the arena took \(settled >> 20) MB for steps of 60 MB")
    }
}

extension GraphSafetyTests {
    func testUsingATensorRecordedAfterARewindMarkStops() throws {
        if isChild() {
            let g = Graph()
            let m = g.mark()
            let t = g.filled(1, shape: [4])
            g.rewind(to: m)
            _ = t + 1
            XCTFail("a tensor dropped by a rewind was used")
            return
        }
        try expectDeath(messages: ["tensor #0 was recorded in step 0", "rewind(to:) behind it ends it too"])
    }

    func testRewindingToAMarkBehindAnEarlierRewindStops() throws {
        if isChild() {
            let g = Graph()
            let early = g.mark()
            _ = g.filled(1, shape: [4])
            let late = g.mark()
            g.rewind(to: early)
            for _ in 0..<3 { _ = g.filled(2, shape: [4]) }
            g.rewind(to: late)
            XCTFail("a rewind to a mark an earlier rewind went behind returned")
            return
        }
        try expectDeath(messages: ["Graph.rewind(to:): the mark was taken in an earlier step, or a rewind has since gone behind it"])
    }
}
