#!/usr/bin/env python3
"""Image AUROC of other ways to combine an evaluated method's calibrated channel z, computed offline.

Each run's score is recomputed from its recorded per-image channel z and the profile's weights
(`calibration.weights.all`) as sum_c w_c f(z_c) for each candidate f (the plain sum is f(z) = z, what the eval
scored; softplus is log(1 + e^z), `EvidenceSpec.softplusFromReferences`). Several RUNS_JSON METHOD pairs are
pooled: per k the mean over every category of the mean over seeds, then per k and seed, so a choice can be
checked for consistency.

With --oracle it also prints, per k, the channels standardised by each run's own GOOD TEST images (an oracle no
profile has: the headroom of a better per-profile calibration, as `calibration_headroom.py` and
`spread_prior_lco.py` measured per family and per channel in earlier rounds) combined by sum, softplus and the
maximum over channels, and a recalibration fitted across categories (per k and channel, the median offset and
spread of good test images' z on the other categories, each category left out in turn). With --learned-shares
it rescores each run with weights (1 - s) prior + s learned, the learned part from the profile's recorded
synthetic anomalies (`EvidenceSpec.learnedWeightShare`; prior = equal weights on the channels that count).

    python3 Scripts/combination_offline.py RUNS_JSON METHOD [RUNS_JSON METHOD ...] [--oracle] [--learned-shares]
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


def mean_by_k(cells, name, ks):
    return [100 * np.nanmean([np.mean(v) for (n, k, _), v in cells.items() if n == name and k == kk]) for kk in ks]


def oracle(runs, ks):
    """Oracle standardisation and the leave-category-out recalibration; runs: (category, k, w, Z, y)."""
    combine = {"sum": lambda O: O.sum(1), "softplus": lambda O: np.logaddexp(0, O).sum(1), "max": lambda O: O.max(1)}
    cells = defaultdict(list)
    for c, k, w, Z, y in runs:
        keep = w > 0
        O = ((Z - Z[~y].mean(0)) / (Z[~y].std(0) + 1e-9))[:, keep]
        for n, f in combine.items():
            cells[("oracle " + n, k, c)].append(auroc(f(O), y))
        held = [r for r in runs if r[0] != c and r[1] == k]
        mu = np.median([r[3][~r[4]].mean(0) for r in held], 0)
        sd = np.median([r[3][~r[4]].std(0) for r in held], 0)
        R = ((Z - mu) / np.maximum(sd, 1e-6))[:, keep]
        for n, f in combine.items():
            cells[("recalibrated " + n, k, c)].append(auroc(f(R), y))
    print("\nper-channel standardisation (image AUROC, mean over categories):")
    for name in sorted({n for n, _, _ in cells}):
        print(f"{name:<22} " + "  ".join(f"k={k} {v:.2f}" for k, v in zip(ks, mean_by_k(cells, name, ks))))
    print("\noracle sum per category (mean over seeds):")
    for k in ks:
        print(f"k={k} " + "  ".join(f"{c} {100 * np.mean(v):.1f}" for (n, kk, c), v in sorted(cells.items())
                                    if n == "oracle sum" and kk == k))


def learned_shares(raw, ks):
    """raw: (category, k, channels, Z, y, recorded weights)."""
    cells = defaultdict(list)
    for c, k, chans, Z, y, w in raw:
        prior = (w > 0).astype(float)
        prior /= prior.sum()
        learned = np.array([max(0.0, ch["syntheticZ"].get("all", 0.0)) for ch in chans]) * (prior > 0)
        for share in (0, 0.1, 0.25, 0.5, 0.75, 1.0):
            ws = prior if learned.sum() <= 0 else (1 - share) * prior + share * learned / learned.sum()
            cells[(f"share {share}", k, c)].append(auroc(Z @ ws, y))
    for family in ("local", "global"):
        z = np.array([[ch["syntheticZ"].get(family, np.nan) for ch in r[2]] for r in raw])
        print(f"median synthetic z, {family} family, per channel: " + " ".join(f"{v:.1f}" for v in np.nanmedian(z, 0)))
    print("\nlearned channel weights from the profiles' synthetic anomalies (plain sum):")
    for name in sorted({n for n, _, _ in cells}):
        print(f"{name:<10} " + "  ".join(f"k={k} {v:.2f}" for k, v in zip(ks, mean_by_k(cells, name, ks))))


def main():
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 2 or len(args) % 2 or flags - {"--oracle", "--learned-shares"}:
        sys.exit(__doc__)
    cells = defaultdict(list)   # (candidate, k, category) -> per-seed AUROC
    seeds = defaultdict(list)   # (candidate, k, seed, benchmark) -> per-category AUROC
    runs, raw = [], []
    for b, (path, method) in enumerate(zip(args[::2], args[1::2])):
        for run in json.load(open(path))["runs"]:
            if run["method"] != method:
                continue
            w = np.array(run["calibration"]["weights"]["all"])
            Z = np.array([s["channelZ"] for s in run["scores"]])
            y = np.array([s["anomalous"] for s in run["scores"]])
            runs.append((f"{b}:{run['category']}", run["k"], w, Z, y))
            raw.append((f"{b}:{run['category']}", run["k"], run["calibration"]["channels"], Z, y, w))
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
    if "--oracle" in flags:
        oracle(runs, ks)
    if "--learned-shares" in flags:
        learned_shares(raw, ks)


if __name__ == "__main__":
    main()
