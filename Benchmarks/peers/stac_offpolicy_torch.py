"""SAC / STSAC-AL and DDPG / STDDPG-AL in PyTorch, the way the public STAC code computes them.

A speed (and sanity) peer for stackelberg's `sac` and `ddpg` with the `individual` and `actor-leader`
couplings. It reproduces the computation of the off-policy code that accompanies "Stackelberg
Actor-Critic: Game-Theoretic Reinforcement Learning Algorithms" (Zheng, Fiez, Alumbaugh, Chasnov,
Ratliff; arXiv 2109.12286), a fork of OpenAI SpinningUp (its stsac/stsac.py and stddpg/stddpg.py).
It is written from a description of that code, not copied from it.

Settings (the paper's, Appendix E):
* (256, 256) ReLU MLPs for the actor and for each critic Q(s, a) on concat(s, a);
* Adam, lr 1e-3 for the actor and for the critics (the two SAC critics share one optimizer);
* minibatch 100, replay 1e6, gamma 0.99, Polyak 0.995 on the target networks after every update;
* SAC: squashed Gaussian actor (tanh), log sigma clamped to [-20, 2], reparameterized samples,
  log-prob with the tanh correction, fixed alpha = 0.2, twin Q critics;
* DDPG: deterministic tanh actor, exploration noise N(0, (0.1 * limit)^2) clipped to the box;
  the critic's target uses the CURRENT actor at s' (as the STAC code does), the target critic;
* one environment, `--random-steps` uniformly random actions first, updates from `--update-after`.

Couplings:
* `individual` (SAC, DDPG): SpinningUp's update. The critic descends its MSE to a no-grad target,
  then the actor descends its loss with the (updated) critics frozen.
    SAC    y = r + g(1-d)(min_i Qtarg_i(s', a') - alpha log pi(a'|s')),  a' ~ pi(.|s')
           actor loss = mean(alpha log pi(a|s) - min_i Q_i(s, a)),       a ~ pi(.|s)
    DDPG   y = r + g(1-d) Qtarg(s', mu(s')),    actor loss = -mean Q(s, mu(s))
* `actor-leader` (STSAC-AL, STDDPG-AL): on ONE minibatch, f1 = the actor loss above and f2 = the
  critic loss (SAC: the sum of both critics' MSEs) whose target KEEPS the path through the current
  policy at s' (target networks are frozen: only a' and log pi(a'|s') carry theta). Then
      leader   = grad_theta f1 - D_theta_w f2 . x,   (hess_w f2 + lambda_t I) x = grad_w f1,
      follower = grad_w f2                            (both at the same point),
  x by conjugate gradient from x0 = 0 (its residual costs one Hessian-vector product), at most 10
  iterations, stopping early when r.r < 1e-18 (`--cg-tol`; with lambda = 500 that is often after 6-9
  iterations; `--cg-tol 0` runs all 10); Hessian-vector products by double backward on
  grad_w f2 (built once with create_graph=True), the mixed product as grad_theta <grad_w f2, x>.
  lambda_t = 500 exp(-t / 1e5), t the environment step. One Adam step each, then Polyak.

Update schedule: like stackelberg's, every `--update-every` (50) environment steps from
`--update-after` on, as many updates as steps since the last batch of updates, i.e. one update per
environment step on average (SpinningUp's loop skips the updates of the first `update_after` steps;
here both programs do exactly `steps` updates when update_after is a multiple of 50).

float32, torch.set_num_threads(1). Prints one JSON object: env steps, updates, wall seconds of the
training loop (environment steps + updates, not the environment's construction), steps/s, Hessian-
vector products per update (ST), and the mean return of the last (up to) 10 finished training
episodes (`--log-every N` also prints progress).

`--self-check` builds a tiny SAC and DDPG (obs 3, action 2, (5, 5) networks, float64) and compares
the leader and follower gradients above (CG run to convergence) with a dense computation:
torch.autograd.functional.hessian of f2 in the flat (theta, w), x = solve(H_ww + lambda I, grad_w f1),
leader = grad_theta f1 - H_theta_w x. It also checks that the correction is not zero, i.e. that the
critic's target really carries theta.

    python3 Benchmarks/peers/stac_offpolicy_torch.py --algo sac --coupling actor-leader \
        --env HalfCheetah-v5 --steps 1100 --random-steps 100 --update-after 100 --seed 0
    python3 Benchmarks/peers/stac_offpolicy_torch.py --self-check

`--check-state STATE` loads what `stackelberg-bench-nn --stac-state ALGO STEPS LAMBDA STATE` wrote
(stackelberg's weights after STEPS HalfCheetah steps, one minibatch, SAC's noise, and its update),
recomputes f1, f2, the leader's total derivative and the follower's gradient here, prints the relative
differences and fails above --check-tol (1e-3):

    python3 Benchmarks/peers/stac_offpolicy_torch.py --check-state /tmp/stsac.state
"""

import argparse
import copy
import json
import math
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

LOG_STD_MIN, LOG_STD_MAX = -20.0, 2.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--algo", choices=["sac", "ddpg"], default="sac")
    p.add_argument("--coupling", choices=["individual", "actor-leader"], default="individual")
    p.add_argument("--env", default="HalfCheetah-v5")
    p.add_argument("--steps", type=int, default=400_000, help="environment steps")
    p.add_argument("--random-steps", type=int, default=10_000, help="uniformly random actions first")
    p.add_argument("--update-after", type=int, default=1_000, help="environment steps before the first update")
    p.add_argument("--update-every", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--buffer-size", type=int, default=1_000_000)
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    p.add_argument("--lr", type=float, default=1e-3, help="actor and critic Adam learning rate")
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--polyak", type=float, default=0.995)
    p.add_argument("--alpha", type=float, default=0.2, help="SAC's fixed entropy temperature")
    p.add_argument("--action-noise", type=float, default=0.1, help="DDPG's exploration sigma / action limit")
    p.add_argument("--lam", type=float, default=500.0, help="lambda_0 of lambda_t = lambda_0 exp(-t / tau)")
    p.add_argument("--lam-tau", type=float, default=1e5)
    p.add_argument("--cg-iterations", type=int, default=10)
    p.add_argument("--cg-tol", type=float, default=1e-18, help="CG stops once r.r < this (0: every iteration)")
    p.add_argument("--log-every", type=int, default=0, help="print progress every N steps (0: never)")
    p.add_argument("--self-check", action="store_true", help="check the total derivative against a dense solve and exit")
    p.add_argument("--check-state", metavar="STATE", default=None,
                   help="recompute the actor-leader update that `stackelberg-bench-nn --stac-state` wrote and compare; exit")
    p.add_argument("--check-tol", type=float, default=1e-3, help="largest relative difference --check-state accepts")
    return p.parse_args()


# ---------------------------------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------------------------------

def mlp(sizes, output_activation=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
        elif output_activation is not None:
            layers.append(output_activation())
    return nn.Sequential(*layers)


class SquashedGaussianActor(nn.Module):
    """a = limit * tanh(u), u = mu(s) + sigma(s) * eps; log sigma clamped to [-20, 2]."""

    def __init__(self, obs_dim, act_dim, hidden, act_limit):
        super().__init__()
        self.body = mlp([obs_dim] + list(hidden), output_activation=nn.ReLU)
        self.mu = nn.Linear(hidden[-1], act_dim)
        self.log_std = nn.Linear(hidden[-1], act_dim)
        self.act_limit = act_limit

    def forward(self, obs, deterministic=False, eps=None):
        h = self.body(obs)
        mu = self.mu(h)
        log_std = torch.clamp(self.log_std(h), LOG_STD_MIN, LOG_STD_MAX)
        std = torch.exp(log_std)
        if deterministic:
            u = mu
        else:
            if eps is None:
                eps = torch.randn_like(mu)
            u = mu + std * eps  # reparameterized
        # log N(u; mu, std) minus the tanh change of variables, log(1 - tanh(u)^2) = 2(log 2 - u - softplus(-2u)).
        logp = (-0.5 * ((u - mu) / std) ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        logp = logp - (2 * (math.log(2) - u - F.softplus(-2 * u))).sum(-1)
        return self.act_limit * torch.tanh(u), logp


class DeterministicActor(nn.Module):
    """mu(s) = limit * tanh(MLP(s))."""

    def __init__(self, obs_dim, act_dim, hidden, act_limit):
        super().__init__()
        self.net = mlp([obs_dim] + list(hidden) + [act_dim], output_activation=nn.Tanh)
        self.act_limit = act_limit

    def forward(self, obs):
        return self.act_limit * self.net(obs)


class QFunction(nn.Module):
    def __init__(self, obs_dim, act_dim, hidden):
        super().__init__()
        self.net = mlp([obs_dim + act_dim] + list(hidden) + [1])

    def forward(self, obs, act):
        return self.net(torch.cat([obs, act], dim=-1)).squeeze(-1)


class Agent(nn.Module):
    """The actor, the critic(s) and frozen target copies (SAC: twin critics; DDPG: one)."""

    def __init__(self, algo, obs_dim, act_dim, hidden, act_limit):
        super().__init__()
        self.algo = algo
        if algo == "sac":
            self.pi = SquashedGaussianActor(obs_dim, act_dim, hidden, act_limit)
            self.qs = nn.ModuleList([QFunction(obs_dim, act_dim, hidden) for _ in range(2)])
        else:
            self.pi = DeterministicActor(obs_dim, act_dim, hidden, act_limit)
            self.qs = nn.ModuleList([QFunction(obs_dim, act_dim, hidden)])
        self.targ = copy.deepcopy(nn.ModuleDict({"pi": self.pi, "qs": self.qs}))
        for p in self.targ.parameters():
            p.requires_grad_(False)  # never a player's parameter: gradients only flow through them

    def actor_params(self):
        return list(self.pi.parameters())

    def critic_params(self):
        return list(self.qs.parameters())


# ---------------------------------------------------------------------------------------------------
# Losses. f1 = actor loss, f2 = critic loss; `keep_policy_path` keeps theta in the critic's target.
# ---------------------------------------------------------------------------------------------------

def actor_loss(ag, batch, alpha, eps=None):
    o = batch["obs"]
    if ag.algo == "sac":
        a, logp = ag.pi(o, eps=eps)
        q = torch.min(ag.qs[0](o, a), ag.qs[1](o, a))
        return (alpha * logp - q).mean()
    return -ag.qs[0](o, ag.pi(o)).mean()


def critic_loss(ag, batch, gamma, alpha, keep_policy_path, eps=None):
    o, a, r, o2, d = batch["obs"], batch["act"], batch["rew"], batch["obs2"], batch["done"]
    with torch.set_grad_enabled(keep_policy_path):
        if ag.algo == "sac":
            a2, logp2 = ag.pi(o2, eps=eps)  # the current policy at s'
            q_targ = torch.min(ag.targ["qs"][0](o2, a2), ag.targ["qs"][1](o2, a2))
            y = r + gamma * (1 - d) * (q_targ - alpha * logp2)
        else:
            y = r + gamma * (1 - d) * ag.targ["qs"][0](o2, ag.pi(o2))  # the current actor at s'
    return sum(((q(o, a) - y) ** 2).mean() for q in ag.qs)


# ---------------------------------------------------------------------------------------------------
# The Stackelberg total derivative (actor leads)
# ---------------------------------------------------------------------------------------------------

def flat(tensors, like=None):
    if like is not None:
        tensors = [torch.zeros_like(p) if t is None else t for t, p in zip(tensors, like)]
    return torch.cat([t.reshape(-1) for t in tensors])


def unflat(v, like):
    out, i = [], 0
    for p in like:
        out.append(v[i:i + p.numel()].view_as(p))
        i += p.numel()
    return out


def conjugate_gradient(matvec, b, iterations, tol=1e-18):
    """Solves A x = b from x0 = 0, at most `iterations` steps, stopping once r.r < tol (absolute), as
    the STAC code does; its first residual b - A x0 costs one product too. Returns (x, products)."""
    x = torch.zeros_like(b)
    r = b - matvec(x)
    p = r.clone()
    rr = r @ r
    products = 1
    for _ in range(iterations):
        ap = matvec(p)
        products += 1
        step = rr / (p @ ap)
        x = x + step * p
        r = r - step * ap
        rr_new = r @ r
        if rr_new < tol:
            break
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x, products


def stackelberg_gradients(f1, f2, theta, w, lam, iterations, tol=1e-18):
    """(leader gradient of theta, follower gradient of w, Hessian-vector products), as flat vectors."""
    g1 = torch.autograd.grad(f1, theta + w, retain_graph=True, allow_unused=True)
    g1_theta, g1_w = flat(g1[:len(theta)], theta), flat(g1[len(theta):], w)
    g2_w = flat(torch.autograd.grad(f2, w, create_graph=True))  # kept for the double backward

    def hvp(v):  # (hess_w f2 + lam I) v
        return flat(torch.autograd.grad(g2_w, w, grad_outputs=v, retain_graph=True)) + lam * v

    x, products = conjugate_gradient(hvp, g1_w, iterations, tol)
    mixed = flat(torch.autograd.grad(g2_w, theta, grad_outputs=x, allow_unused=True), theta)  # D_theta_w f2 . x
    return g1_theta - mixed, g2_w.detach(), products


# ---------------------------------------------------------------------------------------------------
# Updates
# ---------------------------------------------------------------------------------------------------

def update_individual(ag, batch, opt_pi, opt_q, a):
    opt_q.zero_grad(set_to_none=True)
    critic_loss(ag, batch, a.gamma, a.alpha, keep_policy_path=False).backward()
    opt_q.step()
    for p in ag.critic_params():  # frozen while the actor steps (SpinningUp)
        p.requires_grad_(False)
    opt_pi.zero_grad(set_to_none=True)
    actor_loss(ag, batch, a.alpha).backward()
    opt_pi.step()
    for p in ag.critic_params():
        p.requires_grad_(True)


def update_actor_leader(ag, batch, opt_pi, opt_q, a, t):
    theta, w = ag.actor_params(), ag.critic_params()
    lam = a.lam * math.exp(-t / a.lam_tau)
    f1 = actor_loss(ag, batch, a.alpha)
    f2 = critic_loss(ag, batch, a.gamma, a.alpha, keep_policy_path=True)
    leader, follower, products = stackelberg_gradients(f1, f2, theta, w, lam, a.cg_iterations, a.cg_tol)
    for p, g in zip(theta, unflat(leader, theta)):
        p.grad = g
    for p, g in zip(w, unflat(follower, w)):
        p.grad = g
    opt_pi.step()
    opt_q.step()
    return products


@torch.no_grad()
def polyak(ag, rho):
    for p_targ, p in zip(ag.targ["pi"].parameters(), ag.pi.parameters()):
        p_targ.mul_(rho).add_(p, alpha=1 - rho)
    for p_targ, p in zip(ag.targ["qs"].parameters(), ag.qs.parameters()):
        p_targ.mul_(rho).add_(p, alpha=1 - rho)


class ReplayBuffer:
    def __init__(self, obs_dim, act_dim, size):
        self.obs = np.zeros((size, obs_dim), dtype=np.float32)
        self.obs2 = np.zeros((size, obs_dim), dtype=np.float32)
        self.act = np.zeros((size, act_dim), dtype=np.float32)
        self.rew = np.zeros(size, dtype=np.float32)
        self.done = np.zeros(size, dtype=np.float32)
        self.ptr, self.size, self.max_size = 0, 0, size

    def store(self, o, a, r, o2, d):
        i = self.ptr
        self.obs[i], self.act[i], self.rew[i], self.obs2[i], self.done[i] = o, a, r, o2, d
        self.ptr = (self.ptr + 1) % self.max_size
        self.size = min(self.size + 1, self.max_size)

    def sample(self, n):
        idx = np.random.randint(0, self.size, size=n)
        return {k: torch.as_tensor(getattr(self, k)[idx]) for k in ("obs", "act", "rew", "obs2", "done")}


# ---------------------------------------------------------------------------------------------------
# Self-check: the CG total derivative against a dense solve on a tiny network (float64)
# ---------------------------------------------------------------------------------------------------

def self_check():
    torch.manual_seed(0)
    obs_dim, act_dim, hidden, n = 3, 2, [5, 5], 8
    gen = torch.Generator().manual_seed(1)
    batch = {"obs": torch.randn(n, obs_dim, generator=gen, dtype=torch.float64),
             "act": torch.rand(n, act_dim, generator=gen, dtype=torch.float64) * 2 - 1,
             "rew": torch.randn(n, generator=gen, dtype=torch.float64),
             "obs2": torch.randn(n, obs_dim, generator=gen, dtype=torch.float64),
             "done": (torch.rand(n, generator=gen) < 0.25).double()}
    report = {}
    for algo in ("sac", "ddpg"):
        ag = Agent(algo, obs_dim, act_dim, hidden, act_limit=1.0).double()
        with torch.no_grad():  # targets differ from the online networks
            for p in ag.targ.parameters():
                p.add_(0.1 * torch.randn_like(p))
        eps1 = torch.randn(n, act_dim, dtype=torch.float64)  # fixed noise: f1, f2 deterministic
        eps2 = torch.randn(n, act_dim, dtype=torch.float64)
        theta, w = ag.actor_params(), ag.critic_params()
        lam, gamma, alpha = 0.5, 0.99, 0.2
        f1 = lambda: actor_loss(ag, batch, alpha, eps=eps1)  # noqa: E731
        f2 = lambda: critic_loss(ag, batch, gamma, alpha, keep_policy_path=True, eps=eps2)  # noqa: E731

        nw = sum(p.numel() for p in w)
        leader, follower, _ = stackelberg_gradients(f1(), f2(), theta, w, lam, iterations=4 * nw)

        # Dense: f as a function of the flat (theta, w), Hessian blocks by torch.autograd.functional.
        th0, w0 = flat([p.detach() for p in theta]), flat([p.detach() for p in w])

        # f1, f2 as functions of the flat (theta, w): the same loss code on functional_call'ed modules.
        names_t = [k for k, _ in ag.pi.named_parameters()]
        names_w = [k for k, _ in ag.qs.named_parameters()]

        def call(f, th, ww):
            pt = dict(zip(names_t, unflat(th, theta)))
            pw = dict(zip(names_w, unflat(ww, w)))
            orig_pi, orig_qs = ag.pi, ag.qs
            fpi = lambda *x, **k: torch.func.functional_call(orig_pi, pt, x, k)  # noqa: E731
            fqs = [(lambda j: (lambda *x: torch.func.functional_call(orig_qs[j], {k[len(f"{j}."):]: v for k, v in pw.items() if k.startswith(f"{j}.")}, x)))(j)
                   for j in range(len(orig_qs))]
            shim = type("Shim", (), {})()
            shim.algo, shim.pi, shim.qs, shim.targ = ag.algo, fpi, fqs, ag.targ
            return f(shim)

        F1 = lambda th, ww: call(lambda s: actor_loss(s, batch, alpha, eps=eps1), th, ww)  # noqa: E731
        F2 = lambda th, ww: call(lambda s: critic_loss(s, batch, gamma, alpha, True, eps=eps2), th, ww)  # noqa: E731
        g1_th, g1_w = torch.autograd.grad(F1(th0.requires_grad_(), w0.requires_grad_()), (th0, w0))
        th0, w0 = th0.detach(), w0.detach()
        H = torch.autograd.functional.hessian(F2, (th0, w0))
        H_ww, H_thw = H[1][1], H[0][1]  # d2 f2 / dw dw, d2 f2 / dtheta dw
        x = torch.linalg.solve(H_ww + lam * torch.eye(nw, dtype=torch.float64), g1_w)
        dense_leader = g1_th - H_thw @ x
        dense_follower = torch.autograd.grad(F2(th0, w0.requires_grad_()), w0)[0]
        err_l = ((leader - dense_leader).norm() / dense_leader.norm()).item()
        err_f = ((follower - dense_follower).norm() / dense_follower.norm()).item()
        correction = ((H_thw @ x).norm() / g1_th.norm()).item()
        ok = err_l < 1e-8 and err_f < 1e-10 and correction > 1e-6
        report[algo] = {"leader_rel_err": err_l, "follower_rel_err": err_f, "correction_over_grad": correction,
                        "critic_params": nw, "ok": ok}
    print(json.dumps(report, indent=1))
    if not all(v["ok"] for v in report.values()):
        raise SystemExit("self-check FAILED")


# ---------------------------------------------------------------------------------------------------
# Conformance: stackelberg's update on the same weights, minibatch and noise
# ---------------------------------------------------------------------------------------------------

def load_swift_state(path):
    here = os.path.dirname(os.path.abspath(__file__))
    import sys
    sys.path.insert(0, os.path.join(here, "..", "..", "Tests", "python"))
    import state_file  # the StateDictionary reader the Python tests use
    with open(path, "rb") as f:
        return state_file.decode(f.read())


def swift_layers(ag):
    """stackelberg's parameter names (dense weights [in, out]) -> this module's tensors ([out, in]) and the
    slice of stackelberg's tensor each takes: its (256, 256) MLPs are `name.i.weight/bias`, and SAC's actor
    ends in one layer of 2k outputs, mu then the raw log sigma, where this one has two heads."""
    out = []  # (swift name, torch parameter, columns of the Swift weight or None)

    def mlp_layers(prefix, seq):
        linears = [m for m in seq if isinstance(m, nn.Linear)]
        return [(f"{prefix}.{i}", m) for i, m in enumerate(linears)]

    if ag.algo == "sac":
        body = mlp_layers("actor", ag.pi.body)
        k = ag.pi.mu.out_features
        for name, m in body:
            out += [(name + ".weight", m.weight, None), (name + ".bias", m.bias, None)]
        last = f"actor.{len(body)}"
        out += [(last + ".weight", ag.pi.mu.weight, slice(0, k)), (last + ".bias", ag.pi.mu.bias, slice(0, k)),
                (last + ".weight", ag.pi.log_std.weight, slice(k, 2 * k)), (last + ".bias", ag.pi.log_std.bias, slice(k, 2 * k))]
        critics = [("critic1", ag.qs[0]), ("critic2", ag.qs[1]), ("target_critic1", ag.targ["qs"][0]), ("target_critic2", ag.targ["qs"][1])]
    else:
        for name, m in mlp_layers("actor", ag.pi.net):
            out += [(name + ".weight", m.weight, None), (name + ".bias", m.bias, None)]
        critics = [("critic", ag.qs[0]), ("target_critic", ag.targ["qs"][0])]
    for prefix, q in critics:
        for name, m in mlp_layers(prefix, q.net):
            out += [(name + ".weight", m.weight, None), (name + ".bias", m.bias, None)]
    return out


def swift_to_torch(value, cols, param):
    v = torch.from_numpy(np.array(value, dtype=np.float32))  # a writable copy
    if cols is not None:
        v = v[..., cols]
    return v.t().contiguous() if param.dim() == 2 else v.reshape(param.shape)


def check_state(path, tol):
    """Loads the weights, minibatch and SAC noise that `stackelberg-bench-nn --stac-state` wrote, recomputes
    f1, f2, the leader's total derivative (CG, every one of its iterations: stackelberg's cg_tolerance = 0)
    and the follower's gradient as the public STAC code does, and compares with stackelberg's (relative
    Euclidean differences over all of each player's parameters)."""
    st = load_swift_state(path)
    algo = st["algo"]
    obs_dim, act_dim = st["batch.observations"].shape[1], st["batch.actions"].shape[1]
    hidden = [st["actor.0.bias"].shape[0], st["actor.1.bias"].shape[0]]
    ag = Agent(algo, obs_dim, act_dim, hidden, act_limit=1.0)  # HalfCheetah's box is [-1, 1]
    layers = swift_layers(ag)
    with torch.no_grad():
        for name, param, cols in layers:
            param.copy_(swift_to_torch(st[name], cols, param))
    t = lambda k: torch.from_numpy(np.array(st[k], dtype=np.float32))  # noqa: E731
    batch = {"obs": t("batch.observations"), "act": t("batch.actions"), "rew": t("batch.rewards"),
             "obs2": t("batch.next_observations"), "done": t("batch.terminals")}
    eps1, eps2 = (t("noise.actor"), t("noise.critic")) if algo == "sac" else (None, None)
    alpha, gamma, lam = float(st["alpha"]), float(st["gamma"]), float(st["lambda"])
    f1 = actor_loss(ag, batch, alpha, eps=eps1)
    f2 = critic_loss(ag, batch, gamma, alpha, keep_policy_path=True, eps=eps2)
    theta, w = ag.actor_params(), ag.critic_params()
    g1_theta = flat(torch.autograd.grad(f1, theta, retain_graph=True), theta)
    leader, follower, _ = stackelberg_gradients(f1, f2, theta, w, lam, int(st["cg_iterations"]), tol=0.0)

    def ours(prefix, params):
        """stackelberg's per-parameter gradients in this module's layout, flattened in its order."""
        by_param = {id(p): swift_to_torch(st[prefix + name], cols, p) for name, p, cols in layers
                    if prefix + name in st and any(p is q for q in params)}
        return flat([by_param[id(p)] for p in params])

    rel = lambda a, b: ((a - b).norm() / b.norm()).item()  # noqa: E731
    correction = g1_theta - leader
    report = {
        "algo": algo, "lambda": lam, "environment_steps": int(st["environment_steps"]),
        "f1": {"stackelberg": float(st["f1"]), "peer": f1.item()},
        "f2": {"stackelberg": float(st["f2"]), "peer": f2.item()},
        "leader_gradient_norm": {"stackelberg": float(st["diag.leader_gradient_norm"]), "peer": g1_theta.norm().item()},
        "correction_norm": {"stackelberg": float(st["diag.correction_norm"]), "peer": correction.norm().item()},
        "total_derivative_rel_diff": rel(ours("leader.grad.", theta), leader),
        "follower_gradient_rel_diff": rel(ours("follower.grad.", w), follower),
    }
    scalars = [abs(v["stackelberg"] - v["peer"]) / max(abs(v["peer"]), 1e-12)
               for k, v in report.items() if isinstance(v, dict)]
    report["largest_rel_diff"] = max(scalars + [report["total_derivative_rel_diff"], report["follower_gradient_rel_diff"]])
    report["ok"] = report["largest_rel_diff"] < tol and report["correction_norm"]["peer"] > 1e-3 * report["leader_gradient_norm"]["peer"]
    print(json.dumps(report, indent=1))
    if not report["ok"]:
        raise SystemExit(f"check-state FAILED: a relative difference of {report['largest_rel_diff']:.3g} (tolerance {tol})")


# ---------------------------------------------------------------------------------------------------
# Training loop
# ---------------------------------------------------------------------------------------------------

def main():
    a = parse_args()
    if a.self_check:
        self_check()
        return
    if a.check_state:
        check_state(a.check_state, a.check_tol)
        return
    import gymnasium as gym

    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    env = gym.make(a.env)
    env.action_space.seed(a.seed)
    obs_dim, act_dim = env.observation_space.shape[0], env.action_space.shape[0]
    act_limit = float(env.action_space.high[0])
    ag = Agent(a.algo, obs_dim, act_dim, a.hidden, act_limit)
    opt_pi = torch.optim.Adam(ag.actor_params(), lr=a.lr)
    opt_q = torch.optim.Adam(ag.critic_params(), lr=a.lr)
    buf = ReplayBuffer(obs_dim, act_dim, min(a.buffer_size, a.steps))

    def act(o):
        with torch.no_grad():
            o = torch.as_tensor(o, dtype=torch.float32).unsqueeze(0)
            if a.algo == "sac":
                return ag.pi(o)[0][0].numpy()
            mu = ag.pi(o)[0].numpy()
            return np.clip(mu + a.action_noise * act_limit * np.random.randn(act_dim), -act_limit, act_limit)

    returns, ep_ret, updates, since_update, hvps = [], 0.0, 0, 0, 0
    o, _ = env.reset(seed=a.seed)
    start = time.perf_counter()
    for t in range(1, a.steps + 1):
        action = env.action_space.sample() if t <= a.random_steps else act(o)
        o2, r, terminated, truncated, _ = env.step(action)
        ep_ret += r
        buf.store(o, action, r, o2, float(terminated))  # truncation still bootstraps
        o = o2
        if terminated or truncated:
            returns.append(ep_ret)
            ep_ret = 0.0
            o, _ = env.reset()
        since_update += 1
        if t >= a.update_after and since_update >= a.update_every:
            for _ in range(since_update):
                batch = buf.sample(a.batch_size)
                if a.coupling == "individual":
                    update_individual(ag, batch, opt_pi, opt_q, a)
                else:
                    hvps += update_actor_leader(ag, batch, opt_pi, opt_q, a, t)
                polyak(ag, a.polyak)
                updates += 1
            since_update = 0
        if a.log_every and t % a.log_every == 0:
            print(json.dumps({"t": t, "sps": t / (time.perf_counter() - start),
                              "recent_return": float(np.mean(returns[-10:])) if returns else None}), flush=True)
    wall = time.perf_counter() - start
    print(json.dumps({
        "impl": "torch", "torch": torch.__version__, "algo": a.algo, "coupling": a.coupling, "env": a.env,
        "seed": a.seed, "env_steps": a.steps, "updates": updates, "wall_seconds": wall,
        "hvps_per_update": hvps / updates if a.coupling != "individual" and updates else None,
        "steps_per_second": a.steps / wall, "episodes": len(returns),
        "mean_return_last10": float(np.mean(returns[-10:])) if returns else None,
    }))


if __name__ == "__main__":
    main()
