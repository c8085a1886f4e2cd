#!/usr/bin/env python3
"""Writes the fuzz seed corpora, Fuzz/corpus/<target>/ (Python standard library only).

usage: python3 Scripts/make_fuzz_corpus.py
Image seeds are copied from Tests/ImagingTests/Fixtures; the rest are tiny, hand-built valid files.
"""
import gzip, io, json, os, shutil, struct, zipfile, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fuzz", "corpus")
IMG = os.path.join(ROOT, "Tests", "ImagingTests", "Fixtures")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def read(path):
    with open(path, "rb") as f:
        return f.read()


for f in sorted(os.listdir(IMG)):
    if f.endswith(".png"):
        put("fuzz-png", f, read(os.path.join(IMG, f)))
    if f.endswith(".jpg"):
        put("fuzz-jpeg", f, read(os.path.join(IMG, f)))
        if f.startswith("exif"):
            put("fuzz-exif", f, read(os.path.join(IMG, f))[:256])

# GIMP .pat: header size, version 1, width, height, bytes per pixel, "GPAT", name NUL, pixels.
for bpp in (1, 3, 4):
    name = b"seed\0"
    put("fuzz-gimp-pattern", f"seed{bpp}.pat",
        struct.pack(">IIIII", 24 + len(name), 1, 2, 2, bpp) + b"GPAT" + name + bytes(range(4 * bpp)))


def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + blob


put("fuzz-safetensors", "f32.safetensors", safetensors(
    {"w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)), "b": ("F16", [2], struct.pack("<2H", 0x3C00, 0xC000))},
    {"format": "pt"}))
put("fuzz-safetensors", "mixed.safetensors", safetensors(
    {"i": ("I64", [1], struct.pack("<q", 7)), "bf": ("BF16", [2], struct.pack("<2H", 0x3F80, 0x4000)),
     "e": ("F32", [0], b"")}))
put("fuzz-shard-index", "index.json", json.dumps(
    {"metadata": {"total_size": 16}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                                     "b.weight": "model-00002-of-00002.safetensors"}}))


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out


def field(n, wire, payload):
    key = varint(n << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 2:
        payload = payload.encode() if isinstance(payload, str) else payload
        return key + varint(len(payload)) + payload
    return key + payload  # fixed32 (5) / fixed64 (1): payload already packed


tensor_raw = field(1, 0, 2) + field(1, 0, 2) + field(2, 0, 1) + field(8, 2, "w") + field(9, 2, struct.pack("<4f", 1, 2, 3, 4))
tensor_f = field(1, 0, 2) + field(2, 0, 1) + field(4, 2, struct.pack("<2f", 5, 6)) + field(8, 2, "b")
tensor_i = field(1, 0, 2) + field(2, 0, 7) + field(7, 2, varint(3) + varint(4)) + field(8, 2, "shape")
attr = field(1, 2, "value") + field(5, 2, tensor_i) + field(20, 0, 4)
attr2 = field(1, 2, "axes") + field(8, 2, varint(0) + varint(1)) + field(20, 0, 7)
node = field(1, 2, "x") + field(1, 2, "w") + field(2, 2, "y") + field(3, 2, "mm") + field(4, 2, "MatMul")
const = field(2, 2, "s") + field(3, 2, "c") + field(4, 2, "Constant") + field(5, 2, attr) + field(5, 2, attr2)
dim = field(1, 2, field(1, 0, 1)) + field(1, 2, field(2, 2, "batch"))
vinfo = field(1, 2, "x") + field(2, 2, field(1, 2, field(1, 0, 1) + field(2, 2, dim)))
graph = (field(1, 2, node) + field(1, 2, const) + field(2, 2, "g") + field(5, 2, tensor_raw) + field(5, 2, tensor_f)
         + field(11, 2, vinfo) + field(12, 2, field(1, 2, "y")))
model = field(1, 0, 8) + field(2, 2, "seed") + field(7, 2, graph) + field(8, 2, field(1, 2, "") + field(2, 0, 17))
put("fuzz-onnx", "tiny.onnx", model)

buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr(zipfile.ZipInfo("stored.txt"), b"hello stored\n", compress_type=zipfile.ZIP_STORED)
    z.writestr(zipfile.ZipInfo("deflated.txt"), b"hello deflated " * 8, compress_type=zipfile.ZIP_DEFLATED)
put("fuzz-zip", "tiny.zip", buf.getvalue())

text = b"the quick brown fox jumps over the lazy dog " * 4
put("fuzz-gzip", "text.gz", gzip.compress(text, mtime=0))
put("fuzz-gzip", "raw.deflate", zlib.compress(text, 9)[2:-4])
put("fuzz-gzip", "stored.deflate", zlib.compressobj(0, zlib.DEFLATED, -15).compress(b"abc") + zlib.compressobj(0, zlib.DEFLATED, -15).flush())
c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_FIXED)
put("fuzz-gzip", "fixed.deflate", c.compress(text) + c.flush())


def npy(shape, values, major=1):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{s}, " for s in shape)
    pre = 10 if major == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    n = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + n + h.encode() + struct.pack(f"<{len(values)}f", *values)


put("fuzz-npy", "v1.npy", npy([2, 3], [0, 1, 2, 3, 4, 5]))
put("fuzz-npy", "v2.npy", npy([4], [1, 2, 3, 4], major=2))
put("fuzz-npy", "scalar.npy", npy([], [7]))

put("fuzz-csv", "split.csv", 'object,split,label,image,mask\ncandle,1cls,normal,"a,b.jpg",\r\n'
    'candle,1cls,anomaly,"x ""y"".jpg",m.png\n\n"multi\nline",,,,\n')

put("fuzz-results-json", "results.json", json.dumps({
    "format": "vtfusion-detect-results", "version": 1, "toolVersion": "0.1.0", "commandLine": ["vtfusion", "detect"],
    "created": "2026-01-01T00:00:00Z", "backbone": "random-tiny", "checkpoint": "ckpt", "object": "candle",
    "references": ["r.png"], "threshold": None, "mapRange": {"lo": 0, "hi": 1, "contourLevel": 0.5, "source": "refs"},
    "mapFormats": ["png"], "entries": [
        {"path": "a.png", "score": 0.5, "anomalous": True, "label": False, "category": "good",
         "files": {"map": "a_map.png", "mapNPY": "a.npy"}},
        {"path": "b.png", "score": "nan", "error": "unreadable"}]}, indent=1))

put("fuzz-config", "config.json", json.dumps({
    "backbone": "random-tiny", "backbone_sha256": "unverified", "text_encoder": "random-tiny", "taps": [1, 2],
    "layer_widths": [16, 16], "class_token_width": 16, "text_width": 16, "joint_width": 16, "adapter_hidden": 8,
    "adapter_ratio": 0.5, "fusion_heads": 2, "evidence_projection": 2, "decoder_channels": [8, 8, 8],
    "logit_scale": 10, "image_size": [64, 64], "patch_size": 8, "mean": [0.485, 0.456, 0.406],
    "std": [0.229, 0.224, 0.225],
    "prompts": {"normal_states": ["{}"], "abnormal_states": ["damaged {}"], "templates": ["a photo of a {}."],
                "object_name": "object"},
    "ablation": {"text": True, "reference": True, "fusion": True, "segmentation_net": True,
                 "synthetic_anomalies": True},
    "training": {"learning_rate": 0.001, "weight_decay": 0.01, "warmup_steps": 0, "total_steps": 1000,
                 "reference_drop_probability": 0.3, "focal_gamma": 2, "auxiliary_weight": 0.5, "seed": 0,
                 "checkpoint_every": 100}}, indent=1, sort_keys=True))
print("wrote", OUT)
