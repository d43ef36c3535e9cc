"""`stackelberg sweep`: the local job pool's exact resume after a kill, and the Slurm backend on a real
single-node Slurm (started by scripts/slurm/setup-single-node.sh; skipped with the reason when absent).

Both train a CartPole grid of 4 short runs (DQN and DQN + SCORER, seeds 0 and 1) and compare every
run's logs byte for byte with an uninterrupted local run of the same plan.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

LOGS = ("episodes.csv", "updates.csv", "eval.csv")


def write_plan(path: Path, out: Path, steps: int) -> Path:
    path.write_text(f"""
out = "{out}"
algorithms = ["dqn"]
couplings = ["monolithic", "scorer"]
environments = ["cartpole"]
seeds = [0, 1]
steps = {steps}

[settings]
checkpoint_interval = 2000
eval_interval = 10000
eval_episodes = 2
tensorboard = false
""")
    return path


def run_dirs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("config.toml"))


def assert_same_logs(reference: Path, other: Path) -> None:
    ref = run_dirs(reference)
    assert len(ref) == 4
    for d in ref:
        twin = other / d.relative_to(reference)
        assert (twin / "summary.json").is_file(), f"{twin} has not finished"
        for log in LOGS:
            assert (d / log).read_bytes() == (twin / log).read_bytes(), f"{twin / log} differs from the uninterrupted run"


def wait_for(predicate, timeout: float, what: str) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="module")
def reference(tmp_path_factory, stackelberg_bin):
    """An uninterrupted local run of the plan."""
    tmp = tmp_path_factory.mktemp("sweep-ref")
    plan = write_plan(tmp / "plan.toml", tmp / "out", steps=40000)
    r = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "2"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return tmp / "out"


def pool_at_first_checkpoint(tmp_path: Path, stackelberg_bin: Path, steps: int = 40000, jobs: int = 2):
    """A pool running write_plan's four runs, once the first run (dqn-monolithic, seed 0) has checkpointed:
    (plan, that run's directory, the pool with its output piped)."""
    plan = write_plan(tmp_path / "plan.toml", tmp_path / "out", steps=steps)
    first = tmp_path / "out/default/cartpole/dqn-monolithic/seed0"
    pool = subprocess.Popen([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", str(jobs)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for(lambda: (first / "checkpoint.state").is_file(), 120, "the first run's first checkpoint")
    return plan, first, pool


def first_train_process(pool: subprocess.Popen) -> int:
    """The train process of the plan's first run (dqn-monolithic, seed 0): a child of the pool the test started."""
    children = subprocess.run(["pgrep", "-P", str(pool.pid)], capture_output=True, text=True).stdout.split()
    for pid in children:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"monolithic" in args and args[args.index(b"--seeds") + 1] == b"0":
            return int(pid)
    raise AssertionError(f"no train process for seed 0 among {children}")


def test_killed_train_process_fails_visibly_then_resumes_exactly(tmp_path, stackelberg_bin, reference):
    plan, first, pool = pool_at_first_checkpoint(tmp_path, stackelberg_bin)
    os.kill(first_train_process(pool), signal.SIGKILL)
    out, _ = pool.communicate(timeout=600)
    # A killed run is reported, never dropped: exit 1, its error in the output and in its directory.
    assert pool.returncode == 1, out
    assert "FAILED" in out and "killed by signal 9" in out, out
    assert (first / "sweep-failed.txt").is_file()
    assert not (first / "summary.json").exists()
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True)
    assert status.returncode == 1
    assert "failed" in status.stdout and "killed by signal 9" in status.stdout, status.stdout
    assert "3 finished" in status.stdout, status.stdout
    # Again: the finished runs are skipped, the killed one resumes from its checkpoint.
    again = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan)], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "3 finished (skipped)" in again.stdout and "resume" in again.stdout, again.stdout
    assert not (first / "sweep-failed.txt").exists()
    # The run's log keeps the failure, which sweep-failed.txt no longer holds (it left no line of its own there).
    assert re.search(r"sweep run: FAILED \(run 0\), exit 137: killed by signal 9", (first / "sweep.log").read_text()), (first / "sweep.log").read_text()
    assert_same_logs(reference, tmp_path / "out")


def test_a_train_stopped_alone_is_interrupted_not_failed(tmp_path, stackelberg_bin):
    """SIGTERM to one train process (a scheduler's preemption, a `kill`): it checkpointed and exited 143, and the pool
    counted it FAILED, wrote sweep-failed.txt and had status call it failed."""
    plan, first, pool = pool_at_first_checkpoint(tmp_path, stackelberg_bin)
    os.kill(first_train_process(pool), signal.SIGTERM)
    out, _ = pool.communicate(timeout=600)
    assert pool.returncode == 1, out
    assert f"stopped  {first} (its train was stopped alone, exit 143, and checkpointed; `sweep run` again resumes it)" in out, out
    assert "FAILED" not in out and not (first / "sweep-failed.txt").exists(), out
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True)
    assert status.returncode == 0 and "3 finished, 0 running, 1 interrupted" in status.stdout, status.stdout


def test_ctrl_c_stops_the_pool_with_checkpoints_and_the_same_command_continues(tmp_path, stackelberg_bin, reference):
    plan, first, pool = pool_at_first_checkpoint(tmp_path, stackelberg_bin)
    pool.send_signal(signal.SIGINT)
    out, _ = pool.communicate(timeout=300)
    assert pool.returncode == 130, out
    assert "stopped" in out and "FAILED" not in out, out
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True)
    assert status.returncode == 0 and "interrupted" in status.stdout, status.stdout
    again = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan)], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert_same_logs(reference, tmp_path / "out")


def test_a_second_ctrl_c_stops_the_runs_at_once_and_the_same_command_continues(tmp_path, stackelberg_bin):
    """The pool forwards each stop signal once: the first makes the runs checkpoint after their update (a PPO update
    of 100 epochs here, seconds long), the second, a second later, stops them there. The terminal's Ctrl-C reaches
    the runs too (the whole process group), a moment before the pool's copy: a run counts that pair as one."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["ppo"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 8192\n[settings]\n'
                    'num_envs = 8\nrollout_length = 512\nepochs = 100\nminibatches = 1\ncheckpoint_interval = 4096\ntensorboard = false\n'
                    '"network.actor_widths" = [512, 512]\n"network.critic_widths" = [512, 512]\n')
    run = tmp_path / "out/default/cartpole/ppo-monolithic/seed0"
    pool = subprocess.Popen([str(stackelberg_bin), "sweep", "run", str(plan)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    wait_for(lambda: (run / "checkpoint.state").is_file(), 300, "the run's first checkpoint")
    os.killpg(pool.pid, signal.SIGINT)  # as the terminal delivers Ctrl-C: to the pool and its runs
    time.sleep(1.3)
    assert pool.poll() is None, "the update ended before the second Ctrl-C; make it longer"
    os.killpg(pool.pid, signal.SIGINT)
    sent = time.time()
    out, _ = pool.communicate(timeout=60)
    assert time.time() - sent < 3, "the second Ctrl-C waited for the update: " + out
    assert pool.returncode == 130, out
    assert "stopped at once: `stackelberg sweep run" in out and "FAILED" not in out, out
    assert "stopped at once: --resume continues from the last checkpoint" in (run / "sweep.log").read_text()
    again = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan)], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "resume" in again.stdout, again.stdout + again.stderr
    assert json.loads((run / "summary.json").read_text())["env_steps"] == 8192


def test_bad_plan_is_refused_with_its_line_before_anything_is_written(tmp_path, stackelberg_bin):
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\ncouplings = ["actor-leader"]\n'
                    'environments = ["cartpole"]\nseeds = [0]\nsteps = 1e4\n')
    for command in (["plan"], ["run"], ["status"]):
        r = subprocess.run([str(stackelberg_bin), "sweep", *command, str(plan)], capture_output=True, text=True)
        assert r.returncode == 78
        assert f"{plan}:3: dqn-actor-leader: dqn does not take the coupling actor-leader" in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_an_output_root_under_a_file_is_named_not_a_foundation_error(tmp_path, stackelberg_bin):
    # `sweep status` and `sweep run` printed "(NSCocoaErrorDomain error 512.)" for an `out` under a file.
    blocker = tmp_path / "afile"
    blocker.write_text("a file")
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{blocker}/runs"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = "0"\nsteps = 1e3\n')
    for command in (["status"], ["run", "--jobs", "1"]):
        r = subprocess.run([str(stackelberg_bin), "sweep", *command, str(plan)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 78, (r.returncode, r.stderr)
        assert f"`out` lies under {blocker}, which is a file, not a directory" in r.stderr, r.stderr
        assert "NSCocoaErrorDomain" not in r.stderr
    assert blocker.read_text() == "a file"


def test_a_finished_run_of_an_edited_plan_is_refused_not_skipped(tmp_path, stackelberg_bin):
    """An edited plan skipped its finished runs as finished, and sweep.json then stated the edited settings for
    runs that never had them; an interrupted run in the same case was already refused by train --resume."""
    plan = tmp_path / "plan.toml"
    text = (f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n'
            '[settings]\ntensorboard = false\neval_episodes = 1\n')
    plan.write_text(text)
    first = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    manifest = (tmp_path / "out" / "sweep.json").read_text()
    plan.write_text(text.replace("steps = 1000", "steps = 2000"))
    for command in (["run", "--jobs", "1"], ["status"]):
        r = subprocess.run([str(stackelberg_bin), "sweep", *command, str(plan)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 1, (command, r.stdout, r.stderr)
        said = r.stderr if command[0] == "run" else r.stdout
        assert "total_steps: ran 1000, the plan now 2000" in said and "restore the plan" in said, said
    assert (tmp_path / "out" / "sweep.json").read_text() == manifest
    # The plan restored: finished and skipped as before.
    plan.write_text(text)
    again = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "1 finished (skipped)" in again.stdout, again.stdout + again.stderr


def test_an_interrupted_run_of_an_edited_plan_is_refused_before_anything_trains(tmp_path, stackelberg_bin):
    """With runs interrupted, an edited plan was "2 interrupted, N pending" to status; run then trained the pending
    runs with the new settings, failed the interrupted ones with train's advice (--set …), and left a sweep that
    neither plan could finish. Now both say so, and run trains nothing."""
    plan, first, pool = pool_at_first_checkpoint(tmp_path, stackelberg_bin, steps=8000, jobs=1)
    pool.send_signal(signal.SIGINT)
    out, _ = pool.communicate(timeout=300)
    assert pool.returncode == 130, out
    text = plan.read_text()
    plan.write_text(text.replace("eval_interval = 10000", "eval_interval = 5000"))
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True)
    assert status.returncode == 1 and "interrupted, and started with other settings than the plan now gives it (eval_interval: ran 10000, the plan now 5000)" in status.stdout, status.stdout
    # Killed rather than stopped, the pool records the failure beside the checkpoint ("`sweep run` again resumes
    # it"), which status showed instead of the edit that makes the resume refused.
    interrupted = next(c.parent for c in (tmp_path / "out").rglob("checkpoint.state"))
    failure = interrupted / "sweep-failed.txt"
    failure.write_text("exit 137\nkilled by signal 9 (its last checkpoint is kept: `sweep run` again resumes it)\n")
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True)
    assert "interrupted, and started with other settings than the plan now gives it" in status.stdout, status.stdout
    assert "killed by signal 9" not in status.stdout, status.stdout
    failure.unlink()
    before = sorted(str(p) for p in (tmp_path / "out").rglob("*"))
    again = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert again.returncode != 0 and "1 interrupted run of" in again.stderr and "(nothing was trained)" in again.stderr, again.stdout + again.stderr
    assert "restore the plan to resume it, or remove its directory to start it anew" in again.stderr, again.stderr
    assert sorted(str(p) for p in (tmp_path / "out").rglob("*")) == before
    # The plan restored: the run resumes and the others train.
    plan.write_text(text)
    again = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_hangup_stops_the_pool_like_sigterm_and_its_log_is_written_as_it_goes(tmp_path, stackelberg_bin):
    """A closed ssh session (SIGHUP) killed the pool at once (129, no word) with its train processes running on
    unwatched; and `sweep run … > log` held every line in stdio's buffer until the pool exited."""
    plan = write_plan(tmp_path / "plan.toml", tmp_path / "out", steps=40000)
    first = tmp_path / "out/default/cartpole/dqn-monolithic/seed0"
    second = tmp_path / "out/default/cartpole/dqn-monolithic/seed1"
    log = tmp_path / "pool.log"
    with open(log, "w") as f:
        # SIGHUP at its default, as in a terminal: under nohup (or a runner that ignores it) the pool keeps it
        # ignored on purpose, and the test would measure that instead.
        pool = subprocess.Popen([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], stdout=f, stderr=subprocess.STDOUT,
                                preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
        wait_for(lambda: (second / "checkpoint.state").is_file(), 300, "the second run's first checkpoint")
        # The first run's line is in the log while the pool runs.
        assert f"finished {first}" in log.read_text(), log.read_text()
        pool.send_signal(signal.SIGHUP)
        pool.wait(timeout=300)
    assert pool.returncode == 129, log.read_text()
    text = log.read_text()
    assert f"stopped  {second} (checkpointed; `sweep run` again resumes it)" in text, text
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True)
    # The stopped run checkpointed and exited with the pool: none runs on unwatched.
    assert status.returncode == 0 and "finished, 0 running, 1 interrupted," in status.stdout, status.stdout


def test_a_run_another_process_takes_after_the_pool_started_is_left_to_it(tmp_path, stackelberg_bin):
    """A second pool (or a hand-started train) taking a run after this pool had queued it made this pool report it
    FAILED ("being trained by another process") and exit 1, and wrote this pool's lines into its log."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0, 1]\nsteps = 20000\n'
                    '[settings]\ntensorboard = false\neval_episodes = 1\n')
    pool = subprocess.Popen([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seed0 = tmp_path / "out/default/cartpole/dqn-monolithic/seed0"
    wait_for(lambda: (seed0 / "run.lock").exists(), 120, "the pool's first run")
    # Seed 1, queued by the pool, taken by hand with the plan's own command.
    other = subprocess.Popen([str(stackelberg_bin), "train", "--algo", "dqn", "--coupling", "monolithic", "--env", "cartpole",
                              "--seeds", "1", "--steps", "20000", "--out", str(tmp_path / "out/default"), "--quiet", "--jobs", "1",
                              "--set", "tensorboard=false", "--set", "eval_episodes=1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = pool.communicate(timeout=600)
    assert other.wait(timeout=600) == 0
    assert pool.returncode == 0 and "FAILED" not in out, out
    assert "1 finished now" in out and "1 taken by another process meanwhile" in out, out
    assert (tmp_path / "out/default/cartpole/dqn-monolithic/seed1/summary.json").exists()


def test_a_variant_name_longer_than_a_directory_name_is_refused_by_the_plan(tmp_path, stackelberg_bin):
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n'
                    f'[grid]\nv = [{{ name = "{"x" * 300}", gamma = 0.9 }}]\n')
    r = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 78 and "is 300 bytes, more than the 255 a directory name may have" in r.stderr, r.stderr


def test_variants_that_differ_only_in_keys_a_run_does_not_read_are_refused(tmp_path, stackelberg_bin):
    """AC under `individual` does not read stackelberg.unroll: the two `ac` variants trained the same runs twice, and
    compare listed the copies as two results."""
    plan = tmp_path / "plan.toml"
    head = f'out = "{tmp_path}/out"\nalgorithms = ["ac"]\nenvironments = ["cartpole"]\nseeds = [0, 1]\nsteps = 4000\n[grid]\n'
    plan.write_text(head + '"stackelberg.unroll" = [1, 80]\nvariant = [{ name = "ac", coupling = "individual" }, { name = "stac", coupling = "actor-leader" }]\n')
    r = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 78 and "variants unroll=1+ac and unroll=80+ac train the same ac-individual runs on cartpole: " \
        "what tells them apart (stackelberg.unroll) has no effect on ac-individual" in r.stderr, r.stderr
    assert r.stderr.count("train the same") == 1, r.stderr  # once for the pair of variants, not per seed
    # Setting the key each coupling reads makes them distinct runs.
    plan.write_text(head + 'unroll = [{ name = "m1", "individual.unroll" = 1, "stackelberg.unroll" = 1 },'
                           ' { name = "m80", "individual.unroll" = 80, "stackelberg.unroll" = 80 }]\n'
                           'variant = [{ name = "ac", coupling = "individual" }, { name = "stac", coupling = "actor-leader" }]\n')
    r = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "8 runs" in r.stdout, r.stdout + r.stderr
    # A solver's options count only under that solver: crossing the solver with CG's budget trains the Neumann
    # runs twice.
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["ddpg"]\ncouplings = ["actor-leader"]\nenvironments = ["pendulum"]\n'
                    'seeds = [0]\nsteps = 4000\n[settings]\n"stackelberg.neumann_alpha" = 1e-3\n[grid]\n"stackelberg.solver" = ["cg", "neumann"]\n"stackelberg.cg_iterations" = [5, 20]\n')
    r = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 78 and "train the same ddpg-actor-leader runs on pendulum: what tells them apart (stackelberg.cg_iterations) " \
        "has no effect on ddpg-actor-leader" in r.stderr, r.stderr


def test_a_plan_refuses_attention_modules_that_cannot_build_or_train_the_same_run_twice(tmp_path, stackelberg_bin):
    """SPRIG's module settings in a plan: a stem that leaves no cell of MinAtar's frame passed `sweep plan` and failed
    in `sweep run`; temporal blocks over one frame, and `auto` beside the stem it picks, trained the same runs twice."""
    plan = tmp_path / "plan.toml"
    head = f'out = "{tmp_path}/out"\nalgorithms = ["ppo"]\ncouplings = ["sprig"]\nenvironments = ["minatar/breakout"]\nseeds = [0]\nsteps = 8192\n'

    def sweep_plan(body):
        plan.write_text(head + body)
        return subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=120)

    r = sweep_plan('[grid]\n"perception.stem" = ["auto", "nature3"]\n')
    assert r.returncode == 78 and "perception.stem = nature3 leaves no cell of a 10×10 frame" in r.stderr and "stems that fit it: minatar" in r.stderr, r.stderr
    r = sweep_plan('[grid]\n"perception.stem" = ["auto", "minatar"]\n')
    assert r.returncode == 78 and "variants stem=auto and stem=minatar train the same ppo-sprig runs on minatar/breakout: " \
        'perception.stem = "auto" and "minatar" are both "minatar" on minatar/breakout' in r.stderr, r.stderr
    r = sweep_plan('[settings]\nenv_frame_stack = 1\n[grid]\n"perception.temporal_blocks" = [0, 2]\n')
    assert r.returncode == 78 and "what tells them apart (perception.temporal_blocks) has no effect on ppo-sprig (perception.temporal_blocks " \
        "attends across stacked frames, and env_frame_stack = 1 stacks none on minatar/breakout" in r.stderr, r.stderr
    # Every combination an agent refuses, each at the line that sets its key, not the first alone.
    r = sweep_plan('[settings]\nminibatches = 7\n[grid]\n"perception.stem" = ["nature3"]\n')
    assert r.returncode == 78 and "minibatches (7) must divide the rollout's 8192 steps" in r.stderr \
        and "perception.stem = nature3 leaves no cell of a 10×10 frame" in r.stderr and "2 problems in" in r.stderr, r.stderr
    lines = {l.split(": invalid configuration: ")[1][:20]: l.split(":")[2] for l in r.stderr.splitlines() if ": invalid configuration: " in l}
    assert lines == {"minibatches (7) must": "8", "perception.stem = na": "10"}, r.stderr
    # [slurm] mem is what each run's task gets: its memory check judges against it, not this machine's memory.
    r = sweep_plan('[settings]\n"perception.spatial_blocks" = 4\n[slurm]\nmem = "2G"\n')
    assert r.returncode == 78 and "setting perception.spatial_blocks must be a block count whose attention activations fit in memory" in r.stderr \
        and 'each Slurm task has 2.1 GB ([slurm] mem = "2G")' in r.stderr, r.stderr
    r = sweep_plan('[settings]\n"perception.spatial_blocks" = 4\n[slurm]\nmem = "16G"\n')
    assert r.returncode == 0, r.stderr
    # Over MinAtar PPO's two stacked frames they are distinct runs.
    r = sweep_plan('[grid]\n"perception.temporal_blocks" = [0, 2]\n')
    assert r.returncode == 0 and "2 runs" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("extra, said", [
    ('[settings]\ngamma = nan\n', ":8: setting gamma = nan is not a finite number"),
    ('[grid]\nlr = [1e-3, inf]\n', "grid axis `lr`: value 2 (inf) is not a finite number"),
    ('[slurm]\nextra = ["--foo\\nbar"]\n', "slurm.extra holds a line break"),
    ('[slurm]\nmem = "lots"\n', 'slurm.mem "lots" is not Slurm\'s format'),
])
def test_plan_values_a_run_or_its_script_cannot_take_are_refused(tmp_path, stackelberg_bin, extra, said):
    """nan was refused as "must be a string, number, boolean…"; a line break in a [slurm] value put a line of
    its own into the array script, and slurm.mem was not checked at all."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n\n' + extra)
    r = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 78 and said in r.stderr, r.stderr


def test_an_agents_own_refusal_points_at_the_setting_it_names(tmp_path, stackelberg_bin):
    """Refusals from an agent's own check (not a setting's range) were all put on the `environments` line."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["ppo"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n'
                    '[settings]\nlr = 0.1\nrollout_length = 1000\n')
    r = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 78 and f"{plan}:8: default/cartpole/ppo-monolithic: invalid configuration: total_steps (1000)" in r.stderr, r.stderr


@pytest.mark.parametrize("rates, said", [
    ('[rates."dqn-scorr"]\n"cartpole" = 5.0\n', "rates.dqn-scorr is not an algorithm-coupling pair"),
    ('[rates."dqn-monolithic"]\n"cartpole" = inf\n', "must be a number of steps per second from 0.001 to 1e9, got inf"),
    ('[rates."dqn-monolithic"]\n"cartpole" = 1e-300\n', "must be a number of steps per second from 0.001 to 1e9"),
    # Another TOML file (a plan, say): every run was priced as unmeasured, without a word.
    ('algorithms = ["dqn"]\n', "has no [rates] table of steps per second (pair.environment = rate): it is not a speed table"),
])
def test_a_speed_table_a_cost_cannot_use_is_refused(tmp_path, stackelberg_bin, rates, said):
    """A misspelled pair was never looked up (its runs cost nothing), inf priced them at 0 and 1e-300 at 300 digits."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n')
    (tmp_path / "speed.toml").write_text('measured = "by hand"\n' + rates)
    r = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan), "--speed", str(tmp_path / "speed.toml")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and said in r.stderr, r.stderr


def test_compare_refuses_a_sweep_manifest_that_does_not_read(tmp_path, stackelberg_bin):
    """A damaged sweep.json was passed over: the variants lost their labels and pooled by their settings."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n'
                    '[settings]\ntensorboard = false\neval_episodes = 1\n')
    assert subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, timeout=300).returncode == 0
    assert subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, timeout=120).returncode == 0
    (tmp_path / "out" / "sweep.json").write_text("{garbage")
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "sweep.json is not the manifest `stackelberg sweep run` writes" in r.stderr, r.stderr


def test_compare_refuses_to_pool_one_variant_s_runs_whose_settings_differ(tmp_path, stackelberg_bin):
    """A variant's seeds are pooled as one setting: a run whose config.toml differs from its variant's other
    runs (an edited config, a run copied in from elsewhere) was pooled with them without a word."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0, 1]\nsteps = 1000\n'
                    '[settings]\ntensorboard = false\neval_episodes = 1\n[grid]\ngamma = [0.9, 0.99]\n')
    assert subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, timeout=300).returncode == 0
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    config = next((tmp_path / "out" / "gamma=0.9").rglob("seed1/config.toml"))
    text = config.read_text()
    assert re.search(r"(?m)^lr = ", text), text
    config.write_text(re.sub(r"(?m)^lr = .*$", "lr = 0.5", text))
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and 'as one variant, "gamma=0.9 · dqn-monolithic"' in r.stderr and "and 0.5" in r.stderr, r.stderr
    assert "compare would pool their seeds; restore it, or write it again with `stackelberg sweep run PLAN` (finished runs are skipped)" in r.stderr, r.stderr


def test_the_sweep_table_counts_only_seeds_with_a_score(tmp_path, stackelberg_bin):
    """With --include-unfinished, a seed with no episode in its last 10% yet has no score: the sweep's table said
    n=2 beside an IQM of one seed, where the environment's own table said 1 (of 2)."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0, 1]\nsteps = 1000\n'
                    '[settings]\ntensorboard = false\neval_episodes = 1\n')
    assert subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, timeout=300).returncode == 0
    run = tmp_path / "out" / "default" / "cartpole" / "dqn-monolithic" / "seed1"
    (run / "summary.json").unlink()
    episodes = (run / "episodes.csv").read_text().splitlines()
    (run / "episodes.csv").write_text("\n".join(episodes[:4]) + "\n")
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out"), "--include-unfinished"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and re.search(r"\| dqn-monolithic \| [0-9.]+ \[[0-9.]+, [0-9.]+\] \(n=1 of 2\) \|", r.stdout), r.stdout
    assert "| dqn-monolithic | 1 (of 2) |" in r.stdout, r.stdout


def test_compare_refuses_a_manifest_that_misnames_its_runs(tmp_path, stackelberg_bin):
    """Swapped variant names, a run listed twice, or another algorithm labelled the runs wrongly, exit 0."""
    plan = tmp_path / "plan.toml"
    # Settings of several kinds (numbers, a list, a boolean) must read back as the manifest states them.
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n'
                    '[settings]\ntensorboard = false\neval_episodes = 1\nlr = 5e-4\n[settings.network]\nhead_widths = [16]\n'
                    '[grid]\ngamma = [0.9, 0.99]\n')
    r = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    manifest = tmp_path / "out" / "sweep.json"
    good = json.loads(manifest.read_text())
    assert all(run["settings"]["network.head_widths"] == "[16]" for run in good["runs"]), good
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr

    def compare_with(edit):
        data = json.loads(json.dumps(good))
        edit(data["runs"])
        manifest.write_text(json.dumps(data))
        return subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)

    def swap(key):
        def edit(runs):
            runs[0][key], runs[1][key] = runs[1][key], runs[0][key]
        return edit
    # Labels swapped whole, across every seed, pool nothing: the run's own directory names its variant.
    r = compare_with(swap("variant"))
    assert r.returncode == 1 and "but the directory is variant" in r.stderr and "would misname the run" in r.stderr, r.stderr
    r = compare_with(swap("settings"))
    assert r.returncode == 1 and "but its config.toml has gamma = " in r.stderr and "would misname the run" in r.stderr, r.stderr
    r = compare_with(lambda runs: runs[0].update(seed=7))
    assert r.returncode == 1 and "seed7, but the directory is" in r.stderr, r.stderr
    r = compare_with(lambda runs: runs.append(dict(runs[0], variant=runs[1]["variant"])))
    assert r.returncode == 1 and "lists the run" in r.stderr and "twice" in r.stderr, r.stderr
    # The same directory spelled another way is the same run.
    r = compare_with(lambda runs: runs.append(dict(runs[0], directory=runs[0]["directory"].replace("/out/", "/out/./") + "/")))
    assert r.returncode == 1 and "twice" in r.stderr, r.stderr
    r = compare_with(lambda runs: runs[0].update(algo="ddqn"))
    assert r.returncode == 1 and 'has algo = "ddqn"' in r.stderr and 'config.toml has algo = "dqn"' in r.stderr, r.stderr
    # A manifest from before entries held their settings is still read (and checked on the rest).
    r = compare_with(lambda runs: [run.pop("settings") for run in runs])
    assert r.returncode == 0, r.stderr
    # A run the manifest names but that is not on disk (not started, or removed) is said beside the table.
    manifest.write_text(json.dumps(good))
    gone = next((tmp_path / "out" / "gamma=0.99").rglob("seed0"))
    shutil.rmtree(gone)
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Not on disk: 1 run the sweep's manifest (sweep.json) names has no directory or no config.toml" in r.stdout, r.stdout + r.stderr
    assert "gamma=0.99/cartpole/dqn-monolithic/seed0" in r.stdout, r.stdout
    # A run that failed as it started leaves its directory with only sweep.log: not on disk either.
    gone.mkdir(parents=True)
    (gone / "sweep.log").write_text("failed\n")
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out") + "/"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Not on disk: 1 run" in r.stdout and "//" not in r.stdout, r.stdout + r.stderr
    # Every run gone: said of the manifest, with the way on.
    for seed in (tmp_path / "out").rglob("seed0"):
        shutil.rmtree(seed)
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "none of the 2 runs the sweep's manifest (sweep.json) names has started" in r.stderr, r.stderr


def slurm_unavailable() -> str | None:
    if shutil.which("sbatch") is None:
        return "Slurm is not installed (no sbatch): run scripts/slurm/setup-single-node.sh as root to install and start a one-node Slurm"
    r = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    if r.returncode != 0 or not any(s in r.stdout for s in ("idle", "mixed", "allocated")):
        return f"Slurm is installed but no node is up (sinfo: {r.stdout.strip() or r.stderr.strip()}): run scripts/slurm/setup-single-node.sh"
    return None


def test_slurm_array_with_a_requeued_task_matches_the_local_backend(tmp_path, stackelberg_bin, reference):
    why = slurm_unavailable()
    if why:
        pytest.skip(why)
    plan = write_plan(tmp_path / "plan.toml", tmp_path / "out", steps=40000)
    sub = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--backend", "slurm"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert sub.returncode == 0, sub.stdout + sub.stderr
    job = (tmp_path / "out/slurm/jobs.tsv").read_text().splitlines()[-1].split("\t")[0]
    first = tmp_path / "out/default/cartpole/dqn-monolithic/seed0"
    # Cancel and requeue task 0 once it has checkpointed: it stops with a checkpoint (SIGTERM),
    # goes back to the queue, and resumes.
    wait_for(lambda: (first / "checkpoint.state").is_file(), 300, "task 0's first checkpoint")
    r = subprocess.run(["scontrol", "requeue", f"{job}_0"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # A requeued job waits (BeginTime) before it is eligible again; let it start now.
    def released():
        q = subprocess.run(["squeue", "-h", "-r", "-j", job, "-o", "%i %T"], capture_output=True, text=True).stdout
        if f"{job}_0 PENDING" in q:
            subprocess.run(["scontrol", "update", f"jobid={job}_0", "StartTime=now"], capture_output=True)
            return True
        return (first / "summary.json").is_file()
    wait_for(released, 120, "task 0 back in the queue")

    def done():
        q = subprocess.run(["squeue", "-h", "-r", "-j", job], capture_output=True, text=True).stdout.strip()
        return not q
    wait_for(done, 600, f"job array {job} to finish")
    log = (tmp_path / f"out/slurm/logs/{job}_0.out").read_text()
    assert "DUE TO JOB REQUEUE" in log or "stopped with a checkpoint" in log, log
    assert "restart 1" in log and "--resume" in log, log
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True)
    assert status.returncode == 0 and "4 finished" in status.stdout, status.stdout
    assert_same_logs(reference, tmp_path / "out")


def test_a_plan_below_a_thousand_steps_is_priced_in_steps(tmp_path, stackelberg_bin):
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 100\n')
    r = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "total: 1 run, 100 environment steps" in r.stdout, r.stdout  # was "0k" (and "1 runs")


def test_status_names_a_damaged_checkpoint_and_a_finished_run_without_its_config(tmp_path, stackelberg_bin):
    """A checkpoint holding text was reported "interrupted (checkpoint near step …)", and a finished run whose
    config.toml was deleted "finished"."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0, 1]\nsteps = 2000\n'
                    '[settings]\ncheckpoint_interval = 500\nlearning_starts = 500\ntensorboard = false\n')
    subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan)], check=True, capture_output=True, timeout=300)
    runs = tmp_path / "out/default/cartpole/dqn-monolithic"
    (runs / "seed0/summary.json").unlink()
    (runs / "seed0/checkpoint.state").write_text("garbage")
    (runs / "seed1/config.toml").unlink()
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True, timeout=60)
    assert "seed0/checkpoint.state is not a state file (damaged)" in status.stdout, status.stdout
    assert "finished, but its config.toml is missing" in status.stdout and "0 finished" in status.stdout, status.stdout


def test_status_of_a_plan_never_run_writes_nothing(tmp_path, stackelberg_bin):
    """sweep status created the output root and wrote sweep-status.txt there for a plan that had not run."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n')
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and "1 pending" in status.stdout and "not written" in status.stdout, status.stdout
    assert not (tmp_path / "out").exists()
    # A relative `out` is looked for under the directory the command runs in, which is named.
    plan.write_text(plan.read_text().replace(f'out = "{tmp_path}/out"', 'out = "rel"'))
    (tmp_path / "elsewhere").mkdir()
    status = subprocess.run([str(stackelberg_bin), "sweep", "status", str(plan)], capture_output=True, text=True, timeout=60, cwd=tmp_path / "elsewhere")
    assert (f"not written: {tmp_path}/elsewhere/rel does not exist yet (the plan has not run from here; `out` is relative to the "
            f"directory sweep commands run in, {tmp_path}/elsewhere)") in status.stdout, status.stdout


def test_runs_under_the_root_that_the_manifest_no_longer_names_are_said(tmp_path, stackelberg_bin):
    """After a variant was renamed, compare over the sweep's root pooled the old variant's runs under their settings
    with the new one's, as extra rows, without a word that they were not the plan's."""
    plan = tmp_path / "plan.toml"
    text = (f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n'
            '[settings]\ntensorboard = false\neval_episodes = 1\n[grid]\nvariant = [{ name = "a", gamma = 0.9 }]\n')
    plan.write_text(text)
    assert subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, timeout=300).returncode == 0
    plan.write_text(text.replace('name = "a"', 'name = "a2"').replace("gamma = 0.9", "gamma = 0.95"))
    assert subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, timeout=300).returncode == 0
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert ("Not in the manifest: 1 run under the sweep's output root that its sweep.json does not name (an earlier version of the "
            f"plan's: a variant renamed, a seed or a setting dropped), compared above as \"VARIANT (not in sweep.json)\", apart from the plan's variants: {tmp_path}/out/a/cartpole/dqn-monolithic/seed0") in r.stdout, r.stdout
    assert "| a (not in sweep.json) · dqn-monolithic |" in r.stdout and "| a2 · dqn-monolithic |" in r.stdout, r.stdout


def test_a_diverged_run_is_not_retried_and_compare_says_it_diverged(tmp_path, stackelberg_bin):
    """Every `sweep run` trained a diverged run again, to diverge the same way (training is deterministic); compare
    listed it as not finished."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 3000\n'
                    '[settings]\ntensorboard = false\neval_episodes = 1\n[grid]\nlr = [1e-3, 1e6]\n')
    first = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert first.returncode == 1 and "loss is inf" in first.stdout + first.stderr, first.stdout + first.stderr
    again = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 1 and "(not retried: with these settings it diverges again; change them in the plan, or remove diverged.txt to retry)" in again.stdout, again.stdout
    assert again.stdout.count("] start ") == 0 and "resume" not in again.stdout, again.stdout
    r = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Left out (diverged: train stopped it on a non-finite value" in r.stdout, r.stdout
    assert "lower the learning rate or clip gradients harder)" in r.stdout, r.stdout  # the reason whole, not cut mid-word


def test_a_sweeps_table_has_its_environments_in_the_plans_order_and_the_pool_numbers_runs_as_the_plan(tmp_path, stackelberg_bin):
    # The columns followed the run directories found, sorted by name, not the plan's order.
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["minatar/breakout", "cartpole"]\n'
                    'seeds = [0]\nsteps = 1500\n[settings]\ntensorboard = false\n')
    # The first run trained by hand: the pool's count ([1/1]) and the plan's number of the run it trains (run 1,
    # as `sweep plan` and `sweep status` number it) are both said; they were one number, the count.
    runs = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], check=True, capture_output=True, text=True).stdout
    first = re.search(r"^0  (\S+)\n\s+(stackelberg train .*)$", runs, re.M)
    subprocess.run([str(stackelberg_bin), *first.group(2).split()[1:]], check=True, capture_output=True, timeout=600)
    pool = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan)], check=True, capture_output=True, text=True, timeout=600)
    assert "[1/1, run 1] start  " in pool.stdout and "run 0" not in pool.stdout, pool.stdout
    p = subprocess.run([str(stackelberg_bin), "compare", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "| variant | minatar/breakout | cartpole |" in p.stdout, p.stdout
    assert p.stdout.index("## minatar/breakout") < p.stdout.index("## cartpole"), p.stdout


def test_an_edited_plan_is_refused_while_its_run_trains_elsewhere(tmp_path, stackelberg_bin):
    """A `sweep run` of the edited plan while the first pool trained the run said "running elsewhere", exit 0, and wrote
    the edited settings into sweep.json, which `compare` then refused against the run's config.toml."""
    plan = write_plan(tmp_path / "plan.toml", tmp_path / "out", steps=40000)
    first = tmp_path / "out/default/cartpole/dqn-monolithic/seed0"
    pool = subprocess.Popen([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: (first / "config.toml").is_file() and (first / "checkpoint.state").is_file(), 120, "the first run's first checkpoint")
        manifest = (tmp_path / "out/sweep.json").read_bytes()
        edited = tmp_path / "edited.toml"
        edited.write_text(plan.read_text().replace("eval_interval = 10000", "eval_interval = 5000"))
        p = subprocess.run([str(stackelberg_bin), "sweep", "run", str(edited), "--jobs", "1"], capture_output=True, text=True, timeout=120)
        assert p.returncode != 0 and "that another process trains was started with other settings than the plan gives now (nothing was trained or written)" in p.stderr, p.stdout + p.stderr
        assert "running in another process, started with other settings than the plan now gives it (eval_interval: ran 10000, the plan now 5000)" in p.stderr, p.stderr
        assert (tmp_path / "out/sweep.json").read_bytes() == manifest
        # Its status says so, and leaves the running plan's status file alone.
        status_file = tmp_path / "out/sweep-status.txt"
        before = status_file.read_bytes() if status_file.exists() else None
        p = subprocess.run([str(stackelberg_bin), "sweep", "status", str(edited)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 1 and "running in another process, started with other settings" in p.stdout, p.stdout
        assert f"not written: runs under {tmp_path / 'out'} were trained with other settings than {edited} gives" in p.stdout, p.stdout
        assert (status_file.read_bytes() if status_file.exists() else None) == before
    finally:
        pool.send_signal(signal.SIGINT)
        pool.communicate(timeout=300)


def sweep_plan(tmp_path: Path, stackelberg_bin: Path, body: str) -> tuple[Path, subprocess.CompletedProcess]:
    """`sweep plan` on a plan of `body` (its `out` under tmp_path): the plan's path and the finished process."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\n' + body)
    return plan, subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)


def test_an_exclusion_value_that_matches_no_run_is_refused(tmp_path, stackelberg_bin):
    """[[exclude]] lr = [0.1, 0.5] against lr = [0.1, 0.2, 0.3] left 0.1's runs out and passed: 0.5 matched nothing."""
    body = ('algorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n'
            '[grid]\nlr = [0.1, 0.2, 0.3]\n[[exclude]]\nname = "too fast"\nlr = [0.1, 0.5]\n')
    plan, p = sweep_plan(tmp_path, stackelberg_bin, body)
    assert p.returncode == 78 and f'{plan}:8: [[exclude]] "too fast": lr "0.5" matches no run (the plan\'s lr values: 0.1, 0.2, 0.3)' in p.stderr, p.stderr
    _, p = sweep_plan(tmp_path, stackelberg_bin, body.replace("0.5]", "0.2]"))
    assert p.returncode == 0, p.stderr


def test_a_pool_whose_report_cannot_be_written_fails_at_its_end(tmp_path, stackelberg_bin):
    """The pool's report lines went through FileHandle.write, which traps on a full disk (taking the pool down)."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n[settings]\ntensorboard = false\n')
    with open("/dev/full", "w") as full:
        p = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert p.returncode == 3 and "lines of the report could not be written" in p.stderr, (p.returncode, p.stderr)
    assert (tmp_path / "out/default/cartpole/dqn-monolithic/seed0/summary.json").exists()


@pytest.mark.parametrize("body, said", [
    # Two spellings of one name were said as two runs sharing a directory, without a line.
    ('algorithms = ["dqn"]\nenvironments = ["cartpole", "CartPole"]\nseeds = [0]\nsteps = 1000\n',
     ':3: `environments` lists cartpole twice, as "cartpole" and as "CartPole": list each once'),
    ('algorithms = ["dqn", "DQN"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n',
     ':2: `algorithms` lists dqn twice, as "dqn" and as "DQN": list each once'),
    # A key of a [[grid.NAME]] table was said at the table's header.
    ('algorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n[[grid.variant]]\nname = "a"\nlr = 0.1\n'
     '[[grid.variant]]\nname = "b"\nnosuchkey = 3\n', ":11: unknown setting nosuchkey for dqn-monolithic"),
    # Two identical variants: "what tells them apart () has no effect".
    ('algorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n[grid]\nv = [{ name = "x", gamma = 0.9 }, { name = "y", gamma = 0.9 }]\n',
     "variants x and y give the same settings, and would train the same dqn-monolithic runs on cartpole twice: remove one, or make them differ"),
    # 1e14 is a positive whole number: the cap is what refuses it.
    ('algorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1e14\n',
     ":5: `steps` must be a whole number of environment steps from 1 to 1e13 (5e6), or a table per environment, got"),
    # Every run excluded: said at the exclusion, not without a line.
    ('algorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n[[exclude]]\nname = "all"\nalgorithm = "dqn"\n',
     ':6: the plan expands to no run (every run is excluded by this [[exclude]]): narrow the exclusions'),
    # OUT/slurm is the Slurm backend's.
    ('algorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n[grid]\nv = [{ name = "slurm", gamma = 0.9 }, { name = "b", gamma = 0.8 }]\n',
     "the variant name slurm is taken"),
])
def test_plan_problems_are_said_at_their_line(tmp_path, stackelberg_bin, body, said):
    _, p = sweep_plan(tmp_path, stackelberg_bin, body)
    assert p.returncode == 78 and said in p.stderr and "()" not in p.stderr, p.stderr


def test_plan_problems_are_printed_in_the_files_order(tmp_path, stackelberg_bin):
    """Found in the order of the checks, they were printed so: line 9 before line 7."""
    plan, p = sweep_plan(tmp_path, stackelberg_bin, 'algorithms = ["nosuch"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\nbogus = 1\n')
    lines = [int(m) for m in re.findall(rf"^error: {re.escape(str(plan))}:(\d+):", p.stderr, re.M)]
    assert p.returncode == 78 and len(lines) >= 2 and lines == sorted(lines), p.stderr


def test_an_unknown_environment_does_not_hide_the_plans_other_problems(tmp_path, stackelberg_bin):
    """With one unknown environment the plan was "1 problem"; its unknown setting showed only once the name was fixed,
    and unknown settings had no "did you mean" (train's has). The environment's message also said itself twice."""
    _, p = sweep_plan(tmp_path, stackelberg_bin, 'algorithms = ["dqn"]\nenvironments = ["cartpole", "cartpol"]\nseeds = [0]\nsteps = 1000\n'
                      '[settings]\ngama = 0.9\n')
    assert p.returncode == 78, p.stderr
    assert ":3: unknown environment 'cartpol': did you mean cartpole?" in p.stderr and p.stderr.count("unknown environment") == 1, p.stderr
    assert ":7: unknown setting gama (did you mean gamma?) for dqn-monolithic" in p.stderr, p.stderr


def test_a_plans_learning_rates_above_one_are_noted_before_it_runs(tmp_path, stackelberg_bin):
    """`train` noted lr = 10 only in each run's own sweep.log: `sweep plan` and `sweep run` said nothing."""
    _, p = sweep_plan(tmp_path, stackelberg_bin, 'algorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0, 1]\nsteps = 1000\n'
                      '[grid]\nv = [{ name = "a", lr = 10 }, { name = "b", lr = 1e-3 }]\n')
    assert p.returncode == 0, p.stderr
    assert "note: 2 runs of the plan train at lr = 10, a learning rate above 1" in p.stderr and p.stderr.count("learning rate above 1") == 1, p.stderr


def test_a_one_run_plan_is_said_in_the_singular_and_priced_above_zero(tmp_path, stackelberg_bin):
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path}/out"\nalgorithms = ["dqn"]\nenvironments = ["cartpole"]\nseeds = [0]\nsteps = 1000\n[settings]\ntensorboard = false\n')
    p = subprocess.run([str(stackelberg_bin), "sweep", "plan", str(plan)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "total: 1 run," in p.stdout and " 0.0 core-hours" not in p.stdout, p.stdout
    p = subprocess.run([str(stackelberg_bin), "sweep", "run", str(plan), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "sweep plan: 1 run;" in p.stdout and " in 0 s" not in p.stdout, p.stdout
