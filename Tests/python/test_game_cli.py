"""The `game` and `expr` commands the way a user runs them: output, files and exit codes.

Each case is a fault that once reached a user (equilibria merged away, checks passing on NaN, traps
and crashes on large or nested input, raw Foundation errors at the end of a run); each states the
right output.  Run with STACKELBERG_BIN pointing at a built binary (see conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

QUICK = ["--iterations", "200", "--return-iterations", "200", "--quiet"]


def analyze(cli, out: Path, *args: str, ok: bool = True, render: bool = False):
    extra = [] if render else ["--no-render"]
    return cli("game", "analyze", *args, *QUICK, *extra, "--out", str(out), ok=ok)


def test_close_equilibria_on_a_large_domain_stay_distinct(cli, tmp_path):
    p = analyze(cli, tmp_path / "q", "--builtin", "quadratic", "--domain=-1000:1000,-1000:1000")
    assert "Stationary points (3 found from 81 root-finder starts, 9 per axis)" in p.stdout
    assert "[1] z = (0.5, 0.5)   stationary for: individual" in p.stdout
    assert "[2] z = (0.25, 0.25)   stationary for: stackelberg" in p.stdout
    assert "differential Stackelberg equilibrium: YES" in p.stdout
    assert "toward (0.25, 0.25)" in p.stdout


def test_stackelberg_equilibrium_next_to_the_regularized_root(cli, tmp_path):
    p = analyze(cli, tmp_path / "s", "--leader", "x^2/2 + x*y + sin(y)", "--follower", "(y-x)^2/2 + y^4/4",
                "--vars", "x:y", "--lambda", "0.01")
    assert "[2] z = (-0.287768, -0.268427)   stationary for: stackelberg" in p.stdout
    assert "∇22 f2: positive definite; eigenvalues (1.21616)" in p.stdout
    assert "second total derivative D²f1 eigenvalues: (3.42949)" in p.stdout
    assert "[3] z = (-0.286439, -0.267333)   stationary for: regularized" in p.stdout
    assert "Discrete trajectories from (0.6, 0.6) toward (-0.287768, -0.268427)" in p.stdout


@pytest.mark.parametrize("args", [
    # w is declared and unused: ∇22 f2 = diag(2, 0) is singular everywhere, and substituting λ = 0 folded
    # 2xλ/(2λ + λ²) into 0, so the Stackelberg dynamic ran as individual play to the Nash point (2/3, 2/3).
    ["--leader", "(x-1)^2+x*y", "--follower", "(y-x)^2", "--vars", "x:y,w"],
    # ∇22 f2 = 12(y − x)² vanishes on the start's line y = x: (y − x)²/(y − x)² was cancelled into 1. (The root
    # search still finds the Stackelberg root next to that line, where the formula is defined: it is listed with
    # its ∇22 f2 singular, and not as a differential Stackelberg equilibrium.)
    ["--leader", "(x-1)^2+x*y", "--follower", "(y-x)^4", "--vars", "x:y", "--start", "0.5,0.5"],
])
def test_a_singular_follower_hessian_leaves_the_stackelberg_dynamic_undefined(cli, tmp_path, args):
    analyze(cli, tmp_path / "g", *args)
    report = json.loads((tmp_path / "g" / "report.json").read_text())
    runs = {t["dynamic"]: t for t in report["trajectories"]}
    assert runs["stackelberg"]["undefinedAtStart"] and not runs["individual"]["undefinedAtStart"], runs
    for e in report["equilibria"]:
        assert not e["isDifferentialStackelberg"], e
        # Never the Nash point (2/3, 2/3) passed off as a Stackelberg one.
        assert "stackelberg" not in e["stationaryFor"] or (e["followerHessianStatus"].startswith("singular") and abs(e["point"][0] - 0.5) < 1e-6), e
    if "w" in args[-1]:
        assert not any("stackelberg" in e["stationaryFor"] for e in report["equilibria"]), report["equilibria"]


def test_roots_where_a_cost_is_undefined_are_no_equilibria(cli, tmp_path):
    """x − 1/x vanishes at x = −1, where f1's log x is not defined: it was a differential Nash and Stackelberg
    equilibrium, and the reference; an iteration that stepped into x < 0 ended there without a word."""
    p = analyze(cli, tmp_path / "a", "--leader", "x^2/2 - log(x)", "--follower", "(y-x)^2", "--vars", "x:y",
                "--domain=-2:2,-2:2")
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert [e["point"] for e in report["equilibria"]] == [[1.0, 1.0]] or all(e["point"][0] > 0 for e in report["equilibria"]), report["equilibria"]
    assert "1 root of the gradients is left out of the stationary points because a cost is not finite there: (-1, -1) (f1 = nan)" in p.stderr, p.stderr
    assert report["referenceEquilibrium"][0] > 0
    p = cli("game", "analyze", "--leader", "log(x)", "--follower", "(y-x)^2", "--vars", "x:y", "--iterations", "50000",
            "--return-iterations", "200", "--quiet", "--no-render", "--out", str(tmp_path / "b"))
    assert "the individual iteration ends at (" in p.stderr and "where f1 = nan: it left the costs' domain" in p.stderr, p.stderr
    # A start outside the domain (its gradient finite there) was every dynamic "leaving" it.
    p = analyze(cli, tmp_path / "c", "--leader", "log(x) + y^2", "--follower", "(y-x)^2", "--vars", "x:y", "--start=-0.5,0.5")
    assert "the start (-0.5, 0.5) is outside the costs' domain (f1 = nan)" in p.stderr and "left the costs' domain" not in p.stderr, p.stderr


def test_the_reference_is_the_stackelberg_equilibrium_nearest_the_start_or_the_one_given(cli, tmp_path):
    """With two differential Stackelberg equilibria (±1, ±1), the first found (−1, −1) was the reference while every
    dynamic from (1.2, 1.2) went to (1, 1): the error never fell."""
    game = ["--leader", "(x^2-1)^2", "--follower", "(y-x)^2", "--vars", "x:y", "--domain=-2:2,-2:2", "--start", "1.2,1.2"]
    p = analyze(cli, tmp_path / "a", *game)
    assert "toward (1, 1) (the differential Stackelberg equilibrium nearest the start; --reference chooses another)" in p.stdout, p.stdout
    p = analyze(cli, tmp_path / "b", *game, "--reference=-1,-1")
    assert "toward (-1, -1) (given by --reference)" in p.stdout, p.stdout
    assert json.loads((tmp_path / "b" / "report.json").read_text())["referenceEquilibrium"] == [-1, -1]
    for bad, said in (("1", "--reference: the point 1.0 has 1 coordinate; the game has 2 (x, y)"),
                      ("1,1;2,2", "--reference takes one point, got 2"), ("1,nan", "not a finite number")):
        p = analyze(cli, tmp_path / "c", *game, f"--reference={bad}", ok=False)
        assert p.returncode == 64 and said in p.stderr, (bad, p.returncode, p.stderr)


@pytest.mark.parametrize("stop", [2, 1])  # SIGINT, and SIGHUP (a closed terminal), which left gnuplot running too
def test_a_stop_signal_while_gnuplot_renders_stops_gnuplot_too(stackelberg_bin, tmp_path, stop):
    """gnuplot runs in a process group of its own: Ctrl-C ended stackelberg (exit 130, no word) while gnuplot
    rendered on and wrote its figure after. A stand-in gnuplot that records its pid and waits shows it stopped."""
    fake = tmp_path / "bin"
    fake.mkdir()
    # It writes part of its figure (run in the figure's directory), then hangs.
    (fake / "gnuplot").write_text(f"#!/bin/sh\necho partial > vector_fields.png\necho $$ > {tmp_path}/gnuplot.pid\nexec sleep 60\n")
    (fake / "gnuplot").chmod(0o755)
    env = dict(os.environ, PATH=f"{fake}:{os.environ['PATH']}")
    # SIGHUP at its default, as in a terminal (under nohup it stays ignored on purpose).
    p = subprocess.Popen([str(stackelberg_bin), "game", "analyze", "--builtin", "quadratic", *QUICK, "--out", str(tmp_path / "out")],
                         env=env, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
    pid_file = tmp_path / "gnuplot.pid"
    deadline = time.time() + 60
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.time() < deadline:
        time.sleep(0.1)
    gnuplot = int(pid_file.read_text())
    p.send_signal(stop)
    _, err = p.communicate(timeout=30)
    assert p.returncode == -stop, (p.returncode, err)
    assert f"stopped while gnuplot rendered {tmp_path}/out/vector_fields.png: gnuplot was stopped too, and the figure, left incomplete, was removed" in err, err
    assert not (tmp_path / "out" / "vector_fields.png").exists()
    # Gone, or a zombie left for init to reap (its parent has exited): not running either way.
    def running() -> bool:
        try:
            return Path(f"/proc/{gnuplot}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except FileNotFoundError:
            return False
    deadline = time.time() + 5
    while running() and time.time() < deadline:
        time.sleep(0.05)
    assert not running()


def test_files_of_an_earlier_analysis_in_out_are_noted(cli, tmp_path):
    """Analysing another game into the same --out left the first game's figures that this one did not write (here
    its PNGs, with --no-render) beside the new ones, without a word."""
    out = tmp_path / "out"
    # Straight after, within the same second: a note keyed on modification times missed files under a second old.
    analyze(cli, out, "--builtin", "quadratic", render=True)
    p = analyze(cli, out, "--builtin", "bilinear")
    assert f"note: {out} also holds 4 files from an earlier run that this one did not write (vector_fields.png, error.png, leader_return.png, spectrum_lambda.png)" in p.stderr, p.stderr
    p = analyze(cli, tmp_path / "fresh", "--builtin", "bilinear")
    assert "also holds" not in p.stderr, p.stderr


def test_undefined_at_the_start_says_why_for_each_dynamic(cli, tmp_path):
    """Every dynamic undefined at the start was put down to ∇22 f2 being singular, individual play (which takes
    no total derivative) too, where here the costs themselves are not finite; with no stationary point the
    error line printed "increased on 0% of steps", measured against nothing."""
    p = analyze(cli, tmp_path / "a", "--leader", "log(-x^2-1)+y", "--follower", "sqrt(-y^2-1)*x", "--vars", "x:y")
    assert ("individual: undefined at the start z0 = (0.6, 0.6): its first step is not finite (a cost is not finite there: "
            "f1 = nan, f2 = nan); not iterated") in p.stdout, p.stdout
    assert "∇22f2" not in p.stdout and "∇22 f2 is singular" not in p.stdout.split("Discrete trajectories")[1], p.stdout
    p = analyze(cli, tmp_path / "b", "--builtin", "bilinear")
    assert ("stackelberg: undefined at the start z0 = (0.8, 0.6): its first step is not finite (∇22 f2 is singular "
            "(smallest |eigenvalue| 0) there, so the implicit function theorem defines no total derivative)") in p.stdout, p.stdout
    # A flow stopped early ended at its start, t = 0, in the report: now at the last state the integrator reached.
    p = analyze(cli, tmp_path / "d", "--leader", "log(x)", "--follower", "(y-x)^2", "--vars", "x:y")
    assert "individual: at t = 0.18 z = (" in p.stdout and "integration stopped at t = 0.18: GSL's step control failed" in p.stdout, p.stdout
    p = analyze(cli, tmp_path / "c", "--leader", "x", "--follower", "y", "--vars", "x:y")
    assert "no reference point (no stationary point found; --reference gives one): error and angle not measured" in p.stdout, p.stdout


def test_an_analysis_of_hours_is_said_before_it_starts(stackelberg_bin, tmp_path):
    """--unroll 1e6 is within its limit, and with the default iterations meant about 1e11 gradient steps (hours)
    without a word."""
    p = subprocess.Popen([str(stackelberg_bin), "game", "analyze", "--builtin", "quadratic", "--unroll", "1e6", "--quiet",
                          "--no-render", "--out", str(tmp_path / "out")], stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    p.kill()
    p.wait()
    assert line.startswith("note: this analysis takes about 9e+10 gradient steps (3 dynamics × (5000 iterations × 5 runs + "
                           "5000 return iterations) × 1000001 steps with --unroll 1000000)"), line
    assert "lower --iterations, --return-iterations or --unroll" in line, line


def test_check_fails_on_nan(cli):
    p = cli("game", "check", "--leader", "sqrt(-x^2-1)*y", "--follower", "y^2", "--vars", "x:y", ok=False)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "PASS" not in p.stdout
    assert "FAIL total derivative matches finite differences of f1(x1, x2*(x1)): not finite: Df1 at x1 = (-0.4) is nan" in p.stdout
    assert "0 passed, 4 failed" in p.stdout


def test_swap_roles_reports_the_new_leaders_return(cli, tmp_path):
    p = analyze(cli, tmp_path / "w", "--leader", "x^2 + x*y", "--follower", "y^2 + x*y + y", "--vars", "x:y",
                "--swap-roles")
    assert "Leader return: -f1 (leader's negated cost): -y - y^2 - x*y" in p.stdout
    p = analyze(cli, tmp_path / "c", "--builtin", "stac-critic-leader")
    assert "Leader return: R(θ) = −θ²/5: -theta^2/5" in p.stdout


def test_reported_start_count_is_the_count_used(cli, tmp_path):
    p = analyze(cli, tmp_path / "six", "--leader", "x1^2 + x2^2 + x3^2 + x1*y1 + x2*y2 + x3*y3",
                "--follower", "y1^2 + y2^2 + y3^2 - x1*y1 - x2*y3", "--vars", "x1,x2,x3:y1,y2,y3", "--grid", "3")
    assert "Stationary points (1 found from 4096 root-finder starts, 4 per axis)" in p.stdout


@pytest.mark.parametrize("args, expected", [
    (["--builtin", "quadratic", "--domain=-1e308:1e308,-1:1"],
     "--domain entry '-1e308:1e308' is too wide: its width hi − lo overflows to infinity"),
    (["--builtin", "quadratic", "--root-starts", "4000000000"],
     "--root-starts 4000000000 on a 2-variable game needs 4000000000^2 = 1.60e+19 root-finder starts"),
    (["--leader", "x1^2 + x2^2 + x3^2 + x1*y1", "--follower", "y1^2 + y2^2 + y3^2 - x2*y2 - x3*y3",
      "--vars", "x1,x2,x3:y1,y2,y3", "--root-starts", "1500"],
     "--root-starts 1500 on a 6-variable game needs 1500^6 = 1.14e+19 root-finder starts (one per point of the grid); "
     "the limit is 100000 starts, at most 6 per axis for 6 variables"),
    (["--builtin", "quadratic", "--grid", "100000"],
     "--grid 100000 needs 100000 × 100000 = 1.00e+10 arrows per vector-field panel, 480 GB"),
    (["--leader", "(" * 8000 + "x" + ")" * 8000, "--follower", "y^2", "--vars", "x:y"],
     "expression nested too deeply: more than 1000 levels of parentheses, function calls, signs or exponents (the limit is 1000)"),
    (["--leader", "exp(" * 8000 + "x" + ")" * 8000, "--follower", "y^2", "--vars", "x:y"],
     "(the limit is 1000)"),
])
def test_oversized_or_invalid_input_is_refused_before_work(cli, tmp_path, args, expected):
    out = tmp_path / "never"
    start = time.monotonic()
    p = analyze(cli, out, *args, ok=False)
    assert p.returncode != 0
    assert p.returncode in (2, 64), p.stderr  # 2: the game or a size; 64: a malformed option
    assert expected in p.stderr, p.stderr
    assert "Fatal error" not in p.stderr and "Stack dump" not in p.stderr
    assert len(p.stderr) < 2000  # the message, not a 16,000-character echo
    assert not out.exists(), "refused before anything was written"
    assert time.monotonic() - start < 20


def test_nested_expression_in_expr_commands(cli):
    for command in (["expr", "eval", "(" * 8000 + "x" + ")" * 8000, "--at", "x=1"],
                    ["expr", "diff", "sin(" * 8000 + "x" + ")" * 8000, "--wrt", "x"]):
        p = cli(*command, ok=False)
        assert p.returncode == 2, p.stderr
        assert "nested too deeply" in p.stderr and "(the limit is 1000)" in p.stderr
    assert cli("expr", "eval", "(" * 1000 + "x" + ")" * 1000, "--at", "x=1").stdout.strip() == "1"


def test_deeply_nested_diff_is_quadratic_not_cubic(cli):
    start = time.monotonic()
    p = cli("expr", "diff", "sin(" * 800 + "x" + ")" * 800, "--wrt", "x")
    elapsed = time.monotonic() - start
    # 800 factors cos(sin^k(x)), k = 0 … 799, in one product (about 0.1 s; it was 15 s).
    assert p.stdout.count("cos(") == 800
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_out_that_is_a_file_is_refused_before_the_analysis(cli, tmp_path):
    f = tmp_path / "a-file"
    f.write_text("not a directory\n")
    p = analyze(cli, f, "--builtin", "quadratic", ok=False)
    assert p.returncode == 3
    assert p.stderr.strip() == f"error: --out '{f}' is a file, not a directory: give a directory (it is created if missing) or move the file away"
    assert p.stdout == ""  # nothing was analysed
    p = analyze(cli, f / "sub", "--builtin", "quadratic", ok=False)
    assert p.returncode == 3
    assert f"'{f}' is a file, not a directory, so the output directory cannot be created under it" in p.stderr
    assert "NSCocoaErrorDomain" not in p.stderr and "Error Domain" not in p.stderr


def test_out_that_is_read_only_is_refused_before_the_analysis(stackelberg_bin):
    import subprocess
    import tempfile
    base = Path(tempfile.mkdtemp(prefix="stackelberg-ro-"))
    try:
        base.chmod(0o755)
        ro = base / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        argv = [str(stackelberg_bin), "game", "analyze", "--builtin", "quadratic", *QUICK, "--no-render", "--out", str(ro)]
        if os.geteuid() == 0:
            # Root writes anywhere: run as nobody, which needs to reach the binary and the directory.
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv")
            for path in [base, *base.parents, *Path(stackelberg_bin).resolve().parents]:
                if not os.stat(path).st_mode & 0o001:
                    pytest.skip(f"{path} is not reachable for nobody")
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert p.returncode == 3, p.stderr
        assert p.stderr.strip() == f"error: --out '{ro}' is not writable (Permission denied): choose a writable directory or change its permissions"
        assert p.stdout == ""
    finally:
        (base / "ro").chmod(0o755)
        shutil.rmtree(base)


@pytest.mark.skipif(shutil.which("gnuplot") is None, reason="gnuplot is not installed")
def test_cost_not_finite_on_the_domain_is_named_and_every_figure_written(cli, tmp_path):
    out = tmp_path / "nan"
    p = analyze(cli, out, "--leader", "sqrt(-x^2-1)*y", "--follower", "y^2", "--vars", "x:y", render=True)
    assert ("warning: the leader's cost f1 = y*sqrt(-x^2 - 1) is not finite at 441 of 441 points of the plotted plane "
            "(x from -1 to 1, y from -1 to 1), e.g. nan at (x, y) = (-1, -1)") in p.stderr
    for name in ("report.txt", "report.json", "vector_fields.png", "error.png", "leader_return.png"):
        assert (out / name).stat().st_size > 0, name
    assert "nothing to plot: no stationary point was found" in (out / "error.gp").read_text()
    assert "Warnings\n--------\n- the leader's cost f1" in (out / "report.txt").read_text()


@pytest.mark.parametrize("args, expected", [
    (["--lambda", "-1"], "--lambda must be positive and finite"),
    (["--grid", "1"], "--grid: the vector-field grid needs at least 2 points per axis"),
    (["--unroll", "0"], "--unroll must be at least 1"),
    (["--iterations", "0"], "--iterations and --return-iterations must be at least 1"),
    (["--start", "0.1"], "--start: the point 0.1 has 1 coordinate; the game has 2"),
    (["--seed", "-1"], "--seed must be a whole number ≥ 0, got -1"),
    (["--seed", "1e3"], "--seed: write seed \"1e3\" in digits, as 1000"),
    (["--seed", "18446744073709551616"], "--seed: seed 18446744073709551616 is too large: a seed is at most 9223372036854775807"),
    (["--timescale-ratio", "0.1", "--lr-leader", "0.5"], "--lr-leader would be ignored: give one of them"),
    (["--svg"], "--svg renders SVGs and --no-render renders nothing"),
    (["--builtin", "nope"], "unknown built-in game 'nope' (known: stac,"),
])
def test_a_refused_option_value_exits_64_naming_the_option(cli, tmp_path, args, expected):
    # These exited 2 (a refused game) or said "Missing value"; the README gives 64 for any refused option.
    p = cli("game", "analyze", "--builtin", "quadratic", "--no-render", "--quiet", "--out", str(tmp_path / "o"), *args, ok=False)
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert p.stderr.startswith("error: ") and expected in p.stderr, p.stderr
    assert not (tmp_path / "o").exists()


def test_iterations_are_read_in_scientific_notation(cli, tmp_path):
    p = cli("game", "analyze", "--builtin", "quadratic", "--iterations", "2e3", "--return-iterations", "1e2", "--quiet",
            "--no-render", "--out", str(tmp_path / "q"))
    assert "iterations = 2000," in p.stdout


def test_an_undefined_dynamic_is_reported_as_undefined_not_diverged(cli, tmp_path):
    p = analyze(cli, tmp_path / "b", "--builtin", "bilinear")
    assert "stackelberg: undefined at the start z0 = (0.8, 0.6)" in p.stdout, p.stdout
    assert "DIVERGED" not in p.stdout and "user-supplied" not in p.stdout
    import json
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert [(t["dynamic"], t["undefinedAtStart"], t["diverged"]) for t in report["trajectories"]] == \
        [("individual", False, False), ("stackelberg", True, False), ("regularized", False, False)]


def test_expr_notes_a_variable_not_in_the_expression_and_refuses_a_repeated_value(cli):
    p = cli("expr", "diff", "x^3", "--wrt", "X")
    assert p.stdout.strip() == "0" and "note: X does not occur in the expression (its variables: x)" in p.stderr
    # Written, then simplified away: the note said x did not occur in x/x.
    p = cli("expr", "diff", "x/x + y", "--wrt", "x")
    assert p.stdout.strip() == "0" and "note: x does not occur in the expression once simplified (as SymPy simplifies it: x/x is 1) (its variables: y)" in p.stderr, p.stderr
    p = cli("expr", "eval", "x", "--at", "x=1,x=2", ok=False)
    assert p.returncode == 64 and "--at gives x twice" in p.stderr, p.stderr
    # Given twice as two options, the last one won without a word.
    p = cli("expr", "eval", "x", "--at", "x=2", "--at", "x=3", ok=False)
    assert p.returncode == 64 and "--at gives x twice" in p.stderr, p.stderr
    assert cli("expr", "eval", "x*y", "--at", "x=2", "--at", "y=3").stdout.strip() == "6"
    p = cli("expr", "eval", "sqrt(-1)")
    assert "note: the value is not finite" in p.stderr


def test_an_empty_point_list_is_a_usage_error_naming_the_option(cli, tmp_path):
    p = cli("game", "analyze", "--builtin", "quadratic", "--starts", ";", "--no-render", "--out", str(tmp_path / "o"), ok=False)
    assert p.returncode == 64 and "--starts ';' has an empty entry" in p.stderr, p.stderr


@pytest.mark.parametrize("args,said", [
    (["game", "analyze", "--builtin", "quadratic", "--start", "0.8,,0.6", "--no-render"], "--start '0.8,,0.6' has an empty entry"),
    (["game", "analyze", "--builtin", "quadratic", "--points", "0.1,0.2;;0.3,0.4", "--no-render"], "--points '0.1,0.2;;0.3,0.4' has an empty entry"),
    (["expr", "diff", "--wrt", "x,,x", "--", "x^2"], "--wrt 'x,,x' has an empty entry"),
    (["expr", "eval", "--at", "x=1,", "--", "x+1"], "--at 'x=1,' has an empty entry"),
    (["env", "rollout", "cartpole", "--state", "0,,0,0,0"], "--state '0,,0,0,0' has an empty entry"),
])
def test_an_empty_entry_in_a_list_is_refused_not_dropped(stackelberg_bin, tmp_path, args, said):
    """`0.8,,0.6` read as 0.8,0.6: a value left out moved the others into its place without a word (--seeds already
    refused it)."""
    extra = ["--out", str(tmp_path / "o")] if args[0] == "game" else []
    p = subprocess.run([str(stackelberg_bin), *args, *extra], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and said in p.stderr, p.stderr


def test_unroll_is_read_in_scientific_notation(cli):
    p = cli("game", "check", "--builtin", "quadratic", "--unroll", "1e1")
    assert "passed, 0 failed" in p.stdout


@pytest.mark.parametrize("args,expected", [
    (["--builtin", "quadratic", "--maximize", "leader"], "--maximize applies to a game given as --leader/--follower"),
    (["--builtin", "stac", "--vars", "a:b"], "--vars applies to a game given as --leader/--follower"),
    (["--leader", "x", "--vars", "x:y"], "--follower is missing"),
    (["--follower", "x", "--vars", "x:y"], "--leader is missing"),
    (["--leader", "x", "--follower", "y", "--vars", "x:y", "--maximize", ""], "--maximize names no player"),
])
def test_options_a_game_would_not_read_are_refused(cli, tmp_path, args, expected):
    """--maximize and --vars beside --builtin were accepted and ignored: the user believed the leader maximized."""
    p = cli("game", "analyze", *args, "--no-render", "--quiet", "--out", str(tmp_path / "o"), ok=False)
    assert p.returncode == 64 and p.stderr.startswith("error: ") and expected in p.stderr, (p.returncode, p.stderr)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", ["0x10", "1e999", "nan", "inf"])
def test_at_takes_the_numbers_an_expression_takes(cli, value):
    """--at x=0x10 printed 16 and x=1e999 evaluated at inf, where the expression itself refuses both literals."""
    p = cli("expr", "eval", "x+1", "--at", f"x={value}", ok=False)
    assert p.returncode == 64 and "must be name=number, a finite decimal" in p.stderr, p.stderr
    assert cli("expr", "eval", "x+1", "--at", "x=-2.5e-1").stdout.strip() == "0.75"


def test_an_invisible_character_is_named_by_its_code_point(cli):
    p = cli("expr", "eval", "x\u200b+1", "--at", "x=1", ok=False)
    assert p.returncode == 2 and "unexpected character U+200B at column 2" in p.stderr, p.stderr


def test_typeset_operators_and_numbers_past_double_say_what_to_write(cli, tmp_path):
    """The Unicode minus `game list` prints was "unexpected character" without the ASCII to write; 1e400 was a
    "malformed number"; a variable in neither cost had no word beyond the continuum warning."""
    p = cli("expr", "eval", "x − 1", "--at", "x=2", ok=False)
    assert p.returncode == 2 and "unexpected character '−': write it as ASCII '-'" in p.stderr, p.stderr
    p = cli("expr", "eval", "x*1e400", "--at", "x=2", ok=False)
    assert p.returncode == 2 and "number '1e400' is beyond the largest finite value (about 1.8e308)" in p.stderr, p.stderr
    # 1e-400 read as 0 turned 1/1e-400 into "division by zero".
    p = cli("expr", "eval", "1/1e-400", ok=False)
    assert p.returncode == 2 and "number '1e-400' is below the smallest positive value (about 4.9e-324) and would read as 0" in p.stderr, p.stderr
    assert cli("expr", "eval", "0e-400 + 1").stdout.strip() == "1"
    for typed, ascii in (("x⋅2", "'⋅': write it as ASCII '*'"), ("√x", "'√': write it as ASCII 'sqrt(…)'"), ("2*π", "'π' in a name: write it as pi")):
        p = cli("expr", "eval", typed, "--at", "x=2", ok=False)
        assert p.returncode == 2 and ascii in p.stderr, (typed, p.stderr)
    p = analyze(cli, tmp_path / "u", "--leader", "x^2", "--follower", "y^2", "--vars", "x:y,w")
    assert ("w is a variable of the game but occurs in neither cost: the game is constant along it, so its stationary "
            "points come in lines and ∇22 f2 is singular everywhere; drop it from --vars") in p.stderr, p.stderr


def test_an_expression_read_as_an_option_is_told_to_go_after_dashes(stackelberg_bin):
    # `---1` is a malformed option to the argument parser, refused before expr sees it; the message was
    # the root command's usage.
    p = subprocess.run([str(stackelberg_bin), "expr", "eval", "---1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64, p.stderr
    assert "goes after --, with the command's options before it, as in stackelberg expr eval -- '---1'" in p.stderr, p.stderr
    p = subprocess.run([str(stackelberg_bin), "expr", "eval", "--", "---1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "-1", p.stderr
    # The command's options move before -- in the suggestion (after it they were read as part of the
    # expression), and the suggestion, run as written, works.
    for args, expected in [(["eval", "-----x", "--at", "x=1"], "-1"), (["diff", "-----x^2", "--wrt", "x"], "-2*x"),
                           (["eval", "-----x", "--at=x=2"], "-2")]:
        p = subprocess.run([str(stackelberg_bin), "expr", *args], capture_output=True, text=True, timeout=60)
        assert p.returncode == 64, p.stderr
        suggestion = p.stderr.split(", as in ")[1].strip()
        assert suggestion.split(" -- ")[0] != f"stackelberg expr {args[0]}", suggestion  # the option stays before --
        ran = subprocess.run(["sh", "-c", suggestion.replace("stackelberg", str(stackelberg_bin), 1)], capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0 and ran.stdout.strip() == expected, (suggestion, ran.stderr)


def test_version_names_the_release_and_the_commit(stackelberg_bin):
    # scripts/sweeps/measure-speed.sh records it in the speed table; the option did not exist.
    p = subprocess.run([str(stackelberg_bin), "--version"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("stackelberg ") and "(commit " in p.stdout, (p.stdout, p.stderr)


def test_game_check_notes_the_options_it_does_not_read(stackelberg_bin):
    """--root-starts, --starts, --return-iterations and --grid shape game analyze only: game check took them without
    a word. It says so, and its checks come out the same."""
    base = [str(stackelberg_bin), "game", "check", "--builtin", "quadratic"]
    plain = subprocess.run(base, capture_output=True, text=True, timeout=120)
    given = subprocess.run(base + ["--root-starts", "2", "--starts", "0.1,0.2", "--return-iterations", "10", "--grid", "5"],
                           capture_output=True, text=True, timeout=120)
    assert plain.returncode == given.returncode == 0 and given.stdout == plain.stdout
    assert "note: --root-starts, --starts, --return-iterations, --grid shape game analyze's equilibrium search" in given.stderr, given.stderr
    assert "note:" not in plain.stderr


@pytest.mark.parametrize("args, said", [
    # After `--` every word is the expression's: the parser said "expected an operator … at column 6", and diff said
    # --wrt was missing, though it was given.
    (["eval", "--", "-x^2", "--at", "x=2"], "--at comes after `--`, which makes everything after it part of the expression: put the options before `--`, e.g. stackelberg expr eval --at x=2 -- -x^2"),
    (["eval", "--", "-x^2", "--at=x=2"], "--at comes after `--`"),
    (["diff", "--", "-x^2", "--wrt", "x"], "--wrt comes after `--`, which makes everything after it part of the expression: put the options before `--`, e.g. stackelberg expr diff --wrt x -- -x^2"),
    (["diff", "x^2"], "missing --wrt: give the variables to differentiate by, e.g. --wrt x or --wrt x,y"),
])
def test_expr_options_after_the_terminator_are_named(stackelberg_bin, args, said):
    p = subprocess.run([str(stackelberg_bin), "expr", *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and said in p.stderr, (p.returncode, p.stderr)


def test_expr_help_says_how_to_write_an_expression_that_reads_as_an_option(stackelberg_bin):
    """`expr eval -h` is help, as everywhere; the help now says how to write the expression -h, and that way works."""
    p = subprocess.run([str(stackelberg_bin), "expr", "eval", "--help"], capture_output=True, text=True, timeout=60)
    assert "goes after `--`, with the options before it: stackelberg expr eval --at h=2 -- -h" in " ".join(p.stdout.split()), p.stdout
    p = subprocess.run([str(stackelberg_bin), "expr", "eval", "--at", "h=2", "--", "-h"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "-2", p.stderr
