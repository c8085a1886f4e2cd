#!/usr/bin/env python3
"""Writes Tests/TensorTests/Fixtures/conv_ops.json: torch reference values for conv2d, conv_transpose2d,
avg/max/adaptive-avg pooling and nearest/bilinear interpolation (forward outputs and input/weight/bias
gradients for a fixed upstream gradient).

Run from the repository root: python3 Scripts/make_conv_fixtures.py (needs torch; dev-time only).
Each case: {"name", "op", "params", "tensors": {name: {"shape": [...], "data": [...]}}} with tensors
x, [weight], [bias], out, grad_out, grad_x, [grad_weight], [grad_bias]; data is row-major float32 values
rounded to 8 significant digits.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
cases = []


def flat(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(f"{v:.8g}") for v in t.reshape(-1).tolist()]}


def run(name, op, params, fn, x, weight=None, bias=None):
    leaves = {"x": x, "weight": weight, "bias": bias}
    for t in leaves.values():
        if t is not None:
            t.requires_grad_(True)
    out = fn(x, weight, bias)
    grad_out = torch.randn_like(out)
    out.backward(grad_out)
    tensors = {"out": flat(out), "grad_out": flat(grad_out)}
    for key, t in leaves.items():
        if t is not None:
            tensors[key] = flat(t)
            tensors["grad_" + key] = flat(t.grad)
    cases.append({"name": name, "op": op, "params": params, "tensors": tensors})


def conv(name, xs, ws, bias, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    params = {"stride": list(stride), "padding": list(padding), "dilation": list(dilation), "groups": groups}
    run(name, "conv2d", params,
        lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups),
        torch.randn(xs), torch.randn(ws), torch.randn(ws[0]) if bias else None)


def conv_t(name, xs, ws, bias, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1), groups=1):
    params = {"stride": list(stride), "padding": list(padding), "output_padding": list(output_padding),
              "dilation": list(dilation), "groups": groups}
    run(name, "conv_transpose2d", params,
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=stride, padding=padding, output_padding=output_padding,
                                           groups=groups, dilation=dilation),
        torch.randn(xs), torch.randn(ws), torch.randn(ws[1] * groups) if bias else None)


conv("conv2d_basic", (2, 3, 7, 6), (4, 3, 3, 3), True)
conv("conv2d_stride2_pad1", (2, 4, 9, 8), (6, 4, 3, 3), True, stride=(2, 2), padding=(1, 1))
conv("conv2d_dilation2", (1, 3, 10, 9), (4, 3, 3, 2), False, stride=(1, 2), padding=(2, 1), dilation=(2, 2))
conv("conv2d_groups2", (2, 4, 6, 7), (6, 2, 3, 3), True, stride=(2, 1), padding=(1, 1), groups=2)
conv("conv2d_all_options", (1, 4, 11, 10), (4, 2, 3, 3), True, stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=2)
conv("conv2d_pointwise_direct", (1, 2, 16, 17), (3, 2, 1, 1), True)
conv("conv2d_patchify", (2, 3, 8, 12), (5, 3, 4, 4), True, stride=(4, 4))

conv_t("conv_transpose2d_s2_p1_op1", (2, 4, 5, 4), (4, 3, 3, 3), True, stride=(2, 2), padding=(1, 1), output_padding=(1, 1))
conv_t("conv_transpose2d_groups2", (1, 4, 4, 5), (4, 2, 3, 2), True, stride=(2, 1), padding=(0, 1), groups=2)
conv_t("conv_transpose2d_dilation", (2, 3, 4, 4), (3, 2, 2, 3), False, stride=(1, 2), output_padding=(0, 1), dilation=(2, 1))


def distinct(shape):
    """Distinct values (no ties in max pooling)."""
    n = 1
    for s in shape:
        n *= s
    return (torch.randperm(n).to(torch.float32) * 0.05 - n * 0.025).reshape(shape)


for name, k, s, p, inc in [("avg_pool2d_k3_s2_p1_include", (3, 3), (2, 2), (1, 1), True),
                           ("avg_pool2d_k3_s2_p1_exclude", (3, 3), (2, 2), (1, 1), False),
                           ("avg_pool2d_k2", (2, 2), None, (0, 0), True)]:
    params = {"kernel": list(k), "stride": list(s) if s else None, "padding": list(p), "count_include_pad": inc}
    run(name, "avg_pool2d", params,
        lambda x, w, b, k=k, s=s, p=p, inc=inc: F.avg_pool2d(x, k, s, p, count_include_pad=inc), torch.randn(2, 2, 9, 8))

for name, k, s, p in [("max_pool2d_k3_s2_p1", (3, 3), (2, 2), (1, 1)), ("max_pool2d_k2", (2, 2), None, (0, 0)),
                      ("max_pool2d_k2x3_s3x1_p1", (2, 3), (3, 1), (1, 1))]:
    params = {"kernel": list(k), "stride": list(s) if s else None, "padding": list(p)}
    run(name, "max_pool2d", params, lambda x, w, b, k=k, s=s, p=p: F.max_pool2d(x, k, s, p), distinct((2, 2, 9, 8)))

for name, shape, size in [("adaptive_avg_pool2d_down", (2, 2, 10, 7), (4, 3)), ("adaptive_avg_pool2d_up", (1, 2, 3, 4), (5, 7))]:
    run(name, "adaptive_avg_pool2d", {"size": list(size)},
        lambda x, w, b, size=size: F.adaptive_avg_pool2d(x, size), torch.randn(shape))


def float_edge_nearest():
    """Smallest (in, out) where torch's float scale floor(d * float(in/out)) differs from exact d * in // out."""
    for out_size in range(2, 64):
        for in_size in range(2, 64):
            if out_size in (in_size, 2 * in_size):
                continue
            scale = torch.tensor(in_size / out_size, dtype=torch.float32)
            for d in range(out_size):
                approx = int(torch.floor(torch.tensor(float(d), dtype=torch.float32) * scale))
                if min(approx, in_size - 1) != d * in_size // out_size:
                    return in_size, out_size
    return None


edge = float_edge_nearest()
nearest_sizes = [("up", (1, 2, 5, 7), (11, 4)), ("x2", (1, 2, 4, 3), (8, 6)), ("down", (1, 2, 6, 6), (3, 2))]
if edge:
    nearest_sizes.append(("float_edge", (1, 1, 2, edge[0]), (3, edge[1])))
for tag, shape, size in nearest_sizes:
    run(f"upsample_nearest_{tag}", "upsample_nearest", {"size": list(size)},
        lambda x, w, b, size=size: F.interpolate(x, size=size, mode="nearest"), torch.randn(shape))

for align in (False, True):
    for tag, shape, size in [("up", (1, 2, 5, 7), (11, 4)), ("up2", (1, 2, 4, 6), (9, 13)), ("down", (1, 2, 9, 8), (4, 3))]:
        run(f"upsample_bilinear_{tag}_align{int(align)}", "upsample_bilinear", {"size": list(size), "align_corners": align},
            lambda x, w, b, size=size, align=align: F.interpolate(x, size=size, mode="bilinear", align_corners=align),
            torch.randn(shape))

path = os.path.join("Tests", "TensorTests", "Fixtures", "conv_ops.json")
with open(path, "w") as f:
    json.dump({"generator": "Scripts/make_conv_fixtures.py", "torch": torch.__version__, "cases": cases}, f,
              separators=(",", ":"))
print(f"wrote {len(cases)} cases to {path} ({os.path.getsize(path)} bytes); nearest float edge case: {edge}")
