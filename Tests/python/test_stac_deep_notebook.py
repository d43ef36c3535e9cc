"""Execute notebooks/stac_deep.ipynb headless on a snapshot of runs/stac_cartpole and runs/stac_mujoco.

The experiments may still be writing these folders, so the test copies them first (logs only: no
checkpoints, no TensorBoard files) and points the notebook at the copy. A run that finished before its
directory was copied has its summary.json in the copy; one that finished while being copied does not, so
the copy never holds a summary.json with cut-short logs. The notebook must then run on partial data,
produce `stackelberg compare`'s table and its own gnuplot figure, and count, per configuration, the
complete seeds (summary.json) and the seed directories that are in the copy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_gnuplot_png, execute_notebook, read_committed_notebook, snapshot_runs

# stac-ablation.sh's modes and their output folders.
ABLATIONS = {"constant-lambda": "stac_lambda", "plain-cg": "stac_plain_cg", "cadence": "stac_cadence",
             "cadence-lambda": "stac_cadence_lambda"}
CONFIGS = ("ac_m1", "stac_m1", "scaled_m1", "stac_code_m1", "ac_m80", "stac_m80", "scaled_m80", "stac_code_m80")


def seed_dirs(root: Path, config: str) -> list[Path]:
    return [p for p in sorted((root / config).glob("cartpole/*/seed*"))
            if p.is_dir() and p.name.removeprefix("seed").isdigit()]


def test_stac_deep_notebook_runs_on_partial_logs(stackelberg_bin: Path, repo_root: Path, tmp_path: Path, monkeypatch):
    live = repo_root / "runs" / "stac_cartpole"
    if not live.is_dir():
        pytest.skip("runs/stac_cartpole does not exist: run scripts/experiments/stac-cartpole.sh first")
    notebook_dir = repo_root / "notebooks"
    nb = read_committed_notebook(notebook_dir / "stac_deep.ipynb")

    runs = tmp_path / "runs"
    snapshot_runs(repo_root, runs, ("stac_cartpole", "stac_mujoco") + tuple(ABLATIONS.values()))
    cartpole = runs / "stac_cartpole"
    on_disk = {c: seed_dirs(cartpole, c) for c in CONFIGS}
    complete = {c: [p for p in on_disk[c] if (p / "summary.json").is_file()] for c in CONFIGS}
    if not any(complete.values()):
        pytest.skip("no CartPole run under runs/stac_cartpole has finished yet")

    out = tmp_path / "out"
    execute_notebook(nb, notebook_dir, stackelberg_bin, runs, out, monkeypatch)

    stac = out / "stac_deep"
    report = (stac / "cartpole" / "comparison.md").read_text()
    assert "IQM score" in report and "steps to 195" in report, report
    for ext in ("gp", "dat"):
        assert (stac / f"cartpole_curves.{ext}").stat().st_size > 0
    assert_gnuplot_png(stac / "cartpole_curves.png")

    # The independent table counts what is on disk (in the snapshot it read).
    table = json.loads((stac / "cartpole_table.json").read_text())
    assert set(table) == set(CONFIGS)
    for c in CONFIGS:
        row = table[c]
        assert row["complete"] == len(complete[c]), (c, row["complete"], complete[c])
        assert row["complete_seeds"] == [p.name for p in complete[c]], c
        assert row["on_disk"] == len(on_disk[c]), (c, row["on_disk"], on_disk[c])
        assert len(row["partial"]) == len(on_disk[c]) - len(complete[c]), c
        assert len(row["mean_batch_return"]) == len(complete[c]), c
    assert "| stac_m1 |" in (stac / "cartpole_table.md").read_text()
    assert (stac / "mujoco_table.md").is_file()
    # Result 3: SAC to 1e6 steps beside CleanRL's published return, drawn once a seed has finished.
    long_done = [p for p in (runs / "stac_mujoco" / "1e6" / "mujoco_halfcheetah" / "sac-individual").glob("seed*")
                 if (p / "summary.json").is_file()]
    if long_done:
        assert "9635 ± 1424" in (stac / "sac_1e6.md").read_text()
        assert_gnuplot_png(stac / "sac_1e6.png")
    else:
        assert not (stac / "sac_1e6.png").exists()
    # The ablations: each complete ablation run has its section, with its own final greedy evaluation, and a figure.
    table = (stac / "ablations.md").read_text() if (stac / "ablations.md").exists() else ""
    drawn = set()
    for ab, folder in ABLATIONS.items():
        for run in sorted((runs / folder).glob("mujoco_*/*/seed*")):
            if not (run / "summary.json").is_file():
                continue
            task, algo, seed = run.parent.parent.name.removeprefix("mujoco_"), run.parent.name.split("-")[0], run.name
            section = table.split(f"### {ab}: {task}, {algo.upper()}, seed {seed.removeprefix('seed')}\n", 1)
            assert len(section) == 2, (ab, run, table)
            last = (run / "eval.csv").read_text().strip().splitlines()[-1].split(",")
            final = float(last[1])
            shown = f"{final:,.0f}" if abs(final) >= 100 else f"{final:.1f}"
            assert f"| {shown} |" in section[1].split("###", 1)[0], (run, last)
            drawn.add(ab)
    for ab in ABLATIONS:
        assert (stac / f"ablation_{ab}.png").exists() == (ab in drawn), ab
        if ab in drawn:
            assert_gnuplot_png(stac / f"ablation_{ab}.png")
    assert (stac / "ablations.md").exists() == bool(drawn)
