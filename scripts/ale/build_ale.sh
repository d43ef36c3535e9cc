#!/usr/bin/env bash
# Build the Arcade Learning Environment C++ library (libale.so) from the
# ale-py sdist on PyPI, plus a tiny C-ABI shim (libale_c.so) that the Swift
# `atari/*` environments load at run time, and copy the sdist's ROMs to
# $ALE_PREFIX/roms. scripts/setup.sh calls this with the prefix the toolkit
# reads (${XDG_DATA_HOME:-$HOME/.local/share}/stackelberg/ale).
#
# Only Debian packages (g++, cmake, zlib1g-dev) and PyPI (the ale-py sdist)
# are used. Idempotent: re-running with an existing build is quick.
#
# Env knobs:
#   ALE_VERSION   ale-py version to fetch          (default 0.12.1)
#   ALE_SHA256    expected sdist sha256            (default: the 0.12.1 one)
#   ALE_WORK      work dir (sdist, src, build)     (default: dir of this script)
#   ALE_PREFIX    install prefix                   (default: $ALE_WORK/install)
#   ALE_JOBS      parallel jobs                    (default 1)
#   ALE_NICE      nice level                       (default 10)
#   ALE_LTO       ON: upstream Release (-O3 + LTO, default; measured both
#                 faster to build and ~15% faster to run here); OFF: -O2, no LTO
set -euo pipefail

ALE_VERSION="${ALE_VERSION:-0.12.1}"
ALE_SHA256="${ALE_SHA256:-c503d574c5983e1063b451201ccb779d935919c0f6bf116fb0f4f8aa4c86d249}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ALE_WORK="${ALE_WORK:-$HERE}"
ALE_PREFIX="${ALE_PREFIX:-$ALE_WORK/install}"
ALE_JOBS="${ALE_JOBS:-1}"
ALE_NICE="${ALE_NICE:-10}"
ALE_LTO="${ALE_LTO:-ON}"
N="nice -n $ALE_NICE"

# 1. tools ------------------------------------------------------------------
need=()
command -v g++   >/dev/null || need+=(g++)
command -v cmake >/dev/null || need+=(cmake)
command -v make  >/dev/null || need+=(make)
[ -f /usr/include/zlib.h ]  || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "[build_ale] apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. sdist --------------------------------------------------------------------
SDIST="$ALE_WORK/sdist/ale_py-$ALE_VERSION.tar.gz"
if [ ! -f "$SDIST" ]; then
  mkdir -p "$ALE_WORK/sdist"
  # --no-binary ale-py: only ale-py as sdist; its build backend deps come as
  # wheels (do NOT use --no-binary :all:, it compiles cmake/jax from source).
  python3 -m pip download "ale-py==$ALE_VERSION" --no-binary ale-py --no-deps \
    -d "$ALE_WORK/sdist"
fi
echo "$ALE_SHA256  $SDIST" | sha256sum -c -

SRC="$ALE_WORK/src/ale_py-$ALE_VERSION"
if [ ! -f "$SRC/CMakeLists.txt" ]; then
  mkdir -p "$ALE_WORK/src"
  tar xzf "$SDIST" -C "$ALE_WORK/src"
fi

# 3. libale.so ----------------------------------------------------------------
BUILD="$ALE_WORK/build"
# src/ale/CMakeLists.txt forces CMAKE_INTERPROCEDURAL_OPTIMIZATION=TRUE (GCC:
# -flto=auto -fno-fat-lto-objects) unless the build type is RelWithDebInfo, so
# ALE_LTO=OFF uses RelWithDebInfo with its flags overridden to -O2 without -g.
if [ "$ALE_LTO" = ON ]; then
  BT=(-DCMAKE_BUILD_TYPE=Release)
else
  BT=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -DNDEBUG")
fi
$N cmake -S "$SRC" -B "$BUILD" \
  "${BT[@]}" \
  -DBUILD_SHARED_LIBS=ON \
  -DBUILD_CPP_LIB=ON \
  -DBUILD_PYTHON_LIB=OFF \
  -DSDL_SUPPORT=OFF \
  -DBUILD_VECTOR_LIB=OFF \
  -DBUILD_VECTOR_XLA_LIB=OFF \
  -DCMAKE_INSTALL_PREFIX="$ALE_PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib
$N cmake --build "$BUILD" -j "$ALE_JOBS"
$N cmake --install "$BUILD" >/dev/null

# 4. C shim -------------------------------------------------------------------
$N g++ -std=c++17 -O2 -fPIC -shared -o "$ALE_PREFIX/lib/libale_c.so" \
  "$HERE/ale_c.cpp" -I"$ALE_PREFIX/include" -I"$ALE_PREFIX/include/ale" \
  -L"$ALE_PREFIX/lib" -lale -Wl,-rpath,'$ORIGIN'
cp "$HERE/ale_c.h" "$ALE_PREFIX/include/ale_c.h"

# 5. ROMs (shipped in the sdist since ale-py 0.9, as in its wheels) ------------
mkdir -p "$ALE_PREFIX/roms"
cp "$SRC"/src/ale/python/roms/*.bin "$ALE_PREFIX/roms/"
echo "[build_ale] $(ls "$ALE_PREFIX/roms" | wc -l) ROMs in $ALE_PREFIX/roms"

echo "[build_ale] done:"
ls -la "$ALE_PREFIX/lib"/libale*.so*
