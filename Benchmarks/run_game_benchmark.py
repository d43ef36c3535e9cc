#!/usr/bin/env python3
"""Run the STAC toy-game benchmark: stackelberg (Swift) against NumPy and JAX.

Each implementation is a separate process that prints one JSON line (same
shape for all). This driver runs them, checks that they computed the same
thing, and prints a Markdown table of timings and speed ratios.

A ratio "numpy/stackelberg" > 1 means stackelberg is that many times faster.
Exit status: 0 all checksums agree, 1 a checksum disagrees, 2 a run failed.
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = Path(__file__).resolve().parent / "peers"
DEFAULT_SWIFT_BIN = ".build/release/stackelberg-bench-game"
BUILD_CMD = "swift build -c release --product stackelberg-bench-game"
REL_TOL = 1e-9
REFERENCE = "stackelberg"

# (row label, how to get milliseconds from one result)
ROWS = [
    ("field (steady)", lambda r: r["field_ms"]),
    ("trajectories (steady)", lambda r: r["traj_ms"]),
    ("field (first call)", lambda r: r["field_first_ms"]),
    ("trajectories (first call)", lambda r: r["traj_first_ms"]),
    ("setup", lambda r: r["setup_ms"]),
    ("whole (setup + first calls)",
     lambda r: r["setup_ms"] + r["field_first_ms"] + r["traj_first_ms"]),
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--swift-bin", default=DEFAULT_SWIFT_BIN,
                   help=f"Swift benchmark binary, relative to the repo root "
                        f"(default {DEFAULT_SWIFT_BIN})")
    p.add_argument("--skip-numpy", action="store_true")
    p.add_argument("--skip-jax", action="store_true")
    p.add_argument("--repeats", type=int, help="forwarded to the Python peers")
    p.add_argument("--traj-repeats", type=int, help="forwarded to the Python peers")
    p.add_argument("--json", metavar="OUT", help="also save all results as JSON")
    return p.parse_args()


def fail(message, status=2):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)


def run_one(name, cmd):
    """Run one implementation; return its parsed JSON result line."""
    print(f"running {name}: {' '.join(str(c) for c in cmd)}", file=sys.stderr)
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        fail(f"{name} exited with status {proc.returncode}")
    # Take the last JSON-looking line, so stray log lines on stdout are harmless.
    lines = [l for l in proc.stdout.splitlines() if l.lstrip().startswith("{")]
    if not lines:
        sys.stderr.write(proc.stdout + proc.stderr)
        fail(f"{name} printed no JSON result line")
    return json.loads(lines[-1])


def commands(args):
    """(name, argv) for every implementation to run, Swift first."""
    swift_bin = (REPO_ROOT / args.swift_bin).resolve()
    if not swift_bin.is_file():
        fail(f"Swift benchmark binary not found at {swift_bin}\n"
             f"       build it first (from {REPO_ROOT}):  {BUILD_CMD}")
    cmds = [(REFERENCE, [str(swift_bin)])]
    peer_flags = []
    if args.repeats is not None:
        peer_flags += ["--repeats", str(args.repeats)]
    if args.traj_repeats is not None:
        peer_flags += ["--traj-repeats", str(args.traj_repeats)]
    for peer, skip in (("numpy", args.skip_numpy), ("jax", args.skip_jax)):
        if not skip:
            script = PEERS_DIR / f"stac_{peer}.py"
            cmds.append((peer, [sys.executable, str(script)] + peer_flags))
    return cmds


# --- Agreement checks ---------------------------------------------------------
# The signed checksums cancel to rounding noise by symmetry (the game is odd),
# so they are compared on the scale of the absolute-value checksums, which the
# Python peers always report (and the Swift binary may report too).

def close(a, b, scale=0.0):
    """|a - b| <= REL_TOL * max(|a|, |b|, scale); NaN never agrees."""
    if any(math.isnan(x) for x in (a, b)):
        return False
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b), scale)


def abs_scale(results, key):
    values = [r[key] for r in results.values() if key in r]
    return max(values) if values else 0.0


def check_agreement(results):
    """Compare every implementation against the reference; list of failures."""
    ref = results[REFERENCE]
    field_scale = abs_scale(results, "field_abs_checksum")
    traj_scale = abs_scale(results, "traj_abs_checksum")
    failures = []
    for name, r in results.items():
        if name == REFERENCE:
            continue
        checks = [
            ("field_checksum", ref["field_checksum"], r["field_checksum"], field_scale),
            ("traj_checksum", ref["traj_checksum"], r["traj_checksum"], traj_scale),
        ]
        for i, label in enumerate(("theta", "w")):
            checks.append((f"traj_start0_final.{label}", ref["traj_start0_final"][i],
                           r["traj_start0_final"][i], 0.0))
        for key in ("field_abs_checksum", "traj_abs_checksum"):
            if key in ref and key in r:
                checks.append((key, ref[key], r[key], 0.0))
        for key, a, b, scale in checks:
            if not close(a, b, scale):
                failures.append(f"{key}: {REFERENCE}={a!r} {name}={b!r}")
    return failures


# --- Report -------------------------------------------------------------------

def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def timing_table(results):
    names = list(results)
    peers = [n for n in names if n != REFERENCE]
    header = ["", *(f"{n} (ms)" for n in names), *(f"{p}/{REFERENCE}" for p in peers)]
    rows = []
    for label, get in ROWS:
        ms = {n: get(results[n]) for n in names}
        ratios = [f"{ms[p] / ms[REFERENCE]:.2f}x" if ms[REFERENCE] > 0 else "n/a"
                  for p in peers]
        rows.append([label, *(f"{ms[n]:.3f}" for n in names), *ratios])
    return markdown_table(header, rows)


def checksum_table(results):
    keys = ["field_checksum", "field_abs_checksum", "traj_checksum",
            "traj_abs_checksum", "traj_start0_final"]
    header = ["", *results]
    rows = [[k, *(str(r.get(k, "-")) for r in results.values())] for k in keys]
    return markdown_table(header, rows)


def main():
    args = parse_args()
    results = {name: run_one(name, cmd) for name, cmd in commands(args)}
    failures = check_agreement(results)

    print("## STAC toy game: timings (ms; ratio > 1 means stackelberg is faster)\n")
    print(timing_table(results))
    print("\n## Checksums\n")
    print(checksum_table(results))
    print()
    if failures:
        print(f"**CHECKSUM MISMATCH** (relative tolerance {REL_TOL:g}):")
        for f in failures:
            print(f"- {f}")
    else:
        print(f"All checksums agree (relative tolerance {REL_TOL:g}).")

    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"results": results, "failures": failures,
                       "ok": not failures}, fh, indent=2)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
