"""Shared fixtures for the Python-side checks of the `stackelberg` CLI.

Python is used only to check the Swift toolkit against peers (SymPy) and to
execute the walkthrough notebook; it is never part of the core.

The CLI binary is located as follows:

1. the environment variable ``STACKELBERG_BIN`` if it is set;
2. ``<repo>/.build/debug/stackelberg``;
3. ``<repo>/.build/release/stackelberg``;

where ``<repo>`` is two levels above this file.  If none exists the tests
fail (they are never skipped silently) with a message telling to build.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Sequence

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

CANDIDATES = (
    REPO_ROOT / ".build" / "debug" / "stackelberg",
    REPO_ROOT / ".build" / "release" / "stackelberg",
)


def locate_binary() -> tuple[Path | None, str]:
    """Return (path, "") when found, else (None, explanation)."""
    env = os.environ.get("STACKELBERG_BIN")
    if env:
        path = Path(env).expanduser()
        if not path.is_absolute():
            path = (Path.cwd() / path).resolve()
        if path.is_file() and os.access(path, os.X_OK):
            return path, ""
        return None, (
            f"STACKELBERG_BIN={env!r} does not name an executable file. "
            "Build the CLI with `swift build` (or `swift build -c release`) "
            "from the repository root, or point STACKELBERG_BIN at the binary."
        )
    for path in CANDIDATES:
        if path.is_file() and os.access(path, os.X_OK):
            return path, ""
    tried = ", ".join(str(p) for p in CANDIDATES)
    return None, (
        f"the stackelberg CLI was not found (tried {tried}). "
        f"Run `swift build` in {REPO_ROOT} first, "
        "or set STACKELBERG_BIN to the path of the binary."
    )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def stackelberg_bin() -> Path:
    path, why = locate_binary()
    if path is None:
        pytest.fail(why, pytrace=False)
    return path


CliRunner = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session")
def cli(stackelberg_bin: Path) -> CliRunner:
    """Run the CLI: ``cli("expr", "diff", "x^2", "--wrt", "x")``.

    Returns the CompletedProcess (text mode).  With ``ok=True`` (the
    default) a non-zero exit fails the test with the command, the exit
    status and stderr.
    """

    def run(*args: str, ok: bool = True, timeout: float = 60.0,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
        args = list(args)
        # `expr diff|eval EXPR …`: an expression may start with '-', so it goes after '--',
        # the way a user passes it (`stackelberg expr diff --wrt x -- "-x^2"`).
        if len(args) >= 3 and args[0] == "expr":
            args = args[:2] + args[3:] + ["--", args[2]]
        argv: Sequence[str] = [str(stackelberg_bin), *args]
        proc = subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, cwd=cwd)
        if ok and proc.returncode != 0:
            pytest.fail(
                f"command failed (exit {proc.returncode}): {list(argv)}\n"
                f"stdout: {proc.stdout!r}\nstderr: {proc.stderr!r}",
                pytrace=False,
            )
        return proc

    return run


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def read_committed_notebook(path: Path):
    """The notebook at `path`, which must be committed without outputs."""
    import nbformat
    nb = nbformat.read(path, as_version=4)
    assert not [c for c in nb.cells if c.cell_type == "code" and (c.outputs or c.execution_count)], f"{path.name}: commit it without outputs"
    return nb


def assert_gnuplot_png(path: Path) -> None:
    """`path` is a PNG of more than 5 kB (gnuplot's empty or failed figures are smaller)."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 5_000, f"{path.name}: the gnuplot figure is missing, not a PNG or suspiciously small"


def snapshot_runs(repo_root: Path, dest: Path, names) -> Path:
    """Copies the logs of runs/<name> for each name that exists into dest/<name> (no checkpoints,
    TensorBoard files or locks): experiments may still be writing them. Returns dest."""
    import shutil
    skip = shutil.ignore_patterns("checkpoint.state*", "tensorboard", "*.lock")
    for name in names:
        if (repo_root / "runs" / name).is_dir():
            shutil.copytree(repo_root / "runs" / name, dest / name, ignore=skip)
    return dest


def execute_notebook(nb, notebook_dir: Path, stackelberg_bin: Path, runs: Path, out: Path, monkeypatch) -> None:
    """Runs a notebook headless on the run logs under `runs`, writing its figures under `out`;
    fails on any cell error."""
    from nbclient import NotebookClient
    monkeypatch.setenv("STACKELBERG_BIN", str(stackelberg_bin))
    monkeypatch.setenv("STACKELBERG_RUNS", str(runs))
    monkeypatch.setenv("STACKELBERG_NOTEBOOK_OUT", str(out))
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(notebook_dir)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
