#!/usr/bin/env python3
"""Fixtures for Tests/EvaluationTests (dataset validation): a 21x14 JPEG whose EXIF orientation is 6
(displayed 14x21), so the header size reader must swap width and height as Pillow's exif_transpose does."""
import os
import numpy as np
from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "EvaluationTests", "Fixtures")
rng = np.random.default_rng(6)
pixels = (rng.random((14, 21, 3)) * 255).astype(np.uint8)
exif = Image.Exif()
exif[0x0112] = 6
path = os.path.join(OUT, "exif6.jpg")
Image.fromarray(pixels).save(path, quality=90, exif=exif.tobytes())
im = Image.open(path)
assert im.size == (21, 14) and ImageOps.exif_transpose(im).size == (14, 21)
print("wrote", path, os.path.getsize(path), "bytes")
