#!/usr/bin/env python3
"""How much image AUROC the default loses to its channel calibration, from one `vtfusion eval` runs.json.

`eval` records each image's channel z (`channelZ`: each channel standardised by the profile's own normal
samples, i.e. the references' leave-one-out scores). This script rescores every run offline:
- `sum`: the mean of the channel z (what the default does, reproduced);
- `family max`: the larger of the local family's mean z (channels 0-1) and the global family's (2-4);
- `... normal-standardised`: the same after standardising each family score by the run's own GOOD TEST
  images (an oracle no profile has: it shows the headroom of a better per-profile calibration, not a method).
Use it on auxiliary categories.

    python3 Scripts/calibration_headroom.py RUNS.json [METHOD=vtfusion]
"""
import json, sys
from collections import defaultdict


def auroc(pos, neg):
    if not pos or not neg:
        return float("nan")
    return sum(1.0 if p > n else (0.5 if p == n else 0.0) for p in pos for n in neg) / (len(pos) * len(neg))


def standardise(values, normal):
    m = sum(normal) / len(normal)
    sd = (sum((v - m) ** 2 for v in normal) / len(normal)) ** 0.5
    return [(v - m) / max(sd, 1e-6) for v in values]


def main(path, method):
    report = json.load(open(path))
    families = report.get("families", {})
    out = defaultdict(lambda: defaultdict(list))
    for run in report["runs"]:
        if run["method"] != method or not run["scores"] or run["scores"][0].get("channelZ") is None:
            continue
        s = run["scores"]
        z = [x["channelZ"] for x in s]
        good = [not x["anomalous"] for x in s]
        local = [sum(v[:2]) / 2 for v in z]
        glob = [sum(v[2:]) / len(v[2:]) for v in z]
        ls = standardise(local, [v for v, g in zip(local, good) if g])
        gs = standardise(glob, [v for v, g in zip(glob, good) if g])
        scores = {
            "sum": [sum(v) / len(v) for v in z],
            "family max": [max(a, b) for a, b in zip(local, glob)],
            "sum, normal-standardised (oracle)": [a + b for a, b in zip(ls, gs)],
            "family max, normal-standardised (oracle)": [max(a, b) for a, b in zip(ls, gs)],
        }
        for name, sc in scores.items():
            neg = [v for v, g in zip(sc, good) if g]
            out[(run["k"], name)]["all"].append(auroc([v for v, g in zip(sc, good) if not g], neg))
            for fam in ("local", "global"):
                pos = [v for v, x in zip(sc, s) if x["anomalous"] and families.get(x["defect"]) == fam]
                if pos:
                    out[(run["k"], name)][fam].append(auroc(pos, neg))
    print("| k | combination | image AUROC | local families | global families |")
    print("|---|---|---|---|---|")
    for (k, name), d in sorted(out.items(), key=lambda kv: (kv[0][0], list(out).index(kv[0]))):
        cells = [100 * sum(d[sl]) / len(d[sl]) for sl in ("all", "local", "global")]
        print(f"| {k} | {name} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "vtfusion")
