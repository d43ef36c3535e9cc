"""Execute notebooks/stac_toy_game.ipynb headless and check what it produced."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOTS = ("vector_fields", "error", "leader_return", "spectrum_lambda")


def test_notebook_runs_and_writes_plots(stackelberg_bin: Path, repo_root: Path,
                                        tmp_path: Path, monkeypatch):
    notebook_dir = repo_root / "notebooks"
    path = notebook_dir / "stac_toy_game.ipynb"
    nb = nbformat.read(path, as_version=4)

    committed_outputs = [i for i, c in enumerate(nb.cells)
                         if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not committed_outputs, (
        f"{path.name} is committed with outputs in cells {committed_outputs}; clear them")

    out_dir = tmp_path / "out"
    # The kernel inherits this process's environment.
    monkeypatch.setenv("STACKELBERG_BIN", str(stackelberg_bin))
    monkeypatch.setenv("STACKELBERG_NOTEBOOK_OUT", str(out_dir))

    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(notebook_dir)}})
    client.execute()  # raises CellExecutionError on the first failing cell

    errors = [o for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors

    stac = out_dir / "stac"
    for name in PLOTS:
        for ext in ("gp", "dat"):
            f = stac / f"{name}.{ext}"
            assert f.is_file() and f.stat().st_size > 0, f"missing or empty {f}"
        png = stac / f"{name}.png"
        assert png.is_file(), f"notebook did not produce {png}"
        data = png.read_bytes()
        assert data[:8] == PNG_MAGIC, f"{png} is not a PNG"
        assert len(data) > 5_000, f"{png} is suspiciously small ({len(data)} bytes)"

    images = sum(1 for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs if "image/png" in o.get("data", {}))
    assert images >= 4, f"expected the notebook to display at least 4 images, saw {images}"
    for report in ("report.txt", "report.json"):
        assert (stac / report).is_file(), f"missing {stac / report}"
