"""Shared pieces of the deep-learning-core benchmark peers (PyTorch, JAX).

Everything that must be identical across the Python peers lives here: the row
list, the shapes, the seeds, the weights and inputs (generated once with NumPy,
so nn_torch.py and nn_jax.py see the *same* numbers and their checksums agree
to float32 rounding), the timing helper and the JSON output shape.

Conventions (JAX / stackelberg style, converted by the torch peer once, outside
any timing):
  * dense weights are [fan_in, fan_out], biases [fan_out];
    init uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both;
  * the conv kernel is HWIO [3, 3, 4, 16], images are NHWC [B, 10, 10, 4];
  * the flattened conv features are in H, W, C order (NHWC flatten);
  * "the flattened parameter vector" of a net is its tensors in the order
    W1, b1, W2, b2, W3, b3, each row-major in the layout above.

Timing (see `measure`): one first call (for JAX it includes tracing + XLA
compilation; reported as first_call_s), a short warm-up, an iteration count
picked so one repeat takes about --target-s seconds (rounded to 1/2/5 x 10^k),
then --repeat repeats of that many back-to-back calls; best_s / median_s are
per call. The callable must block until its results are computed.
"""

import argparse
import json
import math
import os
import statistics
import time

import numpy as np

# --- Rows -----------------------------------------------------------------
# name -> (kind, batch)
ROWS = {
    "mlp_fwdbwd_b64": ("mlp_fwdbwd", 64),
    "mlp_fwdbwd_b1024": ("mlp_fwdbwd", 1024),
    "mlp_act_b128": ("mlp_act", 128),
    "conv_fwdbwd_b64": ("conv_fwdbwd", 64),
    "conv_fwdbwd_b512": ("conv_fwdbwd", 512),
    "hvp_critic_b256": ("hvp_critic", 256),
    "cg_total_derivative_b256": ("cg_total_derivative", 256),
}

# --- Shapes and constants -------------------------------------------------
MINATAR_IN = 400          # 10 x 10 x 4 MinAtar observation, flattened
MINATAR_HW = 10
MINATAR_C = 4
N_ACTIONS = 3
MLP_HIDDEN = 128
CONV_OUT = 16
CONV_K = 3
CONV_FLAT = (MINATAR_HW - CONV_K + 1) ** 2 * CONV_OUT   # 8*8*16 = 1024
DENSE_HIDDEN = 128

OBS_DIM = 11              # DDPG-sized continuous control task
ACT_DIM = 3
AC_HIDDEN = 256
GAMMA = 0.99
CG_LAMBDA = 0.1
CG_ITERS = 10
CRITIC_N_PARAMS = ((OBS_DIM + ACT_DIM) * AC_HIDDEN + AC_HIDDEN
                   + AC_HIDDEN * AC_HIDDEN + AC_HIDDEN + AC_HIDDEN + 1)   # 69,889 (= 14*256+256+256*256+256+256+1)

SEED_WEIGHTS = 20240601   # fresh generator per network
SEED_DATA = 20240602      # fresh generator per row (inputs, targets, v)
SEED_ACTOR = 20240603     # actor weights in the cg row

DTYPE = np.float32


# --- Weights and inputs (NumPy, float32) ------------------------------------
def dense(rng, fan_in, fan_out):
    bound = 1.0 / math.sqrt(fan_in)
    w = rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(DTYPE)
    b = rng.uniform(-bound, bound, size=(fan_out,)).astype(DTYPE)
    return w, b


def dense_stack(seed, sizes):
    """Dense layers sizes[0] -> sizes[1] -> ... from one generator. Returns [W1, b1, W2, b2, ...]."""
    rng = np.random.default_rng(seed)
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        out += dense(rng, fi, fo)
    return out


def mlp_params():
    """MinAtar MLP: 400 -> 128 -> 128 -> 3. Returns [W1, b1, W2, b2, W3, b3]."""
    return dense_stack(SEED_WEIGHTS, (MINATAR_IN, MLP_HIDDEN, MLP_HIDDEN, N_ACTIONS))


def conv_params():
    """MinAtar conv net. Returns [K (HWIO 3x3x4x16), bk, W1 (1024x128), b1, W2 (128x3), b2]."""
    rng = np.random.default_rng(SEED_WEIGHTS)
    fan_in = CONV_K * CONV_K * MINATAR_C
    bound = 1.0 / math.sqrt(fan_in)
    k = rng.uniform(-bound, bound, size=(CONV_K, CONV_K, MINATAR_C, CONV_OUT)).astype(DTYPE)
    bk = rng.uniform(-bound, bound, size=(CONV_OUT,)).astype(DTYPE)
    w1, b1 = dense(rng, CONV_FLAT, DENSE_HIDDEN)
    w2, b2 = dense(rng, DENSE_HIDDEN, N_ACTIONS)
    return [k, bk, w1, b1, w2, b2]


def critic_params(seed=SEED_WEIGHTS):
    """Critic Q(s, a): 14 -> 256 -> 256 -> 1."""
    return dense_stack(seed, (OBS_DIM + ACT_DIM, AC_HIDDEN, AC_HIDDEN, 1))


def actor_params():
    """Actor pi(s): 11 -> 256 -> 256 -> 3 (tanh on the output)."""
    return dense_stack(SEED_ACTOR, (OBS_DIM, AC_HIDDEN, AC_HIDDEN, ACT_DIM))


def minatar_batch(batch, flat):
    """x: random 0/1 floats, [B, 400] (flat) or NHWC [B, 10, 10, 4]; a: [B] in 0..2; y: [B] normal."""
    rng = np.random.default_rng(SEED_DATA)
    x = rng.integers(0, 2, size=(batch, MINATAR_HW, MINATAR_HW, MINATAR_C)).astype(DTYPE)
    a = rng.integers(0, N_ACTIONS, size=(batch,)).astype(np.int64)
    y = rng.standard_normal(batch).astype(DTYPE)
    if flat:
        x = x.reshape(batch, MINATAR_IN)
    return x, a, y


def critic_batch(batch):
    """s [B, 11] normal, a [B, 3] uniform(-1, 1), y [B] normal, v [69889] normal."""
    rng = np.random.default_rng(SEED_DATA)
    s = rng.standard_normal((batch, OBS_DIM)).astype(DTYPE)
    a = rng.uniform(-1.0, 1.0, size=(batch, ACT_DIM)).astype(DTYPE)
    y = rng.standard_normal(batch).astype(DTYPE)
    v = rng.standard_normal(CRITIC_N_PARAMS).astype(DTYPE)
    return s, a, y, v


def transition_batch(batch):
    """s, s2 [B, 11] normal, a [B, 3] uniform(-1, 1), r [B] normal."""
    rng = np.random.default_rng(SEED_DATA)
    s = rng.standard_normal((batch, OBS_DIM)).astype(DTYPE)
    a = rng.uniform(-1.0, 1.0, size=(batch, ACT_DIM)).astype(DTYPE)
    r = rng.standard_normal(batch).astype(DTYPE)
    s2 = rng.standard_normal((batch, OBS_DIM)).astype(DTYPE)
    return s, a, r, s2


def split_flat(vec, shapes):
    """Split a flat vector into arrays of the given shapes (row-major)."""
    out, i = [], 0
    for shp in shapes:
        n = int(np.prod(shp))
        out.append(vec[i:i + n].reshape(shp))
        i += n
    assert i == vec.size
    return out


# --- Timing -----------------------------------------------------------------
def _nice_round(x):
    """The 1/2/5 x 10^k (>= 1) closest to x on a log scale."""
    if x <= 1:
        return 1
    k = math.floor(math.log10(x))
    cands = [m * 10 ** e for e in (k, k + 1) for m in (1, 2, 5)]
    return int(min(cands, key=lambda c: abs(math.log(c / x))))


def measure(fn, repeats=5, iters=None, target_s=1.0, warmup_s=0.2):
    """Time fn() (which must block until its results exist).

    Returns dict(best_s, median_s, first_call_s, iters, repeats, result) where
    result is the value of the last call (for checksums, computed untimed).
    """
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0

    # Warm-up, also used to estimate the per-call time.
    n, t0 = 0, time.perf_counter()
    while True:
        result = fn()
        n += 1
        el = time.perf_counter() - t0
        if n >= 3 and el >= warmup_s:
            break
    per_call = el / n
    if iters is None:
        iters = _nice_round(target_s / per_call)   # a repeat takes ~0.6-1.6 x target_s

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(iters):
            result = fn()
        times.append((time.perf_counter() - t0) / iters)
    return {
        "best_s": min(times),
        "median_s": statistics.median(times),
        "first_call_s": first,
        "iters": iters,
        "repeats": repeats,
        "result": result,
    }


# --- Pinning ----------------------------------------------------------------
def _pin_parser(p):
    p.add_argument("--cpu", type=int, default=None,
                   help="pin the process to this CPU (default: the first CPU it may run on)")
    p.add_argument("--no-pin", action="store_true",
                   help="do not pin the process to one CPU")


def early_pin(argv=None):
    """Pin this process to one CPU; call before importing torch / jax.

    The thread settings alone do not make jax 0.10's XLA CPU runtime
    single-threaded (measured ~1.9x CPU time per wall time on this benchmark
    with --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1):
    XLA sizes its thread pools from the CPUs the process may use, so one CPU
    means one worker. Both peers pin so they are measured alike.
    Returns the CPU pinned to, or None.
    """
    p = argparse.ArgumentParser(add_help=False)
    _pin_parser(p)
    known, _ = p.parse_known_args(argv)
    if known.no_pin or not hasattr(os, "sched_setaffinity"):
        return None
    cpu = known.cpu if known.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


# --- CLI and output ---------------------------------------------------------
def parse_args(description, argv=None, extra=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--rows", default="all",
                   help="comma-separated row names (default: all): " + ",".join(ROWS))
    p.add_argument("--repeat", type=int, default=5, help="timed repeats per row (default 5)")
    p.add_argument("--iters", type=int, default=None,
                   help="calls per repeat (default: chosen so a repeat takes ~--target-s)")
    p.add_argument("--target-s", type=float, default=1.0,
                   help="wall time aimed at for one repeat when --iters is not given")
    p.add_argument("--json", metavar="OUT", default=None,
                   help="also write all rows as a JSON array to OUT")
    _pin_parser(p)
    if extra is not None:
        extra(p)
    args = p.parse_args(argv)
    if args.rows == "all":
        args.rows = list(ROWS)
    else:
        args.rows = [r.strip() for r in args.rows.split(",") if r.strip()]
        unknown = [r for r in args.rows if r not in ROWS]
        if unknown:
            p.error(f"unknown rows: {unknown}; known: {list(ROWS)}")
    return args


def row_record(peer, row, timing, checksum, version, extra=None):
    rec = {
        "peer": peer,
        "row": row,
        "best_s": timing["best_s"],
        "median_s": timing["median_s"],
        "first_call_s": timing["first_call_s"],
        "iters": timing["iters"],
        "repeats": timing["repeats"],
        "checksum": checksum,
        "threads": 1,
        "pinned_cpu": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "version": version,
    }
    if extra:
        rec.update(extra)
    return rec


def emit(rec, sink):
    print(json.dumps(rec), flush=True)
    sink.append(rec)


def write_json(path, records):
    if path:
        with open(path, "w") as f:
            json.dump(records, f, indent=1)
            f.write("\n")


def l2norm(arrays):
    """Euclidean norm of a list of arrays (float64 accumulation)."""
    return float(math.sqrt(sum(float(np.sum(np.asarray(x, dtype=np.float64) ** 2)) for x in arrays)))


def run_peer(peer, description, argv, extra_args, build_row, version):
    """The peers' shared main: time every requested row, print and optionally save the records."""
    args = parse_args(description, argv, extra_args)
    records = []
    for name in args.rows:
        run, check, extra = build_row(name, args)
        timing = measure(run, repeats=args.repeat, iters=args.iters, target_s=args.target_s)
        res = timing["result"]
        emit(row_record(peer, name, timing, check(res), version, extra(res) if extra else None), records)
    write_json(args.json, records)
