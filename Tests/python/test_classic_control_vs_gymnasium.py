"""Classic control step by step against Gymnasium from identical states and actions.

For each environment, many random states (inside the region where the dynamics are defined) and
random action sequences are played by Gymnasium's unwrapped environment and by `stackelberg env
rollout --state … --actions …`. Every step's next observation, reward and termination flag are
compared; the largest difference per quantity is printed and must stay below float32 resolution.
Reset distributions are not compared: Gymnasium draws them from NumPy's PCG64, stackelberg from
its own seeded generator, and the claim here is about the dynamics.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium", reason="Gymnasium is a test requirement (Tests/python/requirements.txt)")

# Steps per rollout: CartPole, Acrobot and MountainCar must agree bit for bit over long rollouts (CartPole's
# products once grouped unlike Gymnasium's drifted in the last bit by step 61); Pendulum's float32 torque term
# (below) drifts further with time, so it is held to 5e-7 over 25 steps.
STATES = 40
STEPS = {"cartpole": 100, "acrobot": 100, "mountaincar": 100, "pendulum": 25}
EXACT = {"cartpole", "acrobot", "mountaincar"}

CASES = {
    "cartpole": ("CartPole-v1", lambda r: [r.uniform(-2.3, 2.3), r.uniform(-2, 2), r.uniform(-0.2, 0.2), r.uniform(-2, 2)],
                 lambda r: [int(r.integers(2))]),
    "acrobot": ("Acrobot-v1", lambda r: [r.uniform(-math.pi, math.pi), r.uniform(-math.pi, math.pi), r.uniform(-10, 10), r.uniform(-25, 25)],
                lambda r: [int(r.integers(3))]),
    "mountaincar": ("MountainCar-v0", lambda r: [r.uniform(-1.2, 0.5), r.uniform(-0.07, 0.07)],
                    lambda r: [int(r.integers(3))]),
    "pendulum": ("Pendulum-v1", lambda r: [r.uniform(-math.pi, math.pi), r.uniform(-8, 8)],
                 lambda r: [float(np.float32(r.uniform(-2, 2)))]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_dynamics_match_gymnasium(cli, name):
    gym_id, draw_state, draw_action = CASES[name]
    rng = np.random.default_rng(1234)
    worst = {"obs": 0.0, "reward": 0.0}
    flag_mismatches, steps_compared = 0, 0
    for case in range(STATES):
        state = draw_state(rng)
        actions = [draw_action(rng) for _ in range(STEPS[name])]
        env = gym.make(gym_id).unwrapped
        env.reset(seed=case)
        env.state = np.array(state, dtype=np.float64)
        flat = [a for act in actions for a in act]
        out = cli("env", "rollout", name, "--steps", str(STEPS[name]), "--state", ",".join(repr(s) for s in state),
                      "--actions", ",".join(repr(a) for a in flat))
        lines = [json.loads(l) for l in out.stdout.splitlines()]
        assert len(lines) == STEPS[name]
        for t, (act, ours) in enumerate(zip(actions, lines)):
            action = act[0] if name != "pendulum" else np.array(act, dtype=np.float32)
            obs, reward, terminated, _, _ = env.step(action)
            steps_compared += 1
            worst["obs"] = max(worst["obs"], float(np.max(np.abs(np.asarray(ours["next_obs"]) - obs.astype(np.float64)))))
            worst["reward"] = max(worst["reward"], abs(ours["reward"] - reward) / max(1.0, abs(reward)))
            flag_mismatches += ours["terminated"] != bool(terminated)
            if terminated:
                break
    print(f"{name}: {steps_compared} steps from {STATES} states; max |Δobs| = {worst['obs']:.2e}, "
          f"max relative |Δreward| = {worst['reward']:.2e}, termination mismatches = {flag_mismatches}")
    # Seen here: CartPole, Acrobot and MountainCar agree bit for bit; Pendulum to 5e-7, because
    # under NumPy 2 Gymnasium computes its torque term in float32 (the clipped action's dtype).
    tolerance = 0.0 if name in EXACT else 1e-6
    assert worst["obs"] <= tolerance
    assert worst["reward"] <= tolerance
    assert flag_mismatches == 0


def test_cartpole_balanced_rollouts_agree_bit_for_bit(cli):
    """Long CartPole episodes (a balancing controller keeps the pole up for 500 steps): the observations must
    agree bit for bit at every step, where open-loop random actions end episodes within ~20 steps."""
    rng = np.random.default_rng(7)
    compared = 0
    for case in range(10):
        env = gym.make("CartPole-v1").unwrapped
        env.reset(seed=case)
        state = [float(x) for x in rng.uniform(-0.05, 0.05, size=4)]
        env.state = np.array(state, dtype=np.float64)
        actions, expected = [], []
        obs = np.array(state)
        for _ in range(500):
            # Push toward the side the pole falls to, with a little position feedback.
            a = int(obs[2] + 0.5 * obs[3] + 0.05 * obs[0] + 0.1 * obs[1] > 0)
            obs, _, terminated, _, _ = env.step(a)
            actions.append(a)
            expected.append(obs.astype(np.float64))
            if terminated:
                break
        out = cli("env", "rollout", "cartpole", "--steps", str(len(actions)), "--state", ",".join(repr(s) for s in state),
                  "--actions", ",".join(str(a) for a in actions))
        ours = [np.asarray(json.loads(l)["next_obs"]) for l in out.stdout.splitlines()]
        assert len(ours) == len(expected)
        for t, (a, b) in enumerate(zip(ours, expected)):
            assert np.array_equal(a, b), f"case {case}: the observations differ at step {t}: {a} vs {b}"
        compared += len(actions)
    print(f"cartpole balanced: {compared} steps compared bit for bit")
    assert compared >= 2_000, f"the controller should keep the pole up for long episodes; only {compared} steps"


@pytest.mark.parametrize("name,state,field", [("cartpole", "1e200,1e200,0,0", "next_obs"), ("pendulum", "0,1e300", "reward")])
def test_a_state_that_overflows_is_named_not_a_json_error(cli, name, state, field):
    """A --state that overflows the dynamics made Foundation refuse the JSON line ("Invalid number value (inf) in JSON
    write"), naming neither the step nor the field."""
    p = cli("env", "rollout", name, "--state", state, "--steps", "1", ok=False)
    assert p.returncode == 64 and f"step 0: {field} holds " in p.stderr and "which JSON cannot write: the dynamics overflowed" in p.stderr, p.stderr


def test_a_negative_seed_is_refused_as_a_seed(stackelberg_bin):
    """`--seed -1` read as a missing value ("Missing value for '--seed'")."""
    import subprocess
    p = subprocess.run([str(stackelberg_bin), "env", "rollout", "cartpole", "--seed", "-1", "--steps", "1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and "--seed must be a whole number ≥ 0, got -1" in p.stderr, p.stderr
