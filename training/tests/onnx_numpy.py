"""A tiny numpy evaluator for the ops a CAE export contains (Conv, ConvTranspose, Relu, Sigmoid).

onnxruntime is not available to the Python side; this lets the tests run the exported graph
itself, so a wrong output_padding or pad attribute shows up here and not only in the Java build.
"""
import numpy as np
import onnx
from onnx import helper, numpy_helper


def attributes(node) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def check_plain(attrs: dict) -> None:
    assert list(attrs.get("dilations", [1, 1])) == [1, 1], "dilations not supported"
    assert attrs.get("group", 1) == 1, "groups not supported"


def conv(x, w, b, attrs):
    check_plain(attrs)
    top, left, bottom, right = attrs.get("pads", [0, 0, 0, 0])
    sh, sw = attrs.get("strides", [1, 1])
    kh, kw = w.shape[2:]
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out + (0 if b is None else b[None, :, None, None])


def conv_transpose(x, w, b, attrs):
    check_plain(attrs)
    assert "output_shape" not in attrs, "output_shape not supported"
    top, left, bottom, right = attrs.get("pads", [0, 0, 0, 0])
    sh, sw = attrs.get("strides", [1, 1])
    ph, pw = attrs.get("output_padding", [0, 0])
    kh, kw = w.shape[2:]
    n, _, h, wd = x.shape
    # Scatter every input pixel's kernel footprint into the uncropped output, then crop the pads;
    # output_padding rows/columns are extra space at the bottom/right.
    full = np.zeros((n, w.shape[1], sh * (h - 1) + kh + ph, sw * (wd - 1) + kw + pw))
    for i in range(kh):
        for j in range(kw):
            full[:, :, i:i + sh * (h - 1) + 1:sh, j:j + sw * (wd - 1) + 1:sw] += \
                np.einsum("nchw,co->nohw", x, w[:, :, i, j])
    out = full[:, :, top:full.shape[2] - bottom, left:full.shape[3] - right]
    return out + (0 if b is None else b[None, :, None, None])


def run(model: onnx.ModelProto, feeds: dict) -> dict:
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values.update({k: np.asarray(v, dtype=np.float64) for k, v in feeds.items()})
    for node in model.graph.node:
        args = [values[name] if name else None for name in node.input]
        attrs = attributes(node)
        if node.op_type == "Conv":
            result = conv(args[0], args[1], args[2] if len(args) > 2 else None, attrs)
        elif node.op_type == "ConvTranspose":
            result = conv_transpose(args[0], args[1], args[2] if len(args) > 2 else None, attrs)
        elif node.op_type == "Relu":
            result = np.maximum(args[0], 0)
        elif node.op_type == "Sigmoid":
            result = 1 / (1 + np.exp(-args[0]))
        else:
            raise NotImplementedError(f"op {node.op_type}")
        values[node.output[0]] = result
    return {o.name: values[o.name] for o in model.graph.output}
