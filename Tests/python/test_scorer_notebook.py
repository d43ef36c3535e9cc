"""Execute notebooks/scorer_minatar.ipynb headless: it must regenerate the comparison tables and
curves from the committed run logs, and its NumPy recomputation of the scores must agree with
`stackelberg compare` (the notebook asserts it)."""

from __future__ import annotations

from pathlib import Path

from conftest import assert_gnuplot_png, read_committed_notebook
from nbclient import NotebookClient


def test_scorer_notebook_regenerates_the_figures(stackelberg_bin: Path, repo_root: Path, tmp_path: Path, monkeypatch):
    notebook_dir = repo_root / "notebooks"
    path = notebook_dir / "scorer_minatar.ipynb"
    nb = read_committed_notebook(path)
    monkeypatch.setenv("STACKELBERG_BIN", str(stackelberg_bin))
    monkeypatch.setenv("STACKELBERG_NOTEBOOK_OUT", str(tmp_path))
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(notebook_dir)}}).execute()
    runs = repo_root / "runs"
    envs = [p.name for p in sorted(runs.glob("minatar_*"))]
    for folder in ("nosticky", "gymnax", "gymnax_20M", "gymnax_asterix_8updates"):
        envs += [folder + "_" + p.name.removeprefix("minatar_") for p in sorted(runs.glob(folder + "/minatar_*"))]
    assert envs, "no MinAtar run logs under runs/"
    for env in envs:
        out = tmp_path / "scorer" / env
        assert "IQM score" in (out / "comparison.md").read_text()
        pngs = list(out.glob("curves_*.png"))
        assert len(pngs) == 1, pngs
        assert_gnuplot_png(pngs[0])
        # The committed figure is what the notebook makes from the committed logs.
        committed = repo_root / "plots" / "scorer" / env / "comparison.md"
        assert committed.read_text() == (out / "comparison.md").read_text(), f"plots/scorer/{env} is stale: rerun the notebook"
