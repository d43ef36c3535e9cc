#!/usr/bin/env python3
"""PPO training speed on CartPole-v1: stackelberg vs a JAX/gymnax peer (PureJaxRL's PPO), in one run, as ratios.

    python3 Benchmarks/run_ppo_benchmark.py [--stackelberg .build/release/stackelberg] [--out results.json] [--pause-background]

Both sides train PPO on CartPole-v1 with PureJaxRL's `ppo.py` defaults, which are also stackelberg's `ppo`
defaults on classic control: 4 environments x 128 steps per rollout, 4 epochs of 4 minibatches, 5e5 env
steps, Adam 2.5e-4 (eps 1e-5) annealed linearly, GAE gamma 0.99 lambda 0.95, clip 0.2 with value clipping,
entropy 0.01, value coefficient 0.5, global-norm clip 0.5, separate 64-64 tanh actor and critic.
(The one default that differs: stackelberg bootstraps a truncated episode from V(final observation),
PureJaxRL treats the 500-step cut as a termination; the cost is one extra critic call per truncation.)

* ours: `stackelberg train --algo ppo --coupling monolithic --env cartpole --steps 500000 --quiet
  --set eval_interval=500000 --set tensorboard=false`, once with `--seeds 0` and once with `--seeds 0..S-1
  --jobs J` (S = 4, J = 2: seeds trained on threads, one per core). Per seed, throughput is summary.json's
  `train_steps_per_second` (the training loop; the final greedy evaluation is outside it); every command's
  wall time is measured as well (process start, evaluation, logs and checkpoints included).
* peer: `peers/ppo_gymnax_jax.py`, the whole run one `jax.jit` program (`lax.scan`), compiled ahead of
  time; 1 seed, then S seeds `jax.vmap`ped into one program. Without compile: env steps / a second,
  timed call. With compile: env steps / (compile + first call), what a one-shot run costs.
* ours with `--coupling nested`, `--coupling blpo` (Nyström) and `blpo-cg` (`--coupling blpo` with the code's CG:
  20 products, tolerance 1e-10) (1 seed, same command otherwise; those couplings carry BLPO's own
  classic-control overrides, see `stackelberg algo list`): their wall time ÷ PPO's; and the same on MuJoCo
  Hopper-v5 (`--hopper-steps`, default 1e5; 0 skips), each at its registry defaults.

Printed: a Markdown table of steps/s and ours ÷ peer (per seed; seeds together counting all seeds' steps
over wall time, the peer's with and without its compile), then nested ÷ PPO and BLPO ÷ PPO wall-time ratios
(above 1: slower than PPO), and the peer's self-check (mean return of the last 10% of training episodes
> 400 on at least one seed). Each number is one run (--repeat K: the best of K). CPU seconds and the CPU
time other processes used during each run (from /proc/stat) are reported, to judge contention.

--pause-background SIGSTOPs the processes whose executable is --background (default /tmp/bg/stackelberg,
a long training job; repeat --background for several) for the duration of the timings, and always SIGCONTs them afterwards (try/finally,
also on SIGINT/SIGTERM). The pids are matched on argv[0] exactly and signalled one by one.
"""
import argparse
import csv
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEER = os.path.join(HERE, "peers", "ppo_gymnax_jax.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- measurement helpers --------------------------------------------------------------------------
def machine_busy_s():
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def children_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, env=None):
    """Run cmd; (CompletedProcess, wall s, its CPU s, other processes' CPU s during it)."""
    b0, c0, t0 = machine_busy_s(), children_cpu_s(), time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    cpu = children_cpu_s() - c0
    other = max(0.0, machine_busy_s() - b0 - cpu)
    return p, wall, cpu, other


def last10pct_return(episodes_csv):
    """Mean return of the last 10% of the training episodes (file order = the order they finished)."""
    with open(episodes_csv) as f:
        returns = [float(r["return"]) for r in csv.DictReader(f)]
    if not returns:
        return None
    k = max(1, math.ceil(0.1 * len(returns)))
    return sum(returns[-k:]) / k


# --- the two sides -------------------------------------------------------------------------------
# Cases that are a coupling plus settings: BLPO with the code's CG (20 products, tolerance 1e-10, λ 0), as
# BLPO's public CG runs (`CG_ppo.py`, `dis_CG_ppo.py`) and scripts/experiments/blpo-classic.sh.
VARIANTS = {"blpo-cg": ("blpo", ["--set", "blpo.solver=cg", "--set", "blpo.cg_iterations=20", "--set", "blpo.cg_tolerance=1e-10"])}
NAMES = {"monolithic": "PPO (monolithic)", "nested": "PPO-Nested", "blpo": "BLPO (Nyström)", "blpo-cg": "BLPO (CG)"}


def ours(cli, case, seeds, jobs, steps, keep_dir=None, env="cartpole"):
    coupling, extra = VARIANTS.get(case, (case, []))
    out = tempfile.mkdtemp(prefix=f"ppo_{case}_{seeds}seeds_", dir=keep_dir)
    seed_arg = "0" if seeds == 1 else f"0..{seeds - 1}"
    cmd = [cli, "train", "--algo", "ppo", "--coupling", coupling, "--env", env, "--seeds", seed_arg,
           "--steps", str(steps), "--out", out, "--quiet", "--set", f"eval_interval={steps}", "--set", "tensorboard=false"] + extra
    if jobs:
        cmd[cmd.index("--out"):cmd.index("--out")] = ["--jobs", str(jobs)]
    p, wall, cpu, other = timed(cmd)
    if p.returncode != 0:
        raise RuntimeError(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    base = os.path.join(out, env.replace("/", "_"), f"ppo-{coupling}")
    per_seed = []
    for s in range(seeds):
        d = os.path.join(base, f"seed{s}")
        summ = json.load(open(os.path.join(d, "summary.json")))
        per_seed.append({"seed": s, "env_steps": summ["env_steps"], "train_seconds": summ["train_seconds"],
                         "train_steps_per_second": summ["train_steps_per_second"],
                         "final_eval_mean_return": summ.get("final_eval_mean_return"),
                         "last10pct_episodes_mean_return": last10pct_return(os.path.join(d, "episodes.csv"))})
    total = sum(s["env_steps"] for s in per_seed)
    if not keep_dir:
        subprocess.run(["rm", "-rf", out])
    return {"command": cmd, "coupling": case, "seeds": seeds, "jobs": jobs, "wall_s": wall, "cpu_s": cpu,
            "other_processes_cpu_s": other, "env_steps": total, "steps_per_second_wall": total / wall,
            "per_seed": per_seed}


def peer(seeds, steps, repeat):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    cmd = [sys.executable, PEER, "--seeds", str(seeds), "--steps", str(steps), "--repeat", str(repeat),
           "--self-check", "--json", path]
    p, wall, cpu, other = timed(cmd, env={**os.environ, "JAX_PLATFORMS": "cpu"})
    try:
        r = json.load(open(path)) if os.path.getsize(path) else None
    finally:
        os.unlink(path)
    if r is None:
        raise RuntimeError(f"peer failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    r.update({"command": cmd, "returncode": p.returncode, "process_wall_s": wall, "process_cpu_s": cpu,
              "other_processes_cpu_s": other})
    return r


def best_of(fn, k, key):
    runs = [fn() for _ in range(max(1, k))]
    return min(runs, key=key), runs


# --- pausing the background job ------------------------------------------------------------------
def background_pids(exe):
    """Pids whose argv[0] is exactly exe (not this script, not a shell that mentions it)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if argv0 == exe:
            pids.append(int(d))
    return sorted(pids)


class Paused:
    """SIGSTOP the background job's processes on enter; SIGCONT them on exit, whatever happened."""

    def __init__(self, exes, enabled):
        self.exes, self.enabled, self.pids = exes, enabled, []

    def __enter__(self):
        if not self.enabled:
            return self
        def leave(signum, frame):  # SIGTERM/SIGHUP become exceptions, so __exit__ still resumes the job
            raise SystemExit(128 + signum)

        for s in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, leave)
        self.pids = sorted(p for exe in self.exes for p in background_pids(exe))
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        print(f"paused {self.exes}: pids {self.pids}", file=sys.stderr, flush=True)
        time.sleep(1.0)  # let the load settle
        return self

    def __exit__(self, *exc):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        if self.enabled:
            print(f"resumed {self.exes}: pids {self.pids}", file=sys.stderr, flush=True)
        return False


# --- report --------------------------------------------------------------------------------------
def fmt(v, f="{:,.0f}"):
    return "—" if v is None else f.format(v)


def ratio(a, b):
    return a / b if a and b else None


def report(res, a):
    p1, pS = res["peer"].get("single"), res["peer"]["together"]
    o1, oS = res["ours"]["monolithic_1"], res["ours"]["monolithic_S"]
    S = a.seeds
    o1_seed = o1["per_seed"][0]["train_steps_per_second"]
    oS_wall = oS["steps_per_second_wall"]
    rows = []  # (case, ours, peer without compile, peer with compile)
    if p1:
        rows.append(("1 seed: ours loop (summary.json) vs peer", o1_seed, p1["steps_per_second"], p1["steps_per_second_with_compile"]))
        rows.append(("1 seed: ours whole command (wall) vs peer", o1["steps_per_second_wall"], p1["steps_per_second"],
                     p1["steps_per_second_with_compile"]))
    rows.append((f"{S} seeds together: ours --jobs {a.jobs} (wall) vs peer vmap", oS_wall, pS["steps_per_second"],
                 pS["steps_per_second_with_compile"]))
    lines = [f"PPO CartPole-v1, {a.steps:,} steps per seed (ours {o1['per_seed'][0]['env_steps']:,}, "
             f"peer {pS['env_steps'] // S:,}: whole rollouts of 512), one run each\n",
             "| case | ours steps/s | peer steps/s | peer steps/s incl. compile | ours ÷ peer | ours ÷ peer incl. compile |",
             "|---|---|---|---|---|---|"]
    res["ratios"] = {}
    for case, o, p, pc in rows:
        lines.append(f"| {case} | {fmt(o)} | {fmt(p)} | {fmt(pc)} | {fmt(ratio(o, p), '{:.3f}×')} | {fmt(ratio(o, pc), '{:.3f}×')} |")
        res["ratios"][case] = {"ours": o, "peer": p, "peer_with_compile": pc,
                               "ours_over_peer": ratio(o, p), "ours_over_peer_with_compile": ratio(o, pc)}
    lines.append("")
    lines.append("| run | wall s | CPU s | cores used | other processes' cores | peer compile s | peer first call s |")
    lines.append("|---|---|---|---|---|---|---|")
    pr = res["peer"]
    others = []  # (wall, other CPU s) of every measured process
    others.append((pr["process_wall_s"], pr["other_processes_cpu_s"]))
    lines.append(f"| peer process (1 seed + {S} vmapped, incl. imports and compiles) | {pr['process_wall_s']:.2f} | "
                 f"{pr['process_cpu_s']:.2f} | {pr['process_cpu_s'] / pr['process_wall_s']:.2f} | "
                 f"{pr['other_processes_cpu_s'] / pr['process_wall_s']:.2f} | — | — |")
    for label, c in ([("peer 1 seed, timed call", p1)] if p1 else []) + [(f"peer {S} seeds vmapped, timed call", pS)]:
        lines.append(f"| {label} | {c['run_s']:.2f} | {c['run_cpu_s']:.2f} | {c['run_cpu_s'] / c['run_s']:.2f} | — | "
                     f"{c['compile_s']:.2f} | {c['first_run_s']:.2f} |")
    for key, o in res["ours"].items():
        others.append((o["wall_s"], o["other_processes_cpu_s"]))
        lines.append(f"| ours {o['coupling']}, {o['seeds']} seed(s){', --jobs ' + str(o['jobs']) if o['jobs'] else ''} | "
                     f"{o['wall_s']:.2f} | {o['cpu_s']:.2f} | {o['cpu_s'] / o['wall_s']:.2f} | "
                     f"{o['other_processes_cpu_s'] / o['wall_s']:.2f} | — | — |")
    other_cores = sum(x for _, x in others) / sum(w for w, _ in others)
    res["other_processes_cores_mean"] = other_cores
    if other_cores > 0.2:
        lines.append(f"\nWARNING: other processes used {other_cores:.2f} of the {res['cpus']} cores on average during the "
                     f"timings (not paused; see `ps`): multi-core rows are not clean.")
    lines.append("")
    mono = res["ours"]["monolithic_1"]
    lines.append("| ours, 1 seed | wall s | train_seconds | loop steps/s | wall ÷ PPO | train_seconds ÷ PPO | final greedy eval | last-10% episodes return |")
    lines.append("|---|---|---|---|---|---|---|---|")
    res["coupling_ratios"] = {}
    for c in ["monolithic"] + a.couplings:
        o = res["ours"].get(f"{c}_1")
        if not o:
            continue
        s0 = o["per_seed"][0]
        rw, rt = o["wall_s"] / mono["wall_s"], s0["train_seconds"] / mono["per_seed"][0]["train_seconds"]
        res["coupling_ratios"][c] = {"wall_over_ppo": rw, "train_seconds_over_ppo": rt}
        name = NAMES.get(c, c)
        lines.append(f"| {name} | {o['wall_s']:.2f} | {s0['train_seconds']:.2f} | {s0['train_steps_per_second']:,.0f} | "
                     f"{rw:.2f}× | {rt:.2f}× | {fmt(s0['final_eval_mean_return'], '{:.1f}')} | "
                     f"{fmt(s0['last10pct_episodes_mean_return'], '{:.1f}')} |")
    lines.append("")
    hop = {c: res["ours"].get(f"hopper_{c}") for c in ["monolithic"] + a.couplings}
    if hop.get("monolithic"):
        m = hop["monolithic"]
        lines.append(f"Hopper-v5 (MuJoCo), {a.hopper_steps:,} steps, 1 seed, each coupling at its registry defaults "
                     "(PPO: CleanRL's 1 copy × 2,048; nested/blpo: BLPO's preset, the code's Brax layout of 32 copies × 640, K = 3):")
        lines.append("")
        lines.append("| ours, Hopper | wall s | loop steps/s | wall ÷ PPO | train_seconds ÷ PPO |")
        lines.append("|---|---|---|---|---|")
        res["hopper_ratios"] = {}
        for c, o in hop.items():
            if not o:
                continue
            s0 = o["per_seed"][0]
            rw, rt = o["wall_s"] / m["wall_s"], s0["train_seconds"] / m["per_seed"][0]["train_seconds"]
            res["hopper_ratios"][c] = {"wall_over_ppo": rw, "train_seconds_over_ppo": rt}
            name = NAMES.get(c, c)
            lines.append(f"| {name} | {o['wall_s']:.2f} | {s0['train_steps_per_second']:,.0f} | {rw:.2f}× | {rt:.2f}× |")
        lines.append("")
    sc = pr.get("self_check", {})
    lines.append(f"peer self-check (last 10% of training episodes > 400 on at least one seed): "
                 f"{'PASSED' if sc.get('passed') else 'FAILED'}; per seed (vmapped run): "
                 f"{', '.join(fmt(v, '{:.1f}') for v in pS['final_mean_return'])}"
                 + (f"; 1-seed run: {fmt(p1['final_mean_return'][0], '{:.1f}')}" if p1 else ""))
    lines.append("ours, last 10% of training episodes per seed: 1 seed "
                 f"{fmt(o1['per_seed'][0]['last10pct_episodes_mean_return'], '{:.1f}')}; {S} seeds "
                 + ", ".join(fmt(s["last10pct_episodes_mean_return"], "{:.1f}") for s in oS["per_seed"]))
    lines.append(f"background paused: {res['paused_pids'] or 'no'}; 1-min load average before/after: "
                 f"{res['load_before']:.2f} / {res['load_after']:.2f}; total wall {res['wall_s']:.0f}s")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stackelberg", default=os.path.join(ROOT, ".build", "release", "stackelberg"),
                    help="the stackelberg binary to time")
    ap.add_argument("--steps", type=int, default=500_000, help="env steps per seed")
    ap.add_argument("--seeds", type=int, default=4, help="seeds of the seeds-together rows")
    ap.add_argument("--jobs", type=int, default=2, help="stackelberg's --jobs for the seeds-together run")
    ap.add_argument("--couplings", nargs="*", default=["nested", "blpo", "blpo-cg"],
                    help="ours, 1 seed, timed against monolithic (blpo-cg: blpo with the code's CG solver)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per number; the fastest is kept")
    ap.add_argument("--hopper-steps", type=int, default=100_000,
                    help="also time PPO and the --couplings on mujoco/hopper for this many steps (0: skip)")
    ap.add_argument("--keep-runs", default=None, help="keep stackelberg's run directories under this folder")
    ap.add_argument("--pause-background", action="store_true",
                    help="SIGSTOP --background's processes while timing, SIGCONT them afterwards")
    ap.add_argument("--background", action="append", default=None,
                    help="executable path of a job to pause (repeatable; default /tmp/bg/stackelberg)")
    ap.add_argument("--out", default=None, help="write the machine-readable results (JSON) here")
    a = ap.parse_args()
    cli = os.path.abspath(a.stackelberg)
    if not os.access(cli, os.X_OK):
        sys.exit(f"{cli} is missing: pass --stackelberg or build with `swift build -c release --product stackelberg`")
    a.background = a.background or ["/tmp/bg/stackelberg"]
    if a.keep_runs:
        os.makedirs(a.keep_runs, exist_ok=True)

    res = {"args": vars(a), "stackelberg": cli, "cpus": os.cpu_count(), "ours": {}}
    start = time.perf_counter()
    with Paused(a.background, a.pause_background) as paused:
        res["paused_pids"] = paused.pids
        res["load_before"] = os.getloadavg()[0]

        def log(msg):
            print(f"  [{time.perf_counter() - start:6.0f}s] {msg}", file=sys.stderr, flush=True)

        res["peer"], res["peer_runs"] = best_of(lambda: peer(a.seeds, a.steps, 1), a.repeat,
                                                key=lambda r: r["together"]["run_s"])
        pS = res["peer"]["together"]
        log(f"peer: 1 seed {res['peer']['single']['steps_per_second']:,.0f} steps/s, {a.seeds} vmapped "
            f"{pS['steps_per_second']:,.0f} steps/s (compile {pS['compile_s']:.1f}s)")
        runs = [("monolithic", 1, None), ("monolithic", a.seeds, a.jobs)] + [(c, 1, None) for c in a.couplings]
        for coupling, seeds, jobs in runs:
            key = f"{coupling}_{'S' if seeds > 1 else 1}"
            res["ours"][key], res.setdefault("ours_runs", {})[key] = best_of(
                lambda: ours(cli, coupling, seeds, jobs, a.steps, a.keep_runs), a.repeat, key=lambda r: r["wall_s"])
            o = res["ours"][key]
            log(f"ours {coupling}, {seeds} seed(s): wall {o['wall_s']:.1f}s, "
                f"loop {o['per_seed'][0]['train_steps_per_second']:,.0f} steps/s (seed 0)")
        if a.hopper_steps > 0:
            for coupling in ["monolithic"] + a.couplings:
                key = f"hopper_{coupling}"
                res["ours"][key], res.setdefault("ours_runs", {})[key] = best_of(
                    lambda: ours(cli, coupling, 1, None, a.hopper_steps, a.keep_runs, env="mujoco/hopper"), a.repeat,
                    key=lambda r: r["wall_s"])
                log(f"ours hopper {coupling}: wall {res['ours'][key]['wall_s']:.1f}s")
        res["load_after"] = os.getloadavg()[0]
    res["wall_s"] = time.perf_counter() - start
    text = report(res, a)
    print(text)
    res["table"] = text
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    if not res["peer"].get("self_check", {}).get("passed"):
        sys.exit("peer self-check failed")


if __name__ == "__main__":
    main()
