"""The experiment scripts' handling of their arguments and of their runs' exits (scripts/experiments/common.sh).

The scripts train for hours, so these checks give them a stand-in CLI (STACKELBERG_CLI): a shell script that
records its arguments and exits with a chosen code, or writes a finished run. What they check:
- a bad argument stops a script before anything is written, with exit 2 and a message naming the argument;
- a run stopped by Ctrl-C or SIGTERM (train exits 130 or 143 after its checkpoint) stops the script with that
  code, without starting the next run; a failed run is logged, the grid goes on, and the script exits 1;
- a finished run is skipped and said; a run started with another total_steps stops the script;
- OUT and STACKELBERG_CLI are relative to the caller's directory.
"""

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT

SCRIPTS = REPO_ROOT / "scripts" / "experiments"


def fake_cli(path: Path, exit_code: int = 0, finish: bool = False, refuse: str | None = None) -> Path:
    """A stand-in for `stackelberg`: appends its arguments to calls.log beside it and exits with
    `exit_code`; with `finish`, writes config.toml and summary.json into the run directory its
    --out/--env/--algo/--coupling/--seeds name, as a finished run would. A `--dry-run` (the scripts'
    check pass) is logged to dry.log instead and passes, unless its arguments hold `refuse`: it then
    says an error and exits 1, as train refusing a setting does."""
    body = f"""#!/usr/bin/env bash
case " $* " in
  *" --dry-run "*)
    echo "$@" >> "{path.parent}/dry.log"
    if [ -n "{refuse or ''}" ] && [[ " $* " == *"{refuse or ''}"* ]]; then echo "error: refused: {refuse}" >&2; exit 1; fi
    exit 0 ;;
esac
echo "$@" >> "{path.parent}/calls.log"
if [ "{int(finish)}" = 1 ]; then
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) out="$2"; shift ;; --env) env="${{2//\\//_}}"; shift ;; --algo) algo="$2"; shift ;;
      --coupling) coupling="$2"; shift ;; --seeds) seed="$2"; shift ;; --steps) steps="$2"; shift ;;
    esac
    shift
  done
  dir="$out/$env/$algo-$coupling/seed$seed"
  mkdir -p "$dir"
  printf 'total_steps = %.0f\\n' "$steps" > "$dir/config.toml"
  echo '{{}}' > "$dir/summary.json"
fi
exit {exit_code}
"""
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def run(script: str, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPTS / script), *args], cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("script, args, env, said", [
    ("stac-mujoco.sh", ["out", "0"], {"STEPS": "abc"}, "STEPS=abc is not a whole number of environment steps from 1 to 1e15"),
    # 1e19 overflowed the shell's test ("integer expression expected"); a fraction was rounded, which train refuses.
    ("sprig-minatar.sh", ["out", "0"], {"STEPS": "1e19"}, "STEPS=1e19 is not a whole number of environment steps from 1 to 1e15"),
    ("sprig-minatar.sh", ["out", "0"], {"STEPS": "16384.5"}, "STEPS=16384.5 is not a whole number"),
    # `script.sh 0 1` meant two seeds, and trained seed 1 into ./0.
    ("sprig-minatar.sh", ["0", "1"], {}, "OUT '0' is a number: the first argument is the output directory"),
    ("sprig-minatar.sh", ["out", "99999999999999999999"], {}, "seed '99999999999999999999' is above the largest seed"),
    ("sprig-minatar.sh", ["out", "9223372036854775808"], {}, "seed '9223372036854775808' is above the largest seed, 9223372036854775807"),
    # One setting under two spellings trained twice, in two directories.
    ("sprig-sweep.sh", ["out", "0"], {"ALPHAS": "1 1.0"}, "ALPHAS lists the value 1.0 twice"),
    ("sprig-sweep.sh", ["out", "0"], {"LAMBDAS": "1e-4 0.0001"}, "LAMBDAS lists the value 0.0001 twice"),
    # The queue takes seeds only; an OUT was read as a bad seed.
    ("sprig-queue.sh", ["/tmp/x", "0"], {}, "'/tmp/x' is not a seed: the queue takes seeds only"),
    ("sprig-queue.sh", ["0"], {"RUNS_ROOT": ""}, "RUNS_ROOT is empty"),
    ("stac-mujoco.sh", ["out", "x"], {}, "seed 'x' is not a whole number"),
    ("stac-mujoco.sh", ["out", "0..2"], {}, "seed '0..2' is not a whole number"),
    ("stac-mujoco.sh", ["out", "0"], {"TASKS": "hoper"}, "TASKS: 'hoper' is not one of"),
    ("sprig-minatar.sh", ["out", "0"], {"VARIANTS": "bogus ppo_cnn"}, "VARIANTS: 'bogus' is not one of: ppo_cnn ppo_attention"),
    ("sprig-sweep.sh", ["out", "0"], {"ALPHAS": "0 a"}, "ALPHAS: 'a' is not a number"),
    ("sprig-sweep.sh", ["out", "0"], {"ALPHAS": "-0.1"}, "ALPHAS: '-0.1' is negative: give numbers ≥ 0"),
    ("sprig-sweep.sh", ["out", "0"], {"ALPHAS": " "}, "ALPHAS is empty"),
    ("sprig-queue.sh", ["1", "y"], {}, "seed 'y' is not a whole number"),
    ("sprig-beamrider.sh", ["out", "0"], {"ANNEAL_STEPS": "1e6"}, "ANNEAL_STEPS=1e6 is less than STEPS=2e6"),
    ("sprig-beamrider.sh", ["out", "0"], {"ANNEAL_STEPS": "1999999.6"}, "ANNEAL_STEPS=1999999.6 is not a whole number"),
    ("stac-ablation.sh", ["bogus"], {}, "usage:"),
    ("bridge.sh", ["out", "0"], {"STEPS_MUJOCO": "-5"}, "STEPS_MUJOCO=-5 is not a whole number of environment steps"),
    ("stac-cartpole.sh", ["out", "-1"], {}, "seed '-1' is not a whole number"),
    ("stac-mujoco.sh", ["out", "0"], {"STACKELBERG_CLI": "/nonexistent/stackelberg"}, "STACKELBERG_CLI=/nonexistent/stackelberg is not an executable file"),
    # An empty OUT ("$OUT" unset) read as no OUT and trained into the committed grid under runs/.
    ("stac-cartpole.sh", ["", "0"], {}, "OUT is empty (an unset shell variable?)"),
    ("sprig-sweep.sh", [""], {}, "OUT is empty (an unset shell variable?)"),
    # train writes seed 007 to seed7; the script's skip, resume and lock looked at seed007.
    ("bridge.sh", ["out", "007"], {}, "seed '007' has a leading zero: write it as 7"),
    ("sprig-queue.sh", ["00"], {}, "seed '00' has a leading zero: write it as 0"),
])
def test_a_bad_argument_stops_the_script_before_anything_is_written(tmp_path, script, args, env, said):
    cli = fake_cli(tmp_path / "cli")
    p = run(script, *args, cwd=tmp_path, env={"STACKELBERG_CLI": str(cli), **env})
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert said in p.stderr, p.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "calls.log").exists()


@pytest.mark.parametrize("code", [130, 143])
def test_a_stopped_run_stops_the_grid(tmp_path, code):
    cli = fake_cli(tmp_path / "cli", exit_code=code)
    p = run("stac-mujoco.sh", "out", "0", cwd=tmp_path, env={"STACKELBERG_CLI": "cli", "TASKS": "hopper", "LONG_STEPS": "0"})
    assert p.returncode == code, (p.stdout, p.stderr)
    assert "stopped: hopper ddpg individual seed 0" in p.stdout and "run this script again to resume" in p.stdout
    assert "FAILED" not in p.stdout
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 1, calls  # the next run was not started
    # OUT and STACKELBERG_CLI ("cli") were read relative to the caller's directory.
    assert f"--out {tmp_path}/out " in calls[0] + " "


def test_failed_runs_are_logged_the_grid_goes_on_and_the_script_exits_1(tmp_path):
    fake_cli(tmp_path / "cli", exit_code=1)
    p = run("stac-mujoco.sh", "out", "0", cwd=tmp_path, env={"STACKELBERG_CLI": "cli", "TASKS": "hopper", "LONG_STEPS": "0"})
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stdout.count("FAILED:") == 6 and "6 run(s) failed" in p.stderr
    assert len((tmp_path / "calls.log").read_text().splitlines()) == 6


def test_finished_runs_are_skipped_and_another_budget_is_refused(tmp_path):
    fake_cli(tmp_path / "cli", finish=True)
    env = {"STACKELBERG_CLI": "cli", "GAMES": "breakout", "VARIANTS": "ppo_cnn sprig", "STEPS": "2e4"}
    first = run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env=env)
    assert first.returncode == 0, (first.stdout, first.stderr)
    assert len((tmp_path / "calls.log").read_text().splitlines()) == 2
    again = run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env=env)
    assert again.returncode == 0 and again.stdout.count("finished, skipped") == 2, again.stdout
    assert len((tmp_path / "calls.log").read_text().splitlines()) == 2
    other = run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env={**env, "STEPS": "3e4"})
    assert other.returncode == 2, (other.stdout, other.stderr)
    assert "was started with total_steps = 20000, and this grid asks for 30000: keep its budget (STEPS=20000)" in other.stderr
    # A grid whose budgets come from several variables names the one behind the run (it said STEPS for all).
    bridge = {"STACKELBERG_CLI": "cli", "STEPS_MINATAR": "2e4", "STEPS_MUJOCO": "2e4"}
    assert run("bridge.sh", "br", "0", cwd=tmp_path, env=bridge).returncode == 0
    other = run("bridge.sh", "br", "0", cwd=tmp_path, env={**bridge, "STEPS_MINATAR": "3e4"})
    assert other.returncode == 2 and "keep its budget (STEPS_MINATAR=20000)" in other.stderr, other.stderr


def test_every_run_is_checked_before_the_first_trains(tmp_path):
    # The budget of a run already there, and train's own refusals, were met only when the grid reached
    # that run: the runs before it had trained by then (hours, in a real grid).
    fake_cli(tmp_path / "cli", finish=True)
    env = {"STACKELBERG_CLI": "cli", "GAMES": "breakout asterix", "VARIANTS": "ppo_cnn", "STEPS": "2e4"}
    assert run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env={**env, "GAMES": "asterix"}).returncode == 0
    (tmp_path / "calls.log").unlink()
    p = run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env={**env, "STEPS": "3e4"})
    assert p.returncode == 2 and "was started with total_steps = 20000, and this grid asks for 30000" in p.stderr, p.stderr
    assert not (tmp_path / "calls.log").exists() and not (tmp_path / "out" / "ppo_cnn" / "minatar_breakout").exists()
    # A setting train refuses for the grid's last run stops it before the first.
    fake_cli(tmp_path / "cli", finish=True, refuse="--coupling sprig --env minatar/asterix")
    (tmp_path / "dry.log").unlink()
    p = run("sprig-minatar.sh", "new", "0", cwd=tmp_path, env={**env, "VARIANTS": "ppo_cnn sprig"})
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "error: refused: --coupling sprig --env minatar/asterix" in p.stderr, p.stderr
    assert "sprig asterix seed 0: train refuses this run" in p.stderr, p.stderr
    assert not (tmp_path / "calls.log").exists() and not (tmp_path / "new").exists()
    # Each of the four runs is checked with the command it would train with, and --dry-run.
    dry = (tmp_path / "dry.log").read_text().splitlines()
    assert len(dry) == 4, dry
    assert dry[-1].startswith(f"train --algo ppo --coupling sprig --env minatar/asterix --seeds 0 --steps 2e4 --out {tmp_path}/new/sprig "), dry
    assert dry[-1].endswith(" --dry-run"), dry


def test_the_check_pass_leaves_a_run_another_copy_trains_to_that_copy(tmp_path):
    # Two copies share a grid: the run copy A trains (it holds DIR.lock) would be refused by copy B's dry run
    # (train: "is being trained by another process"), which stopped copy B.
    fake_cli(tmp_path / "cli", finish=True, refuse="--env minatar/breakout")
    env = {"STACKELBERG_CLI": "cli", "GAMES": "breakout asterix", "VARIANTS": "ppo_cnn", "STEPS": "2e4"}
    lock = tmp_path / "out" / "ppo_cnn" / "minatar_breakout" / "ppo-monolithic" / "seed0.lock"
    lock.parent.mkdir(parents=True)
    lock.touch()
    holder = subprocess.Popen(["flock", str(lock), "sleep", "30"])
    try:
        time.sleep(0.5)
        p = run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env=env)
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert f"ppo_cnn breakout seed 0: taken by another worker (a process holds {lock}), skipped" in p.stdout, p.stdout
        assert "1 run(s) left to the worker that holds their lock" in p.stderr, p.stderr
        assert "--env minatar/breakout" not in (tmp_path / "dry.log").read_text()
    finally:
        holder.kill()
        holder.wait()


def test_settings_refused_as_a_run_starts_stop_the_grid(tmp_path):
    # Some refusals come only as the agent is built (after the check pass's dry run): train exits 78, and
    # the grid's other runs of the kind would be refused alike, so the script stops (exit 2), not logs a failure.
    fake_cli(tmp_path / "cli", exit_code=78)
    p = run("stac-mujoco.sh", "out", "0", cwd=tmp_path, env={"STACKELBERG_CLI": "cli", "TASKS": "hopper", "LONG_STEPS": "0"})
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "hopper ddpg individual seed 0 steps 4e5: train refused its settings" in p.stderr and "FAILED" not in p.stdout, p.stderr
    assert len((tmp_path / "calls.log").read_text().splitlines()) == 1


def test_a_budget_below_one_rollout_is_refused_before_any_run(stackelberg_bin, tmp_path):
    # With the real CLI: every run of such a grid failed (exit 1), one after the other.
    p = run("sprig-minatar.sh", "out", "0", cwd=tmp_path,
            env={"STACKELBERG_CLI": str(stackelberg_bin), "GAMES": "breakout", "VARIANTS": "ppo_cnn sprig", "STEPS": "100"})
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "total_steps (100) is less than one rollout" in p.stderr and "ppo_cnn breakout seed 0: train refuses this run" in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()


def test_a_cut_short_summary_is_not_a_finished_run(tmp_path):
    # Any summary.json counted as finished, so a run whose summary was cut short was skipped forever
    # (train --resume rewrites it; `sweep status` says such a run failed).
    fake_cli(tmp_path / "cli", finish=True)
    env = {"STACKELBERG_CLI": "cli", "GAMES": "breakout", "VARIANTS": "ppo_cnn sprig", "STEPS": "2e4"}
    assert run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env=env).returncode == 0
    summaries = sorted((tmp_path / "out").rglob("summary.json"))
    assert len(summaries) == 2
    summaries[0].write_text('{"total_steps": 2')
    again = run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env=env)
    assert again.returncode == 0 and again.stdout.count("finished, skipped") == 1, again.stdout
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 3 and str(summaries[0].parent.parent.parent.parent.name) in calls[2], calls


@pytest.mark.parametrize("mode, expected", [
    # Each ablation changes one setting of the grid's runs and keeps the rest (the grid's catch_up first round).
    ("constant-lambda", [("sac", "actor-leader", "halfcheetah", "--set stackelberg.lambda_time_constant=0 --set first_updates=catch_up"),
                         ("ddpg", "actor-leader", "halfcheetah", "--set stackelberg.lambda_time_constant=0 --set first_updates=catch_up")]),
    ("plain-cg", [("sac", "critic-leader", "halfcheetah", "--set stackelberg.cg_negative_curvature=continue --set first_updates=catch_up"),
                  ("ddpg", "critic-leader", "halfcheetah", "--set stackelberg.cg_negative_curvature=continue --set first_updates=catch_up")]),
    # The cadence ablation runs the base too: both change their first round, so they compare like with like.
    ("cadence", [("ddpg", "individual", "hopper", "--set first_updates=cadence"),
                 ("ddpg", "actor-leader", "hopper", "--set first_updates=cadence")]),
    # cadence-lambda changes one more setting of the cadence runs, which it is read against.
    ("cadence-lambda", [("ddpg", "actor-leader", "hopper", "--set stackelberg.lambda_time_constant=0 --set first_updates=cadence")]),
])
def test_each_stac_ablation_runs_the_grid_with_one_setting_changed(tmp_path, mode, expected):
    cli = fake_cli(tmp_path / "fake.sh", finish=True)
    done = run("stac-ablation.sh", mode, "out", "3", cwd=tmp_path, env={"STACKELBERG_CLI": str(cli), "STEPS": "1000"})
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls == [f"train --algo {a} --coupling {c} --env mujoco/{t} --seeds 3 --steps 1000 --out {tmp_path}/out --quiet "
                     f"--set checkpoint_interval=10000 {s}" for a, c, t, s in expected]


def test_beamrider_runs_the_start_of_a_1e7_step_schedule(tmp_path):
    # The paper's early-learning comparison is the first 2e6 steps of 1e7-step runs: every variant anneals
    # its learning rates over 1e7 (ANNEAL_STEPS), not over the 2e6 it runs.
    cli = fake_cli(tmp_path / "fake.sh", finish=True)
    done = run("sprig-beamrider.sh", "out", "1", cwd=tmp_path, env={"STACKELBERG_CLI": str(cli)})
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 3, calls
    for call, coupling in zip(calls, ("monolithic", "monolithic", "sprig")):
        assert call.startswith(f"train --algo ppo --coupling {coupling} --env atari/beam_rider --seeds 1 --steps 2e6 "), call
        assert "--set anneal_steps=1e7" in call, call


def test_a_lock_that_cannot_be_opened_stops_the_script(tmp_path):
    # A directory at DIR.lock read as a lock another worker holds: the run was skipped "as taken", exit 0.
    fake_cli(tmp_path / "cli", finish=True)
    lock = tmp_path / "out" / "ppo_cnn" / "minatar_breakout" / "ppo-monolithic" / "seed0.lock"
    lock.mkdir(parents=True)
    p = run("sprig-minatar.sh", "out", "0", cwd=tmp_path, env={"STACKELBERG_CLI": "cli", "GAMES": "breakout", "VARIANTS": "ppo_cnn", "STEPS": "2e4"})
    assert p.returncode == 2 and f"{lock} is not a writable file" in p.stderr, (p.stdout, p.stderr)
    assert not (tmp_path / "calls.log").exists()


def slow_cli(path: Path) -> Path:
    """A stand-in for a run that trains until stopped, then takes a second to checkpoint (writing
    checkpointed.txt beside it) and exits 128 + the signal, as train does."""
    path.write_text(f"""#!/usr/bin/env bash
case " $* " in *" --dry-run "*) exit 0 ;; esac
echo "$@" >> "{path.parent}/calls.log"
stop() {{ sleep 1; echo "$1" > "{path.parent}/checkpointed.txt"; exit "$1"; }}
trap 'stop 130' INT
trap 'stop 143' TERM
echo started > "{path.parent}/started.txt"
for _ in $(seq 300); do sleep 0.1; done
exit 0
""")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.mark.parametrize("script, args, sig, code", [
    ("sprig-minatar.sh", ["out", "0"], signal.SIGTERM, 143),
    ("sprig-minatar.sh", ["out", "0"], signal.SIGINT, 130),
    ("sprig-queue.sh", ["0"], signal.SIGTERM, 143),
    ("sprig-queue.sh", ["0"], signal.SIGINT, 130),
])
def test_a_stop_signal_to_the_script_alone_reaches_its_run_and_is_waited_for(tmp_path, script, args, sig, code):
    # kill -TERM PID (a scheduler's stop) killed the script at once and left the run training on with its lock, so
    # the script run again skipped it "as taken" and exited 0; SIGINT to the script alone was ignored.
    slow_cli(tmp_path / "cli")
    env = {**os.environ, "STACKELBERG_CLI": "cli", "GAMES": "breakout", "VARIANTS": "ppo_cnn", "STEPS": "2e4",
           "RUNS_ROOT": str(tmp_path / "root")}
    p = subprocess.Popen([str(SCRIPTS / script), *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (tmp_path / "started.txt").exists() and time.time() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "started.txt").exists()
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == code, (p.returncode, out, err)
    # The script ended after its run had checkpointed, said so, and started nothing else.
    assert (tmp_path / "checkpointed.txt").read_text().strip() == str(code)
    assert "stopped: ppo_cnn breakout seed 0 (checkpointed; run this script again to resume)" in out, (out, err)
    assert len((tmp_path / "calls.log").read_text().splitlines()) == 1


def test_the_queue_checks_every_script_before_the_first_run_and_gives_beamrider_only_its_seeds(tmp_path):
    # A bad ALPHAS (read by the sweep, the queue's second script) stopped the queue only after the MinAtar grid
    # had trained (hours); and the queue trained BeamRider seeds 0 and 1 whatever seeds it was given.
    fake_cli(tmp_path / "cli", finish=True)
    env = {"STACKELBERG_CLI": "cli", "GAMES": "breakout", "VARIANTS": "ppo_cnn", "STEPS": "2e4", "RUNS_ROOT": "root",
           "ALPHAS": "0", "LAMBDAS": "1e-4"}
    p = run("sprig-queue.sh", "0", cwd=tmp_path, env={**env, "ALPHAS": "0,0.3"})
    assert p.returncode == 2 and "ALPHAS: '0,0.3' is not a number" in p.stderr, (p.stdout, p.stderr)
    assert not (tmp_path / "calls.log").exists() and not (tmp_path / "root").exists()
    p = run("sprig-queue.sh", "0", cwd=tmp_path, env=env)
    assert p.returncode == 0, (p.stdout, p.stderr)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert all(f"--out {tmp_path}/root/sprig_" in c for c in calls), calls
    beam = [c for c in calls if "beam_rider" in c]
    assert len(beam) == 1 and "--seeds 0 " in beam[0], beam  # VARIANTS=ppo_cnn: one BeamRider run, seed 0 only
