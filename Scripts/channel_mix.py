#!/usr/bin/env python3
"""Image AUROC of a recipe whose channels come from two evaluated methods, computed offline from an eval run.

Each channel of the default recipe is calibrated on its own (its z depends only on its own bank and normal
samples), and the score is the equal-weight sum of the channel z. So a recipe that reads channels LOCAL
(indices) from method A and the others from method B (e.g. reference views on the 448 px local channels
only) scores exactly sum(z_A[LOCAL]) + sum(z_B[others]) per image: no new run is needed.
Prints, per k, image AUROC / local families / global families (mean over categories of the mean over seeds)
for A, B and the mix, and the mix per category.

    python3 Scripts/channel_mix.py RUNS_JSON --a "vtfusion (rotations-45)" --b vtfusion --channels-from-a 0,1
"""
import argparse, json
from collections import defaultdict

from compare_runs import auroc, mean   # the same AUROC and mean as the comparison tables


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--channels-from-a", required=True)
    args = ap.parse_args()
    from_a = {int(i) for i in args.channels_from_a.split(",")}
    scores = {}      # (method, category, k, seed, image) -> (z, defect)
    families = {}
    for path in args.runs:
        report = json.load(open(path))
        families.update(report.get("families", {}))
        for run in report["runs"]:
            for s in run["scores"]:
                key = (s["method"], s["category"], s["k"], s["seed"], s["image"])
                scores.setdefault(key, (s["channelZ"], s["defect"] if s["anomalous"] else None))
    mix = {}
    for (m, c, k, seed, image), (z, defect) in scores.items():
        if m != args.b or (args.a, c, k, seed, image) not in scores:
            continue
        za = scores[(args.a, c, k, seed, image)][0]
        mix[(c, k, seed, image)] = (sum(za[i] if i in from_a else z[i] for i in range(len(z))), defect)
    def table(get):
        per = defaultdict(lambda: defaultdict(list))      # k -> (category, slice) -> per seed
        groups = defaultdict(list)
        for (c, k, seed, image), (score, defect) in get.items():
            groups[(c, k, seed)].append((score, defect))
        for (c, k, seed), items in groups.items():
            good = [s for s, d in items if d is None]
            for name, keep in [("all", lambda d: d is not None), ("local", lambda d: d and families.get(d) == "local"),
                               ("global", lambda d: d and families.get(d) == "global")]:
                per[k][(c, name)].append(auroc([s for s, d in items if keep(d)], good))
        return per
    def single(method):
        return {(c, k, seed, image): (sum(z), d) for (m, c, k, seed, image), (z, d) in scores.items() if m == method
                and (c, k, seed, image) in mix}
    rows = {"A: " + args.a: table(single(args.a)), "B: " + args.b: table(single(args.b)), "mix": table(mix)}
    print("| recipe | k | image AUROC | local | global |\n|---|---|---|---|---|")
    for k in sorted(rows["mix"]):
        for name, per in rows.items():
            cats = sorted({c for c, _ in per[k]})
            cells = [100 * mean([mean(per[k][(c, s)]) for c in cats]) for s in ["all", "local", "global"]]
            print("| %s | %d | %.1f | %.1f | %.1f |" % (name, k, *cells))
    print("\nper category, mix minus B / mix minus A (image AUROC):")
    for k in sorted(rows["mix"]):
        cats = sorted({c for c, _ in rows["mix"][k]})
        for c in cats:
            m, a, b = (100 * mean(rows[n][k][(c, "all")]) for n in ["mix", "A: " + args.a, "B: " + args.b])
            print("k=%d %-34s mix %.1f  %+.1f vs B  %+.1f vs A" % (k, c, m, m - b, m - a))


if __name__ == "__main__":
    main()
