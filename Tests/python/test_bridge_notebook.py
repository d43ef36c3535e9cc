"""Execute notebooks/bridge.ipynb headless on a snapshot of runs/bridge, and check the committed plots/bridge.

scripts/experiments/bridge.sh trains MinAtar Breakout (DQN, DQN + SCORER) and HalfCheetah (SAC, STSAC-AL, STSAC-CL)
with the game diagnostics on, and may still be writing runs/bridge, so the test copies it first (logs only: no
checkpoints, TensorBoard files or locks) and points the notebook at the copy. A run that finished before its directory
was copied has its summary.json in the copy; one that finished while being copied does not, so the copy never holds a
summary.json with cut-short logs. The notebook must then run on partial data: print per environment and coupling how
many seeds are complete, run `stackelberg diagnose` on the complete seeds of each environment (and skip, saying so,
an environment without one), and write verdicts whose numbers are those of diagnose's report.json.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import assert_gnuplot_png as png, execute_notebook, read_committed_notebook, snapshot_runs

ENVS = {"minatar_breakout": ("dqn", ("monolithic", "scorer")),
        "mujoco_halfcheetah": ("sac", ("individual", "actor-leader", "critic-leader"))}
KEYS = [(e, c) for e, (_, couplings) in ENVS.items() for c in couplings]
FIGURES = ("gradient_vs_total_derivative", "jacobian_spectrum", "parameter_path", "best_response_gap")
COUNTS = re.compile(r"^(\S+) / (\S+): (\d+) of (\d+) seeds complete, (\d+) seed director(?:y|ies) present", re.M)
# verdicts.json key -> report.json group summary key
SUMMARY = {"rotation_median": "rotationMedian", "rotating_fraction": "rotatingFraction", "rotation_max_median": "rotationMaxMedian",
           "cosine_median": "cosineMedian", "correction_ratio_median": "correctionRatioMedian",
           "relative_loss_drop_median": "relativeLossDropMedian", "indefinite_fraction": "indefiniteFraction",
           "diagnostics": "diagnostics",
           # The regularized Stackelberg field's spectrum (diagnostics.stackelberg_spectrum): absent from both without it.
           "stackelberg_rotation_median": "stackelbergRotationMedian", "stackelberg_rotating_fraction": "stackelbergRotatingFraction",
           "stackelberg_rotation_max_median": "stackelbergRotationMaxMedian"}


def seed_dirs(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.glob("seed*")) if p.is_dir() and p.name.removeprefix("seed").isdigit()]


def grid(runs: Path) -> dict[tuple[str, str], list[Path]]:
    return {(e, c): seed_dirs(runs / "bridge" / e / f"{ENVS[e][0]}-{c}") for e, c in KEYS}


def read_csv(path: Path) -> dict[str, list[float]]:
    lines = path.read_text().split("\n")[:-1] if path.is_file() else []
    if not lines:
        return {}
    header = lines[0].split(",")
    cols: dict[str, list[float]] = {h: [] for h in header}

    def number(x: str) -> float:
        try:
            return float(x)
        except ValueError:
            return math.nan

    for line in lines[1:]:
        row = line.split(",")
        if len(row) == len(header):
            for h, x in zip(header, row):
                cols[h].append(number(x))
    return cols


def total_steps(run: Path) -> float:
    import tomllib
    return float(tomllib.loads((run / "config.toml").read_text())["total_steps"])


def final_score(run: Path) -> float:
    ep = read_csv(run / "episodes.csv")
    last = [r for s, r in zip(ep["env_step"], ep["return"]) if s > 0.9 * total_steps(run)]
    return sum(last) / len(last) if last else math.nan


def greedy(run: Path) -> float:
    ev = read_csv(run / "eval.csv").get("mean_return", [])
    return ev[-1] if ev else math.nan


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def stream(nb) -> str:
    return "\n".join(o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream")


def check_verdicts(verdicts: dict, plots: Path, complete: dict[tuple[str, str], list[Path]]) -> None:
    """verdicts.json against diagnose's report.json per environment, and the returns against the runs' logs."""
    for e, c in KEYS:
        row = verdicts["rows"][f"{e}/{c}"]
        runs = complete[e, c]
        assert row["complete"] == len(runs) and row["seeds"] == [int(p.name.removeprefix("seed")) for p in runs], (e, c, row["seeds"])
        if not runs:
            assert "diagnostics" not in row, (e, c)
            continue
        report = json.loads((plots / e / "report.json").read_text())
        group = [g for g in report["groups"] if g["name"] == f"{ENVS[e][0]}-{c}"]
        assert len(group) == 1, (e, c, [g["name"] for g in report["groups"]])
        group = group[0]
        assert group["seeds"] == row["seeds"], (e, c)
        for ours, theirs in SUMMARY.items():  # row.get: a verdicts.json written before a key was added lacks it
            assert close(row.get(ours), group["summary"].get(theirs)), (e, c, ours, row.get(ours), group["summary"].get(theirs))
        path, t = group["path"], report["thresholds"]
        assert close(row["path_turns"], path["turns"]) and close(row["path_straightness"], path["straightness"]), (e, c)
        shape = "spirals" if abs(path["turns"]) >= t["spiralTurns"] else "goes straight" if path["straightness"] >= t["straightness"] else "bends"
        assert row["path"] == shape and f"parameter path {shape}" in row["verdicts"]["parameter_path"], (e, c, row["path"])
        assert row["verdicts"] == {v["key"]: v["text"] for v in group["verdicts"]}, (e, c)
        # The returns are those of the logs; the aggregate an IQM over >= 3 seeds, else the mean.
        scores, greedies = [final_score(p) for p in runs], [greedy(p) for p in runs]
        assert all(close(a, b) for a, b in zip(row["final_score"], scores)), (e, c, row["final_score"], scores)
        assert all(close(a, b) for a, b in zip(row["final_greedy"], greedies)), (e, c)
        for agg, xs in ((row["score"], scores), (row["greedy"], greedies)):
            xs = sorted(x for x in xs if math.isfinite(x))
            assert agg["n"] == len(xs) and agg["statistic"] == ("iqm" if len(xs) >= 3 else "mean" if xs else None), (e, c, agg)
            if xs:
                cut = len(xs) // 4 if len(xs) >= 3 else 0
                mid = xs[cut:len(xs) - cut]
                assert math.isclose(agg["value"], sum(mid) / len(mid), rel_tol=1e-9), (e, c, agg, xs)
    # The summary table names every environment with a complete run and says so of the others.
    table = (plots / "verdicts.md").read_text()
    for e, c in KEYS:
        if complete[e, c] and isinstance(verdicts["rows"][f"{e}/{c}"].get("stackelberg_rotation_median"), float):
            row = verdicts["rows"][f"{e}/{c}"]
            assert f"| {row['stackelberg_rotation_median']:.3g} ({100 * row['stackelberg_rotating_fraction']:.0f}%" in table, (e, c, table)
    for e in ENVS:
        title = "MinAtar Breakout" if e == "minatar_breakout" else "MuJoCo HalfCheetah"
        if any(complete[e, c] for c in ENVS[e][1]):
            assert f"| {title} |" in table, e
        else:
            assert f"{title}: no complete run yet." in table, e


def add_stackelberg_spectrum(updates: Path) -> int:
    """Gives a run's updates.csv the columns of diagnostics.stackelberg_spectrum = true where it has a diagnostic (its
    game_lambda finite): a regularized Stackelberg field whose eig1 is 2 + 0.6i in the first of every four diagnostics and
    2 + 0.04i in the others (|Im|/|Re| 0.3 and 0.02: median 0.02, about 25% above 0.1). Returns how many rows got them."""
    lines = updates.read_text().split("\n")
    header = lines[0].split(",")
    names = ["game_stackelberg_eig1_re", "game_stackelberg_eig1_im", "game_stackelberg_rotation", "game_stackelberg_rotation_max"]
    out, n = [",".join(header + names)], 0
    for line in lines[1:]:
        if not line:
            out.append(line)
            continue
        fields = line.split(",")
        if len(fields) == len(header) and fields[header.index("game_lambda")] not in ("nan", ""):
            im = 0.6 if n % 4 == 0 else 0.04
            n += 1
            fields += ["2.0", repr(im), repr(im / 2), repr(im / 2)]
        else:
            fields += ["nan"] * len(names)
        out.append(",".join(fields))
    updates.write_text("\n".join(out))
    return n


def run_notebook(stackelberg_bin: Path, repo_root: Path, runs: Path, out: Path, monkeypatch):
    nb = read_committed_notebook(repo_root / "notebooks" / "bridge.ipynb")
    execute_notebook(nb, repo_root / "notebooks", stackelberg_bin, runs, out, monkeypatch)
    return nb


def check_execution(nb, runs: Path, bridge: Path) -> None:
    on_disk = grid(runs)
    complete = {key: [p for p in seeds if (p / "summary.json").is_file()] for key, seeds in on_disk.items()}

    # The counts it printed and wrote are those of the snapshot.
    printed = {(m[1], m[2]): (int(m[3]), int(m[5])) for m in COUNTS.finditer(stream(nb))}
    counts = json.loads((bridge / "runs.json").read_text())
    assert set(counts) == {f"{e}/{c}" for e, c in KEYS}
    for (e, c), seeds in on_disk.items():
        assert printed[e, c] == (len(complete[e, c]), len(seeds)), (e, c, printed.get((e, c)))
        row = counts[f"{e}/{c}"]
        assert (row["complete"], row["on_disk"]) == (len(complete[e, c]), len(seeds)), (e, c, row)
        assert row["complete_seeds"] == [p.name for p in complete[e, c]], (e, c)
        assert len(row["partial"]) == len(seeds) - len(complete[e, c]), (e, c)

    # diagnose per environment with a complete run, on exactly its complete seeds; the others skipped, saying so.
    for e in ENVS:
        done = [p for c in ENVS[e][1] for p in complete[e, c]]
        if not done:
            assert not (bridge / e).exists(), f"{e} has no complete run but got a diagnosis"
            assert f"{'MinAtar Breakout' if e == 'minatar_breakout' else 'MuJoCo HalfCheetah'}: no complete run yet; skipped" in stream(nb), e
            continue
        report = json.loads((bridge / e / "report.json").read_text())
        assert sorted(Path(r["directory"]).name + "@" + r["group"] for r in report["runs"]) == \
            sorted(p.name + "@" + p.parent.name for p in done), e
        command = report["provenance"]["command"]  # run from the folder above runs/, with relative paths
        assert f" diagnose runs/bridge/{e}/" in command and f"--out {os.path.relpath(bridge / e, runs.parent)}" in command, command
        for name in FIGURES:
            png(bridge / e / f"{name}.png")
            assert (bridge / e / f"{name}.gp").is_file(), (e, name)
    check_verdicts(json.loads((bridge / "verdicts.json").read_text()), bridge, complete)

    # The toy's numbers come from game analyze: the STAC game's individual-play spectrum at (0.8, 0.6).
    toy = json.loads((bridge / "toy_vs_scale.json").read_text())["toy"]
    re_, im = toy["individual"]["eigenvalue"]
    assert toy["start"] == [0.8, 0.6] and math.isclose(re_, 0.64, abs_tol=1e-6) and math.isclose(abs(im), 1.5094, abs_tol=1e-3), toy
    assert math.isclose(toy["individual"]["rotation"], 2.3585, abs_tol=1e-3) and toy["stackelberg"]["rotation"] == 0, toy
    side = (bridge / "toy_vs_scale.md").read_text()
    assert "2.36 (0.64 ± 1.509i)" in side, side
    for e in ENVS:
        title = "MinAtar Breakout" if e == "minatar_breakout" else "MuJoCo HalfCheetah"
        if any(complete[e, c] for c in ENVS[e][1]):
            assert f"**Rotation, {title}**" in side and f"**Best response, {title}**" in side, e
        else:
            assert f"**{title}**: no complete run yet" in side, e


def test_bridge_notebook_runs_on_partial_logs(stackelberg_bin: Path, repo_root: Path, tmp_path: Path, monkeypatch):
    if not (repo_root / "runs" / "bridge").is_dir():
        pytest.skip("runs/bridge does not exist: run scripts/experiments/bridge.sh first")
    runs = snapshot_runs(repo_root, tmp_path / "runs", ("bridge",))
    if not any((p / "summary.json").is_file() for seeds in grid(runs).values() for p in seeds):
        pytest.skip("no run under runs/bridge has finished yet")
    out = tmp_path / "out"
    nb = run_notebook(stackelberg_bin, repo_root, runs, out, monkeypatch)
    check_execution(nb, runs, out / "bridge")


def test_bridge_notebook_skips_an_environment_without_complete_runs(stackelberg_bin: Path, repo_root: Path, tmp_path: Path, monkeypatch):
    """The same on a snapshot where one environment has no complete run (its summary.json files removed: partial runs)
    and another has one complete seed of one coupling only."""
    if not (repo_root / "runs" / "bridge").is_dir():
        pytest.skip("runs/bridge does not exist: run scripts/experiments/bridge.sh first")
    runs = snapshot_runs(repo_root, tmp_path / "runs", ("bridge",))
    on_disk = grid(runs)
    done = [(e, c) for e, c in KEYS if any((p / "summary.json").is_file() for p in on_disk[e, c])]
    if not done:
        pytest.skip("no run under runs/bridge has finished yet")
    keep_env, keep_coupling = done[0]
    kept = [p for p in on_disk[keep_env, keep_coupling] if (p / "summary.json").is_file()][0]
    logged = add_stackelberg_spectrum(kept / "updates.csv")
    for seeds in on_disk.values():
        for p in seeds:
            if p != kept and (p / "summary.json").is_file():
                (p / "summary.json").unlink()
    for e in ENVS:
        if e != keep_env:  # no complete run, one seed directory just started (nothing written yet)
            shutil.rmtree(runs / "bridge" / e, ignore_errors=True)
            (runs / "bridge" / e / f"{ENVS[e][0]}-{ENVS[e][1][0]}" / "seed0").mkdir(parents=True)
    out = tmp_path / "out"
    nb = run_notebook(stackelberg_bin, repo_root, runs, out, monkeypatch)
    check_execution(nb, runs, out / "bridge")
    verdicts = json.loads((out / "bridge" / "verdicts.json").read_text())
    assert verdicts["present"] == [keep_env], verdicts["present"]
    # The kept run's added spectrum reaches the verdict table; the other couplings' cells say it is not logged.
    row = verdicts["rows"][f"{keep_env}/{keep_coupling}"]
    share = math.ceil(logged / 4) / logged
    assert math.isclose(row["stackelberg_rotation_median"], 0.02) and math.isclose(row["stackelberg_rotating_fraction"], share), (row, logged)
    table = (out / "bridge" / "verdicts.md").read_text()
    assert f"| 0.02 ({100 * share:.0f}%, λ = {row['lambda_median']:g}) |" in table, table
    for c in ENVS[keep_env][1]:
        if c != keep_coupling:
            assert verdicts["rows"][f"{keep_env}/{c}"].get("stackelberg_rotation_median") is None, c


def test_committed_bridge_outputs_match_the_committed_logs(repo_root: Path):
    """plots/bridge as committed: the notebook without outputs, every figure of an environment with a complete run,
    and verdicts.json equal to diagnose's committed report.json and to the logs of the runs it names (which must be
    complete: their summary.json present)."""
    read_committed_notebook(repo_root / "notebooks" / "bridge.ipynb")
    plots = repo_root / "plots" / "bridge"
    if not (plots / "verdicts.json").is_file():
        pytest.skip("plots/bridge has not been generated yet: execute notebooks/bridge.ipynb")
    verdicts = json.loads((plots / "verdicts.json").read_text())
    runs = repo_root / "runs" / "bridge"
    complete = {}
    for e, c in KEYS:
        seeds = verdicts["rows"][f"{e}/{c}"]["seeds"]
        complete[e, c] = [runs / e / f"{ENVS[e][0]}-{c}" / f"seed{s}" for s in seeds]
        for p in complete[e, c]:
            assert (p / "summary.json").is_file(), f"{p} is named in plots/bridge/verdicts.json but is not a complete run"
    counts = json.loads((plots / "runs.json").read_text())
    for e, c in KEYS:
        assert counts[f"{e}/{c}"]["complete_seeds"] == [p.name for p in complete[e, c]], (e, c)
    for e in verdicts["present"]:
        for name in FIGURES:
            png(plots / e / f"{name}.png")
        command = json.loads((plots / e / "report.json").read_text())["provenance"]["command"]
        assert f"--out plots/bridge/{e}" in command, command
    check_verdicts(verdicts, plots, complete)
