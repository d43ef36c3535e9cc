#!/usr/bin/env python3
"""Deep-learning-core benchmark: stackelberg vs PyTorch eager vs JAX jit, one run, ratios printed.

Each round runs the three programs one after another on the same pinned CPU, each over every
row; the rounds alternate the order. A row's time per program is its best over all rounds, and
the ratios compare times taken minutes apart on one machine, never an absolute time alone.

    python3 Benchmarks/run_nn_benchmark.py [--rounds 2] [--repeat 3] [--rows a,b] [--cpu N]
                                           [--skip-torch] [--skip-jax] [--json OUT]

ratio = peer time / stackelberg time: above 1 means stackelberg is faster.
Requires `swift build -c release --product stackelberg-bench-nn` and the peers' packages
(Benchmarks/requirements.txt for JAX, Benchmarks/requirements-torch.txt for PyTorch).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH = os.path.join(ROOT, ".build", "release", "stackelberg-bench-nn")
LARGE_BATCH = {"mlp_fwdbwd_b1024", "conv_fwdbwd_b512", "hvp_critic_b256", "cg_total_derivative_b256"}


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rows", default=None)
    ap.add_argument("--cpu", type=int, default=None, help="CPU to pin every program to (default: the first allowed)")
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--skip-jax", action="store_true")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()

    if not os.path.exists(BENCH):
        sys.exit(f"{BENCH} is missing: run `swift build -c release --product stackelberg-bench-nn` first")
    cpu = a.cpu if a.cpu is not None else min(os.sched_getaffinity(0))
    rows = ["--rows", a.rows] if a.rows else []
    programs = {"stackelberg": ["taskset", "-c", str(cpu), BENCH, "--repeat", str(a.repeat), "--threads", "1"] + rows}
    if not a.skip_torch:
        programs["torch-eager"] = [sys.executable, os.path.join(HERE, "peers", "nn_torch.py"), "--cpu", str(cpu), "--repeat", str(a.repeat)] + rows
    if not a.skip_jax:
        programs["jax-jit"] = [sys.executable, os.path.join(HERE, "peers", "nn_jax.py"), "--cpu", str(cpu), "--repeat", str(a.repeat)] + rows

    best = {}       # (program, row) -> record with the smallest best_s
    order = list(programs)
    for r in range(a.rounds):
        for name in (order if r % 2 == 0 else order[::-1]):
            print(f"round {r + 1}/{a.rounds}: {name}", file=sys.stderr, flush=True)
            for rec in run(programs[name]):
                key = (name, rec["row"])
                if key not in best or rec["best_s"] < best[key]["best_s"]:
                    best[key] = rec

    row_names = [k[1] for k in best if k[0] == "stackelberg"]
    peers = [p for p in programs if p != "stackelberg"]
    head = "| row | stackelberg ms | " + " | ".join(f"{p} ms | ratio vs {p}" for p in peers) + " |"
    print(head)
    print("|" + "---|" * (2 + 2 * len(peers)))
    summary = []
    for row in row_names:
        ours = best[("stackelberg", row)]["best_s"]
        cells = [f"{row}{' (large)' if row in LARGE_BATCH else ''}", f"{ours * 1e3:.3f}"]
        entry = {"row": row, "stackelberg_s": ours}
        for p in peers:
            rec = best.get((p, row))
            if rec is None:
                cells += ["–", "–"]
                continue
            cells += [f"{rec['best_s'] * 1e3:.3f}", f"{rec['best_s'] / ours:.2f}×"]
            entry[p + "_s"] = rec["best_s"]
            entry["ratio_vs_" + p] = rec["best_s"] / ours
        summary.append(entry)
        print("| " + " | ".join(cells) + " |")
    print(f"\nratio = peer time / stackelberg time (> 1: stackelberg faster); best of {a.rounds} rounds × {a.repeat} repeats;"
          f" one thread each, pinned to CPU {cpu}.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": summary, "records": [dict(v, program=k[0]) for k, v in best.items()]}, f, indent=1)


if __name__ == "__main__":
    main()
