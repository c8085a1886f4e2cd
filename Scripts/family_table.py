#!/usr/bin/env python3
"""Image AUROC per defect family (benchmark v2) of several methods, from eval runs.json files, as `eval` writes
families.md (per run: the good images against that family's defects; mean over seeds, then over categories), but
for runs split over several output folders (e.g. one per seed). The first method is printed per k, the others as
k=1 / 2 / 4; the last line lists where the first method is below the best of the methods named --baseline.

    python3 Scripts/family_table.py LABEL=RUNS[,RUNS...]:METHOD [...] --baseline LABEL [--baseline LABEL]
    e.g. "new=/tmp/c7-tgt-s02/runs.json,/tmp/c7-tgt-s1/runs.json:vtfusion" "anomalydino=/tmp/eval-target-base/runs.json:anomalydino"
"""
import json, sys
from collections import defaultdict

import numpy as np

from recipe_offline import auroc


def cells(paths, method):
    out, fams = defaultdict(list), {}
    for p in paths:
        report = json.load(open(p))
        fams.update(report["families"])
        for run in report["runs"]:
            if run["method"] != method:
                continue
            s = np.array([q["score"] for q in run["scores"]])
            y = np.array([q["anomalous"] for q in run["scores"]])
            d = np.array([q.get("defect") if q["anomalous"] else "" for q in run["scores"]])
            for f in report["families"]:
                if (d == f).any():
                    m = (~y) | (d == f)
                    out[(f, run["k"], run["category"])].append(auroc(s[m], y[m]))
            for kind in ("local", "global"):
                m = (~y) | np.array([fams.get(x, "") == kind for x in d])
                out[("all " + kind, run["k"], run["category"])].append(auroc(s[m], y[m]))
    return out, fams


def mean(c, f, k):
    return 100 * np.mean([np.mean(v) for (ff, kk, _), v in c.items() if ff == f and kk == k])


def main():
    args, baselines = [], []
    it = iter(sys.argv[1:])
    for a in it:
        if a == "--baseline":
            baselines.append(next(it))
        else:
            args.append(a)
    if not args:
        sys.exit(__doc__)
    methods, fams = [], {}
    for a in args:
        label, rest = a.split("=", 1)
        paths, method = rest.rsplit(":", 1)
        c, f = cells(paths.split(","), method)
        methods.append((label, c))
        fams.update(f)
    ks = (1, 2, 4)
    print(f"| defect family (kind) | {methods[0][0]}, k=1 | k=2 | k=4 | " + " | ".join(f"{l}, k=1 / 2 / 4" for l, _ in methods[1:]) + " |")
    print("|---|---|---|---|" + "---|" * (len(methods) - 1))
    rows = [(f, f"{f} ({fams[f]})") for f in sorted(fams)] + [("all local", "all local"), ("all global", "all global")]
    below = []
    for f, label in rows:
        first = [mean(methods[0][1], f, k) for k in ks]
        print(f"| {label} | " + " | ".join(f"{v:.1f}" for v in first) + " | "
              + " | ".join(" / ".join(f"{mean(c, f, k):.1f}" for k in ks) for _, c in methods[1:]) + " |")
        for v, k in zip(first, ks):
            best = max((mean(c, f, k) for l, c in methods if l in baselines), default=float("-inf"))
            if v < best:
                below.append(f"{f} at k={k} ({v - best:+.1f})")
    if baselines:
        print(f"\n{methods[0][0]} below the best of {', '.join(baselines)}: " + (", ".join(below) or "nowhere"))


if __name__ == "__main__":
    main()
