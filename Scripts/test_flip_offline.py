#!/usr/bin/env python3
"""Does scoring each test image together with its mirror image (test-time augmentation) help one patch channel?

For every draw of an eval's kshot_plan.json (auxiliary categories), one channel's patch map (1 - max cos to the
references' tokens at one scale and block) is computed for each test image and for its horizontal mirror (mapped
back), and the image score (top-1 % mean) is taken from: the image alone; the mean of the two maps; the mean of
the two scores; the smaller distance per patch; and, for comparison, the image alone against a bank that also
holds the mirrored references (what the default's turned-and-mirrored reference views already do). Image AUROC
per k, mean over draws.

    python3 Scripts/test_flip_offline.py --prepare BENCH_ROOT EVAL_DIR /tmp/tta      # writes mirrored copies and file lists
    vtfusion features --backbone dinov2-s-imgfocus --images $(cat /tmp/tta/files.txt) --image-size 448 --layers 9 --out /tmp/tta/orig448.safetensors
    vtfusion features --backbone dinov2-s-imgfocus --images $(cat /tmp/tta/flips.txt) --image-size 448 --layers 9 --out /tmp/tta/flip448.safetensors
    python3 Scripts/test_flip_offline.py BENCH_ROOT EVAL_DIR /tmp/tta 448 9
"""
import json, os, sys
from collections import defaultdict

import numpy as np

from recipe_offline import auroc


def prepare(root, eval_dir, out):
    from PIL import Image
    plan = json.load(open(f"{eval_dir}/kshot_plan.json"))
    categories = sorted({s["category"] for s in plan["selections"]})
    files = []
    for c in categories:
        for sub in ("train/good",) + tuple(f"test/{d}" for d in sorted(os.listdir(f"{root}/{c}/test"))):
            files += [f"{root}/{c}/{sub}/{f}" for f in sorted(os.listdir(f"{root}/{c}/{sub}")) if f.endswith(".png")]
    os.makedirs(f"{out}/flip", exist_ok=True)
    flips = []
    for f in files:
        o = f"{out}/flip/" + f[len(root) + 1:].replace("/", "__")
        Image.open(f).transpose(Image.FLIP_LEFT_RIGHT).save(o)
        flips.append(o)
    open(f"{out}/files.txt", "w").write("\n".join(files))
    open(f"{out}/flips.txt", "w").write("\n".join(flips))
    print(f"{len(files)} images and their mirrors listed in {out}/files.txt and {out}/flips.txt")


def top(d, fraction=0.01):
    n = max(1, round(d.shape[-1] * fraction))
    return np.sort(d, -1)[..., -n:].mean(-1)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--prepare":
        return prepare(*sys.argv[2:])
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    from safetensors.numpy import load_file
    root, eval_dir, work, scale, layer = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    files = [l.strip() for l in open(f"{work}/files.txt")]
    row = {f[len(root) + 1:]: i for i, f in enumerate(files)}
    key = f"layer.{layer}.patch_tokens"
    O, M = load_file(f"{work}/orig{scale}.safetensors")[key], load_file(f"{work}/flip{scale}.safetensors")[key]
    O, M = O / np.linalg.norm(O, axis=2, keepdims=True), M / np.linalg.norm(M, axis=2, keepdims=True)
    g = int(np.sqrt(O.shape[1]))
    cells = defaultdict(list)
    for s in json.load(open(f"{eval_dir}/kshot_plan.json"))["selections"]:
        refs = [row[r] for r in s["references"]]
        tests = [i for f, i in row.items() if f.startswith(s["category"] + "/test/")]
        y = np.array(["/good/" not in files[i] for i in tests])
        bank = O[refs].reshape(-1, O.shape[2])
        d0 = 1 - (O[tests] @ bank.T).max(2)
        d1 = (1 - (M[tests] @ bank.T).max(2)).reshape(-1, g, g)[:, :, ::-1].reshape(len(tests), -1)
        both = np.concatenate([bank, M[refs].reshape(-1, O.shape[2])])
        for name, score in [("image alone", top(d0)), ("mean of maps", top((d0 + d1) / 2)),
                            ("mean of scores", (top(d0) + top(d1)) / 2), ("smaller per patch", top(np.minimum(d0, d1))),
                            ("mirrored references in the bank", top(1 - (O[tests] @ both.T).max(2)))]:
            cells[(name, s["k"])].append(auroc(score, y))
    ks = sorted({k for _, k in cells})
    print(f"patch channel {scale} px / block {layer}, image AUROC per k (mean over {len(cells[next(iter(cells))])} draws each)")
    for name in dict.fromkeys(n for n, _ in cells):
        print(f"{name:<33} " + "  ".join(f"k={k} {100 * np.mean(cells[(name, k)]):.2f}" for k in ks))


if __name__ == "__main__":
    main()
