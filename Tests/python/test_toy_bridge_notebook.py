"""notebooks/toy_bridge.ipynb: the STAC toy game run through the deep-RL code (issue 17, part 3).

Unlike the notebooks that regenerate figures from committed run logs, this one trains its own runs
(`stackelberg train --algo ac --env toy/stac_bandit`, minutes in a release build) and is committed
executed, with its outputs and its figures under plots/toy_bridge/. The first test checks what the
committed notebook shows: the learned paths track the symbolic module's iteration of the σ-game (within the
tolerance of Tests/AgentsTests/ToyBanditTests.swift, and closer than the σ → 0 toy's), individual play turns
around the equilibrium and STAC's path does not. The second executes it headless on a short run (2 seeds,
60 updates of 512 samples) into a temporary folder, so that it keeps running against the current CLI.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
from conftest import assert_gnuplot_png as png, execute_notebook

NOTEBOOK = "toy_bridge.ipynb"
FIGURES = ("learned_vs_symbolic", "gap")
# The mean path over seeds stays this close to the σ-game's iteration (the Swift test's tolerance at 4,096
# samples per update is for 4 seeds over 1,000 updates too).
TOLERANCE = 0.005
ROW = re.compile(r"^\| (AC|STAC)[^|]*\| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", re.M)


def markdown_outputs(nb) -> str:
    return "\n".join(o.data["text/markdown"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
                     if o.output_type in ("display_data", "execute_result") and "text/markdown" in o.get("data", {}))


def test_committed_notebook_shows_the_learned_paths_tracking_the_symbolic_iteration(repo_root: Path):
    nb = nbformat.read(repo_root / "notebooks" / NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "commit toy_bridge.ipynb executed (every code cell run)"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    images = sum(1 for c in code for o in c.outputs if "image/png" in o.get("data", {}))
    assert images >= 2, f"expected the two figures in the outputs, saw {images} images"

    text = markdown_outputs(nb)
    assert "4 seeds, 1000 updates of 4096 samples" in text, text
    rows = {m.group(1): m.groups()[1:] for m in ROW.finditer(text)}
    assert set(rows) == {"AC", "STAC"}, text
    for name, (gap_sigma, gap_toy, _single, angles, _sigma_angle, _toy_angle) in rows.items():
        assert float(gap_sigma) < TOLERANCE, f"{name}: the mean path is {gap_sigma} from the σ-game's iteration"
        assert float(gap_sigma) < float(gap_toy), f"{name}: the σ-game should explain the paths better than the toy"
        swept = [abs(float(a)) for a in angles.split(",")]
        if name == "AC":
            assert min(swept) > math.pi / 2, f"individual play should turn around (0, 0): {swept}"
        else:
            assert max(swept) < math.pi / 2, f"STAC's path should not turn around (0, 0): {swept}"

    plots = repo_root / "plots" / "toy_bridge"
    for name in FIGURES:
        png(plots / f"{name}.png")
        assert (plots / f"{name}.gp").is_file()
    summary = json.loads((plots / "summary.json").read_text())
    assert summary["seeds"] == 4 and summary["updates"] == 1000 and summary["batch"] == 4096
    for c in ("individual", "actor-leader"):
        assert summary["couplings"][c]["max_gap_sigma_game"] < TOLERANCE


def test_notebook_runs_on_a_short_run(stackelberg_bin: Path, repo_root: Path, tmp_path: Path, monkeypatch):
    nb = nbformat.read(repo_root / "notebooks" / NOTEBOOK, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    for key, value in (("STACKELBERG_TOY_SEEDS", "2"), ("STACKELBERG_TOY_UPDATES", "60"), ("STACKELBERG_TOY_BATCH", "512")):
        monkeypatch.setenv(key, value)
    out = tmp_path / "out"
    execute_notebook(nb, repo_root / "notebooks", stackelberg_bin, tmp_path / "runs", out, monkeypatch)
    for name in FIGURES:
        png(out / "toy_bridge" / f"{name}.png")
    summary = json.loads((out / "toy_bridge" / "summary.json").read_text())
    assert summary["seeds"] == 2 and summary["updates"] == 60 and summary["batch"] == 512
    assert "2 seeds, 60 updates of 512 samples" in markdown_outputs(nb)
