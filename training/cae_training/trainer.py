"""MSE/Adam training with early stopping on the validation loss; keeps the best weights."""
import copy
import time
from dataclasses import dataclass
from typing import Callable, Dict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class TrainResult:
    best_state: Dict[str, torch.Tensor]
    best_loss: float            # validation MSE of best_state (training MSE if no validation set)
    best_epoch: int
    epochs_run: int
    seconds: float


def mean_loss(model: nn.Module, images: torch.Tensor, batch_size: int) -> float:
    """Mean per-pixel MSE over a set, in eval mode and without gradients."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            batch = images[start:start + batch_size]
            total += F.mse_loss(model(batch), batch, reduction="sum").item()
    return total / images.numel()


def train_epoch(model: nn.Module, images: torch.Tensor, optimizer: torch.optim.Optimizer,
                batch_size: int, generator: torch.Generator) -> float:
    """One pass over shuffled training images; returns the mean training MSE of the epoch."""
    model.train()
    order = torch.randperm(len(images), generator=generator)
    total = 0.0
    for start in range(0, len(images), batch_size):
        batch = images[order[start:start + batch_size]]
        optimizer.zero_grad()
        loss = F.mse_loss(model(batch), batch)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch)
    return total / len(images)


def train(model: nn.Module, train_images: np.ndarray, val_images: np.ndarray, *, epochs: int,
          batch_size: int, lr: float, patience: int, seed: int,
          log: Callable[[str], None] = print) -> TrainResult:
    """Trains until `epochs` or until the validation loss has not improved for `patience` epochs.

    Without validation images the selection falls back to the training set's eval-mode loss.
    patience <= 0 disables early stopping.
    """
    train_x = torch.from_numpy(train_images)
    val_x = torch.from_numpy(val_images) if len(val_images) else None
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)

    best_loss, best_epoch, best_state = float("inf"), 0, copy.deepcopy(model.state_dict())
    started = time.perf_counter()
    epoch = 0
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        train_loss = train_epoch(model, train_x, optimizer, batch_size, generator)
        train_seconds = time.perf_counter() - t0
        val_loss = mean_loss(model, val_x if val_x is not None else train_x, batch_size)
        seconds = time.perf_counter() - t0
        improved = val_loss < best_loss
        if improved:
            best_loss, best_epoch = val_loss, epoch
            best_state = copy.deepcopy(model.state_dict())
        log(f"epoch {epoch:>3}/{epochs}  train {train_loss:.6f}  "
            f"{'val' if val_x is not None else 'fit'} {val_loss:.6f}  {seconds:6.2f}s  "
            f"{len(train_x) / max(train_seconds, 1e-9):7.0f} img/s{'  *best' if improved else ''}")
        if patience > 0 and epoch - best_epoch >= patience:
            log(f"early stop: no improvement for {patience} epochs")
            break
    seconds = time.perf_counter() - started
    log(f"total training time {seconds:.1f}s ({epoch} epochs, best epoch {best_epoch}, "
        f"best {'val' if val_x is not None else 'fit'} loss {best_loss:.6f})")
    return TrainResult(best_state, best_loss, best_epoch, epoch, seconds)
