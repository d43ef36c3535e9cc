"""stackelberg's autodiff against JAX on the same numbers: a small actor–critic with the actor in the
critic's bootstrapped target (STAC's setting). JAX computes in float64; stackelberg in float32 and its
exact products (reverse over its recorded backward pass) must agree to float32 accuracy:
gradients, the Hessian-vector product ∇²wL₂·v, the mixed product ∇θ⟨∇wL₂, v⟩, and the total
derivative ∇θL₁ − ∇θ⟨∇wL₂, (∇²wL₂ + λI)⁻¹∇wL₁⟩ with an exact solve.
"""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from conftest import REPO_ROOT
from state_file import decode, encode

jax = pytest.importorskip("jax", reason="JAX is a test requirement (Tests/python/requirements.txt)")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

OBS, ACT, HIDDEN, BATCH, GAMMA, LAMBDA = 4, 2, 6, 16, 0.9, 0.3


def binary():
    for build in ("debug", "release"):
        path = REPO_ROOT / ".build" / build / "stackelberg-bench-nn"
        if path.exists():
            return path
    pytest.fail("stackelberg-bench-nn is not built: run `swift build` first")


def make_case(seed, activation):
    rng = np.random.default_rng(seed)
    def layers(prefix, sizes):
        out = {}
        for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
            out[f"{prefix}.{i}.weight"] = rng.normal(0, 0.7, (m, n)).astype(np.float32)
            out[f"{prefix}.{i}.bias"] = rng.normal(0, 0.2, (n,)).astype(np.float32)
        return out
    entries = {**layers("actor", [OBS, HIDDEN, ACT]), **layers("critic", [OBS + ACT, HIDDEN, HIDDEN, 1])}
    n_critic = sum(v.size for k, v in entries.items() if k.startswith("critic"))
    entries.update({
        "s": rng.normal(size=(BATCH, OBS)).astype(np.float32),
        "a": rng.uniform(-1, 1, (BATCH, ACT)).astype(np.float32),
        "r": rng.normal(size=(BATCH, 1)).astype(np.float32),
        "s2": rng.normal(size=(BATCH, OBS)).astype(np.float32),
        "v": rng.normal(size=(n_critic,)).astype(np.float32),
        "gamma": GAMMA, "lambda": LAMBDA, "activation": activation,
    })
    return entries


def jax_reference(e):
    act = {"tanh": jnp.tanh, "relu": lambda x: jnp.maximum(x, 0), "elu": jax.nn.elu}[e["activation"]]
    names = lambda p: sorted((k for k in e if k.startswith(p + ".")), key=lambda k: (int(k.split(".")[1]), k.endswith("weight")))
    actor_names, critic_names = names("actor"), names("critic")
    # order per layer: weight then bias (as the Swift group is built)
    order = lambda ns: [n for i in sorted({int(k.split(".")[1]) for k in ns}) for n in (ns[0].split(".")[0] + f".{i}.weight", ns[0].split(".")[0] + f".{i}.bias")]
    actor_names, critic_names = order(actor_names), order(critic_names)

    def unflatten(flat, ns):
        out, o = [], 0
        for n in ns:
            size = e[n].size
            out.append(flat[o:o + size].reshape(e[n].shape)); o += size
        return out

    def mlp(params, x, output):
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            h = output(h) if i == len(params) - 2 else act(h)
        return h

    f64 = lambda k: jnp.asarray(e[k], dtype=jnp.float64)
    s, a, r, s2 = f64("s"), f64("a"), f64("r"), f64("s2")
    theta0 = jnp.concatenate([f64(n).ravel() for n in actor_names])
    w0 = jnp.concatenate([f64(n).ravel() for n in critic_names])

    def follower_loss(theta, w):
        th, ww = unflatten(theta, actor_names), unflatten(w, critic_names)
        q = mlp(ww, jnp.concatenate([s, a], 1), lambda x: x)
        target = r + GAMMA * mlp(ww, jnp.concatenate([s2, mlp(th, s2, jnp.tanh)], 1), lambda x: x)
        return jnp.mean((q - target) ** 2)

    def leader_loss(theta, w):
        th, ww = unflatten(theta, actor_names), unflatten(w, critic_names)
        return -jnp.mean(mlp(ww, jnp.concatenate([s, mlp(th, s, jnp.tanh)], 1), lambda x: x))

    v = f64("v")
    grad_w_l2 = lambda th, w: jax.grad(follower_loss, 1)(th, w)
    hvp = jax.jvp(lambda w: grad_w_l2(theta0, w), (w0,), (v,))[1]
    mixed = jax.grad(lambda th: jnp.dot(grad_w_l2(th, w0), v))(theta0)
    hessian = jax.hessian(follower_loss, 1)(theta0, w0)
    implicit = jnp.linalg.solve(hessian + LAMBDA * jnp.eye(w0.size), jax.grad(leader_loss, 1)(theta0, w0))
    total = jax.grad(leader_loss, 0)(theta0, w0) - jax.grad(lambda th: jnp.dot(grad_w_l2(th, w0), implicit))(theta0)
    return {
        "leader_loss": leader_loss(theta0, w0), "follower_loss": follower_loss(theta0, w0),
        "grad_leader": jax.grad(leader_loss, 0)(theta0, w0), "grad_follower": grad_w_l2(theta0, w0),
        "hvp": hvp, "mixed": mixed, "total_derivative": total,
    }


@pytest.mark.parametrize("activation,seed", [("tanh", 0), ("tanh", 1), ("elu", 2), ("relu", 3)])
def test_derivatives_match_jax(tmp_path, activation, seed):
    case = make_case(seed, activation)
    (tmp_path / "in.state").write_bytes(encode(case))
    run = subprocess.run([str(binary()), "--derivatives", str(tmp_path / "in.state"), str(tmp_path / "out.state")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    ours = decode((tmp_path / "out.state").read_bytes())
    ref = jax_reference(case)
    for key, expected in ref.items():
        expected = np.asarray(expected, dtype=np.float64)
        got = np.asarray(ours[key], dtype=np.float64)
        # float32 products and sums of O(1) values: relative error ~1e-6 per op; 1e-4 of the vector's
        # norm leaves room for the accumulation depth, while any wrong term is O(1) off.
        scale = max(np.linalg.norm(expected), 1e-3)
        err = np.linalg.norm(got - expected) / scale
        assert err < 1e-4, f"{activation}/{seed} {key}: relative error {err:.2e} (|ref| = {scale:.3g})"
