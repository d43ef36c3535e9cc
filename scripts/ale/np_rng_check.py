import ctypes, sys, numpy as np
from gymnasium.utils import seeding
lib = ctypes.CDLL(sys.argv[1])
class G(ctypes.Structure):  # opaque enough: 2x u128 + int + u32 (+pad)
    _fields_ = [("b", ctypes.c_ubyte * 64)]
lib.np_integers.restype = ctypes.c_int64
lib.np_integers.argtypes = [ctypes.POINTER(G), ctypes.c_int64, ctypes.c_int64]
lib.np_pcg64_seed.argtypes = [ctypes.POINTER(G), ctypes.c_uint64]
lib.np_seedseq_generate_state.argtypes = [ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint32), ctypes.c_int]
ok = 0; n = 0
for seed in list(range(200)) + [2**31 - 1, 2**32 - 1, 2**32, 12345678901234, 2**64 - 1]:
    st = (ctypes.c_uint32 * 2)()
    lib.np_seedseq_generate_state(seed, st, 2)
    ref = np.random.SeedSequence(seed).generate_state(2)
    n += 1; ok += list(st) == [int(x) for x in ref]
    rng, _ = seeding.np_random(seed)
    g = G(); lib.np_pcg64_seed(ctypes.byref(g), seed)
    ours = [lib.np_integers(ctypes.byref(g), 1, 31) for _ in range(50)]
    ref = [int(rng.integers(1, 31)) for _ in range(50)]
    n += 1; ok += ours == ref
print(f"numpy {np.__version__}: {ok}/{n} seed-state and integers(1,31) sequences identical")
