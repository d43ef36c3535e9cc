"""STAC toy-game benchmark, NumPy peer.

SymPy derives the Stackelberg field, `sympy.lambdify(..., "numpy")` turns it
into a vectorised NumPy function. The field is one call on 401x401 arrays; the
trajectories are a Python loop of 50,000 steps, each step vectorised over the
100 starts (the usual way such a loop is written with NumPy).
"""

import time

import numpy as np
import sympy as sp

import stac_common as sc


def setup():
    """Symbolic derivation + lambdify: the part reported as setup_ms."""
    symbols, df1, g2 = sc.derive_stac()
    field_fn = sp.lambdify(symbols, (df1, g2), modules="numpy")
    return symbols, df1, g2, field_fn


def eval_field(field_fn, theta, w):
    """(-Df1, -g2) on the whole grid; theta = 0 gives 0/0 = NaN, kept as is."""
    with np.errstate(divide="ignore", invalid="ignore"):
        df1, g2 = field_fn(theta, w, sc.FIELD_LAMBDA)
    return -df1, -g2


def run_trajectories(field_fn, theta0, w0):
    """Simultaneous gradient steps, all 100 lanes at once per step."""
    theta, w = theta0.copy(), w0.copy()
    lr, lam = sc.TRAJ_LR, sc.TRAJ_LAMBDA
    for _ in range(sc.TRAJ_STEPS):
        df1, g2 = field_fn(theta, w, lam)
        theta, w = theta - lr * df1, w - lr * g2   # both use the old point
    return theta, w


def main():
    args = sc.parse_args("numpy", traj_repeats_default=1)

    start = time.perf_counter()
    symbols, df1, g2, field_fn = setup()
    setup_ms = (time.perf_counter() - start) * 1e3
    if not args.no_check:
        sc.check_closed_form(symbols, df1, g2)

    # Inputs are built outside the timed region: we time the evaluation only.
    theta_grid, w_grid = sc.field_grid()
    (neg_df1, neg_g2), field_first, field_best = sc.first_and_best(
        lambda: eval_field(field_fn, theta_grid, w_grid), args.repeats)

    theta0, w0 = sc.traj_starts()
    (theta, w), traj_first, traj_best = sc.first_and_best(
        lambda: run_trajectories(field_fn, theta0, w0), args.traj_repeats)

    sc.emit("numpy", setup_ms,
            (sc.field_checksums(neg_df1, neg_g2), field_first, field_best),
            (sc.traj_checksums(theta, w), traj_first, traj_best))


if __name__ == "__main__":
    main()
