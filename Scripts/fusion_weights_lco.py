#!/usr/bin/env python3
"""Does a learned channel fusion generalise to new categories? Leave-category-out on an eval run.

For each k and each held-out category, the channel weights (every vector on a grid of 0, 0.5, 1, 1.5, 2 per
channel) that give the best mean image AUROC on the other categories are applied to the held-out one, against
the default's equal weights. Channels that sit out a profile (z recorded but weight 0, e.g. the mean distance at
k = 1) are given with --skip K:CHANNEL. Prints per-category and mean image AUROC (mean over seeds).

    python3 Scripts/fusion_weights_lco.py RUNS_JSON METHOD [--skip 1:3]
"""
import argparse, itertools, json
from collections import defaultdict

import numpy as np


def group_auroc(W, Z, y):
    """Image AUROC of every weight vector (rows of W) on one (category, k, seed) group."""
    S = W @ Z.T
    pos, neg = S[:, y], S[:, ~y]
    d = pos[:, :, None] - neg[:, None, :]
    return ((d > 0).sum((1, 2)) + 0.5 * (d == 0).sum((1, 2))) / (pos.shape[1] * neg.shape[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs")
    ap.add_argument("method")
    ap.add_argument("--skip", action="append", default=[], help="K:CHANNEL that weighs 0 in profiles of K references")
    args = ap.parse_args()
    skip = defaultdict(set)
    for s in args.skip:
        k, c = s.split(":")
        skip[int(k)].add(int(c))
    groups = defaultdict(list)
    for run in json.load(open(args.runs))["runs"]:
        if run["method"] == args.method:
            for s in run["scores"]:
                groups[(run["k"], run["category"], run["seed"])].append((s["channelZ"], s["anomalous"]))
    n = len(next(iter(groups.values()))[0][0])
    grid = np.array(list(itertools.product([0, 0.5, 1, 1.5, 2], repeat=n)), dtype=float)
    for k in sorted({g[0] for g in groups}):
        W = grid.copy()
        for c in skip[k]:
            W = W[W[:, c] == 0]
        W = W[W.sum(1) > 0]
        equal = np.where(np.array([all(w[c] == (0 if c in skip[k] else 1) for c in range(n)) for w in W]))[0][0]
        cats = sorted({g[1] for g in groups if g[0] == k})
        per = {c: np.mean([group_auroc(W, np.array([i[0] for i in it]), np.array([i[1] for i in it]))
                           for g, it in groups.items() if g[0] == k and g[1] == c], axis=0) for c in cats}
        learned, base = [], []
        for c in cats:
            best = np.argmax(np.mean([per[o] for o in cats if o != c], axis=0))
            learned.append(per[c][best]); base.append(per[c][equal])
            print("k=%d %-34s equal %.1f  learned %.1f  weights %s" % (k, c[:34], 100 * per[c][equal], 100 * per[c][best], W[best]))
        print("k=%d mean: equal weights %.1f, weights learned on the other categories %.1f" % (k, 100 * np.mean(base), 100 * np.mean(learned)))


if __name__ == "__main__":
    main()
