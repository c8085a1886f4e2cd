"""Real-weight reference outputs for the Swift backbones (run after Scripts/setup-test-data.sh).

usage: pip install onnx; python3 Scripts/make_realweight_fixtures.py
reads  $VTFUSION_TEST_DATA (default .cache/testdata)/imgfocus/vit_s_focus.onnx and minilm/
writes Tests/BackbonesTests/Fixtures/realweight_dinov2_imgfocus.json
         onnxruntime on a deterministic 224x224 input (formula below, reproduced in Swift): the final
         layernorm tokens [257, 384] (selected full tokens, per-token mean and root-mean-square) and the raw
         output of block 6 for the same tokens.
       Tests/BackbonesTests/Fixtures/realweight_minilm.json
         20 sentences, their token ids (transformers BertTokenizer) and the sentence-transformers
         all-MiniLM-L6-v2 embeddings (BertModel last_hidden_state, mean pooled over the attention mask,
         L2-normalised), 384 floats each.
"""
import json, os
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("VTFUSION_TEST_DATA", os.path.join(ROOT, ".cache", "testdata"))
OUT = os.path.join(ROOT, "Tests", "BackbonesTests", "Fixtures")


def pattern_image():
    """x[c, h, w] = ((h // 4) * 7 + (w // 4) * 13 + c * 29 + (h * w) % 5) % 64 / 32 - 1, exact in float32."""
    c, h, w = np.meshgrid(np.arange(3), np.arange(224), np.arange(224), indexing="ij")
    v = ((h // 4) * 7 + (w // 4) * 13 + c * 29 + (h * w) % 5) % 64
    return (v.astype(np.float32) / 32.0 - 1.0)[None]


def dinov2():
    import onnx
    import onnxruntime as ort
    model = onnx.load(os.path.join(DATA, "imgfocus", "vit_s_focus.onnx"))
    taps = {"final": "/backbone/layernorm/Add_1_output_0", "block6": "/backbone/encoder/layer.5/Add_1_output_0"}
    for name in taps.values():
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    final, block6 = sess.run([taps["final"], taps["block6"]], {"input_image": pattern_image()})
    final, block6 = final[0].astype(np.float64), block6[0].astype(np.float64)
    tokens = [0, 1, 2, 3, 100, 128, 200, 256]
    out = {
        "input": "x[c,h,w] = (((h/4)*7 + (w/4)*13 + c*29 + (h*w)%5) % 64) / 32 - 1, shape [1, 3, 224, 224]",
        "shape": list(final.shape), "tokens": tokens,
        "final": [[float(x) for x in final[t]] for t in tokens],
        "finalMean": [float(x) for x in final.mean(axis=1)],
        "finalRMS": [float(x) for x in np.sqrt((final * final).mean(axis=1))],
        "block6": [[float(x) for x in block6[t]] for t in tokens],
    }
    with open(os.path.join(OUT, "realweight_dinov2_imgfocus.json"), "w") as f:
        json.dump(out, f)


SENTENCES = [
    "A photo of a flawless bottle.",
    "a photo of a damaged cable with a cut inner insulation",
    "The screw has a scratched thread.",
    "Transistor misplaced on the circuit board!",
    "Zipper with broken teeth, fabric interior.",
    "hazelnut: crack, print, hole, cut",
    "Metal nut flipped upside down (faulty).",
    "An industrial image of a perfect carpet texture",
    "Pill with contamination and a faulty imprint.",
    "Café crème on a wooden table — naïve résumé test.",
    "The quick brown fox jumps over the lazy dog.",
    "1234 5678 widgets; 99.5% pass rate, 0.5% fail",
    "tile, grid, leather & wood surfaces",
    "A close-up photo of a glue strip on a capsule",
    "Defect-free toothbrush bristles under bright light",
    "MULTIPLE CAPITALISED WORDS IN A ROW",
    "anomaly",
    "a blurry low-resolution photo of a bent wire in a PCB connector, seen from above with harsh shadows",
    "ÜBER straße 東京 test",
    "   leading and trailing whitespace   ",
]


def minilm():
    import torch
    from transformers import BertModel, BertTokenizer
    d = os.path.join(DATA, "minilm")
    tok = BertTokenizer(os.path.join(d, "vocab.txt"), do_lower_case=True)
    model = BertModel.from_pretrained(d).eval()
    batch = tok(SENTENCES, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state.double()
    mask = batch["attention_mask"].double().unsqueeze(-1)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    emb = torch.nn.functional.normalize(pooled, dim=-1)
    ids = [[int(i) for i, m in zip(row, mrow) if m] for row, mrow in zip(batch["input_ids"], batch["attention_mask"])]
    out = {"sentences": SENTENCES, "ids": ids, "embeddings": [[float(x) for x in r] for r in emb]}
    with open(os.path.join(OUT, "realweight_minilm.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    dinov2()
    minilm()
