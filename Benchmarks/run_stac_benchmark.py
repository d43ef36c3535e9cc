#!/usr/bin/env python3
"""SAC / STSAC-AL and DDPG / STDDPG-AL training speed on HalfCheetah: stackelberg vs a PyTorch peer.

    python3 Benchmarks/run_stac_benchmark.py [--repeat 1] [--steps-base 3100] [--steps-st 1100] [--json OUT]

Both sides train MuJoCo HalfCheetah (stackelberg's `mujoco/halfcheetah`, Gymnasium's `HalfCheetah-v5`)
with the STAC paper's settings (arXiv 2109.12286): (256, 256) ReLU networks, Adam 1e-3, minibatch 100,
replay 1e6, gamma 0.99, Polyak 0.995, SAC with alpha = 0.2 and twin critics, one environment; the ST
variants with CG on (hess_w f2 + lambda_t I), at most 10 iterations, lambda_t = 500 exp(-t / 1e5).
stackelberg runs `stackelberg train` (its `sac`/`ddpg` entries carry the STAC overrides: lambda, its
decay, one environment) and reports the training loop's time in summary.json (the final greedy
evaluation is outside it); the peer is `peers/stac_offpolicy_torch.py`, which computes the updates as
the public STAC code does (float32, torch.set_num_threads(1)).

The warm-up is tiny (--warmup random steps, updates from the same step) so the update cost dominates:
both programs then do one update per environment step, `steps` updates in all. Every program runs
pinned to one CPU (--cpu, default the last one). Rounds alternate which implementation goes first;
with --repeat K each number is the median of K runs.

Rows: SAC, STSAC-AL, DDPG, STDDPG-AL. The peer's CG stops as the STAC code does, once r.r < 1e-18,
which with lambda = 500 happens after 6-8 iterations; stackelberg runs all 10 (its default: no
tolerance). Two more rows per ST variant put both sides on the same stopping rule: `both stop at
r.r < 1e-18` runs stackelberg with the code's rule (`stackelberg.cg_absolute_tolerance=1e-9`, |r| <= 1e-9)
against the peer as it is, and `both run 10` runs the peer with --cg-tol 0 (10 iterations plus the
product at x0 = 0) against stackelberg's default. The HVPs/update column gives each side's
Hessian-vector products per update (stackelberg's from updates.csv, every 100 steps).

Printed: steps/s per implementation, ours / peer speed, and ST / base wall time per step within each.

Before timing, the two compute the same update: `stackelberg-bench-nn --stac-state ALGO 2000 50` trains
stackelberg's STSAC-AL and STDDPG-AL for 2,000 HalfCheetah steps (1,000 random) and writes its weights,
one minibatch, SAC's reparameterization noise and its actor-leader update on them at lambda = 50; the
peer loads them (`--check-state`) and recomputes f1, f2, the leader's total derivative (10 CG iterations)
and the follower's gradient as the public code does. Each must agree to 1e-3 relative (--no-check skips
this; --bench-nn names the binary).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# STACKELBERG_CLI names the build to time; by default a stable release build in /tmp/bg (kept apart from
# builds in progress), else this checkout's release build.
_DEFAULT_CLI = "/tmp/bg/stackelberg"
if not os.path.exists(_DEFAULT_CLI):
    _DEFAULT_CLI = os.path.join(os.path.dirname(HERE), ".build", "release", "stackelberg")
CLI = os.environ.get("STACKELBERG_CLI", _DEFAULT_CLI)
PEER = os.path.join(HERE, "peers", "stac_offpolicy_torch.py")
BENCH_NN = os.path.join(os.path.dirname(HERE), ".build", "release", "stackelberg-bench-nn")

# (label, algo, coupling, extra stackelberg settings, extra peer flags). Each distinct (algo, coupling,
# settings) of a side runs once per round, whichever rows share it.
CODE_RULE = ["--set", "stackelberg.cg_absolute_tolerance=1e-9"]  # the STAC code's r.r < 1e-18
VARIANTS = [
    ("SAC", "sac", "individual", [], []),
    ("STSAC-AL", "sac", "actor-leader", [], []),
    ("STSAC-AL, both stop at r.r < 1e-18", "sac", "actor-leader", CODE_RULE, []),
    ("STSAC-AL, both run 10", "sac", "actor-leader", [], ["--cg-tol", "0"]),
    ("DDPG", "ddpg", "individual", [], []),
    ("STDDPG-AL", "ddpg", "actor-leader", [], []),
    ("STDDPG-AL, both stop at r.r < 1e-18", "ddpg", "actor-leader", CODE_RULE, []),
    ("STDDPG-AL, both run 10", "ddpg", "actor-leader", [], ["--cg-tol", "0"]),
]


def ours(algo, coupling, steps, warmup, cpu, extra):
    """(steps/s, HVPs per update or None)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = ["taskset", "-c", cpu, CLI, "train", "--algo", algo, "--coupling", coupling, "--env", "mujoco/halfcheetah",
               "--steps", str(steps), "--seeds", "0", "--out", out, "--quiet",
               "--set", f"random_steps={warmup}", "--set", f"update_after={warmup}",
               "--set", "eval_interval=1000000", "--set", "checkpoint_interval=1000000", "--set", "eval_episodes=1",
               "--set", "log_interval=100", "--set", "tensorboard=false"] + extra
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}", file=sys.stderr)
            return None
        run = os.path.join(out, "mujoco_halfcheetah", f"{algo}-{coupling}", "seed0")
        s = json.load(open(os.path.join(run, "summary.json")))
        assert s["updates"] == steps, s
        hvps = None
        if coupling != "individual":
            rows = list(csv.DictReader(open(os.path.join(run, "updates.csv"))))
            hvps = statistics.mean(float(r["hvp_products"]) for r in rows) if rows else None
        return s["env_steps"] / s["train_seconds"], hvps


def peer(algo, coupling, steps, warmup, cpu, extra):
    cmd = ["taskset", "-c", cpu, sys.executable, PEER, "--algo", algo, "--coupling", coupling, "--env", "HalfCheetah-v5",
           "--steps", str(steps), "--random-steps", str(warmup), "--update-after", str(warmup), "--seed", "0"] + extra
    with tempfile.TemporaryDirectory() as scratch:  # MuJoCo writes MUJOCO_LOG.TXT into the working directory
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=scratch)
    if p.returncode != 0:
        print(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}", file=sys.stderr)
        return None
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["updates"] == steps, r
    return r["steps_per_second"], (r["hvps_per_update"] if coupling != "individual" else None)


def check_same_update(bench_nn):
    """Runs the conformance check for SAC and DDPG (see the docstring); exits on a failure."""
    if not os.path.exists(bench_nn):
        sys.exit(f"{bench_nn} is missing: build it with `swift build -c release --product stackelberg-bench-nn` (or pass --no-check)")
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        for algo in ("sac", "ddpg"):
            state = os.path.join(tmp, f"{algo}.state")
            subprocess.run([bench_nn, "--stac-state", algo, "2000", "50", state], check=True)
            p = subprocess.run([sys.executable, PEER, "--check-state", state], capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"the peer computes another {algo} actor-leader update than stackelberg:\n{p.stdout}{p.stderr}")
            reports[algo] = json.loads(p.stdout)
            print(f"  same {algo} actor-leader update: largest relative difference {reports[algo]['largest_rel_diff']:.1e}",
                  file=sys.stderr, flush=True)
    return reports


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=1, help="runs per number; the median is shown")
    ap.add_argument("--steps-base", type=int, default=3100, help="environment steps of SAC and DDPG runs")
    ap.add_argument("--steps-st", type=int, default=1100, help="environment steps of the ST runs")
    ap.add_argument("--warmup", type=int, default=100, help="random steps = update_after (a multiple of 50)")
    ap.add_argument("--cpu", default=None, help="the CPU every run is pinned to (default: the last one)")
    ap.add_argument("--json", default=None, help="also write the raw runs here")
    ap.add_argument("--bench-nn", default=BENCH_NN, help="the stackelberg-bench-nn binary of the conformance check")
    ap.add_argument("--no-check", action="store_true", help="skip the check that both compute the same update")
    a = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"{CLI} is missing: set STACKELBERG_CLI or build with `swift build -c release --product stackelberg`")
    checks = {} if a.no_check else check_same_update(a.bench_nn)
    cpu = a.cpu or str(sorted(os.sched_getaffinity(0))[-1])
    runs = {}  # (impl, algo, coupling, extra) -> [(steps/s, hvps)]
    loads = []
    start = time.time()
    for k in range(a.repeat):
        done = set()
        for i, (label, algo, coupling, ours_extra, peer_extra) in enumerate(VARIANTS):
            steps = a.steps_base if coupling == "individual" else a.steps_st
            order = [("ours", ours_extra), ("peer", peer_extra)]
            if (k + i) % 2:
                order.reverse()
            for impl, ex in order:
                key = (impl, algo, coupling, tuple(ex))
                if key in done:
                    continue
                done.add(key)
                loads.append(os.getloadavg()[0])
                v = ours(algo, coupling, steps, a.warmup, cpu, ex) if impl == "ours" else peer(algo, coupling, steps, a.warmup, cpu, ex)
                if v is not None:
                    runs.setdefault(key, []).append(v)
                print(f"  [{time.time() - start:6.0f}s] {label:36s} {impl}{' ' + ' '.join(ex) if ex else ''}: "
                      f"{'failed' if v is None else f'{v[0]:.1f} steps/s'}", file=sys.stderr, flush=True)

    def med(impl, algo, coupling, extra, j=0):
        vs = [r[j] for r in runs.get((impl, algo, coupling, tuple(extra)), []) if r[j] is not None]
        return statistics.median(vs) if vs else None

    def base_of(label):
        return "SAC" if label.startswith("STSAC") else "DDPG"

    fmt = lambda v, f="{:,.1f}": "—" if v is None else f.format(v)  # noqa: E731
    print(f"\nHalfCheetah, {a.steps_base:,} steps (SAC, DDPG) / {a.steps_st:,} steps (ST), {a.warmup} warm-up, "
          f"one CPU (cpu {cpu}), median of {a.repeat}\n")
    print("| variant | ours steps/s | peer steps/s | ours ÷ peer | HVPs/update ours | HVPs/update peer |")
    print("|---|---|---|---|---|---|")
    for label, algo, coupling, oe, pe in VARIANTS:
        o, p = med("ours", algo, coupling, oe), med("peer", algo, coupling, pe)
        print(f"| {label} | {fmt(o)} | {fmt(p)} | {fmt(o / p if o and p else None, '{:.2f}×')} | "
              f"{fmt(med('ours', algo, coupling, oe, 1), '{:.1f}')} | {fmt(med('peer', algo, coupling, pe, 1), '{:.1f}')} |")
    print("\nST ÷ base wall time per environment step (lower is better):\n")
    print("| pair | ours | peer |\n|---|---|---|")
    for label, algo, coupling, oe, pe in VARIANTS:
        if coupling == "individual":
            continue
        b = base_of(label)
        o_st, o_b = med("ours", algo, coupling, oe), med("ours", algo, "individual", [])
        p_st, p_b = med("peer", algo, coupling, pe), med("peer", algo, "individual", [])
        ro = o_b / o_st if o_st and o_b else None
        rp = p_b / p_st if p_st and p_b else None
        print(f"| {label} ÷ {b} | {fmt(ro, '{:.2f}×')} | {fmt(rp, '{:.2f}×')} |")
    for algo, r in checks.items():
        print(f"\nSame update ({algo}, lambda {r['lambda']:g}, after {r['environment_steps']:,} steps): total derivative differs by "
              f"{r['total_derivative_rel_diff']:.1e}, follower gradient by {r['follower_gradient_rel_diff']:.1e} (relative); "
              f"correction / own gradient {r['correction_norm']['peer'] / r['leader_gradient_norm']['peer']:.2f}")
    print(f"\nwall {time.time() - start:.0f}s; 1-min load average before runs: min {min(loads):.2f}, max {max(loads):.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"args": vars(a), "cpu": cpu, "loads": loads, "checks": checks,
                       "runs": [{"impl": k[0], "algo": k[1], "coupling": k[2], "extra": list(k[3]),
                                 "steps_per_second": [r[0] for r in v], "hvps_per_update": [r[1] for r in v]}
                                for k, v in runs.items()]}, f, indent=1)


if __name__ == "__main__":
    main()
