#!/usr/bin/env python3
"""Prices sweep plans from the project's own finished runs: the median `train_steps_per_second` of every
runs/**/summary.json (whole runs on this machine, evaluations and checkpoints included, one train process per
core), per algorithm-coupling and environment, merged into configs/sweeps/speed.toml. A pair and environment
with a finished run takes its median from the runs; the others keep the marginal rates that
scripts/sweeps/measure-speed.sh measured. Run from the repository root:
    python3 scripts/sweeps/rates-from-runs.py [SPEED.toml]
"""
import json
import statistics
import sys
import tomllib
from pathlib import Path

root = Path(__file__).resolve().parents[2]
out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "configs" / "sweeps" / "speed.toml"
table = tomllib.loads(out.read_text()) if out.is_file() else {}
rates = {pair: dict(envs) for pair, envs in table.get("rates", {}).items()}
measured = table.get("measured", "")
found = {}
for f in (root / "runs").rglob("summary.json"):
    d = json.loads(f.read_text())
    rate, env = d.get("train_steps_per_second"), d.get("env")
    if rate and env and rate > 0:
        found.setdefault((f.parent.parent.name, env), []).append(rate)
for (pair, env), xs in found.items():
    rates.setdefault(pair, {})[env] = round(statistics.median(xs), 1)
note = (f"medians of {sum(len(x) for x in found.values())} finished runs under runs/ (whole runs on this machine, "
        "evaluations included; scripts/sweeps/rates-from-runs.py), else: " + measured.split(" else: ")[-1])
lines = ["# Read by `stackelberg sweep plan` for its cost estimate. Written by scripts/sweeps/rates-from-runs.py from the",
         "# runs' summary.json files, over scripts/sweeps/measure-speed.sh's marginal rates for what has no finished run.",
         f"measured = {json.dumps(note)}", ""]
for pair in sorted(rates):
    lines.append(f'[rates."{pair}"]')
    lines += [f'"{env}" = {rate}' for env, rate in sorted(rates[pair].items())]
    lines.append("")
out.write_text("\n".join(lines))
print(f"{out}: {sum(len(v) for v in rates.values())} rates, {len(found)} from finished runs")
