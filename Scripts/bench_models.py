"""PyTorch side of the backbone and head cases of `vtfusion bench` (imported by Scripts/bench_torch.py).

Cases (mirroring Sources/PerfBench/BackboneBench.swift and HeadBench.swift):
  clip:B-16@224, clip:L-14-336@336, clip:L-14-336@518   transformers CLIPVisionModel, random init,
                                                        full depth, interpolate_pos_encoding when the
                                                        input differs from the config's image size
  dinov2:S-14@448                                       transformers Dinov2Model (always interpolates)
  head:train, head:infer                                the VTFusion head of Scripts/make_method_fixtures.py
                                                        (imported, not copied): one AdamW step on the
                                                        combined loss / one forward under inference_mode

The head's dimensions come from the JSON the Swift side writes to $VTFUSION_BENCH_HEAD (the
VTFusionConfig of the default pipeline plus batch / k / prompt counts); without it the standard head on
DINOv2-S/14 at 224 px is used.
"""
import json
import os
import sys

# Backbones: (family, hidden, layers, heads, patch, config image size, activation).
BACKBONES = {
    "clip:B-16": ("clip", 768, 12, 12, 16, 224, "quick_gelu"),
    "clip:L-14-336": ("clip", 1024, 24, 16, 14, 336, "quick_gelu"),
    "dinov2:S-14": ("dinov2", 384, 12, 6, 14, 518, "gelu"),
}


def big_reps(name, reps):
    """The ViT-L cases run 1 timed repetition after 1 warm-up (as the Swift side does)."""
    return 1 if name.startswith("clip:L-14") else reps


def taps(depth):
    return [depth // 4 * i for i in range(1, 5)]


def backbone_case(name, reps, median_time):
    import torch
    key, _, size = name.partition("@")
    family, width, depth, heads, patch, native, act = BACKBONES[key]
    size = int(size)
    torch.manual_seed(0)
    if family == "clip":
        from transformers import CLIPVisionConfig, CLIPVisionModel
        cfg = CLIPVisionConfig(hidden_size=width, intermediate_size=4 * width, num_hidden_layers=depth,
                               num_attention_heads=heads, image_size=native, patch_size=patch, hidden_act=act,
                               projection_dim=width)
        model = CLIPVisionModel(cfg).eval()
        kwargs = dict(interpolate_pos_encoding=size != native)
    else:
        from transformers import Dinov2Config, Dinov2Model
        cfg = Dinov2Config(hidden_size=width, num_hidden_layers=depth, num_attention_heads=heads,
                           image_size=native, patch_size=patch, hidden_act=act)
        model = Dinov2Model(cfg).eval()
        kwargs = {}
    x = torch.randn(1, 3, size, size)
    layers = taps(depth)

    def step():
        out = model(pixel_values=x, output_hidden_states=True, **kwargs)
        return [out.hidden_states[l] for l in layers], out.pooler_output

    with torch.inference_mode():
        return median_time(step, big_reps(name, reps))


def head_setup():
    """The reference network and inputs shaped like the Swift case."""
    import torch
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    import make_method_fixtures as ref

    path = os.environ.get("VTFUSION_BENCH_HEAD")
    if path:
        with open(path) as fh:
            spec = json.load(fh)
    else:  # HeadSize.standard on DINOv2-S/14 at 224 px, MiniLM text (VTFusionPipeline.config).
        spec = dict(config=dict(layer_widths=[384] * 4, class_token_width=384, text_width=384, joint_width=128,
                                adapter_hidden=64, adapter_ratio=0.5, fusion_heads=4, evidence_projection=4,
                                decoder_channels=[32, 16, 8], logit_scale=10.0, image_size=[224, 224],
                                patch_size=14, training=dict(learning_rate=1e-3, weight_decay=1e-2,
                                                             focal_gamma=2.0, auxiliary_weight=0.5)),
                    batch=4, references=2, normal_prompts=28, abnormal_prompts=20)
    c = dict(spec["config"])
    c.update(c.pop("training"))
    grid = (c["image_size"][0] // c["patch_size"], c["image_size"][1] // c["patch_size"])
    n = grid[0] * grid[1]
    b, k = spec["batch"], spec["references"]
    torch.manual_seed(0)
    net = ref.VTFusionNetwork(c)
    patches = [torch.randn(b, n, w) for w in c["layer_widths"]]
    refs = [torch.randn(k, n, w) for w in c["layer_widths"]]
    cls = torch.randn(b, c["class_token_width"])
    normal = torch.randn(spec["normal_prompts"], c["text_width"])
    abnormal = torch.randn(spec["abnormal_prompts"], c["text_width"])
    out_size = (grid[0] << (len(c["decoder_channels"]) - 1), grid[1] << (len(c["decoder_channels"]) - 1))
    masks = torch.zeros(b, *out_size)
    masks[0, out_size[0] // 4: out_size[0] // 2, out_size[1] // 3: out_size[1] // 2] = 1
    return ref, net, c, grid, patches, refs, cls, normal, abnormal, masks


def head_case(name, reps, median_time):
    import torch
    ref, net, c, grid, patches, refs, cls, normal, abnormal, masks = head_setup()
    if name == "head:infer":
        with torch.inference_mode():
            memory = net.memory(refs)  # built once per reference set, as Detector does
            return median_time(lambda: net(patches, cls, normal, abnormal, memory, grid), reps)
    if name != "head:train":
        raise SystemExit(f"unknown case {name}")
    b, g = masks.shape[0], c["focal_gamma"]
    # Mask targets are data preparation: ref.resize_masks is a Python loop per output cell, so it is
    # computed once here (the Swift side's box filter costs microseconds inside its step).
    target = ref.resize_masks(masks, masks.shape[1:])
    grid_t = ref.resize_masks(masks, grid).reshape(b, -1)
    labels = (masks.reshape(b, -1) > 0.5).any(1).float()
    opt = torch.optim.AdamW(net.parameters(), lr=c["learning_rate"], weight_decay=c["weight_decay"])

    def step():
        memory = net.memory(refs)
        pixel, image, maps = net(patches, cls, normal, abnormal, memory, grid)
        aux = sum(ref.focal(t, grid_t, g) + ref.dice(t, grid_t) for t in maps["text"])
        total = (ref.focal(pixel, target, g) + ref.dice(pixel, target) + ref.bce(image, labels)
                 + aux * (c["auxiliary_weight"] / len(maps["text"])))
        opt.zero_grad()
        total.backward()
        opt.step()
        return float(total.detach())

    return median_time(step, reps)


def run(name, reps, median_time):
    if name.startswith("head:"):
        return head_case(name, reps, median_time)
    return backbone_case(name, reps, median_time)
