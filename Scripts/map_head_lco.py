#!/usr/bin/env python3
"""Does a trained map head (a small residual conv net over the calibrated channel z maps) carry to a
category it has not seen? Leave-category-out on the maps dumped by

    VTFUSION_DUMP_CHANNEL_MAPS=DIR vtfusion eval --dataset mvtec:BENCH --auxiliary-only ...

(`ProtocolRunner.dumpChannelMaps`: per run `[N, channels + 2, size/4, size/4]` = each map channel's z, the default's
combined map, the ground truth). For each left-out category a net is trained on the others' images (every k and
seed) and scored on the left-out one: pixel AUPRO (FPR <= 0.3, MVTec's definition, at the dump's resolution,
after the eval's smoothing) and pixel AUROC, per (k, seed) run, against the default's map in the same frame.
The head's output is `default map + g(z maps)`, g's last layer starting at 0, so step 0 is the default exactly.

With `--base 0,3` the residual starts from the mean of those channel z maps (the map the standard recipe draws
since 2026-12-08: the 448 px and 224 px block-9 channels) instead of the map the profile drew.

Usage: map_head_lco.py DIR [DIR ...] [--steps N] [--l2 X] [--width W] [--no-context] [--base I,J]
Development only (needs torch).
"""
import argparse
import glob
import json
import os
import re
import sys

import numpy as np
from scipy import ndimage


def load(dirs):
    runs = []
    for d in dirs:
        for p in sorted(glob.glob(os.path.join(d, "*.npy"))):
            name = os.path.basename(p)[:-4]
            m = re.match(r"(.+)_(c\d\d_.+)_k(\d+)_s(\d+)$", name)
            if not m:
                continue
            x = np.load(p)
            meta = json.load(open(p[:-4] + ".json"))
            runs.append(dict(method=m.group(1), category=m.group(2), k=int(m.group(3)), seed=int(m.group(4)),
                             x=x, labels=np.array(meta["labels"]), scores=np.array(meta["scores"])))
    return runs


def aupro(maps, masks, limit=0.3):
    """MVTec AUPRO over a run's images (maps, masks: [N, H, W])."""
    region_weight = np.zeros(masks.shape, dtype=np.float64)
    regions = 0
    labelled = []
    for i in range(len(masks)):
        lab, n = ndimage.label(masks[i] > 0.5)
        labelled.append((lab, n))
        regions += n
    if regions == 0:
        return None
    for i, (lab, n) in enumerate(labelled):
        for r in range(1, n + 1):
            sel = lab == r
            region_weight[i][sel] = 1.0 / (sel.sum() * regions)
    normal = (masks <= 0.5).astype(np.float64)
    s = maps.ravel()
    order = np.argsort(-s, kind="stable")
    s = s[order]
    fpr = np.cumsum(normal.ravel()[order]) / normal.sum()
    pro = np.cumsum(region_weight.ravel()[order])
    last = np.r_[s[1:] != s[:-1], True]
    x = np.r_[0.0, np.minimum(fpr[last], 1), 1.0]
    y = np.r_[0.0, np.minimum(pro[last], 1), 1.0]
    keep = x <= limit
    area = np.trapezoid(y[keep], x[keep])
    j = keep.sum()
    if j < len(x):
        xl, yl = x[j - 1], y[j - 1]
        yat = yl + (y[j] - yl) * (limit - xl) / max(x[j] - xl, 1e-12)
        area += 0.5 * (yat + yl) * (limit - xl)
    return area / limit


def pixel_auroc(maps, masks):
    from scipy.stats import rankdata
    y = (masks > 0.5).ravel()
    if y.all() or not y.any():
        return None
    r = rankdata(maps.ravel())
    npos = y.sum()
    return (r[y].sum() - npos * (npos + 1) / 2) / (npos * (len(y) - npos))


def smooth(m, sigma=1.0):
    return np.stack([ndimage.gaussian_filter(a, sigma) for a in m])


CONTEXT = True
BATCH = 64
BASE = None


def base_map(x):
    """The map the residual starts from `[N, H, W]`: the drawn map, or the mean of the --base channels."""
    return x[:, -2] if BASE is None else x[:, BASE].mean(axis=1)


def features(x):
    """Net input: each channel z and the default map, squashed to sign * log1p(|v|), and (with CONTEXT) each
    squashed plane's mean and maximum over the image as constant planes, so the head can tell one image's level
    from another's."""
    v = x[:, :-1]
    v = np.sign(v) * np.log1p(np.abs(v))
    if not CONTEXT:
        return v
    mean = np.broadcast_to(v.mean(axis=(2, 3), keepdims=True), v.shape)
    peak = np.broadcast_to(v.max(axis=(2, 3), keepdims=True), v.shape)
    return np.concatenate([v, mean, peak], axis=1)


def train(runs, steps, l2, width, seed=0):
    import torch
    torch.manual_seed(seed)
    X = torch.tensor(np.concatenate([features(r["x"]) for r in runs]), dtype=torch.float32)
    D = torch.tensor(np.concatenate([base_map(r["x"])[:, None] for r in runs]), dtype=torch.float32)
    Y = torch.tensor(np.concatenate([r["x"][:, -1:] for r in runs]), dtype=torch.float32)
    c = X.shape[1]
    g = torch.nn.Sequential(torch.nn.Conv2d(c, width, 3, padding=1), torch.nn.ReLU(),
                            torch.nn.Conv2d(width, width, 3, padding=2, dilation=2), torch.nn.ReLU(),
                            torch.nn.Conv2d(width, 1, 1))
    torch.nn.init.zeros_(g[-1].weight)
    torch.nn.init.zeros_(g[-1].bias)
    a = torch.nn.Parameter(torch.tensor(1.0))
    b = torch.nn.Parameter(torch.tensor(-4.0))
    opt = torch.optim.Adam(list(g.parameters()) + [a, b], lr=3e-3)
    pos = Y.mean().clamp(min=1e-4)
    for step in range(steps):
        idx = torch.randint(0, X.shape[0], (min(BATCH, X.shape[0]),))
        out = D[idx] + g(X[idx])
        logit = a * out + b
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, Y[idx], pos_weight=(1 - pos) / pos)
        loss = loss + l2 * g(X[idx]).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return g


def apply(g, r):
    import torch
    with torch.no_grad():
        X = torch.tensor(features(r["x"]), dtype=torch.float32)
        return base_map(r["x"]) + g(X)[:, 0].numpy()


def main():
    import torch
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--l2", type=float, default=0.0)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--no-context", action="store_true")
    ap.add_argument("--base", default=None)
    args = ap.parse_args()
    global CONTEXT, BASE
    CONTEXT = not args.no_context
    BASE = [int(i) for i in args.base.split(",")] if args.base else None
    runs = [r for r in load(args.dirs) if r["method"].startswith("vtfusion")]
    cats = sorted({r["category"] for r in runs})
    ks = sorted({r["k"] for r in runs})
    print(f"{len(runs)} runs, categories {cats}")
    table = {}  # (cat, k) -> [base aupro, head aupro, base auroc, head auroc] lists
    for cat in cats:
        train_runs = [r for r in runs if r["category"] != cat]
        g = train(train_runs, args.steps, args.l2, args.width)
        for r in runs:
            if r["category"] != cat:
                continue
            masks = r["x"][:, -1]
            base = smooth(base_map(r["x"]))
            head = smooth(apply(g, r))
            vals = [aupro(base, masks), aupro(head, masks), pixel_auroc(base, masks), pixel_auroc(head, masks)]
            if vals[0] is None:
                continue
            table.setdefault((cat, r["k"]), []).append(vals)
        row = [np.mean(table[(cat, k)], axis=0) for k in ks if (cat, k) in table]
        print(cat, " ".join(f"k={k}: AUPRO {v[0]*100:.1f}->{v[1]*100:.1f} pixAUROC {v[2]*100:.1f}->{v[3]*100:.1f}"
                            for k, v in zip(ks, row)), flush=True)
    for k in ks:
        v = np.mean([np.mean(table[(c, k)], axis=0) for c in cats if (c, k) in table], axis=0)
        print(f"mean k={k}: AUPRO {v[0]*100:.2f} -> {v[1]*100:.2f}; pixel AUROC {v[2]*100:.2f} -> {v[3]*100:.2f}")


if __name__ == "__main__":
    sys.exit(main())
