"""`stackelberg train` as a user runs it: config files and overrides, the run directory, and exact
resume after an interruption (SIGINT, which checkpoints) and after a kill (SIGKILL, which resumes
from the last periodic checkpoint). A resumed run must end with the same bytes in every log and in
its final checkpoint as the uninterrupted run. Its TensorBoard event file, read with TensorBoard's own
reader (which checks every record's CRC), must hold the same scalars as the uninterrupted run's, and
exactly the values of the CSV logs.
"""
from __future__ import annotations

import json
import re
import os
import shutil
import tempfile
import shlex
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

FILES = ["episodes.csv", "updates.csv", "eval.csv", "checkpoint.state"]
TIMING = {"train_seconds", "train_steps_per_second"}
ARGS = ["train", "--algo", "ddqn", "--coupling", "scorer", "--env", "cartpole", "--seeds", "2", "--quiet",
        "--set", "total_steps=40000", "--set", "checkpoint_interval=4000"]


def run_dir(out: Path) -> Path:
    return out / "cartpole" / "ddqn-scorer" / "seed2"


@pytest.fixture(scope="module")
def reference(stackelberg_bin, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    subprocess.run([str(stackelberg_bin), *ARGS, "--out", str(out)], check=True, capture_output=True, timeout=600)
    return run_dir(out)


def tensorboard_scalars(run: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar in the run's one event file, per tag in file order, read by TensorBoard."""
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto import event_pb2

    files = sorted((run / "tensorboard").glob("events.out.tfevents.*"))
    assert len(files) == 1, files
    events = [event_pb2.Event.FromString(r) for r in RawEventFileLoader(str(files[0])).Load()]
    assert events[0].file_version == "brain.Event:2"
    scalars: dict[str, list[tuple[int, float]]] = {}
    for e in events[1:]:
        for v in e.summary.value:
            assert v.WhichOneof("value") == "simple_value", v
            scalars.setdefault(v.tag, []).append((e.step, v.simple_value))
    return scalars


def csv_scalars(run: Path) -> dict[str, list[tuple[int, float]]]:
    """What the event file must hold: the CSV logs' numbers as float32."""
    f32 = lambda x: float(np.float32(float(x)))
    out: dict[str, list[tuple[int, float]]] = {}
    rows = lambda name: [l.split(",") for l in (run / name).read_text().splitlines()[1:]]
    for step, _, ret, length in rows("episodes.csv"):
        out.setdefault("train/episode_return", []).append((int(step), f32(ret)))
        out.setdefault("train/episode_length", []).append((int(step), f32(length)))
    columns = (run / "updates.csv").read_text().splitlines()[0].split(",")[2:]
    for r in rows("updates.csv"):
        for name, v in zip(columns, r[2:]):
            out.setdefault(f"updates/{name}", []).append((int(r[0]), f32(v)))
    for r in rows("eval.csv"):
        out.setdefault("eval/mean_return", []).append((int(r[0]), f32(r[1])))
    return out


def interrupt_then_resume(binary, out: Path, sig: int, reference: Path):
    proc = subprocess.Popen([str(binary), *ARGS, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    checkpoint = run_dir(out) / "checkpoint.state"
    deadline = time.time() + 300
    while not checkpoint.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)  # let it run past the first checkpoint
    assert proc.poll() is None, "the run ended before it could be interrupted; make it longer"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode != 0
    if sig == signal.SIGINT:
        # The shell's convention for Ctrl-C, and an acknowledgement before the checkpoint.
        assert proc.returncode == 130, proc.returncode
        assert b"stopping: each run checkpoints after its current update" in err, err
        assert b"--resume" in err, err
    assert not (run_dir(out) / "summary.json").exists()
    resume = [str(binary), *ARGS, "--out", str(out), "--resume"]
    if sig == signal.SIGINT:
        # The command that continues is written out, and is what resumes here (a probe looked for it).
        said = [l for l in err.decode().splitlines() if l.startswith("to resume: ")]
        assert len(said) == 1 and shlex.split(said[0][len("to resume: "):]) == resume, err
    subprocess.run(resume, check=True, capture_output=True, timeout=600)
    for f in FILES:
        assert (run_dir(out) / f).read_bytes() == (reference / f).read_bytes(), f"{f} differs after resuming from {signal.Signals(sig).name}"
    assert tensorboard_scalars(run_dir(out)) == tensorboard_scalars(reference), "TensorBoard scalars differ after resuming"
    ours, theirs = (json.loads((d / "summary.json").read_text()) for d in (run_dir(out), reference))
    assert {k: v for k, v in ours.items() if k not in TIMING} == {k: v for k, v in theirs.items() if k not in TIMING}


def test_resume_after_sigint_is_exact(stackelberg_bin, tmp_path, reference):
    interrupt_then_resume(stackelberg_bin, tmp_path, signal.SIGINT, reference)


def test_resume_after_sigkill_is_exact(stackelberg_bin, tmp_path, reference):
    interrupt_then_resume(stackelberg_bin, tmp_path, signal.SIGKILL, reference)


def test_a_second_ctrl_c_stops_at_once_and_the_run_resumes_from_its_last_checkpoint(stackelberg_bin, tmp_path):
    """The first Ctrl-C waits for the current update (here a PPO update of 100 epochs, seconds long); a second one
    a second later ends the process there, as a user pressing it again expects. The checkpoint on disk is the last
    complete one, its run.lock (an flock) went with the process, and --resume continues from it to the end."""
    args = [str(stackelberg_bin), "train", "--algo", "ppo", "--env", "cartpole", "--seeds", "0", "--quiet", "--steps", "8192",
            "--set", "num_envs=8", "--set", "rollout_length=512", "--set", "epochs=100", "--set", "minibatches=1",
            "--set", "network.actor_widths=[512,512]", "--set", "network.critic_widths=[512,512]",
            "--set", "checkpoint_interval=4096", "--set", "eval_interval=8192", "--set", "tensorboard=false", "--out", str(tmp_path)]
    run = tmp_path / "cartpole" / "ppo-monolithic" / "seed0"
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not (run / "checkpoint.state").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    # Just past the first checkpoint: the second rollout's update has most of its time ahead. Not at once: a
    # process descheduled between renaming the checkpoint into place and starting the next iteration met the
    # Ctrl-C at the loop's top and stopped there, before the update (seen under load).
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    time.sleep(1.3)
    assert proc.poll() is None, "the update ended before the second Ctrl-C; make it longer"
    proc.send_signal(signal.SIGINT)
    sent = time.time()
    _, err = proc.communicate(timeout=60)
    assert time.time() - sent < 3, "the second Ctrl-C waited for the update"
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Ctrl-C again stops at once" in err and "stopped at once: --resume continues from the last checkpoint" in err, err
    assert not (run / "summary.json").exists()
    done = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads((run / "summary.json").read_text())["env_steps"] == 8192


def test_tensorboard_events_hold_the_csv_logs(reference):
    scalars = tensorboard_scalars(reference)
    assert set(scalars) >= {"train/episode_return", "updates/leader_loss", "updates/follower_loss", "eval/mean_return"}
    assert scalars == csv_scalars(reference)


def test_tensorboard_can_be_switched_off(stackelberg_bin, tmp_path):
    subprocess.run([str(stackelberg_bin), *ARGS, "--out", str(tmp_path), "--set", "total_steps=2000", "--set", "tensorboard=false"],
                   check=True, capture_output=True, timeout=600)
    assert (run_dir(tmp_path) / "episodes.csv").exists()
    assert not (run_dir(tmp_path) / "tensorboard").exists()


def test_run_directory_and_config(stackelberg_bin, tmp_path, reference):
    config = (reference / "config.toml").read_text()
    for needle in ["# seed = 2", "# commit = ", 'algo = "ddqn"', 'coupling = "scorer"', "total_steps = 40000", "[scorer]",
                   'order = "follower_first"', 'follower_objective = "variance"']:
        assert needle in config, needle
    assert (reference / "updates.csv").read_text().splitlines()[0] == "env_step,updates,leader_loss,follower_loss,leader_lr,follower_lr,epsilon"
    # The resolved config is itself a valid config: training from it reproduces the run.
    cfg = tmp_path / "c.toml"
    cfg.write_text(config)
    out = tmp_path / "again"
    subprocess.run([str(stackelberg_bin), "train", "--config", str(cfg), "--seeds", "2", "--quiet", "--out", str(out)],
                   check=True, capture_output=True, timeout=600)
    assert (run_dir(out) / "episodes.csv").read_bytes() == (reference / "episodes.csv").read_bytes()


@pytest.mark.parametrize("args, message", [
    (["--set", "nosuch=1"], "unknown setting nosuch"),
    (["--set", "gamma=2"], "gamma must be in [0, 1]"),
    (["--set", "scorer.order=sideways"], "scorer.order must be one of follower_first, leader_first"),
    # The value is quoted, so an empty one reads as such.
    (["--set", "scorer.order=''"], 'scorer.order must be one of follower_first, leader_first, got ""'),
    (["--seeds", "4..1"], "--seeds 4..1: the range runs backwards: write FIRST..LAST with FIRST ≤ LAST, e.g. 1..4"),
    (["--env", "nosuch"], "unknown environment 'nosuch'"),
    # STAC's λ = 500 with Neumann's default α = 0.01: α·λ = 5 ≥ 2, a series that diverged at the first update.
    (["--algo", "sac", "--coupling", "actor-leader", "--env", "pendulum", "--set", "stackelberg.solver=neumann"],
     "stackelberg.neumann_alpha × stackelberg.lambda = 0.01 × 500.0 = 5.0 ≥ 2: the Neumann series diverges from the first update"),
    # The settings table and the agent gave two ranges: 100000 was "at most 10000", then 500 "in 2…200".
    (["--set", "diagnostics.arnoldi_steps=100000"], "setting diagnostics.arnoldi_steps must be in 2…200, got 100000"),
    (["--set", "diagnostics.sketch_dimension=1"], "setting diagnostics.sketch_dimension must be in 2…64, got 1"),
    (["--algo", "sac", "--env", "pendulum", "--set", "alpha=0"], "setting alpha must be positive, got 0"),
    # A value that rounds to 0 in Float ran as 0 (λ) or was refused as "got 0.0" (a learning rate).
    # "0 or …" only where 0 is allowed: a learning rate of 0 is refused as not positive.
    (["--set", "lr=1e-50"], "setting lr must be a number of magnitude at least 1.2e-38"),
    (["--set", "gamma=1e-50"], "setting gamma must be 0 or a number of magnitude at least 1.2e-38"),
    # Digits past a Double's range read as a string ("must be a number, got \"1e400\"").
    (["--set", "lr=1e400"], "--set lr=1e400: 1e400 is beyond a Double's range"),
    (["--set", "network.head_widths=[64, 1e400]"], "1e400 is beyond a Double's range"),
    (["--coupling", "head-leader", "--set", "stackelberg.lambda=1e-50"], "1e-50 would run as 0"),
    # atari/<game> takes any ROM name: one ALE does not ship was found only as loaded, and exited 1.
    (["--env", "atari/notagame"], "unknown environment 'atari/notagame'"),
    # A near name is said before the list (over a hundred names with ALE's games): a new user typed atari/beamrider.
    (["--env", "atari/beamrider"], "unknown environment 'atari/beamrider': did you mean atari/beam_rider? Known: "),
    (["--env", "minatar/space-invaders"], "did you mean minatar/space_invaders? Known: "),
    (["--env", "cartpol"], "unknown environment 'cartpol': did you mean cartpole? Known: "),
    (["--env", "breakout"], "unknown environment 'breakout': did you mean atari/breakout or minatar/breakout? Known: "),
    (["--set", "env_sticky_actions=0.5"], "cartpole has no sticky actions"),
    (["--set", "env_sticky_actions=2"], "env_sticky_actions must be"),
    (["--env", "mujoco/hopper", "--set", "env_max_episode_steps=100"], "mujoco/hopper keeps its own episode limit"),
    (["--set", "env_max_episode_steps=0"], "env_max_episode_steps must be"),
    (["--set", "env_episodic_life=true"], "setting env_episodic_life must be left unset on cartpole (cartpole has no lives to make episodic (Atari only)), got true"),
    (["--set", "env_fire_reset=true"], "cartpole has no FIRE to press on reset"),
    # Refused pairs name the valid choices.
    (["--env", "pendulum"], "dqn acts in discrete action spaces; pendulum has Box"),
    (["--coupling", "nested"], "dqn does not take the coupling nested; dqn takes monolithic, scorer, head-leader"),
    (["--coupling", "bogus"], "coupling must be one of monolithic, scorer, head-leader (the couplings dqn takes), got bogus"),
    (["--algo", "nosuch"], "algo must be one of dqn"),
    (["--coupling", "head-leader", "--set", "stackelberg.nystrom_rho=0"], "nystrom_rho must be > 0"),
    # Sizes beyond the machine's memory, before anything is allocated (they used to abort or be killed).
    (["--set", "buffer_size=1e12"], "setting buffer_size must be a replay size whose rows fit in memory"),
    (["--set", "num_envs=1e9"], "setting num_envs must be a number of copies whose arrays fit in memory"),
    # The copies' observations fit (9.6 GB), the networks' activations on them did not: it aborted allocating them.
    (["--set", "num_envs=1e8"], "setting num_envs must be a number of copies whose arrays fit in memory (88.4 GB needed for 100000000 copies: their observations, the networks' activations on them;"),
    (["--steps", "-5"], "--steps must be a positive number, got -5"),
    (["--steps", "1e30"], "--steps 1e30 is too large"),
    # The same cap as a setting: --set total_steps=5e15 (or a config file's) was taken where --steps 5e15 was refused.
    (["--set", "total_steps=5e15"], "setting total_steps must be positive and at most 1000000000000000, got 5000000000000000"),
    (["--steps", "1.5"], "--steps must be a whole number of environment steps, got 1.5"),
    (["--steps", "0x10"], "--steps must be a positive number, got 0x10"),  # was read as hexadecimal: 16 steps
    (["--seeds", "0,,1"], "--seeds 0,,1: has an empty entry: give 0..4, 0,3,7 or one number"),
    (["--seeds", "-1"], "--seeds -1: \"-1\" is not a whole number ≥ 0: give 0..4, 0,3,7 or one number"),
    # A seed in a count's number form was "not a whole number ≥ 0", where --steps 1e3 reads: said as such.
    (["--seeds", "1e3"], "--seeds 1e3: write seed \"1e3\" in digits, as 1000 (a seed names a random stream; number forms such as 5e6 are for counts like --steps)"),
    (["--seeds", "0..1e1"], "--seeds 0..1e1: write seed \"1e1\" in digits, as 10"),
    (["--seeds", "+1"], "--seeds +1: write seed \"+1\" in digits, as 1"),
    (["--seeds", "0..99999999999"], "names more than 10,000 seeds (0 to 99999999999): give at most 10,000"),
    # b − a + 1 overflowed (a trap) for the whole UInt64 range.
    (["--seeds", "0..9223372036854775807"], "names more than 10,000 seeds (0 to 9223372036854775807)"),
    # Seeds from 2^63 trained, then read back by compare and windows as "seed -1" (two such seeds as one).
    (["--seeds", "0..18446744073709551615"], "seed 18446744073709551615 is too large: a seed is at most 9223372036854775807 (2^63 − 1)"),
    (["--seeds", "1,9223372036854775808"], "--seeds 1,9223372036854775808: seed 9223372036854775808 is too large"),
    (["--set", "network.encoder_widths=0"], "setting network.encoder_widths must be positive whole numbers, got 0"),
    # Widths whose weights cannot fit aborted allocating, or took the machine's memory until the kernel killed them.
    (["--set", "network.encoder_widths=[1000000,1000000]"], "setting network.encoder_widths must be widths whose weights fit in memory"),
    (["--set", "network.head_widths=[100000000000]"], "setting network.head_widths must be widths whose weights fit in memory"),
    # The encoder's last layer feeds the Q head: closing the chain with the action count counted 3e8 × 2 weights, not 3e8 × 64.
    (["--set", "network.encoder_widths=[1,300000000]"], "setting network.encoder_widths must be widths whose weights fit in memory"),
    (["--set", "network.head_widths=[1e30]"], "setting network.head_widths must be positive whole numbers, got [1e+30]"),
    # The nearest keys, not the hundred known ones.
    (["--set", "gama=0.9"], "unknown setting gama (did you mean gamma"),
    # PQN's `lambda` given to BLPO was "a setting of pqn, not of this algorithm", without the blpo.lambda meant.
    (["--algo", "ppo", "--coupling", "blpo", "--env", "cartpole", "--set", "lambda=1"],
     "unknown setting lambda (did you mean blpo.lambda or diagnostics.lambda? `lambda` alone is a setting of pqn)"),
    # A wrong prefix: SCORER's DQN has leader_lr at the top level.
    (["--coupling", "scorer", "--set", "scorer.leader_lr=1e-3"], "unknown setting scorer.leader_lr (did you mean leader_lr?)"),
    # 4,096 heads passed the weights' check; the dry run grew past 16 GB building 81×81 maps for each.
    (["--algo", "ppo", "--coupling", "sprig", "--env", "atari/breakout", "--set", "perception.heads=4096", "--set", "perception.dim=4096"],
     "setting perception.heads must be sizes whose attention activations fit in memory"),
    # Refused on the whole (maps beside the weights), and said so: "23.2 GB needed …; this machine has 25.3 GB" read as a contradiction.
    (["--algo", "ppo", "--coupling", "sprig", "--env", "atari/breakout", "--set", "perception.heads=64", "--set", "perception.dim=4096"],
     "for the networks' weights, gradients and Adam moments and the copies' arrays"),
    (["--out", ""], "--out is empty"),
    # Every numeric setting has its range (adam_epsilon = -1 used to train on garbage, 0 gave NaN).
    (["--set", "adam_epsilon=-1"], "setting adam_epsilon must be positive, got -1"),
    (["--set", "adam_epsilon=0"], "setting adam_epsilon must be positive, got 0"),
    (["--set", "gamma=1.5"], "setting gamma must be in [0, 1], got 1.5"),
    # An unroll of 1e10 allocated 160 GB and aborted; 1e7 ran an update that Ctrl-C could not stop.
    (["--coupling", "head-leader", "--set", "stackelberg.unroll=1e10"], "setting stackelberg.unroll must be positive and at most 10000, got 10000000000"),
    (["--coupling", "scorer", "--set", "scorer.follower_steps=20000"], "setting scorer.follower_steps must be positive and at most 10000, got 20000"),
    (["--algo", "ac", "--coupling", "individual", "--set", "individual.unroll=1e7"], "setting individual.unroll must be positive and at most 10000"),
    (["--algo", "ppo", "--coupling", "nested", "--set", "nested.follower_steps=1e10"], "setting nested.follower_steps must be positive and at most 10000"),
    # A solve of 1e12 products ran inside one update: no log row, and Ctrl-C and SIGTERM waited for it.
    (["--coupling", "head-leader", "--set", "stackelberg.cg_iterations=1e12"], "setting stackelberg.cg_iterations must be positive and at most 10000"),
    (["--algo", "ppo", "--coupling", "blpo", "--set", "blpo.neumann_terms=1e8"], "setting blpo.neumann_terms must be positive and at most 10000"),
    (["--set", "diagnostics.lanczos_steps=1e9"], "setting diagnostics.lanczos_steps must be in 2…200"),
    (["--set", "diagnostics.follower_steps=1e7"], "setting diagnostics.follower_steps must be in 0…1000"),
    # 0 means "total_steps"; a negative count acted as 0 without a word.
    (["--set", "lr_decay_steps=-1000"], "setting lr_decay_steps must be ≥ 0, got -1000"),
    # The table's range and the agent's own check disagreed: -1 "must be ≥ 0", then 0 "must be positive".
    (["--set", "max_grad_norm=0"], "setting max_grad_norm must be positive, got 0"),
    (["--set", "epsilon_steps=0"], "setting epsilon_steps must be positive, got 0"),
    (["--set", "tau=0"], "setting tau must be in (0, 1], got 0"),
])
def test_bad_settings_are_refused(stackelberg_bin, tmp_path, args, message):
    # A later --algo/--env/--coupling overrides the earlier one.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--out", str(tmp_path), *args],
                       capture_output=True, text=True, timeout=60)
    # A refused option value is a usage error (64); a refused setting, by whatever means given, EX_CONFIG (78).
    # An empty --out is a refused option value (64), not an output that cannot be written (3).
    usage = "--seeds" in args or "--steps" in args or args == ["--out", ""]
    assert p.returncode == (64 if usage else 3 if "--out" in args else 78), (p.returncode, p.stderr)
    assert message in p.stderr, p.stderr
    assert not any(tmp_path.iterdir()), "a refused run must not leave files"


def test_every_refused_setting_is_said_at_once(stackelberg_bin, tmp_path):
    # A command with several bad settings said one per attempt, so it was mended in as many tries: now every key out
    # of range, then every combination the agent refuses, each on its own `error:` line, exit 78.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout",
                        "--steps", "1e5", "--set", "gama=0.9", "--set", "perception.heads=0", "--set", "clip=-1",
                        "--set", "minibatches=7", "--set", "perception.stem=nature3", "--dry-run", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 78, (p.returncode, p.stderr)
    for said in ["error: unknown setting gama (did you mean gamma?)", "error: setting perception.heads must be positive, got 0",
                 "error: setting clip must be positive, got -1", "error: invalid configuration, 2 problems:",
                 "  - minibatches (7) must divide the rollout's 8192 steps", "  - perception.stem = nature3 leaves no cell of a 10×10 frame"]:
        assert said in p.stderr, (said, p.stderr)
    assert p.stderr.count("error:") == 4, p.stderr
    assert not any(tmp_path.iterdir())
    # An environment wrapper the environment lacks is named by its key, and the keys after it are checked too; a
    # refusal weighing a key set aside at its default (minibatches against the default num_envs) is not said.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--env", "cartpole", "--set", "env_episodic_life=true",
                        "--set", "env_fire_reset=true", "--set", "gamma=2", "--set", "num_envs=0", "--set", "minibatches=3",
                        "--dry-run", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 78, (p.returncode, p.stderr)
    for said in ["error: setting env_episodic_life must be left unset on cartpole", "error: setting env_fire_reset must be left unset on cartpole",
                 "error: setting gamma must be in [0, 1], got 2", "error: setting num_envs must be positive, got 0"]:
        assert said in p.stderr, (said, p.stderr)
    assert p.stderr.count("error:") == 4 and "minibatches (3)" not in p.stderr, p.stderr


def test_bad_seeds_are_refused_before_any_note(stackelberg_bin, tmp_path):
    # Notes on the settings (here: a key without effect on dqn) used to print above the refusal.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--set", "scorer.order=leader_first",
                        "--seeds", "4..1", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "--seeds 4..1" in p.stderr, p.stderr
    assert "note:" not in p.stderr, p.stderr


def test_a_refused_configuration_leaves_no_output_directory(stackelberg_bin, tmp_path):
    # The exact solve is refused when the agent is built, after the settings resolve: --out must not
    # have been created by then.
    out = tmp_path / "not" / "yet"
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "blpo", "--env", "cartpole",
                        "--set", "blpo.solver=exact", "--quiet", "--out", str(out)], capture_output=True, text=True, timeout=60)
    # Refused as the agent is built, for every seed: a refusal of settings all the same (78), not a failed run.
    assert p.returncode == 78 and "solver = exact builds the follower's dense Hessian" in p.stderr, (p.returncode, p.stderr)
    assert not (tmp_path / "not").exists()


def test_settings_a_coupling_does_not_read_are_noted(stackelberg_bin, tmp_path):
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "blpo", "--env", "cartpole", "--steps", "512",
                        "--set", "lr=0.1", "--set", "tensorboard=false", "--quiet", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "note: lr has no effect with --algo ppo --coupling blpo; the actor and the critic step at actor_lr and critic_lr" in p.stderr
    # The run's own config.toml, given back, lists lr at its default: nothing to note. The same value given
    # with --set was set by hand, and is noted.
    base = [str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "blpo", "--env", "cartpole", "--steps", "512",
            "--set", "tensorboard=false", "--quiet"]
    subprocess.run(base + ["--out", str(tmp_path / "plain")], check=True, capture_output=True, timeout=120)
    written = tmp_path / "plain" / "cartpole" / "ppo-blpo" / "seed0" / "config.toml"
    default_lr = next(l.split("=")[1].strip() for l in written.read_text().splitlines() if l.startswith("lr ="))
    for how, noted in [(["--config", str(written)], False), (["--set", f"lr={default_lr}"], True)]:
        p = subprocess.run(base + how + ["--out", str(tmp_path / "again" / how[0])], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0 and ("note: lr has no effect" in p.stderr) == noted, (how, p.stderr)
    # One setting table serves the DQN family; the dueling streams' width does nothing without them.
    for algo, noted in [("dqn", True), ("dueling", False)]:
        p = subprocess.run([str(stackelberg_bin), "train", "--algo", algo, "--env", "cartpole", "--steps", "100",
                            "--set", "network.dueling_width=64", "--quiet", "--out", str(tmp_path / algo)],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0 and ("note: network.dueling_width has no effect" in p.stderr) == noted, p.stderr
    # The value-based learners: one network steps at lr, SCORER's and head-leader's players at leader_lr and
    # follower_lr (lr under scorer used to pass without a word).
    for algo, coupling, key, noted in [("dqn", "scorer", "lr", "the leader and the follower step at leader_lr and follower_lr"),
                                       ("dqn", "monolithic", "follower_lr", "the one network steps at lr"),
                                       ("pqn", "scorer", "lr", "the leader and the follower step at leader_lr and follower_lr")]:
        p = subprocess.run([str(stackelberg_bin), "train", "--algo", algo, "--coupling", coupling, "--env", "cartpole", "--steps", "100",
                            "--set", f"{key}=3e-4", "--quiet", "--out", str(tmp_path / f"{algo}-{coupling}")],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0 and f"note: {key} has no effect with --algo {algo} --coupling {coupling}; {noted}" in p.stderr, p.stderr
    # A hypergradient's options of a solver the run does not use (CG's budget under Neumann); AC's mixed term
    # under individual play and its fresh follower batches under STAC (every critic step takes the whole batch).
    for args, noted in [(["--algo", "ddpg", "--coupling", "actor-leader", "--env", "pendulum", "--set", "stackelberg.solver=neumann",
                          "--set", "stackelberg.neumann_alpha=1e-3", "--set", "stackelberg.cg_iterations=20"],
                         "note: stackelberg.cg_iterations is read by stackelberg.solver = cg or nystrom_cg; it has no effect with stackelberg.solver = neumann"),
                        (["--algo", "ac", "--coupling", "individual", "--env", "cartpole", "--set", "mixed_term=first_transition"],
                         "note: mixed_term has no effect with --algo ac --coupling individual; Prop. 1's mixed term enters only the actor's total derivative"),
                        (["--algo", "dqn", "--env", "cartpole", "--set", "diagnostics.interval=5"],
                         "note: diagnostics.interval is read only with diagnostics.enabled = true; it has no effect here"),
                        (["--algo", "ac", "--coupling", "actor-leader", "--env", "cartpole", "--set", "stackelberg.fresh_follower_batches=false"],
                         "note: stackelberg.fresh_follower_batches has no effect with --algo ac --coupling actor-leader; every critic step of AC takes the whole batch")]:
        p = subprocess.run([str(stackelberg_bin), "train", *args, "--steps", "100", "--quiet", "--out", str(tmp_path / "solver")],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0 and noted in p.stderr, p.stderr
    # The key the solver reads is not noted.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ddpg", "--coupling", "actor-leader", "--env", "pendulum", "--steps", "100",
                        "--set", "stackelberg.cg_iterations=20", "--quiet", "--out", str(tmp_path / "cg")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "cg_iterations" not in p.stderr, p.stderr
    # The attention module's sizes under another network layout.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--env", "cartpole", "--steps", "512",
                        "--set", "perception.dim=8", "--quiet", "--out", str(tmp_path / "ppo")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "note: perception.dim shapes SPRIG's attention module, which network.layout = separate does not build" in p.stderr, p.stderr


def test_a_sweep_plan_given_as_a_config_and_a_huge_count_say_what_they_are(stackelberg_bin, tmp_path):
    plan = Path(__file__).resolve().parents[2] / "configs" / "sweeps" / "stac_cartpole_small.toml"
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ac", "--env", "cartpole", "--config", str(plan), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 78 and "this is a sweep plan (it has algorithms, environments, grid), not a run's config" in p.stderr, p.stderr
    assert f"stackelberg sweep run {plan}" in p.stderr, p.stderr
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--set", "total_steps=1e16", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "total_steps must be a whole number below 9e15 in size" in p.stderr, p.stderr


def test_a_key_set_twice_takes_the_last_value_and_says_so(stackelberg_bin, tmp_path):
    """The last of two --set lr=… took effect without a word. It still does (a script overrides its own base arguments
    that way), with a note."""
    p = subprocess.run([str(stackelberg_bin), "train", "--env", "cartpole", "--steps", "100", "--quiet", "--set", "lr=1e-3", "--set", "gamma=0.9",
                        "--set", "lr = 5e-4", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "note: --set lr is given more than once (lr=1e-3, then lr = 5e-4); the last is used" in p.stderr, p.stderr
    config = (tmp_path / "cartpole" / "dqn-monolithic" / "seed0" / "config.toml").read_text()
    assert "\nlr = 0.0005\n" in config, config


def test_one_number_for_a_stack_of_widths_says_it_is_one_layer(stackelberg_bin, tmp_path):
    """network.actor_widths=128 ran as a single layer of 128 (one number is a one-element list) without a word, where
    a user may have meant the default's depth at width 128."""
    base = [str(stackelberg_bin), "train", "--algo", "ppo", "--env", "cartpole", "--dry-run", "--out", str(tmp_path)]
    p = subprocess.run(base + ["--set", "network.actor_widths=128"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "note: network.actor_widths = 128 is one hidden layer of 128; the default has 2 ([64, 64]): give [128, 128] for 2 layers of 128" in p.stderr, p.stderr
    assert "actor_widths = [128]" in p.stdout, p.stdout
    p = subprocess.run(base + ["--set", "network.actor_widths=[128]"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "one hidden layer" not in p.stderr, p.stderr


def test_adam_at_plain_descents_rates_is_noted(stackelberg_bin, tmp_path):
    """AC's optimizer does not change its rates: Adam at plain descent's 0.1 moves every weight by about 0.1 a step."""
    base = [str(stackelberg_bin), "train", "--algo", "ac", "--env", "cartpole", "--steps", "100", "--set", "optimizer=adam", "--quiet"]
    for extra, noted in [([], "optimizer = adam runs at actor_lr = 0.1 and critic_lr = 0.01, plain descent's default"),
                         (["--set", "actor_lr=3e-4"], "optimizer = adam runs at critic_lr = 0.01, plain descent's default"),
                         (["--set", "actor_lr=3e-4", "--set", "critic_lr=1e-3"], None)]:
        p = subprocess.run(base + extra + ["--out", str(tmp_path / str(len(extra)))], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        assert (noted in p.stderr) if noted else ("optimizer = adam" not in p.stderr), (extra, p.stderr)


def test_seeds_added_on_resume_start_from_the_beginning(stackelberg_bin, tmp_path):
    args = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--set", "total_steps=2000", "--quiet", "--out", str(tmp_path)]
    subprocess.run(args + ["--seeds", "0..1"], check=True, capture_output=True, timeout=120)
    p = subprocess.run(args + ["--seeds", "0..2", "--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "seed2 has no checkpoint: this seed starts from the beginning" in p.stderr
    assert "seed0: already finished" in p.stdout and (tmp_path / "cartpole" / "dqn-monolithic" / "seed2" / "summary.json").exists()
    # A resume that would resume nothing is still refused (a mistyped seed or --out).
    p = subprocess.run(args + ["--seeds", "7", "--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "has no checkpoint to resume from" in p.stderr


def test_a_finished_run_that_lost_its_summary_resumes_without_evaluating_again(stackelberg_bin, tmp_path):
    # The final checkpoint follows the final evaluation: resuming from it reads that evaluation
    # back (one eval.csv row at the last step, the same score) instead of playing another.
    args = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--seeds", "0", "--set", "total_steps=2000",
            "--set", "eval_interval=1000", "--quiet", "--out", str(tmp_path)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    run = tmp_path / "cartpole" / "dqn-monolithic" / "seed0"
    evals, summary = (run / "eval.csv").read_text(), json.loads((run / "summary.json").read_text())
    (run / "summary.json").unlink()
    p = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert (run / "eval.csv").read_text() == evals
    resumed = json.loads((run / "summary.json").read_text())
    assert resumed["final_eval_mean_return"] == summary["final_eval_mean_return"]
    # It trained no step, so it has no rate (a 0 would price sweeps as if the run had stalled).
    assert summary["train_steps_per_second"] > 0 and "train_steps_per_second" not in resumed


def test_compare_warns_about_copies_of_one_seed(stackelberg_bin, tmp_path, reference):
    import shutil
    for root in ("a", "b"):
        shutil.copytree(reference, tmp_path / root / "seed2")
    p = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "a"), str(tmp_path / "b")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Warning: seed 2 appears 2 times" in p.stdout, p.stdout
    p = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "a"), "--out", str(tmp_path / "a" / "seed2" / "config.toml")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "is a file, not a directory" in p.stderr and "## " not in p.stdout


def test_existing_run_is_not_overwritten(stackelberg_bin, tmp_path):
    args = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--set", "total_steps=2000", "--quiet", "--out", str(tmp_path)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    # A finished run cannot be continued: the message must not send the user to --resume.
    assert p.returncode != 0 and "already holds a finished run" in p.stderr and "--resume" not in p.stderr, p.stderr
    # Its config.toml given back as --config retrains it without a note per other coupling's key.
    config = tmp_path / "cartpole" / "dqn-monolithic" / "seed0" / "config.toml"
    p = subprocess.run([str(stackelberg_bin), "train", "--config", str(config), "--quiet", "--out", str(tmp_path / "again")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "note:" not in p.stderr, p.stderr


def test_logs_without_a_checkpoint_are_replaced_with_a_note(stackelberg_bin, tmp_path):
    # A run whose checkpoint is gone (stopped before its first one, or lost with a machine) cannot be
    # resumed: training again starts it over, and says that its old logs are being replaced.
    args = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--set", "total_steps=2000", "--quiet", "--out", str(tmp_path)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    run = tmp_path / "cartpole" / "dqn-monolithic" / "seed0"
    (run / "summary.json").unlink()
    (run / "checkpoint.state").unlink()
    rows = len((run / "episodes.csv").read_text().splitlines()) - 1
    assert rows > 0
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert f"holds an unfinished run's logs ({rows} episodes) but no checkpoint.state" in p.stderr, p.stderr
    assert (run / "summary.json").exists()
    # A fresh directory gets no such note.
    p = subprocess.run(args[:-1] + [str(tmp_path / "fresh")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "no checkpoint.state" not in p.stderr, p.stderr


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes (nothing when root does not exist)."""
    return {str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()} if root.exists() else {}


def test_dry_run_says_what_each_seed_would_do_and_writes_nothing(stackelberg_bin, tmp_path):
    binary = str(stackelberg_bin)
    args = [binary, "train", "--algo", "dqn", "--env", "cartpole", "--set", "total_steps=2000", "--quiet", "--out", str(tmp_path / "runs")]
    base = tmp_path / "runs" / "cartpole" / "dqn-monolithic"
    # Before any run: every seed starts, and not even --out is created.
    p = subprocess.run(args + ["--seeds", "0..1", "--dry-run"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert f"# seed 0: {base}/seed0 starts" in p.stdout and f"# seed 1: {base}/seed1 starts" in p.stdout, p.stdout
    assert not (tmp_path / "runs").exists()
    # Its output is a config: given back, it trains with the same settings (a dry run of it prints the same body).
    (tmp_path / "resolved.toml").write_text(p.stdout)
    q = subprocess.run([binary, "train", "--config", str(tmp_path / "resolved.toml"), "--seeds", "0..1", "--quiet",
                        "--out", str(tmp_path / "runs"), "--dry-run"], capture_output=True, text=True, timeout=120)
    body = lambda text: [l for l in text.splitlines() if not l.startswith("#")]
    assert q.returncode == 0 and "note:" not in q.stderr and body(q.stdout) == body(p.stdout), q.stderr
    # A budget below one rollout is refused as train refuses it (EX_CONFIG), before anything.
    p = subprocess.run([binary, "train", "--algo", "ppo", "--env", "cartpole", "--steps", "100", "--out", str(tmp_path / "runs"), "--dry-run"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 78 and "less than one rollout" in p.stderr and p.stdout == "", p.stderr
    # Seed 0 finished, seed 1 checkpointed, seed 2 stopped before its first checkpoint (logs only).
    subprocess.run(args + ["--seeds", "0..2"], check=True, capture_output=True, timeout=120)
    (base / "seed1" / "summary.json").unlink()
    (base / "seed2" / "summary.json").unlink()
    (base / "seed2" / "checkpoint.state").unlink()
    rows = len((base / "seed2" / "episodes.csv").read_text().splitlines()) - 1
    before = tree(tmp_path / "runs")
    p = subprocess.run(args + ["--seeds", "0..3", "--resume", "--dry-run"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert f"# seed 0: {base}/seed0 has finished; train leaves it as it is" in p.stdout, p.stdout
    assert f"# seed 1: {base}/seed1 resumes from its checkpoint" in p.stdout, p.stdout
    # Seeds without a checkpoint start from the beginning under --resume, as train says.
    assert f"# seed 2: {base}/seed2 starts over: it holds an unfinished run's logs ({rows} episodes)" in p.stdout, p.stdout
    assert f"# seed 3: {base}/seed3 starts" in p.stdout and f"{base}/seed3 has no checkpoint: this seed starts" in p.stderr, p.stderr
    # A --resume that resumes nothing is refused, as train refuses it (a mistyped seed or --out).
    p = subprocess.run(args + ["--seeds", "7", "--resume", "--dry-run"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and f"--resume: {base}/seed7 has no checkpoint to resume from" in p.stderr, p.stderr
    assert f"# seed 7: {base}/seed7 is refused (the error above)" in p.stdout, p.stdout
    p = subprocess.run(args + ["--seeds", "0..2", "--dry-run"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert f"{base}/seed0 already holds a finished run" in p.stderr and f"{base}/seed1 already holds a run" in p.stderr, p.stderr
    assert f"# seed 0: {base}/seed0 is refused (the error above)" in p.stdout, p.stdout
    assert f"# seed 2: {base}/seed2 starts over" in p.stdout, p.stdout
    # --resume with another budget is refused as train refuses it.
    p = subprocess.run(args + ["--seeds", "1", "--resume", "--dry-run", "--set", "total_steps=3000"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "total_steps: saved 2000, now 3000" in p.stderr, p.stderr
    # Said per seed like the run's own checks, under the header: seed 2 (logs only) would still start over.
    p = subprocess.run(args + ["--seeds", "1..2", "--resume", "--dry-run", "--set", "total_steps=3000"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and f"# seed 1: {base}/seed1 is refused (the error above)" in p.stdout, p.stdout
    assert f"# seed 2: {base}/seed2 starts over" in p.stdout, p.stdout
    assert tree(tmp_path / "runs") == before
    # What it said is what train does: seed 1 resumes to the end, seed 3 starts.
    p = subprocess.run(args + ["--seeds", "1,3", "--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "seed3 has no checkpoint: this seed starts from the beginning" in p.stderr, p.stderr
    assert (base / "seed1" / "summary.json").exists() and (base / "seed3" / "summary.json").exists()


@pytest.mark.parametrize("args, said", [
    (["--algo", "ppo", "--coupling", "sprig", "--env", "cartpole"], "the sprig coupling needs image observations"),
    (["--algo", "ppo", "--env", "cartpole", "--set", "network.layout=attention"], "network.layout = attention needs [height, width, channels] observations"),
    (["--algo", "dqn", "--env", "cartpole", "--set", "network.encoder=conv"], "network.encoder = conv needs [height, width, channels] observations"),
    (["--algo", "ac", "--env", "cartpole", "--set", "critic=linear_action"], "critic = linear_action needs box actions"),
    (["--algo", "dqn", "--env", "cartpole", "--set", "diagnostics.enabled=true", "--set", "diagnostics.leader=critic"], "diagnostics.leader = critic, but this model's parts are"),
])
def test_dry_run_refuses_what_train_refuses_as_it_builds_the_agent(stackelberg_bin, tmp_path, args, said):
    """Refusals the agent makes as it is built (its observations, its action space, its parts) passed the dry run
    (exit 0, "starts"), and train then refused them (78)."""
    common = ["--steps", "4096", "--quiet", "--out", str(tmp_path / "runs")]
    dry = subprocess.run([str(stackelberg_bin), "train", *args, *common, "--dry-run"], capture_output=True, text=True, timeout=120)
    real = subprocess.run([str(stackelberg_bin), "train", *args, *common], capture_output=True, text=True, timeout=120)
    assert dry.returncode == real.returncode == 78, (dry.returncode, dry.stderr, real.returncode, real.stderr)
    assert said in dry.stderr and said in real.stderr, (dry.stderr, real.stderr)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("key, value", [("perception.features", "1e9"), ("perception.dim", "100000")])
def test_attention_module_sizes_that_cannot_fit_are_refused_before_anything_is_built(stackelberg_bin, tmp_path, key, value):
    """perception.* sizes passed the memory check (it counted dense widths only) and --dry-run; train then
    trapped allocating 128 GB ("Fatal error: failed to allocate"), exit 134. Run under a 4 GB address limit so
    that a regression traps instead of taking the machine's memory."""
    cmd = [str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--steps", "8192",
           "--quiet", "--out", str(tmp_path / "runs"), "--set", f"{key}={value}"]
    for extra in (["--dry-run"], []):
        p = subprocess.run(["bash", "-c", 'ulimit -v 4000000; exec "$@"', "_", *cmd, *extra], capture_output=True, text=True, timeout=120)
        assert p.returncode == 78 and f"setting {key} must be widths whose weights fit in memory" in p.stderr, (extra, p.returncode, p.stderr[-2000:])
    assert not (tmp_path / "runs").exists()


def test_the_memory_check_counts_the_seeds_trained_at_once(stackelberg_bin, tmp_path):
    """Each seed trained at once (--jobs) holds its own networks: four seeds of 14.5 GB each passed the check on a
    25 GB machine. One at a time they fit, and the dry run, which builds the agent at small widths, says so
    at once (it initialized the two 30,000-wide layers, minutes, before)."""
    if os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") < 16e9 or os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") > 56e9:
        pytest.skip("sized for a machine of 16 to 56 GB")
    cmd = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--set", "network.encoder_widths=[30000,30000]",
           "--seeds", "0..3", "--dry-run", "--out", str(tmp_path / "runs")]
    p = subprocess.run(cmd + ["--jobs", "4"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 78 and "the 4 seeds trained at once share this machine's" in p.stderr and "with --jobs" in p.stderr, p.stderr
    p = subprocess.run(cmd + ["--jobs", "1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def test_a_seed_directory_renamed_is_not_resumed_as_the_other_seed(stackelberg_bin, tmp_path):
    """seed0 copied to seed1 and resumed with --seeds 1 continued seed 0's run under seed 1's name: its
    episodes were seed 0's, and compare would have pooled it as an independent seed."""
    binary = str(stackelberg_bin)
    args = [binary, "train", "--algo", "dqn", "--env", "cartpole", "--set", "total_steps=3000", "--set", "checkpoint_interval=1000",
            "--set", "tensorboard=false", "--quiet", "--out", str(tmp_path / "runs")]
    subprocess.run(args + ["--seeds", "0"], check=True, capture_output=True, timeout=120)
    base = tmp_path / "runs" / "cartpole" / "dqn-monolithic"
    (base / "seed0" / "summary.json").unlink()
    (base / "seed0").rename(base / "seed1")
    for extra in (["--dry-run"], []):
        p = subprocess.run(args + ["--seeds", "1", "--resume", *extra], capture_output=True, text=True, timeout=120)
        assert p.returncode == 1, (extra, p.returncode, p.stderr)
        assert "is seed 0's checkpoint, but the command resumes it as seed 1" in p.stderr and "move it back to seed0" in p.stderr, p.stderr
    assert not (base / "seed1" / "summary.json").exists()
    (base / "seed1").rename(base / "seed0")
    p = subprocess.run(args + ["--seeds", "0", "--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and (base / "seed0" / "summary.json").exists(), p.stderr


def test_dry_run_refuses_the_directories_train_would_refuse(stackelberg_bin, tmp_path):
    """A damaged or disagreeing checkpoint, a file or a dangling link in the way, and a run another process
    trains all passed the dry run (exit 0, "starts" or "resumes"), and train then refused them."""
    binary = str(stackelberg_bin)
    args = [binary, "train", "--algo", "dqn", "--env", "cartpole", "--set", "total_steps=3000", "--set", "checkpoint_interval=1000",
            "--set", "tensorboard=false", "--quiet", "--out", str(tmp_path / "runs")]
    base = tmp_path / "runs" / "cartpole" / "dqn-monolithic"
    subprocess.run(args + ["--seeds", "0"], check=True, capture_output=True, timeout=120)
    run = base / "seed0"
    (run / "summary.json").unlink()
    good = (run / "checkpoint.state").read_bytes()

    def dry(*extra):
        return subprocess.run(args + ["--dry-run", *extra], capture_output=True, text=True, timeout=120)
    p = dry("--seeds", "0", "--resume")
    assert p.returncode == 0 and f"# seed 0: {run} resumes from its checkpoint" in p.stdout, p.stderr
    (run / "checkpoint.state").write_bytes(good[:1000])
    p = dry("--seeds", "0", "--resume")
    assert p.returncode == 1 and "checksum mismatch" in p.stderr and f"# seed 0: {run} is refused" in p.stdout, p.stderr
    (run / "checkpoint.state").write_bytes(good)
    config = (run / "config.toml").read_text()
    (run / "config.toml").write_text(config.replace("checkpoint_interval = 1000", "checkpoint_interval = 500"))
    p = dry("--seeds", "0", "--resume", "--set", "checkpoint_interval=500")
    assert p.returncode == 1 and "differs from the settings its checkpoint was trained with" in p.stderr, p.stderr
    # An emptied config.toml is said as such, not as every setting changed.
    (run / "config.toml").write_text("")
    p = dry("--seeds", "0", "--resume")
    assert p.returncode == 1 and f"{run}/config.toml holds no settings" in p.stderr and "adam_epsilon" not in p.stderr, p.stderr
    # One that does not read is a damaged run directory (1), not a refused setting (78), and says why.
    (run / "config.toml").unlink()
    (run / "config.toml").mkdir()
    p = dry("--seeds", "0", "--resume")
    assert p.returncode == 1 and f"cannot read the config file {run}/config.toml (it is a directory)" in p.stderr, p.stderr
    (run / "config.toml").rmdir()
    (run / "config.toml").write_text("garbage [[[\n")
    p = dry("--seeds", "0", "--resume")
    assert p.returncode == 1 and "--resume: " in p.stderr and "restore it" in p.stderr, p.stderr
    (run / "config.toml").write_text(config)
    # A file, and a link to nothing, where a seed's directory goes: refused by both, before any seed trains.
    (base / "seed1").write_text("x")
    (base / "seed2").symlink_to(tmp_path / "nowhere")
    p = dry("--seeds", "1..2")
    assert p.returncode == 1 and f"{base}/seed1 is a file, not a directory, where the run's directory goes" in p.stderr, p.stderr
    assert f"{base}/seed2 is a link to nothing ({tmp_path}/nowhere does not exist)" in p.stderr, p.stderr
    p = subprocess.run(args + ["--seeds", "1..3"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and f"{base}/seed1 is a file" in p.stderr and not (base / "seed3").exists(), p.stderr
    # Every refused seed is said, as the dry run says them, not only the first.
    assert f"{base}/seed2 is a link to nothing" in p.stderr, p.stderr
    # A file above every seed's directory refuses each seed alike: one error line, as train says it.
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "cartpole").write_text("x")
    p = subprocess.run(args[:-1] + [str(tmp_path / "flat"), "--seeds", "0..2", "--dry-run"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stderr.count("error:") == 1 and p.stdout.count("is refused") == 3, (p.stdout, p.stderr)
    # A run another process trains: said as train says it, whether or not it has a checkpoint yet.
    other = subprocess.Popen([binary, "train", "--algo", "ppo", "--env", "cartpole", "--steps", "1e6", "--set", "tensorboard=false",
                              "--quiet", "--out", str(tmp_path / "busy")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # config.toml is written once the process holds run.lock.
        config = tmp_path / "busy" / "cartpole" / "ppo-monolithic" / "seed0" / "config.toml"
        deadline = time.time() + 60
        while not config.exists() and time.time() < deadline:
            time.sleep(0.1)
        busy = [binary, "train", "--algo", "ppo", "--env", "cartpole", "--steps", "1e6", "--set", "tensorboard=false",
                "--quiet", "--out", str(tmp_path / "busy"), "--dry-run"]
        for extra in ([], ["--resume"]):
            p = subprocess.run(busy + extra, capture_output=True, text=True, timeout=120)
            assert p.returncode == 1 and "is being trained by another process (it holds run.lock)" in p.stderr, (extra, p.stderr)
    finally:
        other.kill()
        other.wait()


def test_a_config_or_plan_file_that_is_not_there_is_a_usage_error(stackelberg_bin, tmp_path):
    """A missing --config (or a directory given as one) exited 78, as if its settings had been refused."""
    for path, said in [(tmp_path / "missing.toml", "does not exist: check the path"), (tmp_path, "is a directory: give a TOML file")]:
        p = subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--config", str(path), "--dry-run"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 64 and f"--config {path} {said}" in p.stderr, (p.returncode, p.stderr)
        p = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(path)], capture_output=True, text=True, timeout=60)
        assert p.returncode == 64 and f"the plan {path} {said}" in p.stderr, (p.returncode, p.stderr)


def test_a_config_or_plan_from_a_pipe_is_read_and_an_endless_one_is_refused(stackelberg_bin, tmp_path):
    """`--config <(…)`, `--config /dev/stdin` and a plan piped in were refused as "cannot read" (Foundation's
    contents(atPath:) reads only regular files); /dev/zero must be refused, not read until memory runs out."""
    config = 'algo = "ppo"\nenv = "cartpole"\nlr = 0.0007\n'
    p = subprocess.run([str(stackelberg_bin), "train", "--config", "/dev/stdin", "--steps", "2048", "--dry-run", "--out", str(tmp_path)],
                       input=config, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "\nlr = 0.0007\n" in p.stdout, (p.returncode, p.stderr)
    plan = 'algorithms = ["ppo"]\nenvironments = ["cartpole"]\nseeds = "0..1"\nsteps = 4096\n'
    p = subprocess.run([str(stackelberg_bin), "sweep", "plan", "/dev/stdin"], input=plan, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "2 runs" in p.stdout, (p.returncode, p.stdout, p.stderr)
    # Its default output root comes from the pipe's path: said, since another pipe names another root.
    assert "note: /dev/stdin is not a regular file (a pipe or device), so the plan's default name and output root (runs/sweeps/stdin)" in p.stderr, p.stderr
    p = subprocess.run([str(stackelberg_bin), "sweep", "plan", "/dev/stdin"], input='name = "mine"\n' + plan, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "note:" not in p.stderr, p.stderr
    p = subprocess.run(["bash", "-c", f"'{stackelberg_bin}' train --config <(printf '{config}') --steps 2048 --dry-run --out '{tmp_path}'"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "\nlr = 0.0007\n" in p.stdout, (p.returncode, p.stderr)
    for command in (["train", "--config", "/dev/zero", "--dry-run"], ["sweep", "plan", "/dev/zero"]):
        p = subprocess.run([str(stackelberg_bin), *command], capture_output=True, text=True, timeout=60)
        assert p.returncode == 78 and "/dev/zero: it holds more than 64 MiB" in p.stderr, (command, p.returncode, p.stderr)


def test_a_total_that_is_not_a_whole_number_of_rollouts_finishes_with_its_progress_line(stackelberg_bin, tmp_path):
    # Without --quiet: the progress bar once trapped ("Negative count not allowed") when a run trained
    # past its total (1,100 steps in rollouts of 512 train 1,536).
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--env", "cartpole", "--steps", "1100",
                        "--set", "tensorboard=false", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "final greedy evaluation" in p.stdout and "1536/1536 steps" in p.stderr, p.stderr


def test_algo_list_names_every_algorithm_with_its_couplings_and_defaults(stackelberg_bin):
    p = subprocess.run([str(stackelberg_bin), "algo", "list", "--json"], capture_output=True, text=True, timeout=60, check=True)
    listing = json.loads(p.stdout)
    algos = {a["name"]: a for a in listing["algorithms"]}
    assert set(algos) >= {"dqn", "ddqn", "dueling", "dueling_ddqn", "pqn"}
    assert algos["dqn"]["couplings"] == ["monolithic", "scorer", "head-leader"]
    assert algos["pqn"]["action_spaces"] == ["discrete"]
    settings = {s["key"]: s for s in algos["dqn"]["settings"]}
    assert settings["batch_size"]["defaults"] == {"classic": 128, "minatar": 64, "atari": 64}
    assert settings["gamma"]["help"]
    couplings = {c["name"]: c for c in listing["couplings"]}
    assert couplings["scorer"]["needs_td_error_model"] is True
    keys = {s["key"]: s["default"] for s in couplings["actor-leader"]["settings"]}
    assert keys["stackelberg.solver"] == "cg" and keys["stackelberg.cg_iterations"] == 10 and keys["stackelberg.unroll"] == 1
    blpo = {s["key"]: s["default"] for s in couplings["blpo"]["settings"]}
    assert blpo["blpo.solver"] == "nystrom" and blpo["blpo.nystrom_rank"] == 5 and blpo["nested.follower_steps"] == 1
    assert [s["key"] for s in couplings["nested"]["settings"]] == ["nested.follower_steps"]
    assert algos["ppo"]["couplings"] == ["monolithic", "nested", "blpo", "sprig"] and couplings["blpo"]["taken_by"] == ["ppo"]
    sprig = {s["key"]: s["default"] for s in couplings["sprig"]["settings"]}
    assert couplings["sprig"]["taken_by"] == ["ppo"]
    assert sprig["sprig.cooperation"] == 0.7 and sprig["sprig.cost_weight"] == 0.0001 and sprig["sprig.attention_cost"] == "gate_l1"
    text = subprocess.run([str(stackelberg_bin), "algo", "list"], capture_output=True, text=True, timeout=60, check=True).stdout
    assert "batch_size = 128 / 64 / 64" in text and "couplings: monolithic, scorer, head-leader" in text
    # Acrobot's longer default is a number, as every other default in the listing.
    assert algos["dqn"]["environment_defaults"]["total_steps"]["acrobot"] == 150000
    # train refuses sprig without image observations: the listing says so rather than giving it defaults there.
    assert "under sprig on classic: not available (sprig runs on minatar, atari)" in text and "under sprig on mujoco: not available" in text
    assert "under sprig on minatar: network.layout" in text


def test_out_that_is_a_file_is_refused_by_name(stackelberg_bin, tmp_path):
    target = tmp_path / "afile"
    target.write_text("not a directory")
    p = subprocess.run([str(stackelberg_bin), "train", "--env", "cartpole", "--steps", "1000", "--out", str(target)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert f"--out '{target}' is a file, not a directory: give a directory (it is created if missing) or move the file away" in p.stderr, p.stderr
    assert target.read_text() == "not a directory"


def test_out_that_cannot_be_created_says_why_before_training(stackelberg_bin, tmp_path):
    """A dangling link and a place where mkdir fails (/proc) were refused only when the run directory was made, as
    "a file of that name exists" or a bare errno, with exit 1; they are output errors (3) naming the cause, and the
    check leaves nothing behind where it succeeds."""
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "missing")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for out, said in [(link, "is a symbolic link to a missing target (or a loop of links)"),
                      (loop, "is a symbolic link to a missing target (or a loop of links)"),
                      (Path("/proc/stackelberg-out"), "cannot create the directory '/proc/stackelberg-out'")]:
        p = subprocess.run([str(stackelberg_bin), "train", "--env", "cartpole", "--steps", "100", "--quiet", "--out", str(out)],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 3 and said in p.stderr, (out, p.stderr)
    assert not (tmp_path / "missing").exists()


def test_resume_under_other_gemm_kernels_says_so_and_is_recorded(stackelberg_bin, tmp_path):
    """A run records its GEMM kernels; resumed under others it continues, says its bits will differ
    from an uninterrupted run's (and how to get the original kernels), and config.toml names the
    resume's build. STACKELBERG_GEMM=libxsmm works on any x86-64 CPU (libxsmm writes AVX2 code where
    there is no AVX-512)."""
    args = [str(stackelberg_bin), *ARGS, "--out", str(tmp_path), "--set", "total_steps=12000"]
    env = lambda gemm: {**os.environ, "STACKELBERG_GEMM": gemm}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env("openblas"))
    checkpoint = run_dir(tmp_path) / "checkpoint.state"
    deadline = time.time() + 300
    while not checkpoint.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted; make it longer"
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=300)
    config = run_dir(tmp_path) / "config.toml"
    assert "# gemm = openblas" in config.read_text()
    done = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=600, env=env("libxsmm"))
    assert done.returncode == 0, done.stderr
    assert 'checkpointed with GEMM kernels "openblas' in done.stderr and "resumes with \"libxsmm" in done.stderr, done.stderr
    assert "STACKELBERG_GEMM=openblas" in done.stderr, done.stderr
    resumed = [l for l in config.read_text().splitlines() if l.startswith("# resumed = ")]
    assert len(resumed) == 1 and "commit = " in resumed[0] and "gemm = libxsmm" in resumed[0], resumed
    summary = json.loads((run_dir(tmp_path) / "summary.json").read_text())
    assert summary["gemm"].startswith("libxsmm ") and summary["gemm_changed_on_resume"] is True, summary


def test_an_unknown_gemm_backend_is_refused(stackelberg_bin, tmp_path):
    done = subprocess.run([str(stackelberg_bin), *ARGS, "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "STACKELBERG_GEMM": "mkl"})
    assert done.returncode == 78
    assert "STACKELBERG_GEMM=mkl is not a GEMM backend: use auto (the default), openblas, libxsmm or mixed" in done.stderr, done.stderr
    assert not (tmp_path / "cartpole").exists()
    threads = subprocess.run([str(stackelberg_bin), *ARGS, "--out", str(tmp_path)], capture_output=True, text=True,
                             timeout=60, env={**os.environ, "STACKELBERG_BLAS_THREADS": "0"})
    assert threads.returncode == 78 and "STACKELBERG_BLAS_THREADS=0 is not valid" in threads.stderr, threads.stderr
    # Commands that multiply no matrices, and help, do not care.
    for args in (["game", "list"], ["train", "--help"]):
        ok = subprocess.run([str(stackelberg_bin), *args], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "STACKELBERG_GEMM": "mkl"})
        assert ok.returncode == 0, (args, ok.stderr)


def test_openblas_threads_are_part_of_the_recorded_kernels(stackelberg_bin, tmp_path):
    env = {**os.environ, "STACKELBERG_GEMM": "openblas", "STACKELBERG_BLAS_THREADS": "2"}
    subprocess.run([str(stackelberg_bin), *ARGS, "--out", str(tmp_path), "--set", "total_steps=2000"], check=True,
                   capture_output=True, timeout=600, env=env)
    gemm = json.loads((run_dir(tmp_path) / "summary.json").read_text())["gemm"]
    assert gemm.startswith("openblas ") and gemm.endswith(", 2 threads"), gemm


SPRIG_TINY = ["train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--set", "num_envs=4",
              "--set", "rollout_length=16", "--set", "perception.dim=8", "--set", "perception.features=16",
              "--set", "total_steps=256", "--quiet"]


def test_resume_refuses_other_settings_and_reads_keys_added_later_as_the_run_had_them(stackelberg_bin, tmp_path):
    """--resume compares the settings with the run's config.toml. A key added to the toolkit after the run
    started is absent there and reads as what the run did: for SPRIG's leader term, whose default changed
    when the key came, that is the paper's log_prob, so resuming such a run at the new default is refused
    and resuming it with log_prob is not."""
    binary = str(stackelberg_bin)
    subprocess.run([binary, *SPRIG_TINY, "--out", str(tmp_path)], check=True, capture_output=True, timeout=120)
    p = subprocess.run([binary, *SPRIG_TINY, "--set", "sprig.cooperation=0.5", "--out", str(tmp_path), "--resume"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "sprig.cooperation: saved 0.7, now 0.5" in p.stderr, p.stderr
    assert "resume with the original settings: --set sprig.cooperation=0.7" in p.stderr, p.stderr
    config = next(tmp_path.rglob("config.toml"))
    text = config.read_text()
    assert 'leader_policy_term = "clipped_surrogate"\n' in text
    config.write_text(text.replace('leader_policy_term = "clipped_surrogate"\n', ""))   # a run from before the key
    # ...whose checkpoint recorded its settings without the key too (else the two disagree, and are refused as such).
    strip_key_from_checkpoint(config.parent / "checkpoint.state", 'leader_policy_term = "clipped_surrogate"\n')
    p = subprocess.run([binary, *SPRIG_TINY, "--out", str(tmp_path), "--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode != 0, p.stderr
    assert ('sprig.leader_policy_term: absent from the file (added to the toolkit later), so the run had "log_prob", '
            'now "clipped_surrogate"') in p.stderr, p.stderr
    assert p.stderr.rstrip().endswith("--set sprig.leader_policy_term=log_prob"), p.stderr
    p = subprocess.run([binary, *SPRIG_TINY, "--set", "sprig.leader_policy_term=log_prob", "--out", str(tmp_path), "--resume"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr


def strip_key_from_checkpoint(path: Path, line: str) -> None:
    """The checkpoint's record of the run's settings without `line`, as a run from before a key was added has it."""
    from state_file import decode, encode
    entries = decode(path.read_bytes())
    assert line in entries["run.settings"], entries["run.settings"]
    entries["run.settings"] = entries["run.settings"].replace(line, "")
    path.write_bytes(encode(entries))


def test_resume_reads_another_couplings_key_added_later_at_its_default(stackelberg_bin, tmp_path):
    """A PPO baseline's config lists every coupling's options, sprig.* among them, though it reads none. A baseline
    written before sprig.leader_policy_term existed resumes at today's settings: the key's earlier value applies
    only to SPRIG runs (it refused such a run once, the PPO-attention baseline of the SPRIG grid)."""
    binary = str(stackelberg_bin)
    baseline = [a if a != "sprig" else "monolithic" for a in SPRIG_TINY] + ["--set", "network.layout=attention",
                                                                           "--set", "env_frame_stack=2"]
    subprocess.run([binary, *baseline, "--out", str(tmp_path)], check=True, capture_output=True, timeout=120)
    config = next(tmp_path.rglob("config.toml"))
    text = config.read_text()
    assert 'leader_policy_term = "clipped_surrogate"\n' in text
    config.write_text(text.replace('leader_policy_term = "clipped_surrogate"\n', ""))   # a run from before the key
    strip_key_from_checkpoint(config.parent / "checkpoint.state", 'leader_policy_term = "clipped_surrogate"\n')
    p = subprocess.run([binary, *baseline, "--out", str(tmp_path), "--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr


def test_a_warning_from_inside_an_update_names_its_seed(stackelberg_bin, tmp_path):
    # Seeds train concurrently, so a warning said during an update carries its run's directory.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "sac", "--coupling", "actor-leader", "--env", "pendulum",
                        "--seeds", "0..1", "--steps", "1050", "--set", "update_after=1000", "--set", "stackelberg.solver=nystrom",
                        "--quiet", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    warnings = sorted(line for line in p.stderr.splitlines() if "nystrom_rho" in line)
    assert len(warnings) == 2, p.stderr
    for seed, line in enumerate(warnings):
        assert line.startswith(f"warning: {tmp_path}/pendulum/sac-actor-leader/seed{seed}: λ = "), line


@pytest.mark.parametrize("args", [["bench", "cartpole", "--batch", "100000000000", "--steps", "1"],
                                  ["episodes", "minatar/breakout", "--episodes", "10000000000", "--batch", "10000000000"]])
def test_env_commands_refuse_a_batch_beyond_memory_before_allocating(stackelberg_bin, args):
    # These used to abort in the allocator ("failed to allocate 1600000000000 bytes", a backtrace).
    p = subprocess.run([str(stackelberg_bin), "env", *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert p.stderr.startswith("error: --batch ") and "give a smaller --batch" in p.stderr and "Fatal" not in p.stderr, p.stderr


def test_a_summary_that_does_not_read_as_json_is_rewritten_by_resume(stackelberg_bin, tmp_path):
    # A cut-short summary.json counted as finished, so --resume (and `sweep run`) skipped the run forever.
    args = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--seeds", "0", "--set", "total_steps=2000",
            "--quiet", "--out", str(tmp_path)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    summary = tmp_path / "cartpole" / "dqn-monolithic" / "seed0" / "summary.json"
    score = json.loads(summary.read_text())["final_eval_mean_return"]
    summary.write_text("{not json")
    p = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "already finished" not in p.stdout, (p.stdout, p.stderr)
    assert json.loads(summary.read_text())["final_eval_mean_return"] == score


@pytest.mark.parametrize("args, message", [
    (["--steps", "100000000"], "--steps must be between 1 and 100,000 greedy steps, got 100000000"),
    (["--steps", "0"], "--steps must be between 1 and 100,000"),
    (["--captures", "5000", "--steps", "10000"], "--captures must be between 1 and 200"),
    (["--captures", "9", "--steps", "4"], "--captures must be between 1 and 4"),
])
def test_attention_refuses_unbounded_plays_before_reading_the_run(stackelberg_bin, tmp_path, args, message):
    # `attention --steps 1e8` used to play (and hold the run) for hours; bounds are usage errors.
    p = subprocess.run([str(stackelberg_bin), "attention", str(tmp_path / "no_run"), *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert p.stderr.startswith("error: " + message), p.stderr
    assert not (tmp_path / "no_run").exists()


@pytest.fixture(scope="module")
def dqn_cartpole_runs(stackelberg_bin, tmp_path_factory):
    """Two finished DQN seeds on CartPole (2,000 steps), trained once; tests work on copies."""
    out = tmp_path_factory.mktemp("dqn_cartpole") / "runs"
    subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--seeds", "0..1", "--steps", "2000", "--quiet",
                    "--out", str(out)], check=True, capture_output=True, timeout=300)
    return out


def compare_on(stackelberg_bin, root):
    """`stackelberg compare ROOT ARGS…`, captured."""
    return lambda *args: subprocess.run([str(stackelberg_bin), "compare", str(root), *args], capture_output=True, text=True, timeout=120)


def test_compare_refuses_damaged_logs_and_meaningless_options(stackelberg_bin, tmp_path, dqn_cartpole_runs):
    # A malformed episode row was dropped without a word (the score moved), --points 1e9 was killed
    # for memory, --threshold nan printed "never", and a directory in the way of comparison.md
    # printed a Foundation error with exit 1.
    shutil.copytree(dqn_cartpole_runs, tmp_path / "runs")
    compare = compare_on(stackelberg_bin, tmp_path / "runs")
    ok = compare("--threshold", "20")
    assert ok.returncode == 0 and "Runs: 2 seeds of cartpole, trained at commit" in ok.stdout, ok.stderr
    assert "full windows only" in ok.stdout
    for args, said in [(["--points", "1000000000"], "--points must be between 2 and 10,000"),
                       (["--points", "-5"], "--points must be between 2 and 10,000"),
                       (["--threshold", "nan"], "--threshold must be a finite return")]:
        p = compare(*args)
        assert p.returncode == 64 and said in p.stderr, (args, p.returncode, p.stderr)
    (tmp_path / "cmp" / "comparison.md").mkdir(parents=True)
    p = compare("--out", str(tmp_path / "cmp"))
    assert p.returncode == 3 and "a directory of that name is in the way" in p.stderr and "NSCocoa" not in p.stderr, p.stderr
    episodes = next((tmp_path / "runs").rglob("seed0/episodes.csv"))
    episodes.write_text(episodes.read_text() + "2000,5,xyz\n")
    p = compare()
    assert p.returncode == 1 and "episodes.csv line" in p.stderr and "does not read as a log row" in p.stderr, p.stderr


def test_compare_at_scores_each_run_on_its_first_steps(stackelberg_bin, tmp_path, dqn_cartpole_runs):
    # --at N: every run's logs cut where a run of total_steps = N stops; at the runs' own total the
    # table is compare's own, and refusals are usage errors (64) or, for a step no run has reached, 1.
    binary = str(stackelberg_bin)
    compare = compare_on(stackelberg_bin, dqn_cartpole_runs)
    def rows(text):
        # The IQM table's rows, and the per-seed rows without the step of each greedy evaluation (--at names it).
        return [re.sub(r" at \d+\)", ")", line) for line in text.splitlines() if line.startswith("| dqn")]
    whole, at_total = compare(), compare("--at", "2000")
    assert whole.returncode == 0 and at_total.returncode == 0, (whole.stderr, at_total.stderr)
    assert rows(whole.stdout) and rows(at_total.stdout) == rows(whole.stdout), (whole.stdout, at_total.stdout)
    assert re.search(r"\| 0: [\d.]+ \([\d.]+ at 2000\), 1: ", at_total.stdout), at_total.stdout
    half = compare("--at", "1e3")
    assert half.returncode == 0 and "Each run's first 1000 environment steps (--at)" in half.stdout, half.stdout
    assert re.search(r"^\| dqn-\S+ \| 2 \| 1\d\d\d \|", half.stdout, re.M), half.stdout
    assert rows(half.stdout) != rows(whole.stdout)
    for args, code, said in [(["--at", "0"], 64, "--at must be a positive number of environment steps"),
                             (["--at", "1.5"], 64, "1.5 is not a whole number"),
                             (["--at", "1000", "--include-unfinished"], 64, "does not combine with it"),
                             (["--at", "1e9"], 1, "has trained through the batch that reaches step 1000000000 (the furthest has trained 2000): give a smaller --at"),
                             (["--at", "1"], 1, "has a training episode that ended by step 1 (--at): give a larger --at")]:
        p = compare(*args)
        assert p.returncode == code and said in p.stderr, (args, p.returncode, p.stderr)
    # Over several environments, one whose runs are all short of --at is left out of the table, and the
    # report says so (comparison.md used to drop it without a word; only the terminal had a note).
    subprocess.run([binary, "train", "--algo", "dqn", "--env", "minatar/breakout", "--seeds", "0", "--steps", "500", "--quiet",
                    "--out", str(tmp_path / "short")], check=True, capture_output=True, timeout=300)
    p = subprocess.run([binary, "compare", str(dqn_cartpole_runs), str(tmp_path / "short"), "--at", "1000", "--out", str(tmp_path / "cmp")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "note: minatar/breakout: no run under" in p.stderr, (p.returncode, p.stderr)
    report = (tmp_path / "cmp" / "comparison.md").read_text()
    assert "Not in the table: minatar/breakout, no run under" in report and "(the furthest has trained " in report and "give a smaller --at" in report, report
    assert "## cartpole" in report and "## minatar/breakout" not in report, report


def test_compare_takes_a_threshold_per_environment(stackelberg_bin, tmp_path):
    # Returns are on each environment's scale, but --threshold was one value for every environment of a
    # sweep's table, and a second --threshold silently replaced the first.
    binary = str(stackelberg_bin)
    for env in ["cartpole", "minatar/breakout"]:
        subprocess.run([binary, "train", "--algo", "dqn", "--env", env, "--seeds", "0", "--steps", "1500", "--quiet",
                        "--out", str(tmp_path / "runs")], check=True, capture_output=True, timeout=300)
    def compare(*args):
        return subprocess.run([binary, "compare", str(tmp_path / "runs"), *args], capture_output=True, text=True, timeout=120)
    p = compare("--threshold", "cartpole=10", "--threshold", "-600", "--out", str(tmp_path / "cmp"))
    assert p.returncode == 0, p.stderr
    sections = {s.split("\n", 1)[0]: s for s in p.stdout.split("\n## ")[1:]}
    assert "steps to 10 (IQM" in sections["cartpole"] and "steps to -600" not in sections["cartpole"], p.stdout
    assert "steps to -600 (IQM" in sections["minatar/breakout"], p.stdout
    # Each environment's curves draw its own threshold.
    assert "title 'threshold 10.00'" in (tmp_path / "cmp" / "curves_cartpole.gp").read_text()
    # The key below the plot, not over the curves, and the x axis ending with the data (it ran to the next tic).
    curves = (tmp_path / "cmp" / "curves_cartpole.gp").read_text()
    assert "set key below left Left reverse maxcols 1" in curves and "set xrange [0:1500]" in curves, curves
    assert "title 'threshold -600.00'" in (tmp_path / "cmp" / "curves_minatar_breakout.gp").read_text()
    p = compare("--threshold", "cartpole=10")
    assert p.returncode == 0 and "steps to" not in p.stdout.split("## minatar/breakout")[1], p.stdout
    for args, said in [(["--threshold", "cartpol=10"], "--threshold names cartpol, which no compared run trained on; the runs' environments are "),
                       (["--threshold", "3", "--threshold", "4"], "--threshold is given two bare values (3 and 4)"),
                       (["--threshold", "cartpole=1", "--threshold", "cartpole=2"], "--threshold names cartpole twice"),
                       (["--threshold", "=4"], "no environment before \"=\""),
                       (["--threshold", "cartpole=ten"], "\"ten\" is not a number")]:
        p = compare(*args)
        assert p.returncode == 64 and said in p.stderr, (args, p.returncode, p.stderr)


def test_compare_refuses_rows_of_the_wrong_width_and_names_a_directory_in_the_way(stackelberg_bin, tmp_path):
    # A row with a field missing ("1900,0,1") or a last row cut off without its newline was read as a
    # return; a directory where a curves file goes printed Foundation's error 512.
    binary = str(stackelberg_bin)
    subprocess.run([binary, "train", "--algo", "dqn", "--env", "cartpole", "--seeds", "0", "--steps", "2000", "--quiet",
                    "--out", str(tmp_path / "runs")], check=True, capture_output=True, timeout=300)
    episodes = next((tmp_path / "runs").rglob("seed0/episodes.csv"))
    good = episodes.read_text()
    (tmp_path / "out" / "curves_cartpole.dat").mkdir(parents=True)
    p = subprocess.run([binary, "compare", str(tmp_path / "runs"), "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 3 and "curves_cartpole.dat is a directory, where a figure's file goes" in p.stderr, p.stderr
    lines = good.splitlines()
    for damaged in ("\n".join(lines[:5] + ["1900,0,1"] + lines[6:]) + "\n", good.rstrip("\n")[:-1]):
        episodes.write_text(damaged)
        p = subprocess.run([binary, "compare", str(tmp_path / "runs")], capture_output=True, text=True, timeout=120)
        assert p.returncode == 1 and "does not read as a log row" in p.stderr, p.stderr


def test_a_damaged_checkpoint_says_resuming_again_will_not_help(stackelberg_bin, tmp_path):
    # `sweep run` retried a run whose checkpoint failed its checksum, forever, with "run again" advice.
    args = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--seeds", "0", "--steps", "2000",
            "--set", "checkpoint_interval=1000", "--quiet", "--out", str(tmp_path)]
    subprocess.run(args, check=True, capture_output=True, timeout=300)
    run = next(tmp_path.rglob("seed0"))
    (run / "summary.json").unlink()
    state = run / "checkpoint.state"
    state.write_bytes(state.read_bytes()[:-100])
    p = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert "the checkpoint is damaged, and resuming again will fail the same way" in p.stderr, p.stderr


@pytest.mark.parametrize("text,message", [
    ('lr = "fast"\n', 'setting lr must be a number, got "fast"'),
    ("lrr = 0.1\n", "unknown setting lrr (did you mean lr?)"),
    (b"\xff\xfe\x00garbage", "the file is not UTF-8 text, as a TOML config is"),
])
def test_a_config_file_s_error_names_the_file(stackelberg_bin, tmp_path, text, message):
    """A setting the --config file got wrong used to be reported without the file, as if given by --set."""
    config = tmp_path / "mine.toml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode())
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--config", str(config),
                        "--out", str(tmp_path / "runs")], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and p.stderr.startswith(f"error: {config}: ") and message in p.stderr, p.stderr
    # The same key given by --set is the --set's error, not the file's.
    if b"lr" in config.read_bytes():
        p = subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--config", str(config),
                            "--set", "lr=fast", "--set", "lrr=1", "--out", str(tmp_path / "runs")], capture_output=True, text=True, timeout=60)
        assert p.returncode != 0 and str(config) not in p.stderr, p.stderr


def test_an_out_of_one_letter_trains_there(stackelberg_bin, tmp_path):
    """`--out a` (a relative name of one character) crashed (exit 132) in Foundation's deletingLastPathComponent while
    train checked that the run's directory could be written; a probe's finding."""
    for out in ["a", "b/c"]:
        p = subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--steps", "600", "--seeds", "0",
                            "--quiet", "--out", out], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, (out, p.returncode, p.stderr[-2000:])
        assert (tmp_path / out / "cartpole" / "dqn-monolithic" / "seed0" / "summary.json").exists(), out


def test_a_combination_the_config_file_gave_names_the_file(stackelberg_bin, tmp_path):
    """An agent's refusal of a combination the --config file set (a probe's finding: it did not name the file), not
    where a --set gave one of its keys."""
    config = tmp_path / "mine.toml"
    config.write_text("minibatches = 5\nnum_envs = 3\nrollout_length = 7\n")
    base = [str(stackelberg_bin), "train", "--algo", "ppo", "--env", "cartpole", "--config", str(config), "--dry-run",
            "--out", str(tmp_path / "runs")]
    said = "invalid configuration: minibatches (5) must divide the rollout's 21 steps (rollout_length × num_envs)"
    p = subprocess.run(base, capture_output=True, text=True, timeout=60)
    assert p.returncode == 78 and p.stderr.startswith(f"error: {config}: {said}"), (p.returncode, p.stderr)
    p = subprocess.run(base + ["--set", "num_envs=3"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 78 and p.stderr.startswith(f"error: {said}") and str(config) not in p.stderr, (p.returncode, p.stderr)
    # Behind a refused setting of the file, found by the search for every refusal, and named the same way.
    config.write_text("minibatches = 5\nnum_envs = 3\nrollout_length = 7\ngamma = 3\n")
    p = subprocess.run(base, capture_output=True, text=True, timeout=60)
    assert p.returncode == 78 and p.stderr.splitlines() == [f"error: {config}: setting gamma must be in [0, 1], got 3",
                                                             f"error: {config}: {said}"], (p.returncode, p.stderr)
    # A value --steps gave is not the file's, though the file sets total_steps too (it was blamed on the file).
    config.write_text("total_steps = 200000\n")
    p = subprocess.run(base + ["--steps", "100"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 78 and p.stderr.startswith("error: invalid configuration: total_steps (100) is less than one rollout"), (p.returncode, p.stderr)
    # In a combined refusal, each reason whose keys the file gave names it, the others do not.
    config.write_text("perception.dim = 7\n")
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout",
                        "--config", str(config), "--set", "minibatches=5", "--dry-run", "--out", str(tmp_path / "runs")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 78 and p.stderr.splitlines() == [
        "error: invalid configuration, 2 problems:",
        "  - minibatches (5) must divide the rollout's 8192 steps (rollout_length × num_envs)",
        f"  - {config}: perception.dim (7) must be a positive multiple of perception.heads (2)"], (p.returncode, p.stderr)


def test_compare_refuses_impossible_run_metadata(stackelberg_bin, tmp_path):
    """total_steps = 0 scored every evaluation as "from 0", env_steps −5 was printed as steps trained, an infinite
    return moved the steps to a threshold, and total_steps = 1e300 was refused without naming the run."""
    binary = str(stackelberg_bin)
    subprocess.run([binary, "train", "--algo", "dqn", "--env", "cartpole", "--seeds", "0", "--steps", "2000", "--quiet",
                    "--out", str(tmp_path / "runs")], check=True, capture_output=True, timeout=300)
    seed = next((tmp_path / "runs").rglob("seed0"))
    config, summary, episodes = [(seed / f).read_text() for f in ("config.toml", "summary.json", "episodes.csv")]
    def compare():
        return subprocess.run([binary, "compare", str(tmp_path / "runs")], capture_output=True, text=True, timeout=120)
    assert compare().returncode == 0
    for total, said in [("0", "has total_steps = 0, which `stackelberg train` never writes"),
                        ("1e300", "config.toml: setting total_steps must be a whole number")]:
        (seed / "config.toml").write_text(re.sub(r"(?m)^total_steps = .*$", f"total_steps = {total}", config))
        p = compare()
        assert p.returncode == 1 and str(seed) in p.stderr and said in p.stderr, p.stderr
    (seed / "config.toml").write_text(config)
    (seed / "summary.json").write_text(re.sub(r'"env_steps" *: *\d+', '"env_steps": -5', summary))
    p = compare()
    assert p.returncode == 1 and "summary.json has env_steps -5, not a number of steps" in p.stderr, p.stderr
    (seed / "summary.json").write_text(summary)
    lines = episodes.splitlines()
    step, copy, _, length = lines[3].split(",")
    (seed / "episodes.csv").write_text("\n".join(lines[:3] + [f"{step},{copy},inf,{length}"] + lines[4:]) + "\n")
    p = compare()
    assert p.returncode == 1 and "episodes.csv line 4 does not read as a log row" in p.stderr, p.stderr


def test_attention_checks_the_run_it_reads(stackelberg_bin, tmp_path):
    """attention force-unwrapped a config.toml's env (a trap when the line was missing), drew maps for whatever
    game an edited config.toml named, and said 'bad magic' or a Foundation error code for a cut-off checkpoint or
    a directory in its place."""
    import shutil
    subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--steps", "256",
                    "--set", "num_envs=4", "--set", "rollout_length=32", "--set", "eval_interval=256", "--set", "eval_episodes=1",
                    "--set", "eval_max_episode_steps=100", "--set", "checkpoint_interval=128", "--set", "tensorboard=false",
                    "--quiet", "--out", str(tmp_path / "runs")], check=True, capture_output=True, timeout=300)
    good = tmp_path / "runs" / "minatar_breakout" / "ppo-sprig" / "seed0"

    def attention(run: Path) -> subprocess.CompletedProcess:
        return subprocess.run([str(stackelberg_bin), "attention", str(run), "--steps", "5", "--captures", "1",
                               "--no-render", "--out", str(tmp_path / "maps")], capture_output=True, text=True, timeout=120)

    assert attention(good).returncode == 0
    config = (good / "config.toml").read_text()
    cases = {
        "no_env": (lambda d: (d / "config.toml").write_text("\n".join(l for l in config.splitlines() if not l.startswith("env ="))),
                   "has no env key, which `stackelberg train` writes"),
        "other_game": (lambda d: (d / "config.toml").write_text(config.replace('env = "minatar/breakout"', 'env = "minatar/asterix"')),
                       'differs from the settings its checkpoint was trained with (env: trained "minatar/breakout", now "minatar/asterix")'),
        # Same tensor shapes (the heads split one width): only the recorded settings tell.
        "other_heads": (lambda d: (d / "config.toml").write_text(re.sub(r"(?m)^heads = \d+", "heads = 1", config)),
                        "(perception.heads: trained 2, now 1)"),
        "cut_off": (lambda d: (d / "checkpoint.state").write_bytes((d / "checkpoint.state").read_bytes()[:20]),
                    "truncated: 20 bytes"),
        # With what to do about it, as train --resume says.
        "cut_off_advice": (lambda d: (d / "checkpoint.state").write_bytes((d / "checkpoint.state").read_bytes()[:20]),
                           "the checkpoint is damaged; restore"),
        "a_directory": (lambda d: ((d / "checkpoint.state").unlink(), (d / "checkpoint.state").mkdir()),
                        "it is a directory, not a state file"),
        # A finished run committed without its checkpoint: "train (or resume) the run" was a dead end for it.
        "committed": (lambda d: (d / "checkpoint.state").unlink(),
                      "the run has finished without one (runs committed to a repository keep no checkpoints), so it can be neither resumed nor mapped; train the same settings and seed into another --out (its command: "),
    }
    for name, (damage, said) in cases.items():
        run = tmp_path / name
        shutil.copytree(good, run)
        damage(run)
        p = attention(run)
        assert p.returncode == 1 and said in p.stderr and "Fatal" not in p.stderr, (name, p.returncode, p.stderr)
    # Another run's checkpoint (the module trained end to end, without SPRIG's leader optimizer): said with the file
    # and the way out (by its recorded settings; a checkpoint older than that record fails as it loads, and says
    # the same, where it was a bare "state entry 'optimizer.leader.updates' is missing").
    subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--env", "minatar/breakout", "--steps", "256", "--set", "network.layout=attention",
                    "--set", "num_envs=4", "--set", "rollout_length=32", "--set", "eval_interval=256", "--set", "eval_episodes=1",
                    "--set", "eval_max_episode_steps=100", "--set", "checkpoint_interval=128", "--set", "tensorboard=false",
                    "--quiet", "--out", str(tmp_path / "other")], check=True, capture_output=True, timeout=300)
    run = tmp_path / "swapped"
    shutil.copytree(good, run)
    shutil.copy(tmp_path / "other" / "minatar_breakout" / "ppo-monolithic" / "seed0" / "checkpoint.state", run / "checkpoint.state")
    p = attention(run)
    assert p.returncode == 1 and f"{run}/config.toml differs from the settings its checkpoint was trained with" in p.stderr, p.stderr
    assert "a checkpoint copied from another run" in p.stderr, p.stderr
    # Figures of an earlier, longer capture in the same --out are said, not passed off as this one's.
    maps = tmp_path / "maps"
    shutil.rmtree(maps)
    subprocess.run([str(stackelberg_bin), "attention", str(good), "--steps", "10", "--captures", "4", "--no-render", "--out", str(maps)],
                   check=True, capture_output=True, timeout=120)
    p = attention(good)
    # (The earlier capture took steps 2, 4, 6 and 8; this one takes step 2 again and replaces it.)
    assert p.returncode == 0 and "also holds 3 figures of an earlier capture (attention_play_step4, attention_play_step6, attention_play_step8)" in p.stderr, p.stderr
    # Without gnuplot, refused before the play and before any figure is written.
    p = subprocess.run([str(stackelberg_bin), "attention", str(good), "--steps", "5", "--captures", "1", "--out", str(tmp_path / "nognuplot")],
                       capture_output=True, text=True, timeout=120, env=dict(os.environ, PATH="/nonexistent"))
    assert p.returncode != 0 and "gnuplot" in p.stderr and not (tmp_path / "nognuplot").exists(), p.stderr


def test_a_discrete_action_past_int32_is_refused_not_trapped(stackelberg_bin):
    for action in ["2147483648", "-3e9", "1e300"]:
        p = subprocess.run([str(stackelberg_bin), "env", "rollout", "cartpole", "--steps", "1", "--actions", action],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 64 and "is outside Discrete(2): give actions 0 to 1" in p.stderr, (action, p.returncode, p.stderr)


def test_env_episodes_refuses_more_copies_than_episodes(stackelberg_bin):
    # --episodes 1 --batch 1e8 played 1e8 episodes (every copy plays one) and grew past 14 GB.
    p = subprocess.run([str(stackelberg_bin), "env", "episodes", "cartpole", "--episodes", "1", "--batch", "100000000"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and "--batch 100000000 is more copies than --episodes 1" in p.stderr, p.stderr


def test_compare_names_a_run_without_its_config_and_a_path_with_no_run(stackelberg_bin, tmp_path, reference):
    """A seed directory that lost its config.toml was passed over: the table counted one seed fewer, exit 0."""
    import shutil
    for seed in ("seed2", "seed3"):
        shutil.copytree(reference, tmp_path / "a" / seed)
    (tmp_path / "a" / "seed3" / "config.toml").unlink()
    (tmp_path / "empty").mkdir()
    for args, said in [([tmp_path / "a"], f"{tmp_path}/a/seed3 holds a run's logs but no config.toml"),
                       ([tmp_path / "a" / "seed2", tmp_path / "a" / "seed3"], f"{tmp_path}/a/seed3 holds a run's logs but no config.toml"),
                       ([tmp_path / "a" / "seed2", tmp_path / "empty"], f"{tmp_path}/empty holds no run")]:
        p = subprocess.run([str(stackelberg_bin), "compare", *map(str, args), "--out", str(tmp_path / "report")], capture_output=True, text=True, timeout=120)
        assert p.returncode == 1 and said in p.stderr and "## " not in p.stdout, (args, p.stderr)
        # Runs that do not read leave no --out behind.
        assert not (tmp_path / "report").exists()


def test_compare_reads_runs_through_links_as_train_writes_them(stackelberg_bin, tmp_path, reference):
    """train writes through a linked output root or seed directory; compare found no run under a linked root
    ("no run directories") and dropped a linked seed from a table without a word. A link back up the tree is
    not followed round."""
    import shutil
    real = tmp_path / "real"
    shutil.copytree(reference, real / "cartpole" / "ddqn-scorer" / "seed2")
    (tmp_path / "elsewhere").mkdir()
    shutil.copytree(reference, tmp_path / "elsewhere" / "seed3")
    (real / "cartpole" / "ddqn-scorer" / "seed3").symlink_to(tmp_path / "elsewhere" / "seed3")
    (real / "cartpole" / "ddqn-scorer" / "up").symlink_to(real)
    (tmp_path / "linked").symlink_to(real)
    for root in (real, tmp_path / "linked", str(tmp_path / "linked") + "/"):
        p = subprocess.run([str(stackelberg_bin), "compare", str(root)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0 and "| ddqn-scorer | 2 |" in p.stdout and "//" not in p.stdout, (root, p.stdout, p.stderr)


def test_a_figure_gnuplot_did_not_write_is_an_error(stackelberg_bin, tmp_path, reference):
    """gnuplot exits 0 when it cannot write its output (a full disk): the empty figure was listed as written."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gnuplot").write_text("#!/bin/sh\nexit 0\n")
    (fake / "gnuplot").chmod(0o755)
    env = dict(os.environ, PATH=f"{fake}:{os.environ['PATH']}")
    p = subprocess.run([str(stackelberg_bin), "compare", str(reference), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode != 0 and "empty or did not write it: is the disk full?" in p.stderr, (p.returncode, p.stderr)


def test_resume_refuses_a_config_edited_since_the_checkpoint(stackelberg_bin, tmp_path):
    """--resume compared config.toml with the command only: both edited alike, the run went on under settings it
    had not trained with. The checkpoint now records them."""
    args = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--seeds", "0", "--set", "total_steps=2000",
            "--set", "tensorboard=false", "--quiet", "--out", str(tmp_path)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    run = tmp_path / "cartpole" / "dqn-monolithic" / "seed0"
    (run / "summary.json").unlink()
    config = (run / "config.toml").read_text()
    assert re.search(r"(?m)^gamma = 0\.99$", config)
    (run / "config.toml").write_text(re.sub(r"(?m)^gamma = 0\.99$", "gamma = 0.5", config))
    p = subprocess.run(args + ["--set", "gamma=0.5", "--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "differs from the settings its checkpoint was trained with (gamma: trained 0.99, now 0.5)" in p.stderr, p.stderr
    # Without the --set: the edited file is named first, not the command (whose advice, --set gamma=0.5, led to
    # the refusal above).
    p = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "differs from the settings its checkpoint was trained with (gamma: trained 0.99, now 0.5)" in p.stderr, p.stderr
    assert "--set gamma=0.5" not in p.stderr, p.stderr
    (run / "config.toml").write_text(config)
    p = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and (run / "summary.json").exists(), p.stderr


def _same_length_edit(path):
    """Changes one digit in the log's last row, keeping its length."""
    data = bytearray(path.read_bytes())
    i = max(j for j in range(len(data) - 1) if chr(data[j]).isdigit())
    data[i] = ord("1") if data[i] != ord("1") else ord("2")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, said", [
    (lambda run: (run / "episodes.csv").write_bytes((run / "episodes.csv").read_bytes()[:40]), "fewer than the"),
    (lambda run: (run / "eval.csv").write_text(""), "eval.csv has 0 bytes, fewer than the"),
    (lambda run: (run / "updates.csv").unlink(), "updates.csv is missing, and the checkpoint continues it"),
    # Compressed for committing: the fix is to decompress it, which the message now says.
    (lambda run: subprocess.run(["gzip", str(run / "episodes.csv")], check=True),
     "episodes.csv is missing, and the checkpoint continues it; "),
    (lambda run: (run / "config.toml").unlink(), "config.toml is missing, beside the run's checkpoint"),
    # An edit that keeps the length (a return's digit changed) passed the size check and was continued.
    (lambda run: _same_length_edit(run / "episodes.csv"), "episodes.csv's first "),
    (lambda run: _same_length_edit(run / "updates.csv"), "were changed since it was written"),
])
def test_resume_refuses_logs_cut_since_the_checkpoint(stackelberg_bin, tmp_path, damage, said):
    """A log shorter than the checkpoint's record was "truncated" up to it: NUL bytes where its rows had been, a
    header lost, exit 0. A missing config.toml beside a checkpoint was reported as no checkpoint at all."""
    args = [str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--seeds", "0", "--set", "total_steps=2000",
            "--set", "tensorboard=false", "--quiet", "--out", str(tmp_path)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    run = tmp_path / "cartpole" / "dqn-monolithic" / "seed0"
    (run / "summary.json").unlink()
    damage(run)
    before = {f.name: f.read_bytes() for f in run.iterdir() if f.is_file()}
    p = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and said in p.stderr, p.stderr
    if (run / "episodes.csv.gz").exists():
        assert f"{run}/episodes.csv.gz is there: decompress it (gunzip {run}/episodes.csv.gz) and resume again" in p.stderr, p.stderr
    # Refused before anything was changed.
    assert {f.name: f.read_bytes() for f in run.iterdir() if f.is_file()} == before


def test_expr_refuses_a_value_for_pi(stackelberg_bin):
    p = subprocess.run([str(stackelberg_bin), "expr", "eval", "pi", "--at", "pi=3"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and "--at gives pi, which expressions read as the constant π" in p.stderr, p.stderr


@pytest.mark.parametrize("args, said", [
    (["--episodic-life"], "--episodic-life is for Atari games, which have lives; cartpole has none: drop the flag"),
    (["--fire-reset"], "--fire-reset is for Atari games with a FIRE action; cartpole has none: drop the flag"),
    # A negative count was taken for an option ("Missing value for '--steps'").
    (["--steps", "-1"], "--steps must be from 0 to 1e9, got -1"),
    # Counts read as counts do elsewhere (1e3), and a huge one is refused with the limit, not as "invalid".
    (["--steps", "1e12"], "--steps must be from 0 to 1e9, got 1000000000000"),
    (["--steps", "2.5"], "2.5 is not a whole number; write a count as 50000 or 5e4"),
])
def test_env_rollout_names_the_flag_or_value_it_refuses(stackelberg_bin, args, said):
    p = subprocess.run([str(stackelberg_bin), "env", "rollout", "cartpole", *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and said in p.stderr, p.stderr


def test_env_rollout_refuses_a_directory_for_its_observations(stackelberg_bin, tmp_path):
    p = subprocess.run([str(stackelberg_bin), "env", "rollout", "cartpole", "--steps", "1", "--observations-to", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and f"--observations-to: {tmp_path} is a directory; give a file path" in p.stderr, p.stderr


def test_a_diverged_run_is_said_to_have_diverged_by_compare_and_windows(stackelberg_bin, tmp_path):
    """A run train stopped on a non-finite loss looked, to compare and windows, like one still training ("not
    finished: no summary.json; --include-unfinished pools them"), and a sweep's diverged variant left the table
    without a word. train now leaves diverged.txt with the reason, and the readers say it."""
    def train(*extra, out=tmp_path / "runs"):
        return subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--steps", "3000", "--quiet",
                               "--set", "tensorboard=false", "--out", str(out), *extra], capture_output=True, text=True, timeout=300)
    p = train("--set", "lr=1e6", out=tmp_path / "runs" / "bad")
    assert p.returncode == 1 and "loss is inf" in p.stderr, p.stderr
    run = tmp_path / "runs/bad/cartpole/dqn-monolithic/seed0"
    assert (run / "diverged.txt").read_text().startswith("diverged in the iteration from step "), list(run.iterdir())
    p = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "runs" / "bad")], capture_output=True, text=True)
    assert p.returncode == 1 and "every run found diverged (train stopped it on a non-finite value; the reason is in its diverged.txt)" in p.stderr, p.stderr
    p = subprocess.run([str(stackelberg_bin), "windows", str(run)], capture_output=True, text=True)
    assert p.returncode == 0 and "(diverged, not finished: diverged in the iteration from step " in p.stdout, p.stdout
    # Diverged before its first checkpoint: --resume with the rate fixed said to restore the rate that diverged.
    p = train("--set", "lr=1e-3", "--resume", out=tmp_path / "runs" / "bad")
    assert p.returncode == 1 and f"--resume: {run} has no checkpoint to resume from; start it without --resume" in p.stderr, p.stderr
    assert train("--set", "lr=1e-3", out=tmp_path / "runs" / "good").returncode == 0
    p = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "runs")], capture_output=True, text=True)
    assert p.returncode == 0 and f"Left out (diverged: train stopped it on a non-finite value; the reason is in each one's diverged.txt): {run} (diverged in the iteration from step" in p.stdout, p.stdout
    assert "not finished" not in p.stdout, p.stdout


def test_an_unfinished_seed_s_curve_ends_where_it_has_got_to(stackelberg_bin, tmp_path):
    """compare --include-unfinished --out held an unfinished seed's last value out to the full budget: a flat line
    that read as a plateau, with "(1 seed)" in the key."""
    subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--steps", "6000", "--seeds", "0..1",
                    "--quiet", "--set", "tensorboard=false", "--out", str(tmp_path / "runs")], check=True, capture_output=True, timeout=300)
    short = tmp_path / "runs/cartpole/dqn-monolithic/seed1"
    (short / "summary.json").unlink()
    lines = (short / "episodes.csv").read_text().splitlines(keepends=True)
    (short / "episodes.csv").write_text("".join([lines[0]] + [l for l in lines[1:] if int(l.split(",")[0]) <= 2500]))
    # As a run stopped near step 2500 leaves its logs (compare counts an unfinished run's steps to its last update row).
    updates = (short / "updates.csv").read_text().splitlines(keepends=True)
    (short / "updates.csv").write_text("".join([updates[0]] + [l for l in updates[1:] if int(l.split(",")[0]) <= 2500]))
    (short / "eval.csv").write_text((short / "eval.csv").read_text().splitlines(keepends=True)[0])
    p = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "runs"), "--include-unfinished", "--out", str(tmp_path / "cmp")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    gp = (tmp_path / "cmp" / "curves_cartpole.gp").read_text()
    assert re.search(r"\(2 seeds, 1 unfinished at 2[0-9]{3}\)", gp), gp
    # Past 2.5k steps the curve is seed 0's alone: the same values as seed 0 compared by itself.
    alone = tmp_path / "alone"
    shutil.copytree(tmp_path / "runs/cartpole/dqn-monolithic/seed0", alone / "cartpole/dqn-monolithic/seed0")
    subprocess.run([str(stackelberg_bin), "compare", str(alone), "--out", str(tmp_path / "cmp0")], check=True, capture_output=True, timeout=120)
    def rows(path):
        return [l.split() for l in path.read_text().splitlines() if l and not l.startswith("#")]
    both, one = rows(tmp_path / "cmp" / "curves_cartpole.dat"), rows(tmp_path / "cmp0" / "curves_cartpole.dat")
    late = [(a, b) for a, b in zip(both, one) if float(a[0]) > 2600]
    assert late and all(a[1] == b[1] for a, b in late), late[:3]
    # The unfinished seed has trained to its last update row, past its last finished episode (compare said the
    # episode's step, windows the update's).
    (short / "episodes.csv").write_text("".join([lines[0]] + [l for l in lines[1:] if int(l.split(",")[0]) <= 1900]))
    last_update = int((short / "updates.csv").read_text().splitlines()[-1].split(",")[0])
    last_episode = int((short / "episodes.csv").read_text().splitlines()[-1].split(",")[0])
    assert last_update > last_episode
    p = subprocess.run([str(stackelberg_bin), "compare", str(short), "--include-unfinished"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and f"| dqn-monolithic | 0 (of 1) | {last_update} |" in p.stdout, (last_update, last_episode, p.stdout)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="runs train as another user (needs root and setpriv)")
def test_a_seed_directory_that_cannot_be_written_is_refused_by_the_dry_run_too(stackelberg_bin, tmp_path):
    """As a user who cannot write the directory the seeds go under, the dry run said "starts" (exit 0) and train
    failed as it took the run's lock (exit 1)."""
    # pytest's own tmp_path lies under a directory only root can enter.
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))
    base = tmp_path / "out" / "cartpole" / "dqn-monolithic"
    base.mkdir(parents=True)
    for d in (tmp_path, tmp_path / "out", tmp_path / "out" / "cartpole"):
        d.chmod(0o777)
    base.chmod(0o555)
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(stackelberg_bin), "train", "--algo", "dqn",
           "--env", "cartpole", "--steps", "1000", "--quiet", "--out", str(tmp_path / "out")]
    for extra in (["--dry-run"], []):
        p = subprocess.run(cmd + extra, capture_output=True, text=True, timeout=120)
        assert p.returncode == 1 and f"{base} is not writable by this user, and the run's directory {base}/seed0 goes under it" in p.stderr, (extra, p.stderr)
    assert not (base / "seed0").exists()
    shutil.rmtree(tmp_path)


def test_a_run_too_short_for_its_first_update_is_noted(stackelberg_bin, tmp_path):
    """DQN's learning_starts got a note when past the run's end; SAC's update_every did not, and a run of 20,000
    steps with update_every = 100000 trained nothing without a word."""
    def notes(*args):
        p = subprocess.run([str(stackelberg_bin), "train", *args, "--dry-run", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return [line for line in p.stderr.splitlines() if "never updates" in line]
    assert notes("--algo", "sac", "--env", "pendulum", "--steps", "20000", "--set", "update_every=100000") == [
        "note: the first update comes at step 100000 (update_every = 100000, from update_after = 1000), past total_steps = 20000: this run collects data and never updates"]
    assert notes("--algo", "sac", "--env", "pendulum", "--steps", "600") == [
        "note: total_steps = 600 is below update_after = 1000: this run collects data and never updates"]
    assert notes("--algo", "ddpg", "--env", "pendulum", "--steps", "1000", "--set", "update_after=1000", "--set", "update_every=50") == []
    assert notes("--algo", "dqn", "--env", "cartpole", "--steps", "500", "--set", "learning_starts=1000") == [
        "note: total_steps = 500 is below learning_starts = 1000: this run collects data and never updates"]


def test_attention_figures_say_what_they_show(stackelberg_bin, tmp_path):
    """The attention figures, as a user test read them: frames coloured by channel index on a continuous palette
    with unnamed channels; 'at step 80' and attention_step80.png read as a training step; 'mean over heads' unsaid;
    every attention panel on its own colour range; frames t−1, t−0 but the temporal panel's '0 = oldest'."""
    subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/freeway", "--steps", "256",
                    "--set", "num_envs=4", "--set", "rollout_length=32", "--set", "eval_interval=256", "--set", "eval_episodes=1",
                    "--set", "eval_max_episode_steps=100", "--set", "checkpoint_interval=128", "--set", "tensorboard=false",
                    "--quiet", "--out", str(tmp_path / "runs")], check=True, capture_output=True, timeout=300)
    run = tmp_path / "runs" / "minatar_freeway" / "ppo-sprig" / "seed0"
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "attention_step99.gp").write_text("# a figure of an earlier version, named by the play step alone\n")
    render = shutil.which("gnuplot") is not None
    p = subprocess.run([str(stackelberg_bin), "attention", str(run), "--steps", "10", "--captures", "2", "--seed", "5", "--out", str(maps)]
                       + ([] if render else ["--no-render"]), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    # Figures of the old name are an earlier capture too.
    assert "also holds 1 figure of an earlier capture (attention_step99)" in p.stderr, p.stderr
    # 2. The files name the play step as such.
    for step in (3, 6):
        assert (maps / f"attention_play_step{step}.gp").is_file() and (maps / f"attention_play_step{step}.dat").is_file()
        assert not render or (maps / f"attention_play_step{step}.png").stat().st_size > 0
    gp = (maps / "attention_play_step3.gp").read_text()
    dat = (maps / "attention_play_step3.dat").read_text()
    # 2. The title: the env, the coupling, the run's seed, the environment steps its checkpoint trained; "play step T".
    title = next(l for l in gp.splitlines() if l.startswith("set multiplot"))
    for said in ["minatar/freeway", "SPRIG (perception module leads)", "run seed 0", "checkpoint after 256 env steps of training",
                 "greedy play from reset seed 5: play step 3 of 10"]:
        assert said in title, (said, title)
    # 1. Categorical frames: Freeway's channels each named in the colour box on a fixed range, axes labelled.
    key = '"empty" 0, "chicken" 1, "car" 2, "speed1" 3, "speed2" 4, "speed3" 5, "speed4" 6, "speed5" 7'
    assert gp.count(f"set cbtics ({key})") == 2 and gp.count("set cbrange [-0.5:7.5]") == 2, gp
    assert 'set xlabel "column"' in gp and 'set ylabel "row"' in gp, gp
    assert "0 empty, 1 chicken, 2 car, 3 speed1" in dat, dat
    # 3. Mean over heads, in each attention panel's title.
    assert gp.count("attention received, t−1 (mean over 2 heads)") == 1 and gp.count("attention received, t−0 (mean over 2 heads)") == 1, gp
    # 4. One colour range [0, max over both frames' attention] with the uniform level 1/P; the gates on [0, 1].
    blocks = [b for b in re.split(r"\n\s*\n", dat) if b.strip()]
    received = [np.array([[float(x) for x in l.split()] for l in b.splitlines() if not l.startswith("#")])
                for b in blocks if "# attention received" in b]
    assert len(received) == 2 and all(abs(r.sum() - 1) < 1e-3 for r in received), received
    attention_panels = gp.split('set title "attention received')[1:]
    ranges = {re.search(r"set cbrange \[0:([0-9.e-]+)\]", panel).group(1) for panel in attention_panels}
    assert len(ranges) == 1 and abs(float(ranges.pop()) - max(r.max() for r in received)) < 1e-6, (ranges, gp)
    assert gp.count('set cblabel "uniform level 1/64 = 0.0156"') == 2, gp
    gates = gp.split('set title "cell gates')[1:]
    assert len(gates) == 2 and all("set cbrange [0:1]" in g.split("plot")[0] for g in gates), gp
    assert "[*:*]" not in gp.replace("set yrange [*:*] reverse", ""), gp
    # 5. The temporal panel names the frames as the frame panels do.
    assert 'set xtics ("t−1" 0, "t−0" 1)' in gp and 'set ytics ("t−1" 0, "t−0" 1)' in gp and "oldest" not in gp.split("temporal")[-1], gp
    assert 'set title "frame t−1' in gp and 'set title "frame t−0' in gp, gp


def test_a_deeper_attention_module_trains_logs_and_draws_each_block(stackelberg_bin, tmp_path):
    """The module's depth is a setting (perception.spatial_blocks, perception.temporal_blocks): a run logs every
    block's heads, `attention` draws the block asked for (the last by default) and refuses one the module lacks,
    naming the setting, before it plays."""
    def train(out, *sets):
        args = [str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--steps", "256",
                "--set", "num_envs=4", "--set", "rollout_length=32", "--set", "eval_interval=256", "--set", "eval_episodes=1",
                "--set", "eval_max_episode_steps=100", "--set", "checkpoint_interval=128", "--set", "tensorboard=false",
                "--quiet", "--out", str(tmp_path / out)]
        for s in sets:
            args += ["--set", s]
        subprocess.run(args, check=True, capture_output=True, timeout=300)
        return tmp_path / out / "minatar_breakout" / "ppo-sprig" / "seed0"

    deep = train("deep", "perception.spatial_blocks=3", "perception.temporal_blocks=2")
    header = (deep / "updates.csv").read_text().splitlines()[0].split(",")
    entropies = [c for c in header if "_entropy_" in c]
    assert entropies == (["spatial_entropy_h0", "spatial_entropy_h1"] + [f"spatial_entropy_b{j}_h{k}" for j in range(3) for k in range(2)]
                         + ["temporal_entropy_h0", "temporal_entropy_h1"] + [f"temporal_entropy_b{j}_h{k}" for j in range(2) for k in range(2)]), header
    config = (deep / "config.toml").read_text()
    assert re.search(r"(?m)^spatial_blocks = 3$", config) and re.search(r"(?m)^temporal_blocks = 2$", config), config

    def attention(run, *args):
        out = tmp_path / ("maps" + "".join(args).replace("-", ""))
        p = subprocess.run([str(stackelberg_bin), "attention", str(run), "--steps", "4", "--captures", "1", "--no-render", "--out", str(out), *args],
                           capture_output=True, text=True, timeout=120)
        return p, out

    p, out = attention(deep)
    assert p.returncode == 0, p.stderr
    title = next(l for l in (out / "attention_play_step2.gp").read_text().splitlines() if l.startswith("set multiplot"))
    assert "spatial block 2 (of blocks 0–2), temporal block 1 (of blocks 0–1)" in title, title
    p, out = attention(deep, "--spatial-block", "0", "--temporal-block", "0")
    assert p.returncode == 0, p.stderr
    first = (out / "attention_play_step2.dat").read_text()
    # The gates follow the last spatial block, which the figure says beside an earlier block's attention.
    assert "cell gates, t−0 (after the last spatial block, 2)" in (out / "attention_play_step2.gp").read_text()
    assert "spatial block 0 (of blocks 0–2), temporal block 0 (of blocks 0–1)" in first
    # Block 0 and block 2 attend differently (each block has its own weights).
    last = (tmp_path / "maps" / "attention_play_step2.dat").read_text()
    assert first.split("# attention received")[1] != last.split("# attention received")[1]
    for args, said in [(("--spatial-block", "3"), "--spatial-block 3: the run's module has 3 spatial blocks (perception.spatial_blocks = 3); give 0 to 2"),
                       (("--temporal-block", "-1"), "--temporal-block -1: the run's module has 2 temporal blocks (perception.temporal_blocks = 2); give 0 to 1")]:
        p, out = attention(deep, *args)
        # An option value the command refuses: 64, as --steps 0 is.
        assert p.returncode == 64 and said in p.stderr and not out.exists(), (args, p.returncode, p.stderr)
    # No temporal block: none is logged or drawn, and asking for one says why.
    flat = train("flat", "perception.temporal_blocks=0")
    header = (flat / "updates.csv").read_text().splitlines()[0].split(",")
    assert [c for c in header if "_entropy_" in c] == ["spatial_entropy_h0", "spatial_entropy_h1"], header
    p, out = attention(flat, "--temporal-block", "0")
    assert p.returncode == 64 and "no temporal block (perception.temporal_blocks = 0); leave --temporal-block out" in p.stderr, p.stderr
    p, out = attention(flat)
    assert p.returncode == 0 and "temporal attention" not in (out / "attention_play_step2.gp").read_text(), p.stderr
    # A stem that leaves no cell of MinAtar's frame, and one whose cells' attention cannot fit on Atari's: refused
    # before anything is built, naming perception.stem.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--dry-run",
                        "--set", "perception.stem=nature3"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 78 and "perception.stem = nature3 leaves no cell of a 10×10 frame" in p.stderr, p.stderr
    p = subprocess.run(["bash", "-c", 'ulimit -v 4000000; exec "$@"', "_", str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig",
                        "--env", "atari/beam_rider", "--dry-run", "--set", "perception.stem=minatar"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 78 and "setting perception.stem must be a stem whose cells' attention fits in memory" in p.stderr and "6724 cells" in p.stderr \
        and "stems with fewer cells: nature2 (81 cells), nature3 (49 cells)" in p.stderr and "left by its address-space limit (ulimit -v)" in p.stderr, p.stderr
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "atari/beam_rider", "--dry-run",
                        "--set", "perception.stem=nature3"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    # Block counts whose activations cannot fit: refused naming the level's key and how many fit (an estimate measured on
    # this toolkit's runs: 1e6 temporal blocks passed the weights-only check and trapped allocating).
    for key, value in [("perception.temporal_blocks", "1e6"), ("perception.spatial_blocks", "1e5")]:
        p = subprocess.run(["bash", "-c", 'ulimit -v 8000000; exec "$@"', "_", str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig",
                            "--env", "minatar/breakout", "--dry-run", "--set", f"{key}={value}"], capture_output=True, text=True, timeout=120)
        fit = re.search(r"at most (\d+) fit with the other settings as given", p.stderr)
        assert p.returncode == 78 and f"setting {key} must be a block count whose" in p.stderr and fit, p.stderr
        assert "left by its address-space limit (ulimit -v)" in p.stderr, p.stderr
        assert 1 <= int(fit.group(1)) < float(value), p.stderr
    # Temporal blocks over one frame: built nowhere, and said.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--dry-run",
                        "--set", "perception.temporal_blocks=2", "--set", "env_frame_stack=1"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "note: perception.temporal_blocks attends across stacked frames, and env_frame_stack = 1 stacks none" in p.stderr, p.stderr
    # A closed choice in another case, or mistyped, gets the nearest.
    for value, said in [("Nature3", "(did you mean nature3?)"), ("minatr", "(did you mean minatar?)")]:
        p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--dry-run",
                            "--set", f"perception.stem={value}"], capture_output=True, text=True, timeout=120)
        assert p.returncode == 78 and f'setting perception.stem must be one of auto, nature2, nature3, minatar {said}, got "{value}"' in p.stderr, p.stderr
    # Depth 0 is refused by the settings check, naming the key.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--dry-run",
                        "--set", "perception.spatial_blocks=0"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 78 and "perception.spatial_blocks" in p.stderr, p.stderr


def test_algorithm_and_coupling_names_are_taken_in_any_case(stackelberg_bin, tmp_path):
    """Environments were taken in any case (CartPole), algorithms and couplings not (DQN was refused), and LR got
    no "did you mean lr"."""
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "DQN", "--coupling", "Scorer", "--env", "MinAtar/Breakout",
                        "--steps", "1000", "--dry-run", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and f"# seed 0: {tmp_path}/minatar_breakout/dqn-scorer/seed0 starts" in p.stdout, p.stderr
    assert 'algo = "dqn"' in p.stdout and 'coupling = "scorer"' in p.stdout, p.stdout
    p = subprocess.run([str(stackelberg_bin), "train", "--env", "cartpole", "--set", "LR=0.1", "--dry-run", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 78 and "unknown setting LR (did you mean lr?)" in p.stderr, p.stderr
    # A sweep plan's names name its directories as train writes them.
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["DQN"]\ncouplings = ["Scorer"]\nenvironments = ["MinAtar/Breakout"]\nseeds = [0]\nsteps = 1000\n')
    p = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and f"{tmp_path}/out/default/minatar_breakout/dqn-scorer/seed0" in p.stdout, p.stdout + p.stderr


def test_sprig_settings_that_leave_a_stage_idle_are_noted(stackelberg_bin, tmp_path):
    """α_coop = 1 with λ_c = 0 and the follower kept off θ trained a perception module that never moved, without a
    word (keys of other couplings got a note)."""
    def notes(*sets):
        args = [str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--dry-run",
                "--out", str(tmp_path)] + [a for kv in sets for a in ("--set", kv)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return [line for line in p.stderr.splitlines() if "sprig." in line]
    assert notes("sprig.cooperation=1", "sprig.cost_weight=0", "sprig.follower_reaches_perception=false") == [
        "note: sprig.cooperation = 1 with sprig.cost_weight = 0 and sprig.follower_reaches_perception = false: the leader's utility is 0 and the follower stage does not reach θ, so the perception module stays at its initialization"]
    assert "the leader stage never moves θ" in notes("sprig.cooperation=1", "sprig.cost_weight=0")[0]
    assert "θ moves on the leader's policy term alone" in notes("sprig.cost_weight=0", "sprig.follower_reaches_perception=false")[0]
    assert notes() == [] and notes("sprig.cooperation=1") == [] and notes("sprig.cost_weight=0") == []


def test_one_row_minibatches_with_normalized_advantages_are_noted(stackelberg_bin, tmp_path):
    """A new user's tiny SPRIG trial (4 copies × 2 steps in 8 minibatches) logged leader_policy_term = 0 without a word:
    one row normalized is 0, so the policy loss carried nothing."""
    def noted(*sets):
        args = [str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--dry-run",
                "--out", str(tmp_path)] + [a for kv in sets for a in ("--set", kv)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return "in 8 minibatches is one row each: normalize_advantages = true makes every advantage 0" in p.stderr
    assert noted("num_envs=4", "rollout_length=2", "minibatches=8")
    assert not noted("num_envs=4", "rollout_length=4", "minibatches=8")
    assert not noted("num_envs=4", "rollout_length=2", "minibatches=8", "normalize_advantages=false")


def test_learning_rates_above_one_are_noted(stackelberg_bin, tmp_path):
    """`sprig.leader_lr=1e4` for 1e-4 trained for hours and diverged without a word. Accepted (a sweep may probe it), noted."""
    def stderr(*sets):
        args = [str(stackelberg_bin), "train", "--algo", "ppo", "--coupling", "sprig", "--env", "minatar/breakout", "--dry-run",
                "--out", str(tmp_path)] + [a for kv in sets for a in ("--set", kv)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return p.stderr
    err = stderr("sprig.leader_lr=1e4")
    assert "note: sprig.leader_lr = 10000 is a learning rate above 1 (the default is 0.0005)" in err, err
    assert "Was 1e-4 meant?" in err
    err = stderr("sprig.follower_lr=2.5")
    assert "note: sprig.follower_lr = 2.5 is a learning rate above 1" in err and "meant?" not in err, err
    # A key noted as without effect here (SPRIG steps at its own two rates) is not noted again.
    err = stderr("lr=100")
    assert "note: lr has no effect" in err and "learning rate above 1" not in err, err
    assert "learning rate above 1" not in stderr("sprig.follower_lr=1", "lr=0.5")


def test_a_stop_during_the_checks_exits_as_a_stop_and_writes_nothing(stackelberg_bin, tmp_path):
    """SIGTERM while train checked its settings (before its handler was installed) killed it by the signal, which a
    sweep's pool reads as a crash. Now it exits 143 with nothing written. The checks of an Atari run load one
    emulator (a few tenths of a second in a debug build): SIGTERM is sent at growing delays until one lands in them."""
    seen = []
    for delay in (0.06, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6):
        out = tmp_path / f"d{delay}"
        p = subprocess.Popen([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "atari/breakout", "--steps", "1000", "--quiet",
                              "--set", "tensorboard=false", "--out", str(out)], stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=300)
        seen.append((delay, p.returncode, err[-300:]))
        if "stopped before training started: nothing was written" in err:
            assert p.returncode == 143 and not out.exists(), seen
            return
    pytest.fail(f"no SIGTERM landed in the checks: {seen}")


@pytest.mark.parametrize("args, said", [
    # Within memory by the copies' arrays, but 1e7 CartPole copies aborted allocating 40 GB of actions, and 1e6 ran at 8 GB.
    (["bench", "cartpole", "--batch", "1e7", "--steps", "1"], "--batch must be from 1 to 1e6 copies, got 10000000"),
    (["episodes", "cartpole", "--episodes", "2e7", "--batch", "2e7"], "--batch must be from 1 to 1e6 copies, got 20000000"),
    (["episodes", "cartpole", "--episodes", "1e12"], "--episodes must be at most 1e9, got 1000000000000"),
    (["episodes", "cartpole", "--episodes", "2.5"], "2.5 is not a whole number; write a count as 50000 or 5e4"),
])
def test_env_batch_and_episodes_are_counts_within_range(stackelberg_bin, args, said):
    p = subprocess.run([str(stackelberg_bin), "env", *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and said in p.stderr and "Fatal" not in p.stderr, (p.returncode, p.stderr)


def test_env_json_writes_names_as_they_are(stackelberg_bin):
    """"env":"minatar\\/breakout": valid JSON, but not the name a user greps for."""
    p = subprocess.run([str(stackelberg_bin), "env", "bench", "minatar/breakout", "--steps", "10"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and '"env":"minatar/breakout"' in p.stdout, p.stdout


def test_env_counts_read_as_counts_do_elsewhere(stackelberg_bin):
    """--steps took 1e3, --batch and --episodes refused it without a reason."""
    p = subprocess.run([str(stackelberg_bin), "env", "episodes", "cartpole", "--episodes", "1e2", "--batch", "1e1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and json.loads(p.stdout)["episodes"] == 100 and json.loads(p.stdout)["batch"] == 10, p.stderr
    p = subprocess.run([str(stackelberg_bin), "env", "bench", "cartpole", "--batch", "1e3", "--steps", "1e2"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and json.loads(p.stdout)["batch"] == 1000, p.stderr


@pytest.mark.parametrize("args", [["env", "rollout", "cartpole", "--steps", "5"], ["env", "list"],
                                  ["expr", "eval", "--at", "x=1", "--", "x+1"],
                                  ["train", "--env", "cartpole", "--dry-run", "--out", "OUT"]])
def test_output_that_cannot_be_written_fails_the_command(stackelberg_bin, tmp_path, args):
    """Written to a full disk (/dev/full), every command exited 0 with its output lost."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    args = [a.replace("OUT", str(tmp_path)) for a in args]
    with open("/dev/full", "w") as full:
        p = subprocess.run([str(stackelberg_bin), *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 3 and "error: cannot write the standard output (No space left on device)" in p.stderr, (p.returncode, p.stderr)


def test_a_long_rollout_into_a_full_disk_stops(stackelberg_bin):
    """A 1e9-step rollout into /dev/full ran on (until killed), writing nothing."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        p = subprocess.run([str(stackelberg_bin), "env", "rollout", "cartpole", "--steps", "1e9"], stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=60)
    assert p.returncode == 3 and "cannot write the standard output" in p.stderr, (p.returncode, p.stderr)


@pytest.mark.parametrize("args, code, said", [
    # An unknown environment is a refused setting, as in train (it was 1 here, 78 there).
    (["rollout", "nosuch", "--steps", "1"], 78, "unknown environment 'nosuch'"),
    (["bench", "nosuch"], 78, "unknown environment 'nosuch'"),
    # A state or action given on the command line that the environment refuses is an option value (both were 1; a
    # discrete action out of range 64).
    (["rollout", "pendulum", "--steps", "1", "--actions", "5"], 64, "is outside the action space Box(1, low: [-2.0], high: [2.0]): give --actions within it, or pass --clip-actions"),
    (["rollout", "cartpole", "--steps", "1", "--state", "1,2"], 64, "invalid state: cartpole takes 4 finite values"),
    # Accepted and ignored on discrete actions, where --episodic-life on CartPole was refused.
    (["rollout", "cartpole", "--steps", "1", "--clip-actions"], 64, "--clip-actions is for continuous actions; cartpole has discrete ones (Discrete(2)): drop the flag"),
])
def test_env_exit_codes_follow_the_kind_of_error(stackelberg_bin, args, code, said):
    p = subprocess.run([str(stackelberg_bin), "env", *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == code and said in p.stderr, (p.returncode, p.stderr)


def test_a_standard_error_that_cannot_be_written_does_not_stop_the_command(stackelberg_bin, tmp_path):
    """FileHandle's non-throwing write trapped (exit 132) when stderr was a full disk: a training run whose progress
    went to a log on a full disk died at its next progress line."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        p = subprocess.run([str(stackelberg_bin), "env", "rollout", "nosuch"], stdout=subprocess.PIPE, stderr=full, timeout=60)
        assert p.returncode == 78, p.returncode
        p = subprocess.run([str(stackelberg_bin), "train", "--env", "cartpole", "--steps", "2000", "--set", "tensorboard=false",
                            "--out", str(tmp_path)], stdout=subprocess.PIPE, stderr=full, timeout=300)
    assert p.returncode == 0 and (tmp_path / "cartpole" / "dqn-monolithic" / "seed0" / "summary.json").exists(), p.returncode
