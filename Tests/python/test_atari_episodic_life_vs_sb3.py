"""Atari's episodic life and fire reset against Stable-Baselines3's own wrappers, frame for frame.

`stackelberg env rollout atari/GAME --seed S --episodic-life --fire-reset` steps copy 0 of the
registry's Atari batch with `AtariOptions.episodicLife` / `fireReset` on. The reference is the
stack of test_atari_vs_ale_py.py with SB3's `EpisodicLifeEnv` and `FireResetEnv` added in the
order CleanRL's `ppo_atari.py` uses, and Gymnasium's `RecordEpisodeStatistics` below them, so that
its episodes are whole games (CleanRL keeps it below `EpisodicLifeEnv` for the same reason):

    env = gymnasium.make("ALE/<Game>-v5", frameskip=1)
    env = AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84)
    env = RecordEpisodeStatistics(env)
    env = EpisodicLifeEnv(env)
    env = FireResetEnv(env)           # when FIRE is among the game's actions
    env = FrameStackObservation(env, 4)
    env.reset(seed=S)

and after each terminated or truncated step `env.reset()`, as a vector environment's auto-reset
does: after a lost life that is one no-op step of the same game (then FIRE and 2), not a new game.
Every reward, termination, observation (also the first after each reset), the lives left and the
return and length of each whole game must be identical.

Needs stable-baselines3 (`pip install stable-baselines3`; it brings PyTorch, so it is not in
requirements.txt); skipped without it.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium", reason="Gymnasium is a test requirement (Tests/python/requirements.txt)")
ale_py = pytest.importorskip("ale_py", reason="ale-py is a test requirement (Tests/python/requirements.txt)")
pytest.importorskip("cv2", reason="opencv-python-headless is a test requirement (AtariPreprocessing resizes with it)")
sb3_atari = pytest.importorskip("stable_baselines3.common.atari_wrappers",
                                reason="stable-baselines3 is not installed (pip install stable-baselines3); the SB3 conformance check is skipped")
from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation, RecordEpisodeStatistics  # noqa: E402

gym.register_envs(ale_py)

# name: (game, Gymnasium id, seed, agent steps, episodic life, fire reset). Random policies lose
# lives within a few hundred steps in both games; Breakout without FIRE never serves, so the
# episodic-life-only case is Breakout with a random policy pressing FIRE itself.
CASES = {
    "breakout": ("breakout", "ALE/Breakout-v5", 2024, 2500, True, True),
    "beam_rider": ("beam_rider", "ALE/BeamRider-v5", 7, 3000, True, True),
    "breakout_life_only": ("breakout", "ALE/Breakout-v5", 11, 1500, True, False),
    "pong_fire_only": ("pong", "ALE/Pong-v5", 3, 1000, False, True),
}


def reference(env_id: str, episodic_life: bool, fire_reset: bool):
    env = gym.make(env_id, frameskip=1)
    env = AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84)
    env = stats = RecordEpisodeStatistics(env, buffer_length=100_000)
    if episodic_life:
        env = sb3_atari.EpisodicLifeEnv(env)
    if fire_reset and "FIRE" in env.unwrapped.get_action_meanings():
        env = sb3_atari.FireResetEnv(env)
    return FrameStackObservation(env, 4), stats


@pytest.mark.parametrize("case", list(CASES))
def test_same_as_sb3_wrappers(cli, tmp_path, case):
    game, env_id, seed, steps, episodic_life, fire_reset = CASES[case]
    ref, stats = reference(env_id, episodic_life, fire_reset)
    ale = ref.unwrapped.ale
    obs, _ = ref.reset(seed=seed)
    actions = np.random.default_rng(seed).integers(0, ref.action_space.n, size=steps)
    path = tmp_path / "obs.f32"
    flags = (["--episodic-life"] if episodic_life else []) + (["--fire-reset"] if fire_reset else [])
    out = cli("env", "rollout", f"atari/{game}", "--seed", str(seed), "--steps", str(steps), *flags,
              "--actions", ",".join(map(str, actions)), "--observations-to", str(path), timeout=600)
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    assert len(lines) == steps
    ours = np.fromfile(path, dtype="<f4").reshape(steps, 2, 84, 84, 4).transpose(0, 1, 4, 2, 3)
    lives_lost = games = 0
    for t, (a, line) in enumerate(zip(actions, lines)):
        obs, reward, terminated, truncated, _ = ref.step(int(a))
        assert line["reward"] == reward, f"{case}: reward differs at step {t}"
        assert (line["terminated"], line["truncated"]) == (terminated, truncated), f"{case}: episode end differs at step {t}"
        assert np.array_equal(ours[t, 0], obs), f"{case}: observation differs at step {t} ({np.count_nonzero(ours[t, 0] != obs)} pixels)"
        if terminated or truncated:
            obs, _ = ref.reset()
            # A game can also end inside the reset's hidden steps; either way it is reported here.
            game_over = len(stats.return_queue) > games
            lives_lost += not game_over
            assert np.array_equal(ours[t, 1], obs), f"{case}: first observation after the reset at step {t} differs"
        assert line["state"] == [ale.lives()], f"{case}: lives differ at step {t}"
        if len(stats.return_queue) > games:
            assert len(stats.return_queue) == games + 1, f"{case}: two games ended in step {t}"
            assert "episode_return" in line, f"{case}: the game that ended at step {t} was not reported"
            assert (line["episode_return"], line["episode_length"]) == (stats.return_queue[-1], stats.length_queue[-1]), \
                f"{case}: the game ending at step {t} differs"
            games += 1
        else:
            assert "episode_return" not in line, f"{case}: a game was reported at step {t} where none ended"
    print(f"{case}: {steps} steps, {lives_lost} lives lost mid-game, {games} games, identical")
    assert games >= 1, f"{case}: no game ended in {steps} steps; the real reset path was not compared"
    if episodic_life:
        assert lives_lost >= 2, f"{case}: fewer than two lost lives in {steps} steps; the no-op reset path was barely compared"
