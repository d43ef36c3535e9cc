"""STAC toy-game benchmark, JAX peer (CPU, float64).

SymPy derives the Stackelberg field, `sympy.lambdify(..., "jax")` emits it with
jax.numpy. The field is a jitted function of the 401x401 grids; the
trajectories are one jitted `lax.scan` over 50,000 steps carrying the 100
lanes, so the whole loop runs inside XLA.

setup_ms covers derivation + lambdify + wrapping in jax.jit. jax.jit is lazy:
tracing and XLA compilation happen on the first call, so they are counted in
field_first_ms / traj_first_ms (not twice).
"""

import os
import time

# Pin JAX to the CPU before it is imported (the benchmark compares CPU code).
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import sympy as sp  # noqa: E402

import stac_common as sc  # noqa: E402

# Must happen before any array is created, otherwise everything is float32.
jax.config.update("jax_enable_x64", True)


def setup(scan_unroll):
    """Symbolic derivation + lambdify + jit wrappers (compiled lazily)."""
    symbols, df1, g2 = sc.derive_stac()
    field_fn = sp.lambdify(symbols, (df1, g2), modules="jax")

    @jax.jit
    def eval_field(theta, w, lam):
        # theta = 0 gives 0/0 = NaN, kept as is.
        df1_v, g2_v = field_fn(theta, w, lam)
        return -df1_v, -g2_v

    @jax.jit
    def run_trajectories(theta0, w0, lam, lr):
        def step(carry, _):
            theta, w = carry
            df1_v, g2_v = field_fn(theta, w, lam)
            return (theta - lr * df1_v, w - lr * g2_v), None   # simultaneous

        (theta, w), _ = jax.lax.scan(step, (theta0, w0), xs=None,
                                     length=sc.TRAJ_STEPS, unroll=scan_unroll)
        return theta, w

    return symbols, df1, g2, eval_field, run_trajectories


def blocked(fn):
    """Wrap fn so the timer waits for JAX's asynchronous dispatch to finish."""
    return lambda: jax.block_until_ready(fn())


def add_jax_flags(parser):
    parser.add_argument("--scan-unroll", type=int, default=1,
                        help="lax.scan unroll factor (1 = plain loop)")


def main():
    args = sc.parse_args("jax", traj_repeats_default=3, add_extra=add_jax_flags)

    start = time.perf_counter()
    symbols, df1, g2, eval_field, run_trajectories = setup(args.scan_unroll)
    setup_ms = (time.perf_counter() - start) * 1e3
    if not args.no_check:
        sc.check_closed_form(symbols, df1, g2)

    # Inputs are placed on the device outside the timed region.
    theta_grid, w_grid = (jnp.asarray(a) for a in sc.field_grid())
    field_lam = jnp.float64(sc.FIELD_LAMBDA)
    (neg_df1, neg_g2), field_first, field_best = sc.first_and_best(
        blocked(lambda: eval_field(theta_grid, w_grid, field_lam)), args.repeats)

    theta0, w0 = (jnp.asarray(a) for a in sc.traj_starts())
    traj_lam, lr = jnp.float64(sc.TRAJ_LAMBDA), jnp.float64(sc.TRAJ_LR)
    (theta, w), traj_first, traj_best = sc.first_and_best(
        blocked(lambda: run_trajectories(theta0, w0, traj_lam, lr)), args.traj_repeats)

    sc.emit("jax", setup_ms,
            (sc.field_checksums(neg_df1, neg_g2), field_first, field_best),
            (sc.traj_checksums(theta, w), traj_first, traj_best))


if __name__ == "__main__":
    main()
