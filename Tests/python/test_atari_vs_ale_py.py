"""Atari against ale-py's own Gymnasium environment, frame for frame.

`stackelberg env rollout atari/GAME --seed S` steps copy 0 of the registry's Atari batch: ALE built
from the ale-py 0.12.1 sdist (scripts/ale/build_ale.sh), Gymnasium's `ALE/<Game>-v5` settings
(sticky actions 0.25, minimal action set) under `AtariPreprocessing` (no-op starts, frame skip 4
with max-pooling, INTER_AREA 84×84 grayscale) and a 4-deep frame stack. The reference is exactly
that stack in Python:

    env = gymnasium.make("ALE/<Game>-v5", frameskip=1)
    env = AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84)
    env = FrameStackObservation(env, 4)
    env.reset(seed=S)

Under the same actions every stacked observation (as [4, 84, 84] there, [84, 84, 4] here), reward
and episode end must be identical, including the first observation after each reset (later resets
take no seed on either side, so no-op counts and sticky-action draws continue their streams).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium", reason="Gymnasium is a test requirement (Tests/python/requirements.txt)")
ale_py = pytest.importorskip("ale_py", reason="ale-py is a test requirement (Tests/python/requirements.txt)")
pytest.importorskip("cv2", reason="opencv-python-headless is a test requirement (AtariPreprocessing resizes with it)")
from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation  # noqa: E402

gym.register_envs(ale_py)

# game: (Gymnasium id, seed, agent steps). Seeds and lengths chosen so that episodes end inside
# the run (Breakout's random-policy games are short; BeamRider's take ~2,000 steps).
CASES = {
    "beam_rider": ("ALE/BeamRider-v5", 7, 4000),
    "breakout": ("ALE/Breakout-v5", 2024, 2000),
    "pong": ("ALE/Pong-v5", 3, 1200),
}


def reference(env_id: str):
    env = gym.make(env_id, frameskip=1)
    env = AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84)
    return FrameStackObservation(env, 4)


@pytest.mark.parametrize("game", list(CASES))
def test_frame_for_frame(cli, tmp_path, game):
    env_id, seed, steps = CASES[game]
    ref = reference(env_id)
    obs, _ = ref.reset(seed=seed)
    actions = np.random.default_rng(seed).integers(0, ref.action_space.n, size=steps)
    path = tmp_path / "obs.f32"
    out = cli("env", "rollout", f"atari/{game}", "--seed", str(seed), "--steps", str(steps),
              "--actions", ",".join(map(str, actions)), "--observations-to", str(path), timeout=600)
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    assert len(lines) == steps
    ours = np.fromfile(path, dtype="<f4").reshape(steps, 2, 84, 84, 4).transpose(0, 1, 4, 2, 3)
    episodes = 0
    for t, (a, line) in enumerate(zip(actions, lines)):
        obs, reward, terminated, truncated, _ = ref.step(int(a))
        assert line["reward"] == reward, f"{game}: reward differs at step {t}"
        assert (line["terminated"], line["truncated"]) == (terminated, truncated), f"{game}: episode end differs at step {t}"
        assert np.array_equal(ours[t, 0], obs), f"{game}: observation differs at step {t} ({np.count_nonzero(ours[t, 0] != obs)} pixels)"
        if terminated or truncated:
            episodes += 1
            obs, _ = ref.reset()
            assert np.array_equal(ours[t, 1], obs), f"{game}: first observation after the reset at step {t} differs"
    print(f"{game}: {steps} steps, {episodes} episodes, identical")
    assert episodes >= 1, f"{game}: no episode ended in {steps} steps; the reset path was not compared"
