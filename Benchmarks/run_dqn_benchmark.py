#!/usr/bin/env python3
"""DQN and DQN + SCORER training speed: stackelberg vs the JAX/gymnax peer, in one run, as ratios.

    swift build -c release --product stackelberg
    python3 Benchmarks/run_dqn_benchmark.py [--steps 200000] [--rounds 2] [--algo dqn]

Both sides train MinAtar Breakout (minimal action set) with the SCORER paper's reference settings:
128 environments, replay 1e5, batch 64, learning starts 1e4, one update (SCORER: one follower and
one leader update, separate minibatches) per vector step, MLP encoder and head. stackelberg runs
`stackelberg train` and reads the training loop's steps/s from summary.json (evaluation and
checkpoints pushed past the end of the run); the peer (`peers/dqn_gymnax.py`) is one jitted
`lax.scan` over the whole run, timed on a second call after compilation.

Rows:
* one seed, each program pinned to one CPU;
* seeds together, one per core: stackelberg trains them on threads (`--jobs`), JAX vmaps them
  into one program (`--together`), both with every core;
* SCORER's overhead: monolithic steps/s ÷ SCORER steps/s within each implementation (the paper
  reports 0.99–1.01×).
Both play gymnax's variant of the game: stackelberg runs with `configs/gymnax_minatar.toml` (no
sticky actions, episodes cut at 1,000 steps).
Rounds are interleaved and each program keeps its best.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# STACKELBERG_CLI names another build (e.g. an earlier commit's, to compare before and after a change).
CLI = os.environ.get("STACKELBERG_CLI", os.path.join(os.path.dirname(HERE), ".build", "release", "stackelberg"))
# gymnax's MinAtar: no sticky actions, episodes cut at 1,000 steps.
GYMNAX_CONFIG = os.path.join(os.path.dirname(HERE), "configs", "gymnax_minatar.toml")


def ours(algo, coupling, steps, seeds, cpus):
    with tempfile.TemporaryDirectory() as out:
        cmd = ["taskset", "-c", cpus, CLI, "train", "--config", GYMNAX_CONFIG, "--algo", algo, "--coupling", coupling, "--env", "minatar/breakout-minimal",
               "--steps", str(steps), "--seeds", f"0..{seeds - 1}", "--jobs", str(seeds), "--out", out, "--quiet",
               "--set", "eval_interval=1e12", "--set", "checkpoint_interval=1e12", "--set", "eval_episodes=1"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"failed: {' '.join(cmd)}\n{p.stderr}", file=sys.stderr)
            return None
        base = os.path.join(out, "minatar_breakout-minimal", f"{algo}-{coupling}")
        summaries = [json.load(open(os.path.join(base, f"seed{s}", "summary.json"))) for s in range(seeds)]
        # Seeds run concurrently: all their steps over the slowest one's loop time.
        return sum(s["env_steps"] for s in summaries) / max(s["train_seconds"] for s in summaries)


def peer(algo, coupling, steps, seeds, cpus):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        cmd = ["taskset", "-c", cpus, sys.executable, os.path.join(HERE, "peers", "dqn_gymnax.py"), "--algo", algo,
               "--coupling", coupling, "--steps", str(steps), "--seeds", str(seeds), "--json", f.name]
        if seeds > 1:
            cmd.append("--together")
        p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "JAX_PLATFORMS": "cpu"})
        if p.returncode != 0:
            print(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}", file=sys.stderr)
            return None
        return json.load(open(f.name))["env_steps_per_second"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=200_000, help="environment steps per seed")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--algo", default="dqn", choices=["dqn", "ddqn", "dueling", "dueling_ddqn"])
    a = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"{CLI} is missing: run `swift build -c release --product stackelberg` first")
    cores = sorted(os.sched_getaffinity(0))
    one, every, n = str(cores[0]), ",".join(map(str, cores)), len(cores)
    cases = [(c, s) for s in (1, n) for c in ("monolithic", "scorer")]
    best = {}
    for _ in range(a.rounds):
        for coupling, seeds in cases:
            cpus = one if seeds == 1 else every
            for name, fn in (("stackelberg", ours), ("jax", peer)):
                v = fn(a.algo, coupling, a.steps, seeds, cpus)
                if v is not None:
                    best[name, coupling, seeds] = max(best.get((name, coupling, seeds), 0), v)

    def fmt(v):
        return "failed" if v is None else f"{v:,.0f}"

    print(f"| {a.algo} on MinAtar Breakout, {a.steps:,} steps per seed | coupling | stackelberg steps/s | JAX + gymnax steps/s | stackelberg ÷ JAX |")
    print("|---|---|---|---|---|")
    for coupling, seeds in cases:
        o, j = best.get(("stackelberg", coupling, seeds)), best.get(("jax", coupling, seeds))
        label = "one seed, one CPU" if seeds == 1 else f"{seeds} seeds together, {n} CPUs"
        print(f"| {label} | {coupling} | {fmt(o)} | {fmt(j)} | {'—' if not (o and j) else f'{o / j:.2f}×'} |")
    print("\nSCORER overhead (monolithic steps/s ÷ SCORER steps/s; paper: 0.99–1.01×, target ≤ 1.05×):\n")
    print("| setting | stackelberg | JAX + gymnax |\n|---|---|---|")
    for seeds in (1, n):
        row = []
        for name in ("stackelberg", "jax"):
            m, s = best.get((name, "monolithic", seeds)), best.get((name, "scorer", seeds))
            row.append("—" if not (m and s) else f"{m / s:.3f}×")
        print(f"| {'one seed' if seeds == 1 else f'{seeds} seeds together'} | {row[0]} | {row[1]} |")
    print(f"\nbest of {a.rounds} interleaved rounds.")


if __name__ == "__main__":
    main()
