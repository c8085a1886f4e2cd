#!/usr/bin/env python3
"""PyTorch side of `vtfusion bench`: the same work as the Swift benchmark, timed in the same run.

Usage: bench_torch.py --threads N --reps R CASE [CASE ...]
Prints one JSON object {case: median_seconds}. Cases mirror Sources/PerfBench/Bench*.swift and
Sources/PerfBench/TrunkBench.swift / ImagingBench.swift. The `image:png` / `image:jpeg` cases use Pillow + numpy
only (torch is imported lazily, so they run without it) on the files the Swift side wrote into
$VTFUSION_BENCH_IMAGES.
"""
import argparse, json, os, time, sys


def median_time(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def make_blocks(width, depth, gen):
    import torch
    blocks = []
    for _ in range(depth):
        p = {}
        p["ln1_w"] = torch.ones(width); p["ln1_b"] = torch.zeros(width)
        p["qkv_w"] = torch.randn(3 * width, width, generator=gen) * 0.02; p["qkv_b"] = torch.zeros(3 * width)
        p["proj_w"] = torch.randn(width, width, generator=gen) * 0.02; p["proj_b"] = torch.zeros(width)
        p["ln2_w"] = torch.ones(width); p["ln2_b"] = torch.zeros(width)
        p["fc1_w"] = torch.randn(4 * width, width, generator=gen) * 0.02; p["fc1_b"] = torch.zeros(4 * width)
        p["fc2_w"] = torch.randn(width, 4 * width, generator=gen) * 0.02; p["fc2_b"] = torch.zeros(width)
        blocks.append(p)
    return blocks


def trunk(x, blocks, heads, causal, act):
    import torch
    import torch.nn.functional as F
    b, n, w = x.shape
    for p in blocks:
        h = F.layer_norm(x, (w,), p["ln1_w"], p["ln1_b"])
        qkv = F.linear(h, p["qkv_w"], p["qkv_b"]).view(b, n, 3, heads, w // heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=causal)
        x = x + F.linear(a.transpose(1, 2).reshape(b, n, w), p["proj_w"], p["proj_b"])
        h = F.layer_norm(x, (w,), p["ln2_w"], p["ln2_b"])
        h = F.linear(h, p["fc1_w"], p["fc1_b"])
        h = F.gelu(h) if act == "gelu" else h * torch.sigmoid(1.702 * h)
        x = x + F.linear(h, p["fc2_w"], p["fc2_b"])
    return x


CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def image_case(fmt, reps):
    """Decode a 1024x1024 PNG/JPEG, bicubic antialiased resize to 224x224, CLIP-normalise to float32 CHW."""
    import numpy as np
    from PIL import Image
    folder = os.environ.get("VTFUSION_BENCH_IMAGES")
    if not folder:
        raise SystemExit("VTFUSION_BENCH_IMAGES is not set (run the image cases through `vtfusion bench`)")
    path = os.path.join(folder, "bench1024." + ("jpg" if fmt == "jpeg" else "png"))
    if not os.path.exists(path):
        raise SystemExit(f"{path} not found (the Swift side of `vtfusion bench` writes it)")
    mean = np.asarray(CLIP_MEAN, dtype=np.float32)
    std = np.asarray(CLIP_STD, dtype=np.float32)

    def step():
        with Image.open(path) as im:
            small = im.convert("RGB").resize((224, 224), Image.BICUBIC)
        x = (np.asarray(small, dtype=np.float32) / np.float32(255) - mean) / std
        return np.ascontiguousarray(x.transpose(2, 0, 1))
    return median_time(step, reps)


def run_case(name, reps):
    kind, _, arg = name.partition(":")
    if kind == "image":
        return image_case(arg, reps)
    if kind in ("clip", "dinov2", "head"):  # backbone and head cases: Scripts/bench_models.py
        import bench_models
        return bench_models.run(name, reps, median_time)
    import torch
    gen = torch.Generator().manual_seed(0)
    if kind == "sgemm":
        m, k, n = (int(v) for v in arg.split("x"))
        a = torch.randn(m, k, generator=gen); b = torch.randn(k, n, generator=gen)
        return median_time(lambda: torch.mm(a, b), reps)
    if kind == "vit":
        batch = int(arg)
        blocks = make_blocks(768, 12, gen)
        x = torch.randn(batch, 197, 768, generator=gen)
        with torch.inference_mode():
            return median_time(lambda: trunk(x, blocks, 12, False, "gelu"), reps)
    if kind == "text":
        batch = int(arg)
        blocks = make_blocks(512, 12, gen)
        x0 = torch.randn(batch, 77, 512, generator=gen)

        def step():
            x = x0.clone().requires_grad_(True)
            y = trunk(x, blocks, 8, True, "quickgelu")
            y.sum().backward()
        return median_time(step, reps)
    raise SystemExit(f"unknown case {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    if any(not c.startswith("image:") for c in args.cases):
        import torch
        torch.set_num_threads(args.threads)
    out = {c: run_case(c, args.reps) for c in args.cases}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
