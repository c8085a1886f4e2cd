#!/usr/bin/env python3
"""Generates the Imaging test fixtures (Tests/ImagingTests/Fixtures) with Pillow, numpy and scipy.

Dev-time only. Run from the repository root:  python3 Scripts/make_imaging_fixtures.py
Writes small PNG/JPEG files for every decoder variant plus JSON files with the pixels Pillow/scipy produce.
"""
import io, json, os, struct, zlib
import numpy as np
from PIL import Image
from scipy import ndimage

OUT = os.path.join("Tests", "ImagingTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(1234)
W, H = 13, 9


def smooth_rgb(w, h, seed):
    r = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 / max(w - 1, 1), yy * 255 / max(h - 1, 1), (xx + yy) * 127 / max(w + h - 2, 1)], -1)
    noise = r.integers(-60, 60, size=(h, w, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(arr, color_type, depth):
    """Minimal PNG writer (filter 0) for variants Pillow cannot write (16-bit RGB)."""
    h, w = arr.shape[:2]
    rows = b"".join(b"\x00" + arr[y].astype(">u2" if depth == 16 else "u1").tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b"")


expected = {}

def record(name, arr):
    a = np.asarray(arr)
    expected[name] = {"height": int(a.shape[0]), "width": int(a.shape[1]),
                      "channels": 1 if a.ndim == 2 else int(a.shape[2]), "samples": a.reshape(-1).astype(int).tolist()}

# --- PNG variants ---------------------------------------------------------------------------------------
rgb = smooth_rgb(W, H, 1)
gray = rgb[..., 0]
alpha = rng.integers(0, 256, size=(H, W), dtype=np.uint8)
bits = (rng.random((H, W)) > 0.5)
g16 = rng.integers(0, 65536, size=(H, W)).astype(np.uint16)
rgb16 = rng.integers(0, 65536, size=(H, W, 3)).astype(np.uint16)

Image.fromarray(gray, "L").save(os.path.join(OUT, "gray8.png")); record("gray8.png", gray)
Image.fromarray(bits).convert("1").save(os.path.join(OUT, "gray1.png")); record("gray1.png", bits.astype(np.uint8) * 255)
Image.fromarray(np.stack([gray, alpha], -1), "LA").save(os.path.join(OUT, "graya.png")); record("graya.png", np.stack([gray, alpha], -1))
Image.fromarray(rgb, "RGB").save(os.path.join(OUT, "rgb8.png")); record("rgb8.png", rgb)
Image.fromarray(np.concatenate([rgb, alpha[..., None]], -1), "RGBA").save(os.path.join(OUT, "rgba8.png"))
record("rgba8.png", np.concatenate([rgb, alpha[..., None]], -1))
pal = Image.fromarray(rgb, "RGB").quantize(colors=16)
pal.save(os.path.join(OUT, "palette.png")); record("palette.png", np.asarray(pal.convert("RGB")))
with open(os.path.join(OUT, "gray16.png"), "wb") as f: f.write(raw_png(g16, 0, 16))
record("gray16.png", g16)
with open(os.path.join(OUT, "rgb16.png"), "wb") as f: f.write(raw_png(rgb16, 2, 16))
record("rgb16.png", rgb16)
# Pillow's own 8-bit reading of the 16-bit RGB file (high byte) for cross-checking the 8-bit path.
record("rgb16.png#8", np.asarray(Image.open(os.path.join(OUT, "rgb16.png")).convert("RGB")))
# Header claiming 30000 x 30000 pixels (900 MP), to be refused before decoding.
ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
with open(os.path.join(OUT, "huge_header.png"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))

# --- JPEG variants (expected pixels are Pillow's decode of the same file) ---------------------------------
jrgb = smooth_rgb(21, 14, 2)
def save_jpeg(name, im, **kw):
    p = os.path.join(OUT, name)
    im.save(p, quality=90, **kw)
    return Image.open(p)
record("baseline.jpg", np.asarray(save_jpeg("baseline.jpg", Image.fromarray(jrgb)).convert("RGB")))
record("progressive.jpg", np.asarray(save_jpeg("progressive.jpg", Image.fromarray(jrgb), progressive=True).convert("RGB")))
record("gray.jpg", np.asarray(save_jpeg("gray.jpg", Image.fromarray(jrgb[..., 1], "L"))))
from PIL import ImageOps
for o in (3, 6, 8):
    ex = Image.Exif(); ex[0x0112] = o
    im = save_jpeg(f"exif{o}.jpg", Image.fromarray(jrgb), exif=ex.tobytes())
    record(f"exif{o}.jpg", np.asarray(ImageOps.exif_transpose(im).convert("RGB")))
    record(f"exif{o}.jpg#raw", np.asarray(im.convert("RGB")))

with open(os.path.join(OUT, "decode_expected.json"), "w") as f: json.dump(expected, f, separators=(",", ":"))

# --- resize parity (Pillow Image.resize, antialiased) ---------------------------------------------------
src = smooth_rgb(37, 29, 3)
src_gray = smooth_rgb(23, 31, 4)[..., 2]
filters = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC, "nearest": Image.Resampling.NEAREST}
cases = []
for (w, h) in [(16, 12), (61, 45), (20, 40), (37, 10), (11, 29), (5, 3), (74, 58)]:
    for fname, flt in filters.items():
        out = np.asarray(Image.fromarray(src).resize((w, h), flt))
        cases.append({"source": "rgb", "filter": fname, "width": w, "height": h, "samples": out.reshape(-1).tolist()})
for (w, h) in [(10, 13), (50, 70), (23, 8)]:
    for fname, flt in filters.items():
        out = np.asarray(Image.fromarray(src_gray, "L").resize((w, h), flt))
        cases.append({"source": "gray", "filter": fname, "width": w, "height": h, "samples": out.reshape(-1).tolist()})

# CLIP preprocessing: Resize(shorter side, bicubic), CenterCrop, ToTensor, Normalize.
CLIP_MEAN, CLIP_STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
def clip_pre(img, size):
    w, h = img.size
    if w <= h: nw, nh = size, int(size * h / w)
    else: nw, nh = int(size * w / h), size
    img = img.resize((nw, nh), Image.Resampling.BICUBIC)
    top, left = int(round((nh - size) / 2.0)), int(round((nw - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    x = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
    return ((x - np.array(CLIP_MEAN, np.float32)[:, None, None]) / np.array(CLIP_STD, np.float32)[:, None, None]).astype(np.float32)
clip_cases = [{"size": s, "values": clip_pre(Image.fromarray(src), s).reshape(-1).tolist()} for s in (16, 24)]
resize = {"rgb": {"width": 37, "height": 29, "samples": src.reshape(-1).tolist()},
          "gray": {"width": 23, "height": 31, "samples": src_gray.reshape(-1).tolist()},
          "cases": cases, "clip": clip_cases}
with open(os.path.join(OUT, "resize_expected.json"), "w") as f: json.dump(resize, f, separators=(",", ":"))

# --- Gaussian blur parity (scipy.ndimage.gaussian_filter, mode='reflect', truncate 4) --------------------
amap = rng.random((20, 17)).astype(np.float32)
amap[5:9, 6:11] += 3
blur = {"height": 20, "width": 17, "input": amap.reshape(-1).tolist(), "cases": []}
for sigma in (4.0, 1.5, 0.7):
    out = ndimage.gaussian_filter(amap, sigma=sigma, mode="reflect", truncate=4.0)
    blur["cases"].append({"sigma": sigma, "output": out.reshape(-1).tolist()})
with open(os.path.join(OUT, "blur_expected.json"), "w") as f: json.dump(blur, f, separators=(",", ":"))
print("fixtures written to", OUT)
