#!/usr/bin/env python3
"""Image AUROC of recipes that keep a subset of an evaluated method's channels, computed offline.

A recipe's score is the equal-weight sum of the calibrated z of the channels it keeps (channel z depend only on
their own bank and normal samples), so any subset of a run's channels can be scored from its runs.json without
a new run. A recipe may keep other channels on object categories (benchmark v2 names them `..._obj_...`; every
one of them is recognised and masked as an object, no surface is) than on surfaces. Channels that sit out
one-reference profiles are given with --k1-skip. With --softplus-from K, from K references on each kept z enters
the sum as log(1 + e^z) (``EvidenceSpec.softplusFromReferences``). With --family-max LOCAL, a recipe's score is instead the larger
of the mean z of its kept channels in LOCAL and the mean z of its other kept channels (a per-family maximum,
`EvidenceCombination.familyMax` with equal weights). Prints per k image AUROC / local / global families (mean over
categories of the mean over seeds), the mean over k, and with --per-category each recipe minus the first.

    python3 Scripts/recipe_offline.py RUNS_JSON METHOD NAME=SURFACE/OBJECT [NAME=SURFACE/OBJECT ...] [--k1-skip 3] [--softplus-from 2]
    e.g. default=0.1.2.3.4/0.1.2.3.4 mid9-objects=0.1.2.3.4.6/0.1.2.4.6
"""
import argparse, json
from collections import defaultdict

import numpy as np


def auroc(s, y):
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return np.nan
    d = pos[:, None] - neg[None, :]
    return ((d > 0).sum() + 0.5 * (d == 0).sum()) / d.size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", help="runs.json of one eval, or several (of one benchmark, e.g. one per seed) joined by commas")
    ap.add_argument("method")
    ap.add_argument("recipes", nargs="+")
    ap.add_argument("--k1-skip", default="3", help="channels weighing 0 with one reference (comma-separated)")
    ap.add_argument("--per-category", action="store_true")
    ap.add_argument("--family-max", default="", help="channels of the local family (comma-separated)")
    ap.add_argument("--softplus-from", type=int, default=0,
                    help="from this k on, each kept z enters the sum as log(1 + e^z) (0 = never; the default recipe: 2)")
    args = ap.parse_args()
    k1_skip = {int(c) for c in args.k1_skip.split(",") if c}
    local = {int(c) for c in args.family_max.split(",") if c}
    reports = [json.load(open(path)) for path in args.runs.split(",")]   # several runs.json of one benchmark (seeds)
    families = {f: kind for r in reports for f, kind in r.get("families", {}).items()}
    groups = defaultdict(list)
    for run in (run for r in reports for run in r["runs"]):
        if run["method"] == args.method:
            for s in run["scores"]:
                groups[(run["category"], run["k"], run["seed"])].append(
                    (s["channelZ"], s["anomalous"], families.get(s.get("defect")) if s["anomalous"] else None))
    per_category = {}
    for recipe in args.recipes:
        name, spec = recipe.split("=")
        surface, obj = ([int(c) for c in part.split(".")] for part in spec.split("/"))
        cells = []
        for k in sorted({g[1] for g in groups}):
            per = defaultdict(lambda: defaultdict(list))
            for (c, kk, seed), items in groups.items():
                if kk != k:
                    continue
                keep = [i for i in (obj if "_obj_" in c else surface) if not (k == 1 and i in k1_skip)]
                Z = np.array([i[0] for i in items]); y = np.array([i[1] for i in items])
                fam = np.array([str(i[2]) for i in items])
                if local:
                    a, b = [i for i in keep if i in local], [i for i in keep if i not in local]
                    s = np.maximum(Z[:, a].mean(1), Z[:, b].mean(1))
                elif args.softplus_from and k >= args.softplus_from:
                    s = np.logaddexp(0, Z[:, keep]).sum(1)
                else:
                    s = Z[:, keep].sum(1)
                per[c]["all"].append(auroc(s, y))
                for f in ("local", "global"):
                    m = (~y) | (fam == f)
                    per[c][f].append(auroc(s[m], y[m]))
            cells.append((k, [100 * np.nanmean([np.mean(per[c][sl]) for c in per]) for sl in ("all", "local", "global")]))
            per_category[(name, k)] = {c: 100 * np.mean(per[c]["all"]) for c in per}
        print("%-16s %s   mean over k %.2f" % (name, "   ".join("k=%d %.1f / %.1f / %.1f" % (k, *v) for k, v in cells),
                                             np.mean([v[0] for _, v in cells])))
    if args.per_category:
        first = args.recipes[0].split("=")[0]
        for recipe in args.recipes[1:]:
            name = recipe.split("=")[0]
            for (n, k), cats in sorted(per_category.items()):
                if n == name:
                    print(name, "k=%d" % k, " ".join("%s %+.1f" % (c[:3], v - per_category[(first, k)][c]) for c, v in sorted(cats.items())))


if __name__ == "__main__":
    main()
