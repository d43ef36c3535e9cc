"""Deep-learning-core benchmark, JAX peer (jax.jit, CPU, float32, 1 thread).

Install: jax[cpu] (see Benchmarks/requirements.txt). Pure jax / jax.numpy, no
Flax/Optax. Usage:
    python3 Benchmarks/peers/nn_jax.py [--rows a,b] [--repeat 5] [--json OUT]

The process is pinned to one CPU (nn_common.early_pin; --no-pin / --cpu N):
the XLA_FLAGS below are set as asked but do not by themselves stop jax 0.10's
CPU runtime from using a second core. Every row is one jitted function; each timed call is
`jax.block_until_ready(f(*args))`. first_call_s is the first call of that
function and includes tracing + XLA compilation. Weights and inputs come from
nn_common (NumPy, fixed seeds), identical to the torch peer's.

Rows:
  mlp_fwdbwd_*      jax.value_and_grad of the TD-style loss, returns (loss, grads of all 6 tensors)
  mlp_act_b128      forward + argmax -> int32 actions
  conv_fwdbwd_*     as mlp_fwdbwd with lax.conv_general_dilated (NHWC/HWIO, VALID)
  hvp_critic_b256   forward-over-reverse: jax.jvp(jax.grad(loss), (params,), (v,))
  cg_total_derivative_b256
                    the leader's total derivative with 10 CG iterations; each CG
                    iteration does one HVP = jax.jvp(jax.grad(L2 wrt w)) at fixed theta.
                    Loop: lax.fori_loop by default (--cg-loop unroll: Python loop
                    unrolled under jit). --cg-hvp linearize: jax.linearize once and
                    apply the linear map 10 times (not the default).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nn_common as nc  # noqa: E402

# One CPU for the whole process (see nn_common.early_pin); before any import
# that starts threads.
nc.early_pin(sys.argv[1:])

# Single-threaded CPU XLA; must be set before jax is imported.
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
os.environ["JAX_PLATFORMS"] = "cpu"

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.flatten_util import ravel_pytree  # noqa: E402


PEER = "jax-jit"


# --- Networks ---------------------------------------------------------------
def mlp_apply(p, x):
    w1, b1, w2, b2, w3, b3 = p
    h = jax.nn.relu(x @ w1 + b1)
    h = jax.nn.relu(h @ w2 + b2)
    return h @ w3 + b3


def conv_apply(p, x):
    k, bk, w1, b1, w2, b2 = p
    h = jax.lax.conv_general_dilated(x, k, window_strides=(1, 1), padding="VALID",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
    h = jax.nn.relu(h + bk)
    h = h.reshape(h.shape[0], -1)               # [B, 8*8*16] in H, W, C order
    h = jax.nn.relu(h @ w1 + b1)
    return h @ w2 + b2


def critic_apply(p, s, a):
    w1, b1, w2, b2, w3, b3 = p
    h = jax.nn.relu(jnp.concatenate([s, a], axis=1) @ w1 + b1)
    h = jax.nn.relu(h @ w2 + b2)
    return (h @ w3 + b3)[:, 0]


def actor_apply(p, s):
    w1, b1, w2, b2, w3, b3 = p
    h = jax.nn.relu(s @ w1 + b1)
    h = jax.nn.relu(h @ w2 + b2)
    return jnp.tanh(h @ w3 + b3)


def q_loss(apply, p, x, a, y):
    q = apply(p, x)
    qa = jnp.take_along_axis(q, a[:, None], axis=1)[:, 0]
    return jnp.mean((qa - y) ** 2)


# --- Rows: each returns (callable that blocks, checksum fn(result), extra fn) ---
def row_fwdbwd(apply, params, x, a, y):
    f = jax.jit(jax.value_and_grad(lambda p, x, a, y: q_loss(apply, p, x, a, y)))
    args = (params, x, a, y)
    run = lambda: jax.block_until_ready(f(*args))
    check = lambda res: float(res[0])
    extra = lambda res: {"grad_norm": nc.l2norm([np.asarray(g) for g in res[1]])}
    return run, check, extra


def row_act(params, x):
    f = jax.jit(lambda p, x: jnp.argmax(mlp_apply(p, x), axis=1))
    run = lambda: jax.block_until_ready(f(params, x))
    check = lambda res: int(np.sum(np.asarray(res)))
    return run, check, None


def row_hvp(params, s, a, y, v):
    # Data are jit arguments (not baked-in constants), like in the other rows.
    def hvp(p, v_tree, s, a, y):
        def loss(p):
            return jnp.mean((critic_apply(p, s, a) - y) ** 2)
        return jax.jvp(jax.grad(loss), (p,), (v_tree,))[1]

    shapes = [np.shape(t) for t in params]
    v_tree = tuple(jnp.asarray(t) for t in nc.split_flat(v, shapes))
    f = jax.jit(hvp)
    args = (params, v_tree, s, a, y)
    run = lambda: jax.block_until_ready(f(*args))
    check = lambda res: nc.l2norm([np.asarray(t) for t in res])
    return run, check, None


def make_total_derivative(unravel_w, loop, hvp_mode):
    lam, gamma = nc.CG_LAMBDA, nc.GAMMA

    def total_derivative(theta, w_flat, s, a, r, s2):
        def L2(theta, w_flat):          # follower (critic) loss, no stop-gradient
            w = unravel_w(w_flat)
            target = r + gamma * critic_apply(w, s2, actor_apply(theta, s2))
            return jnp.mean((critic_apply(w, s, a) - target) ** 2)

        def L1(theta, w_flat):          # leader (actor) loss
            w = unravel_w(w_flat)
            return -jnp.mean(critic_apply(w, s, actor_apply(theta, s)))

        g1_theta, g1_w = jax.grad(L1, argnums=(0, 1))(theta, w_flat)
        grad_w_L2 = lambda wf: jax.grad(L2, argnums=1)(theta, wf)

        if hvp_mode == "jvp":
            def matvec(p):
                return jax.jvp(grad_w_L2, (w_flat,), (p,))[1] + lam * p
        else:                            # "linearize": linearise once, apply 10x
            _, lin = jax.linearize(grad_w_L2, w_flat)

            def matvec(p):
                return lin(p) + lam * p

        # Standard CG for (H + lam I) v = g1_w, v0 = 0, exactly CG_ITERS steps.
        def cg_step(_, state):
            v, res, p, rs = state
            ap = matvec(p)
            alpha = rs / jnp.vdot(p, ap)
            v = v + alpha * p
            res = res - alpha * ap
            rs_new = jnp.vdot(res, res)
            p = res + (rs_new / rs) * p
            return v, res, p, rs_new

        b = g1_w
        state = (jnp.zeros_like(b), b, b, jnp.vdot(b, b))
        if loop == "fori":
            state = jax.lax.fori_loop(0, nc.CG_ITERS, cg_step, state)
        else:
            for i in range(nc.CG_ITERS):
                state = cg_step(i, state)
        v = state[0]

        # Mixed second derivative: grad_theta < grad_w L2(theta, w), v >.
        mixed = jax.grad(lambda th: jnp.vdot(jax.grad(L2, argnums=1)(th, w_flat), v))(theta)
        g = jax.tree_util.tree_map(lambda x, y: x - y, g1_theta, mixed)
        return g, v

    return total_derivative


def row_cg(loop, hvp_mode):
    theta = tuple(jnp.asarray(t) for t in nc.actor_params())
    w_tree = tuple(jnp.asarray(t) for t in nc.critic_params())
    w_flat, unravel_w = ravel_pytree(w_tree)
    assert w_flat.shape == (nc.CRITIC_N_PARAMS,)
    s, a, r, s2 = (jnp.asarray(t) for t in nc.transition_batch(256))
    f = jax.jit(make_total_derivative(unravel_w, loop, hvp_mode))
    args = (theta, w_flat, s, a, r, s2)
    run = lambda: jax.block_until_ready(f(*args))
    check = lambda res: nc.l2norm([np.asarray(t) for t in res[0]])
    extra = lambda res: {"v_norm": nc.l2norm([np.asarray(res[1])]),
                         "cg_loop": loop, "cg_hvp": hvp_mode}
    return run, check, extra


def build_row(name, args):
    kind, batch = nc.ROWS[name]
    if kind in ("mlp_fwdbwd", "mlp_act"):
        params = tuple(jnp.asarray(t) for t in nc.mlp_params())
        x, a, y = nc.minatar_batch(batch, flat=True)
        if kind == "mlp_act":
            return row_act(params, jnp.asarray(x))
        return row_fwdbwd(mlp_apply, params, jnp.asarray(x),
                          jnp.asarray(a.astype(np.int32)), jnp.asarray(y))
    if kind == "conv_fwdbwd":
        params = tuple(jnp.asarray(t) for t in nc.conv_params())
        x, a, y = nc.minatar_batch(batch, flat=False)       # NHWC
        return row_fwdbwd(conv_apply, params, jnp.asarray(x),
                          jnp.asarray(a.astype(np.int32)), jnp.asarray(y))
    if kind == "hvp_critic":
        params = tuple(jnp.asarray(t) for t in nc.critic_params())
        s, a, y, v = nc.critic_batch(batch)
        return row_hvp(params, jnp.asarray(s), jnp.asarray(a), jnp.asarray(y), v)
    if kind == "cg_total_derivative":
        return row_cg(args.cg_loop, args.cg_hvp)
    raise ValueError(name)


def extra_args(p):
    p.add_argument("--cg-loop", choices=("fori", "unroll"), default="fori",
                   help="CG loop: lax.fori_loop (default) or a Python loop unrolled under jit")
    p.add_argument("--cg-hvp", choices=("jvp", "linearize"), default="jvp",
                   help="CG HVP: jax.jvp(jax.grad) per iteration (default) or jax.linearize once")


def main(argv=None):
    nc.run_peer(PEER, __doc__.splitlines()[0], argv, extra_args, build_row, jax.__version__)


if __name__ == "__main__":
    main()
