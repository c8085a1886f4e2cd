#!/usr/bin/env python3
"""PyTorch reference of the VTFusion head (Sources/VTFusion) and its parity fixtures.

Writes into Tests/VTFusionTests/Fixtures:
  method_meta.json             dimensions and hyper-parameters (the Swift test builds the same config)
  method_params.safetensors    random initial parameters, keyed exactly like the Swift modules
  method_inputs.safetensors    features, class tokens, reference features, text embeddings, masks
  method_outputs.safetensors   forward outputs, loss terms, and the parameters after ONE AdamW step
                               (keys "after.<param>") on the combined loss

Dev-time only:  python3 Scripts/make_method_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)

CFG = dict(layer_widths=[12, 10], class_token_width=12, text_width=8, joint_width=16, adapter_hidden=8,
           adapter_ratio=0.5, fusion_heads=2, evidence_projection=2, decoder_channels=[6, 5, 4],
           logit_scale=10.0, image_size=[32, 32], patch_size=8, learning_rate=1e-3, weight_decay=1e-2,
           focal_gamma=2.0, auxiliary_weight=0.5, batch=2, references=2, normal_prompts=3, abnormal_prompts=2)


def normalize(x):
    return F.normalize(x, dim=-1, eps=1e-12)


def state_score(x, protos):
    s = x @ protos.T
    return s[..., 1] - s[..., 0]


class ResidualAdapter(nn.Module):
    def __init__(self, cin, width, hidden, ratio):
        super().__init__()
        self.proj = nn.Linear(cin, width, bias=False)
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)
        self.ratio = ratio

    def forward(self, x):
        p = self.proj(x)
        return self.ratio * self.fc2(F.gelu(self.fc1(p))) + (1 - self.ratio) * p


class ImageAdapter(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList([ResidualAdapter(w, c["joint_width"], c["adapter_hidden"], c["adapter_ratio"])
                                     for w in c["layer_widths"]])
        self.cls_proj = nn.Linear(c["class_token_width"], c["joint_width"], bias=False)


class TextAdapter(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.adapter = ResidualAdapter(c["text_width"], c["joint_width"], c["adapter_hidden"], c["adapter_ratio"])

    def forward(self, normal, abnormal):
        n = normalize(self.adapter(normal))
        a = normalize(self.adapter(abnormal))
        protos = normalize(torch.stack([n.mean(0), a.mean(0)], 0))
        return torch.cat([n, a], 0), protos


class CrossAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))
        self.heads = heads

    def forward(self, query, context):
        d = query.shape[2]
        dh = d // self.heads

        def split(x):
            return x.reshape(x.shape[0], x.shape[1], self.heads, dh).permute(0, 2, 1, 3)

        q, k, v = split(self.q_proj(query)), split(self.k_proj(context)), split(self.v_proj(context))
        attn = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        o = (attn @ v).permute(0, 2, 1, 3)
        return self.out_proj(o.reshape(o.shape[0], o.shape[1], d))


class FusionBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.res_proj = nn.Linear(d, d, bias=False)
        self.img_to_text = CrossAttention(d, heads)
        self.text_to_img = CrossAttention(d, heads)

    def forward(self, f, residual, tokens, protos):
        z = f + self.res_proj(residual)
        z = z + self.img_to_text(z, tokens[None])
        p = protos[None]
        p = p + self.text_to_img(p, z)
        zn = normalize(z)
        sim = zn @ normalize(p).transpose(-1, -2)
        return zn, sim[..., 1] - sim[..., 0]


class SegmentationNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        q, ch = c["evidence_projection"], c["decoder_channels"]
        self.proj = nn.ModuleList([nn.Linear(c["joint_width"], q) for _ in c["layer_widths"]])
        self.knn_gain = nn.Parameter(torch.tensor([8.0]))
        self.stem = nn.Conv2d(len(c["layer_widths"]) * (4 + q), ch[0], 3, padding=1)
        self.blocks = nn.ModuleList([nn.Conv2d(ch[i - 1], ch[i], 3, padding=1) for i in range(1, len(ch))])
        self.head = nn.Conv2d(ch[-1], 2, 1)

    def stack(self, evidence, grid):
        chans = []
        for l, (text, dist, fused, feats, knn) in enumerate(evidence):
            chans.append(torch.stack([text, dist, fused, knn], 2))
            chans.append(self.proj[l](feats))
        x = torch.cat(chans, 2)
        b, _, c = x.shape
        return x.permute(0, 2, 1).reshape(b, c, grid[0], grid[1])

    def forward(self, x):
        y = F.relu(self.stem(x))
        for block in self.blocks:
            up = F.interpolate(y, size=(y.shape[2] * 2, y.shape[3] * 2), mode="bilinear", align_corners=False)
            y = F.relu(block(up))
        return self.head(y)


def top_mean(x):
    flat = x.reshape(x.shape[0], -1)
    k = max(1, (flat.shape[1] + 99) // 100)
    return flat.topk(k, dim=1).values.mean(1)


class ImageScoreHead(nn.Module):
    KNN_SCALE, LOGIT_SCALE = 10.0, 0.1

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 1)

    def forward(self, prob, logits, class_score, ref_score, knn_map):
        flat = prob.reshape(prob.shape[0], -1)
        feats = torch.stack([flat.max(1).values, top_mean(prob), class_score, ref_score,
                             top_mean(knn_map) * self.KNN_SCALE, top_mean(logits) * self.LOGIT_SCALE], 1)
        return self.fc(feats).reshape(prob.shape[0])


class VTFusionNetwork(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.image_adapter = ImageAdapter(c)
        self.text_adapter = TextAdapter(c)
        self.fusion = nn.ModuleList([FusionBlock(c["joint_width"], c["fusion_heads"]) for _ in c["layer_widths"]])
        self.seg_net = SegmentationNet(c)
        self.image_head = ImageScoreHead()

    def memory(self, ref_patches):
        adapted = [normalize(self.image_adapter.layers[l](p)).reshape(-1, self.c["joint_width"])
                   for l, p in enumerate(ref_patches)]
        raw = [normalize(p.reshape(-1, p.shape[-1])) for p in ref_patches]  # frozen tokens (kNN baseline)
        return adapted, raw

    def forward(self, patches, cls, normal, abnormal, memory, grid):
        scale = self.c["logit_scale"]
        tokens, protos = self.text_adapter(normal, abnormal)
        memory, raw = memory
        evidence, out = [], dict(text=[], dist=[], fused=[])
        for l, x in enumerate(patches):
            f = normalize(self.image_adapter.layers[l](x))
            b, n, d = f.shape
            text = state_score(f, protos)
            mem = memory[l]
            idx = (f.reshape(-1, d) @ mem.T).argmax(1)
            nearest = mem[idx].reshape(b, n, d)
            dist = 1 - (f * nearest).sum(-1)
            zn, fused = self.fusion[l](f, f - nearest, tokens, protos)
            knn = (1 - (normalize(x.reshape(-1, x.shape[-1])) @ raw[l].T).max(1).values).reshape(b, n).detach()
            evidence.append((text, dist, fused, zn, knn))
            out["text"].append(text * scale)
            out["dist"].append(dist)
            out["fused"].append(fused * scale)
        logits = self.seg_net(self.seg_net.stack(evidence, grid))
        knn_map = torch.stack([e[4] for e in evidence], 0).mean(0)
        knn_up = F.interpolate(knn_map.reshape(-1, 1, *grid), size=logits.shape[2:], mode="bilinear",
                               align_corners=False)[:, 0]
        pixel = logits[:, 1] - logits[:, 0] + self.seg_net.knn_gain * knn_up
        class_score = state_score(normalize(self.image_adapter.cls_proj(cls)), protos)
        ref_score = torch.stack([e[1].max(1).values for e in evidence], 0).mean(0)
        image = self.image_head(torch.sigmoid(pixel), pixel, class_score, ref_score, knn_map)
        return pixel, image, out


def resize_masks(m, size):
    b, h, w = m.shape
    if (h, w) == tuple(size):
        return m.clone()

    def span(i, n, o):
        lo = i * n // o
        hi = max(lo + 1, ((i + 1) * n + o - 1) // o)
        return lo, min(hi, n)

    out = torch.zeros(b, size[0], size[1])
    for i in range(size[0]):
        for j in range(size[1]):
            y0, y1 = span(i, h, size[0])
            x0, x1 = span(j, w, size[1])
            out[:, i, j] = m[:, y0:y1, x0:x1].mean(dim=(1, 2))
    return out


def focal(x, t, gamma):
    logp, log1mp = -F.softplus(-x), -F.softplus(x)
    return -(t * torch.exp(gamma * log1mp) * logp + (1 - t) * torch.exp(gamma * logp) * log1mp).mean()


def dice(x, t):
    p = torch.sigmoid(x)

    def one(p, t):
        return 1 - (2 * (p * t).sum() + 1) / (p.sum() + t.sum() + 1)

    return one(p, t) + one(1 - p, 1 - t)


def bce(x, t):
    return (t * F.softplus(-x) + (1 - t) * F.softplus(x)).mean()


def main():
    c = CFG
    grid = (c["image_size"][0] // c["patch_size"], c["image_size"][1] // c["patch_size"])
    n = grid[0] * grid[1]
    b, k = c["batch"], c["references"]
    net = VTFusionNetwork(c)
    params = {key: v.detach().clone().contiguous() for key, v in net.state_dict().items()}

    inputs = {}
    patches = [torch.randn(b, n, w) for w in c["layer_widths"]]
    refs = [torch.randn(k, n, w) for w in c["layer_widths"]]
    for l in range(len(patches)):
        patches[l][0, 5:7] += 1.5  # a "defect" in image 0
        inputs[f"patches.{l}"], inputs[f"refs.{l}"] = patches[l], refs[l]
    cls = torch.randn(b, c["class_token_width"])
    ref_cls = torch.randn(k, c["class_token_width"])
    normal = torch.randn(c["normal_prompts"], c["text_width"])
    abnormal = torch.randn(c["abnormal_prompts"], c["text_width"])
    masks = torch.zeros(b, *c["image_size"])
    masks[0, 4:12, 6:19] = 1
    inputs.update(cls=cls, ref_cls=ref_cls, normal=normal, abnormal=abnormal, masks=masks)

    memory = net.memory(refs)
    pixel, image, maps = net(patches, cls, normal, abnormal, memory, grid)
    target = resize_masks(masks, pixel.shape[1:])
    labels = (masks.reshape(b, -1) > 0.5).any(1).float()
    g = c["focal_gamma"]
    lf, ld, li = focal(pixel, target, g), dice(pixel, target), bce(image, labels)
    grid_t = resize_masks(masks, grid).reshape(b, -1)
    aux = sum(focal(t, grid_t, g) + dice(t, grid_t) for t in maps["text"]) * (c["auxiliary_weight"] / len(maps["text"]))
    total = lf + ld + li + aux

    outputs = {"pixel_logits": pixel, "image_logits": image,
               "loss.total": total.reshape(1), "loss.focal": lf.reshape(1), "loss.dice": ld.reshape(1),
               "loss.image": li.reshape(1), "loss.auxiliary": aux.reshape(1)}
    for l in range(len(patches)):
        outputs[f"text_logits.{l}"] = maps["text"][l]
        outputs[f"ref_dist.{l}"] = maps["dist"][l]
        outputs[f"fused_logits.{l}"] = maps["fused"][l]

    opt = torch.optim.AdamW(net.parameters(), lr=c["learning_rate"], weight_decay=c["weight_decay"])
    opt.zero_grad()
    total.backward()
    for key, p in net.named_parameters():
        assert p.grad is not None, key
    opt.step()
    for key, v in net.state_dict().items():
        outputs["after." + key] = v.detach().clone()

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "Tests", "VTFusionTests", "Fixtures")
    os.makedirs(out, exist_ok=True)
    det = lambda d: {key: v.detach().contiguous() for key, v in d.items()}
    save_file(det(params), os.path.join(out, "method_params.safetensors"))
    save_file(det(inputs), os.path.join(out, "method_inputs.safetensors"))
    save_file(det(outputs), os.path.join(out, "method_outputs.safetensors"))
    with open(os.path.join(out, "method_meta.json"), "w") as fh:
        json.dump(dict(c, grid=list(grid)), fh, indent=1, sort_keys=True)
    print("params", sum(v.numel() for v in params.values()), "loss", float(total.detach()))


if __name__ == "__main__":
    main()
