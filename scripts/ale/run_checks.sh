#!/usr/bin/env bash
# Re-run every comparison in this probe (assumes ./build_ale.sh has run and
# ./venv has ale-py 0.12.1 + gymnasium + opencv-python-headless).
set -euo pipefail
cd "$(dirname "$0")"
PY=./venv/bin/python
ROM=$($PY -c 'from ale_py import roms; print(roms.get_rom_path("beam_rider"))')
INC="-Iinstall/include"; LIB="-Linstall/lib -lale_c -Wl,-rpath,$PWD/install/lib"
gcc -O2 -o test_ale test_ale.c $INC $LIB
gcc -O2 -o pre_c pre_c.c area_resize.c np_rng.c $INC $LIB -lm
gcc -O2 -fPIC -shared -o libarea.so area_resize.c -lm
gcc -O2 -fPIC -shared -o libnprng.so np_rng.c
echo "== 1. raw frames, shim vs ale_py.ALEInterface (seed 123, 1000 frames)"
./test_ale "$ROM" 123 1000 c_frames.txt c_frames.bin | tail -1
$PY compare_py.py 123 1000
echo "== 2. long raw runs (20000 frames, with game-over resets)"
for s in 7 2024; do ./test_ale "$ROM" $s 20000 c_long_$s.txt | tail -1; $PY compare_long.py $s 20000 c_long_$s.txt; done
echo "== 3. INTER_AREA port vs cv2"
$PY resize_check.py ./libarea.so
echo "== 4. numpy SeedSequence/PCG64/integers port"
$PY np_rng_check.py ./libnprng.so
echo "== 5. full AtariPreprocessing pipeline, C vs gymnasium"
for s in 42 0; do
  ./pre_c "$ROM" $s 4000 obs_c.bin log_c.txt
  $PY pre_py.py $s 4000 obs_py.bin log_py.txt 2>/dev/null | tail -1
  cmp obs_c.bin obs_py.bin && diff -q log_c.txt log_py.txt && echo "seed $s: observations + rewards/dones/lives/noops identical"
done
echo "== 6. truncation path (max_num_frames_per_episode=1001, ends mid frame-skip)"
MAXF=1001 ./pre_c "$ROM" 5 3000 obs_c.bin log_c.txt
MAXF=1001 $PY pre_py.py 5 3000 obs_py.bin log_py.txt 2>/dev/null | tail -1
cmp obs_c.bin obs_py.bin && diff -q log_c.txt log_py.txt && echo "truncation: identical"
