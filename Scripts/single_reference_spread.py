#!/usr/bin/env python3
"""Can one reference tell how widely a product's good parts spread? A test on benchmark v2.

With k = 1 each channel's scale is estimated from the reference against itself; the oracle analysis
(`combination_offline.py --oracle`) shows that the good test images' own spread would lift image AUROC by
2-4 points. This script asks whether the reference's own non-stationarity predicts that spread: per k = 1 draw
it splits the reference's token grid into quadrants and scores each quadrant against the other three
(top-1 % mean of 1 - max cos for the patch channels, the mean for the mean-distance channel, the
mean/covariance distance of `FeatureStatistics` between quadrants for the statistics channel), takes the
quadrants' coefficient of variation, and correlates its log with the log of the good test images' sd relative
to the profile's calibration mean (from the eval's recorded channel z). A usable predictor needs a clear positive
correlation on every channel.

First dump the k = 1 references' tokens (the draws of the eval's kshot_plan.json):

    python3 Scripts/single_reference_spread.py --list EVAL_DIR [EVAL_DIR ...] > /tmp/refs.txt
    vtfusion features --backbone dinov2-s-imgfocus --images $(cat /tmp/refs.txt) --image-size 448 --layers 9,12 --out /tmp/f448.safetensors
    vtfusion features --backbone dinov2-s-imgfocus --images $(cat /tmp/refs.txt) --image-size 224 --layers 9,12 --out /tmp/f224.safetensors
    python3 Scripts/single_reference_spread.py /tmp/refs.txt /tmp/f448.safetensors /tmp/f224.safetensors EVAL_DIR [EVAL_DIR ...]
"""
import json, sys

import numpy as np
from safetensors.numpy import load_file

# The default's channels in recorded order (EvidenceSpec.standard): (kind, scale, layer).
CHANNELS = [("patch", 448, 9), ("patch", 448, 12), ("patch", 224, 12), ("mean", 224, 12), ("stats", 224, 12), ("patch", 224, 9)]


def k1_references(eval_dir):
    plan = json.load(open(f"{eval_dir}/kshot_plan.json"))
    return {(s["category"], s["seed"]): f"{plan['datasetRoot']}/{s['references'][0]}" for s in plan["selections"] if s["k"] == 1}


def quadrants(g):
    idx, h = np.arange(g * g).reshape(g, g), g // 2
    return [idx[:h, :h].ravel(), idx[:h, h:].ravel(), idx[h:, :h].ravel(), idx[h:, h:].ravel()]


def stats_distance(a, b):
    (ma, ca), (mb, cb) = a, b
    return np.sqrt(((ma - mb) ** 2).sum() / np.trace(cb)) + np.linalg.norm(ca - cb) / np.linalg.norm(cb)


def quadrant_cv(tokens, kind):
    t = tokens / np.linalg.norm(tokens, axis=1, keepdims=True)
    q = quadrants(int(np.sqrt(len(t))))
    if kind == "stats":
        st = [(tokens[i].mean(0), np.cov(tokens[i].T)) for i in q]
        v = np.array([stats_distance(st[a], st[b]) for a in range(4) for b in range(4) if a != b])
    else:
        v = []
        for a in range(4):
            rest = np.concatenate([q[b] for b in range(4) if b != a])
            d = 1 - (t[q[a]] @ t[rest].T).max(1)
            n = max(1, round(len(d) * 0.01))
            v.append(d.mean() if kind == "mean" else np.sort(d)[-n:].mean())
        v = np.array(v)
    return v.std(ddof=1) / v.mean()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--list":
        print("\n".join(sorted({r for d in sys.argv[2:] for r in k1_references(d).values()})))
        return
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    files = [l.strip() for l in open(sys.argv[1]) if l.strip()]
    feats = {448: load_file(sys.argv[2]), 224: load_file(sys.argv[3])}
    row = {f: i for i, f in enumerate(files)}
    true, pred = [], []
    for d in sys.argv[4:]:
        refs = k1_references(d)
        for run in json.load(open(f"{d}/runs.json"))["runs"]:
            if run["k"] != 1 or run["method"] != "vtfusion":
                continue
            ch = run["calibration"]["channels"]
            m, s = np.array([c["mean"] for c in ch]), np.array([c["scale"] for c in ch])
            z = np.array([q["channelZ"] for q in run["scores"] if not q["anomalous"]])
            true.append((z * s + m).std(0) / m)
            i = row[refs[(run["category"], run["seed"])]]
            pred.append([quadrant_cv(feats[sc][f"layer.{l}.patch_tokens"][i], kind) for kind, sc, l in CHANNELS])
    true, pred = np.log(np.array(true)), np.log(np.array(pred))
    print(f"{len(true)} one-reference profiles")
    for c, (kind, sc, l) in enumerate(CHANNELS):
        r = np.corrcoef(true[:, c], pred[:, c])[0, 1]
        print(f"{kind}@{sc}/L{l}: good test sd / calibration mean {np.exp(true[:, c]).min():.2f}-{np.exp(true[:, c]).max():.2f}, "
              f"correlation of logs with the quadrants' CV {r:+.2f}")


if __name__ == "__main__":
    main()
