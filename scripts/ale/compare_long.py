"""Long-run comparison via per-frame FNV-1a hashes (no raw frame dump).
usage: compare_long.py SEED STEPS C_PERFRAME_TXT"""
import sys, numpy as np
from compare_py import run
from ale_py import roms
seed, steps, cfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
acts, frames, lines, total = run(seed, steps, str(roms.get_rom_path("beam_rider")))
flat = frames.reshape(len(frames), -1).astype(np.uint64)
h = np.full(len(frames), 1469598103934665603, dtype=np.uint64)
P = np.uint64(1099511628211)
with np.errstate(over="ignore"):
    for j in range(flat.shape[1]):
        h ^= flat[:, j]; h *= P
c = [l.split() for l in open(cfile)]
ch = np.array([int(x[4], 16) for x in c], dtype=np.uint64)
cl = [tuple(int(v) for v in x[:4]) for x in c]
same = ch == h
print(f"seed={seed} steps={steps} py_total_reward={total}")
print(f"frames identical: {same.sum()}/{len(same)}; action/reward/lives identical: {cl == lines}")
if not same.all(): print("first diff at", int(np.argmin(same)))
