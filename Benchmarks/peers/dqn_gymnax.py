"""DQN-family agents, monolithic and SCORER, in JAX on gymnax MinAtar: the speed peer of stackelberg's
DQN/SCORER agents. Whole training run = one jitted program (PureJaxRL style): a `jax.lax.scan` over
vector steps, the 128 environments `jax.vmap`ped, and with --together the seeds `jax.vmap`ped as well.

    python3 Benchmarks/peers/dqn_gymnax.py --algo dqn --coupling scorer --steps 200000 --seeds 1 [--together] [--json OUT]
    python3 Benchmarks/peers/dqn_gymnax.py --check        # tiny run of all 8 algo x coupling, asserts finite losses

Install: jax, flax, optax, gymnax, flashbax (Benchmarks/requirements.txt). CPU only (JAX_PLATFORMS=cpu).

Agent (SCORER, arXiv 2508.07452, MinAtar settings; see /work/shared/REFERENCE.md section 2):
  Q(s) = head_theta(encoder_phi(s)); observations 10x10xC flattened (400 floats for Breakout).
  encoder (follower): L1norm -> Dense128-relu -> Dense128-relu -> L1norm, L1norm(x) = x / (mean|x| + eps)
  head (leader): Dense128-relu -> Dense(A); dueling: value Dense64-relu-Dense1 and advantage
  Dense64-relu-Dense(A), Q = V + A - mean(A). Orthogonal init gain sqrt(2), output layers gain 0.01, zero biases.
  Targets Y = r + gamma * (1 - terminated) * Q_target(s', a*), a* = argmax Q_target(s') (DQN) or
  argmax Q_online(s') (double DQN), stop-gradient. Target network = copy of encoder and head, hard update.
  monolithic: one Adam on all parameters, loss mean((Y - Q(s,a))^2), one update per vector step.
  scorer: follower loss Var_j[Y_j - Q_theta(f_phi(s_j), a_j)] w.r.t. phi (theta frozen); leader loss
  mean((Y - Q_theta(sg[f_phi(s)], a))^2) w.r.t. theta; each on its own minibatch; paper order
  (default): follower step first, then the leader (target and features) with the updated phi.
  --order leader_first gives the public code's order. Adam on each, global-norm clip 0.5, lr decayed
  linearly to 0 over all updates of the run.
Replay: flashbax item buffer of (obs, action, reward, next_obs, terminated), capacity 1e5 transitions,
  observations stored as uint8 (they are 0/1); next_obs is gymnax's `final_observation` (the real next
  state, not the auto-reset one), and only termination (not the 1000-step truncation) stops bootstrapping.

Timing: the program is traced and compiled ahead of time (compile_s), called once (first_call_s =
compile_s + that first run) and then called again and timed with block_until_ready (steady_s; with
--repeat R the fastest of R timed passes, all listed in steady_all_s); env_steps_per_second = env steps
of all seeds / steady_s; steady_cpu_s is the process CPU time of that pass (user + system). Without --together the seeds run one after
another through the same compiled single-seed program (the timed pass runs all of them again).
Score (as the paper): a seed's mean training-episode return over the episodes finished in the last
10% of its env steps.
"""
import argparse
import json
import math
import os
import resource
import sys
import time


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--algo", default="dqn", choices=["dqn", "ddqn", "dueling", "dueling_ddqn"])
    ap.add_argument("--coupling", default="scorer", choices=["monolithic", "scorer"])
    ap.add_argument("--order", default="follower_first", choices=["follower_first", "leader_first"],
                    help="SCORER update order: paper (follower, then leader on the updated encoder) or public code")
    ap.add_argument("--env", default="Breakout-MinAtar")
    ap.add_argument("--action-set", default="minimal", choices=["minimal", "full"],
                    help="gymnax's default minimal set (3 actions on Breakout, as the public SCORER code) or all 6")
    ap.add_argument("--steps", type=int, default=200_000, help="env steps per seed (rounded down to whole vector steps)")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0, help="first seed; seeds are seed, seed+1, ...")
    ap.add_argument("--together", action="store_true", help="vmap the seeds into one program")
    ap.add_argument("--num-envs", type=int, default=128)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--buffer", type=int, default=100_000)
    ap.add_argument("--learning-starts", type=int, default=10_000, help="env steps before the first update")
    ap.add_argument("--eps-start", type=float, default=1.0)
    ap.add_argument("--eps-end", type=float, default=0.01)
    ap.add_argument("--eps-steps", type=int, default=250_000, help="env steps of the linear epsilon decay")
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--target-every", type=int, default=1000,
                    help="env steps between hard target updates (rounded to whole vector steps, at least 1)")
    ap.add_argument("--lr", type=float, default=1e-4, help="monolithic lr and SCORER leader lr")
    ap.add_argument("--lr-follower", type=float, default=5e-4)
    ap.add_argument("--clip", type=float, default=0.5, help="global-norm gradient clip")
    ap.add_argument("--l1-eps", type=float, default=1e-8)
    ap.add_argument("--repeat", type=int, default=1,
                    help="timed steady passes (default 1); steady_s is the fastest, all are listed in steady_all_s")
    ap.add_argument("--curve-bins", type=int, default=10, help="bins of the training-return curve in the output")
    ap.add_argument("--cpu", type=int, default=None, help="pin the process to this one CPU (default: no pinning)")
    ap.add_argument("--json", metavar="OUT", default=None)
    ap.add_argument("--check", action="store_true", help="tiny run of every algo x coupling; assert finite losses")
    return ap.parse_args(argv)


ARGS = parse_args()
if ARGS.cpu is not None:
    os.sched_setaffinity(0, {ARGS.cpu})  # before importing jax, so XLA sizes its thread pools to one CPU
os.environ.setdefault("JAX_PLATFORMS", "cpu")

from importlib.metadata import version  # noqa: E402

import flashbax as fbx  # noqa: E402
import flax.linen as nn  # noqa: E402
import gymnax  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402


# --- Networks ---------------------------------------------------------------
def l1_normalize(x, eps):
    return x / (jnp.mean(jnp.abs(x), axis=-1, keepdims=True) + eps)


def dense(features, gain):
    return nn.Dense(features, kernel_init=nn.initializers.orthogonal(gain), bias_init=nn.initializers.zeros)


class Encoder(nn.Module):
    """Follower f_phi: L1norm -> Dense128-relu -> Dense128-relu -> L1norm."""
    hidden: int = 128
    eps: float = 1e-8

    @nn.compact
    def __call__(self, x):
        x = l1_normalize(x, self.eps)
        x = nn.relu(dense(self.hidden, math.sqrt(2))(x))
        x = nn.relu(dense(self.hidden, math.sqrt(2))(x))
        return l1_normalize(x, self.eps)


class QHead(nn.Module):
    """Leader Q_theta: Dense128-relu-Dense(A), or dueling value/advantage heads of 64 units."""
    num_actions: int
    dueling: bool = False

    @nn.compact
    def __call__(self, z):
        if not self.dueling:
            return dense(self.num_actions, 0.01)(nn.relu(dense(128, math.sqrt(2))(z)))
        v = dense(1, 0.01)(nn.relu(dense(64, math.sqrt(2))(z)))
        a = dense(self.num_actions, 0.01)(nn.relu(dense(64, math.sqrt(2))(z)))
        return v + a - jnp.mean(a, axis=-1, keepdims=True)


# --- Agent ------------------------------------------------------------------
def make_train(cfg):
    """Returns (init(key) -> params, train(key, params) -> (metrics, final params), info)."""
    env, env_params = gymnax.make(cfg.env, use_minimal_action_set=(cfg.action_set == "minimal"))
    num_actions = env.num_actions
    obs_dim = int(np.prod(env.obs_shape))
    n_envs = cfg.num_envs
    n_vec = cfg.steps // n_envs                                   # vector steps per seed
    n_warm = min(n_vec, -(-cfg.learning_starts // n_envs))        # ceil: no update before learning_starts env steps
    n_learn = n_vec - n_warm                                      # vector steps with updates (one update each)
    target_every = max(1, round(cfg.target_every / n_envs))       # in vector steps
    double = cfg.algo in ("ddqn", "dueling_ddqn")
    scorer = cfg.coupling == "scorer"

    encoder = Encoder(eps=cfg.l1_eps)
    head = QHead(num_actions, dueling=cfg.algo.startswith("dueling"))

    def features(enc_params, obs):
        return encoder.apply({"params": enc_params}, obs)

    def q_from_features(head_params, z):
        return head.apply({"params": head_params}, z)

    def q_values(params, obs):
        return q_from_features(params["head"], features(params["encoder"], obs))

    def opt(lr):
        sched = optax.linear_schedule(lr, 0.0, max(1, n_learn))
        return optax.chain(optax.clip_by_global_norm(cfg.clip), optax.adam(sched))

    if scorer:
        opt_leader, opt_follower = opt(cfg.lr), opt(cfg.lr_follower)
    else:
        opt_all = opt(cfg.lr)

    buffer = fbx.make_item_buffer(max_length=cfg.buffer, min_length=cfg.batch, sample_batch_size=cfg.batch,
                                  add_sequences=False, add_batches=True)

    vreset = jax.vmap(env.reset, in_axes=(0, None))
    vstep = jax.vmap(env.step, in_axes=(0, 0, 0, None))

    def flat(obs):
        return obs.reshape(obs.shape[0], -1).astype(jnp.float32)

    def take(q, a):
        return jnp.take_along_axis(q, a[:, None], axis=-1)[:, 0]

    def td_target(params, target, b):
        next_obs = b["next_obs"].astype(jnp.float32)
        q_next_target = q_values(target, next_obs)
        if double:
            a_star = jnp.argmax(q_values(params, next_obs), axis=-1)
        else:
            a_star = jnp.argmax(q_next_target, axis=-1)
        y = b["reward"] + cfg.gamma * (1.0 - b["terminated"]) * take(q_next_target, a_star)
        return jax.lax.stop_gradient(y)

    def update_monolithic(params, target, opt_state, buf, key):
        b = buffer.sample(buf, key).experience
        y = td_target(params, target, b)

        def loss(p):
            return jnp.mean((y - take(q_values(p, b["obs"].astype(jnp.float32)), b["action"])) ** 2)

        l, g = jax.value_and_grad(loss)(params)
        upd, st = opt_all.update(g, opt_state["all"], params)
        return optax.apply_updates(params, upd), {**opt_state, "all": st}, (l, l)

    def follower_step(params, target, opt_state, buf, key):
        b = buffer.sample(buf, key).experience
        y = td_target(params, target, b)

        def loss(enc):  # variance of the Bellman errors; theta enters as a constant
            delta = y - take(q_from_features(params["head"], features(enc, b["obs"].astype(jnp.float32))), b["action"])
            return jnp.mean((delta - jnp.mean(delta)) ** 2)

        l, g = jax.value_and_grad(loss)(params["encoder"])
        upd, st = opt_follower.update(g, opt_state["follower"], params["encoder"])
        return {**params, "encoder": optax.apply_updates(params["encoder"], upd)}, {**opt_state, "follower": st}, l

    def leader_step(params, target, opt_state, buf, key):
        b = buffer.sample(buf, key).experience
        y = td_target(params, target, b)
        z = jax.lax.stop_gradient(features(params["encoder"], b["obs"].astype(jnp.float32)))

        def loss(hp):  # MSBE on stop-gradiented features
            return jnp.mean((y - take(q_from_features(hp, z), b["action"])) ** 2)

        l, g = jax.value_and_grad(loss)(params["head"])
        upd, st = opt_leader.update(g, opt_state["leader"], params["head"])
        return {**params, "head": optax.apply_updates(params["head"], upd)}, {**opt_state, "leader": st}, l

    def update_scorer(params, target, opt_state, buf, key):
        kf, kl = jax.random.split(key)
        if cfg.order == "follower_first":
            params, opt_state, lf = follower_step(params, target, opt_state, buf, kf)
            params, opt_state, ll = leader_step(params, target, opt_state, buf, kl)
        else:
            params, opt_state, ll = leader_step(params, target, opt_state, buf, kl)
            params, opt_state, lf = follower_step(params, target, opt_state, buf, kf)
        return params, opt_state, (ll, lf)

    update = update_scorer if scorer else update_monolithic

    def vector_step(carry, learn):
        """One vector step: act eps-greedily, step 128 envs, store, and (learn=True) one update."""
        params, target, opt_state, buf, env_state, obs, ep_ret, t, key = carry
        key, k_eps, k_rand, k_env, k_upd = jax.random.split(key, 5)
        eps = jnp.maximum(cfg.eps_end, cfg.eps_start + (cfg.eps_end - cfg.eps_start) * (t * n_envs) / cfg.eps_steps)
        greedy = jnp.argmax(q_values(params, flat(obs)), axis=-1)
        rand = jax.random.randint(k_rand, (n_envs,), 0, num_actions)
        action = jnp.where(jax.random.uniform(k_eps, (n_envs,)) < eps, rand, greedy)
        next_obs, env_state, reward, terminated, truncated, info = vstep(
            jax.random.split(k_env, n_envs), env_state, action, env_params)
        transition = {"obs": flat(obs).astype(jnp.uint8), "action": action, "reward": reward,
                      "next_obs": flat(info["final_observation"]).astype(jnp.uint8),
                      "terminated": terminated.astype(jnp.float32)}
        buf = buffer.add(buf, transition)
        done = terminated | truncated
        ep_ret = ep_ret + reward
        finished_sum = jnp.sum(jnp.where(done, ep_ret, 0.0))
        finished_n = jnp.sum(done)
        ep_ret = jnp.where(done, 0.0, ep_ret)
        if learn:
            params, opt_state, losses = update(params, target, opt_state, buf, k_upd)
            target = jax.tree.map(lambda o, tg: jnp.where((t + 1) % target_every == 0, o, tg), params, target)
        else:
            losses = (jnp.float32(0.0), jnp.float32(0.0))
        t = t + 1
        return (params, target, opt_state, buf, env_state, next_obs, ep_ret, t, key), (finished_sum, finished_n) + tuple(losses)

    def init(key):
        """Network parameters of one seed. Kept out of the vmapped training program on purpose: a batched
        orthogonal init (a vmapped QR, LAPACK geqrf) deadlocked jax 0.10.2's CPU thread pool here (seen twice
        with 2 seeds vmapped on 2 cores: all XLA workers idle inside jax::ParallelBatchMap)."""
        k_enc, k_head = jax.random.split(jax.random.fold_in(key, 1))
        dummy_obs = jnp.zeros((1, obs_dim))
        enc_params = encoder.init(k_enc, dummy_obs)["params"]
        head_params = head.init(k_head, features(enc_params, dummy_obs))["params"]
        return {"encoder": enc_params, "head": head_params}

    def train(key, params):
        key, k_reset = jax.random.split(key)
        target = jax.tree.map(jnp.copy, params)
        buf = buffer.init({"obs": jnp.zeros(obs_dim, jnp.uint8), "action": jnp.int32(0),
                           "reward": jnp.float32(0), "next_obs": jnp.zeros(obs_dim, jnp.uint8),
                           "terminated": jnp.float32(0)})
        opt_state = {}
        if scorer:
            opt_state["leader"] = opt_leader.init(params["head"])
            opt_state["follower"] = opt_follower.init(params["encoder"])
        else:
            opt_state["all"] = opt_all.init(params)
        obs, env_state = vreset(jax.random.split(k_reset, n_envs), env_params)
        carry = (params, target, opt_state, buf, env_state, obs, jnp.zeros(n_envs), jnp.int32(0), key)
        carry, m_warm = jax.lax.scan(lambda c, _: vector_step(c, False), carry, length=n_warm)
        carry, m_learn = jax.lax.scan(lambda c, _: vector_step(c, True), carry, length=n_learn)
        metrics = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), m_warm, m_learn)
        return metrics, carry[0]

    info = {"num_actions": num_actions, "obs_dim": obs_dim, "vector_steps": n_vec, "warmup_vector_steps": n_warm,
            "updates": n_learn, "target_every_vector_steps": target_every, "env_steps_per_seed": n_vec * n_envs}
    return init, train, info


def init_params(init, keys):
    """Initial parameters of every seed, stacked on a leading seed axis (one unbatched init per seed)."""
    init = jax.jit(init)
    return jax.tree.map(lambda *xs: jnp.stack(xs), *[init(k) for k in keys])


def summarize(metrics, n_envs, bins):
    """Per seed: last-10% score, episode counts, a binned return curve, final losses. metrics leaves: [seeds, T]."""
    fs, fn, l0, l1 = (np.asarray(m, dtype=np.float64) for m in metrics)
    seeds, T = fs.shape
    tail = max(1, int(round(0.1 * T)))
    out = {"score_last10pct": [], "episodes_last10pct": [], "curve": [], "loss_leader_or_all_last": [],
           "loss_follower_or_all_last": [], "losses_finite": bool(np.all(np.isfinite(l0)) and np.all(np.isfinite(l1)))}
    for s in range(seeds):
        n_tail = fn[s, -tail:].sum()
        out["score_last10pct"].append(float(fs[s, -tail:].sum() / n_tail) if n_tail else None)
        out["episodes_last10pct"].append(int(n_tail))
        edges = np.linspace(0, T, bins + 1).astype(int)
        out["curve"].append([float(fs[s, a:b].sum() / fn[s, a:b].sum()) if fn[s, a:b].sum() else None
                             for a, b in zip(edges[:-1], edges[1:])])
        k = max(1, T // 100)
        out["loss_leader_or_all_last"].append(float(l0[s, -k:].mean()))
        out["loss_follower_or_all_last"].append(float(l1[s, -k:].mean()))
    out["curve_bin_env_steps"] = int(T // bins * n_envs)
    return out


def cpu_s():
    """CPU seconds of this process (user + system, all threads): on a shared machine, a check on wall time."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(cfg):
    init, train, info = make_train(cfg)
    keys = jnp.stack([jax.random.PRNGKey(cfg.seed + i) for i in range(cfg.seeds)])
    params0 = jax.block_until_ready(init_params(init, keys))
    t0 = time.perf_counter()
    if cfg.together:
        compiled = jax.jit(jax.vmap(train)).lower(keys, params0).compile()
        calls = [lambda: compiled(keys, params0)]
    else:
        compiled = jax.jit(train).lower(keys[0], jax.tree.map(lambda x: x[0], params0)).compile()
        calls = [lambda i=i: compiled(keys[i], jax.tree.map(lambda x: x[i], params0)) for i in range(cfg.seeds)]
    compile_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    jax.block_until_ready(calls[0]())  # first run (seed 0 only when sequential)
    first_run_s = time.perf_counter() - t1
    steady_all, cpu_all = [], []
    for _ in range(max(1, cfg.repeat)):
        c2, t2 = cpu_s(), time.perf_counter()
        outs = [jax.block_until_ready(call()) for call in calls]
        steady_all.append(time.perf_counter() - t2)
        cpu_all.append(cpu_s() - c2)
    best = int(np.argmin(steady_all))
    steady_s, steady_cpu_s = steady_all[best], cpu_all[best]
    if cfg.together:
        metrics, params = outs[0]
    else:
        metrics = jax.tree.map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *[o[0] for o in outs])
        params = outs[-1][1]
    env_steps = info["env_steps_per_seed"] * cfg.seeds
    summary = summarize(metrics, cfg.num_envs, cfg.curve_bins)
    return {
        "peer": "jax-gymnax-dqn", "algo": cfg.algo, "coupling": cfg.coupling,
        "order": cfg.order if cfg.coupling == "scorer" else None,
        "env": cfg.env, "action_set": cfg.action_set, "seeds": cfg.seeds, "together": cfg.together,
        "compile_s": compile_s, "first_call_s": compile_s + first_run_s, "steady_s": steady_s,
        "steady_cpu_s": steady_cpu_s, "steady_all_s": steady_all, "steady_median_s": float(np.median(steady_all)),
        "env_steps": env_steps, "env_steps_per_second": env_steps / steady_s,
        "env_steps_per_second_per_seed": env_steps / steady_s / cfg.seeds,
        **summary,
        "settings": {"num_envs": cfg.num_envs, "batch": cfg.batch, "buffer": cfg.buffer,
                     "learning_starts_env_steps": info["warmup_vector_steps"] * cfg.num_envs,
                     "eps": [cfg.eps_start, cfg.eps_end, cfg.eps_steps], "gamma": cfg.gamma,
                     "target_every_env_steps": info["target_every_vector_steps"] * cfg.num_envs,
                     "lr": cfg.lr, "lr_follower": cfg.lr_follower if cfg.coupling == "scorer" else None,
                     "clip": cfg.clip, "lr_decay": "linear to 0 over the updates", "l1_eps": cfg.l1_eps,
                     "network": "enc 400-128-128 relu (L1 norm in/out) + head 128-A (dueling 64/64)",
                     "obs_stored_as": "uint8", "replay": "flashbax item buffer", **info},
        "versions": {"jax": jax.__version__, "jaxlib": version("jaxlib"), "flax": version("flax"),
                     "optax": version("optax"), "gymnax": version("gymnax"), "flashbax": version("flashbax"),
                     "python": sys.version.split()[0]},
        "device": str(jax.devices()[0]), "cpus_allowed": len(os.sched_getaffinity(0)),
        "param_count": int(sum(x.size for x in jax.tree.leaves(params)) // (cfg.seeds if cfg.together else 1)),
    }


def check():
    """Tiny configuration of every algo x coupling (and the other SCORER order): finite, non-zero losses."""
    results = []
    for algo in ["dqn", "ddqn", "dueling", "dueling_ddqn"]:
        for coupling, order in [("monolithic", "follower_first"), ("scorer", "follower_first"), ("scorer", "leader_first")]:
            if order == "leader_first" and algo != "dqn":
                continue
            cfg = parse_args(["--algo", algo, "--coupling", coupling, "--order", order, "--steps", "640", "--seeds", "2",
                              "--together", "--num-envs", "8", "--batch", "16", "--buffer", "1000",
                              "--learning-starts", "64", "--target-every", "16", "--eps-steps", "320",
                              "--curve-bins", "2"])
            init, train, info = make_train(cfg)
            keys = jnp.stack([jax.random.PRNGKey(i) for i in range(2)])
            (fs, fn, l0, l1), _ = jax.jit(jax.vmap(train))(keys, init_params(init, keys))
            l0, l1 = np.asarray(l0), np.asarray(l1)
            learn = slice(info["warmup_vector_steps"], None)
            ok = bool(np.all(np.isfinite(l0)) and np.all(np.isfinite(l1)) and np.all(l0[:, learn] > 0)
                      and np.all(l1[:, learn] >= 0) and int(np.asarray(fn).sum()) > 0)
            results.append({"algo": algo, "coupling": coupling, "order": order if coupling == "scorer" else None,
                            "ok": ok, "loss_last": [float(l0[:, -1].mean()), float(l1[:, -1].mean())],
                            "episodes": int(np.asarray(fn).sum())})
            print(json.dumps(results[-1]), file=sys.stderr)
            assert ok, f"check failed: {results[-1]}"
    return {"check": "ok", "runs": results}


def main():
    out = check() if ARGS.check else run(ARGS)
    text = json.dumps(out)
    print(text)
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
