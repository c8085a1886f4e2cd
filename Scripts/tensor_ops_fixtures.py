#!/usr/bin/env python3
"""Generates Tests/TensorTests/Fixtures/tensor_ops_reference.json: PyTorch outputs and gradients for the
Tensor ops whose semantics must match torch (GELU forms, softmax, layer norm, normalize, cosine similarity,
attention, top-k, gather). Dev-time only: `python3 Scripts/tensor_ops_fixtures.py` (needs torch)."""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = []


def add(name, inputs, fn, grad=True):
    xs = [t.clone().requires_grad_(grad) for t in inputs]
    out = fn(*xs)
    entry = {"name": name,
             "inputs": [{"shape": list(t.shape), "data": t.flatten().tolist()} for t in inputs],
             "output": {"shape": list(out.shape), "data": out.detach().flatten().tolist()}}
    if grad:
        w = torch.rand(out.shape) * 2 - 1
        (out * w).sum().backward()
        entry["weight"] = w.flatten().tolist()
        entry["grads"] = [x.grad.flatten().tolist() for x in xs]
    cases.append(entry)


x = torch.randn(3, 20) * 3
add("gelu", [x], lambda a: F.gelu(a))
add("gelu_tanh", [x], lambda a: F.gelu(a, approximate="tanh"))
add("quick_gelu", [x], lambda a: a * torch.sigmoid(1.702 * a))
add("softmax_axis1", [torch.randn(2, 5, 3) * 4], lambda a: a.softmax(1))
add("log_softmax", [torch.randn(4, 9) * 4], lambda a: a.log_softmax(-1))
add("layer_norm", [torch.randn(3, 2, 12) * 2 + 1, torch.rand(12) + 0.5, torch.randn(12)],
    lambda a, w, b: F.layer_norm(a, [12], w, b, 1e-5))
add("normalize_axis0", [torch.randn(4, 3)], lambda a: F.normalize(a, dim=0))
add("cosine_broadcast", [torch.randn(3, 1, 6), torch.randn(4, 6)], lambda a, b: F.cosine_similarity(a, b, dim=-1))
q, k, v = torch.randn(1, 2, 4, 8), torch.randn(1, 2, 5, 8), torch.randn(1, 2, 5, 3)
add("sdpa_mask", [q, k, v, torch.randn(4, 5)],
    lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m))
add("sdpa_causal", [q, k, v], lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True))
add("topk3", [torch.randn(2, 7)], lambda a: torch.topk(a, 3, dim=-1).values)
add("gather_axis1", [torch.randn(2, 4, 3)],
    lambda a: torch.gather(a, 1, torch.tensor([[[3, 0, 1], [2, 2, 0]], [[1, 3, 3], [0, 1, 2]]])))

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "TensorTests", "Fixtures", "tensor_ops_reference.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")
