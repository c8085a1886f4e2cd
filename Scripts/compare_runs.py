#!/usr/bin/env python3
"""Mean-of-seeds comparison of methods from one or more `vtfusion eval` runs.json files.

For each (method, k): image AUROC over all defects, over the local and the global families (good test images
against that family's defects), and pixel AUPRO, each the mean over categories of the per-category mean over
seeds, and pixel AUROC; then, per category, the first method's image AUROC against the best other method.
Runs are pooled over the files; a (method, category, k, seed) found in several files is taken from the first
(so a re-run can be listed before an older run that also has it).

    python3 Scripts/compare_runs.py RUNS.json [RUNS.json ...]
"""
import json, sys
from collections import defaultdict


def auroc(pos, neg):
    if not pos or not neg:
        return float("nan")
    wins = sum(1.0 if p > n else (0.5 if p == n else 0.0) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def mean(v):
    v = [x for x in v if x == x]
    return sum(v) / len(v) if v else float("nan")


def main(paths):
    per = defaultdict(lambda: defaultdict(list))      # (method, k) -> (category, slice) -> values over seeds
    seen = set()
    order = []
    for path in paths:
        report = json.load(open(path))
        families = report.get("families", {})
        for run in report["runs"]:
            m = run["method"]
            if (m, run["category"], run["k"], run["seed"]) in seen:
                continue
            seen.add((m, run["category"], run["k"], run["seed"]))
            if m not in order:
                order.append(m)
            s = run["scores"]
            neg = [x["score"] for x in s if not x["anomalous"]]
            key = (m, run["k"])
            per[key][(run["category"], "all")].append(auroc([x["score"] for x in s if x["anomalous"]], neg))
            for fam in ("local", "global"):
                pos = [x["score"] for x in s if x["anomalous"] and families.get(x["defect"]) == fam]
                if pos:
                    per[key][(run["category"], fam)].append(auroc(pos, neg))
            if run.get("pixel"):
                per[key][(run["category"], "aupro")].append(run["pixel"]["aupro"])
                per[key][(run["category"], "pixel auroc")].append(run["pixel"]["auroc"])
    shots = sorted({k for (_, k) in per})
    print("| method | k | seeds per category | image AUROC | local families | global families | pixel AUPRO | pixel AUROC |")
    print("|---|---|---|---|---|---|---|---|")
    for k in shots:
        for m in order:
            d = per.get((m, k))
            if not d:
                continue
            cells = [100 * mean([mean(v) for (c, sl), v in d.items() if sl == s]) for s in ("all", "local", "global", "aupro", "pixel auroc")]
            seeds = sorted({len(v) for (c, sl), v in d.items() if sl == "all"})
            print(f"| {m} | {k} | {'/'.join(map(str, seeds))} | " + " | ".join(f"{x:.1f}" for x in cells) + " |")
    first = order[0]
    print(f"\nPer category, image AUROC of {first} minus the best other method (mean over seeds):\n")
    cats = sorted({c for d in per.values() for (c, sl) in d if sl == "all"})
    print("| category | " + " | ".join(f"k={k}" for k in shots) + " |")
    print("|---|" + "---|" * len(shots))
    for c in cats:
        row = []
        for k in shots:
            mine = mean(per[(first, k)].get((c, "all"), []))
            others = [mean(per[(m, k)].get((c, "all"), [])) for m in order[1:] if (m, k) in per]
            best = max([o for o in others if o == o], default=float("nan"))
            row.append(f"{100 * (mine - best):+.1f}")
        print(f"| {c} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
