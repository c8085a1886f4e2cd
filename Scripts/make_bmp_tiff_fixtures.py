#!/usr/bin/env python3
"""Writes the BMP and TIFF decoder fixtures (Tests/ImagingTests/Fixtures/formats/) with Pillow, plus
formats_expected.json holding Pillow's decoded samples (as the decoder should return them).

    pip install Pillow && python3 Scripts/make_bmp_tiff_fixtures.py
"""
import json, os, struct
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "ImagingTests", "Fixtures", "formats")
os.makedirs(OUT, exist_ok=True)
W, H = 7, 5  # odd width: row padding


def rgb():
    im = Image.new("RGB", (W, H))
    im.putdata([((x * 37 + y * 11) % 256, (x * 5 + y * 53) % 256, (x * y * 29 + 7) % 256) for y in range(H) for x in range(W)])
    return im


def gray():
    im = Image.new("L", (W, H))
    im.putdata([(x * 31 + y * 17) % 256 for y in range(H) for x in range(W)])
    return im


def rgba():
    im = rgb().convert("RGBA")
    im.putalpha(gray())
    return im


expected = {}


def save(name, im, **kw):
    path = os.path.join(OUT, name)
    im.save(path, **kw)
    back = Image.open(path)
    back.load()
    mode = {"1": "L", "P": "RGB"}.get(back.mode, back.mode)
    dec = back.convert(mode)
    expected[name] = {"width": dec.width, "height": dec.height, "channels": len(dec.getbands()),
                      "samples": [v for px in (dec.get_flattened_data() if hasattr(dec, "get_flattened_data") else dec.getdata()) for v in (px if isinstance(px, tuple) else (px,))]}


save("rgb24.bmp", rgb())
save("gray8.bmp", gray())
save("bilevel1.bmp", gray().point(lambda v: 255 if v > 127 else 0).convert("1"))
save("palette8.bmp", rgb().quantize(colors=16))
save("rgb.tif", rgb())
save("gray.tif", gray())
save("rgba.tif", rgba())
save("rgb_packbits.tif", rgb(), compression="packbits")
save("gray_packbits.tif", gray(), compression="packbits")
save("rgb_lzw.tif", rgb(), compression="tiff_lzw")
save("rgba_lzw.tif", rgba(), compression="tiff_lzw")
save("rgb_strips.tif", rgb(), tiffinfo={278: 2})  # RowsPerStrip 2: several strips


def bmp_rows(rows_top_down, bpp, w, h, top_down, palette=None, compression=0, data=None):
    """A hand-built BMP (Pillow writes only bottom-up BI_RGB)."""
    stride = (bpp * w + 31) // 32 * 4
    if data is None:
        order = rows_top_down if top_down else rows_top_down[::-1]
        data = b"".join(r + b"\0" * (stride - len(r)) for r in order)
    pal = b"".join(bytes((b, g, r, 0)) for r, g, b in (palette or []))
    off = 14 + 40 + len(pal)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bpp, compression, len(data), 2835, 2835,
                       len(palette or []), 0)
    return b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off) + info + pal + data


src = rgb()
rows = [b"".join(bytes(src.getpixel((x, y))[::-1]) for x in range(W)) for y in range(H)]
with open(os.path.join(OUT, "rgb24_topdown.bmp"), "wb") as f:
    f.write(bmp_rows(rows, 24, W, H, True))
expected["rgb24_topdown.bmp"] = expected["rgb24.bmp"]

# RLE8: 4 colours, each row "run of 3, literal of 4".
pal = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
idx = [[(x + y) % 4 if x >= 3 else y % 4 for x in range(W)] for y in range(H)]
rle = b""
for y in reversed(range(H)):
    r = idx[y]
    rle += bytes((3, r[0])) + bytes((0, 4)) + bytes(r[3:7]) + bytes((0, 0))
rle += bytes((0, 1))
with open(os.path.join(OUT, "rle8.bmp"), "wb") as f:
    f.write(bmp_rows(None, 8, W, H, False, palette=pal, compression=1, data=rle))
expected["rle8.bmp"] = {"width": W, "height": H, "channels": 3,
                        "samples": [v for y in range(H) for x in range(W) for v in pal[idx[y][x]]]}
check = Image.open(os.path.join(OUT, "rle8.bmp")).convert("RGB")
assert [v for px in (check.get_flattened_data() if hasattr(check, "get_flattened_data") else check.getdata()) for v in px] == expected["rle8.bmp"]["samples"], "Pillow disagrees on rle8.bmp"

with open(os.path.join(OUT, "truncated.bmp"), "wb") as f:
    f.write(open(os.path.join(OUT, "rgb24.bmp"), "rb").read()[:-20])
with open(os.path.join(OUT, "truncated.tif"), "wb") as f:
    f.write(open(os.path.join(OUT, "rgb.tif"), "rb").read()[:60])

with open(os.path.join(OUT, "formats_expected.json"), "w") as f:
    json.dump(expected, f, indent=0)
print("wrote", len(expected), "fixtures to", OUT)
