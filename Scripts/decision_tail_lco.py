#!/usr/bin/env python3
"""Leave-category-out check of the decision-tail rules on an auxiliary eval run (docs/RESULTS.md).

For each auxiliary category, tails are fitted on the good images of the other categories (standardised scores
recorded in runs.json) and applied to it; prints the realised false-alarm rate and recall per k for the
Student-t estimate alone, the pooled learned tail alone, the larger of the two (what DecisionCalibration shipped
until 2026-12-07), and "worst": the larger of the Student-t estimate, the pooled tail and each training
category's own tail (what it ships since; categories with fewer than 10 good images get no tail of their own).
The tail's exceedance mirrors DecisionTail.exceedance in Sources/Inspection/DecisionCalibration.swift.

Usage: Scripts/decision_tail_lco.py RUNS_JSON [METHOD]   (an eval run on auxiliary categories; METHOD defaults to
vtfusion, e.g. 'vtfusion (rotations-45)')
"""
import bisect, json, math, sys


def exceedance(samples, u):
    s = sorted(samples); n = len(s); m = max(5, n // 20); a = max(0, n - m); anchor = s[a]
    if u <= anchor:
        return (1 + n - bisect.bisect_left(s, u)) / (n + 1)
    top = s[a:]
    excess = max(sum(t - anchor for t in top) / len(top), 1e-6)
    return (1 + n - a) / (n + 1) * math.exp(-(u - anchor) / excess)


def main(path, method="vtfusion"):
    runs = [r for r in json.load(open(path))["runs"] if r["method"] == method]
    cats = sorted({r["category"] for r in runs})
    for k in sorted({r["k"] for r in runs}):
        for rule in ["t", "tail", "max", "worst"]:
            cells = []
            for target in [0.01, 0.05]:
                fa = good = caught = bad = 0
                for cat in cats:
                    groups = {c: [s["standardized"] for r in runs if r["k"] == k and r["category"] == c
                                  for s in r["scores"] if not s["anomalous"]] for c in cats if c != cat}
                    train = [u for g in groups.values() for u in g]
                    own = [g for g in groups.values() if len(g) >= 10]
                    for r in runs:
                        if r["k"] != k or r["category"] != cat:
                            continue
                        for s in r["scores"]:
                            t = s.get("studentTFalseAlarmRate") or s["falseAlarmRate"]
                            tail = min(1, exceedance(train, s["standardized"]))
                            if rule == "worst":
                                far = max([t, tail] + [min(1, exceedance(g, s["standardized"])) for g in own])
                            else:
                                far = {"t": t, "tail": tail, "max": max(t, tail)}[rule]
                            if s["anomalous"]:
                                bad += 1; caught += far <= target
                            else:
                                good += 1; fa += far <= target
                cells.append("%.2f: FAR %.3f recall %.3f" % (target, fa / good, caught / bad))
            print(k, rule, " | ".join(cells))


if __name__ == "__main__":
    main(*sys.argv[1:])
