#!/usr/bin/env python3
"""Batched environment stepping: stackelberg vs Gymnasium, in one run, as ratios.

    swift build -c release --product stackelberg
    python3 Benchmarks/run_env_benchmark.py [--batch 128] [--rounds 3] [--cpu N]

So far this covers CartPole-v1. The peers are Gymnasium's NumPy-batched CartPole
(`make_vec(..., vectorization_mode="vector_entry_point")`) and its SyncVectorEnv. Every program is
pinned to one CPU, the random actions are drawn before timing, and each program's best of the rounds
is kept. ratio = stackelberg steps/s ÷ peer steps/s (above 1: stackelberg faster).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.path.join(os.path.dirname(HERE), ".build", "release", "stackelberg")


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["env_steps_per_second"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=None)
    a = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"{CLI} is missing: run `swift build -c release --product stackelberg` first")
    cpu = a.cpu if a.cpu is not None else min(os.sched_getaffinity(0))
    programs = {
        "stackelberg": ["taskset", "-c", str(cpu), CLI, "env", "bench", "cartpole", "--batch", str(a.batch), "--steps", "20000"],
        "gymnasium vector_entry_point": [sys.executable, os.path.join(HERE, "peers", "env_gymnasium.py"), "--batch", str(a.batch),
                                         "--steps", "2000", "--mode", "vector_entry_point", "--cpu", str(cpu)],
        "gymnasium sync": [sys.executable, os.path.join(HERE, "peers", "env_gymnasium.py"), "--batch", str(a.batch),
                           "--steps", "300", "--mode", "sync", "--cpu", str(cpu)],
    }
    best = {name: 0.0 for name in programs}
    for r in range(a.rounds):
        for name, cmd in programs.items():
            best[name] = max(best[name], run(cmd))
    ours = best["stackelberg"]
    print(f"| CartPole-v1, {a.batch} copies | env steps/s | stackelberg ratio |")
    print("|---|---|---|")
    for name, sps in best.items():
        print(f"| {name} | {sps:,.0f} | {'—' if name == 'stackelberg' else f'{ours / sps:.1f}×'} |")
    print(f"\nbest of {a.rounds} rounds, one CPU ({cpu}), random actions drawn before timing.")


if __name__ == "__main__":
    main()
