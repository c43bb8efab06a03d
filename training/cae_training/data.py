"""Reads the normal training images of an MVTec-AD-layout folder (DIR/train/good/*.png).

Pixels become float32 in [0, 1]: value/255 for 8-bit PNGs, value/65535 for 16-bit grey PNGs. The
scale is written to the model metadata (cae.pixel.scale) so the Java scorer feeds the same numbers.
"""
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# ITU-R BT.601 luma, the weights PIL's "L" conversion uses; done in float to keep precision.
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class DataError(Exception):
    """The dataset cannot be used as given (missing, empty, mixed or unsupported images)."""


@dataclass
class Dataset:
    images: np.ndarray          # [N, C, H, W] float32 in [0, 1]
    paths: List[Path]
    max_value: int              # 255 or 65535: the pixel scale is 1/max_value
    source_channels: int        # 1 for grey sources, 3 for colour sources (first image)

    @property
    def pixel_scale(self) -> str:
        return f"1/{self.max_value}"


def train_image_paths(root: Path) -> List[Path]:
    """Sorted PNGs of DIR/train/good; sorted so the validation split is reproducible."""
    folder = root / "train" / "good"
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder (expected MVTec layout DIR/train/good/*.png)")
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".png")
    if not paths:
        raise DataError(f"no .png files in {folder}")
    return paths


def png_bit_depth(path: Path) -> Tuple[int, int]:
    """(bit depth, colour type) from the PNG IHDR chunk.

    PIL silently reduces 16-bit colour PNGs to 8 bits, so the header, not the decoded mode, is the
    reliable source for the pixel scale.
    """
    with open(path, "rb") as f:
        head = f.read(33)
    if len(head) < 33 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        raise DataError(f"{path}: not a PNG file")
    depth, colour_type = struct.unpack(">BB", head[24:26])
    return depth, colour_type


def read_pixels(path: Path) -> Tuple[np.ndarray, int]:
    """Pixels as float32 [H, W, 1 or 3] in [0, 1], and the max value they were scaled by."""
    depth, colour_type = png_bit_depth(path)
    grey = colour_type in (0, 4)  # 0 = grey, 4 = grey + alpha
    if depth == 16 and not grey:
        raise DataError(f"{path}: 16-bit colour PNGs are not supported; use 8-bit RGB or 16-bit grey")
    max_value = 65535 if depth == 16 else 255
    try:
        with Image.open(path) as img:
            if depth == 16:
                pixels = np.asarray(img, dtype=np.float32)[..., None]
            else:
                pixels = np.asarray(img.convert("L" if grey else "RGB"), dtype=np.float32)
    except (OSError, ValueError) as e:
        raise DataError(f"{path}: cannot decode: {e}") from e
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    return pixels / np.float32(max_value), max_value


def to_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    """Grey -> RGB by repeating; RGB -> grey by BT.601 luma."""
    if pixels.shape[2] == channels:
        return pixels
    if channels == 3:
        return np.repeat(pixels, 3, axis=2)
    return (pixels @ LUMA)[..., None]


def resize(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize per channel in float ("F" mode), so 16-bit precision is kept."""
    if pixels.shape[:2] == (height, width):
        return pixels
    planes = [
        # a float32 array becomes a mode "F" image (fromarray's mode argument is deprecated)
        np.asarray(Image.fromarray(np.ascontiguousarray(pixels[..., c], dtype=np.float32))
                   .resize((width, height), Image.BILINEAR), dtype=np.float32)
        for c in range(pixels.shape[2])
    ]
    return np.clip(np.stack(planes, axis=2), 0.0, 1.0)


def load_dataset(root: Path, channels: Optional[int] = None, height: Optional[int] = None,
                 width: Optional[int] = None) -> Dataset:
    """Loads every training image as [N, C, H, W].

    Unset channels / height / width come from the first image, so a folder of 64x64 grey PNGs
    needs no options. Images of another size are resized (bilinear) to the model size.
    """
    paths = train_image_paths(root)
    first, max_value = read_pixels(paths[0])
    source_channels = first.shape[2]
    channels = channels or source_channels
    height = height or first.shape[0]
    width = width or first.shape[1]

    images = np.empty((len(paths), channels, height, width), dtype=np.float32)
    for i, path in enumerate(paths):
        pixels, scale = (first, max_value) if i == 0 else read_pixels(path)
        if scale != max_value:
            raise DataError(f"{path}: {scale.bit_length()}-bit image among "
                            f"{max_value.bit_length()}-bit ones; one bit depth per dataset")
        images[i] = resize(to_channels(pixels, channels), height, width).transpose(2, 0, 1)
    return Dataset(images, paths, max_value, source_channels)


def split_indices(count: int, val_fraction: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Deterministic (train, validation) index split; at least one image stays for training."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError("validation fraction must be in [0, 1)")
    order = np.random.RandomState(seed).permutation(count)
    n_val = min(int(round(count * val_fraction)), count - 1)
    if val_fraction > 0 and n_val == 0 and count >= 2:
        n_val = 1  # a tiny dataset still gets a validation image for early stopping
    return np.sort(order[n_val:]), np.sort(order[:n_val])
