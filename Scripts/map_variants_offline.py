#!/usr/bin/env python3
"""Which channels should draw the anomaly map? Scores map compositions offline on the channel maps dumped by

    VTFUSION_DUMP_CHANNEL_MAPS=DIR vtfusion eval --dataset mvtec:BENCH --auxiliary-only --shots 1,2,4 --seeds S ...

(`ProtocolRunner.dumpChannelMaps`: per (category, k, seed) run `[N, channels + 2, size/4, size/4]` = each map
channel's calibrated z, in the order of the recipe's patch channels, then the map the profile drew, then the ground
truth). Each variant is the mean of some channels' z maps, optionally minus the image's median; it is smoothed as the
eval smooths (sigma 4 at 224 px = 1 at the dump's 56 px) and scored with pixel AUPRO (FPR <= 0.3, MVTec's definition)
and pixel AUROC per run, averaged over seeds, then over categories (each dump directory's categories count apart).

Usage: map_variants_offline.py DIR [DIR ...] [--names 448L9,448L12,224L12,224L9]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from map_head_lco import aupro, load, pixel_auroc, smooth  # noqa: E402

SUBSETS = [[0], [3], [1], [0, 3], [0, 1], [0, 1, 3]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--names", default="448L9,448L12,224L12,224L9",
                    help="names of the dumped map channels, in order (the standard recipe's patch channels)")
    args = ap.parse_args()
    names = args.names.split(",")

    def mean_of(ix, median):
        def f(r):
            x = r["x"][:, ix].mean(axis=1)
            return x - np.median(x, axis=(1, 2), keepdims=True) if median else x
        return f

    variants = {"as drawn": lambda r: r["x"][:, -2]}
    for ix in SUBSETS:
        n = " + ".join(names[i] for i in ix)
        variants[n] = mean_of(ix, False)
        variants[n + ", minus image median"] = mean_of(ix, True)
    res = {}
    for d in args.dirs:
        for r in load([d]):
            if not r["method"].startswith("vtfusion"):
                continue
            masks = r["x"][:, -1]
            for n, f in variants.items():
                m = smooth(f(r))
                a, b = aupro(m, masks), pixel_auroc(m, masks)
                if a is not None:
                    res.setdefault((n, r["k"], d + ":" + r["category"]), []).append((a, b))
    ks = sorted({k for (_, k, _) in res})
    cats = sorted({c for (_, _, c) in res})
    print(f"{len(cats)} categories; AUPRO / pixel AUROC per k, then the mean AUPRO over k")
    print("| map | " + " | ".join(f"k = {k}" for k in ks) + " | mean AUPRO |")
    print("|---|" + "---|" * (len(ks) + 1))
    for n in variants:
        row = []
        for k in ks:
            per = [np.mean(res[(n, k, c)], axis=0) for c in cats if (n, k, c) in res]
            row.append(np.mean(per, axis=0) * 100)
        print(f"| {n} | " + " | ".join(f"{a:.2f} / {b:.2f}" for a, b in row) + f" | {np.mean([a for a, _ in row]):.2f} |")


if __name__ == "__main__":
    sys.exit(main())
