#!/usr/bin/env python3
"""Image AUROC of other ways to combine an evaluated method's calibrated channel z, computed offline.

Each run's score is recomputed from its recorded per-image channel z and the profile's weights
(`calibration.weights.all`) as sum_c w_c f(z_c) for each candidate f (the plain sum is f(z) = z, what the eval
scored; softplus is log(1 + e^z), `EvidenceSpec.softplusFromReferences`). Several RUNS_JSON METHOD pairs are
pooled: per k the mean over every category of the mean over seeds, then per k and seed, so a choice can be
checked for consistency.

    python3 Scripts/combination_offline.py RUNS_JSON METHOD [RUNS_JSON METHOD ...]
"""
import json, sys
from collections import defaultdict

import numpy as np

from recipe_offline import auroc   # the same pairwise image AUROC (ties count half)

CANDIDATES = {
    "sum": lambda z: z,
    "softplus": lambda z: np.logaddexp(0, z),
    "clip at -1": lambda z: np.maximum(z, -1),
    "clip at 0": lambda z: np.maximum(z, 0),
    "clip at -2": lambda z: np.maximum(z, -2),
}


def main():
    args = sys.argv[1:]
    if len(args) < 2 or len(args) % 2:
        sys.exit(__doc__)
    cells = defaultdict(list)   # (candidate, k, category) -> per-seed AUROC
    seeds = defaultdict(list)   # (candidate, k, seed, benchmark) -> per-category AUROC
    for b, (path, method) in enumerate(zip(args[::2], args[1::2])):
        for run in json.load(open(path))["runs"]:
            if run["method"] != method:
                continue
            w = np.array(run["calibration"]["weights"]["all"])
            Z = np.array([s["channelZ"] for s in run["scores"]])
            y = np.array([s["anomalous"] for s in run["scores"]])
            for name, f in CANDIDATES.items():
                a = auroc(f(Z) @ w, y)
                cells[(name, run["k"], f"{b}:{run['category']}")].append(a)
                seeds[(name, run["k"], run["seed"], b)].append(a)
    ks = sorted({k for _, k, _ in cells})
    print("candidate    " + "  ".join(f"k={k:<5}" for k in ks) + "  mean")
    for name in CANDIDATES:
        row = [100 * np.nanmean([np.mean(v) for (n, k, _), v in cells.items() if n == name and k == kk]) for kk in ks]
        print(f"{name:<12} " + "  ".join(f"{v:7.2f}" for v in row) + f"  {np.mean(row):.2f}")
    print("\nper benchmark (in the order given), k and seed, minus the plain sum:")
    for name in list(CANDIDATES)[1:]:
        parts = []
        for (n, k, seed, b), v in sorted(seeds.items()):
            if n == name:
                parts.append(f"b{b} k{k} s{seed} {100 * (np.nanmean(v) - np.nanmean(seeds[('sum', k, seed, b)])):+.1f}")
        print(f"{name:<12} " + "  ".join(parts))


if __name__ == "__main__":
    main()
