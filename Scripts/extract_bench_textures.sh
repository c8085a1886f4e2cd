#!/bin/sh
# Extracts real surface textures (metal, stone, wood, floors, walls) from Debian's openarena-081-textures
# package (a .pk3 zip archive) into a folder the benchmark builder reads.
#   apt-get install openarena-081-textures gimp-data gimp-data-extras
#   Scripts/extract_bench_textures.sh [DEST]   (default ~/.cache/vtfusion/textures/openarena)
set -eu
PK3=/usr/share/games/openarena/baseoa/pak4-textures.pk3
DEST=${1:-$HOME/.cache/vtfusion/textures/openarena}
[ -f "$PK3" ] || { echo "missing $PK3: apt-get install openarena-081-textures" >&2; exit 1; }
mkdir -p "$DEST"
python3 - "$PK3" "$DEST" <<'PY'
import os, sys, zipfile
pk3, dest = sys.argv[1], sys.argv[2]
keep = ("base_floor", "base_wall", "base_wall2", "base_trim", "base_support", "gothic_block", "gothic_floor",
        "gothic_wall", "gothic_trim", "stone", "organics", "evil1_metals", "evil8_floor", "evil6_floors", "ice")
n = 0
with zipfile.ZipFile(pk3) as z:
    for name in sorted(z.namelist()):
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "textures" and parts[1] in keep and parts[2].lower().endswith(".jpg"):
            out = os.path.join(dest, parts[1] + "__" + parts[2])
            tmp = out + ".tmp"
            with open(tmp, "wb") as f: f.write(z.read(name))
            os.replace(tmp, out)
            n += 1
print(f"extracted {n} textures to {dest}")
PY
