"""Writes the broken-model fixtures for ModelLoadTest (run: /usr/bin/python3 make_fixtures.py).

no-metadata.onnx:    a valid identity "autoencoder" without the cae.* metadata properties.
shape-mismatch.onnx: metadata says 1x8x8, but the output is 1x4x4 (a pooling layer).
"""
import onnx
from onnx import TensorProto, helper


def model(nodes, out_hw, metadata):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 8, 8])
    y = helper.make_tensor_value_info("reconstruction", TensorProto.FLOAT, ["N", 1, out_hw, out_hw])
    m = helper.make_model(helper.make_graph(nodes, "fixture", [x], [y]),
                          opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    for k, v in metadata.items():
        m.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(m)
    return m


meta = {"cae.input.channels": "1", "cae.input.height": "8", "cae.input.width": "8"}
onnx.save(model([helper.make_node("Identity", ["input"], ["reconstruction"])], 8, {}), "no-metadata.onnx")
onnx.save(model([helper.make_node("MaxPool", ["input"], ["reconstruction"], kernel_shape=[2, 2], strides=[2, 2])],
                4, meta), "shape-mismatch.onnx")
