"""Encoded images in the parity file: the train/serve check starts from bytes, not tensors.

Each sample is a PNG (base64) with the model input tensor that training's own data path
(data.read_pixels -> to_channels -> resize) makes of it; the Java ParityTest decodes the same
bytes with the scorer's ImageDecoder and must match within 1e-3. The four samples cover what
differs between the two sides: an odd size that must grow, one that must shrink (antialiasing),
16-bit grey, and colour (luma for grey models, channel order for RGB ones).

Run on an existing model to add the samples to its parity file without retraining:

    /usr/bin/python3 -m cae_training.encoded_parity models/NAME.onnx
"""
import base64
import json
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

import numpy as np
import onnx
from PIL import Image

from . import data
from .export import parity_path, rounded, write_atomically


def _pattern(height: int, width: int, channels: int, seed: int) -> np.ndarray:
    """Gradients, a fine checker and noise in [0, 1]: content where resampling differences show."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        base = 0.3 + 0.4 * (x / width) * (c + 1) / channels + 0.2 * (y / height)
        checker = 0.15 * (((x // 2) + (y // 2)) % 2)
        planes.append(np.clip(base + checker + rng.normal(0, 0.05, (height, width)), 0, 1))
    return np.stack(planes, axis=2)


def _png(pixels: np.ndarray, bits: int) -> bytes:
    top = 65535 if bits == 16 else 255
    values = np.round(pixels * top).astype(np.uint16 if bits == 16 else np.uint8)
    if values.shape[2] == 1:
        img = Image.fromarray(values[..., 0], mode="I;16" if bits == 16 else "L")
    else:
        img = Image.fromarray(values, mode="RGB")
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        img.save(f.name)
        return Path(f.name).read_bytes()


def samples(channels: int, height: int, width: int) -> List[Dict]:
    """The four encoded samples with the tensor training makes of each ([C, H, W], flattened)."""
    cases = [
        ("odd-size-grows", (height * 2 // 3) | 1, (width * 3 // 5) | 1, 1, 8),
        ("shrinks", height * 2 + 29, width * 2 + 13, 1, 8),
        ("grey-16-bit", height + height // 2 + 1, width + width // 3 + 1, 1, 16),
        ("rgb", height + 7, width + 11, 3, 8),
    ]
    out = []
    for i, (name, h, w, c, bits) in enumerate(cases):
        png = _png(_pattern(h, w, c, 10 + i), bits)
        with tempfile.NamedTemporaryFile(suffix=".png") as f:
            Path(f.name).write_bytes(png)
            pixels, _ = data.read_pixels(Path(f.name))
        tensor = data.resize(data.to_channels(pixels, channels), height, width).transpose(2, 0, 1)
        out.append({"name": name, "size": [w, h], "bits": bits, "channels": c,
                    "png": base64.b64encode(png).decode("ascii"),
                    "tensor": rounded(np.ascontiguousarray(tensor, dtype=np.float32).ravel(), 9)})
    return out


def add_to(model_path: Path) -> Path:
    """Adds (or replaces) the encoded samples in the model's parity file."""
    meta = {p.key: p.value for p in onnx.load(str(model_path)).metadata_props}
    c, h, w = (int(meta[f"cae.input.{k}"]) for k in ("channels", "height", "width"))
    target = parity_path(model_path)
    document = json.loads(target.read_text())
    document["encoded"] = samples(c, h, w)
    write_atomically(target, json.dumps(document, separators=(",", ":")).encode())
    return target


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"wrote encoded samples to {add_to(Path(arg))}")
