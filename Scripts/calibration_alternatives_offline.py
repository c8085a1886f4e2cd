#!/usr/bin/env python3
"""Other ways to turn the default's recorded channel values into one score, computed offline.

Two families of alternatives, each scored exactly from an eval's runs.json (the raw channel value of an image is
z * scale + mean of its profile's calibration):
- combinations: the maximum over counted channels, a log-sum-exp at temperature 1, 2, 4, the mean of the top 2
  or 3 channels, and sum + maximum, against the default (plain sum at k = 1, softplus sum from k = 2);
- scales (k >= 2; one-reference profiles are unchanged): the floor on each channel's scale (today
  max(leave-one-out sd, 0.1 |mean|)) at 0.05-0.3, and a shrinkage of the leave-one-out variance towards
  (r |mean|)^2 with nu pseudo-samples.
Several RUNS_JSON METHOD pairs are given; the first ones up to `--` are the choice set (auxiliary categories),
printed pooled (mean over categories), the rest are printed one by one for reference.

    python3 Scripts/calibration_alternatives_offline.py AUX_RUNS METHOD [AUX_RUNS METHOD ...] -- [OTHER_RUNS METHOD ...]
"""
import json, sys
from collections import defaultdict

import numpy as np

from recipe_offline import auroc


def load(path, method, tag):
    out = []
    for run in json.load(open(path))["runs"]:
        if run["method"] != method:
            continue
        ch = run["calibration"]["channels"]
        m, s = np.array([c["mean"] for c in ch]), np.array([c["scale"] for c in ch])
        Z = np.array([q["channelZ"] for q in run["scores"]])
        out.append((tag + run["category"], run["k"], Z * s + m, m, s, [np.array(c["normalValues"]) for c in ch],
                    np.array([q["anomalous"] for q in run["scores"]]), np.array(run["calibration"]["weights"]["all"])))
    return out


def masked(Z, w):
    return np.where(w > 0, Z, -1e9)


def lse(t):
    return lambda k, Z, w: t * np.log(np.exp(np.clip(masked(Z, w) / t, -700, 700)).sum(1))


COMBINATIONS = {
    "default": lambda k, Z, w: (np.logaddexp(0, Z) if k >= 2 else Z) @ w,
    "max": lambda k, Z, w: masked(Z, w).max(1),
    "log-sum-exp t=1": lse(1.0), "log-sum-exp t=2": lse(2.0), "log-sum-exp t=4": lse(4.0),
    "top-2 mean": lambda k, Z, w: np.sort(masked(Z, w), 1)[:, -2:].mean(1),
    "top-3 mean": lambda k, Z, w: np.sort(masked(Z, w), 1)[:, -3:].mean(1),
    "sum + max": lambda k, Z, w: Z @ w + masked(Z, w).max(1),
}


def floor(r):
    return lambda k, m, s, nv: s if k == 1 else np.maximum([np.std(v, ddof=1) for v in nv], r * np.abs(m))


def shrink(r, nu):
    def scale(k, m, s, nv):
        if k == 1:
            return s
        sd = np.array([np.std(v, ddof=1) for v in nv])
        return np.sqrt((nu * (r * m) ** 2 + (k - 1) * sd ** 2) / (nu + k - 1))
    return scale


SCALES = {"default (floor 0.1)": lambda k, m, s, nv: s}
SCALES.update({f"floor {r}": floor(r) for r in (0.05, 0.15, 0.2, 0.3)})
SCALES.update({f"shrink r={r} nu={nu}": shrink(r, nu) for r in (0.1, 0.2, 0.3) for nu in (1, 2, 4)})


def table(runs, score):
    cells = defaultdict(list)
    for c, k, V, m, s, nv, y, w in runs:
        cells[(k, c)].append(auroc(score(k, V, m, s, nv, w), y))
    ks = sorted({k for k, _ in cells})
    return [100 * np.mean([np.mean(v) for (kk, _), v in cells.items() if kk == k]) for k in ks], ks


def main():
    args = sys.argv[1:]
    if "--" in args:
        cut = args.index("--")
        choice, others = args[:cut], args[cut + 1:]
    else:
        choice, others = args, []
    if not choice or len(choice) % 2 or len(others) % 2:
        sys.exit(__doc__)
    sets = [("choice set", sum((load(p, m, f"{i}:") for i, (p, m) in enumerate(zip(choice[::2], choice[1::2]))), []))]
    sets += [(p, load(p, m, "")) for p, m in zip(others[::2], others[1::2])]
    variants = {f"combination: {n}": (lambda f: lambda k, V, m, s, nv, w: f(k, (V - m) / s, w))(f) for n, f in COMBINATIONS.items()}
    variants.update({f"scale: {n}": (lambda g: lambda k, V, m, s, nv, w: COMBINATIONS["default"](k, (V - m) / g(k, m, s, nv), w))(g)
                     for n, g in SCALES.items()})
    for name, runs in sets:
        print(name)
        for vname, score in variants.items():
            row, ks = table(runs, score)
            print(f"  {vname:<34} " + "  ".join(f"k={k} {v:.2f}" for k, v in zip(ks, row)) + f"  mean {np.mean(row):.2f}")


if __name__ == "__main__":
    main()
