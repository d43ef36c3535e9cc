"""`stackelberg windows` against NumPy: the per-window medians and quantiles of update-log columns (and per-row
ratios), the greedy and training means, and the headline scores the README quotes, recomputed from committed runs
and from synthetic run directories; and the refusals (an unknown column, a bad width or quantile, a damaged log).
"""
from __future__ import annotations

import csv
import gzip
import re
import subprocess
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO_ROOT

RUNS = [
    ("runs/stac_mujoco/mujoco_halfcheetah/sac-critic-leader/seed1",
     ["lambda", "cosine", "negative_curvature", "correction_norm/leader_gradient_norm", "leader_loss", "hvp_products"]),
    ("runs/stac_cadence_lambda/mujoco_hopper/ddpg-actor-leader/seed2",
     ["actor_saturation", "correction_norm/leader_gradient_norm", "follower_loss"]),
]


def run(binary, *args, check=True):
    p = subprocess.run([str(binary), "windows", *map(str, args)], capture_output=True, text=True, timeout=120)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def table(text: str) -> list[list[str]]:
    """The rows of the first Markdown table after its header and rule."""
    lines = [l for l in text.splitlines() if l.startswith("| ")]
    return [[c.strip() for c in l.strip("|").split("|")] for l in lines[1:]]


def read(path: Path) -> dict[str, np.ndarray]:
    rows = list(csv.DictReader(open(path)))
    return {k: np.array([float(r[k]) if r[k] not in ("", "nan") else np.nan for r in rows])
            for k in rows[0] if k != "returns"}


def close(printed: str, expected: float) -> bool:
    """Printed with four significant digits (or '–' for no value)."""
    if printed == "–":
        return bool(np.isnan(expected))
    return abs(float(printed) - expected) <= 6e-4 * abs(expected) + 1e-12


def column(u: dict[str, np.ndarray], spec: str) -> np.ndarray:
    a, _, b = spec.partition("/")
    return u[a] / u[b] if b else u[a]


@pytest.mark.parametrize("quantile", [0.5, 0.9, "mean"])
@pytest.mark.parametrize("directory,columns", RUNS)
def test_windows_match_numpy_on_committed_runs(stackelberg_bin, directory, columns, quantile):
    d = REPO_ROOT / directory
    statistic = ["--mean"] if quantile == "mean" else ["--quantile", quantile]
    out = run(stackelberg_bin, d, "--columns", ",".join(columns), *statistic).stdout
    u, ev, ep = read(d / "updates.csv"), read(d / "eval.csv"), read(d / "episodes.csv")
    rows = table(out)
    assert len(rows) == 8, out  # 4e5 steps in 50k windows
    for k, row in enumerate(rows):
        lo, hi = 50_000 * k, 50_000 * (k + 1)
        m = (u["env_step"] > lo) & (u["env_step"] <= hi)
        assert int(row[1]) == m.sum()
        for j, spec in enumerate(columns):
            x = column(u, spec)[m]
            x = x[np.isfinite(x)]
            expected = np.nan if not x.size else x.mean() if quantile == "mean" else np.quantile(x, quantile)
            assert close(row[2 + j], expected), (spec, k, row[2 + j], expected)
        g = ev["mean_return"][(ev["env_step"] > lo) & (ev["env_step"] <= hi)]
        t = ep["return"][(ep["env_step"] > lo) & (ep["env_step"] <= hi)]
        assert close(row[-2], g.mean()) and close(row[-1], t.mean())
    head = out.split("\n\n")[2]
    numbers = dict(re.findall(r"(final greedy eval|final-10% training score|from 100k|best greedy eval) (-?[\d.]+)", head))
    late = ev["mean_return"][ev["env_step"] >= 100_000]
    assert close(numbers["final greedy eval"], ev["mean_return"][-1])
    assert close(numbers["final-10% training score"], ep["return"][ep["env_step"] > 360_000].mean())
    assert close(numbers["from 100k"], late.mean()) and f"({late.size} evaluations)" in head
    assert close(numbers["best greedy eval"], ev["mean_return"].max())


def synthetic(root: Path, updates: str, finished: bool = True) -> Path:
    d = root / "seed3"
    d.mkdir(parents=True)
    (d / "config.toml").write_text('algo = "sac"\ncoupling = "actor-leader"\nenv = "pendulum"\ntotal_steps = 300\n')
    (d / "episodes.csv").write_text("env_step,copy,return,length\n50,0,-10,50\n150,0,-8,50\n160,0,-6,50\n")
    (d / "eval.csv").write_text("env_step,mean_return,returns\n100,-9,-9\n200,-5,-5\n300,-7,-7\n")
    (d / "updates.csv").write_text(updates)
    if finished:
        (d / "summary.json").write_text("{}")
    return d


def test_nan_cells_are_skipped_and_ratios_are_per_row(stackelberg_bin, tmp_path):
    d = synthetic(tmp_path, "env_step,updates,a,b\n10,1,1,2\n20,2,nan,4\n30,3,3,\n110,4,8,2\n120,5,2,8\n")
    rows = table(run(stackelberg_bin, d, "--width", 100, "--columns", "a,b,a/b").stdout)
    # (0, 100]: a over {1, 3} -> 2, b over {2, 4} -> 3, a/b over {0.5} only (the others have a nan side).
    assert rows[0][1:] == ["3", "2.000", "3.000", "0.5000", "-9.000", "-10.00"]
    # (100, 200]: a/b per row {4, 0.25} -> median 2.125, not median(a)/median(b) = 1; then greedy and training.
    assert rows[1][1:] == ["2", "5.000", "5.000", "2.125", "-5.000", "-7.000"]
    # (200, 300]: no update row, an evaluation only.
    assert rows[2][1:] == ["0", "–", "–", "–", "-7.000", "–"]
    assert "final-10% training score –" in run(stackelberg_bin, d, "--width", 100).stdout


def test_a_half_written_last_row_is_skipped_only_while_training(stackelberg_bin, tmp_path):
    log = "env_step,updates,a\n10,1,1\n20,2,3\n30,3"
    d = synthetic(tmp_path / "training", log, finished=False)
    out = run(stackelberg_bin, d, "--width", 100, "--columns", "a").stdout
    assert table(out)[0][1:3] == ["2", "2.000"]
    # A run still training has a latest evaluation, not a final one, and has not reached its last 10%.
    assert "latest greedy eval" in out and "final greedy eval" not in out
    assert "final-10% training score – (not reached)" in out
    d = synthetic(tmp_path / "finished", log)
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and "line 4 does not read as a log row: it is cut off" in p.stderr, p.stderr
    # A column named twice was printed twice.
    p = run(stackelberg_bin, d, "--columns", "a,a", check=False)
    assert p.returncode == 64 and "--columns names a twice" in p.stderr, p.stderr


@pytest.mark.parametrize("file,line,said", [
    ("updates.csv", "20,2,0x10", 'its a is "0x10", not a number'),  # Double("0x10") is 16: hexadecimal was read
    ("updates.csv", "20,2, 3", 'its a is " 3", not a number'),
    ("updates.csv", "20,2", "it has 2 cells where the header has 3"),
    ("episodes.csv", "150,0,abc,50", 'its return is "abc", not a number'),
    ("episodes.csv", "150,0,inf,50", 'its return is "inf", not a finite return'),
    ("episodes.csv", "1.5e2,0,-8,50", 'its env_step is "1.5e2", not a whole number of steps'),
])
def test_a_damaged_cell_is_named_by_its_column(stackelberg_bin, tmp_path, file, line, said):
    """The three log readers (windows, compare, diagnose) read cells by one rule, and a refused row says which
    cell did not read; before, the message quoted the row only and diagnose alone trimmed blanks."""
    d = synthetic(tmp_path, "env_step,updates,a\n10,1,1\n20,2,3\n")
    log = (d / file).read_text().splitlines()
    log[2] = line
    (d / file).write_text("\n".join(log) + "\n")
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and f"{file} line 3 does not read as a log row: {said}" in p.stderr, p.stderr


def test_a_directory_where_a_log_goes_is_named_as_one(stackelberg_bin, tmp_path):
    d = synthetic(tmp_path, "env_step,updates,a\n10,1,1\n")
    (d / "episodes.csv").unlink()
    (d / "episodes.csv").mkdir()
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and "episodes.csv is a directory, where the run's log goes" in p.stderr, p.stderr


def test_a_fifo_where_a_log_goes_is_named_as_one(stackelberg_bin, tmp_path):
    # It was reported as a permissions problem.
    d = synthetic(tmp_path, "env_step,updates,a\n10,1,1\n")
    (d / "episodes.csv").unlink()
    os.mkfifo(d / "episodes.csv")
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and "episodes.csv is not a regular file (fifo)" in p.stderr, p.stderr


@pytest.mark.parametrize("file, edit, said", [
    # The header deleted: the first evaluation was read as the header and dropped (3 evaluations, not 4).
    ("eval.csv", lambda t: t.split("\n", 1)[1], 'eval.csv does not open with the runner\'s header (env_step, …) but with "100,-9,-9"'),
    ("eval.csv", lambda t: t.replace("mean_return", "score", 1), "eval.csv has score where the runner writes mean_return"),
    ("eval.csv", lambda t: "", "eval.csv is empty, but the run has finished"),
    ("updates.csv", lambda t: t.replace("a,b", "a,a", 1), "updates.csv names the column a twice in its header"),
    # One evaluation per step: a repeated row counted one evaluation twice.
    ("eval.csv", lambda t: t + t.splitlines()[-1] + "\n", "eval.csv line 5 has env_step 300, which repeats the previous row's step"),
])
def test_a_damaged_header_is_refused(stackelberg_bin, tmp_path, file, edit, said):
    d = synthetic(tmp_path, "env_step,updates,a,b\n10,1,1,2\n")
    (d / file).write_text(edit((d / file).read_text()))
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and said in p.stderr, p.stderr


@pytest.mark.parametrize("file", ["updates.csv", "eval.csv", "episodes.csv"])
def test_a_blank_line_is_damage(stackelberg_bin, tmp_path, file):
    """The runner writes no blank line, and a row erased to one changed the scores without a word (a blanked last
    evaluation moved the final greedy score): a blank line is refused with its line, in every log."""
    d = synthetic(tmp_path, "env_step,updates,a\n10,1,1\n20,2,3\n")
    lines = (d / file).read_text().split("\n")
    lines[2] = ""
    (d / file).write_text("\n".join(lines))
    p = run(stackelberg_bin, d, "--width", 100, "--columns", "a", check=False)
    assert p.returncode == 1 and f"{file} line 3 is blank, where the runner writes none (a row erased?)" in p.stderr, p.stderr
    # The newline that ends the last row is no blank line; nor is a file that holds its header only.
    assert run(stackelberg_bin, synthetic(tmp_path / "plain", "env_step,updates,a\n10,1,1\n20,2,3\n"), "--columns", "a").returncode == 0


@pytest.mark.parametrize("step,problem", [
    ("nan", "is not a whole number of steps from 0 to 2^53"),
    ("1e30", "is not a whole number of steps from 0 to 2^53"),
    ("-10", "is not a whole number of steps from 0 to 2^53"),
    ("25.5", "is not a whole number of steps from 0 to 2^53"),
    ("5", "is before the previous row's 20 (the rows are in step order)"),
])
def test_a_step_that_cannot_be_one_is_damage(stackelberg_bin, tmp_path, step, problem):
    """A nan or huge env_step trapped converting to Int; these are refused like any damaged row, with the line."""
    d = synthetic(tmp_path, f"env_step,updates,a\n10,1,1\n20,2,2\n{step},3,3\n40,4,4\n")
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and f"updates.csv line 4 has env_step {step}, which {problem}" in p.stderr, p.stderr


def test_a_step_past_the_steps_trained_is_damage_and_a_gap_costs_no_time(stackelberg_bin, tmp_path):
    """One step of 1e15 made windows walk 2e10 empty windows (a hang); a finished run cannot have logged past its
    summary's env_steps, and a run still training skips empty stretches instead of visiting them."""
    d = synthetic(tmp_path / "finished", "env_step,updates,a\n10,1,1\n1000000000000000,2,2\n")
    (d / "summary.json").write_text('{"env_steps": 300}')
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and "line 3 has env_step 1000000000000000, which is past the 300 steps the run trains" in p.stderr
    # Still training, the config's total_steps bounds the steps (here 300, one step a batch).
    d = synthetic(tmp_path / "past", "env_step,updates,a\n10,1,1\n1000,2,2\n2000,3,3\n", finished=False)
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and "line 3 has env_step 1000, which is past the 300 steps the run trains" in p.stderr, p.stderr
    d = synthetic(tmp_path / "training", "env_step,updates,a\n10,1,1\n1000000000000,2,2\n1000000000010,3,3\n4000000000000,4,4\n",
                  finished=False)
    (d / "config.toml").write_text((d / "config.toml").read_text().replace("total_steps = 300", "total_steps = 5e12"))
    rows = table(run(stackelberg_bin, d, "--columns", "a", "--width", 100).stdout)  # 40 billion windows otherwise
    # (0, 100], (100, 200], (200, 300] as before (their evaluations and episodes), then one window per row past them.
    assert [r[1] for r in rows] == ["1", "0", "0", "1", "1", "1"] and [r[2] for r in rows][-3:] == ["2.000", "3.000", "4.000"]


def test_a_summary_that_disagrees_with_the_config_is_refused(stackelberg_bin, tmp_path):
    """A config's total_steps edited after the run moved the final-10% window (a score from 175 to 58) silently."""
    d = synthetic(tmp_path, "env_step,updates,a\n10,1,1\n")
    (d / "summary.json").write_text('{"env_steps": 300}')
    assert run(stackelberg_bin, d, "--columns", "a").returncode == 0
    (d / "config.toml").write_text((d / "config.toml").read_text().replace("total_steps = 300", "total_steps = 1000"))
    p = run(stackelberg_bin, d, "--columns", "a", check=False)
    assert p.returncode == 1 and "summary.json has env_steps 300, where config.toml's total_steps = 1000 trains 1000" in p.stderr, p.stderr


def test_logs_committed_compressed_read_as_they_are(stackelberg_bin, tmp_path):
    """A finished run's log committed as FILE.gz (runs/sprig_diagnosis) was refused with "decompress it first"
    by windows, compare and diagnose. It now reads as FILE would: the same report, bit for bit."""
    updates = "env_step,updates,a\n10,1,1\n20,2,3\n110,3,5\n"
    plain = synthetic(tmp_path / "plain", updates)
    packed = synthetic(tmp_path / "packed", updates)
    for name in ("episodes.csv", "updates.csv"):
        data = (packed / name).read_bytes()
        # Two gzip members, as `cat a.gz b.gz` makes: gunzip reads them as one file, and so must the reader.
        (packed / f"{name}.gz").write_bytes(gzip.compress(data[:20]) + gzip.compress(data[20:]))
        (packed / name).unlink()
    expected = run(stackelberg_bin, plain, "--width", 100, "--columns", "a").stdout
    assert run(stackelberg_bin, packed, "--width", 100, "--columns", "a").stdout == expected.replace(str(plain), str(packed))
    # The committed runs read: the final-10% score recomputed from the compressed log with Python's gzip.
    d = REPO_ROOT / "runs/sprig_diagnosis/log_prob/minatar_breakout/ppo-sprig/seed0"
    with gzip.open(d / "episodes.csv.gz", "rt") as f:
        ep = list(csv.DictReader(f))
    late = [float(r["return"]) for r in ep if float(r["env_step"]) >= 270_000]  # total_steps 300k
    out = run(stackelberg_bin, d, "--columns", "leader_gradient_cosine").stdout
    assert close(re.search(r"final-10% training score (-?[\d.]+)", out).group(1), float(np.mean(late))), out
    # Damage is named at FILE.gz: a stream cut short, bytes that are not gzip, an empty file.
    whole = (packed / "episodes.csv.gz").read_bytes()
    for damaged, said in ((whole[:-12], "episodes.csv.gz is cut short"), (b"not gzip at all", "episodes.csv.gz is not a readable gzip file"),
                          (b"", "episodes.csv.gz is empty, not a gzip file")):
        (packed / "episodes.csv.gz").write_bytes(damaged)
        p = run(stackelberg_bin, packed, check=False)
        assert p.returncode == 1 and said in p.stderr and "Traceback" not in p.stderr, p.stderr
    for damaged, said in ((whole + b"trailing", "episodes.csv.gz has 8 bytes after its gzip data that are not gzip (trailing garbage)"),
                          (gzip.compress(b""), "episodes.csv.gz is empty, but the run has finished")):
        (packed / "episodes.csv.gz").write_bytes(damaged)
        p = run(stackelberg_bin, packed, check=False)
        assert p.returncode == 1 and said in p.stderr, p.stderr
    # A gzip bomb (here 200 MB of zeros in 200 kB) is refused from its first chunk, not inflated whole.
    (packed / "episodes.csv.gz").write_bytes(gzip.compress(bytes(200_000_000), compresslevel=1))
    p = run(stackelberg_bin, packed, check=False)
    assert p.returncode == 1 and "episodes.csv.gz line 1 holds a NUL byte" in p.stderr, p.stderr
    (packed / "episodes.csv.gz").write_bytes(gzip.compress(b"x" * 200_000_000, compresslevel=1))
    p = run(stackelberg_bin, packed, check=False)
    assert p.returncode == 1 and 'episodes.csv.gz does not open with the runner\'s header (env_step, …) but with "xxxx' in p.stderr, p.stderr
    # A bomb of rows that read as a log (4M episodes in a 300-step run) inflated whole: gigabytes, for a large one.
    rows = b"env_step,copy,return,length\n" + b"300,0,16.0,16\n" * 4_000_000
    (packed / "episodes.csv.gz").write_bytes(gzip.compress(rows, compresslevel=9))
    p = run(stackelberg_bin, packed, check=False)
    assert p.returncode == 1 and "inflates to more than 200 times its" in p.stderr and "gzip bomb" in p.stderr, p.stderr
    # A link to nothing is named as one, not as a missing log.
    (packed / "episodes.csv.gz").unlink()
    (packed / "episodes.csv.gz").symlink_to(tmp_path / "nowhere.gz")
    p = run(stackelberg_bin, packed, check=False)
    assert p.returncode == 1 and "episodes.csv.gz is a link to nothing" in p.stderr, p.stderr
    (packed / "episodes.csv.gz").unlink()
    (packed / "episodes.csv.gz").write_bytes(whole)
    # A plain log beside its compressed copy is the one read.
    (packed / "episodes.csv").write_text((plain / "episodes.csv").read_text())
    assert run(stackelberg_bin, packed, "--width", 100, "--columns", "a").stdout == expected.replace(str(plain), str(packed))


def test_an_unfinished_run_counts_its_progress_against_the_steps_it_trains(stackelberg_bin, tmp_path):
    """A run without summary.json was "unfinished: 303104 of 300000 steps" (steps come in whole batches), or
    "0 of N" with no episode yet; logs that reach the last step without a summary are said to be that."""
    d = synthetic(tmp_path / "early", "env_step,updates,a\n10,1,1\n", finished=False)
    (d / "episodes.csv").write_text("env_step,copy,return,length\n")
    (d / "eval.csv").write_text("env_step,mean_return,returns\n100,-9,-9\n")
    assert "(unfinished: 100 of 300 steps)" in run(stackelberg_bin, d, "--width", 100).stdout
    d = synthetic(tmp_path / "lost_summary", "env_step,updates,a\n10,1,1\n", finished=False)
    out = run(stackelberg_bin, d, "--width", 100).stdout
    assert ("(unfinished: no summary.json, though its logs reach its last step, 300: the run stopped as it wrote its end, "
            "or the file was removed; `compare` leaves it out unless --include-unfinished)") in out, out


def test_a_nul_byte_in_a_log_is_damage(stackelberg_bin, tmp_path):
    """A return cell 1\\0999 was read as 1 (the number parser stops at the NUL), moving the scores without a word;
    a header's NUL bytes reached the terminal as they were."""
    d = synthetic(tmp_path, "env_step,updates,a\n10,1,1\n")
    (d / "episodes.csv").write_bytes(b"env_step,copy,return,length\n50,0,-10,50\n150,0,1\x00999,50\n")
    p = run(stackelberg_bin, d, check=False)
    assert p.returncode == 1 and "episodes.csv line 3 holds a NUL byte, which no log the runner writes does" in p.stderr, p.stderr
    (d / "episodes.csv").write_bytes(b"env\x01step,copy,return,length\n50,0,-10,50\n")
    p = run(stackelberg_bin, d, check=False)
    assert p.returncode == 1 and 'but with "env\\u{1}step,copy' in p.stderr, p.stderr


def test_a_log_that_is_not_text_is_damage_not_missing(stackelberg_bin, tmp_path):
    d = synthetic(tmp_path, "")
    (d / "updates.csv").write_bytes(b"\xff\xfe\x00\x01binary")
    p = run(stackelberg_bin, d, check=False)
    assert p.returncode == 1 and "updates.csv is not UTF-8 text" in p.stderr and "missing" not in p.stderr, p.stderr
    p = run(stackelberg_bin, "", check=False)
    assert p.returncode == 1 and "a run path is empty" in p.stderr, p.stderr


@pytest.mark.parametrize("args,message", [
    (["--columns", "lambda,nope"], 'no run given logs a column "nope"; they log: '),
    (["--columns", "a//b"], "neither a column name nor a ratio"),
    (["--width", "0"], "--width must be a positive number"),
    (["--quantile", "1.5"], "--quantile must be in [0, 1]"),
    (["--from", "-1"], "--from must be a step count"),
    (["--mean", "--quantile", "0.5"], "--mean and --quantile each choose the statistic"),
    (["--csv", "--from", "1e5"], "--from sets the report's mean greedy evaluation, which --csv leaves out"),
])
def test_bad_options_are_refused_with_the_fix(stackelberg_bin, args, message):
    p = run(stackelberg_bin, REPO_ROOT / RUNS[0][0], *args, check=False)
    assert p.returncode == 64 and message in p.stderr, p.stderr


@pytest.mark.parametrize("value", ["2.5", "abc", "1e40"])
def test_a_width_that_is_no_count_says_why(stackelberg_bin, value):
    p = run(stackelberg_bin, REPO_ROOT / RUNS[0][0], "--width", value, check=False)
    said = "is beyond the counts this option takes" if value == "1e40" else "is not a whole number; write a count as 50000 or 5e4"
    assert p.returncode == 64 and f"The value '{value}' is invalid for '--width <width>': {value} {said}" in p.stderr, p.stderr


def test_a_from_past_the_last_evaluation_is_noted(stackelberg_bin, tmp_path):
    d = synthetic(tmp_path, "env_step,updates,a\n100,1,1\n")
    p = run(stackelberg_bin, d, "--from", 400)
    assert "mean greedy eval from 400 – (0 evaluations)" in p.stdout
    assert f"note: --from 400 averages no evaluation of {d}: its last greedy evaluation is at step 300; give --from 300 or less" in p.stderr, p.stderr
    assert "note:" not in run(stackelberg_bin, d, "--from", 300).stderr


def test_a_run_that_lost_its_config_is_reported_and_the_others_print(stackelberg_bin, tmp_path):
    """windows reports run by run: a seed without config.toml aborted the whole call before any run printed."""
    synthetic(tmp_path / "a", "env_step,updates,a\n10,1,1\n")
    (synthetic(tmp_path / "b", "env_step,updates,a\n10,1,1\n") / "config.toml").unlink()
    p = run(stackelberg_bin, tmp_path, "--columns", "a", check=False)
    assert p.returncode == 1 and p.stdout.count("### ") == 1 and str(tmp_path / "a" / "seed3") in p.stdout, p.stdout
    assert f"{tmp_path / 'b' / 'seed3'} holds a run's logs but no config.toml" in p.stderr and "1 of 2 runs could not be read" in p.stderr, p.stderr


def test_runs_of_several_couplings_share_one_call(stackelberg_bin):
    """SAC logs no λ: asked for beside its actor leader, its cells are "–" and it says so; the leader's are numbers."""
    out = run(stackelberg_bin, REPO_ROOT / "runs/stac_mujoco/mujoco_hopper/sac-individual/seed1",
              REPO_ROOT / "runs/stac_mujoco/mujoco_hopper/sac-actor-leader/seed1", "--columns", "lambda").stdout
    base, leader = out.split("### ")[1:]
    assert "Not logged by this run (–): lambda." in base and all(r[2] == "–" for r in table(base))
    assert "Not logged" not in leader and float(table(leader)[0][2]) > 300


def test_infinite_values_count_and_one_unreadable_run_does_not_hide_the_others(stackelberg_bin, tmp_path):
    d = synthetic(tmp_path / "good", "env_step,updates,a,b\r\n10,1,inf,0\r\n20,2,1,1\r\n30,3,2,1\r\n")
    bad = synthetic(tmp_path / "bad", "env_step,updates,a,b\n10,1,x,1\n")
    p = run(stackelberg_bin, d, bad, "--width", 100, "--columns", "a,a/b", check=False)
    # Windows line ends read; inf counts (median of {1, 2, inf} is 2; a/b = {inf, 1, 2} likewise).
    assert table(p.stdout)[0][1:4] == ["3", "2.000", "2.000"]
    assert p.returncode == 1 and "1 of 2 runs could not be read" in p.stderr and "line 2 does not read" in p.stderr
    assert table(run(stackelberg_bin, d, "--width", 100, "--columns", "a", "--mean").stdout)[0][2] == "inf"


def test_csv_holds_the_report_s_windows_in_full_for_every_run(stackelberg_bin, tmp_path):
    """--csv: the same windows as the Markdown report, numbers in full (NumPy's median to 1e-9), one table over
    runs of two couplings (a column one of them does not log is empty), nan empty, inf as inf, and a directory
    name holding a comma quoted so that Python's csv module reads it back."""
    sac = REPO_ROOT / "runs/stac_mujoco/mujoco_hopper/sac-individual/seed1"
    leader = REPO_ROOT / "runs/stac_mujoco/mujoco_hopper/sac-actor-leader/seed1"
    text = run(stackelberg_bin, sac, leader, "--columns", "lambda,cosine", "--csv").stdout
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == ["run", "pair", "env", "seed", "lo", "hi", "statistic", "rows", "lambda", "cosine", "greedy", "training"]
    assert {r["statistic"] for r in rows} == {"median"}
    base = [r for r in rows if r["pair"] == "sac-individual"]
    ours = [r for r in rows if r["pair"] == "sac-actor-leader"]
    assert base and ours and all(r["lambda"] == "" and r["cosine"] == "" for r in base)
    # The leader's windows against NumPy, and against the Markdown report's four digits.
    u = read(leader / "updates.csv")
    report = table(run(stackelberg_bin, leader, "--columns", "lambda,cosine").stdout.split("### ")[1])
    for r, md in zip(ours, report):
        lo, hi = int(r["lo"]), int(r["hi"])
        inside = (u["env_step"] > lo) & (u["env_step"] <= hi)
        for k, name in enumerate(["lambda", "cosine"]):
            assert abs(float(r[name]) - np.median(u[name][inside])) <= 1e-9 * abs(np.median(u[name][inside])) + 1e-12
            assert close(md[2 + k], float(r[name]))
        assert r["seed"] == "1" and int(r["rows"]) == int(inside.sum())
    d = synthetic(tmp_path / "a,b", "env_step,updates,a\n10,1,inf\n20,2,nan\n110,3,1\n")
    got = list(csv.DictReader(run(stackelberg_bin, d, "--width", 100, "--columns", "a", "--mean", "--csv").stdout.splitlines()))
    assert got[0]["run"] == str(d) and got[0]["a"] == "inf" and float(got[1]["a"]) == 1.0 and got[0]["statistic"] == "mean"
    assert got[2]["a"] == "" and float(got[2]["greedy"]) == -7.0


def test_the_seed_is_the_one_the_config_records_whatever_the_directory_is_called(stackelberg_bin, tmp_path):
    """A copied run keeps its seed (the config's `# seed = N` line), not -1 from a directory not named seedN; a
    config without that line in such a directory has no seed: empty in the CSV, "unknown" in the report."""
    import shutil
    copy = tmp_path / "hopper_copy"
    shutil.copytree(REPO_ROOT / "runs/stac_mujoco/mujoco_hopper/sac-individual/seed1", copy)
    assert "seed 1 (finished)" in run(stackelberg_bin, copy).stdout
    assert {r["seed"] for r in csv.DictReader(run(stackelberg_bin, copy, "--csv").stdout.splitlines())} == {"1"}
    bare = synthetic(tmp_path, "env_step,updates,a\n10,1,1\n").rename(tmp_path / "bare")
    assert "seed unknown (finished)" in run(stackelberg_bin, bare).stdout
    assert {r["seed"] for r in csv.DictReader(run(stackelberg_bin, bare, "--csv").stdout.splitlines())} == {""}


def test_the_last_window_ends_where_the_run_does(stackelberg_bin):
    """A 5,005,312-step run's last 1M-step window was labelled 5M–6M, steps it never took."""
    p = run(stackelberg_bin, REPO_ROOT / "runs/sprig_minatar/sprig/minatar_breakout/ppo-sprig/seed0", "--width", "1e6")
    labels = [row[0] for row in table(p.stdout)]
    assert labels[-2:] == ["4M–5M", "5M–5.005M"], labels


def test_a_plain_log_beside_a_different_gz_is_read_with_a_note(stackelberg_bin, tmp_path):
    """FILE and FILE.gz both there: FILE was read without a word, also where the two differ (the .gz may be the run's)."""
    updates = "env_step,updates,a\n10,1,1\n20,2,3\n110,3,5\n"
    d = synthetic(tmp_path / "both", updates)
    data = (d / "episodes.csv").read_bytes()
    (d / "episodes.csv.gz").write_bytes(gzip.compress(data))
    assert "differs" not in run(stackelberg_bin, d).stderr
    (d / "episodes.csv.gz").write_bytes(gzip.compress(data + data.splitlines(keepends=True)[-1]))
    p = run(stackelberg_bin, d)
    assert p.stderr.count(f"note: {d}/episodes.csv.gz differs from {d}/episodes.csv beside it; episodes.csv is read") == 1, p.stderr


def test_the_default_columns_leave_out_the_sketch_coordinates(stackelberg_bin):
    """Without --columns a diagnosed run printed about 60 columns, the random sketch's coordinates among them
    (game_path_K, game_field_K, game_stackelberg_field_K), whose medians mean nothing."""
    d = REPO_ROOT / "runs/bridge/mujoco_halfcheetah/sac-critic-leader/seed0"
    p = run(stackelberg_bin, d)
    header = next(l for l in p.stdout.splitlines() if l.startswith("| env steps"))
    assert "game_path_1" not in header and "game_field_1" not in header and "game_stackelberg_field_1" not in header, header
    assert "game_eig1_re" in header and "game_total_derivative_cosine" in header, header
    # Still there when asked for.
    assert "game_path_1" in run(stackelberg_bin, d, "--columns", "game_path_1").stdout
