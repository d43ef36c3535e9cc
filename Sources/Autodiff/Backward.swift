// Reverse mode. The backward pass is itself recorded (see `Graph`), so its results can be
// differentiated again.

extension Graph {
    /// ∂y/∂x for each x in `xs`, as tensors of this graph (differentiable again). A non-scalar `y`
    /// is seeded with ones, i.e. this is the gradient of sum(y). An x that y does not depend on
    /// gets zeros. `y` and every x must have been recorded in this graph's current step; a tensor
    /// from an earlier step or another graph stops the process with a message naming it.
    public func gradients(of y: Tensor, wrt xs: [Tensor]) -> [Tensor] {
        prepareBackward(y)
        var lowest = Int(y.id)
        // A stale x would mark whatever node now has its id; a foreign one, a node of this graph.
        for x in xs where _slowPath(x.graph !== self || !isCurrent(x)) {
            invalidTensor(x, usedIn: "gradients(of:wrt:), a tensor differentiated against")
        }
        for x in xs where Int(x.id) <= Int(y.id) {
            reachScratch[Int(x.id)] = true
            lowest = Swift.min(lowest, Int(x.id))
        }
        runBackward(y, lowest: lowest)
        return xs.map { adjoint(of: $0.id, within: y) ?? zeros($0.shape) }
    }

    public func gradient(of y: Tensor, wrt x: Tensor) -> Tensor { gradients(of: y, wrt: [x])[0] }

    /// ∂y/∂p for each parameter of `group`, as tensors (differentiable again).
    public func gradients(of y: Tensor, wrt group: ParameterGroup) -> [Tensor] {
        var out = [Tensor]()
        gradients(of: y, wrt: group, into: &out)
        return out
    }

    /// ∂y/∂p for each parameter of `group` into `out`, reusing its storage (no allocation once warm).
    public func gradients(of y: Tensor, wrt group: ParameterGroup, into out: inout [Tensor]) {
        prepareBackward(y)
        var lowest = Int(y.id)
        for p in group.parameters {
            let x = parameter(p)
            if Int(x.id) <= Int(y.id) {
                reachScratch[Int(x.id)] = true
                lowest = Swift.min(lowest, Int(x.id))
            }
        }
        runBackward(y, lowest: lowest)
        out.removeAll(keepingCapacity: true)
        for p in group.parameters {
            let x = parameter(p)
            out.append(adjoint(of: x.id, within: y) ?? zeros(p.shape))
        }
    }

    /// ∂y/∂p for the parameters of `group`, written flat into `out` (`group.count` floats) in the
    /// group's order. Allocates nothing once the graph is warm: the training hot path.
    public func gradient(of y: Tensor, wrt group: ParameterGroup, into out: UnsafeMutablePointer<Float>) {
        prepareBackward(y)
        runBackward(y, lowest: markTargets(group, below: y))
        writeAdjoints(of: group, within: y, into: out)
    }

    /// Σᵢ ∂⟨yᵢ, vᵢ⟩/∂p for the parameters of `group`, written flat into `out` (`group.count` floats in
    /// the group's order): the vector–Jacobian product of the outputs `ys` with the cotangents in
    /// `seeds` (v flat over `ys` in order, Σ yᵢ.count floats, copied in). This is ∇_p ⟨y, v⟩ without
    /// forming the inner product: the backward pass starts with each vᵢ as yᵢ's adjoint, the values
    /// the inner product's own backward would have sent there (1·vᵢ), so the result has its bits.
    /// A Hessian-vector product of a recorded gradient is this with ys = the gradient's tensors.
    public func vectorJacobianProduct(of ys: [Tensor], seeds: UnsafePointer<Float>, wrt group: ParameterGroup,
                                      into out: UnsafeMutablePointer<Float>) {
        guard var top = ys.first else { out.update(repeating: 0, count: group.count); return }
        for y in ys {
            if _slowPath(y.graph !== self || !isCurrent(y)) {
                invalidTensor(y, usedIn: "vectorJacobianProduct(of:seeds:wrt:into:), a differentiated output")
            }
            if y.id > top.id { top = y }
        }
        prepareBackward(top)
        let lowest = markTargets(group, below: top)
        markReach(top: Int(top.id), lowest: lowest)
        // Seeded last output first: an inner product ((⟨y₀,v₀⟩ + ⟨y₁,v₁⟩) + …) sends its terms' adjoints
        // in that order, which only matters if two outputs are one node.
        var offset = 0
        for y in ys { offset += nodes[Int(y.id)].shape.count }
        for y in ys.reversed() {
            let shape = nodes[Int(y.id)].shape
            offset -= shape.count
            if reachScratch[Int(y.id)] { accumulate(y.id, constant(seeds + offset, shape: shape)) }
        }
        sweep(top: Int(top.id), lowest: lowest)
        writeAdjoints(of: group, within: top, into: out)
    }

    /// Marks the group's parameters recorded in this step at or below `top` as targets of a backward
    /// pass from it; returns the lowest node id the pass must reach (`top`'s when none is).
    private func markTargets(_ group: ParameterGroup, below top: Tensor) -> Int {
        var lowest = Int(top.id)
        for p in group.parameters where p.graphToken == token && Int(p.graphNode) <= Int(top.id) {
            reachScratch[Int(p.graphNode)] = true
            lowest = Swift.min(lowest, Int(p.graphNode))
        }
        return lowest
    }

    /// The group's adjoints after a backward pass from `top`, flat into `out` (zeros where none).
    private func writeAdjoints(of group: ParameterGroup, within top: Tensor, into out: UnsafeMutablePointer<Float>) {
        var offset = 0
        for p in group.parameters {
            if p.graphToken == token, let g = adjoint(of: p.graphNode, within: top) {
                (out + offset).update(from: nodes[Int(g.id)].floats, count: p.count)
            } else {
                (out + offset).update(repeating: 0, count: p.count)
            }
            offset += p.count
        }
    }

    private func prepareBackward(_ y: Tensor) {
        // Checked here (not only by the ops) because the backward pass indexes nodes by y's id.
        if _slowPath(y.graph !== self || !isCurrent(y)) {
            invalidTensor(y, usedIn: "gradients(of:wrt:), the differentiated output")
        }
        let n = Int(y.id) + 1
        reachScratch.removeAll(keepingCapacity: true)
        reachScratch.append(contentsOf: repeatElement(false, count: n))
        adjointScratch.removeAll(keepingCapacity: true)
        adjointScratch.append(contentsOf: repeatElement(-1, count: n))
    }

    private func adjoint(of id: Int32, within y: Tensor) -> Tensor? {
        guard Int(id) <= Int(y.id), adjointScratch[Int(id)] >= 0 else { return nil }
        return Tensor(graph: self, id: adjointScratch[Int(id)])
    }

    private func runBackward(_ y: Tensor, lowest: Int) {
        let top = Int(y.id)
        markReach(top: top, lowest: lowest)
        guard reachScratch[top] else { return }
        adjointScratch[top] = filled(1, shape: nodes[top].shape).id
        sweep(top: top, lowest: lowest)
    }

    /// Marks the nodes in lowest...top that lie on a path from a marked target upward.
    private func markReach(top: Int, lowest: Int) {
        if lowest < top {
            for i in (lowest + 1)...top where !reachScratch[i] {
                let n = nodes[i]
                guard n.op.isDifferentiable else { continue }
                if (n.a >= 0 && reachScratch[Int(n.a)]) || (n.b >= 0 && reachScratch[Int(n.b)])
                    || (n.c >= 0 && reachScratch[Int(n.c)]) {
                    reachScratch[i] = true
                }
            }
        }
    }

    /// Sends the seeded adjoints down from `top` to `lowest`, node by node.
    private func sweep(top: Int, lowest: Int) {
        var i = top
        while i >= lowest {
            defer { i -= 1 }
            guard reachScratch[i], adjointScratch[i] >= 0 else { continue }
            let n = nodes[i]
            guard n.op.isDifferentiable else { continue }
            propagate(n, output: Tensor(graph: self, id: Int32(i)), g: Tensor(graph: self, id: adjointScratch[i]))
        }
    }

    /// Adds `contribution` to the adjoint of node `j`.
    @inline(__always)
    private func accumulate(_ j: Int32, _ contribution: Tensor) {
        let k = Int(j)
        if adjointScratch[k] < 0 { adjointScratch[k] = contribution.id }
        else { adjointScratch[k] = (Tensor(graph: self, id: adjointScratch[k]) + contribution).id }
    }

    @inline(__always) private func needs(_ j: Int32) -> Bool { j >= 0 && reachScratch[Int(j)] }

    /// The vector–Jacobian product of one node, sent to the inputs that need it.
    private func propagate(_ n: Node, output: Tensor, g: Tensor) {
        let a = Tensor(graph: self, id: n.a)
        let b = Tensor(graph: self, id: Swift.max(n.b, 0))
        let sa = n.a >= 0 ? nodes[Int(n.a)].shape : Shape()
        let sb = n.b >= 0 ? nodes[Int(n.b)].shape : Shape()
        let needA = needs(n.a), needB = needs(n.b)
        switch n.op {
        case .add:
            if needA { accumulate(n.a, g.summed(to: sa)) }
            if needB { accumulate(n.b, g.summed(to: sb)) }
        case .sub:
            if needA { accumulate(n.a, g.summed(to: sa)) }
            if needB { accumulate(n.b, (-g).summed(to: sb)) }
        case .mul:
            if needA { accumulate(n.a, (g * b).summed(to: sa)) }
            if needB { accumulate(n.b, (g * a).summed(to: sb)) }
        case .div:
            if needA { accumulate(n.a, (g / b).summed(to: sa)) }
            if needB { accumulate(n.b, (-(g * output) / b).summed(to: sb)) }
        case .maximum, .minimum:
            // The mask picks the operand that was taken (a on ties).
            let takeA = { if case .maximum = n.op { return greaterEqual(a, b) } else { return greaterEqual(b, a) } }()
            if needA { accumulate(n.a, (g * takeA).summed(to: sa)) }
            if needB { accumulate(n.b, (g * (1 - takeA)).summed(to: sb)) }
        case .neg: accumulate(n.a, -g)
        case .exp: accumulate(n.a, g * output)
        case .log: accumulate(n.a, g / a)
        case .tanh: accumulate(n.a, g * (1 - square(output)))
        case .relu: accumulate(n.a, binary(.reluMask, g, a))
        case .reluMask: accumulate(n.a, binary(.reluMask, g, b))
        case .sigmoid: accumulate(n.a, g * (output * (1 - output)))
        case .abs: accumulate(n.a, g * sign(a))
        case .sqrt: accumulate(n.a, (g / output) * 0.5)
        case .addScalar: accumulate(n.a, g)
        case .mulScalar(let c): accumulate(n.a, g * c)
        case .powScalar(let e):
            if e == 1 { accumulate(n.a, g) }
            else if e == 2 { accumulate(n.a, g * a * 2) }
            else { accumulate(n.a, g * pow(a, e - 1) * e) }
        case .reshape: accumulate(n.a, g.reshaped(sa))
        case .sumTo: accumulate(n.a, g.broadcasted(to: sa))
        case .broadcastTo: accumulate(n.a, g.summed(to: sa))
        case .permute(let p): accumulate(n.a, permute(g, p.inverse))
        case .concatLast:
            if needA { accumulate(n.a, sliceLast(g, start: 0, length: sa.last)) }
            if needB { accumulate(n.b, sliceLast(g, start: sa.last, length: sb.last)) }
        case .sliceLast(let start): accumulate(n.a, padLast(g, start: start, total: sa.last))
        case .padLast(let start): accumulate(n.a, sliceLast(g, start: start, length: sa.last))
        case .logSumExpLast:
            let kept = sa.replacingLast(with: 1)
            let probabilities = exp(a - output.reshaped(kept))
            accumulate(n.a, probabilities * g.reshaped(kept))
        case .softmaxLast(let c):
            accumulate(n.a, softmaxLastBackward(output, g, scale: c))
        case .softmaxLastBackward(let c):
            // z = c·y ⊙ (u − s), s = Σ u ⊙ y per row (u: the upstream gradient it was given). Its own
            // Jacobian in u is the same map again (symmetric); in y it is c·(g ⊙ (u − s) − (Σ g ⊙ y)·u).
            if needB { accumulate(n.b, softmaxLastBackward(a, g, scale: c)) }
            if needA {
                let s = sum(b * a, axis: -1, keepDims: true)
                let dy = g * (b - s) - sum(g * a, axis: -1, keepDims: true) * b
                accumulate(n.a, c == 1 ? dy : dy * c)
            }
        case .layerNormLast(let epsilon):
            // The composed ops' backward, in their order: the centred rows' part c̄ (one op), then
            // the mean's, −Σ c̄ / width per row, each added to x's adjoint as they add it.
            let centred = layerNormLastBackward(a, g, epsilon: epsilon)
            accumulate(n.a, centred)
            accumulate(n.a, (-centred).summed(to: sa.replacingLast(with: 1)) * (1 / Float(sa.last)))
        case .layerNormLastBackward(let epsilon):
            // z = p·g − (p³/n)·⟨g, c⟩·c per row (c = x − μ, p = (σ² + ε)^(−1/2), n the width): linear
            // and symmetric in g, so its Jacobian in g is the same map; in x, for upstream G,
            // −(p³/n)·Π(A·c + ⟨G, c⟩·g + ⟨g, c⟩·G) with A = ⟨G, g⟩ − (3p²/n)·⟨g, c⟩·⟨G, c⟩ and Π the
            // row centring u − mean(u).
            if needB { accumulate(n.b, layerNormLastBackward(a, g, epsilon: epsilon)) }
            if needA {
                let inverseWidth = 1 / Float(sa.last)
                let c = a - mean(a, axis: -1, keepDims: true)
                let p = pow(mean(square(c), axis: -1, keepDims: true) + epsilon, -0.5)
                let gc = sum(b * c, axis: -1, keepDims: true), upC = sum(g * c, axis: -1, keepDims: true)
                let upG = sum(g * b, axis: -1, keepDims: true)
                let along = upG - gc * upC * square(p) * (3 * inverseWidth)
                let u = along * c + upC * b + gc * g
                accumulate(n.a, -(p * square(p)) * inverseWidth * (u - mean(u, axis: -1, keepDims: true)))
            }
        case .meanAbsNormalizeLast(let epsilon):
            // y = x / D, D = mean|x| + ε per row: dx = g / D + sign(x) · Σ(−g·y / D) / width, in
            // the order the composed ops' backward takes, so the gradient has their bits too.
            let scale = mean(abs(a), axis: -1, keepDims: true) + epsilon
            let along = sum(-(g * output) / scale, axis: -1, keepDims: true) * (1 / Float(sa.last))
            accumulate(n.a, g / scale + along * sign(a))
        case .matmul(let tA, let tB):
            // C = op(A)·op(B); each case is the transpose algebra of dC·op(B)ᵀ and op(A)ᵀ·dC.
            if needA {
                let da: Tensor
                switch (tA, tB) {
                case (false, false): da = matmul(g, b, transA: false, transB: true)
                case (true, false): da = matmul(b, g, transA: false, transB: true)
                case (false, true): da = matmul(g, b, transA: false, transB: false)
                case (true, true): da = matmul(b, g, transA: true, transB: true)
                }
                accumulate(n.a, da)
            }
            if needB {
                let db: Tensor
                switch (tA, tB) {
                case (false, false): db = matmul(a, g, transA: true, transB: false)
                case (true, false): db = matmul(a, g, transA: false, transB: false)
                case (false, true): db = matmul(g, a, transA: true, transB: false)
                case (true, true): db = matmul(g, a, transA: true, transB: true)
                }
                accumulate(n.b, db)
            }
        case .headScores(let h):
            // S = Q·Kᵀ per head: dQ = dS·K, dK = dSᵀ·Q.
            if needA { accumulate(n.a, headContext(g, b, heads: h, transposeWeights: false)) }
            if needB { accumulate(n.b, headContext(g, a, heads: h, transposeWeights: true)) }
        case .headContext(let h, let tw):
            // C = W·V per head: dW = dC·Vᵀ, dV = Wᵀ·dC; C = Wᵀ·V: dW = V·dCᵀ, dV = W·dC.
            if needA { accumulate(n.a, tw ? headScores(b, g, heads: h) : headScores(g, b, heads: h)) }
            if needB { accumulate(n.b, headContext(a, g, heads: h, transposeWeights: !tw)) }
        case .affine:
            let fanIn = sb[0], fanOut = sb[1]
            let rows = sa.count / Swift.max(fanIn, 1)
            let g2 = g.reshaped(Shape(rows, fanOut))
            if needA { accumulate(n.a, matmul(g2, b, transA: false, transB: true).reshaped(sa)) }
            if needB { accumulate(n.b, matmul(a.reshaped(Shape(rows, fanIn)), g2, transA: true, transB: false)) }
            if needs(n.c) {
                let sc = nodes[Int(n.c)].shape
                accumulate(n.c, g2.summed(to: Shape(fanOut)).reshaped(sc))
            }
        case .gather: accumulate(n.a, scatter(g, b, width: sa.last))
        case .scatter: accumulate(n.a, gather(g, b))
        case .im2col(let geometry): accumulate(n.a, col2im(g, geometry))
        case .col2im(let geometry): accumulate(n.a, im2col(g, geometry))
        case .parameter, .constant, .indices, .stopGradient, .step, .sign, .greaterEqual, .argmaxLast, .oneHot:
            break
        }
    }
}
