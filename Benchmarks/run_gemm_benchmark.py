#!/usr/bin/env python3
"""The tensor core's two GEMM backends against each other, in one run, as ratios.

    python3 Benchmarks/run_gemm_benchmark.py [--bench-nn .build/release/stackelberg-bench-nn]
        [--rounds 2] [--repeat 5] [--cpu 1] [--pause-background --background EXE ...] [--out results.json]

Times `stackelberg-bench-nn`'s `gemm_*` rows (one `matmul` each, through the graph, at the shapes of
PPO's, STAC's, SCORER's and the Atari stem's products; `Benchmarks/NNBenchmark/GEMMWorkloads.swift`)
with STACKELBERG_GEMM=openblas (OpenBLAS with the environment's OPENBLAS_CORETYPE) and
STACKELBERG_GEMM=libxsmm (libxsmm's JIT for this CPU), pinned to one CPU, in alternating order for
--rounds rounds; each number is the best of --repeat repeats in any round. Printed: a Markdown table of
µs per product and openblas ÷ libxsmm (above 1: libxsmm is faster), and the kernels each side ran.
Where PyTorch is installed (`Benchmarks/requirements-torch.txt`), `peers/gemm_torch.py` times `torch.mm`
(MKL, one thread) at the same products on the same CPU in each round, and the table adds it and
torch ÷ (our faster backend) (above 1: ours is faster); --no-peer leaves it out.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_ppo_benchmark as common  # noqa: E402  (Paused)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ["openblas", "libxsmm"]
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "gemm_torch.py")


def rows(bench):
    out = subprocess.run([bench, "--help"], capture_output=True, text=True).stdout
    names = [n.strip() for line in out.splitlines() if line.startswith("rows run only") for n in line.split(":", 1)[1].split(",")]
    return [n for n in names if n.startswith("gemm_")]


def json_rows(stdout):
    """{row name: its JSON object} from a timing program's output lines that are JSON."""
    return {r["row"]: r for r in (json.loads(line) for line in stdout.splitlines() if line.startswith("{"))}


def run(bench, backend, names, a):
    env = {**os.environ, "STACKELBERG_GEMM": backend}
    cmd = ["taskset", "-c", str(a.cpu), bench, "--rows", ",".join(names), "--repeat", str(a.repeat), "--threads", "1"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} (STACKELBERG_GEMM={backend}) failed:\n{p.stderr[-2000:]}")
    return json_rows(p.stdout)


def run_peer(names, a):
    cmd = ["taskset", "-c", str(a.cpu), sys.executable, PEER, "--rows", ",".join(names), "--repeat", str(a.repeat)]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return json_rows(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench-nn", default=os.path.join(ROOT, ".build", "release", "stackelberg-bench-nn"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=1)
    ap.add_argument("--pause-background", action="store_true")
    ap.add_argument("--background", action="append", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-peer", action="store_true", help="leave out PyTorch's torch.mm")
    a = ap.parse_args()
    peer = not a.no_peer and importlib.util.find_spec("torch") is not None
    if not a.no_peer and not peer:
        print("PyTorch is not installed: the torch.mm column is left out (pip install -r Benchmarks/requirements-torch.txt)", file=sys.stderr)
    names = rows(a.bench_nn)
    if not names:
        sys.exit(f"{a.bench_nn} has no gemm_* rows: build it from this checkout (swift build -c release --product stackelberg-bench-nn)")
    best, ran = {b: {} for b in BACKENDS}, {}
    with common.Paused(a.background or ["/tmp/bg/stackelberg"], a.pause_background):
        for r in range(a.rounds):
            for b in (BACKENDS if r % 2 == 0 else BACKENDS[::-1]):
                for name, row in run(a.bench_nn, b, names, a).items():
                    best[b][name] = min(best[b].get(name, float("inf")), row["best_s"])
                    ran[b] = row.get("gemm", b)
            if peer:
                for name, row in run_peer(names, a).items():
                    best.setdefault("torch", {})[name] = min(best.get("torch", {}).get(name, float("inf")), row["best_s"])
                    ran["torch"] = row["blas"]
    lines = [f"GEMM through the tensor core, µs per product (best of {a.repeat} × {a.rounds} rounds, CPU {a.cpu}); "
             f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}", "",
             "| product (M × N × K, ops) | openblas µs | libxsmm µs | openblas ÷ libxsmm |" + (" torch.mm µs | torch ÷ ours (faster backend) |" if peer else ""),
             "|---|---|---|---|" + ("---|---|" if peer else "")]
    result = []
    for name in names:
        m, n, k, ops = name.split("_")[1:]
        o, x = best["openblas"][name] * 1e6, best["libxsmm"][name] * 1e6
        row = {"row": name, "openblas_us": o, "libxsmm_us": x, "ratio": o / x}
        line = f"| {m} × {n} × {k}, {ops} | {o:,.2f} | {x:,.2f} | {o / x:.2f}× |"
        if peer:
            t = best["torch"][name] * 1e6
            row["torch_us"] = t
            line += f" {t:,.2f} | {t / min(o, x):.2f}× |"
        lines.append(line)
        result.append(row)
    lines += ["", f"kernels: {ran['openblas']} against {ran['libxsmm']}" + (f"; peer torch.mm ({ran['torch']})" if peer else "")]
    print("\n".join(lines))
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"rows": result, "kernels": ran}, f, indent=1)


if __name__ == "__main__":
    main()
