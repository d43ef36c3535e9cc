"""Same run as test_ale.c but through ale_py.ALEInterface (the wheel's own
extension). Writes per-frame lines in the same format and compares with the
C run's per-frame file and raw frames."""
import sys, numpy as np, ale_py
from ale_py import ALEInterface, roms, LoggerMode

def fnv1a(h, b):
    # vectorised-free but fine for 1000 frames? use numpy-free pure loop is slow;
    # implement with Python ints over bytes.
    for x in b:
        h ^= x; h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h

def run(seed, steps, rom):
    ALEInterface.setLoggerMode(LoggerMode.Error)
    ale = ALEInterface()
    ale.setInt("random_seed", seed)
    ale.setFloat("repeat_action_probability", 0.25)
    ale.setInt("frame_skip", 1)
    ale.loadROM(rom)
    acts = list(ale.getMinimalActionSet())
    na = len(acts)
    frames, lines, total = [], [], 0
    for t in range(steps):
        idx = (((((t // 8) * 1103515245 + 12345) & 0xFFFFFFFF) >> 16)) % na
        r = ale.act(acts[idx])
        total += r
        g = ale.getScreenGrayscale()          # (210,160) uint8
        frames.append(g.copy())
        lines.append((t, acts[idx].value, int(r), ale.lives()))
        if ale.game_over():
            ale.reset_game()
    return acts, np.stack(frames), lines, total

if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 123
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rom = str(roms.get_rom_path("beam_rider"))
    print("ale_py", ale_py.__version__, "rom", rom)
    acts, frames, lines, total = run(seed, steps, rom)
    print("minimal actions:", [a.value for a in acts], "total_reward", total)
    cf = np.fromfile("c_frames.bin", dtype=np.uint8).reshape(-1, 210, 160)
    cl = [tuple(int(x) for x in l.split()[:4]) for l in open("c_frames.txt")]
    assert cf.shape == frames.shape, (cf.shape, frames.shape)
    same = (cf == frames).reshape(len(frames), -1).all(axis=1)
    print("frames identical: %d/%d" % (same.sum(), len(same)))
    if not same.all():
        print("first differing frame:", int(np.argmin(same)))
    print("action/reward/lives identical:", cl == lines)
    import hashlib
    print("sha256(all C frames)  =", hashlib.sha256(cf.tobytes()).hexdigest()[:16])
    print("sha256(all py frames) =", hashlib.sha256(frames.tobytes()).hexdigest()[:16])
