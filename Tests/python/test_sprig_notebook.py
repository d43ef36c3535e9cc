"""Execute notebooks/sprig.ipynb headless on a snapshot of runs/sprig_minatar, sprig_beamrider and sprig_sweep.

The experiments (scripts/experiments/sprig-minatar.sh, sprig-beamrider.sh, sprig-sweep.sh) run for days and may
still be writing these folders, so the test copies them first (logs only: no checkpoints, no TensorBoard files)
and points the notebook at the copy. A run that finished before its directory was copied has its summary.json in
the copy; one that finished while being copied does not, so the copy never holds a summary.json with cut-short
logs. The notebook must then run on partial data: print, per environment and variant (and sweep cell), how many
seeds are complete and how many seed directories there are, show `stackelberg compare`'s table for every
environment with a complete run, and draw its gnuplot figures for what is complete and nothing else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import assert_gnuplot_png as png, execute_notebook, read_committed_notebook, snapshot_runs

VARIANTS = ("ppo_cnn", "ppo_attention", "sprig", "sprig_logprob")
COUPLING = {"ppo_cnn": "monolithic", "ppo_attention": "monolithic", "sprig": "sprig", "sprig_logprob": "sprig"}
GAMES = ("breakout", "asterix", "freeway", "seaquest", "space_invaders")
# env folder -> (runs folder, seeds of the script, marks of the return-at-steps table)
ENVS = {**{f"minatar_{g}": ("sprig_minatar", (0, 1, 2), (1e6, 2.5e6, 5e6)) for g in GAMES},
        "atari_beam_rider": ("sprig_beamrider", (0, 1), (5e5, 1e6, 2e6))}
ALPHAS, LAMBDAS = ("0", "0.3", "0.7", "1"), ("1e-4", "1e-3", "1e-2")
COUNTS = re.compile(r"^(\S+) / (\S+): (\d+) of (\d+) seeds complete, (\d+) seed director(?:y|ies) present", re.M)


def seed_dirs(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.glob("seed*")) if p.is_dir() and p.name.removeprefix("seed").isdigit()]


def grid(runs: Path) -> dict[tuple[str, str], list[Path]]:
    """(env, variant) and ("sweep", cell) -> the seed directories in the snapshot."""
    found = {(e, v): seed_dirs(runs / root / v / e / f"ppo-{COUPLING[v]}") for e, (root, _, _) in ENVS.items() for v in VARIANTS}
    cells = [f"alpha{a}_lambda{l}" for l in LAMBDAS for a in ALPHAS]
    cells += sorted(p.name for p in (runs / "sprig_sweep").glob("alpha*_lambda*") if p.is_dir() and p.name not in cells)
    found |= {("sweep", c): seed_dirs(runs / "sprig_sweep" / c / "minatar_breakout" / "ppo-sprig") for c in cells}
    return found


def reached(run: Path) -> float:
    """The furthest env_step on a complete line of episodes.csv or updates.csv (0 when there is none): a run of
    fixed-length episodes (Freeway) trains past its last episode's end."""
    steps = []
    for name in ("episodes.csv", "updates.csv"):
        path = run / name
        text = path.read_text().split("\n") if path.is_file() else []
        fields = text[0].count(",") if text else 0
        steps += [float(line.split(",")[0]) for line in text[1:-1] if line.count(",") == fields]
    return max(steps, default=0.0)


def outputs(nb, kind: str) -> str:
    """The text of every stream output (kind "stream") or Markdown display (kind "markdown") of the notebook."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for o in cell.outputs:
            if kind == "stream" and o.output_type == "stream":
                texts.append(o.text)
            if kind == "markdown" and o.output_type in ("display_data", "execute_result") and "text/markdown" in o.get("data", {}):
                texts.append(o.data["text/markdown"])
    return "\n".join(texts)


def test_sprig_notebook_runs_on_partial_logs(stackelberg_bin: Path, repo_root: Path, tmp_path: Path, monkeypatch):
    if not (repo_root / "runs" / "sprig_minatar").is_dir():
        pytest.skip("runs/sprig_minatar does not exist: run scripts/experiments/sprig-minatar.sh first")
    notebook_dir = repo_root / "notebooks"
    nb = read_committed_notebook(notebook_dir / "sprig.ipynb")

    runs = tmp_path / "runs"
    snapshot_runs(repo_root, runs, ("sprig_minatar", "sprig_beamrider", "sprig_sweep"))
    on_disk = grid(runs)
    complete = {key: [p for p in seeds if (p / "summary.json").is_file()] for key, seeds in on_disk.items()}
    if not any(complete.values()):
        pytest.skip("no run under runs/sprig_minatar, sprig_beamrider or sprig_sweep has finished yet")
    present = [e for e in ENVS if any(complete[e, v] for v in VARIANTS)]

    out = tmp_path / "out"
    execute_notebook(nb, notebook_dir, stackelberg_bin, runs, out, monkeypatch)
    sprig = out / "sprig"

    # The counts it printed, per environment and variant and per sweep cell, are those of the snapshot.
    printed = {(m[1], m[2]): (int(m[3]), int(m[5])) for m in COUNTS.finditer(outputs(nb, "stream"))}
    for key, seeds in on_disk.items():
        if complete[key]:
            assert key in printed, f"no count printed for {key}"
            assert printed[key] == (len(complete[key]), len(seeds)), (key, printed[key], complete[key], seeds)
    counts = json.loads((sprig / "runs.json").read_text())
    assert set(counts) == {f"{e}/{v}" for e, v in on_disk}
    for (e, v), seeds in on_disk.items():
        row = counts[f"{e}/{v}"]
        assert (row["complete"], row["on_disk"]) == (len(complete[e, v]), len(seeds)), (e, v, row)
        assert row["complete_seeds"] == [p.name for p in complete[e, v]], (e, v)
        assert len(row["partial"]) == len(seeds) - len(complete[e, v]), (e, v)

    # compare's table, per environment with a complete run, in the report file and in the notebook's output;
    # where compare gives a variant one row, the IQM recomputed from episodes.csv is compare's.
    shown = outputs(nb, "markdown")
    tables = {**json.loads((sprig / "minatar_table.json").read_text())["rows"],
              **json.loads((sprig / "beamrider_table.json").read_text())["rows"]}
    checks = {**json.loads((sprig / "minatar_table.json").read_text())["checks"],
              **json.loads((sprig / "beamrider_table.json").read_text())["checks"]}
    for e in ENVS:
        if e not in present:
            assert not (sprig / e).exists() and not (sprig / f"{e}_curves.png").exists(), f"{e} has no complete run but got a report"
            continue
        report = (sprig / e / "comparison.md").read_text()
        name = e.replace("_", "/", 1)
        assert f"## {name}" in report and "IQM score" in report, report
        assert report.split("Probability")[0].strip() in shown, f"compare's table for {e} is not in the notebook's output"
        if e == "minatar_breakout":
            assert "steps to 17" in report, report
        for v in VARIANTS:
            if complete[e, v]:
                check = checks[f"{e}/{v}"]
                assert check["rows"] >= 1, (e, v, check)
                assert check["rows"] > 1 or check["agree"], (e, v, check)
                assert len(tables[f"{e}/{v}"]["final_score"]) == len(complete[e, v]), (e, v)
    # The return at fixed steps counts every seed (complete or partial) that has passed the mark.
    for e, (_, _, marks) in ENVS.items():
        for v in VARIANTS:
            if on_disk[e, v]:
                at = tables[f"{e}/{v}"]["return_at"]
                for m in marks:
                    assert len(at[f"{m:g}"]) == sum(reached(p) >= m for p in on_disk[e, v]), (e, v, m, at)

    # The figures: curves per environment with a complete run, SPRIG's game quantities where SPRIG has one.
    for e in present:
        png(sprig / f"{e}_curves.png")
        assert (sprig / f"{e}_curves.dat").stat().st_size > 0, e
    for e in ENVS:
        for v, name in (("sprig", f"{e}_game.png"), ("sprig_logprob", f"{e}_game_sprig_logprob.png")):
            if complete[e, v]:
                png(sprig / name)
            else:
                assert not (sprig / name).exists(), f"{e} has no complete {v} run but got a figure"
    # SPRIG's margin against its leader's gradient cosine: one row per MinAtar game where SPRIG and both baselines
    # have complete seeds, with the cosine's median recomputed here from updates.csv.
    cosine_games = [e for e in ENVS if e.startswith("minatar_")
                    and all(complete[e, v] for v in ("ppo_cnn", "ppo_attention", "sprig"))]
    if cosine_games:
        rows = {row["env"]: row for row in json.loads((sprig / "cosine_table.json").read_text())["rows"]}
        assert set(rows) == set(cosine_games), (sorted(rows), cosine_games)
        for e in cosine_games:
            cos = []
            for run in complete[e, "sprig"]:
                lines = (run / "updates.csv").read_text().splitlines()
                col = lines[0].split(",").index("leader_gradient_cosine")
                cos += [float(x) for x in (line.split(",")[col] for line in lines[1:]) if x not in ("", "nan")]
            cos.sort()
            median = (cos[(len(cos) - 1) // 2] + cos[len(cos) // 2]) / 2
            assert abs(rows[e]["cosine_median"] - median) < 1e-9, (e, rows[e]["cosine_median"], median)
            score = rows[e]["score"]
            assert abs(rows[e]["margin"] - (score["sprig"] - max(score["ppo_cnn"], score["ppo_attention"]))) < 1e-9
        assert [rows[e]["cosine_median"] for e in rows] == sorted(rows[e]["cosine_median"] for e in rows)
    else:
        assert not (sprig / "cosine_table.md").exists()
    beam = (sprig / "beamrider_table.md").read_text()
    assert "1,916 ± 485" in beam and "≈ 850" in beam and "≈ 650" in beam and "10M" in beam, beam

    # The sweep: counts per cell, the heat-map tables, compare's report and the figure where a cell is complete.
    sweep = json.loads((sprig / "sweep_table.json").read_text())
    cells = {c for kind, c in on_disk if kind == "sweep"}
    assert set(sweep) == cells
    for c in cells:
        assert (sweep[c]["complete"], sweep[c]["on_disk"]) == (len(complete["sweep", c]), len(on_disk["sweep", c])), c
        assert len(sweep[c]["attention_cost_last10"]) == len(complete["sweep", c]), c
        assert (sweep[c]["iqm_score"] is not None) == bool(complete["sweep", c]), c
    table = (sprig / "sweep_table.md").read_text()
    assert "| α_coop \\ λ_c | 1e-4 | 1e-3 | 1e-2 |" in table and "attention cost" in table, table
    if any(complete["sweep", c] for c in cells):
        png(sprig / "sweep_heatmap.png")
        assert "IQM score" in (sprig / "sweep" / "comparison.md").read_text()
    else:
        assert not (sprig / "sweep_heatmap.png").exists()

    # The committed Freeway maps read by content: a row per map and stacked frame, every kind of cell with a
    # share of the attention near uniform (each frame's received attention sums to 1 over its 64 cells).
    maps = sorted((repo_root / "plots" / "sprig" / "attention").glob("minatar_freeway*/*.dat"))
    if maps:
        text = outputs(nb, "stream")
        ranges = {m[1]: (float(m[2]), float(m[3])) for m in re.finditer(r"(chicken|car|empty): attention received ([\d.]+)–([\d.]+) × uniform", text)}
        assert set(ranges) == {"chicken", "car", "empty"}, text
        assert all(0.5 < lo <= hi < 2 for lo, hi in ranges.values()), ranges
        shown = outputs(nb, "markdown")
        assert sum(f"| {p.stem} |" in shown for p in maps) == len(maps), "a map without its rows"
