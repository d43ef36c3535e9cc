// Deep-learning core benchmark: the same workloads as Benchmarks/peers/nn_torch.py and nn_jax.py
// (see nn_common.py for the shared definition), printed as one JSON line per row.
//
//   stackelberg-bench-nn [--rows a,b] [--repeat 5] [--threads 1]
//   stackelberg-bench-nn --rows a,b --params  (builds the rows and prints their parameter counts; no timing)
//   stackelberg-bench-nn --perception-state SHAPE BATCH OUT  (SPRIG perception weights, inputs and gradients; for perception_torch.py --check)
//   stackelberg-bench-nn --stac-state ALGO STEPS LAMBDA OUT  (an STSAC/STDDPG-AL update on HalfCheetah; for stac_offpolicy_torch.py --check-state)
//   stackelberg-bench-nn --derivatives IN OUT  (derivatives on given weights; checked against JAX)
//   stackelberg-bench-nn --alloc-probe STEPS   (runs STEPS steps of each probe row, tiny batches; for valgrind)
import Autodiff
import Foundation
import Hypergradients
import Neural
import Seeding

struct Options {
    var rows: [String]? = nil
    var repeats = 5
    var threads = 1
    var allocProbe: Int? = nil
    var params = false
    var derivatives: (input: String, output: String)? = nil
    var perceptionState: (shape: String, batch: Int, output: String)? = nil
    var stacState: (algo: String, steps: Int, lambda: Float, output: String)? = nil
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { fail("\(flag) needs a value") }
        return v
    }
    while let a = args.popFirst() {
        switch a {
        case "--rows": o.rows = value(a).split(separator: ",").map(String.init)
        case "--repeat": o.repeats = Int(value(a)) ?? { fail("--repeat takes a whole number") }()
        case "--threads": o.threads = Int(value(a)) ?? { fail("--threads takes a whole number") }()
        case "--derivatives": o.derivatives = (value(a), value(a))
        case "--params": o.params = true
        case "--perception-state":
            let shape = value(a), batch = Int(value(a)) ?? { fail("--perception-state SHAPE BATCH OUT: BATCH is a whole number") }()
            o.perceptionState = (shape, batch, value(a))
        case "--stac-state":
            let algo = value(a)
            let steps = Int(value(a)) ?? { fail("--stac-state ALGO STEPS LAMBDA OUT: STEPS is a whole number") }()
            let lambda = Float(value(a)) ?? { fail("--stac-state ALGO STEPS LAMBDA OUT: LAMBDA is a number") }()
            o.stacState = (algo, steps, lambda, value(a))
        case "--alloc-probe": o.allocProbe = Int(value(a)) ?? { fail("--alloc-probe takes a step count") }()
        case "-h", "--help":
            print("usage: stackelberg-bench-nn [--rows a,b] [--repeat N] [--threads N] [--params] [--alloc-probe STEPS] [--derivatives IN OUT] [--perception-state SHAPE BATCH OUT] [--stac-state ALGO STEPS LAMBDA OUT]")
            print("rows: " + Workload.all.map(\.name).joined(separator: ", "))
            print("rows run only when named in --rows: " + (Workload.sprig + Workload.gemm).map(\.name).joined(separator: ", "))
            exit(0)
        default: fail("unknown option \(a); see --help")
        }
    }
    return o
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(("stackelberg-bench-nn: " + message + "\n").data(using: .utf8)!)
    exit(2)
}

let options = parseOptions()
BLAS.threads = options.threads

if let (input, output) = options.derivatives {
    do { try writeDerivatives(input: input, output: output) } catch { fail("\(error)") }
    exit(0)
}

if let (shape, batch, output) = options.perceptionState {
    do { try writePerceptionState(shape: shape, batch: batch, output: output) } catch { fail("\(error)") }
    exit(0)
}

if let (algo, steps, lambda, output) = options.stacState {
    do { try writeStacState(algo: algo, steps: steps, lambda: lambda, output: output) } catch { fail("\(error)") }
    exit(0)
}

let known = options.allocProbe == nil ? Workload.all : Workload.probes
// The SPRIG perception and single-GEMM rows are selectable by name but not part of the default run.
let named = options.allocProbe == nil ? known + Workload.sprig + Workload.gemm : known
let selected = options.rows.map { names in
    names.map { n in named.first { $0.name == n } ?? { fail("unknown row \(n); rows: \(named.map(\.name).joined(separator: ", "))") }() }
} ?? known

if options.params {
    for w in selected {
        _ = w.make()
        var line: [String: Any] = ["peer": "stackelberg", "row": w.name]
        if let count = w.parameterCount { line["parameters"] = count() }
        let data = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
    exit(0)
}

if let steps = options.allocProbe {
    // Build each selected workload, warm it up for two steps, then run `steps` more. Under valgrind
    // the heap-allocation count of this run minus that of a run with fewer steps is what the steps
    // themselves allocate.
    for w in selected {
        let step = w.make()
        for _ in 0..<(2 + steps) { step() }
    }
    exit(0)
}

for w in selected {
    let step = w.make()
    // Calibrate: iterations so one repeat takes ≈ 0.5 s.
    let clock = ContinuousClock()
    step()
    var iters = 1
    while true {
        let t = clock.measure { for _ in 0..<iters { step() } }
        if t > .milliseconds(250) || iters >= 1 << 16 { iters = max(1, Int(Double(iters) * 0.5 / t.seconds)); break }
        iters *= 2
    }
    var times = [Double]()
    for _ in 0..<options.repeats {
        let t = clock.measure { for _ in 0..<iters { step() } }
        times.append(t.seconds / Double(iters))
    }
    times.sort()
    var line: [String: Any] = ["peer": "stackelberg", "row": w.name, "best_s": times[0], "median_s": times[times.count / 2],
                               "iters": iters, "checksum": w.checksum(), "threads": BLAS.threads,
                               "gemm": BLAS.gemmKernels]
    if let count = w.parameterCount { line["parameters"] = count() }
    let data = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
