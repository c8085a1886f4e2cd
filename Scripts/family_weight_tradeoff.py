#!/usr/bin/env python3
"""The local/global trade-off of the default's channel weights, computed offline from recorded channel z.

The default weighs its six channels equally (three patch channels of the local family, 448 px blocks 9 and 12 and
224 px block 9; three of the global family). Here each family's channels are averaged with the profile's weights
and the score is local + a * global, for several a (a = 1: the families count equally, not the channels; the
default's own score is printed first). Per RUNS_JSON: image AUROC, and on benchmark v2 (whose runs.json name the
defect families) the local and the global families, per k, mean over categories of the mean over seeds.

    python3 Scripts/family_weight_tradeoff.py RUNS_JSON [RUNS_JSON ...]
"""
import json, sys
from collections import defaultdict

import numpy as np

from recipe_offline import auroc

LOCAL = np.array([True, True, False, False, False, True])   # EvidenceSpec.standard's channel families


def default_score(k, Z, w):
    return (np.logaddexp(0, Z) if k >= 2 else Z) @ w


def family_score(a):
    def score(k, Z, w):
        O = np.logaddexp(0, Z) if k >= 2 else Z
        wl, wg = w * LOCAL, w * ~LOCAL
        return O @ wl / wl.sum() + (a * (O @ wg) / wg.sum() if wg.sum() > 0 else 0)
    return score


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    variants = {"default (channels equal)": default_score}
    variants.update({f"local + {a} * global": family_score(a) for a in (1.0, 0.75, 0.5, 0.25)})
    for path in sys.argv[1:]:
        report = json.load(open(path))
        families = report.get("families", {})
        print(path)
        for name, f in variants.items():
            cells = defaultdict(list)
            for run in report["runs"]:
                if run["method"] != "vtfusion":
                    continue
                Z = np.array([s["channelZ"] for s in run["scores"]])
                y = np.array([s["anomalous"] for s in run["scores"]])
                kind = np.array([families.get(s.get("defect"), "local") if s["anomalous"] else "good" for s in run["scores"]])
                s = f(run["k"], Z, np.array(run["calibration"]["weights"]["all"]))
                cells[("image", run["k"], run["category"])].append(auroc(s, y))
                for fam in ("local", "global"):
                    if families and (kind == fam).any():
                        m = (kind == fam) | (kind == "good")
                        cells[(fam, run["k"], run["category"])].append(auroc(s[m], y[m]))
            ks = sorted({k for _, k, _ in cells})
            parts = []
            for what in ("image", "local", "global"):
                v = [np.mean([np.mean(x) for (w, kk, _), x in cells.items() if w == what and kk == k]) for k in ks if any(w == what for w, _, _ in cells)]
                if v:
                    parts.append(f"{what} " + " / ".join(f"{100 * x:.1f}" for x in v))
            print(f"  {name:<26} " + " | ".join(parts))


if __name__ == "__main__":
    main()
