"""Fixture for the Swift zip reader (Tokenizers ZipArchiveTests).

usage: python3 Scripts/make_store_fixtures.py
writes Tests/TokenizersTests/Fixtures/store_sample.zip with
  hello.txt       stored    "Hello, zip!\n"
  data/lines.txt  deflated  "line 0\nline 1\n...line 1999\n"
  empty.bin       stored    (0 bytes)
  short.txt       deflated  "abcabcabc hello hello\n" (fixed Huffman codes)
  level0.txt      deflated at level 0 (stored deflate blocks) "stored block 0\n"... x 5000
"""
import os, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures", "store_sample.zip")
with zipfile.ZipFile(out, "w") as z:
    z.writestr(zipfile.ZipInfo("hello.txt", (2024, 1, 1, 0, 0, 0)), b"Hello, zip!\n", compress_type=zipfile.ZIP_STORED)
    z.writestr(zipfile.ZipInfo("data/lines.txt", (2024, 1, 1, 0, 0, 0)),
               "".join(f"line {i}\n" for i in range(2000)).encode(), compress_type=zipfile.ZIP_DEFLATED)
    z.writestr(zipfile.ZipInfo("empty.bin", (2024, 1, 1, 0, 0, 0)), b"", compress_type=zipfile.ZIP_STORED)
    z.writestr(zipfile.ZipInfo("short.txt", (2024, 1, 1, 0, 0, 0)), b"abcabcabc hello hello\n", compress_type=zipfile.ZIP_DEFLATED)
    z.writestr(zipfile.ZipInfo("level0.txt", (2024, 1, 1, 0, 0, 0)), "".join(f"stored block {i}\n" for i in range(5000)).encode(),
               compress_type=zipfile.ZIP_DEFLATED, compresslevel=0)
