"""MinAtar peer for batched environment stepping: N copies of the reference `minatar` package
(pure Python/NumPy, one game per object) stepped in a Python loop. Prints one JSON line.

    python3 Benchmarks/peers/env_minatar.py --game breakout --batch 128 --steps 300 [--cpu 0]

Settings are the package's defaults (sticky actions 0.1, difficulty ramping) with the full
6-action set, as a MinAtar agent would use them. Each step calls `act` and then `state()` for every
copy, because an agent needs the observation; a terminal copy is reset right away.
"""
import argparse
import json
import os
import time
from importlib.metadata import version

import numpy as np
from minatar import Environment


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--game", default="breakout", choices=["breakout", "asterix", "freeway", "seaquest", "space_invaders"])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cpu", type=int, default=None)
    a = ap.parse_args()
    if a.cpu is not None:
        os.sched_setaffinity(0, {a.cpu})
    envs = []
    for i in range(a.batch):
        env = Environment(a.game, sticky_action_prob=0.1, difficulty_ramping=True)
        env.seed(a.seed + i)  # seeds the game and the sticky-action draws
        env.reset()           # the constructor's reset used an unseeded generator
        envs.append(env)
    # Actions drawn before timing, so only stepping (and the sticky-action draw inside act) is timed.
    actions = np.random.default_rng(0).integers(0, envs[0].num_actions(), size=(min(a.steps, 1024), a.batch))
    episodes = 0
    start = time.perf_counter()
    for t in range(a.steps):
        row = actions[t % len(actions)]
        for env, action in zip(envs, row):
            _, terminal = env.act(action)
            if terminal:
                env.reset()
                episodes += 1
            env.state()
    seconds = time.perf_counter() - start
    print(json.dumps({"peer": "minatar", "env": a.game, "batch": a.batch, "steps": a.steps, "seconds": seconds,
                      "env_steps_per_second": a.batch * a.steps / seconds, "episodes": episodes,
                      "version": version("minatar")}))


if __name__ == "__main__":
    main()
