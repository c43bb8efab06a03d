"""ONNX export with the metadata the Java scorer reads, plus the parity file for its ORT check."""
import inspect
import io
import json
import os
from pathlib import Path
from typing import Dict, Mapping

import numpy as np
import onnx
import torch

from .model import ConvAutoEncoder

OPSET = 17
INPUT_NAME = "input"
OUTPUT_NAME = "reconstruction"
BATCH_AXIS = "N"


def export_onnx(model: ConvAutoEncoder, path: Path, metadata: Mapping[str, str],
                opset: int = OPSET) -> onnx.ModelProto:
    """Writes `model` as ONNX [N, C, H, W] -> [N, C, H, W] with a dynamic batch axis."""
    model.eval()
    model.use_native_deconv(True)  # the graph must hold real ConvTranspose nodes
    # Batch 2, not 1, so no exporter pass can mistake the batch size for a constant.
    example = torch.zeros(2, model.channels, model.height, model.width)
    kwargs = dict(
        input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], opset_version=opset,
        dynamic_axes={INPUT_NAME: {0: BATCH_AXIS}, OUTPUT_NAME: {0: BATCH_AXIS}},
        do_constant_folding=True,
    )
    # torch >= 2.5 has a dynamo exporter that ignores dynamic_axes; keep the TorchScript one.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    buffer = io.BytesIO()
    try:
        with torch.no_grad():
            torch.onnx.export(model, (example,), buffer, **kwargs)
    finally:
        model.use_native_deconv(False)

    proto = onnx.load_from_string(buffer.getvalue())
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.checker.check_model(proto)
    write_atomically(path, proto.SerializeToString())
    return proto


def parity_path(model_path: Path) -> Path:
    """models/NAME.onnx -> models/NAME.parity.json"""
    return model_path.with_name(model_path.stem + ".parity.json")


def write_parity(model: ConvAutoEncoder, model_path: Path, images: np.ndarray) -> Dict:
    """Saves inputs and PyTorch (eval) reconstructions so the Java side can check ORT against them.

    Inputs are written with 9 significant digits (exact float32 round trip) and the model is run
    on exactly those float32 values; outputs get 7 digits, well inside the 1e-4 tolerance.
    """
    inputs = np.ascontiguousarray(images, dtype=np.float32)
    model.eval()
    model.use_native_deconv(True)  # same op as the exported graph
    try:
        with torch.no_grad():
            outputs = model(torch.from_numpy(inputs)).numpy()
    finally:
        model.use_native_deconv(False)
    document = {
        "model": model_path.name,
        "shape": list(inputs.shape),
        "inputs": [rounded(x, 9) for x in inputs.reshape(len(inputs), -1)],
        "outputs": [rounded(y, 7) for y in outputs.reshape(len(outputs), -1)],
    }
    write_atomically(parity_path(model_path), json.dumps(document, separators=(",", ":")).encode())
    return document


def split_path(model_path: Path) -> Path:
    """models/NAME.onnx -> models/NAME.split.json"""
    return model_path.with_name(model_path.stem + ".split.json")


def write_split(model_path: Path, validation_files: list) -> None:
    """Names the held-out train/good files, so `calibrate` can set the threshold on normal
    images the model never trained on (and never on the test set it is evaluated with)."""
    document = {"validation": sorted(validation_files)}
    write_atomically(split_path(model_path), json.dumps(document, indent=0).encode())


def rounded(values: np.ndarray, digits: int) -> list:
    return [float(f"{v:.{digits}g}") for v in values.tolist()]


def write_atomically(path: Path, data: bytes) -> None:
    """Write-then-rename, so a crash never leaves a half-written model where the scorer looks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
