#!/usr/bin/env python3
"""Leave-category-out test of a learned residual fusion on the default's image-level evidence.

The head is the issue's item 3 in its simplest residual form: score = default score + beta . phi(z), where phi
are per-image features of the recorded channel z (each counted channel's z, softplus(z), z clipped at -3 and
the largest z) and beta starts at 0, so at initialisation it is the training-free default exactly. beta is
trained with a pairwise logistic (AUROC) loss over every anomalous/good pair of each run, scores scaled per run,
plus an L2 pull towards 0 (lambda). Each auxiliary category is left out in turn: beta is fitted on the others
(every k together) and scored on it. Printed per lambda and step count: image AUROC per k, mean over the
left-out categories of the mean over seeds, against the default (beta = 0).

    python3 Scripts/fusion_residual_lco.py RUNS_JSON METHOD [RUNS_JSON METHOD ...]
    e.g. /tmp/eval-aux-soft/runs.json vtfusion /tmp/eval-v1-aux-soft/runs.json vtfusion
"""
import json, sys
from collections import defaultdict

import numpy as np

from recipe_offline import auroc


def base(k, Z, w):
    """The default's score: softplus of z from two references on (EvidenceSpec.softplusFromReferences)."""
    return (np.logaddexp(0, Z) if k >= 2 else Z) @ w


def features(k, Z, w):
    keep = w > 0
    Zk = np.where(keep, Z, 0.0)
    return np.hstack([Zk, np.where(keep, np.logaddexp(0, Z), 0.0), np.where(keep, Z, -1e9).max(1, keepdims=True),
                      np.clip(Zk, -3, None)])


def prepared(runs):
    out = []
    for _, k, Z, y, w in runs:
        b = base(k, Z, w)
        s = np.std(b) + 1e-9
        out.append((features(k, Z, w) / s, b / s, y))
    return out


def fit(runs, lam, steps, lr=0.05):
    data = prepared(runs)
    beta = np.zeros(data[0][0].shape[1])
    for _ in range(steps):
        g = np.zeros_like(beta)
        for F, b, y in data:
            s = b + F @ beta
            diff = s[y][:, None] - s[~y][None, :]
            p = 1 / (1 + np.exp(np.clip(diff, -30, 30)))
            g -= (p[:, :, None] * (F[y][:, None, :] - F[~y][None, :, :])).mean((0, 1))
        beta -= lr * (g / len(data) + lam * beta)
    return beta


def main():
    args = sys.argv[1:]
    if len(args) < 2 or len(args) % 2:
        sys.exit(__doc__)
    runs = []
    for b, (path, method) in enumerate(zip(args[::2], args[1::2])):
        for run in json.load(open(path))["runs"]:
            if run["method"] != method:
                continue
            Z = np.array([s["channelZ"] for s in run["scores"]])
            y = np.array([s["anomalous"] for s in run["scores"]])
            runs.append((f"{b}:{run['category']}", run["k"], Z, y, np.array(run["calibration"]["weights"]["all"])))
    categories = sorted({r[0] for r in runs})
    ks = sorted({r[1] for r in runs})
    print(f"{len(categories)} categories, {len(runs)} runs; image AUROC per k, learned residual vs default (beta = 0)")
    for lam in (1.0, 0.1, 0.01):
        for steps in (100, 400):
            cells, ref = defaultdict(list), defaultdict(list)
            for c in categories:
                beta = fit([r for r in runs if r[0] != c], lam, steps)
                for _, k, Z, y, w in (r for r in runs if r[0] == c):
                    b = base(k, Z, w)
                    cells[(k, c)].append(auroc(b / (np.std(b) + 1e-9) + features(k, Z, w) / (np.std(b) + 1e-9) @ beta, y))
                    ref[(k, c)].append(auroc(b, y))
            row = []
            for k in ks:
                a = 100 * np.mean([np.mean(v) for (kk, _), v in cells.items() if kk == k])
                d = 100 * np.mean([np.mean(v) for (kk, _), v in ref.items() if kk == k])
                row.append(f"k={k} {a:.2f} vs {d:.2f}")
            print(f"lambda {lam:<5} steps {steps:<4} " + " | ".join(row))


if __name__ == "__main__":
    main()
