#!/usr/bin/env bash
# Installs what stackelberg needs on a fresh Debian machine; safe to run any number of times.
#   C libraries: GSL (eigen, linear solves, ODE, roots), OpenBLAS; gnuplot renders the plots;
#   valgrind counts heap allocations for the no-allocation-per-step test; libmujoco-dev (MuJoCo 2.2.2)
#   simulates the locomotion environments; zlib reads the run logs committed compressed (FILE.gz).
#   Python (checks only, never the core): SymPy, NumPy, pytest, nbclient for the notebook test.
#   MuJoCo models: Gymnasium's MJCF files for the seven v5 tasks are copied from the installed
#   Gymnasium into ${XDG_DATA_HOME:-$HOME/.local/share}/stackelberg/mujoco-assets, where the
#   toolkit reads them unless STACKELBERG_MUJOCO_ASSETS names another directory.
#   Atari: the Arcade Learning Environment's C++ library is built from the ale-py sdist on PyPI
#   (scripts/ale/build_ale.sh, a few minutes the first time) into
#   ${XDG_DATA_HOME:-$HOME/.local/share}/stackelberg/ale (lib/libale_c.so and roms/), which the
#   `atari/*` environments load at run time (STACKELBERG_ALE overrides the directory). ALE is
#   GPL-2.0; it is loaded, not linked, so the toolkit builds and runs without it.
# Usage: scripts/setup.sh [--no-python] [--no-atari]
set -euo pipefail
cd "$(dirname "$0")/.."

want=(libgsl-dev libopenblas-dev libxsmm-dev gnuplot-nox valgrind libmujoco-dev zlib1g-dev)
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

no_python=0; no_atari=0
for arg in "$@"; do
    case "$arg" in
        --no-python) no_python=1 ;;
        --no-atari) no_atari=1 ;;
        *) echo "setup: unknown option $arg (known: --no-python, --no-atari)" >&2; exit 2 ;;
    esac
done

if [ $no_python -eq 0 ]; then
    if ! python3 -c "import sympy, numpy, pytest, nbclient, nbformat, ipykernel, jax, gymnasium, minatar, mujoco, ale_py, cv2" 2>/dev/null; then
        echo "setup: installing Python check dependencies (Tests/python/requirements.txt)"
        python3 -m pip install -q -r Tests/python/requirements.txt
    fi
    # The models stay Gymnasium's: copied from the installed package, not kept in this repository.
    assets_src=$(python3 -c "import gymnasium, os; print(os.path.join(os.path.dirname(gymnasium.__file__), 'envs', 'mujoco', 'assets'))")
    assets_dst="${XDG_DATA_HOME:-$HOME/.local/share}/stackelberg/mujoco-assets"
    mkdir -p "$assets_dst"
    for f in hopper.xml walker2d_v5.xml half_cheetah.xml swimmer.xml reacher.xml inverted_pendulum.xml inverted_double_pendulum.xml; do
        [ -f "$assets_src/$f" ] || { echo "setup: $assets_src/$f not found (is gymnasium[mujoco] installed?)" >&2; exit 1; }
        cp "$assets_src/$f" "$assets_dst/$f"
    done
    echo "setup: MuJoCo models copied to $assets_dst"
else
    echo "setup: --no-python: Gymnasium's MuJoCo models were not copied; set STACKELBERG_MUJOCO_ASSETS to a directory holding them"
fi
if [ $no_atari -eq 0 ]; then
    # Rebuilt only when the shim's sources or the ALE version changed (the stamp records them).
    ale_dst="${XDG_DATA_HOME:-$HOME/.local/share}/stackelberg/ale"
    stamp=$(cat scripts/ale/build_ale.sh scripts/ale/ale_c.h scripts/ale/ale_c.cpp | sha256sum | cut -c1-16)
    if [ "$(cat "$ale_dst/.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$ale_dst/lib/libale_c.so" ]; then
        echo "setup: building the Arcade Learning Environment into $ale_dst (first time: a few minutes)"
        ALE_WORK="${XDG_CACHE_HOME:-$HOME/.cache}/stackelberg/ale-build" ALE_PREFIX="$ale_dst" \
            ALE_JOBS="${ALE_JOBS:-$(nproc)}" ALE_NICE="${ALE_NICE:-0}" \
            scripts/ale/build_ale.sh > "${TMPDIR:-/tmp}/stackelberg-ale-build.log" 2>&1 \
            || { echo "setup: the ALE build failed; see ${TMPDIR:-/tmp}/stackelberg-ale-build.log (or pass --no-atari)" >&2; exit 1; }
        echo "$stamp" > "$ale_dst/.stamp"
    fi
    echo "setup: Atari (ALE) ready in $ale_dst"
fi
command -v swift >/dev/null || { echo "setup: the Swift toolchain (6.x) is required and was not found on PATH" >&2; exit 1; }
echo "setup: ok"
