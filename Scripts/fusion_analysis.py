#!/usr/bin/env python3
"""Compares fusions of evidence channels offline, from one `vtfusion eval --channels` run.

Each single-channel method's image score is that channel's calibrated z (the same calibration the fused
model uses), so sums / maxima of channels can be scored without re-running the backbone. Use it on
AUXILIARY categories only (choosing a default on target categories would tune to them).

    python3 Scripts/fusion_analysis.py EVAL_DIR [--family-of DATASET/benchmark.json]
"""
import csv, itertools, json, sys
from collections import defaultdict


def auroc(pos, neg):
    if not pos or not neg:
        return float("nan")
    wins = 0.0
    for p in pos:
        for n in neg:
            wins += 1.0 if p > n else (0.5 if p == n else 0.0)
    return wins / (len(pos) * len(neg))


def main():
    path = sys.argv[1]
    families = {}
    if "--family-of" in sys.argv:
        bench = json.load(open(sys.argv[sys.argv.index("--family-of") + 1]))
        families = bench.get("families", {})
    z = defaultdict(dict)          # (category, k, seed, image) -> channel -> z
    meta = {}
    for row in csv.DictReader(open(f"{path}/image_scores.csv")):
        if not row["method"].startswith("channel "):
            continue
        key = (row["category"], row["k"], row["seed"], row["image"])
        z[key][row["method"][8:]] = float(row["score"])
        meta[key] = (row["label"] == "anomalous", row["defect"])
    channels = sorted({c for v in z.values() for c in v})
    combos = {c: (lambda v, c=c: v[c]) for c in channels}
    for a, b in itertools.combinations(channels, 2):
        combos[f"sum({a}, {b})"] = lambda v, a=a, b=b: v[a] + v[b]
        combos[f"max({a}, {b})"] = lambda v, a=a, b=b: max(v[a], v[b])
    combos["sum(all)"] = lambda v: sum(v.values())
    combos["max(all)"] = lambda v: max(v.values())
    groups = defaultdict(list)
    for key in z:
        groups[(key[0], key[1], key[2])].append(key)
    results = defaultdict(lambda: defaultdict(list))    # combo -> slice -> [auroc]
    for g, keys in groups.items():
        for name, f in combos.items():
            scores = {k: f(z[k]) for k in keys}
            neg = [scores[k] for k in keys if not meta[k][0]]
            results[name]["all"].append(auroc([scores[k] for k in keys if meta[k][0]], neg))
            for fam in set(families.values()):
                pos = [scores[k] for k in keys if meta[k][0] and families.get(meta[k][1]) == fam]
                if pos:
                    results[name][fam].append(auroc(pos, neg))
    slices = ["all"] + sorted(set(families.values()))
    print("| fusion | " + " | ".join(slices) + " | worst category-draw |")
    print("|---|" + "---|" * (len(slices) + 1))
    order = sorted(results, key=lambda n: -sum(results[n]["all"]) / len(results[n]["all"]))
    for name in order:
        r = results[name]
        cells = [f"{100 * sum(r[s]) / len(r[s]):.1f}" if r[s] else "-" for s in slices]
        print(f"| {name} | " + " | ".join(cells) + f" | {100 * min(r['all']):.1f} |")


if __name__ == "__main__":
    main()
