"""Shared pieces of the STAC toy-game benchmark peers (NumPy and JAX).

Everything that must be *identical* across implementations lives here: the
game, the symbolic derivation of the Stackelberg field, the grid and the
trajectory starts, the step size, the checksums and the JSON output shape.
The peers only differ in how they evaluate the derived expressions.
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import sympy as sp

# --- Problem constants (keep in sync with the Swift benchmark) -------------
FIELD_N = 401            # field grid is FIELD_N x FIELD_N on [-1, 1]^2
FIELD_LAMBDA = 0.0       # no regularisation: the theta = 0 column is NaN
TRAJ_SIDE = 10           # 10 x 10 = 100 starts on [-0.9, 0.9]^2
TRAJ_STEPS = 50_000
TRAJ_LR = 0.01
TRAJ_LAMBDA = 0.0


def derive_stac():
    """Derive the Stackelberg leader direction and the follower gradient.

    Game (both players minimise):  f1 = -w*theta,  f2 = (w*theta + theta^2/5)^2.
    Leader uses the total derivative through the follower's best response,
        Df1 = d_theta f1 - (d2 f2 / dw dtheta) * (d2 f2 / dw2 + lambda)^-1 * d_w f1,
    follower uses its own gradient g2 = d_w f2.

    lambda stays a *symbol* on purpose: substituting 0 here would let SymPy
    cancel theta against theta^2 and change the floating-point evaluation
    order (and the NaN at theta = 0) compared with the other implementations.
    Returns (symbols, Df1, g2) with symbols = (theta, w, lam).
    """
    theta, w, lam = sp.symbols("theta w lambda_", real=True)
    f1 = -w * theta
    f2 = (w * theta + theta**2 / 5) ** 2

    d_theta_f1 = sp.diff(f1, theta)
    d_w_f1 = sp.diff(f1, w)
    d_w_theta_f2 = sp.diff(f2, w, theta)   # mixed second derivative
    d_ww_f2 = sp.diff(f2, w, 2)            # follower's Hessian (a scalar here)

    df1 = d_theta_f1 - d_w_theta_f2 * (d_ww_f2 + lam) ** -1 * d_w_f1
    g2 = sp.diff(f2, w)
    return (theta, w, lam), df1, g2


def check_closed_form(symbols, df1, g2):
    """Assert the derivation matches the known closed form (not timed)."""
    theta, w, lam = symbols
    closed_df1 = -w + theta * (4 * w * theta + sp.Rational(6, 5) * theta**2) / (2 * theta**2 + lam)
    closed_g2 = 2 * theta * (w * theta + theta**2 / 5)
    assert sp.simplify(df1 - closed_df1) == 0, f"Df1 mismatch: {df1}"
    assert sp.simplify(g2 - closed_g2) == 0, f"g2 mismatch: {g2}"


def field_grid():
    """theta varies along axis 0, w along axis 1 (indexing='ij')."""
    lin = np.linspace(-1.0, 1.0, FIELD_N)
    return np.meshgrid(lin, lin, indexing="ij")


def traj_starts():
    """100 starts, starts[i*10 + j] = (lin[i], lin[j]); returns (theta0, w0)."""
    lin = np.linspace(-0.9, 0.9, TRAJ_SIDE)
    theta0, w0 = np.meshgrid(lin, lin, indexing="ij")
    return theta0.ravel().copy(), w0.ravel().copy()


# --- Checksums --------------------------------------------------------------
# The game is odd-symmetric (F(-x) = -F(x)) and both grids are (nearly)
# symmetric, so the signed sums cancel to rounding noise (~1e-12 for the field,
# ~1e-17 for the trajectories). The signed sums are reported as specified, but
# the sums of absolute values are what makes a relative comparison meaningful;
# the driver compares the signed sums on the scale of the absolute ones.

def field_checksums(neg_df1, neg_g2):
    neg_df1 = np.asarray(neg_df1, dtype=np.float64)
    neg_g2 = np.asarray(neg_g2, dtype=np.float64)
    signed = float(np.nansum(neg_df1) + np.nansum(neg_g2))
    absolute = float(np.nansum(np.abs(neg_df1)) + np.nansum(np.abs(neg_g2)))
    return signed, absolute, int(np.isnan(neg_df1).sum() + np.isnan(neg_g2).sum())


def traj_checksums(theta, w):
    theta = np.asarray(theta, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    signed = float(np.sum(theta) + np.sum(w))
    absolute = float(np.sum(np.abs(theta)) + np.sum(np.abs(w)))
    return signed, absolute, [float(theta[0]), float(w[0])]


# --- Timing and output --------------------------------------------------------

def time_ms(fn):
    """Run fn once; return (result, elapsed milliseconds)."""
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1e3


def first_and_best(fn, repeats):
    """First call (includes any compilation), then best of `repeats` more."""
    result, first = time_ms(fn)
    best = math.inf
    for _ in range(max(1, repeats)):
        result, elapsed = time_ms(fn)
        best = min(best, elapsed)
    return result, first, best


def parse_args(peer, traj_repeats_default, add_extra=None):
    """Common flags; add_extra(parser) lets a peer add its own."""
    p = argparse.ArgumentParser(description=f"STAC toy-game benchmark, {peer} peer")
    p.add_argument("--repeats", type=int, default=5,
                   help="steady-state repeats for the field (best is reported)")
    p.add_argument("--traj-repeats", type=int, default=traj_repeats_default,
                   help="steady-state repeats for the trajectories")
    p.add_argument("--no-check", action="store_true",
                   help="skip the (untimed) SymPy closed-form assertion")
    if add_extra is not None:
        add_extra(p)
    return p.parse_args()


def emit(peer, setup_ms, field, traj):
    """Print the single JSON result line shared by every implementation."""
    (f_signed, f_abs, f_nans), field_first, field_best = field
    (t_signed, t_abs, start0), traj_first, traj_best = traj
    line = {
        "peer": peer,
        "setup_ms": setup_ms,
        "field_ms": field_best,
        "traj_ms": traj_best,
        "field_first_ms": field_first,
        "traj_first_ms": traj_first,
        "field_checksum": f_signed,
        "traj_checksum": t_signed,
        "traj_start0_final": start0,
        # extras: robust checksums (see the note above) and a NaN count
        "field_abs_checksum": f_abs,
        "field_nan_count": f_nans,
        "traj_abs_checksum": t_abs,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
