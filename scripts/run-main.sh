#!/usr/bin/env bash
# Sets everything up and runs the main job: the built-in STAC actor–critic game analysed,
# its report (text + JSON) and plots (gnuplot scripts, data, PNG) written to results/stac,
# then the numerical checks of the paper's claims.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-python
swift build -c release --product stackelberg
out="${1:-results/stac}"
.build/release/stackelberg game analyze --builtin stac --out "$out" --svg
.build/release/stackelberg game check --builtin stac
echo "main job: report and plots in $out"
