"""SPRIG's attention perception module in PyTorch: the speed peer of stackelberg's
`AttentionPerception` (Sources/Agents/Networks/AttentionPerception.swift).

    python3 Benchmarks/peers/perception_torch.py [--shapes minatar,atari] [--repeat 5]
        [--ours-params minatar=24801,atari=541537] [--memory-format contiguous|channels_last] [--json OUT]
        [--check minatar=STATE ...]

--check SHAPE=STATE (repeatable) first loads the Swift module's weights from a state file written by
`stackelberg-bench-nn --perception-state SHAPE BATCH STATE` (dense W [in, out] -> weight = W^T, conv
kernel [KH*KW*Cin, Cout] -> OIHW, LayerNorm scale/shift -> weight/bias) and its inputs, runs one
forward + backward and compares features, gates, loss and every parameter's gradient with the Swift
module's (relative to each tensor's largest magnitude, floored at 1e-3 of the largest gradient entry; above --check-tol exits with status 1). It
shows that the two modules compute the same function, not just have the same sizes.

The module, for observations x [B, H, W, F*C] (NHWC, F frames of C channels stacked on the last
axis, oldest first), in the Swift module's order of operations:
  1. per frame [B*F, C, H, W]: the stem. Pixels (H, W >= 36): x/255, Conv 32 8x8/4, ReLU,
     Conv 64 4x4/2, ReLU (9x9 = 81 cells on 84x84). Grids: Conv 16 3x3/1, ReLU (8x8 = 64 cells).
  2. tokens [B*F, P, d]: Linear(stem channels -> d) of each cell (cells in row-major order, as
     an NHWC flatten gives them) + a learned position per cell;
  3. x + MHSA(LayerNorm(x)) over the P cells (pre-LN residual; Q, K, V, O Linear d -> d,
     heads split [N, T, h, dh] -> [N*h, T, dh], softmax(QK^T/sqrt(dh)) materialized, as ours
     keeps the weights and scores for SPRIG's attention cost);
  4. the cell gate g = sigmoid(Linear(d -> 1)(x)), x = x * g;
  5. frame summary ReLU(Linear(P*d -> d)) of each frame's cells, [B, F, d], + a learned
     position per frame;
  6. z + MHSA(LayerNorm(z)) over the F frames (only when F > 1);
  7. features ReLU(Linear(F*d -> features)).
Initialization as ours (orthogonal sqrt(2) for convs and dense layers, Xavier uniform for the
attention projections and the gate, zero biases, positions N(0, 0.02^2)); it does not change
the timing, only keeps the module the same.

Timed: zero_grad(set_to_none=True), forward, loss = mean(features^2) + mean(gates),
loss.backward() (gradients of every parameter). torch.set_num_threads(1), set_num_interop_threads(1),
the process pinned to one CPU (--cpu N, default the first allowed; --no-pin). A first call, a
warm-up, then --repeat repeats of a calibrated number of calls (nn_common.measure); best_s is the
best repeat's time per call. One JSON line per shape:
  {"peer": "torch-eager", "shape": ..., "row": <the Swift row's name>, "ms": best ms per
   forward+backward, "samples_per_s": batch / best_s, "parameters": ours-in-torch count,
   "ours_parameters": the Swift module's count when given, ...}

Shapes (PPO's presets in stackelberg; a minibatch of one rollout):
  minatar  batch 1024, x [10, 10, 8]: 2 frames of Breakout's 4 channels (0/1), d 16, 2 heads, 128 features
  atari    batch 256,  x [84, 84, 4]: 4 frames of 1 channel (0..255), d 64, 4 heads, 512 features
  atari_d32  the same with d 32, 2 heads (the Atari preset since stackelberg commit a4bbeef)
"""

import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nn_common as nc  # noqa: E402

nc.early_pin(sys.argv[1:])
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

PEER = "torch-eager"

# name -> (Swift row, batch, H, W, frames, channels per frame, d, heads, features, pixels)
SHAPES = {
    "minatar": ("sprig_perception_minatar_b1024", 1024, 10, 10, 2, 4, 16, 2, 128, False),
    "atari": ("sprig_perception_atari_b256", 256, 84, 84, 4, 1, 64, 4, 512, True),
    "atari_d32": ("sprig_perception_atari_d32_b256", 256, 84, 84, 4, 1, 32, 2, 512, True),
}


def hidden_linear(n_in, n_out):
    m = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(m.weight, math.sqrt(2))
    nn.init.zeros_(m.bias)
    return m


def hidden_conv(c_in, c_out, k, stride):
    m = nn.Conv2d(c_in, c_out, k, stride)
    nn.init.orthogonal_(m.weight, math.sqrt(2))
    nn.init.zeros_(m.bias)
    return m


def xavier_linear(n_in, n_out):
    m = nn.Linear(n_in, n_out)
    nn.init.xavier_uniform_(m.weight)
    nn.init.zeros_(m.bias)
    return m


class SelfAttention(nn.Module):
    """Multi-head self-attention [N, T, d] -> [N, T, d]; also returns the weights and scores."""

    def __init__(self, d, heads):
        super().__init__()
        self.d, self.heads, self.dh = d, heads, d // heads
        self.query, self.key, self.value, self.output = (xavier_linear(d, d) for _ in range(4))

    def split(self, x, n, t):  # [N, T, d] -> [N*h, T, dh]
        return x.reshape(n, t, self.heads, self.dh).permute(0, 2, 1, 3).reshape(n * self.heads, t, self.dh)

    def forward(self, x):
        n, t, _ = x.shape
        q, k = self.split(self.query(x), n, t), self.split(self.key(x), n, t)
        scores = torch.bmm(q, k.transpose(1, 2)) * (1 / math.sqrt(self.dh))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights, self.split(self.value(x), n, t))          # [N*h, T, dh]
        merged = context.reshape(n, self.heads, t, self.dh).permute(0, 2, 1, 3).reshape(n, t, self.d)
        return self.output(merged), weights, scores


class AttentionPerception(nn.Module):
    def __init__(self, height, width, frames, channels, d, heads, features, cell_gate=True,
                 memory_format=torch.contiguous_format):
        super().__init__()
        self.h, self.w, self.f, self.c, self.d = height, width, frames, channels, d
        self.memory_format = memory_format
        self.pixels = height >= 36 and width >= 36
        if self.pixels:
            self.stem = nn.ModuleList([hidden_conv(channels, 32, 8, 4), hidden_conv(32, 64, 4, 2)])
            self.stem_channels = 64
            gh, gw = (height - 8) // 4 + 1, (width - 8) // 4 + 1
            gh, gw = (gh - 4) // 2 + 1, (gw - 4) // 2 + 1
        else:
            self.stem = nn.ModuleList([hidden_conv(channels, 16, 3, 1)])
            self.stem_channels = 16
            gh, gw = height - 2, width - 2
        self.cells = gh * gw
        self.tokens = hidden_linear(self.stem_channels, d)
        self.cell_positions = nn.Parameter(torch.randn(self.cells, d) * 0.02)
        self.spatial_norm = nn.LayerNorm(d, eps=1e-5)
        self.spatial = SelfAttention(d, heads)
        self.gate = xavier_linear(d, 1) if cell_gate else None
        self.frame = hidden_linear(self.cells * d, d)
        self.frame_positions = nn.Parameter(torch.randn(frames, d) * 0.02)
        if frames > 1:  # ours builds these for one frame too but neither trains nor counts them
            self.temporal_norm = nn.LayerNorm(d, eps=1e-5)
            self.temporal = SelfAttention(d, heads)
        self.features = hidden_linear(frames * d, features)
        if memory_format is torch.channels_last:
            self.stem.to(memory_format=torch.channels_last)

    def forward(self, x):
        b, f, c, d = x.shape[0], self.f, self.c, self.d
        # [B, H, W, F*C] -> [B, H, W, F, C] -> [B, F, C, H, W] -> one NCHW image per frame.
        h = x.reshape(b, self.h, self.w, f, c).permute(0, 3, 4, 1, 2).reshape(b * f, c, self.h, self.w)
        if self.memory_format is torch.channels_last:
            h = h.contiguous(memory_format=torch.channels_last)
        if self.pixels:
            h = h * (1 / 255)
        for conv in self.stem:
            h = torch.relu(conv(h))
        # [B*F, C', gh, gw] -> [B*F, P, C'], cells row-major (NHWC order).
        cells = h.flatten(2).transpose(1, 2)
        tokens = self.tokens(cells) + self.cell_positions
        spatial, spatial_w, spatial_s = self.spatial(self.spatial_norm(tokens))
        tokens = tokens + spatial
        gates = None
        if self.gate is not None:
            open_ = torch.sigmoid(self.gate(tokens))       # [B*F, P, 1]
            tokens = tokens * open_
            gates = open_.reshape(b * f, self.cells)
        summary = torch.relu(self.frame(tokens.reshape(b * f, self.cells * d))).reshape(b, f, d)
        summary = summary + self.frame_positions
        temporal = None
        if f > 1:
            out, w, s = self.temporal(self.temporal_norm(summary))
            summary = summary + out
            temporal = (w, s)
        feats = torch.relu(self.features(summary.reshape(b, f * d)))
        return feats, (spatial_w, spatial_s), temporal, gates


def inputs(batch, height, width, stacked, pixels, seed=1):
    g = torch.Generator().manual_seed(seed)
    shape = (batch, height, width, stacked)
    if pixels:
        return torch.randint(0, 256, shape, generator=g).float()
    return (torch.rand(shape, generator=g) < 0.5).float()


def load_state(path):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "python"))
    import state_file  # the StateDictionary reader the Python tests use
    with open(path, "rb") as f:
        return state_file.decode(f.read())


def torch_name(swift_name):
    """perception.stem0.weight -> stem.0.weight, *.scale/shift -> *.weight/bias."""
    n = swift_name.removeprefix("perception.")
    for i in range(4):
        n = n.replace(f"stem{i}.", f"stem.{i}.")
    return n.replace(".scale", ".weight").replace(".shift", ".bias")


def to_torch_layout(value, param):
    v = torch.from_numpy(value.copy())
    if param.dim() == 4:  # [KH*KW*Cin, Cout] (HWIO flattened) -> OIHW
        o, i, kh, kw = param.shape
        return v.reshape(kh, kw, i, o).permute(3, 2, 0, 1)
    if param.dim() == 2 and not swift_is_position(param):  # Linear: [in, out] -> [out, in]
        return v.t()
    return v.reshape(param.shape)


def swift_is_position(param):
    return getattr(param, "_is_position", False)


def check(name, path, tol):
    """Load the Swift module's weights and inputs into ours-in-torch; compare outputs and gradients."""
    _, _, hh, ww, frames, channels, d, heads, features, _ = SHAPES[name]
    st = load_state(path)
    net = AttentionPerception(hh, ww, frames, channels, d, heads, features)
    net.cell_positions._is_position = True
    net.frame_positions._is_position = True
    own = dict(net.named_parameters())
    swift_params = [k for k in st if k.startswith("perception.")]
    assert sorted(torch_name(k) for k in swift_params) == sorted(own), (sorted(map(torch_name, swift_params)), sorted(own))
    with torch.no_grad():
        for k in swift_params:
            own[torch_name(k)].copy_(to_torch_layout(st[k], own[torch_name(k)]))
    x = torch.from_numpy(st["x"].copy())
    feats, _, _, gates = net(x)
    loss = feats.square().mean() + gates.mean()
    loss.backward()

    # Relative to the tensor's largest magnitude, floored at 1e-3 of the largest gradient entry: the
    # key projections' bias gradients are exactly 0 in exact arithmetic (softmax ignores a constant
    # added to every score of a row), so both sides hold rounding noise (~1e-9) there.
    floor = 1e-3 * max(float(abs(st["grad." + k]).max()) for k in st if k.startswith("perception."))

    def rel(a, b):
        b = torch.as_tensor(b.copy() if hasattr(b, "copy") else b)
        return float((a.detach() - b).abs().max() / max(float(b.abs().max()), floor))

    errors = {"features": rel(feats, st["features"]), "gates": rel(gates, st["gates"]),
              "loss": abs(float(loss.detach()) - st["loss"]) / abs(st["loss"])}
    for k in swift_params:
        p = own[torch_name(k)]
        errors["grad." + torch_name(k)] = rel(p.grad, to_torch_layout(st["grad." + k], p))
    worst = max(errors, key=errors.get)
    ok = errors[worst] <= tol
    print(f"{name}: check against {path} (batch {x.shape[0]}): loss ours {st['loss']:.6g} torch {float(loss.detach()):.6g}; "
          f"largest relative difference {errors[worst]:.2e} ({worst}) over {len(errors)} tensors: "
          f"{'SAME' if ok else 'DIFFERENT'} (tolerance {tol:g})", file=sys.stderr, flush=True)
    return ok, errors


def parse_ours(text):
    out = {}
    for part in (text or "").split(","):
        if part:
            k, v = part.split("=")
            out[k.strip()] = int(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", default="minatar,atari,atari_d32", help="comma-separated: " + ",".join(SHAPES))
    ap.add_argument("--repeat", type=int, default=5, help="timed repeats; the best is reported")
    ap.add_argument("--target-s", type=float, default=1.0, help="wall time aimed at for one repeat")
    ap.add_argument("--memory-format", choices=["contiguous", "channels_last"], default="contiguous",
                    help="layout of the stem's images (the module's input stays NHWC either way)")
    ap.add_argument("--ours-params", default=None,
                    help="the Swift module's parameter counts, shape=N,... (stackelberg-bench-nn --params); "
                         "a mismatch exits with status 1")
    ap.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the first allowed)")
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--json", default=None, help="also write the records to this file")
    ap.add_argument("--check", action="append", default=[], metavar="SHAPE=STATE",
                    help="compare with the Swift module's outputs and gradients first (see above)")
    ap.add_argument("--check-tol", type=float, default=1e-3)
    a = ap.parse_args()
    ours = parse_ours(a.ours_params)
    checks = {}
    for item in a.check:
        shape, path = item.split("=", 1)
        ok, errors = check(shape, path, a.check_tol)
        checks[shape] = {"same": ok, "largest_relative_difference": max(errors.values()), "state": path}
        if not ok:
            sys.exit(f"{shape}: the torch module does not compute what the Swift module does")
    fmt = torch.channels_last if a.memory_format == "channels_last" else torch.contiguous_format
    records, mismatch = [], False
    for name in a.shapes.split(","):
        row, batch, hh, ww, frames, channels, d, heads, features, pixels = SHAPES[name]
        torch.manual_seed(0)
        net = AttentionPerception(hh, ww, frames, channels, d, heads, features, memory_format=fmt)
        params = list(net.parameters())
        count = sum(p.numel() for p in params)
        x = inputs(batch, hh, ww, frames * channels, pixels)

        def step():
            net.zero_grad(set_to_none=True)
            feats, _, _, gates = net(x)
            loss = feats.square().mean() + gates.mean()
            loss.backward()
            return loss

        t = nc.measure(step, repeats=a.repeat, target_s=a.target_s)
        rec = {"peer": PEER, "shape": name, "row": row, "batch": batch, "ms": t["best_s"] * 1e3,
               "median_ms": t["median_s"] * 1e3, "best_s": t["best_s"], "samples_per_s": batch / t["best_s"],
               "first_call_s": t["first_call_s"], "iters": t["iters"], "repeats": t["repeats"],
               "loss": float(t["result"].detach()), "parameters": count, "ours_parameters": ours.get(name),
               "torch": torch.__version__, "threads": torch.get_num_threads(), "memory_format": a.memory_format,
               "check": checks.get(name)}
        print(f"{name}: parameters torch {count:,}, ours "
              + (f"{ours[name]:,} ({'equal' if ours[name] == count else 'DIFFERENT'})" if name in ours else "not given"),
              file=sys.stderr, flush=True)
        if name in ours and ours[name] != count:
            mismatch = True
        print(json.dumps(rec, sort_keys=True), flush=True)
        records.append(rec)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(records, f, indent=1)
    if mismatch:
        sys.exit("parameter counts differ from the Swift module's")


if __name__ == "__main__":
    main()
