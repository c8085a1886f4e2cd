#!/usr/bin/env python3
"""Parity fixtures for the NN module (layers, losses, optimizers, safetensors), from PyTorch.

Writes small safetensors files into Tests/NNTests/Fixtures (each well under 1 MB):

- dtypes.safetensors      tensors in F32, F16, BF16, I64, I32 (+ __metadata__), read by SafetensorsTests;
                          the exact float values of the F16/BF16 tensors are stored again as F32 ("*_ref").
- optim.safetensors       AdamW / SGD trajectories on fixed parameters and gradients (torch.optim).
- losses.safetensors      inputs, values and input gradients of the losses (F.* and the AnomalyCLIP
                          focal / dice reference implementations below).
- transformer.safetensors 2 pre-LN transformer blocks (width 32, 4 heads, seq 7, GELU): parameters, input,
                          output and gradients of sum(out * w) w.r.t. the input and every parameter.
- convnet.safetensors     Conv2d-ReLU-Conv2d-mean-Linear: parameters, input, loss, and parameters after one
                          and two AdamW steps and after one and two SGD-momentum steps.

Regenerate with:  python3 Scripts/make_nn_fixtures.py   (torch 2.13, safetensors 0.8)
"""
import collections
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "NNTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)


def save(name, tensors, metadata=None):
    tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
    path = os.path.join(OUT, name)
    save_file(tensors, path, metadata=metadata)
    print(f"{name}: {len(tensors)} tensors, {os.path.getsize(path)} bytes")


def r(*shape, lo=-1.0, hi=1.0):
    return torch.rand(*shape) * (hi - lo) + lo


# ---------------------------------------------------------------- dtypes
def make_dtypes():
    f32 = torch.tensor([[1.5, -2.25, 3.0], [0.0, 1e-3, -65504.0]], dtype=torch.float32)
    f16 = torch.tensor([0.1, -1.0, 65504.0, 6.1e-5, 5.96e-8, -0.0, 1234.5], dtype=torch.float16)
    bf16 = torch.tensor([[0.1, -3.0e38], [1.0e-30, 7.5]], dtype=torch.bfloat16)
    i64 = torch.tensor([0, -5, 123456, 49406], dtype=torch.int64)
    i32 = torch.tensor([[7, -8]], dtype=torch.int32)
    save("dtypes.safetensors", {
        "a.f32": f32, "b.f16": f16, "c.bf16": bf16, "d.i64": i64, "e.i32": i32,
        "b.f16_ref": f16.float(), "c.bf16_ref": bf16.float(),
        "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
    }, metadata={"format": "pt", "note": "vtfusion nn fixture"})


# ---------------------------------------------------------------- optimizers
def make_optim():
    out = {}
    p0 = r(5, 3)
    q0 = r(4)
    grads = [(r(5, 3), r(4)) for _ in range(3)]
    out["p0"], out["q0"] = p0, q0
    for i, (gp, gq) in enumerate(grads):
        out[f"gp{i}"], out[f"gq{i}"] = gp, gq

    def run(name, make):
        p = p0.clone().requires_grad_(True)
        q = q0.clone().requires_grad_(True)
        opt = make([p, q])
        for i, (gp, gq) in enumerate(grads):
            p.grad, q.grad = gp.clone(), gq.clone()
            opt.step()
            out[f"{name}.p{i + 1}"], out[f"{name}.q{i + 1}"] = p.detach().clone(), q.detach().clone()

    run("adamw", lambda ps: torch.optim.AdamW(ps))
    run("adamw_custom", lambda ps: torch.optim.AdamW(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1))
    run("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1))
    run("sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01))
    run("sgd_dampening", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3))
    run("sgd_nesterov", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
    save("optim.safetensors", out)


# ---------------------------------------------------------------- losses
def anomalyclip_focal(logit, target, gamma=2, alpha=None, smooth=1e-5):
    """FocalLoss.forward of AnomalyCLIP / APRIL-GAN (apply_nonlin=None, size_average=True)."""
    num_class = logit.shape[1]
    if logit.dim() > 2:
        logit = logit.view(logit.size(0), logit.size(1), -1)
        logit = logit.permute(0, 2, 1).contiguous()
        logit = logit.view(-1, logit.size(-1))
    target = torch.squeeze(target, 1)
    target = target.view(-1, 1)
    if alpha is None:
        alpha = torch.ones(num_class, 1)
    else:
        alpha = torch.FloatTensor(alpha).view(num_class, 1)
        alpha = alpha / alpha.sum()
    idx = target.cpu().long()
    one_hot_key = torch.FloatTensor(target.size(0), num_class).zero_()
    one_hot_key = one_hot_key.scatter_(1, idx, 1)
    one_hot_key = torch.clamp(one_hot_key, smooth / (num_class - 1), 1.0 - smooth)
    pt = (one_hot_key * logit).sum(1) + smooth
    logpt = pt.log()
    alpha = torch.squeeze(alpha[idx])
    loss = -1 * alpha * torch.pow(torch.sub(1.0, pt), gamma) * logpt
    return loss.mean()


def anomalyclip_dice(inp, targets):
    """BinaryDiceLoss.forward of AnomalyCLIP / APRIL-GAN."""
    n = targets.size()[0]
    smooth = 1
    input_flat = inp.view(n, -1)
    targets_flat = targets.view(n, -1)
    intersection = input_flat * targets_flat
    dice = (2 * intersection.sum(1) + smooth) / (input_flat.sum(1) + targets_flat.sum(1) + smooth)
    return 1 - dice.sum() / n


def make_losses():
    out = {}

    def grad_of(name, x, fn):
        x = x.clone().requires_grad_(True)
        y = fn(x)
        y.backward()
        out[f"{name}.value"] = y.detach().reshape(1)
        out[f"{name}.grad"] = x.grad

    logits = r(4, 3, lo=-4, hi=4)
    targets = (torch.rand(4, 3) > 0.5).float()
    targets[0, 0] = 0.3  # soft label
    pos_weight = torch.tensor([1.0, 2.5, 0.5])
    out["bce.logits"], out["bce.targets"], out["bce.pos_weight"] = logits, targets, pos_weight
    grad_of("bce", logits, lambda x: F.binary_cross_entropy_with_logits(x, targets))
    grad_of("bce_pw", logits, lambda x: F.binary_cross_entropy_with_logits(x, targets, pos_weight=pos_weight))
    grad_of("bce_sum", logits, lambda x: F.binary_cross_entropy_with_logits(x, targets, reduction="sum"))

    ce_logits = r(5, 4, lo=-3, hi=3)
    ce_targets = torch.tensor([0, 3, 1, -100, 2])
    out["ce.logits"], out["ce.targets"] = ce_logits, ce_targets.float()
    grad_of("ce", ce_logits, lambda x: F.cross_entropy(x, ce_targets))
    grad_of("ce_smooth", ce_logits, lambda x: F.cross_entropy(x, ce_targets, label_smoothing=0.1))
    grad_of("ce_sum", ce_logits, lambda x: F.cross_entropy(x, ce_targets, reduction="sum"))

    seg_logits = r(2, 2, 4, 5, lo=-2, hi=2)
    probs = seg_logits.softmax(dim=1)
    mask = (torch.rand(2, 1, 4, 5) > 0.6).float()
    out["focal.probs"], out["focal.mask"] = probs, mask
    grad_of("focal", probs, lambda p: anomalyclip_focal(p, mask))
    grad_of("focal_alpha", probs, lambda p: anomalyclip_focal(p, mask, alpha=[0.25, 0.75]))
    grad_of("dice", probs[:, 1], lambda p: anomalyclip_dice(p, mask[:, 0]))

    a, b = r(3, 4), r(3, 4)
    out["mse.a"], out["mse.b"] = a, b
    grad_of("mse", a, lambda x: F.mse_loss(x, b))
    save("losses.safetensors", out)


# ---------------------------------------------------------------- transformer
class Block(nn.Module):
    """Pre-LN block with OpenCLIP's ResidualAttentionBlock names."""

    def __init__(self, width, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(collections.OrderedDict([
            ("c_fc", nn.Linear(width, 4 * width)), ("gelu", nn.GELU()), ("c_proj", nn.Linear(4 * width, width))]))

    def forward(self, x, attn_mask=None):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False, attn_mask=attn_mask)[0]
        return x + self.mlp(self.ln_2(x))


class Stack(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x, attn_mask=None):
        for b in self.blocks:
            x = b(x, attn_mask)
        return x


def perturb(module, std=0.1):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p) * std)


def make_transformer():
    width, heads, seq, batch = 32, 4, 7, 2
    model = Stack([Block(width, heads), Block(width, heads)])
    perturb(model)
    out = {f"param.{k}": v for k, v in model.state_dict().items()}
    x = r(batch, seq, width)
    w = r(batch, seq, width)
    out["x"], out["w"] = x, w

    xi = x.clone().requires_grad_(True)
    y = model(xi)
    (y * w).sum().backward()
    out["out"], out["grad.x"] = y, xi.grad
    for k, p in model.named_parameters():
        out[f"grad.{k}"] = p.grad.clone()
    model.zero_grad()

    causal = torch.full((seq, seq), float("-inf")).triu(1)
    xc = x.clone().requires_grad_(True)
    yc = model(xc, causal)
    (yc * w).sum().backward()
    out["out_causal"], out["grad_causal.x"] = yc, xc.grad

    # cross attention, sequence first, with a key padding mask
    mha = nn.MultiheadAttention(16, 2)
    perturb(mha)
    q, k, v = r(3, 2, 16), r(5, 2, 16), r(5, 2, 16)
    pad = torch.tensor([[False, False, False, True, True], [False] * 5])
    qi, ki, vi = (t.clone().requires_grad_(True) for t in (q, k, v))
    yo = mha(qi, ki, vi, key_padding_mask=pad, need_weights=False)[0]
    wo = r(*yo.shape)
    (yo * wo).sum().backward()
    out.update({f"mha.param.{k}": v for k, v in mha.state_dict().items()})
    out.update({"mha.q": q, "mha.k": k, "mha.v": v, "mha.pad": pad.float(), "mha.w": wo, "mha.out": yo,
                "mha.grad.q": qi.grad, "mha.grad.k": ki.grad, "mha.grad.v": vi.grad,
                "mha.grad.in_proj_weight": mha.in_proj_weight.grad})
    save("transformer.safetensors", out)


# ---------------------------------------------------------------- conv net + optimizer steps
class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.conv2(x).mean(dim=(2, 3))
        return self.fc(x)


def make_convnet():
    model = ConvNet()
    init = {k: v.clone() for k, v in model.state_dict().items()}
    x = r(2, 3, 9, 9)
    targets = torch.tensor([1, 3])
    out = {f"param.{k}": v for k, v in init.items()}
    out["x"], out["targets"] = x, targets.float()
    out["logits"] = model(x)

    def train(name, make_opt):
        model.load_state_dict(init)
        opt = make_opt(model.parameters())
        for step in (1, 2):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), targets)
            loss.backward()
            if step == 1:
                out[f"{name}.loss1"] = loss.detach().reshape(1)
                for k, p in model.named_parameters():
                    out[f"{name}.grad1.{k}"] = p.grad.clone()
            opt.step()
            for k, p in model.named_parameters():
                out[f"{name}.step{step}.{k}"] = p.detach().clone()

    train("adamw", lambda ps: torch.optim.AdamW(ps, lr=0.01))
    train("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3))
    save("convnet.safetensors", out)


if __name__ == "__main__":
    make_dtypes()
    make_optim()
    make_losses()
    make_transformer()
    make_convnet()
