#!/usr/bin/env bash
# Installs what stackelberg needs on a fresh Debian machine; safe to run any number of times.
#   C libraries: GSL (eigen, linear solves, ODE, roots), OpenBLAS; gnuplot renders the plots;
#   valgrind counts heap allocations for the no-allocation-per-step test.
#   Python (checks only, never the core): SymPy, NumPy, pytest, nbclient for the notebook test.
# Usage: scripts/setup.sh [--no-python]
set -euo pipefail
cd "$(dirname "$0")/.."

want=(libgsl-dev libopenblas-dev gnuplot-nox valgrind)
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" != "--no-python" ]; then
    if ! python3 -c "import sympy, numpy, pytest, nbclient, nbformat, ipykernel, jax, gymnasium, minatar" 2>/dev/null; then
        echo "setup: installing Python check dependencies (Tests/python/requirements.txt)"
        python3 -m pip install -q -r Tests/python/requirements.txt
    fi
fi
command -v swift >/dev/null || { echo "setup: the Swift toolchain (6.x) is required and was not found on PATH" >&2; exit 1; }
echo "setup: ok"
