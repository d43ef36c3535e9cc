"""MinAtar against the reference `minatar` package (Young & Tian's Python implementation).

Two checks per game:

* Frame for frame. Copy 0 of `stackelberg env rollout minatar/GAME --seed S` draws from NumPy's
  RandomState(S), as `minatar.Environment(GAME).seed(S)` does, so under the same actions every
  observation, reward and episode end must be identical, across resets, for the full and the
  minimal action sets.
* Statistics over thousands of random-policy episodes, each side with its own random stream: mean
  return and mean length must agree within 4 standard errors of the difference.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

minatar = pytest.importorskip("minatar", reason="minatar is a test requirement (Tests/python/requirements.txt)")
from minatar import Environment  # noqa: E402

GAMES = ["breakout", "asterix", "freeway", "seaquest", "space_invaders"]


@pytest.mark.parametrize("minimal", [False, True], ids=["full", "minimal"])
@pytest.mark.parametrize("game", GAMES)
def test_frame_for_frame(cli, game, minimal):
    # Freeway needs 2,501 steps to reach its clock; the others end many episodes in 1,000.
    steps, seed = (2600 if game == "freeway" else 1000), 11 + GAMES.index(game)
    ref = Environment(game)
    ref.seed(seed)
    ref.reset()
    action_set = ref.minimal_action_set() if minimal else list(range(6))
    actions = np.random.default_rng(seed).integers(0, len(action_set), size=steps)
    name = f"minatar/{game}" + ("-minimal" if minimal else "")
    out = cli("env", "rollout", name, "--seed", str(seed), "--steps", str(steps),
              "--actions", ",".join(map(str, actions)), timeout=300)
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    assert len(lines) == steps
    episodes = 0
    for t, (a, ours) in enumerate(zip(actions, lines)):
        reward, done = ref.act(action_set[a])
        frame = ref.state().astype(np.float64).ravel()
        assert np.array_equal(np.asarray(ours["next_obs"]), frame), f"{name}: observation differs at step {t}"
        assert ours["reward"] == reward, f"{name}: reward differs at step {t}"
        assert (ours["terminated"] or ours["truncated"]) == done, f"{name}: episode end differs at step {t}"
        if done:
            # Freeway's clock is the only time limit; stackelberg reports it as truncation.
            assert ours["truncated"] == (game == "freeway")
            episodes += 1
            ref.reset()
            assert np.array_equal(np.asarray(ours["obs"]), ref.state().astype(np.float64).ravel()), f"{name}: reset differs at step {t}"
    print(f"{name}: {steps} steps, {episodes} episodes, identical")
    assert episodes >= 1


def reference_episodes(game: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    env = Environment(game)
    env.seed(seed)
    env.reset()
    rng = np.random.default_rng(seed)
    returns, lengths, ret, length = [], [], 0.0, 0
    while len(returns) < n:
        reward, done = env.act(int(rng.integers(6)))
        ret, length = ret + reward, length + 1
        if done:
            returns.append(ret)
            lengths.append(length)
            ret, length = 0.0, 0
            env.reset()
    return np.asarray(returns), np.asarray(lengths, dtype=float)


@pytest.mark.parametrize("game", GAMES)
def test_random_policy_statistics(cli, game):
    n = 200 if game == "freeway" else 3000  # Freeway episodes are 2,501 steps long
    ref_r, ref_l = reference_episodes(game, n, seed=2024)
    out = cli("env", "episodes", f"minatar/{game}", "--episodes", str(n), "--batch", "20", "--seed", "7", timeout=300)
    ours = json.loads(out.stdout)
    assert ours["episodes"] == n
    for label, ref, mine in (("return", ref_r, np.asarray(ours["returns"])), ("length", ref_l, np.asarray(ours["lengths"], dtype=float))):
        se = math.sqrt(ref.var(ddof=1) / len(ref) + mine.var(ddof=1) / len(mine))
        diff = mine.mean() - ref.mean()
        print(f"minatar/{game} {label}: stackelberg {mine.mean():.4f}, minatar {ref.mean():.4f}, "
              f"difference {diff:+.4f} = {diff / se if se else 0:+.2f} standard errors")
        if se == 0:
            assert diff == 0
        else:
            assert abs(diff) <= 4 * se
