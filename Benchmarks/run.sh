#!/usr/bin/env bash
# Build the Swift benchmark in release mode and compare it with the Python
# peers (NumPy, JAX). Extra arguments go to run_game_benchmark.py, e.g.
#   Benchmarks/run.sh --skip-jax --json results.json
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
python="${PYTHON:-python3}"

# Install the peers' requirements only if one of them is missing.
if ! "$python" -c "import numpy, sympy, jax" >/dev/null 2>&1; then
    echo "installing Python requirements from $here/requirements.txt" >&2
    "$python" -m pip install --quiet -r "$here/requirements.txt"
fi

cd "$root"
swift build -c release --product stackelberg-bench-game
exec "$python" "$here/run_game_benchmark.py" "$@"
