import Autodiff
import Seeding

/// Single matrix products through the tensor core (`matmul`, so through whichever GEMM backend
/// STACKELBERG_GEMM chose), at the shapes RL networks make: PPO's 64-wide MLPs on minibatches of
/// 128 (forward NN, input gradient NT, weight gradient TN), STAC's 256-wide critics on minibatches of
/// 100, SCORER's MinAtar MLP at 1024, the Atari stem's im2col product, and SPRIG's MinAtar attention
/// (per-head products with an inner size of 8 or 100, and the token projection). `run_gemm_benchmark.py`
/// times them under both backends. Named `gemm_M_N_K_OPS`: C (M × N) = op(A) (M × K) · op(B) (K × N).
extension Workload {
    nonisolated(unsafe) static let gemm: [Workload] = [
        (128, 64, 64, false, false), (128, 64, 64, false, true), (64, 64, 128, true, false),
        (128, 64, 4, false, false), (4, 64, 64, false, false),
        (100, 256, 256, false, false), (100, 256, 256, false, true), (256, 256, 100, true, false),
        (1024, 128, 400, false, false), (25600, 32, 256, false, false),
        // SPRIG's MinAtar attention (d 16, 2 heads of 8, 100 cells): one head's scores Q·Kᵀ and its
        // context P·V, their input gradients, and the token projection over a minibatch's cells.
        (100, 100, 8, false, true), (100, 8, 100, false, false), (100, 8, 100, true, false),
        (20480, 48, 16, false, false), (16, 48, 20480, true, false),
    ].map { gemmRow(m: $0.0, n: $0.1, k: $0.2, transA: $0.3, transB: $0.4) }
}

func gemmRow(m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> Workload {
    let c = Checksum()
    return Workload(name: "gemm_\(m)_\(n)_\(k)_\(transA ? "T" : "N")\(transB ? "T" : "N")", make: {
        var rng = SeededGenerator(seed: 0)
        let a = uniformFloats(m * k, &rng), b = uniformFloats(k * n, &rng)
        let graph = Graph()
        return {
            graph.reset()
            let ta = constantView(graph, a, transA ? Shape(k, m) : Shape(m, k))
            let tb = constantView(graph, b, transB ? Shape(n, k) : Shape(k, n))
            let product = matmul(ta, tb, transposeA: transA, transposeB: transB)
            c.value = Double(product.pointer[0])
        }
    }, checksum: { c.value })
}
