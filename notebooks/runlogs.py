"""Helpers the notebooks share for reading the training logs of `stackelberg train`.

A run directory (runs/<root>/<env>/<algo-coupling>/seedN) holds config.toml (the resolved settings),
episodes.csv (one row per training episode), updates.csv (one row per logging window of updates),
eval.csv (the greedy evaluations) and, once training has finished, summary.json. The notebooks run in
notebooks/, which is where they import this module from and where find_cli looks for ../.build.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import numpy as np
from IPython.display import Image, Markdown, display


def find_cli(builds: tuple[str, ...] = ("release", "debug")) -> Path:
    """The stackelberg CLI: $STACKELBERG_BIN if set, else the first of ../.build/<build>/stackelberg that exists,
    trying `builds` in order."""
    env = os.environ.get("STACKELBERG_BIN")
    candidates = [Path(env)] if env else [Path("..") / ".build" / build / "stackelberg" for build in builds]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path.resolve()
    raise FileNotFoundError(f"stackelberg CLI not found (tried {[str(p) for p in candidates]}); "
                            "run `swift build` in the repository root or set STACKELBERG_BIN")


def gq(text: str) -> str:
    """`text` inside a gnuplot single-quoted string, where a quote is written twice."""
    return text.replace("'", "''")


# Reading a run. A run still training may be in the middle of writing a line, so only lines ended by a
# newline count.

def read_csv(path: Path) -> dict[str, np.ndarray]:
    """A CSV log as float columns (a field that is not a number, as eval.csv's list of returns, is nan); {} for a
    missing or empty file. A row with too few or too many fields is left out."""
    lines = path.read_text().split("\n")[:-1] if path.is_file() else []
    if not lines:
        return {}
    header = lines[0].split(",")
    rows = [r for r in (line.split(",") for line in lines[1:]) if len(r) == len(header)]

    def number(x: str) -> float:
        try:
            return float(x)
        except ValueError:
            return np.nan

    data = np.array([[number(x) for x in r] for r in rows], dtype=float).reshape(len(rows), len(header))
    return dict(zip(header, data.T))


@functools.cache
def log(run: Path, name: str) -> dict[str, np.ndarray]:
    """run/name (episodes.csv, updates.csv, eval.csv) as read_csv reads it, read once: later calls return the same
    columns until log.cache_clear(), which each notebook calls as it starts, so that one execution sees one state
    of a run still training."""
    return read_csv(run / name)


def read_config(run: Path) -> dict:
    """A run's config.toml as a flat dict of dotted keys (`total_steps`, `network.actor_widths`, `blpo.solver`).

    Flat, as `stackelberg compare` names its settings: PPO's older runs hold both a `network` choice and a
    `[network]` table, which a TOML reader refuses as one key declared twice, so the file is read a line at a
    time (every value on one line) when tomllib refuses it.
    """
    text = (run / "config.toml").read_text()
    try:
        flat, stack = {}, [("", tomllib.loads(text))]
        while stack:
            prefix, table = stack.pop()
            for key, value in table.items():
                if isinstance(value, dict):
                    stack.append((prefix + key + ".", value))
                else:
                    flat[prefix + key] = value
        return flat
    except tomllib.TOMLDecodeError:
        flat, section = {}, ""
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip() + "."
                continue
            key, _, value = line.partition("=")
            flat[section + key.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
        return flat


def seed_dirs(root: Path, pattern: str = "seed*") -> dict[int, Path]:
    """The seed directories matching root/pattern, by seed."""
    found = (p for p in sorted(root.glob(pattern)) if p.is_dir() and p.name.removeprefix("seed").isdigit())
    return {int(p.name.removeprefix("seed")): p for p in found}


def is_complete(run: Path) -> bool:
    """Whether the run has finished: its summary.json exists."""
    return (run / "summary.json").is_file()


def total_steps(run: Path) -> float:
    """config.toml's total_steps; nan when the file or the key is missing or unreadable."""
    try:
        return float(read_config(run)["total_steps"])
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError):
        return np.nan


def reached(run: Path) -> float:
    """How many environment steps the run has trained: the furthest env_step in episodes.csv and updates.csv (0
    when neither has a row). The update log counts: with episodes of a fixed length that all copies end
    together (MinAtar Freeway's 2,500 steps), the last episode can end well before the last update."""
    steps = [log(run, name).get("env_step", np.array([])) for name in ("episodes.csv", "updates.csv")]
    return max((float(np.nanmax(s)) for s in steps if s.size), default=0.0)


def progress(run: Path) -> float:
    """How far a partial run's episode log has got, as a fraction of its total_steps (0 when unknown)."""
    total = total_steps(run)
    return reached(run) / total if np.isfinite(total) and total > 0 else 0.0


def state(complete: list[Path], expected: list[int], on_disk: dict[int, Path], partial: dict[int, Path]) -> str:
    """One line on a group of seeds: how many of the expected ones are complete, the seed directories present, how
    far each partial seed has got and which expected seeds have not started."""
    parts = [f"{len(complete)} of {len(expected)} seeds complete, {len(on_disk)} seed "
             f"director{'y' if len(on_disk) == 1 else 'ies'} present"]
    if partial:
        parts.append("partial: " + ", ".join(f"seed{s} at {progress(r):.0%}" for s, r in partial.items()))
    if missing := [s for s in expected if s not in on_disk]:
        parts.append("not started: " + ", ".join(f"seed{s}" for s in missing))
    return "; ".join(parts)


# A seed's numbers.

def final_score(run: Path) -> float:
    """The mean training-episode return (episodes.csv) over the last 10% of total_steps (what `compare` calls the
    score); nan when no episode ended there."""
    ep = log(run, "episodes.csv")
    if not ep:
        return np.nan
    last = ep["return"][ep["env_step"] > 0.9 * total_steps(run)]
    return float(last.mean()) if last.size else np.nan


def greedy(run: Path) -> float:
    """The final greedy evaluation (eval.csv's last mean_return); nan when there is none."""
    ev = log(run, "eval.csv").get("mean_return", np.array([]))
    return float(ev[-1]) if ev.size else np.nan


# Over seeds.

def iqm(x, finite_only: bool = True) -> float:
    """The interquartile mean: the mean after cutting ⌊n/4⌋ values from each end (as `compare`); nan for no values.

    finite_only drops nan and ±inf first. With finite_only=False they stay in the sort (numpy sorts nan last), so a
    seed without a number still counts in n: blpo, stac_deep and scorer_minatar compute it that way.
    """
    x = np.sort(np.asarray(x, dtype=float))
    if finite_only:
        x = x[np.isfinite(x)]
    return float(np.mean(x[len(x) // 4:len(x) - len(x) // 4])) if x.size else np.nan


def mean_std(x, digits: int = 1, scale: float = 1.0, count: bool = False) -> str:
    """"mean ± sd" (sd with ddof 1) of the finite values of x divided by scale, followed by their number "(n)" with
    count; "x (1 seed)" for one value, "–" for none."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)] / scale
    if x.size == 0:
        return "–"
    if x.size == 1:
        return f"{x[0]:.{digits}f} (1 seed)"
    return f"{x.mean():.{digits}f} ± {x.std(ddof=1):.{digits}f}" + (f" ({x.size})" if count else "")


def welch(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """mean(x) − mean(y) and Welch's t, that difference over its standard error (±inf, or 0 for no difference,
    when the standard error is 0). Needs at least two values on each side."""
    d = x.mean() - y.mean()
    se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    return d, (d / se if se > 0 else (np.sign(d) * np.inf if d else 0.0))


def nan_to_none(xs) -> list[float | None]:
    """xs for JSON: floats, with None for nan, ±inf and None."""
    return [float(x) if x is not None and np.isfinite(x) else None for x in xs]


# `stackelberg compare` and the figures under the notebook's output folder.

def compare(cli: Path, runs: list[Path], out: Path, *extra: str, show_curves: bool = True) -> str:
    """`stackelberg compare` on the given seed directories into `out` (emptied first); shows its Markdown report and,
    with show_curves, its curves_*.png; returns the report (comparison.md)."""
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run([str(cli), "compare", *map(str, runs), "--out", str(out), *extra],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr)
        proc.check_returncode()
    report = (out / "comparison.md").read_text()
    display(Markdown(report))
    if show_curves:
        for png in sorted(out.glob("curves_*.png")):
            display(Image(filename=str(png)))
    return report


def label_matches(label: str, cfg: dict) -> bool:
    """Whether a row of `compare`'s table (`ppo-monolithic [network.layout="attention"]`) names a run of this config
    (a flat one, as read_config reads it)."""
    base, _, settings = label.partition(" [")
    if base != f"{cfg.get('algo')}-{cfg.get('coupling')}":
        return False
    for key, value in re.findall(r'(\S+?)=("[^"]*"|[^\s\]]+)', settings):
        if cfg.get(key) != (None if value == "—" else tomllib.loads(f"v = {value}")["v"]):
            return False
    return True


def remove_stale(out: Path, *names: str) -> None:
    """Removes the files or folders under `out` matching the glob patterns `names`: what an earlier execution wrote
    and this one does not (an environment or variant whose runs are gone or not complete yet), so that `out` holds
    only what the logs give now."""
    for name in names:
        for path in out.glob(name):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
