#!/usr/bin/env python3
"""Parity fixtures for Sources/Backbones (CLIP, DINOv2, BERT/MiniLM) from the `transformers` reference.

Run from the repository root:  python3 Scripts/make_backbone_fixtures.py
Writes Tests/BackbonesTests/Fixtures/*.safetensors (float32 only, a few hundred KB in all).

Two kinds of fixture:
  * "tiny" models (small widths, 2 layers) with torch-random weights stored as safetensors: they test the
    safetensors -> sanitize -> strict-load path, in HF naming and (CLIP) in OpenAI/OpenCLIP naming.
  * "real-width" CLIP models (each registry config's widths, heads, patch size and activation, 1 layer,
    vocabulary cut to 1000) whose weights are NOT stored: every parameter is filled by a counter-based hash
    (`synth` below) that the Swift tests reproduce bit for bit, so only inputs and outputs are committed.

Every output file holds the inputs (`pixel_values`, `input_ids`, ...) and the reference outputs.
Layer taps are 1-based block outputs (HF `hidden_states[i]`), with the class token removed for patch tokens.
"""
import math
import os

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import (BertConfig, BertModel, CLIPConfig, CLIPModel, Dinov2Config, Dinov2Model)

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "BackbonesTests", "Fixtures")
torch.set_grad_enabled(False)


# ---------------------------------------------------------------- deterministic synthetic weights
def fnv1a(s: str) -> int:
    h = 0x811C9DC5
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def synth(key: str, shape) -> np.ndarray:
    """Uniform values from a murmur3-finalised counter; mirrored by `SyntheticWeights` in the Swift tests."""
    n = int(np.prod(shape)) if len(shape) else 1
    i = np.arange(n, dtype=np.uint64)
    x = (np.uint64(fnv1a(key)) + i * np.uint64(0x9E3779B9)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16); x = (x * np.uint64(0x85EBCA6B)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(13); x = (x * np.uint64(0xC2B2AE35)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    u = (x >> np.uint64(8)).astype(np.float32) * np.float32(1.0 / 16777216.0) - np.float32(0.5)  # [-0.5, 0.5)
    lower = key.lower()
    if "norm" in lower and key.endswith("weight"):
        v = np.float32(1.0) + u * np.float32(0.2)
    elif key.endswith("bias"):
        v = u * np.float32(0.2)
    elif len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        v = u * np.float32(2.0 / math.sqrt(fan_in))
    else:
        v = u * np.float32(1.0)
    return v.reshape(shape).astype(np.float32)


def fill_synthetic(model):
    sd = model.state_dict()
    model.load_state_dict({k: torch.from_numpy(synth(k, tuple(v.shape))) for k, v in sd.items()})


# ---------------------------------------------------------------- references
def vv_reference(vision, pixel_values, vv_blocks, taps):
    """CLIP-Surgery V-V path on an HF CLIPVisionTransformer: in the last `vv_blocks` blocks a second stream
    accumulates out_proj(softmax(v v^T * scale) v) computed from ln_1 of the ORIGINAL stream (no MLP);
    patch tokens of tapped layers inside that range come from the V-V stream."""
    h = vision.embeddings(pixel_values, interpolate_pos_encoding=True)
    h = vision.pre_layrnorm(h)
    layers = vision.encoder.layers
    L = len(layers)
    vv = None
    out = {}
    for i, layer in enumerate(layers):
        if i >= L - vv_blocks:
            if vv is None:
                vv = h.clone()
            a = layer.self_attn
            x = layer.layer_norm1(h)
            B, N, C = x.shape
            v = a.v_proj(x).view(B, N, a.num_heads, a.head_dim).transpose(1, 2)
            w = torch.softmax(v @ v.transpose(-1, -2) * a.scale, dim=-1)
            o = (w @ v).transpose(1, 2).reshape(B, N, C)
            vv = vv + a.out_proj(o)
        h = layer(h, None)
        if isinstance(h, tuple):
            h = h[0]
        if i + 1 in taps:
            out[i + 1] = (vv if vv is not None else h)[:, 1:, :]
    return out, h


def clip_outputs(model, pixel_values, input_ids, taps, vv_blocks):
    vm = model.vision_model
    vo = vm(pixel_values=pixel_values, interpolate_pos_encoding=True, output_hidden_states=True)
    t = {"pixel_values": pixel_values, "input_ids": input_ids.float()}
    for i in taps:
        hs = vo.hidden_states[i][:, 1:, :]
        t[f"patch_tokens.{i}"] = hs
        t[f"patch_tokens_projected.{i}"] = model.visual_projection(vm.post_layernorm(hs))
    t["image_embeds"] = model.visual_projection(vo.pooler_output)
    to = model.text_model(input_ids=input_ids)
    t["text_embeds"] = model.text_projection(to.pooler_output)
    out = model(input_ids=input_ids, pixel_values=pixel_values, interpolate_pos_encoding=True)
    t["logits_per_image"] = out.logits_per_image
    if vv_blocks > 0:
        vv, _ = vv_reference(vm, pixel_values, vv_blocks, taps)
        for i, v in vv.items():
            t[f"vv_patch_tokens.{i}"] = v
    return {k: v.contiguous().float() for k, v in t.items()}


def text_ids(vocab, batch, length, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros(batch, length, dtype=torch.long)
    for b in range(batch):
        n = 3 + b * 2
        ids[b, 0] = vocab - 2  # start token
        ids[b, 1:1 + n] = torch.randint(1, vocab - 2, (n,), generator=g)
        ids[b, 1 + n] = vocab - 1  # end token (eos_token_id = largest id, as in OpenAI's vocabulary)
    return ids


def clip_config(v, t, proj, act, vocab, layers):
    return CLIPConfig(
        projection_dim=proj,
        text_config=dict(hidden_size=t[0], num_attention_heads=t[1], intermediate_size=t[2], num_hidden_layers=layers,
                         vocab_size=vocab, max_position_embeddings=77, hidden_act=act, eos_token_id=vocab - 1,
                         bos_token_id=vocab - 2, pad_token_id=0, layer_norm_eps=1e-5),
        vision_config=dict(hidden_size=v[0], num_attention_heads=v[1], intermediate_size=v[2], num_hidden_layers=layers,
                           patch_size=v[3], image_size=v[4], hidden_act=act, layer_norm_eps=1e-5),
    )


def save(tensors, name):
    path = os.path.join(OUT, name)
    save_file({k: v.contiguous() for k, v in tensors.items()}, path)
    print(f"{name}: {os.path.getsize(path) / 1024:.0f} KB")


# ---------------------------------------------------------------- OpenAI naming
def to_openai(sd, vision_layers, text_layers):
    """HF CLIPModel state dict -> OpenAI `clip` / OpenCLIP naming (fused in_proj, transposed projections)."""
    o = {}
    o["visual.class_embedding"] = sd["vision_model.embeddings.class_embedding"]
    o["visual.conv1.weight"] = sd["vision_model.embeddings.patch_embedding.weight"]
    o["visual.positional_embedding"] = sd["vision_model.embeddings.position_embedding.weight"]
    o["visual.ln_pre.weight"] = sd["vision_model.pre_layrnorm.weight"]
    o["visual.ln_pre.bias"] = sd["vision_model.pre_layrnorm.bias"]
    o["visual.ln_post.weight"] = sd["vision_model.post_layernorm.weight"]
    o["visual.ln_post.bias"] = sd["vision_model.post_layernorm.bias"]
    o["visual.proj"] = sd["visual_projection.weight"].t()
    o["token_embedding.weight"] = sd["text_model.embeddings.token_embedding.weight"]
    o["positional_embedding"] = sd["text_model.embeddings.position_embedding.weight"]
    o["ln_final.weight"] = sd["text_model.final_layer_norm.weight"]
    o["ln_final.bias"] = sd["text_model.final_layer_norm.bias"]
    o["text_projection"] = sd["text_projection.weight"].t()
    o["logit_scale"] = sd["logit_scale"]
    for src, dst, n in (("vision_model", "visual.transformer", vision_layers), ("text_model", "transformer", text_layers)):
        for i in range(n):
            p = f"{src}.encoder.layers.{i}."
            q = f"{dst}.resblocks.{i}."
            o[q + "attn.in_proj_weight"] = torch.cat([sd[p + f"self_attn.{x}_proj.weight"] for x in "qkv"], 0)
            o[q + "attn.in_proj_bias"] = torch.cat([sd[p + f"self_attn.{x}_proj.bias"] for x in "qkv"], 0)
            o[q + "attn.out_proj.weight"] = sd[p + "self_attn.out_proj.weight"]
            o[q + "attn.out_proj.bias"] = sd[p + "self_attn.out_proj.bias"]
            for a, b in (("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"), ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")):
                o[q + a + ".weight"] = sd[p + b + ".weight"]
                o[q + a + ".bias"] = sd[p + b + ".bias"]
    o["attn_mask"] = torch.full((77, 77), float("-inf")).triu(1)  # a buffer that sanitize drops
    return {k: v.contiguous() for k, v in o.items()}


def to_hub_dinov2(sd):
    """transformers-5 Dinov2Model keys -> the naming of checkpoints on the Hub (attention.attention.query ...)."""
    r = {}
    for k, v in sd.items():
        k2 = (k.replace("attention.q_proj", "attention.attention.query").replace("attention.k_proj", "attention.attention.key")
              .replace("attention.v_proj", "attention.attention.value").replace("attention.o_proj", "attention.output.dense"))
        r[k2] = v
    return r


# ---------------------------------------------------------------- main
def main():
    os.makedirs(OUT, exist_ok=True)

    # Tiny CLIP, stored weights, HF and OpenAI naming, with a V-V path in the last block.
    torch.manual_seed(0)
    cfg = clip_config((64, 4, 96, 8, 32), (48, 4, 80), 40, "quick_gelu", 100, 2)
    model = CLIPModel(cfg).eval()
    with torch.no_grad():
        model.logit_scale.fill_(math.log(1 / 0.07))
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    save(sd, "clip_tiny_hf.safetensors")
    save(to_openai(sd, 2, 2), "clip_tiny_openai.safetensors")
    g = torch.Generator().manual_seed(1)
    px = torch.randn(2, 3, 48, 40, generator=g)  # 6x5 patches: non-square, interpolated from 4x4
    ids = text_ids(100, 3, 16, 2)
    save(clip_outputs(model, px, ids, [1, 2], 1), "clip_tiny_outputs.safetensors")
    px2 = torch.randn(1, 3, 32, 32, generator=g)  # native size: no interpolation
    o = model.vision_model(pixel_values=px2, output_hidden_states=True)
    save({"pixel_values": px2, "patch_tokens.2": o.hidden_states[2][:, 1:].contiguous(),
          "image_embeds": model.visual_projection(o.pooler_output)}, "clip_tiny_native_outputs.safetensors")

    # Real-width CLIP configs, 1 layer, synthetic weights (not stored).
    real = {
        "ViT-B-32": ((768, 12, 3072, 32, 224), (512, 8, 2048), 512, "quick_gelu", (64, 64)),
        "ViT-B-16": ((768, 12, 3072, 16, 224), (512, 8, 2048), 512, "quick_gelu", (32, 48)),
        "ViT-L-14": ((1024, 16, 4096, 14, 224), (768, 12, 3072), 768, "quick_gelu", (28, 28)),
        "ViT-L-14-336": ((1024, 16, 4096, 14, 336), (768, 12, 3072), 768, "quick_gelu", (42, 28)),
        "ViT-B-16-plus-240": ((896, 14, 3584, 16, 240), (640, 10, 2560), 640, "gelu", (48, 32)),
    }
    for n, (v, t, proj, act, (h, w)) in real.items():
        model = CLIPModel(clip_config(v, t, proj, act, 1000, 1)).eval()
        fill_synthetic(model)
        g = torch.Generator().manual_seed(3)
        px = torch.randn(2, 3, h, w, generator=g)
        ids = text_ids(1000, 2, 77, 4)
        save(clip_outputs(model, px, ids, [1], 1), f"clip_{n}_synthetic_outputs.safetensors")

    # Tiny DINOv2, stored in Hub naming, layer scale not 1, interpolated positions.
    torch.manual_seed(5)
    dcfg = Dinov2Config(hidden_size=48, num_attention_heads=4, num_hidden_layers=2, patch_size=14, image_size=56,
                        layerscale_value=0.5, layer_norm_eps=1e-6, mlp_ratio=4)
    dm = Dinov2Model(dcfg).eval()
    with torch.no_grad():
        for k, p in dm.named_parameters():
            if "lambda1" in k or "norm" in k:
                p.add_(torch.randn_like(p) * 0.1)
    sd = to_hub_dinov2({k: v.contiguous() for k, v in dm.state_dict().items()})
    save(sd, "dinov2_tiny_hub.safetensors")
    g = torch.Generator().manual_seed(6)
    px = torch.randn(2, 3, 70, 42, generator=g)  # 5x3 patches from a 4x4 grid
    o = dm(pixel_values=px, output_hidden_states=True)
    t = {"pixel_values": px, "last_hidden_state": o.last_hidden_state, "pooler_output": o.pooler_output}
    for i in (1, 2):
        t[f"patch_tokens.{i}"] = o.hidden_states[i][:, 1:]
        t[f"patch_tokens_normed.{i}"] = dm.layernorm(o.hidden_states[i])[:, 1:]
    save({k: v.contiguous() for k, v in t.items()}, "dinov2_tiny_outputs.safetensors")

    # MiniLM-like BERT, 2 layers.
    torch.manual_seed(7)
    bcfg = BertConfig(vocab_size=120, hidden_size=48, num_hidden_layers=2, num_attention_heads=4, intermediate_size=96,
                      max_position_embeddings=64, type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12)
    bm = BertModel(bcfg, add_pooling_layer=False).eval()
    save({k: v.contiguous() for k, v in bm.state_dict().items()}, "bert_tiny.safetensors")
    g = torch.Generator().manual_seed(8)
    ids = torch.zeros(3, 12, dtype=torch.long)
    mask = torch.zeros(3, 12, dtype=torch.long)
    for b, n in enumerate((12, 7, 4)):
        ids[b, 0] = 101 % 120
        ids[b, 1:n - 1] = torch.randint(5, 120, (n - 2,), generator=g)
        ids[b, n - 1] = 102 % 120
        mask[b, :n] = 1
    o = bm(input_ids=ids, attention_mask=mask)
    hs = o.last_hidden_state
    m = mask.unsqueeze(-1).float()
    pooled = (hs * m).sum(1) / m.sum(1).clamp(min=1e-9)
    normed = torch.nn.functional.normalize(pooled, dim=-1)
    save({"input_ids": ids.float(), "attention_mask": mask.float(), "last_hidden_state": hs.contiguous(),
          "mean_pooled": pooled.contiguous(), "sentence_embedding": normed.contiguous()}, "bert_tiny_outputs.safetensors")


if __name__ == "__main__":
    main()
