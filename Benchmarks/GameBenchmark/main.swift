// Speed benchmark: the STAC toy game's Stackelberg field on a 401×401 grid and 100 trajectories of
// 50,000 steps, through the toolkit's public API (parse → derive → compile → evaluate).
// Prints one JSON line in the shape the peers print; Benchmarks/run_game_benchmark.py makes the ratios.
import Foundation
import Games
import Symbolic

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

var repeats = 5, trajRepeats = 3
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    if a == "--repeats", let v = args.next().flatMap(Int.init) { repeats = v }
    if a == "--traj-repeats", let v = args.next().flatMap(Int.init) { trajRepeats = v }
}

let t0 = now()
let game = try Game.parse(leader: "-w*theta", follower: "(w*theta + theta^2/5)^2",
                          leaderVariables: ["theta"], followerVariables: ["w"])
let derivatives = try GameDerivatives(game)
let stackelberg = try CompiledDynamic(derivatives, kind: .stackelberg)
let setupMs = now() - t0

func field() throws -> FieldGrid {
    try stackelberg.grid(a: 0, b: 1, rangeA: -1...1, rangeB: -1...1, nx: 401, ny: 401, base: [0, 0])
}
let lin = (0..<10).map { -0.9 + 1.8 * Double($0) / 9 }
let starts = lin.flatMap { t in lin.map { [t, $0] } }
let rule = StepRule(leaderLearningRate: 0.01, followerLearningRate: 0.01)
func trajectories() throws -> BatchIterator {
    let it = try BatchIterator(stackelberg, rule: rule, starts: starts)
    it.step(50_000)
    return it
}

var t = now()
var grid = try field()
let fieldFirst = now() - t
var fieldBest = Double.infinity
for _ in 0..<repeats { t = now(); grid = try field(); fieldBest = min(fieldBest, now() - t) }
t = now()
var iterator = try trajectories()
let trajFirst = now() - t
var trajBest = Double.infinity
for _ in 0..<trajRepeats { t = now(); iterator = try trajectories(); trajBest = min(trajBest, now() - t) }

// Checksums over the peers' conventions: the field is −g, NaN where θ = 0.
var fieldSum = 0.0, fieldAbs = 0.0, nanCount = 0
for v in grid.dx + grid.dy {
    if v.isNaN { nanCount += 1; continue }
    fieldSum += v; fieldAbs += abs(v)
}
var trajSum = 0.0, trajAbs = 0.0
for lane in 0..<iterator.lanes { for v in iterator.point(lane: lane) { trajSum += v; trajAbs += abs(v) } }
let start0 = iterator.point(lane: 0)
let json: [String: Any] = [
    "peer": "stackelberg", "setup_ms": setupMs, "field_ms": fieldBest, "traj_ms": trajBest,
    "field_first_ms": fieldFirst, "traj_first_ms": trajFirst,
    "field_checksum": fieldSum, "field_abs_checksum": fieldAbs, "field_nan_count": nanCount,
    "traj_checksum": trajSum, "traj_abs_checksum": trajAbs, "traj_start0_final": start0,
]
let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
