"""Deep-learning-core benchmark, PyTorch peer (eager autograd, CPU, float32, 1 thread).

Install (PyPI only; also in Benchmarks/requirements.txt):
    python3 -m pip install torch==2.15.0
PyPI has no CPU-only torch wheel for Linux x86_64 (the "+cpu" builds live only on
PyTorch's own index, which is not reachable here), so this is the regular PyPI
wheel (2.15.0+cu132) with its nvidia-* / triton dependencies (~5 GB on disk).
It runs on CPU without a GPU (CPU ops go to MKL / oneDNN, as in the CPU-only
build). `pip install --no-deps torch` does NOT work: the wheel's
libtorch_cpu.so itself links libcudart.so.13 / libcupti.so.13, so `import torch`
fails without the nvidia packages.

Usage:
    python3 Benchmarks/peers/nn_torch.py [--rows a,b] [--repeat 5] [--json OUT]

torch.set_num_threads(1), set_num_interop_threads(1), and the process is pinned
to one CPU like the JAX peer (nn_common.early_pin; --no-pin / --cpu N).
Plain eager autograd (no torch.compile), torch.nn.Linear / Conv2d modules.
Weights and inputs come from nn_common (NumPy, fixed seeds), converted once to
torch layouts outside the timing (Linear weight = W.T, conv kernel HWIO -> OIHW,
input NHWC -> NCHW, and the rows of the first dense weight after the conv are
permuted so NCHW flattening matches the JAX peer's NHWC flattening), so the
checksums agree with nn_jax.py to float32 rounding.

Rows:
  mlp_fwdbwd_*, conv_fwdbwd_*
                    zero_grad(set_to_none=True), forward, loss, loss.backward()
  mlp_act_b128      torch.inference_mode(): forward + argmax
  hvp_critic_b256   double backward: g = autograd.grad(loss, params, create_graph=True),
                    then autograd.grad(<flat(g), v>, params)
  cg_total_derivative_b256
                    grad_w L2 is built once with create_graph=True; each of the 10
                    CG iterations is one HVP = autograd.grad(<grad_w L2, p>, w,
                    retain_graph=True) on that graph (--cg-hvp recompute: rebuild
                    L2 and grad_w L2 for every HVP instead); the mixed product is
                    autograd.grad(<grad_w L2, v>, theta) on the same graph.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nn_common as nc  # noqa: E402

# One CPU for the whole process (see nn_common.early_pin); before any import
# that starts threads.
nc.early_pin(sys.argv[1:])

# Single-threaded; the env vars cover MKL/OpenMP before torch initialises them.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


torch.set_num_threads(1)
torch.set_num_interop_threads(1)

PEER = "torch-eager"


# --- Networks built from nn_common's NumPy weights ----------------------------
def linear(w, b):
    """nn.Linear from a [fan_in, fan_out] weight and a bias."""
    m = nn.Linear(w.shape[0], w.shape[1])
    with torch.no_grad():
        m.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
        m.bias.copy_(torch.from_numpy(b))
    return m


def mlp_net():
    w1, b1, w2, b2, w3, b3 = nc.mlp_params()
    return nn.Sequential(linear(w1, b1), nn.ReLU(), linear(w2, b2), nn.ReLU(), linear(w3, b3))


def conv_net():
    k, bk, w1, b1, w2, b2 = nc.conv_params()
    conv = nn.Conv2d(nc.MINATAR_C, nc.CONV_OUT, nc.CONV_K)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1))))  # OIHW
        conv.bias.copy_(torch.from_numpy(bk))
    side = nc.MINATAR_HW - nc.CONV_K + 1
    # JAX flattens [B, H, W, C]; torch flattens [B, C, H, W]: permute W1's rows once.
    w1_chw = w1.reshape(side, side, nc.CONV_OUT, -1).transpose(2, 0, 1, 3).reshape(nc.CONV_FLAT, -1)
    return nn.Sequential(conv, nn.ReLU(), nn.Flatten(), linear(w1_chw, b1), nn.ReLU(), linear(w2, b2))


class Critic(nn.Module):
    def __init__(self, params):
        super().__init__()
        w1, b1, w2, b2, w3, b3 = params
        self.l1, self.l2, self.l3 = linear(w1, b1), linear(w2, b2), linear(w3, b3)

    def forward(self, s, a):
        h = torch.relu(self.l1(torch.cat([s, a], dim=1)))
        h = torch.relu(self.l2(h))
        return self.l3(h).squeeze(1)


class Actor(nn.Module):
    def __init__(self, params):
        super().__init__()
        w1, b1, w2, b2, w3, b3 = params
        self.l1, self.l2, self.l3 = linear(w1, b1), linear(w2, b2), linear(w3, b3)

    def forward(self, s):
        h = torch.relu(self.l1(s))
        h = torch.relu(self.l2(h))
        return torch.tanh(self.l3(h))


def flat_params_order(module):
    """Parameters in nn_common's flat order (W1, b1, W2, b2, W3, b3)."""
    ps = list(module.parameters())
    assert len(ps) == 6
    return ps


def flat_in_common_layout(tensors):
    """Flatten torch tensors in nn_common's layout (Linear weights transposed back)."""
    return torch.cat([(t.t() if t.dim() == 2 else t).reshape(-1) for t in tensors])


def q_loss(q, a, y):
    qa = q.gather(1, a.unsqueeze(1)).squeeze(1)
    return ((qa - y) ** 2).mean()


# --- Rows ---------------------------------------------------------------------
def row_fwdbwd(net, x, a, y):
    params = list(net.parameters())

    def run():
        net.zero_grad(set_to_none=True)
        loss = q_loss(net(x), a, y)
        loss.backward()
        return loss

    check = lambda loss: float(loss.detach())
    extra = lambda loss: {"grad_norm": nc.l2norm([p.grad.numpy() for p in params])}
    return run, check, extra


def row_act(net, x):
    def run():
        with torch.inference_mode():
            return net(x).argmax(dim=1)

    check = lambda acts: int(acts.sum())
    return run, check, None


def row_hvp(critic, s, a, y, v):
    params = flat_params_order(critic)
    # v is in nn_common's flat layout: split and transpose the weight pieces once.
    v_parts = [torch.from_numpy(np.ascontiguousarray(p.T if p.ndim == 2 else p))
               for p in nc.split_flat(v, [tuple(reversed(t.shape)) if t.dim() == 2 else tuple(t.shape)
                                          for t in params])]
    v_flat = torch.cat([t.reshape(-1) for t in v_parts])

    def run():
        loss = ((critic(s, a) - y) ** 2).mean()
        g = torch.autograd.grad(loss, params, create_graph=True)
        g_flat = torch.cat([t.reshape(-1) for t in g])
        return torch.autograd.grad(g_flat @ v_flat, params)

    check = lambda hv: nc.l2norm([t.numpy() for t in hv])
    return run, check, None


def row_cg(hvp_mode):
    actor = Actor(nc.actor_params())
    critic = Critic(nc.critic_params())
    theta = flat_params_order(actor)
    w = flat_params_order(critic)
    s, a, r, s2 = (torch.from_numpy(t) for t in nc.transition_batch(256))
    gamma, lam = nc.GAMMA, nc.CG_LAMBDA

    def L2():       # follower (critic) loss, no stop-gradient: depends on theta
        target = r + gamma * critic(s2, actor(s2))
        return ((critic(s, a) - target) ** 2).mean()

    def grad_w_L2():
        return torch.cat([t.reshape(-1) for t in torch.autograd.grad(L2(), w, create_graph=True)])

    def run():
        L1 = -critic(s, actor(s)).mean()
        g1 = torch.autograd.grad(L1, theta + w)
        g1_theta, g1_w = g1[:len(theta)], torch.cat([t.reshape(-1) for t in g1[len(theta):]])

        gw = grad_w_L2()                 # graph kept: reused by the HVPs and the mixed product

        def matvec(p):
            src = gw if hvp_mode == "reuse" else grad_w_L2()
            hv = torch.autograd.grad(src @ p, w, retain_graph=True)
            return torch.cat([t.reshape(-1) for t in hv]) + lam * p

        # Standard CG for (H + lam I) v = g1_w, v0 = 0, exactly CG_ITERS steps.
        b = g1_w
        v = torch.zeros_like(b)
        res, p = b.clone(), b.clone()
        rs = res @ res
        for _ in range(nc.CG_ITERS):
            ap = matvec(p)
            alpha = rs / (p @ ap)
            v = v + alpha * p
            res = res - alpha * ap
            rs_new = res @ res
            p = res + (rs_new / rs) * p
            rs = rs_new

        mixed = torch.autograd.grad(gw @ v, theta)
        g = [x - y for x, y in zip(g1_theta, mixed)]
        return g, v

    check = lambda res: nc.l2norm([t.numpy() for t in res[0]])
    extra = lambda res: {"v_norm": nc.l2norm([res[1].numpy()]), "cg_hvp": hvp_mode}
    return run, check, extra


def build_row(name, args):
    kind, batch = nc.ROWS[name]
    if kind in ("mlp_fwdbwd", "mlp_act"):
        x, a, y = nc.minatar_batch(batch, flat=True)
        x, a, y = torch.from_numpy(x), torch.from_numpy(a), torch.from_numpy(y)
        if kind == "mlp_act":
            return row_act(mlp_net(), x)
        return row_fwdbwd(mlp_net(), x, a, y)
    if kind == "conv_fwdbwd":
        x, a, y = nc.minatar_batch(batch, flat=False)
        x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))   # NHWC -> NCHW, once
        return row_fwdbwd(conv_net(), x, torch.from_numpy(a), torch.from_numpy(y))
    if kind == "hvp_critic":
        s, a, y, v = nc.critic_batch(batch)
        return row_hvp(Critic(nc.critic_params()), torch.from_numpy(s), torch.from_numpy(a),
                       torch.from_numpy(y), v)
    if kind == "cg_total_derivative":
        return row_cg(args.cg_hvp)
    raise ValueError(name)


def extra_args(p):
    p.add_argument("--cg-hvp", choices=("reuse", "recompute"), default="reuse",
                   help="CG HVP: reuse one create_graph grad_w L2 (default) or rebuild it per HVP")


def main(argv=None):
    assert torch.get_num_threads() == 1
    nc.run_peer(PEER, __doc__.splitlines()[0], argv, extra_args, build_row, torch.__version__)


if __name__ == "__main__":
    main()
