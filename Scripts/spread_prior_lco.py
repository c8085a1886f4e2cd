#!/usr/bin/env python3
"""Leave-category-out test of a learned per-channel spread prior, from one `vtfusion eval` runs.json of the
default on AUXILIARY categories (it needs the `channelZ` and `calibration` records `eval` writes).

Each channel's z divides by a scale. Today it is max(leave-one-out sd, 0.1 |leave-one-out mean|). The prior
replaces it by r_c |mean|, where r_c (per channel and k) is the median ratio of the good test images' sd to
the leave-one-out mean on the other categories. The oracle divides by the good test images' own sd
(the headroom, not a method). Image AUROC of the equal-weight sum, mean over held-out category-draws.

    python3 Scripts/spread_prior_lco.py RUNS.json
"""
import json, math, statistics, sys
from collections import defaultdict


def auroc(pos, neg):
    return sum(1.0 if p > n else (0.5 if p == n else 0.0) for p in pos for n in neg) / (len(pos) * len(neg))


def main(path):
    report = json.load(open(path))
    families = report.get("families", {})
    profiles = []
    for run in report["runs"]:
        if run["method"] != "vtfusion" or run.get("calibration") is None:
            continue
        ch = run["calibration"]["channels"]
        mean = [c["mean"] for c in ch]
        values = [[z * c["scale"] + c["mean"] for z, c in zip(s["channelZ"], ch)] for s in run["scores"]]
        good = [v for v, s in zip(values, run["scores"]) if not s["anomalous"]]
        sd_true = [statistics.stdev([g[c] for g in good]) for c in range(len(ch))]
        profiles.append(dict(category=run["category"], k=run["k"], mean=mean, scale=[c["scale"] for c in ch],
                             sd_true=sd_true, values=values, scores=run["scores"]))

    def evaluate(ps, scale_of):
        out = defaultdict(list)
        for p in ps:
            scale = scale_of(p)
            total = [sum((v[c] - p["mean"][c]) / scale[c] for c in range(len(scale))) for v in p["values"]]
            neg = [t for t, s in zip(total, p["scores"]) if not s["anomalous"]]
            out["all"].append(auroc([t for t, s in zip(total, p["scores"]) if s["anomalous"]], neg))
            for fam in ("local", "global"):
                pos = [t for t, s in zip(total, p["scores"]) if s["anomalous"] and families.get(s["defect"]) == fam]
                if pos:
                    out[fam].append(auroc(pos, neg))
        return out

    print("| k | scale | image AUROC | local families | global families |")
    print("|---|---|---|---|---|")
    for k in sorted({p["k"] for p in profiles}):
        acc = defaultdict(lambda: defaultdict(list))
        for held in sorted({p["category"] for p in profiles}):
            train = [p for p in profiles if p["k"] == k and p["category"] != held]
            test = [p for p in profiles if p["k"] == k and p["category"] == held]
            n = len(train[0]["mean"])
            ratio = [math.exp(statistics.median(math.log(p["sd_true"][c] / abs(p["mean"][c])) for p in train)) for c in range(n)]
            for name, fn in (("current", lambda p: p["scale"]),
                             ("learned spread prior", lambda p: [r * abs(m) for r, m in zip(ratio, p["mean"])]),
                             ("good test images' sd (oracle)", lambda p: p["sd_true"])):
                for sl, v in evaluate(test, fn).items():
                    acc[name][sl] += v
        for name, d in acc.items():
            print(f"| {k} | {name} | " + " | ".join(f"{100 * sum(d[s]) / len(d[s]):.1f}" for s in ("all", "local", "global")) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1])
