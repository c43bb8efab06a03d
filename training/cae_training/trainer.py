"""Adam training with early stopping on the validation loss; keeps the best weights.

The default recipe is repair training (see anomalies.py): every training image is corrupted and
the target is the clean image, the loss is MSE plus an SSIM term, with the corrupted pixels
weighted up, on random sub-crops (the network is fully convolutional, so a crop half the input
side costs a quarter of the compute and shows the weights four times as many positions). The
validation loss is the same loss on a fixed, seeded corruption of the held-out images, so it
measures what training optimises and early stopping decides convergence.
"""
import copy
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import anomalies
from .ssim import ssim_loss

VALIDATION_SEED = 12345


@dataclass
class Recipe:
    """What each training step does; `Recipe()` is the classic CAE (clean input, MSE)."""
    repair: float = 0.0          # probability that a training image is corrupted
    mask_weight: float = 0.0     # extra loss weight on corrupted pixels
    ssim_weight: float = 0.0     # weight of (1 - SSIM) next to MSE
    crop: int = 0                # side of the random training sub-crops; 0 = whole images

    def describe(self) -> str:
        if not self.repair and not self.ssim_weight and not self.crop:
            return "mse"
        parts = [f"repair p={self.repair:g}" if self.repair else "clean input",
                 f"mse+{self.ssim_weight:g}*ssim" if self.ssim_weight else "mse"]
        if self.mask_weight:
            parts.append(f"corrupted pixels x{1 + self.mask_weight:g}")
        if self.crop:
            parts.append(f"{self.crop}px crops")
        return ", ".join(parts)


@dataclass
class TrainResult:
    best_state: Dict[str, torch.Tensor]
    best_loss: float            # validation loss of best_state (training loss if no validation set)
    best_epoch: int
    epochs_run: int
    seconds: float
    stopped_by: str             # "patience", "epochs" or "time"


def loss_of(recon: torch.Tensor, clean: torch.Tensor, mask: Optional[torch.Tensor],
            recipe: Recipe) -> torch.Tensor:
    if recipe.mask_weight > 0 and mask is not None:
        loss = ((1 + recipe.mask_weight * mask) * (recon - clean) ** 2).mean()
    else:
        loss = F.mse_loss(recon, clean)
    if recipe.ssim_weight > 0:
        loss = loss + recipe.ssim_weight * ssim_loss(recon, clean)
    return loss


def mean_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
              masks: Optional[torch.Tensor], recipe: Recipe, batch_size: int) -> float:
    """Mean loss over a set, in eval mode and without gradients."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(inputs), batch_size):
            sl = slice(start, start + batch_size)
            m = masks[sl] if masks is not None else None
            total += loss_of(model(inputs[sl]), targets[sl], m, recipe).item() * len(inputs[sl])
    return total / len(inputs)


def train_epoch(model: nn.Module, images: np.ndarray, optimizer: torch.optim.Optimizer,
                batch_size: int, rng: np.random.Generator, recipe: Recipe,
                corruptor: Optional[anomalies.Corruptor] = None) -> float:
    """One pass over shuffled training images; returns the mean training loss of the epoch."""
    model.train()
    order = rng.permutation(len(images))
    total = 0.0
    _, _, h, w = images.shape
    for start in range(0, len(images), batch_size):
        clean = images[order[start:start + batch_size]]
        if recipe.crop and recipe.crop < min(h, w):
            y, x = rng.integers(0, h - recipe.crop + 1), rng.integers(0, w - recipe.crop + 1)
            clean = np.ascontiguousarray(clean[:, :, y:y + recipe.crop, x:x + recipe.crop])
        mask = None
        inputs = clean
        if recipe.repair > 0:
            if corruptor is not None:
                inputs, mask_np = corruptor.corrupt_batch(clean, recipe.repair)
            else:
                inputs, mask_np = anomalies.corrupt_batch(clean, images, rng, recipe.repair)
            mask = torch.from_numpy(mask_np)
        target = torch.from_numpy(clean)
        optimizer.zero_grad()
        loss = loss_of(model(torch.from_numpy(inputs)), target, mask, recipe)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(clean)
    return total / len(images)


def train(model: nn.Module, train_images: np.ndarray, val_images: np.ndarray, *, epochs: int,
          batch_size: int, lr: float, patience: int, seed: int, recipe: Recipe = Recipe(),
          max_seconds: float = 0.0, log: Callable[[str], None] = print) -> TrainResult:
    """Trains until the validation loss has not improved for `patience` epochs, or `epochs`, or
    `max_seconds` (0 = no time limit), whichever comes first.

    Without validation images the selection falls back to the training set's eval-mode loss.
    patience <= 0 disables early stopping. The learning rate halves after patience/3 epochs
    without improvement, so a plateau is first refined, then ended.
    """
    rng = np.random.default_rng(seed)
    val_source = val_images if len(val_images) else train_images
    if recipe.repair > 0:
        v_in, v_mask = anomalies.corrupt_batch(val_source, train_images,
                                               np.random.default_rng(VALIDATION_SEED), recipe.repair)
        val_in, val_mask = torch.from_numpy(v_in), torch.from_numpy(v_mask)
    else:
        val_in, val_mask = torch.from_numpy(val_source), None
    val_target = torch.from_numpy(val_source)
    corruptor = None
    if recipe.repair > 0:
        _, _, h, w = train_images.shape
        side_h, side_w = (recipe.crop, recipe.crop) if recipe.crop and recipe.crop < min(h, w) else (h, w)
        corruptor = anomalies.Corruptor(side_h, side_w, train_images, rng)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, factor=0.5, patience=max(1, patience // 3)) if patience > 0 else None

    best_loss, best_epoch, best_state = float("inf"), 0, copy.deepcopy(model.state_dict())
    started = time.perf_counter()
    stopped_by = "epochs"
    epoch = 0
    which = "val" if len(val_images) else "fit"
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        train_loss = train_epoch(model, train_images, optimizer, batch_size, rng, recipe, corruptor)
        train_seconds = time.perf_counter() - t0
        val_loss = mean_loss(model, val_in, val_target, val_mask, recipe, batch_size)
        if scheduler is not None:
            scheduler.step(val_loss)
        seconds = time.perf_counter() - t0
        improved = val_loss < best_loss
        if improved:
            best_loss, best_epoch = val_loss, epoch
            best_state = copy.deepcopy(model.state_dict())
        log(f"epoch {epoch:>3}/{epochs}  train {train_loss:.6f}  {which} {val_loss:.6f}  "
            f"{seconds:6.2f}s  {len(train_images) / max(train_seconds, 1e-9):7.0f} img/s  "
            f"lr {optimizer.param_groups[0]['lr']:.1e}{'  *best' if improved else ''}")
        if patience > 0 and epoch - best_epoch >= patience:
            log(f"early stop: no improvement for {patience} epochs")
            stopped_by = "patience"
            break
        elapsed = time.perf_counter() - started
        if max_seconds > 0 and elapsed + seconds > max_seconds:
            log(f"time budget: {elapsed:.0f}s of {max_seconds:.0f}s used, another epoch would pass it")
            stopped_by = "time"
            break
    seconds = time.perf_counter() - started
    log(f"total training time {seconds:.1f}s ({epoch} epochs, best epoch {best_epoch}, "
        f"best {which} loss {best_loss:.6f}, stopped by {stopped_by})")
    return TrainResult(best_state, best_loss, best_epoch, epoch, seconds, stopped_by)
