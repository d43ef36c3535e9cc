"""Gymnasium peer for batched environment stepping: steps per second of N copies with random
actions drawn before timing. Prints one JSON line.

    python3 Benchmarks/peers/env_gymnasium.py --env CartPole-v1 --batch 128 --steps 2000 [--mode vector_entry_point|sync]
"""
import argparse
import json
import os
import time

import gymnasium as gym
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="CartPole-v1")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--mode", default="vector_entry_point", help="vector_entry_point (Gymnasium's NumPy-batched CartPole) or sync")
    ap.add_argument("--cpu", type=int, default=None)
    a = ap.parse_args()
    if a.cpu is not None:
        os.sched_setaffinity(0, {a.cpu})
    env = gym.make_vec(a.env, num_envs=a.batch, vectorization_mode=a.mode)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    space = env.single_action_space
    if isinstance(space, gym.spaces.Discrete):
        actions = rng.integers(0, space.n, size=(min(a.steps, 1024), a.batch))
    else:  # continuous control: uniform in the box, float32 as agents send it
        actions = rng.uniform(space.low, space.high, size=(min(a.steps, 1024), a.batch) + space.shape).astype(np.float32)
    start = time.perf_counter()
    for t in range(a.steps):
        env.step(actions[t % len(actions)])
    seconds = time.perf_counter() - start
    print(json.dumps({"peer": f"gymnasium-{a.mode}", "env": a.env, "batch": a.batch, "steps": a.steps, "seconds": seconds,
                      "env_steps_per_second": a.batch * a.steps / seconds, "version": gym.__version__}))


if __name__ == "__main__":
    main()
