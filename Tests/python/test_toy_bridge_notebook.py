"""notebooks/toy_bridge.ipynb: the STAC toy game run through the deep-RL code (issue 17, part 3).

Unlike the notebooks that regenerate figures from committed run logs, this one trains its own runs
(`stackelberg train --algo ac --env toy/stac_bandit`, minutes in a release build); like the others it is
committed without outputs, its figures and summary under plots/toy_bridge/. The first test checks what the
committed figures show: the learned paths track the symbolic module's iteration of the σ-game (within the
tolerance of Tests/AgentsTests/ToyBanditTests.swift, and closer than the σ → 0 toy's), individual play turns
around the equilibrium and STAC's path does not. The second executes it headless on a short run (2 seeds,
60 updates of 512 samples) into a temporary folder, so that it keeps running against the current CLI.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from conftest import assert_gnuplot_png as png, execute_notebook, read_committed_notebook

NOTEBOOK = "toy_bridge.ipynb"
FIGURES = ("learned_vs_symbolic", "gap")
# The mean path over seeds stays this close to the σ-game's iteration (the Swift test's tolerance at 4,096
# samples per update is for 4 seeds over 1,000 updates too).
TOLERANCE = 0.005


def markdown_outputs(nb) -> str:
    return "\n".join(o.data["text/markdown"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
                     if o.output_type in ("display_data", "execute_result") and "text/markdown" in o.get("data", {}))


def test_committed_figures_show_the_learned_paths_tracking_the_symbolic_iteration(repo_root: Path):
    read_committed_notebook(repo_root / "notebooks" / NOTEBOOK)
    plots = repo_root / "plots" / "toy_bridge"
    for name in FIGURES:
        png(plots / f"{name}.png")
        assert (plots / f"{name}.gp").is_file()
    summary = json.loads((plots / "summary.json").read_text())
    assert summary["seeds"] == 4 and summary["updates"] == 1000 and summary["batch"] == 4096
    for c in ("individual", "actor-leader"):
        row = summary["couplings"][c]
        assert row["max_gap_sigma_game"] < TOLERANCE, f"{c}: the mean path is {row['max_gap_sigma_game']} from the σ-game's iteration"
        assert row["max_gap_sigma_game"] < row["max_gap_toy"], f"{c}: the σ-game should explain the paths better than the toy"
        swept = [abs(a) for a in row["winding_learned"]]
        if c == "individual":
            assert min(swept) > math.pi / 2, f"individual play should turn around (0, 0): {swept}"
        else:
            assert max(swept) < math.pi / 2, f"STAC's path should not turn around (0, 0): {swept}"


def test_notebook_runs_on_a_short_run(stackelberg_bin: Path, repo_root: Path, tmp_path: Path, monkeypatch):
    nb = read_committed_notebook(repo_root / "notebooks" / NOTEBOOK)
    for key, value in (("STACKELBERG_TOY_SEEDS", "2"), ("STACKELBERG_TOY_UPDATES", "60"), ("STACKELBERG_TOY_BATCH", "512")):
        monkeypatch.setenv(key, value)
    out = tmp_path / "out"
    execute_notebook(nb, repo_root / "notebooks", stackelberg_bin, tmp_path / "runs", out, monkeypatch)
    for name in FIGURES:
        png(out / "toy_bridge" / f"{name}.png")
    summary = json.loads((out / "toy_bridge" / "summary.json").read_text())
    assert summary["seeds"] == 2 and summary["updates"] == 60 and summary["batch"] == 512
    assert "2 seeds, 60 updates of 512 samples" in markdown_outputs(nb)
