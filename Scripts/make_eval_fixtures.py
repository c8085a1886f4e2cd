#!/usr/bin/env python3
"""Reference values for the Evaluation metric tests (dev-time only).

Writes Tests/EvaluationTests/Fixtures/eval_metrics.json:
- image_sets: random labelled score sets with ties, with scikit-learn's roc_auc_score,
  average_precision_score and F1-max (and its threshold) from precision_recall_curve;
- pixel_categories: small categories of 32x32 float32 anomaly maps (quantised, so with ties) and binary
  masks (several regions, some touching only diagonally, some all-normal images), with pixel AUROC / AP /
  F1-max from scikit-learn over all pixels and AUPRO computed the MVTec-official way with
  scipy.ndimage.label (8-connectivity). The AUPRO is computed twice, by the sorted cumulative-sum method
  and by brute force over every distinct threshold, and the two must agree before anything is written.

Run: python3 Scripts/make_eval_fixtures.py
"""
import bisect
import json
import os

import numpy as np
from scipy import ndimage
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "EvaluationTests", "Fixtures", "eval_metrics.json")
EIGHT = np.ones((3, 3), dtype=int)


def f1_max(labels, scores):
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    precision, recall = precision[:-1], recall[:-1]          # the last point has no threshold
    denom = precision + recall
    f1 = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1), 0.0)
    best = f1.max()
    idx = np.nonzero(f1 >= best - 1e-12)[0][-1]               # thresholds ascend: last = highest threshold
    return float(best), float(thresholds[idx]), float(precision[idx]), float(recall[idx])


def trapezoid_to(x, y, limit):
    """MVTec's trapezoid: integrate y(x) up to x = limit, interpolating at limit when it is not a node."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    correction = 0.0
    if limit not in x:
        ins = bisect.bisect(x.tolist(), limit)
        assert 0 < ins < len(x)
        y_lim = y[ins - 1] + (y[ins] - y[ins - 1]) * (limit - x[ins - 1]) / (x[ins] - x[ins - 1])
        correction = 0.5 * (y_lim + y[ins - 1]) * (limit - x[ins - 1])
    keep = x <= limit
    x, y = x[keep], y[keep]
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * (x[1:] - x[:-1])) + correction)


def pro_curve_cumsum(maps, masks):
    scores, fp_step, pro_step = [], [], []
    n_ok, n_regions = 0, 0
    for m, g in zip(maps, masks):
        labeled, n = ndimage.label(g, structure=EIGHT)
        ok = labeled == 0
        n_ok += int(ok.sum())
        n_regions += n
        w = np.zeros(g.shape, dtype=np.float64)
        for k in range(1, n + 1):
            region = labeled == k
            w[region] = 1.0 / region.sum()
        scores.append(m.astype(np.float64).ravel())
        fp_step.append(ok.astype(np.float64).ravel())
        pro_step.append(w.ravel())
    s = np.concatenate(scores)
    order = np.argsort(-s, kind="stable")
    s = s[order]
    fpr = np.cumsum(np.concatenate(fp_step)[order]) / n_ok
    pro = np.cumsum(np.concatenate(pro_step)[order]) / n_regions
    keep = np.append(np.diff(s) != 0, True)                   # ties form one threshold step
    fpr = np.clip(np.concatenate([[0.0], fpr[keep], [1.0]]), None, 1.0)
    pro = np.clip(np.concatenate([[0.0], pro[keep], [1.0]]), None, 1.0)
    return fpr, pro


def pro_curve_brute(maps, masks):
    """By definition: for each distinct threshold, mean per-region overlap and FPR on normal pixels."""
    labeled = [ndimage.label(g, structure=EIGHT) for g in masks]
    n_ok = sum(int((lab == 0).sum()) for lab, _ in labeled)
    thresholds = np.unique(np.concatenate([m.ravel() for m in maps]).astype(np.float64))[::-1]
    fprs, pros = [0.0], [0.0]
    for t in thresholds:
        fp, overlaps = 0, []
        for m, (lab, n) in zip(maps, labeled):
            pred = m.astype(np.float64) >= t
            fp += int((pred & (lab == 0)).sum())
            for k in range(1, n + 1):
                region = lab == k
                overlaps.append((pred & region).sum() / region.sum())
        fprs.append(fp / n_ok)
        pros.append(float(np.mean(overlaps)))
    return np.array(fprs + [1.0]), np.array(pros + [1.0])


def random_mask(rng, size):
    g = np.zeros((size, size), dtype=np.uint8)
    for _ in range(rng.integers(1, 4)):
        h, w = rng.integers(2, 8, size=2)
        y, x = rng.integers(0, size - h), rng.integers(0, size - w)
        g[y:y + h, x:x + w] = 1
    if rng.random() < 0.7:                                   # two blobs touching only at a corner
        y, x = rng.integers(2, size - 4, size=2)
        g[y - 2:y, x - 2:x] = 1
        g[y:y + 2, x:x + 2] = 1
    return g


def pixel_category(rng, name, images, size=32, levels=40):
    maps, masks = [], []
    for i in range(images):
        g = random_mask(rng, size) if i % 3 != 0 else np.zeros((size, size), dtype=np.uint8)
        m = rng.normal(0.0, 1.0, (size, size)) + 1.5 * g * rng.random()
        m = np.round(m * levels / 8.0) / (levels / 8.0)       # quantise -> many ties
        maps.append(m.astype(np.float32))
        masks.append(g)
    labels = np.concatenate([g.ravel() for g in masks]) > 0
    scores = np.concatenate([m.ravel() for m in maps]).astype(np.float64)
    fpr, pro = pro_curve_cumsum(maps, masks)
    fpr_b, pro_b = pro_curve_brute(maps, masks)
    au = {}
    for limit in (0.3, 1.0, 0.05):
        a = trapezoid_to(fpr, pro, limit) / limit
        b = trapezoid_to(fpr_b, pro_b, limit) / limit
        assert abs(a - b) < 1e-12, (name, limit, a, b)
        au[str(limit)] = a
    best, thr, p, r = f1_max(labels, scores)
    regions8 = sum(ndimage.label(g, structure=EIGHT)[1] for g in masks)
    regions4 = sum(ndimage.label(g)[1] for g in masks)
    return {
        "name": name, "width": size, "height": size,
        "maps": [[float(v) for v in m.ravel()] for m in maps],
        "masks": [[int(v) for v in g.ravel()] for g in masks],
        "auroc": float(roc_auc_score(labels, scores)),
        "ap": float(average_precision_score(labels, scores)),
        "f1max": best, "f1_threshold": thr, "f1_precision": p, "f1_recall": r,
        "aupro": au["0.3"], "aupro_limit1": au["1.0"], "aupro_limit005": au["0.05"],
        "regions8": int(regions8), "regions4": int(regions4),
    }


def image_set(rng, n, positive_rate, decimals):
    labels = rng.random(n) < positive_rate
    labels[0], labels[1] = True, False                       # both classes present
    scores = np.round(rng.random(n) + 0.4 * labels, decimals)
    best, thr, p, r = f1_max(labels, scores)
    return {
        "scores": [float(v) for v in scores], "labels": [bool(v) for v in labels],
        "auroc": float(roc_auc_score(labels, scores)),
        "ap": float(average_precision_score(labels, scores)),
        "f1max": best, "f1_threshold": thr, "f1_precision": p, "f1_recall": r,
    }


def main():
    rng = np.random.default_rng(20260128)
    image_sets = [image_set(rng, n, rate, dec) for n, rate, dec in
                  [(2, 0.5, 3), (10, 0.5, 1), (37, 0.3, 1), (150, 0.2, 2), (500, 0.1, 2), (64, 0.6, 6)]]
    # All scores tied: one threshold step.
    tied = {"scores": [0.5] * 6, "labels": [True, False, False, True, False, False]}
    tied.update(zip(["f1max", "f1_threshold", "f1_precision", "f1_recall"],
                    f1_max(tied["labels"], tied["scores"])))
    tied["auroc"] = float(roc_auc_score(tied["labels"], tied["scores"]))
    tied["ap"] = float(average_precision_score(tied["labels"], tied["scores"]))
    image_sets.append(tied)
    cats = [pixel_category(rng, f"cat{i}", images) for i, images in enumerate([4, 5, 6])]
    with open(OUT, "w") as f:
        json.dump({"image_sets": image_sets, "pixel_categories": cats}, f, separators=(",", ":"))
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")
    for c in cats:
        print(c["name"], c["auroc"], c["ap"], c["f1max"], c["aupro"], c["regions8"], c["regions4"])


if __name__ == "__main__":
    main()
