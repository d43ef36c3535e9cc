#!/usr/bin/env python3
"""SPRIG's cost: its perception module against PyTorch, and its training against PPO, in one run, as ratios.

    python3 Benchmarks/run_sprig_benchmark.py [--pause-background] [--background PATH ...] [--out results.json]
        [--minatar-steps 16384] [--atari-steps 2048] [--repeat 5] [--rounds 2] [--train-repeat 1]

Needs `swift build -c release --product stackelberg-bench-nn`, `swift build -c release --product stackelberg`
and PyTorch (Benchmarks/requirements-torch.txt).

1. Perception module, forward + backward of loss = mean(features²) + mean(gates) w.r.t. every parameter,
   one thread, both programs pinned to the same CPU (--cpu, default the first allowed):
   ours `stackelberg-bench-nn --rows sprig_perception_minatar_b1024,sprig_perception_atari_b256`
   (Benchmarks/NNBenchmark/SprigWorkloads.swift) against `peers/perception_torch.py` (eager autograd),
   each program --rounds times in alternating order, the best repeat over all rounds kept. Shapes:
   MinAtar (batch 1024, [10, 10, 8] = 2 frames of Breakout's 4 channels, d 16, 2 heads, 128 features)
   and Atari (batch 256, [84, 84, 4], 512 features) with d 64, 4 heads (`atari`, the module's defaults
   until commit a4bbeef) and with d 32, 2 heads (`atari_d32`, the defaults since). Before timing, the Swift module's
   parameter counts (`--params`) are passed to the peer, which prints both and fails on a mismatch, and
   the peer loads the Swift module's weights and inputs (`--perception-state`, small batches) and checks
   that it computes the same features, gates, loss and gradients (--no-check skips this).
   Printed: ours ÷ peer samples/s (above 1: ours faster). --openblas-coretype X adds a third program, ours
   with OPENBLAS_CORETYPE=X, in the same rounds (OpenBLAS 0.3.21 runs its AVX2 kernels on an AVX-512 Zen 5).
2. Training, 1 seed, `stackelberg train --algo ppo --quiet --set tensorboard=false --set eval_interval=S
   --set eval_episodes=1 --steps S --seeds 0` on minatar/breakout (S = --minatar-steps) and atari/beam_rider
   (S = --atari-steps; skipped with the reason printed when an Atari rollout fails, e.g. no ROM):
     sprig            --coupling sprig (its presets: network.layout = attention; MinAtar env_frame_stack = 2)
     ppo-attention    --coupling monolithic --set network.layout=attention (MinAtar: --set env_frame_stack=2)
     ppo-plain        --coupling monolithic (the registry's minatar_cnn / nature_cnn)
   Time per environment step from summary.json's train_steps_per_second (the training loop) and from the
   process's wall time (start, the one evaluation episode and the logs included). Printed: SPRIG ÷
   PPO-attention and PPO-plain ÷ PPO-attention time per step (SPRIG above 1: what its leader stage costs;
   plain below 1: what the attention module costs).

--pause-background SIGSTOPs the processes whose argv[0] is --background (default /tmp/bg/stackelberg-s4;
repeatable) during all the timings and always SIGCONTs them (run_ppo_benchmark.Paused: a context manager,
SIGTERM/SIGHUP turned into exits so that it still resumes them, Ctrl-C too). CPU seconds of the measured
process and of everything else on the machine during it (/proc/stat) are reported to judge contention.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import run_ppo_benchmark as common  # noqa: E402  (timed, Paused, fmt, ratio: shared helpers)

PEER = os.path.join(HERE, "peers", "perception_torch.py")
SHAPES = {  # shape -> (Swift row, batch)
    "minatar": ("sprig_perception_minatar_b1024", 1024),
    "atari": ("sprig_perception_atari_b256", 256),
    "atari_d32": ("sprig_perception_atari_d32_b256", 256),
}
CHECK_BATCH = {"minatar": 8, "atari": 4, "atari_d32": 4}


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def must(p, cmd):
    if p.returncode != 0:
        raise RuntimeError(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return p


# --- 1. perception module ------------------------------------------------------------------------
def perception(a, log):
    rows = ",".join(SHAPES[s][0] for s in a.shapes)
    cmd = [a.bench_nn, "--rows", rows, "--params"]
    params = {r["row"]: r["parameters"] for r in json_lines(must(subprocess.run(cmd, capture_output=True, text=True), cmd).stdout)}
    ours_params = {s: params[SHAPES[s][0]] for s in a.shapes}
    peer_extra = ["--ours-params", ",".join(f"{s}={n}" for s, n in ours_params.items())]
    tmp = tempfile.mkdtemp(prefix="sprig_perception_")
    if not a.no_check:
        for s in a.shapes:
            path = os.path.join(tmp, f"{s}.state")
            cmd = [a.bench_nn, "--perception-state", s, str(CHECK_BATCH[s]), path]
            must(subprocess.run(cmd, capture_output=True, text=True), cmd)
            peer_extra += ["--check", f"{s}={path}"]
    ours_cmd = ["taskset", "-c", str(a.cpu), a.bench_nn, "--rows", rows, "--repeat", str(a.repeat), "--threads", "1"]
    programs = {
        "stackelberg": ours_cmd,
        "torch": [sys.executable, PEER, "--cpu", str(a.cpu), "--repeat", str(a.repeat), "--shapes", ",".join(a.shapes)] + peer_extra,
    }
    envs = {name: None for name in programs}
    if a.openblas_coretype:
        programs["stackelberg-coretype"] = ours_cmd
        envs["stackelberg-coretype"] = {**os.environ, "OPENBLAS_CORETYPE": a.openblas_coretype}
    best, runs = {}, []
    order = list(programs)
    for r in range(a.rounds):
        for name in (order if r % 2 == 0 else order[::-1]):
            p, wall, cpu, other = common.timed(programs[name], env=envs[name])
            must(p, programs[name])
            if name == "torch":
                sys.stderr.write(p.stderr)
            recs = json_lines(p.stdout)
            runs.append({"program": name, "round": r, "command": programs[name], "wall_s": wall, "cpu_s": cpu,
                         "other_processes_cpu_s": other, "records": recs})
            for rec in recs:
                key = (name, rec["row"])
                if key not in best or rec["best_s"] < best[key]["best_s"]:
                    best[key] = rec
            log(f"perception round {r + 1}/{a.rounds}, {name}: "
                + ", ".join(f"{rec['row']} {rec['best_s'] * 1e3:.1f} ms" for rec in recs))
    subprocess.run(["rm", "-rf", tmp])
    out = {}
    for s in a.shapes:
        row, batch = SHAPES[s]
        o, t = best[("stackelberg", row)], best[("torch", row)]
        out[s] = {"row": row, "batch": batch, "parameters_ours": ours_params[s], "parameters_torch": t["parameters"],
                  "ours_ms": o["best_s"] * 1e3, "ours_median_ms": o["median_s"] * 1e3, "torch_ms": t["best_s"] * 1e3,
                  "torch_median_ms": t["median_ms"], "ours_samples_per_s": batch / o["best_s"],
                  "torch_samples_per_s": t["samples_per_s"], "ours_over_peer": t["best_s"] / o["best_s"],
                  "ours_loss": o["checksum"], "torch_loss": t["loss"], "check": t.get("check"),
                  "torch_version": t["torch"], "torch_threads": t["threads"], "ours_threads": o["threads"]}
        oc = best.get(("stackelberg-coretype", row))
        if oc:
            out[s].update({"ours_coretype_ms": oc["best_s"] * 1e3, "ours_coretype_samples_per_s": batch / oc["best_s"],
                           "ours_coretype_over_peer": t["best_s"] / oc["best_s"], "openblas_coretype": a.openblas_coretype})
    return out, runs


# --- 2. training ---------------------------------------------------------------------------------
def atari_available(cli, env):
    with tempfile.NamedTemporaryFile(suffix=".f32") as f:
        cmd = [cli, "env", "rollout", env, "--steps", "2", "--observations-to", f.name]
        p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return False, f"`{' '.join(cmd)}` failed ({p.returncode}): {(p.stderr or p.stdout).strip()[-500:]}"
    return True, None


def config_value(path, section, key):
    """A value of the resolved config.toml a run writes ([section] key = value)."""
    current = None
    for line in open(path):
        line = line.strip()
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.split("=", 1)[0].strip() == key:
            return line.split("=", 1)[1].strip().strip('"')
    return None


def train(cli, env, name, extra, steps, keep_dir):
    out = tempfile.mkdtemp(prefix=f"sprig_bench_{name}_", dir=keep_dir)
    coupling = "sprig" if name == "sprig" else "monolithic"
    cmd = [cli, "train", "--algo", "ppo", "--env", env, "--coupling", coupling] + extra + [
        "--quiet", "--set", "tensorboard=false", "--set", f"eval_interval={steps}", "--set", "eval_episodes=1",
        "--steps", str(steps), "--seeds", "0", "--out", out]
    p, wall, cpu, other = common.timed(cmd)
    must(p, cmd)
    d = os.path.join(out, env.replace("/", "_"), f"ppo-{coupling}", "seed0")
    summary = json.load(open(os.path.join(d, "summary.json")))
    layout = config_value(os.path.join(d, "config.toml"), "network", "layout")
    if layout == "attention":
        cfg = os.path.join(d, "config.toml")
        layout += (f" d{config_value(cfg, 'perception', 'dim')} h{config_value(cfg, 'perception', 'heads')}"
                   f" f{config_value(cfg, 'perception', 'features')}")
    if not keep_dir:
        subprocess.run(["rm", "-rf", out])
    env_steps = summary["env_steps"]
    return {"command": cmd, "run": name, "env": env, "layout": layout, "wall_s": wall, "cpu_s": cpu,
            "other_processes_cpu_s": other, "env_steps": env_steps, "train_seconds": summary["train_seconds"],
            "train_steps_per_second": summary["train_steps_per_second"],
            "loop_ms_per_step": 1e3 / summary["train_steps_per_second"], "wall_ms_per_step": 1e3 * wall / env_steps,
            "final_eval_mean_return": summary.get("final_eval_mean_return")}


RUNS = [("sprig", []), ("ppo-attention", ["--set", "network.layout=attention"]), ("ppo-plain", [])]


def training(a, log):
    envs = []
    if a.minatar_steps > 0:
        envs.append((a.minatar_env, a.minatar_steps, ["--set", "env_frame_stack=2"]))
    skipped = {}
    if a.atari_steps > 0:
        ok, why = atari_available(a.stackelberg, a.atari_env)
        if ok:
            envs.append((a.atari_env, a.atari_steps, []))
        else:
            skipped[a.atari_env] = why
            print(f"skipping {a.atari_env}: {why}", file=sys.stderr, flush=True)
    out = {}
    for env, steps, attention_extra in envs:
        out[env] = {}
        for name, extra in RUNS:
            extra = extra + (attention_extra if name == "ppo-attention" else [])
            reps = [train(a.stackelberg, env, name, extra, steps, a.keep_runs) for _ in range(max(1, a.train_repeat))]
            r = dict(min(reps, key=lambda x: x["train_seconds"]), repeats=reps)
            out[env][name] = r
            log(f"{env} {name} ({r['layout']}): wall {r['wall_s']:.1f}s, loop {r['train_steps_per_second']:,.0f} steps/s")
    return out, skipped


# --- report --------------------------------------------------------------------------------------
def report(res, a):
    f = common.fmt
    lines = []
    if res.get("perception"):
        lines += ["Perception module, forward + backward of mean(features²) + mean(gates) w.r.t. all parameters, "
                  f"1 thread, best of {a.repeat} repeats × {a.rounds} rounds:", "",
                  "| shape | batch | parameters (ours = torch) | ours ms | torch ms | ours samples/s | torch samples/s | ours ÷ peer (samples/s) |",
                  "|---|---|---|---|---|---|---|---|"]
        for s, p in res["perception"].items():
            same = "=" if p["parameters_ours"] == p["parameters_torch"] else "≠"
            lines.append(f"| {s} | {p['batch']:,} | {p['parameters_ours']:,} {same} {p['parameters_torch']:,} | "
                         f"{p['ours_ms']:.1f} | {p['torch_ms']:.1f} | {p['ours_samples_per_s']:,.0f} | "
                         f"{p['torch_samples_per_s']:,.0f} | **{p['ours_over_peer']:.2f}×** |")
        if a.openblas_coretype:
            lines += ["", f"Ours again with OPENBLAS_CORETYPE={a.openblas_coretype} (OpenBLAS's kernels chosen by hand, "
                      "not by its CPU detection), same rounds:", "",
                      "| shape | ours ms | torch ms | ours ÷ peer (samples/s) |", "|---|---|---|---|"]
            for s, p in res["perception"].items():
                lines.append(f"| {s} | {p['ours_coretype_ms']:.1f} | {p['torch_ms']:.1f} | **{p['ours_coretype_over_peer']:.2f}×** |")
        checks = [f"{s} {p['check']['largest_relative_difference']:.1e}" for s, p in res["perception"].items() if p.get("check")]
        if checks:
            lines.append("")
            lines.append("Same function: the peer loaded the Swift module's weights and inputs; largest relative "
                         "difference of features, gates, loss and all gradients: " + ", ".join(checks) + ".")
        lines.append("")
    for env, runs in res.get("training", {}).items():
        att, sprig, plain = runs["ppo-attention"], runs["sprig"], runs["ppo-plain"]
        lines += [f"{env}, {att['env_steps']:,} steps, 1 seed (wall: the whole command, with one greedy evaluation episode):", "",
                  "| run | network | loop steps/s | loop ms/step | wall s | wall ms/step | CPU s | other processes' cores |",
                  "|---|---|---|---|---|---|---|---|"]
        for name in ("sprig", "ppo-attention", "ppo-plain"):
            r = runs[name]
            lines.append(f"| {name} | {r['layout']} | {r['train_steps_per_second']:,.0f} | {r['loop_ms_per_step']:.3f} | "
                         f"{r['wall_s']:.1f} | {r['wall_ms_per_step']:.3f} | {r['cpu_s']:.1f} | "
                         f"{r['other_processes_cpu_s'] / r['wall_s']:.2f} |")
        lines += ["", "| ratio (time per env step) | loop | wall |", "|---|---|---|",
                  f"| SPRIG ÷ PPO-attention | **{sprig['loop_ms_per_step'] / att['loop_ms_per_step']:.2f}×** | "
                  f"{sprig['wall_ms_per_step'] / att['wall_ms_per_step']:.2f}× |",
                  f"| PPO-plain ÷ PPO-attention | **{plain['loop_ms_per_step'] / att['loop_ms_per_step']:.3f}×** | "
                  f"{plain['wall_ms_per_step'] / att['wall_ms_per_step']:.3f}× |", ""]
    for env, why in res.get("training_skipped", {}).items():
        lines += [f"{env} skipped: {why}", ""]
    lines.append(f"background paused: {res['paused_pids'] or 'no'}; 1-min load average before/after: "
                 f"{res['load_before']:.2f} / {res['load_after']:.2f}; total wall {res['wall_s']:.0f}s")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stackelberg", default=os.path.join(ROOT, ".build", "release", "stackelberg"))
    ap.add_argument("--bench-nn", default=os.path.join(ROOT, ".build", "release", "stackelberg-bench-nn"))
    ap.add_argument("--shapes", default="minatar,atari,atari_d32", help="perception shapes (comma-separated)")
    ap.add_argument("--repeat", type=int, default=5, help="perception: timed repeats per program run")
    ap.add_argument("--rounds", type=int, default=2, help="perception: runs of each program, order alternating")
    ap.add_argument("--cpu", type=int, default=None, help="perception: CPU both programs are pinned to")
    ap.add_argument("--no-check", action="store_true", help="skip the peer's same-function check")
    ap.add_argument("--openblas-coretype", default=None,
                    help="perception: also time ours with OPENBLAS_CORETYPE set to this (e.g. SkylakeX: OpenBLAS 0.3.21 "
                         "does not know AMD Zen 5 and falls back to its AVX2 Haswell kernels)")
    ap.add_argument("--minatar-env", default="minatar/breakout")
    ap.add_argument("--minatar-steps", type=int, default=16384, help="0 skips MinAtar training")
    ap.add_argument("--atari-env", default="atari/beam_rider")
    ap.add_argument("--atari-steps", type=int, default=2048, help="0 skips Atari training")
    ap.add_argument("--train-repeat", type=int, default=1, help="training runs per number; the fastest loop is kept")
    ap.add_argument("--skip-perception", action="store_true")
    ap.add_argument("--keep-runs", default=None, help="keep the training run directories under this folder")
    ap.add_argument("--pause-background", action="store_true",
                    help="SIGSTOP --background's processes while timing, SIGCONT them afterwards")
    ap.add_argument("--background", action="append", default=None,
                    help="argv[0] of a job to pause (repeatable; default /tmp/bg/stackelberg-s4)")
    ap.add_argument("--out", default=None, help="write the machine-readable results (JSON) here")
    a = ap.parse_args()
    a.stackelberg, a.bench_nn = os.path.abspath(a.stackelberg), os.path.abspath(a.bench_nn)
    for path, product in ((a.stackelberg, "stackelberg"), (a.bench_nn, "stackelberg-bench-nn")):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: build with `swift build -c release --product {product}`")
    a.shapes = [s for s in a.shapes.split(",") if s]
    a.cpu = a.cpu if a.cpu is not None else min(os.sched_getaffinity(0))
    a.background = a.background or ["/tmp/bg/stackelberg-s4"]
    if a.keep_runs:
        os.makedirs(a.keep_runs, exist_ok=True)

    cpu_model = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
                      if l.startswith("Model name")), platform.processor())
    res = {"args": vars(a), "cpus": os.cpu_count(), "cpu_model": cpu_model,
           "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "command": [sys.executable] + sys.argv}
    start = time.perf_counter()

    def log(msg):
        print(f"  [{time.perf_counter() - start:6.0f}s] {msg}", file=sys.stderr, flush=True)

    with common.Paused(a.background, a.pause_background) as paused:
        res["paused_pids"] = paused.pids
        res["load_before"] = os.getloadavg()[0]
        if not a.skip_perception:
            res["perception"], res["perception_runs"] = perception(a, log)
        res["training"], res["training_skipped"] = training(a, log)
        res["load_after"] = os.getloadavg()[0]
    res["wall_s"] = time.perf_counter() - start
    text = report(res, a)
    p = res.get("perception", {})
    head = (f"{res['date']}, {cpu_model} ({res['cpus']} CPUs)"
            + (f", torch {next(iter(p.values()))['torch_version']} on {next(iter(p.values()))['torch_threads']} thread(s), "
               f"stackelberg on {next(iter(p.values()))['ours_threads']} thread(s)" if p else ""))
    text = head + "\n\n" + text
    print(text)
    res["table"] = text
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
