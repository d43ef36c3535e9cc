"""gymnax peer for batched environment stepping: its JAX MinAtar games, `jax.vmap` over N copies of
`env.step` (which auto-resets), on one CPU thread. Prints one JSON line.

    python3 Benchmarks/peers/env_gymnax.py --env Breakout-MinAtar --batch 128 --steps 2000 [--mode scan|loop] [--cpu 0]

--mode scan: the whole K-step loop is one jitted `jax.lax.scan` (no Python per step).
--mode loop: one jitted batched step called from a Python loop (what a Python agent loop sees).
Compilation is excluded: each program is run once before timing. Actions are drawn inside the
jitted step with jax.random, since drawing them outside would add a host-to-device copy per step.
"""
import argparse
import json
import os
import time

# Must be set before jax is imported: CPU only, single-threaded Eigen (as peers/nn_jax.py). These flags
# alone do not stop XLA's CPU runtime from using a second core; pinning (--cpu) does, since XLA sizes
# its thread pools from the CPUs the process may use.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="Breakout-MinAtar")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--mode", default="scan", choices=["scan", "loop"])
    ap.add_argument("--action-set", default="full", choices=["full", "minimal"],
                    help="full (6 actions, as the minatar package and stackelberg use) or gymnax's default minimal set")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cpu", type=int, default=None)
    a = ap.parse_args()
    if a.cpu is not None:
        os.sched_setaffinity(0, {a.cpu})  # before importing jax, so its thread pools see one CPU

    from importlib.metadata import version

    import gymnax
    import jax
    import jax.numpy as jnp

    env, params = gymnax.make(a.env, use_minimal_action_set=(a.action_set == "minimal"))
    n = env.num_actions
    vstep = jax.vmap(env.step, in_axes=(0, 0, 0, None))

    def step(carry):
        key, state, _obs, _reward, episodes = carry
        key, ka, ks = jax.random.split(key, 3)
        actions = jax.random.randint(ka, (a.batch,), 0, n)
        obs, state, reward, terminated, truncated, _ = vstep(jax.random.split(ks, a.batch), state, actions, params)
        # obs and reward stay in the carry so XLA cannot drop their computation as dead code.
        return key, state, obs, reward, episodes + jnp.sum(terminated | truncated)

    key, kr = jax.random.split(jax.random.PRNGKey(a.seed))
    obs, state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(kr, a.batch), params)
    carry = (key, state, obs, jnp.zeros(a.batch), jnp.int32(0))

    if a.mode == "scan":
        run_scan = jax.jit(lambda c: jax.lax.scan(lambda c, _: (step(c), None), c, length=a.steps)[0])
        jax.block_until_ready(run_scan(carry))  # compile + one untimed run
        start = time.perf_counter()
        out = jax.block_until_ready(run_scan(carry))
    else:
        run_step = jax.jit(step)
        # Two untimed steps: a step's output can differ from the initial carry in weak types, which
        # would cost a second compile inside the timed loop; from then on the types are fixed.
        carry = jax.block_until_ready(run_step(run_step(carry)))
        carry = carry[:-1] + (jnp.int32(0),)
        start = time.perf_counter()
        out = carry
        for _ in range(a.steps):
            out = run_step(out)
        out = jax.block_until_ready(out)
        assert run_step._cache_size() <= 2, "recompiled inside the timed loop"
    seconds = time.perf_counter() - start
    print(json.dumps({"peer": f"gymnax-{a.mode}", "env": a.env, "batch": a.batch, "steps": a.steps, "seconds": seconds,
                      "env_steps_per_second": a.batch * a.steps / seconds, "episodes": int(out[-1]),
                      "action_set": a.action_set, "version": version("gymnax"), "jax": jax.__version__}))


if __name__ == "__main__":
    main()
