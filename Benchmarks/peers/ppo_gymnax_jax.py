"""PPO in JAX on gymnax CartPole-v1: the speed peer of stackelberg's `ppo` (monolithic coupling).

    JAX_PLATFORMS=cpu python3 Benchmarks/peers/ppo_gymnax_jax.py [--seeds 4] [--steps 500000] [--self-check] [--json OUT]

It computes what PureJaxRL's `purejaxrl/ppo.py` computes with its CartPole defaults (written here from
a description of that program, not copied from it):
  4 environments x 128 steps per rollout; updates = steps // 128 // 4 (976 for 5e5, i.e. 499,712 env
  steps); 4 epochs over each rollout, each a fresh permutation of the 512 transitions split into 4
  minibatches of 128; Adam (eps 1e-5) after a global-norm clip at 0.5, learning rate 2.5e-4 times
  1 - (optimizer step // 16) / updates (linear annealing); GAE with gamma 0.99, lambda 0.95, computed
  once per rollout (a reverse scan unrolled 16x, as PureJaxRL's), where the transition's done flag
  (termination OR the 500-step truncation: no bootstrapping through either, as PureJaxRL does) cuts
  the recursion; targets = advantages + values;
  clipped surrogate (eps 0.2) on minibatch-normalized advantages (std + 1e-8), value loss
  0.5 * mean(max((V - R)^2, (V_old + clip(V - V_old, -0.2, 0.2) - R)^2)), entropy bonus 0.01, value
  coefficient 0.5, one loss and one optimizer for both networks.
  Networks: separate actor and critic MLPs 4 -> 64 -> 64 (tanh) -> 2 logits / 1 value, orthogonal init
  (gain sqrt(2) for hidden layers, 0.01 for the policy head, 1.0 for the value head), zero biases;
  actions sampled from the categorical policy.
The whole training run is one `jax.jit` program: a `lax.scan` over the updates, containing a `lax.scan`
over the rollout steps (the environments `jax.vmap`ped), a reverse `lax.scan` for GAE and nested
`lax.scan`s over epochs and minibatches. For S seeds together the program is `jax.vmap`ped over seeds.
One deviation, kept from peers/dqn_gymnax.py: the network parameters are initialized outside the
(vmapped) program, one seed at a time, because a vmapped orthogonal init (a batched LAPACK QR)
deadlocked jax 0.10.2's CPU thread pool on this 2-core machine. The initial parameters have the same
distribution; the training program itself is untouched by this.

Timing (each case: 1 seed, then S seeds vmapped): the program is traced, lowered and compiled ahead of
time (compile_s), then called once (first_run_s) and then again (run_s; with --repeat R the fastest of R
calls), every call ended by block_until_ready. steps_per_second = env steps of all seeds / run_s;
steps_per_second_with_compile = env steps / (compile_s + first_run_s), what a one-shot run costs.
run_cpu_s is the process CPU time (user + system, all threads) of the timed call.

Score: per seed, the mean return of the last 10% of the training episodes (all environments' finished
episodes in the order they finished); --self-check asserts that it exceeds 400 on at least one seed of
the S-seed run, i.e. that the peer actually learns.

Prints one JSON object (also written to --json OUT). CPU only: JAX_PLATFORMS defaults to cpu.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--env", default="CartPole-v1")
    ap.add_argument("--steps", type=int, default=500_000, help="total env steps per seed (PureJaxRL's TOTAL_TIMESTEPS)")
    ap.add_argument("--seeds", type=int, default=4, help="seeds vmapped together in the second case")
    ap.add_argument("--seed", type=int, default=0, help="first seed; seeds are seed, seed+1, ...")
    ap.add_argument("--skip-single", action="store_true", help="only the S-seed vmapped case")
    ap.add_argument("--num-envs", type=int, default=4)
    ap.add_argument("--num-steps", type=int, default=128, help="rollout length per environment")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--minibatches", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2.5e-4)
    ap.add_argument("--no-anneal", action="store_true", help="constant learning rate")
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--gae-lambda", type=float, default=0.95)
    ap.add_argument("--clip", type=float, default=0.2)
    ap.add_argument("--ent-coef", type=float, default=0.01)
    ap.add_argument("--vf-coef", type=float, default=0.5)
    ap.add_argument("--max-grad-norm", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=1, help="timed calls after the first; the fastest is reported")
    ap.add_argument("--self-check", action="store_true",
                    help="assert the mean return of the last 10%% of training episodes > 400 on at least one seed")
    ap.add_argument("--json", metavar="OUT", default=None)
    return ap.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None

import flax.linen as nn  # noqa: E402
import gymnax  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from importlib.metadata import version  # noqa: E402


def dense(features, gain):
    return nn.Dense(features, kernel_init=nn.initializers.orthogonal(gain), bias_init=nn.initializers.zeros)


class Actor(nn.Module):
    num_actions: int

    @nn.compact
    def __call__(self, x):
        x = nn.tanh(dense(64, math.sqrt(2))(x))
        x = nn.tanh(dense(64, math.sqrt(2))(x))
        return dense(self.num_actions, 0.01)(x)  # logits


class Critic(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.tanh(dense(64, math.sqrt(2))(x))
        x = nn.tanh(dense(64, math.sqrt(2))(x))
        return jnp.squeeze(dense(1, 1.0)(x), axis=-1)


def make_train(cfg):
    """Returns (init(key) -> params, train(key, params) -> (done, episode return at done), info)."""
    env, env_params = gymnax.make(cfg.env)
    n_act = env.action_space(env_params).n
    obs_dim = int(np.prod(env.observation_space(env_params).shape))
    E, T = cfg.num_envs, cfg.num_steps
    n_updates = cfg.steps // T // E
    batch = E * T
    mb_size = batch // cfg.minibatches
    assert mb_size * cfg.minibatches == batch, "rollout size must split into equal minibatches"

    actor, critic = Actor(n_act), Critic()

    def lr_schedule(count):  # count = optimizer steps taken so far
        frac = 1.0 - (count // (cfg.minibatches * cfg.epochs)) / n_updates
        return cfg.lr * frac

    tx = optax.chain(optax.clip_by_global_norm(cfg.max_grad_norm),
                     optax.adam(cfg.lr if cfg.no_anneal else lr_schedule, eps=1e-5))

    vreset = jax.vmap(env.reset, in_axes=(0, None))
    vstep = jax.vmap(env.step, in_axes=(0, 0, 0, None))

    def policy_value(params, obs):
        logits = actor.apply({"params": params["actor"]}, obs)
        return jax.nn.log_softmax(logits), critic.apply({"params": params["critic"]}, obs)

    def init(key):
        """Parameters of one seed (outside the vmapped program; see the module docstring)."""
        k_a, k_c = jax.random.split(key)
        x = jnp.zeros((1, obs_dim))
        return {"actor": actor.init(k_a, x)["params"], "critic": critic.init(k_c, x)["params"]}

    def loss_fn(params, mb):
        logp_all, v = policy_value(params, mb["obs"])
        logp = jnp.take_along_axis(logp_all, mb["action"][:, None], axis=-1)[:, 0]
        entropy = -jnp.sum(jnp.exp(logp_all) * logp_all, axis=-1).mean()
        # Critic: clipped around the rollout's values.
        v_clipped = mb["value"] + jnp.clip(v - mb["value"], -cfg.clip, cfg.clip)
        v_loss = 0.5 * jnp.maximum((v - mb["target"]) ** 2, (v_clipped - mb["target"]) ** 2).mean()
        # Actor: clipped surrogate on normalized advantages.
        adv = (mb["adv"] - mb["adv"].mean()) / (mb["adv"].std() + 1e-8)
        ratio = jnp.exp(logp - mb["logp"])
        surrogate = jnp.minimum(ratio * adv, jnp.clip(ratio, 1.0 - cfg.clip, 1.0 + cfg.clip) * adv)
        pi_loss = -surrogate.mean()
        return pi_loss + cfg.vf_coef * v_loss - cfg.ent_coef * entropy

    grad_fn = jax.grad(loss_fn)

    def env_step(carry, _):
        params, env_state, obs, ep_ret, key = carry
        key, k_act, k_env = jax.random.split(key, 3)
        logp_all, value = policy_value(params, obs)
        action = jax.random.categorical(k_act, logp_all)
        logp = jnp.take_along_axis(logp_all, action[:, None], axis=-1)[:, 0]
        next_obs, env_state, reward, terminated, truncated, _ = vstep(
            jax.random.split(k_env, E), env_state, action, env_params)
        done = jnp.logical_or(terminated, truncated)
        ep_ret = ep_ret + reward
        finished = jnp.where(done, ep_ret, 0.0)
        ep_ret = jnp.where(done, 0.0, ep_ret)
        tr = {"obs": obs, "action": action, "logp": logp, "value": value, "reward": reward,
              "done": done.astype(jnp.float32)}
        return (params, env_state, next_obs, ep_ret, key), (tr, done, finished)

    def gae(rollout, last_value):
        def back(carry, tr):
            adv_next, v_next = carry
            nonterminal = 1.0 - tr["done"]
            delta = tr["reward"] + cfg.gamma * v_next * nonterminal - tr["value"]
            adv = delta + cfg.gamma * cfg.gae_lambda * nonterminal * adv_next
            return (adv, tr["value"]), adv

        _, adv = jax.lax.scan(back, (jnp.zeros_like(last_value), last_value), rollout, reverse=True, unroll=16)
        return adv, adv + rollout["value"]

    def epoch(carry, _):
        params, opt_state, data, key = carry
        key, k_perm = jax.random.split(key)
        perm = jax.random.permutation(k_perm, batch)
        flat = jax.tree.map(lambda x: x.reshape((batch,) + x.shape[2:]), data)
        mbs = jax.tree.map(lambda x: jnp.take(x, perm, axis=0).reshape((cfg.minibatches, mb_size) + x.shape[1:]), flat)

        def minibatch_step(c, mb):
            p, s = c
            updates, s = tx.update(grad_fn(p, mb), s, p)
            return (optax.apply_updates(p, updates), s), None

        (params, opt_state), _ = jax.lax.scan(minibatch_step, (params, opt_state), mbs)
        return (params, opt_state, data, key), None

    def update(carry, _):
        params, opt_state, env_state, obs, ep_ret, key = carry
        (params, env_state, obs, ep_ret, key), (rollout, done, finished) = jax.lax.scan(
            env_step, (params, env_state, obs, ep_ret, key), None, length=T)
        _, last_value = policy_value(params, obs)
        adv, target = gae(rollout, last_value)
        data = {"obs": rollout["obs"], "action": rollout["action"], "logp": rollout["logp"],
                "value": rollout["value"], "adv": adv, "target": target}
        (params, opt_state, _, key), _ = jax.lax.scan(epoch, (params, opt_state, data, key), None, length=cfg.epochs)
        return (params, opt_state, env_state, obs, ep_ret, key), (done, finished)

    def train(key, params):
        key, k_reset = jax.random.split(key)
        obs, env_state = vreset(jax.random.split(k_reset, E), env_params)
        carry = (params, tx.init(params), env_state, obs, jnp.zeros(E), key)
        carry, (done, finished) = jax.lax.scan(update, carry, None, length=n_updates)
        return done, finished  # [updates, T, E] each

    info = {"updates": n_updates, "env_steps_per_seed": n_updates * batch, "minibatch_size": mb_size,
            "obs_dim": obs_dim, "num_actions": int(n_act)}
    return init, train, info


def episode_scores(done, finished):
    """Per seed: (mean of the last 10% of episodes, last 10 episodes, episode count). Inputs [S, U, T, E]."""
    out = []
    for d, f in zip(np.asarray(done), np.asarray(finished)):
        returns = f.reshape(-1)[d.reshape(-1)]  # chronological: update, step, then environment index
        n = len(returns)
        k = max(1, math.ceil(0.1 * n))
        out.append({"last10pct_episodes_mean_return": float(returns[-k:].mean()) if n else None,
                    "last10_episodes_mean_return": float(returns[-10:].mean()) if n else None,
                    "episodes": int(n), "episodes_in_last10pct": int(min(k, n))})
    return out


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_case(train, init, info, keys, repeat, vmapped):
    params = jax.tree.map(lambda *xs: jnp.stack(xs), *[jax.jit(init)(jax.random.fold_in(k, 1)) for k in keys])
    params = jax.block_until_ready(params)
    if vmapped:
        args = (keys, params)
        fn = jax.jit(jax.vmap(train))
    else:
        args = (keys[0], jax.tree.map(lambda x: x[0], params))
        fn = jax.jit(train)
    t0 = time.perf_counter()
    compiled = fn.lower(*args).compile()
    compile_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    jax.block_until_ready(compiled(*args))
    first_run_s = time.perf_counter() - t1
    runs, cpus = [], []
    for _ in range(max(1, repeat)):
        c, t = cpu_s(), time.perf_counter()
        out = jax.block_until_ready(compiled(*args))
        runs.append(time.perf_counter() - t)
        cpus.append(cpu_s() - c)
    best = int(np.argmin(runs))
    done, finished = out if vmapped else jax.tree.map(lambda x: x[None], out)
    seeds = len(keys) if vmapped else 1
    steps = info["env_steps_per_seed"] * seeds
    scores = episode_scores(done, finished)
    return {
        "seeds": seeds, "vmapped": vmapped, "env_steps": steps,
        "compile_s": compile_s, "first_run_s": first_run_s, "run_s": runs[best], "run_all_s": runs,
        "run_cpu_s": cpus[best],
        "steps_per_second": steps / runs[best],
        "steps_per_second_per_seed": steps / runs[best] / seeds,
        "steps_per_second_with_compile": steps / (compile_s + first_run_s),
        "final_mean_return": [s["last10pct_episodes_mean_return"] for s in scores],
        "episode_stats": scores,
    }


def main(cfg):
    t_start = time.perf_counter()
    init, train, info = make_train(cfg)
    keys = jnp.stack([jax.random.PRNGKey(cfg.seed + i) for i in range(cfg.seeds)])
    result = {"peer": "jax-gymnax-ppo", "env": cfg.env, "settings": {**{k: v for k, v in vars(cfg).items()
                                                                       if k not in ("json", "self_check")}, **info},
              "versions": {"jax": jax.__version__, "jaxlib": version("jaxlib"), "flax": version("flax"),
                           "optax": version("optax"), "gymnax": version("gymnax"), "python": sys.version.split()[0]},
              "device": str(jax.devices()[0]), "cpus_allowed": len(os.sched_getaffinity(0))}
    if not cfg.skip_single:
        result["single"] = time_case(train, init, info, keys[:1], cfg.repeat, vmapped=False)
        print(json.dumps({"single": {k: result["single"][k] for k in ("compile_s", "run_s", "steps_per_second",
                                                                        "final_mean_return")}}), file=sys.stderr)
    result["together"] = time_case(train, init, info, keys, cfg.repeat, vmapped=True)
    result["process_s"] = time.perf_counter() - t_start
    if cfg.self_check:
        best = max((r for r in result["together"]["final_mean_return"] if r is not None), default=float("nan"))
        result["self_check"] = {"threshold": 400.0, "best_seed_last10pct_return": best, "passed": bool(best > 400.0)}
    text = json.dumps(result)
    print(text)
    if cfg.json:
        with open(cfg.json, "w") as f:
            f.write(text + "\n")
    if cfg.self_check:
        assert result["self_check"]["passed"], f"self-check failed: last-10% returns {result['together']['final_mean_return']}"


if __name__ == "__main__":
    main(ARGS)
