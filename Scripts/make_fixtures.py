#!/usr/bin/env python3
"""Parity fixtures for the tensor engine's ops, from PyTorch (torch==2.13.0+cpu).

For every case: inputs, the output, and the gradients of loss = sum(output * weight) with respect to each
input, written to Tests/TensorTests/Fixtures/ops.json. The Swift test OpsParityTests runs the same op on the
same inputs and compares (forward 1e-5 relative, gradients 1e-4). Regenerate with:

    python3 Scripts/make_fixtures.py
"""
import json, os
import torch
import torch.nn.functional as F

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "TensorTests", "Fixtures", "ops.json")


def r(*shape, lo=-1.0, hi=1.0):
    return (torch.rand(*shape, dtype=torch.float64) * (hi - lo) + lo).float()


def t2j(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


cases = []


def case(name, inputs, fn, grad=True):
    xs = [x.clone().requires_grad_(grad) for x in inputs]
    out = fn(*xs)
    w = r(*out.shape)
    entry = {"name": name, "inputs": [t2j(x) for x in inputs], "output": t2j(out), "weight": t2j(w)}
    if grad:
        (out * w).sum().backward()
        entry["grads"] = [t2j(x.grad if x.grad is not None else torch.zeros_like(x)) for x in xs]
    cases.append(entry)


# elementwise and broadcasting
case("add", [r(2, 3, 4), r(3, 1)], lambda a, b: a + b)
case("sub", [r(2, 3, 4), r(4)], lambda a, b: a - b)
case("mul", [r(2, 1, 4), r(3, 1)], lambda a, b: a * b)
case("div", [r(2, 3), r(3, lo=0.5, hi=2)], lambda a, b: a / b)
case("neg_scalar_ops", [r(3, 4)], lambda a: -(2 * a + 1) / 3 - 0.5)
case("exp", [r(3, 4)], torch.exp)
case("log", [r(3, 4, lo=0.1, hi=3)], torch.log)
case("sqrt", [r(3, 4, lo=0.1, hi=3)], torch.sqrt)
case("rsqrt", [r(3, 4, lo=0.1, hi=3)], torch.rsqrt)
case("pow", [r(3, 4, lo=0.1, hi=3)], lambda a: a ** 2.5)
case("abs", [r(3, 4)], torch.abs)
case("clamp", [r(3, 4)], lambda a: a.clamp(-0.5, 0.3))
case("sigmoid", [r(3, 4, lo=-4, hi=4)], torch.sigmoid)
case("tanh", [r(3, 4, lo=-3, hi=3)], torch.tanh)
case("relu", [r(3, 4)], F.relu)
case("gelu", [r(3, 4, lo=-3, hi=3)], F.gelu)
case("gelu_tanh", [r(3, 4, lo=-3, hi=3)], lambda a: F.gelu(a, approximate="tanh"))
case("quick_gelu", [r(3, 4, lo=-3, hi=3)], lambda a: a * torch.sigmoid(1.702 * a))
# reductions
case("sum_axes_keepdim", [r(2, 3, 4)], lambda a: a.sum(dim=(0, 2), keepdim=True))
case("mean_axis", [r(2, 3, 4)], lambda a: a.mean(dim=1))
case("max_axis", [r(2, 3, 5)], lambda a: a.max(dim=2).values)
case("min_axis_keepdim", [r(2, 3, 5)], lambda a: a.min(dim=1, keepdim=True).values)
case("topk", [r(2, 7)], lambda a: a.topk(3, dim=-1).values)
# normalisation and similarity
case("softmax", [r(2, 3, 5, lo=-3, hi=3)], lambda a: F.softmax(a, dim=-1))
case("softmax_axis1", [r(2, 3, 5, lo=-3, hi=3)], lambda a: F.softmax(a, dim=1))
case("log_softmax", [r(2, 3, 5, lo=-3, hi=3)], lambda a: F.log_softmax(a, dim=-1))
case("layer_norm", [r(2, 3, 8), r(8), r(8)], lambda x, w, b: F.layer_norm(x, (8,), w, b, 1e-5))
case("l2_normalize", [r(2, 3, 8)], lambda x: F.normalize(x, dim=-1))
case("cosine_similarity", [r(2, 5, 8), r(1, 5, 8)], lambda a, b: F.cosine_similarity(a, b, dim=-1))
# joins and indexing
case("concat", [r(2, 3), r(2, 2)], lambda a, b: torch.cat([a, b], dim=1))
case("stack", [r(2, 3), r(2, 3)], lambda a, b: torch.stack([a, b], dim=1))
case("split_second", [r(2, 7)], lambda a: torch.split(a, [3, 4], dim=1)[1])
case("index_select", [r(5, 3)], lambda a: a.index_select(0, torch.tensor([4, 0, 4, 2])))
case("gather", [r(3, 4)], lambda a: a.gather(1, torch.tensor([[0, 3], [1, 1], [2, 0]])))
case("embedding", [r(6, 4)], lambda w: F.embedding(torch.tensor([[1, 5, 1], [0, 2, 3]]), w))
case("where", [r(2, 3), r(2, 3)], lambda a, b: torch.where(torch.tensor([[1, 0, 1], [0, 0, 1]]).bool(), a, b))
case("masked_fill", [r(2, 3)], lambda a: a.masked_fill(torch.tensor([[1, 0, 1]]).bool(), -2.0))
# products and attention
case("matmul_batched_broadcast", [r(2, 1, 3, 4), r(5, 4, 2)], lambda a, b: a @ b)
case("matmul_vector", [r(4), r(3, 4, 2)], lambda a, b: a @ b)
case("sdpa_mask", [r(2, 2, 5, 4), r(2, 2, 6, 4), r(2, 2, 6, 3), r(5, 6)],
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m))
case("sdpa_causal", [r(1, 2, 5, 4), r(1, 2, 5, 4), r(1, 2, 5, 4)],
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True))
# views
case("views", [r(2, 3, 4)], lambda a: a.permute(2, 0, 1)[:, 1:, :].reshape(4, -1).expand(2, 4, 3).contiguous())

# convolution family (small, also covered in depth by make_conv_fixtures.py)
case("conv2d", [r(1, 4, 7, 6), r(6, 2, 3, 3), r(6)],
     lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=1, groups=2))
case("avg_pool", [r(1, 2, 6, 6)], lambda x: F.avg_pool2d(x, 2))
case("max_pool", [r(1, 2, 6, 6)], lambda x: F.max_pool2d(x, 3, stride=2, padding=1))
case("upsample_bilinear", [r(1, 2, 3, 4)], lambda x: F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=False))
case("upsample_bilinear_ac", [r(1, 2, 3, 4)], lambda x: F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True))
case("upsample_nearest", [r(1, 2, 3, 4)], lambda x: F.interpolate(x, size=(7, 9), mode="nearest"))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)} ({os.path.getsize(OUT) // 1024} KB)")
