"""Synthetic anomalies for repair training: corrupt a normal image, train the CAE to give back the clean one.

A plain autoencoder learns to reproduce whatever it is shown, defects included, and on busy
textures its error is high everywhere; trained to *repair* pasted-in anomalies it learns what
normal looks like and leaves a defect out of the reconstruction, which is what the score measures.

The corruptions follow the DRAEM recipe in spirit (Zavrtanik et al., ICCV 2021): a shape from
thresholded, randomly rotated Perlin noise, filled with content the model must not keep, blended
with a random opacity. The content comes only from the training images themselves and from
procedural noise: never from the texture benchmark's pictures or its defect simulator
(src/main/java/io/caestream/dataset/TextureDefects.java), so a benchmark score is earned on
defects the model was not shaped for.
"""
import math
from typing import Optional

import numpy as np

MIN_AREA = 0.004      # share of the image a shape must cover at least...
MAX_AREA = 0.35       # ...and at most, or it is drawn again
SCAR_SHARE = 0.3      # share of corruptions that are thin scars rather than blobs


def _fade(t: np.ndarray) -> np.ndarray:
    return t * t * t * (t * (t * 6 - 15) + 10)


def perlin(height: int, width: int, periods_y: float, periods_x: float, angle: float,
           rng: np.random.Generator) -> np.ndarray:
    """Gradient noise in about [-1, 1] over a height x width grid, `periods` cells per side,
    evaluated on coordinates rotated by `angle` (so shapes are not axis-aligned)."""
    ys, xs = np.meshgrid(np.arange(height, dtype=np.float64) + 0.5,
                         np.arange(width, dtype=np.float64) + 0.5, indexing="ij")
    cy, cx = height / 2, width / 2
    c, s = math.cos(angle), math.sin(angle)
    u = ((xs - cx) * c - (ys - cy) * s) / width * periods_x
    v = ((xs - cx) * s + (ys - cy) * c) / height * periods_y
    # a lattice wide enough for the rotated grid
    span = int(math.ceil(max(periods_x, periods_y) * 1.5)) + 2
    u, v = u + span / 2, v + span / 2
    theta = rng.uniform(0, 2 * math.pi, size=(span + 1, span + 1))
    gx, gy = np.cos(theta), np.sin(theta)
    i0, j0 = np.floor(v).astype(int), np.floor(u).astype(int)
    fv, fu = v - i0, u - j0

    def corner(di: int, dj: int) -> np.ndarray:
        i, j = np.clip(i0 + di, 0, span), np.clip(j0 + dj, 0, span)
        return gx[i, j] * (fu - dj) + gy[i, j] * (fv - di)

    wu, wv = _fade(fu), _fade(fv)
    top = corner(0, 0) * (1 - wu) + corner(0, 1) * wu
    bottom = corner(1, 0) * (1 - wu) + corner(1, 1) * wu
    return (top * (1 - wv) + bottom * wv) * math.sqrt(2)


def fractal_noise(height: int, width: int, rng: np.random.Generator, octaves: int = 4) -> np.ndarray:
    """Sum of Perlin octaves, normalised to zero mean and unit standard deviation."""
    base = 2 ** rng.uniform(1, 3)
    angle = rng.uniform(0, math.pi)
    out = np.zeros((height, width))
    for o in range(octaves):
        out += perlin(height, width, base * 2 ** o, base * 2 ** o, angle, rng) / 2 ** o
    return (out - out.mean()) / (out.std() + 1e-8)


def shape_mask(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A binary shape from thresholded Perlin noise, covering MIN_AREA..MAX_AREA of the image."""
    for _ in range(20):
        py, px = 2 ** rng.integers(0, 4), 2 ** rng.integers(0, 4)
        noise = perlin(height, width, py, px, rng.uniform(0, math.pi), rng)
        mask = noise > rng.uniform(0.35, 0.65)
        if MIN_AREA <= mask.mean() <= MAX_AREA:
            return mask
    # fall back to a small blob so that a draw always returns something
    mask = np.zeros((height, width), dtype=bool)
    y, x = rng.integers(0, height), rng.integers(0, width)
    mask[max(0, y - 3):y + 3, max(0, x - 3):x + 3] = True
    return mask


def scar_mask(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A thin curved band (the "scar" of CutPaste, Li et al. CVPR 2021, bent a little): what
    Perlin blobs never give, so the model also learns to remove thin structures."""
    length = rng.uniform(0.15, 0.6) * max(height, width)
    half = rng.uniform(0.5, 1.6)
    angle = rng.uniform(0, math.pi)
    bend = rng.uniform(-0.04, 0.04)
    cy, cx = rng.uniform(0.15, 0.85) * height, rng.uniform(0.15, 0.85) * width
    ys, xs = np.meshgrid(np.arange(height) + 0.5, np.arange(width) + 0.5, indexing="ij")
    u = (xs - cx) * math.cos(angle) + (ys - cy) * math.sin(angle)
    v = -(xs - cx) * math.sin(angle) + (ys - cy) * math.cos(angle) - bend * u * u
    return (np.abs(u) <= length / 2) & (np.abs(v) <= half)


def _box_blur(img: np.ndarray, radius: int) -> np.ndarray:
    padded = np.pad(img, ((radius, radius), (radius, radius)), mode="reflect")
    c = np.cumsum(np.cumsum(padded, axis=0), axis=1)
    c = np.pad(c, ((1, 0), (1, 0)))
    k = 2 * radius + 1
    h, w = img.shape
    return (c[k:k + h, k:k + w] - c[:h, k:k + w] - c[k:k + h, :w] + c[:h, :w]) / (k * k)


def fill_content(image: np.ndarray, donors: np.ndarray, rng: np.random.Generator,
                 noise: Optional[np.ndarray] = None) -> np.ndarray:
    """What goes into the shape: one of four kinds of content a normal surface does not have.

    image: [C, H, W] in [0, 1]; donors: [N, C, H, W] training images to borrow texture from.
    """
    c, h, w = image.shape
    kind = rng.integers(0, 4)
    if kind == 0:
        # the same material out of place: another training image, turned and mirrored
        donor = donors[rng.integers(0, len(donors))]
        dy = int(rng.integers(0, donor.shape[1] - h + 1))
        dx = int(rng.integers(0, donor.shape[2] - w + 1))
        donor = donor[:, dy:dy + h, dx:dx + w]
        donor = np.rot90(donor, k=int(rng.integers(1, 4)) if h == w else 2, axes=(1, 2))
        if rng.random() < 0.5:
            donor = donor[:, :, ::-1]
        gain = rng.uniform(0.6, 1.4)
        return np.clip((donor - donor.mean()) * gain + donor.mean() + rng.uniform(-0.15, 0.15), 0, 1)
    if kind == 1:
        # foreign grain: procedural noise of random brightness and contrast
        noise = fractal_noise(h, w, rng) if noise is None else noise
        fill = rng.uniform(0.05, 0.95) + rng.uniform(0.02, 0.25) * noise
        return np.clip(np.broadcast_to(fill, (c, h, w)), 0, 1)
    if kind == 2:
        # discolouration: the image itself, brighter or darker, more or less contrasted
        mean = image.mean()
        gain = rng.uniform(0.3, 1.7)
        return np.clip((image - mean) * gain + mean * rng.uniform(0.4, 1.6), 0, 1)
    # smear: the texture wiped out, only its local brightness left
    blurred = np.stack([_box_blur(image[ch], int(rng.integers(2, 6))) for ch in range(c)])
    return np.clip(blurred * rng.uniform(0.7, 1.3), 0, 1)


def _blend(image: np.ndarray, mask: np.ndarray, content: np.ndarray, rng: np.random.Generator):
    opacity = rng.uniform(0.2, 1.0)
    soft = mask.astype(np.float64)
    if rng.random() < 0.5:
        # a soft edge as well as hard ones: real stains and smears fade out
        soft = np.clip(_box_blur(soft, int(rng.integers(1, 4))) * 1.5, 0, 1)
    alpha = (soft * opacity)[None].astype(np.float32)
    return (image * (1 - alpha) + content * alpha).astype(np.float32), soft.astype(np.float32)


def _dihedral(a: np.ndarray, k: int) -> np.ndarray:
    """One of the 8 rotations/mirrorings of a square [H, W] array."""
    a = np.rot90(a, k % 4)
    return a[:, ::-1] if k >= 4 else a


class Corruptor:
    """corrupt_batch with its random shapes and noise drawn from a bank made once, each use
    turned, mirrored and shifted at random: drawing Perlin noise per image took as long as the
    training step itself (measured: 44 ms per batch of 32 against 45 ms for the step)."""

    def __init__(self, height: int, width: int, donors: np.ndarray, rng: np.random.Generator,
                 shapes: int = 2048, noises: int = 512):
        self.height, self.width, self.donors, self.rng = height, width, donors, rng
        self.shapes = [scar_mask(height, width, rng) if rng.random() < SCAR_SHARE
                       else shape_mask(height, width, rng) for _ in range(shapes)]
        self.noises = [fractal_noise(height, width, rng) for _ in range(noises)]

    def _pick(self, bank):
        a = bank[self.rng.integers(0, len(bank))]
        if self.height == self.width:
            a = _dihedral(a, int(self.rng.integers(0, 8)))
        return np.roll(a, (int(self.rng.integers(0, self.height)), int(self.rng.integers(0, self.width))), (0, 1))

    def corrupt_batch(self, batch: np.ndarray, probability: float):
        out = np.empty_like(batch)
        masks = np.zeros((len(batch), 1) + batch.shape[2:], dtype=np.float32)
        for i in range(len(batch)):
            if self.rng.random() >= probability:
                out[i] = batch[i]
                continue
            content = fill_content(batch[i], self.donors, self.rng, self._pick(self.noises))
            out[i], masks[i, 0] = _blend(batch[i], self._pick(self.shapes), content, self.rng)
        return out, masks


def corrupt(image: np.ndarray, donors: np.ndarray, rng: np.random.Generator,
            probability: float = 0.5):
    """(corrupted copy of `image` [C, H, W] float32, its [H, W] mask in [0, 1]: where and how
    fully the content was blended in, before opacity); with 1 - probability the image itself and
    an empty mask."""
    c, h, w = image.shape
    if rng.random() >= probability:
        return image, np.zeros((h, w), dtype=np.float32)
    mask = scar_mask(h, w, rng) if rng.random() < SCAR_SHARE else shape_mask(h, w, rng)
    return _blend(image, mask, fill_content(image, donors, rng), rng)


def corrupt_batch(batch: np.ndarray, donors: np.ndarray, rng: np.random.Generator,
                  probability: float = 0.5):
    """Corrupts each image of a [N, C, H, W] batch independently: (images, [N, 1, H, W] masks)."""
    out = np.empty_like(batch)
    masks = np.zeros((len(batch), 1) + batch.shape[2:], dtype=np.float32)
    for i in range(len(batch)):
        out[i], masks[i, 0] = corrupt(batch[i], donors, rng, probability)
    return out, masks
