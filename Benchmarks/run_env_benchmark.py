#!/usr/bin/env python3
"""Batched environment stepping: stackelberg vs Python peers, in one run, as ratios.

    swift build -c release --product stackelberg
    python3 Benchmarks/run_env_benchmark.py [--env cartpole,minatar/breakout ...] [--batch 128] [--rounds 3] [--cpu N] [--peers-only]

Environments (default: all): cartpole, minatar/{breakout,asterix,freeway,seaquest,space_invaders},
mujoco/hopper, atari/beam_rider.
Peers: for CartPole-v1, Gymnasium's NumPy-batched CartPole (`make_vec(...,
vectorization_mode="vector_entry_point")`) and its SyncVectorEnv; for MinAtar, the reference
`minatar` package (N Python objects) and gymnax's JAX port (vmap + jit, timed both as one
`lax.scan` and as a jitted step in a Python loop; the faster is shown); for Hopper-v5, Gymnasium's
SyncVectorEnv over its MuJoCo env (the toolkit runs Debian's libmujoco 2.2.2, Gymnasium the mujoco
wheel); for BeamRider, Gymnasium's SyncVectorEnv over ALE/BeamRider-v5 with AtariPreprocessing and
FrameStackObservation(4), the same preprocessing as `atari/beam_rider`. Every program is pinned to
one CPU, random actions are drawn before timing (gymnax: inside the jitted step), rounds are
interleaved and each program's best is kept. ratio = stackelberg steps/s ÷ peer steps/s (above 1:
stackelberg faster). A program that fails (e.g. an environment stackelberg does not have yet) is
shown as "not available".
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.path.join(os.path.dirname(HERE), ".build", "release", "stackelberg")
MINATAR_GAMES = ["breakout", "asterix", "freeway", "seaquest", "space_invaders"]
DEFAULT_ENVS = ["cartpole"] + [f"minatar/{g}" for g in MINATAR_GAMES] + ["mujoco/hopper", "atari/beam_rider"]
# Batched steps stackelberg times per environment (the emulated and simulated ones are far slower).
OUR_STEPS = {"mujoco/hopper": 300, "atari/beam_rider": 12}
# gymnax id and steps per game. gymnax's Seaquest is slow under vmap (its entity lists are compacted
# with scatters: ~0.1 ms/step for 1 copy, ~20 ms for 128), so it gets fewer steps.
GYMNAX = {"breakout": ("Breakout-MinAtar", 1000), "asterix": ("Asterix-MinAtar", 1000),
          "freeway": ("Freeway-MinAtar", 1000), "seaquest": ("Seaquest-MinAtar", 200),
          "space_invaders": ("SpaceInvaders-MinAtar", 1000)}
TITLES = {"cartpole": "CartPole-v1", "mujoco/hopper": "Hopper-v5", "atari/beam_rider": "BeamRider (preprocessed, stack 4)"}


def run(cmd):
    """Steps/s from the program's last JSON line, or None if it fails."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or [""])[-1]
        print(f"failed ({p.returncode}): {' '.join(cmd)}\n  {last}", file=sys.stderr)
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])["env_steps_per_second"]


def programs(env, batch, cpu, peers_only):
    """name -> command for one environment; stackelberg first."""
    py = lambda script, *args: [sys.executable, os.path.join(HERE, "peers", script), "--batch", str(batch), "--cpu", str(cpu), *args]
    progs = {} if peers_only else {
        "stackelberg": ["taskset", "-c", str(cpu), CLI, "env", "bench", env, "--batch", str(batch),
                        "--steps", str(OUR_STEPS.get(env, 20000))]}
    if env == "cartpole":
        progs["gymnasium vector_entry_point"] = py("env_gymnasium.py", "--steps", "2000", "--mode", "vector_entry_point")
        progs["gymnasium sync"] = py("env_gymnasium.py", "--steps", "300", "--mode", "sync")
    elif env == "mujoco/hopper":
        progs["gymnasium sync"] = py("env_gymnasium.py", "--env", "Hopper-v5", "--steps", "100", "--mode", "sync")
    elif env == "atari/beam_rider":
        progs["gymnasium sync"] = py("env_gymnasium.py", "--env", "ALE/BeamRider-v5", "--atari", "--steps", "10", "--mode", "sync")
    elif env.startswith("minatar/"):
        game = env.split("/", 1)[1]
        progs["minatar"] = py("env_minatar.py", "--game", game, "--steps", "300")
        if game in GYMNAX:
            gid, steps = GYMNAX[game]
            for mode in ("scan", "loop"):
                progs[f"gymnax {mode}"] = py("env_gymnax.py", "--env", gid, "--steps", str(steps), "--mode", mode)
    else:
        sys.exit(f"unknown environment {env!r}; known: {', '.join(DEFAULT_ENVS)}")
    return progs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--env", action="append", help="environment(s), repeatable or comma-separated (default: all)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=None)
    ap.add_argument("--peers-only", action="store_true", help="run only the Python peers (no stackelberg binary needed)")
    a = ap.parse_args()
    envs = [e.strip() for arg in (a.env or [",".join(DEFAULT_ENVS)]) for e in arg.split(",") if e.strip()]
    if not a.peers_only and not os.path.exists(CLI):
        sys.exit(f"{CLI} is missing: run `swift build -c release --product stackelberg` first (or use --peers-only)")
    cpu = a.cpu if a.cpu is not None else min(os.sched_getaffinity(0))
    table = {env: programs(env, a.batch, cpu, a.peers_only) for env in envs}
    best = {(env, name): None for env, progs in table.items() for name in progs}
    for _ in range(a.rounds):  # interleaved, so a slow spell of the machine hits every program alike
        for env, progs in table.items():
            for name, cmd in progs.items():
                sps = run(cmd)
                if sps is not None:
                    best[env, name] = max(best[env, name] or 0.0, sps)

    print(f"| environment, {a.batch} copies | program | env steps/s | stackelberg ratio |")
    print("|---|---|---|---|")
    gymnax_modes = []
    for env in envs:
        title = TITLES.get(env, env)
        ours = best.get((env, "stackelberg"))
        rows = [(name, best[env, name]) for name in table[env] if not name.startswith("gymnax")]
        if env.startswith("minatar/"):
            scan, loop = best.get((env, "gymnax scan")), best.get((env, "gymnax loop"))
            if scan is None and loop is None:
                rows.append(("gymnax", None if env.split("/")[1] in GYMNAX else "—"))
            else:  # the faster of the two ways to drive gymnax is its row
                mode = "scan" if (scan or 0) >= (loop or 0) else "loop"
                rows.append((f"gymnax ({'lax.scan' if mode == 'scan' else 'jitted step, Python loop'})", max(scan or 0, loop or 0)))
                gymnax_modes.append(f"{env}: scan {scan or 0:,.0f}, loop {loop or 0:,.0f}")
        for name, sps in rows:
            if sps == "—":
                print(f"| {title} | {name} | — | — |")
            elif sps is None:
                print(f"| {title} | {name} | not available | — |")
            else:
                ratio = "—" if name == "stackelberg" or ours is None else f"{ours / sps:.1f}×"
                print(f"| {title} | {name} | {sps:,.0f} | {ratio} |")
    print(f"\nbest of {a.rounds} rounds, one CPU ({cpu}), random actions drawn before timing (gymnax: inside the jitted step).")
    if any(e.startswith("minatar/") for e in envs):
        print("MinAtar: the minatar package runs with sticky actions 0.1, difficulty ramping and the full 6-action set,"
              " calling act() then state() per copy and step. gymnax has no sticky actions, truncates episodes at its own"
              " max_steps_in_episode (1000; Freeway 2500), and auto-resets by computing a reset for every copy every step;"
              " its MinAtar games default to minimal action sets, run here with use_minimal_action_set=False (6 actions)."
              " Difficulty ramping: Asterix, Seaquest and Space Invaders in both; Breakout and Freeway have none.")
        if gymnax_modes:
            print("gymnax steps/s by mode: " + "; ".join(gymnax_modes) + ".")


if __name__ == "__main__":
    main()
