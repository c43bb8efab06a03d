"""Command line: train a CAE on DIR/train/good, export the best epoch to ONNX with a parity file.

Exit codes follow the cae-stream convention: 0 ok, 2 bad usage or unusable data, 1 runtime failure.
"""
import argparse
import os
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from . import data, encoded_parity
from .export import OPSET, export_onnx, parity_path, split_path, write_parity, write_split
from .model import ConvAutoEncoder
from .trainer import Recipe, TrainResult, train

PARITY_IMAGES = 4


class UsageError(Exception):
    pass


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def width_list(text: str) -> List[int]:
    try:
        widths = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not widths or min(widths) < 1:
        raise argparse.ArgumentTypeError(f"expected positive channel counts, got {text!r}")
    return widths


def probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


def recipe_of(args: argparse.Namespace, height: int, width: int) -> Recipe:
    if args.classic:
        return Recipe()
    crop = args.crop
    step = 2 ** len(args.widths)
    if crop is None:
        # half the side, when the sizes let a sub-crop decode to its own size; else whole images
        aligned = height % step == 0 and width % step == 0
        crop = (min(height, width) // 2) // step * step if aligned and min(height, width) >= 48 else 0
    if crop < 0 or crop > min(height, width):
        raise UsageError(f"--crop must be in 0..{min(height, width)}, got {crop}")
    if crop and any(s % step for s in (crop, height, width)):
        # sub-crops must decode to their own size with the decoder built for the full size
        raise UsageError(f"--crop {crop}: crop and input sides must be multiples of "
                         f"{step} for {len(args.widths)} stride-2 blocks")
    return Recipe(repair=args.repair, mask_weight=args.mask_weight, ssim_weight=args.ssim_weight,
                  crop=crop)


def default_threads() -> int:
    """Half the cores: torch's OpenMP threads spin at every op, and when the machine is also busy
    (a build, a broker) a descheduled thread stalls each op - measured on 2 cores under load,
    2 threads ran 3-20x slower than 1. On an idle machine more threads gain little for convs
    this small."""
    return max(1, (os.cpu_count() or 2) // 2)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="train.py",
        description="Train the cae-stream convolutional autoencoder on DIR/train/good/*.png and "
                    "export it to ONNX (+ NAME.parity.json).")
    p.add_argument("--data", required=True, type=Path, help="MVTec-layout dataset folder")
    p.add_argument("--out", required=True, type=Path, help="output model, e.g. models/NAME.onnx")
    p.add_argument("--name", help="model name in the metadata (default: output file stem)")
    p.add_argument("--dataset-name", help="dataset name in the metadata (default: --data folder name)")
    shape = p.add_argument_group("input shape (default: taken from the first training image)")
    shape.add_argument("--size", type=positive_int, help="height and width")
    shape.add_argument("--height", type=positive_int, help="overrides --size")
    shape.add_argument("--width", type=positive_int, help="overrides --size")
    shape.add_argument("--channels", type=int, choices=(1, 3), help="1 = grey, 3 = RGB")
    arch = p.add_argument_group("architecture")
    arch.add_argument("--widths", type=width_list, default=[32, 64, 128],
                      help="encoder channels per stride-2 block; depth = count (default 32,64,128)")
    arch.add_argument("--latent-channels", type=positive_int, default=32,
                      help="channels of the latent map (default 32)")
    recipe = p.add_argument_group(
        "recipe (default: repair training, the one that worked best on the texture benchmark)")
    recipe.add_argument("--repair", type=probability, default=1.0,
                        help="probability that a training image gets a synthetic anomaly to repair "
                             "(default 1.0; 0 = plain reconstruction)")
    recipe.add_argument("--mask-weight", type=float, default=5.0,
                        help="extra loss weight on the corrupted pixels (default 5)")
    recipe.add_argument("--ssim-weight", type=float, default=1.0,
                        help="weight of the (1 - SSIM) loss term next to MSE (default 1; 0 = MSE only)")
    recipe.add_argument("--crop", type=int, default=None,
                        help="train on random square sub-crops of this side; 0 = whole images "
                             "(default: half the input side when it is at least 48, else 0)")
    recipe.add_argument("--classic", action="store_true",
                        help="the classic CAE: clean input, MSE, whole images (sets --repair 0 "
                             "--mask-weight 0 --ssim-weight 0 --crop 0)")
    fit = p.add_argument_group("training")
    fit.add_argument("--epochs", type=positive_int, default=400, help="max epochs (default 400)")
    fit.add_argument("--patience", type=int, default=30,
                     help="stop after this many epochs without a better val loss; 0 = never (default 30)")
    fit.add_argument("--max-seconds", type=float, default=280.0,
                     help="stop before an epoch would end past this many seconds; 0 = no limit "
                          "(default 280: default training fits in 5 minutes on 2 cores)")
    fit.add_argument("--batch-size", type=positive_int, default=32, help="(default 32)")
    fit.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    fit.add_argument("--val-fraction", type=float, default=0.1,
                     help="share of images held out for early stopping (default 0.1)")
    fit.add_argument("--seed", type=int, default=1, help="seeds split, init and shuffling (default 1)")
    fit.add_argument("--threads", type=positive_int, default=default_threads(),
                     help="torch CPU threads (default: half the cores, at least 1)")
    return p


def metadata(model: ConvAutoEncoder, dataset: data.Dataset, result: TrainResult, n_train: int,
             n_val: int, name: str, dataset_name: str, seed: int,
             recipe: Recipe = Recipe()) -> Dict[str, str]:
    """The ONNX metadata_props; the cae.* keys are read by the Java scorer, keep them stable."""
    return {
        "cae.input.channels": str(model.channels),
        "cae.input.height": str(model.height),
        "cae.input.width": str(model.width),
        "cae.pixel.scale": dataset.pixel_scale,
        "cae.pixel.order": "grey" if model.channels == 1 else "rgb",
        "cae.architecture": model.architecture(),
        "cae.model.name": name,
        "cae.dataset": dataset_name,
        "cae.train.images": str(n_train),
        "cae.train.epochs": str(result.epochs_run),
        "cae.val.loss": repr(float(result.best_loss)),
        "cae.train.seconds": f"{result.seconds:.3f}",
        "cae.torch.version": torch.__version__,
        "cae.opset": str(OPSET),
        # informational, not read by the scorer
        "cae.val.images": str(n_val),
        "cae.train.best.epoch": str(result.best_epoch),
        "cae.train.seed": str(seed),
        "cae.train.recipe": recipe.describe(),
        "cae.train.stopped.by": result.stopped_by,
    }


def parity_images(images: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray) -> np.ndarray:
    """Up to 4 validation images, topped up from training images for tiny datasets."""
    chosen = list(val_idx[:PARITY_IMAGES]) + list(train_idx[:max(0, PARITY_IMAGES - len(val_idx))])
    return images[chosen]


def run(args: argparse.Namespace) -> int:
    if args.out.suffix != ".onnx":
        raise UsageError(f"--out must end in .onnx, got {args.out}")
    if not 0.0 <= args.val_fraction < 1.0:
        raise UsageError(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
    if not args.lr > 0:
        raise UsageError(f"--lr must be > 0, got {args.lr}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    dataset = data.load_dataset(args.data, args.channels, args.height or args.size,
                                args.width or args.size)
    images = dataset.images
    train_idx, val_idx = data.split_indices(len(images), args.val_fraction, args.seed)
    n, c, h, w = images.shape
    print(f"data {args.data}: {n} images {c}x{h}x{w}, scale {dataset.pixel_scale}, "
          f"{len(train_idx)} train / {len(val_idx)} val, loaded in {time.perf_counter() - t0:.1f}s")

    model = ConvAutoEncoder(c, h, w, args.widths, args.latent_channels)
    recipe = recipe_of(args, h, w)
    print(f"model {model.architecture()}, {sum(p.numel() for p in model.parameters())} parameters, "
          f"{args.threads} threads, torch {torch.__version__}")
    print(f"recipe {recipe.describe()}")
    result = train(model, images[train_idx], images[val_idx], epochs=args.epochs,
                   batch_size=args.batch_size, lr=args.lr, patience=args.patience, seed=args.seed,
                   recipe=recipe, max_seconds=args.max_seconds)
    model.load_state_dict(result.best_state)

    name = args.name or args.out.stem
    dataset_name = args.dataset_name or args.data.resolve().name
    meta = metadata(model, dataset, result, len(train_idx), len(val_idx), name, dataset_name,
                    args.seed, recipe)
    export_onnx(model, args.out, meta)
    write_parity(model, args.out, parity_images(images, train_idx, val_idx))
    encoded_parity.add_to(args.out)
    write_split(args.out, [dataset.paths[i].name for i in val_idx])
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, opset {OPSET}), "
          f"{parity_path(args.out)} and {split_path(args.out)}")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (UsageError, data.DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
