"""Gymnasium peer for batched environment stepping: steps per second of N copies with random
actions drawn before timing. Prints one JSON line.

    python3 Benchmarks/peers/env_gymnasium.py --env CartPole-v1 --batch 128 --steps 2000 [--mode vector_entry_point|sync]
    python3 Benchmarks/peers/env_gymnasium.py --env ALE/BeamRider-v5 --atari --batch 128 --steps 10 --mode sync

--atari builds each copy as `atari/<game>` does: the v5 environment with frameskip=1 under
AtariPreprocessing (no-op starts 30, frame skip 4, 84×84) and FrameStackObservation(4).
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
    ap.add_argument("--atari", action="store_true", help="ALE env with AtariPreprocessing and a 4-frame stack")
    a = ap.parse_args()
    if a.cpu is not None:
        os.sched_setaffinity(0, {a.cpu})
    if a.atari:
        import ale_py
        from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation
        gym.register_envs(ale_py)
        env = gym.make_vec(a.env, num_envs=a.batch, vectorization_mode=a.mode, vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP},
                           wrappers=[lambda e: AtariPreprocessing(e, noop_max=30, frame_skip=4, screen_size=84), lambda e: FrameStackObservation(e, 4)],
                           frameskip=1)
    else:
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
