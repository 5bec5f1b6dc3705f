"""PyTorch peer of the trainer's default step (apps/benchmark `torch-peer`): the small CNN + projection head of
@cs-dfd/detectors, two source sub-batches (reals + each source's fakes), per-source BCE, UVS (K = 2, DESIGN §4) or
joint (the mean) aggregation, Adam. Reads a JSON spec on stdin, writes one JSON line on stdout.
Run with Debian's /usr/bin/python3 (python3-torch)."""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Peer(nn.Module):
    """conv 3x3 same (no bias) -> BatchNorm -> ReLU -> max-pool 2 per block, global mean, u = Wp f + bp,
    s = v . softplus(u) + b."""

    def __init__(self, channels, proj, bn_eps, bn_momentum):
        super().__init__()
        blocks = []
        cin = 3
        for cout in channels:
            blocks.append(nn.Conv2d(cin, cout, 3, padding=1, bias=False))
            # Keras momentum m keeps m of the old statistics; PyTorch's momentum is the new share, 1 - m.
            blocks.append(nn.BatchNorm2d(cout, eps=bn_eps, momentum=1 - bn_momentum))
            cin = cout
        self.blocks = nn.ModuleList(blocks)
        self.Wp = nn.Parameter(torch.randn(proj, cin) / math.sqrt(cin))
        self.bp = nn.Parameter(torch.zeros(proj))
        self.v = nn.Parameter(torch.randn(proj) / math.sqrt(proj))
        self.b = nn.Parameter(torch.zeros(()))

    def ordered(self):
        """Trainable tensors in @cs-dfd/detectors' order: per block kernel, gamma, beta; then Wp, bp, v, b."""
        out = []
        for i in range(0, len(self.blocks), 2):
            out += [self.blocks[i].weight, self.blocks[i + 1].weight, self.blocks[i + 1].bias]
        return out + [self.Wp, self.bp, self.v, self.b]

    def forward(self, x_nhwc):
        h = x_nhwc.permute(0, 3, 1, 2)
        for i in range(0, len(self.blocks), 2):
            h = F.max_pool2d(F.relu(self.blocks[i + 1](self.blocks[i](h))), 2)
        f = h.mean(dim=(2, 3))
        return F.softplus(f @ self.Wp.t() + self.bp) @ self.v + self.b


def load(model, weights):
    """Flat float arrays in ordered() order; conv kernels come as tfjs HWIO and become OIHW."""
    with torch.no_grad():
        for p, w in zip(model.ordered(), weights):
            t = torch.tensor(w, dtype=torch.float32)
            if p.dim() == 4:
                o, i, kh, kw = p.shape
                t = t.reshape(kh, kw, i, o).permute(3, 2, 0, 1)
            p.copy_(t.reshape(p.shape))


def uvs_direction(g1, g2, c):
    """UVS for K = 2 (DESIGN §4): w* minimises F(t) = w.G 1/2 + c|g0| sqrt(w.G w) on the simplex (convex in t: a
    golden-section search to 1e-9), d = g0 + c|g0|/|g_w| g_w, rescaled by 1/(1+c)."""
    G11, G12, G22 = float(g1 @ g1), float(g1 @ g2), float(g2 @ g2)
    n0 = math.sqrt(max(0.0, (G11 + 2 * G12 + G22) / 4))

    def Fw(t):
        s = 1 - t
        lin = (t * (G11 + G12) + s * (G12 + G22)) / 2
        return lin + c * n0 * math.sqrt(max(0.0, t * t * G11 + 2 * t * s * G12 + s * s * G22))

    lo, hi = 0.0, 1.0
    r = (math.sqrt(5) - 1) / 2
    while hi - lo > 1e-9:
        a, b = hi - r * (hi - lo), lo + r * (hi - lo)
        if Fw(a) < Fw(b):
            hi = b
        else:
            lo = a
    t = (lo + hi) / 2
    gw = t * g1 + (1 - t) * g2
    nw = float(gw.norm())
    d = (g1 + g2) / 2
    if nw > 0:
        d = d + (c * n0 / nw) * gw
    return d / (1 + c)


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(spec.get("seed", 0))
    model = Peer(spec["channels"], spec["proj"], spec["bnEpsilon"], spec["bnMomentum"])
    if "weights" in spec:
        load(model, spec["weights"])
    params = model.ordered()
    opt = torch.optim.Adam(params, lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["epsilon"])
    S = spec["size"]
    n = spec["reals"] + sum(spec["fakes"])
    if "images" in spec:
        host = torch.tensor(spec["images"], dtype=torch.float32).reshape(n, S, S, 3).numpy()
        labels = torch.tensor(spec["labels"], dtype=torch.float32)
    else:
        host = torch.rand(n, S, S, 3).numpy()
        labels = torch.tensor([0.0] * spec["reals"] + [1.0] * sum(spec["fakes"]))
    rows = [torch.tensor(r) for r in spec["rows"]]
    sizes = [p.numel() for p in params]
    ms, first, all_losses = [], None, []
    for step in range(spec["warmup"] + spec["steps"]):
        t0 = time.perf_counter()
        x = torch.from_numpy(host)
        losses = [F.binary_cross_entropy_with_logits(model(x[r]), labels[r]) for r in rows]
        all_losses.append([float(l) for l in losses])
        if first is None:
            first = all_losses[0]
        opt.zero_grad(set_to_none=True)
        if spec["method"] == "joint":
            (sum(losses) / len(losses)).backward()
        else:
            flat = []
            for l in losses:
                gs = torch.autograd.grad(l, params)
                flat.append(torch.cat([g.reshape(-1) for g in gs]))
            d = uvs_direction(flat[0], flat[1], spec["c"])
            for p, g in zip(params, torch.split(d, sizes)):
                p.grad = g.reshape(p.shape)
        opt.step()
        if step >= spec["warmup"]:
            ms.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "params": sum(sizes),
                      "firstLosses": first, "losses": all_losses, "ms": ms}))


main()
