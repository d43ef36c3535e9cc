"""Execute notebooks/blpo.ipynb headless on a snapshot of runs/blpo_classic and runs/blpo_mujoco.

The experiments may still be writing these folders (scripts/experiments/blpo-classic.sh and
blpo-mujoco.sh), so the test copies them first (logs only: no checkpoints, no TensorBoard files) and
points the notebook at the copy. A run that finished before its directory was copied has its summary.json
in the copy; one that finished while being copied does not, so the copy never holds a summary.json with
cut-short logs. The notebook must then run on partial data, produce `stackelberg compare`'s tables, its own
tables and gnuplot figures, and count, per environment and variant, the complete seeds (summary.json) and
the seed directories that are in the copy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import assert_gnuplot_png as png, execute_notebook, read_committed_notebook, snapshot_runs

VARIANTS = ("ppo", "ppo_brax", "nested", "blpo_nystrom", "blpo_cg", "blpo_implicit", "blpo_cg_plain")
COUPLING = {"ppo": "monolithic", "ppo_brax": "monolithic", "nested": "nested", "blpo_nystrom": "blpo", "blpo_cg": "blpo",
            "blpo_implicit": "blpo", "blpo_cg_plain": "blpo"}
BLPO = ("blpo_nystrom", "blpo_cg", "blpo_implicit", "blpo_cg_plain")
CLASSIC = tuple(v for v in VARIANTS if v != "ppo_brax")  # ppo_brax (PPO in BLPO's Brax layout): MuJoCo only
MUJOCO = tuple(v for v in VARIANTS if v not in ("blpo_implicit", "blpo_cg_plain"))  # blpo_implicit: Hopper only
HOPPER = tuple(v for v in VARIANTS if v != "blpo_cg_plain")  # blpo_cg_plain: classic control only
# env -> (runs folder, env folder, variants in the grid): the grids of the two scripts.
GRID = {"cartpole": ("blpo_classic", "cartpole", CLASSIC), "acrobot": ("blpo_classic", "acrobot", CLASSIC),
        "hopper": ("blpo_mujoco", "mujoco_hopper", HOPPER),
        "walker2d": ("blpo_mujoco", "mujoco_walker2d", MUJOCO),
        "halfcheetah": ("blpo_mujoco", "mujoco_halfcheetah", MUJOCO)}


def seed_dirs(runs: Path, env: str, variant: str) -> list[Path]:
    root, folder, _ = GRID[env]
    return [p for p in sorted((runs / root / variant / folder / f"ppo-{COUPLING[variant]}").glob("seed*"))
            if p.is_dir() and p.name.removeprefix("seed").isdigit()]


def test_blpo_notebook_runs_on_partial_logs(stackelberg_bin: Path, repo_root: Path, tmp_path: Path, monkeypatch):
    if not (repo_root / "runs" / "blpo_classic").is_dir():
        pytest.skip("runs/blpo_classic does not exist: run scripts/experiments/blpo-classic.sh first")
    notebook_dir = repo_root / "notebooks"
    nb = read_committed_notebook(notebook_dir / "blpo.ipynb")

    runs = tmp_path / "runs"
    snapshot_runs(repo_root, runs, ("blpo_classic", "blpo_mujoco"))
    on_disk = {(e, v): seed_dirs(runs, e, v) for e, (_, _, vs) in GRID.items() for v in vs}
    complete = {key: [p for p in seeds if (p / "summary.json").is_file()] for key, seeds in on_disk.items()}
    present = [e for e in GRID if any(complete[e, v] for v in GRID[e][2])]
    if not any(e in present for e in ("cartpole", "acrobot")):
        pytest.skip("no classic-control run under runs/blpo_classic has finished yet")

    out = tmp_path / "out"
    execute_notebook(nb, notebook_dir, stackelberg_bin, runs, out, monkeypatch)

    blpo = out / "blpo"
    # Per environment with a complete run: compare's report, the learning curves, and the diagnostics
    # figure where a BLPO variant has a complete run.
    for e in present:
        report = (blpo / e / "comparison.md").read_text()
        assert "IQM score" in report, report
        if e == "cartpole":
            assert "steps to 475" in report, report
        if e == "acrobot":
            assert "steps to -100" in report, report
        for ext in ("gp", "dat"):
            assert (blpo / f"{e}_curves.{ext}").stat().st_size > 0, e
        png(blpo / f"{e}_curves.png")
        if any(complete[e, v] for v in BLPO if v in GRID[e][2]):
            png(blpo / f"{e}_diagnostics.png")
    for e in set(GRID) - set(present):
        assert not (blpo / f"{e}_curves.png").exists(), f"{e} has no complete run but got a figure"

    # The notebook's table counts what is on disk (in the snapshot it read).
    table = json.loads((blpo / "table.json").read_text())
    assert set(table) == set(GRID)
    for e, (_, _, vs) in GRID.items():
        assert set(table[e]) == set(vs), e
        for v in vs:
            row = table[e][v]
            assert row["complete"] == len(complete[e, v]), (e, v, row["complete"], complete[e, v])
            assert row["complete_seeds"] == [p.name for p in complete[e, v]], (e, v)
            assert row["on_disk"] == len(on_disk[e, v]), (e, v, row["on_disk"], on_disk[e, v])
            assert len(row["partial"]) == len(on_disk[e, v]) - len(complete[e, v]), (e, v)
            assert len(row["final_score"]) == len(complete[e, v]) == len(row["final_greedy"]), (e, v)
            if e in ("cartpole", "acrobot"):
                assert len(row["steps_to_threshold"]) == len(complete[e, v]), (e, v)
            assert (row["compare"] is not None) == bool(complete[e, v]), (e, v)
            if complete[e, v]:
                assert row["compare"]["seeds"] == len(complete[e, v]), (e, v)
        # ppo and ppo_brax are both ppo-monolithic: compare names them by the settings that differ, and
        # each row went to the variant whose config has them.
        if "ppo_brax" in vs and table[e]["ppo"]["compare"] and table[e]["ppo_brax"]["compare"]:
            assert re.search(r"\[(.* )?num_envs=1[ \]]", table[e]["ppo"]["compare"]["label"]), table[e]["ppo"]["compare"]
            assert re.search(r"\[(.* )?num_envs=32[ \]]", table[e]["ppo_brax"]["compare"]["label"]), table[e]["ppo_brax"]["compare"]

    text = (blpo / "table.md").read_text()
    assert "| PPO (`ppo`) |" in text and "IQM" in text, text
    for name in ("runs.md", "diagnostics.md", "diagnostics.json", "context.md", "context.json", "sign.json", "sign.md"):
        assert (blpo / name).stat().st_size > 0, name
    # On MuJoCo the BLPO variants and nested are also set against ppo_brax (their own layout), where both
    # sides have two complete seeds.
    sign = json.loads((blpo / "sign.json").read_text())
    for e in ("hopper", "walker2d", "halfcheetah"):
        for a in ("nested", "blpo_nystrom", "blpo_cg", "blpo_implicit"):
            for b in ("ppo", "ppo_brax"):
                if a in GRID[e][2] and min(len(complete[e, a]), len(complete[e, b])) >= 2:
                    assert f"{e}/{a}-{b}/final_score" in sign and f"{e}/{a}-{b}/curve_mean" in sign, (e, a, b)
    context = (blpo / "context.md").read_text()
    assert "| PPO (Brax layout) |" in context, context
    assert "2382.86 ± 271.74" in context and "490.04 ± 6.12" in context, context
