"""End to end: tiny MVTec folders -> train.py -> ONNX + metadata + parity file, all cross-checked."""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
import torch
from PIL import Image

import onnx_numpy
from cae_training import cli, data
from cae_training.model import ConvAutoEncoder

TRAIN_PY = Path(__file__).resolve().parents[1] / "train.py"
WIDTHS, LATENT = [4, 8], 2
CASES = {
    # name: (channels, height, width, bits, val_fraction)
    "grey8-20x20": (1, 20, 20, 8, 0.2),     # 20 -> 10 -> 5: decoding 5 -> 10 -> 20
    "grey16-28x28": (1, 28, 28, 16, 0.2),   # 28 -> 14 -> 7
    "rgb-18x13": (3, 18, 13, 8, 0.0),       # odd, non-square, no validation set
}


def make_dataset(root: Path, channels: int, height: int, width: int, bits: int, count=10):
    """Smooth gradients plus noise, so the images are neither constant nor pure noise."""
    rng = np.random.RandomState(0)
    folder = root / "train" / "good"
    folder.mkdir(parents=True)
    top = 65535 if bits == 16 else 255
    y, x = np.mgrid[0:height, 0:width]
    for i in range(count):
        base = (x / width * 0.5 + y / height * 0.3 + 0.1 * (i % 3))[..., None]
        pixels = np.clip(base + rng.normal(0, 0.05, (height, width, channels)), 0, 1)
        values = np.round(pixels * top).astype(np.uint16 if bits == 16 else np.uint8)
        Image.fromarray(values[..., 0] if channels == 1 else values).save(folder / f"{i:03d}.png")


def train_case(tmp_path: Path, case: str, *extra: str):
    channels, height, width, bits, val_fraction = CASES[case]
    root = tmp_path / case
    make_dataset(root, channels, height, width, bits)
    out = tmp_path / "models" / f"{case}.onnx"
    rc = cli.main(["--data", str(root), "--out", str(out), "--epochs", "2", "--patience", "0",
                   "--widths", ",".join(map(str, WIDTHS)), "--latent-channels", str(LATENT),
                   "--batch-size", "4", "--val-fraction", str(val_fraction), "--seed", "5",
                   "--threads", "2", *(extra or ("--classic",))])
    assert rc == 0
    return root, out


def torch_model_from_onnx(proto: onnx.ModelProto, channels: int, height: int, width: int):
    """Rebuilds the PyTorch model from the exported weights (initializers keep parameter names)."""
    model = ConvAutoEncoder(channels, height, width, WIDTHS, LATENT)
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
               for t in proto.graph.initializer}
    model.load_state_dict({name: weights[name] for name in model.state_dict()})
    return model.eval()


def declared_dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


@pytest.mark.parametrize("case", sorted(CASES))
def test_train_and_export(tmp_path, case):
    channels, height, width, bits, val_fraction = CASES[case]
    root, out = train_case(tmp_path, case)
    parity_file = out.with_name(f"{case}.parity.json")
    assert out.is_file() and parity_file.is_file()

    proto = onnx.load(str(out))
    onnx.checker.check_model(proto)
    assert [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")] == [17]
    assert "ConvTranspose" in {n.op_type for n in proto.graph.node}

    # Graph contract: [N, C, H, W] in and out, N symbolic (dynamic batch).
    (graph_in,), (graph_out,) = proto.graph.input, proto.graph.output
    assert graph_in.name == "input" and graph_out.name == "reconstruction"
    assert declared_dims(graph_in) == declared_dims(graph_out) == ["N", channels, height, width]

    # Metadata contract read by the Java scorer.
    n_val = len(data.split_indices(10, val_fraction, 5)[1])
    meta = {p.key: p.value for p in proto.metadata_props}
    expected = {
        "cae.input.channels": str(channels), "cae.input.height": str(height),
        "cae.input.width": str(width), "cae.pixel.scale": "1/65535" if bits == 16 else "1/255",
        "cae.pixel.order": "grey" if channels == 1 else "rgb",
        "cae.architecture": "conv3x3s2[4,8]-latent2-deconv3x3s2-sigmoid",
        "cae.model.name": case, "cae.dataset": case, "cae.train.images": str(10 - n_val),
        "cae.train.epochs": "2", "cae.torch.version": torch.__version__, "cae.opset": "17",
    }
    assert {k: meta.get(k) for k in expected} == expected
    val_loss = float(meta["cae.val.loss"])
    assert math.isfinite(val_loss) and val_loss > 0 and repr(val_loss) == meta["cae.val.loss"]
    assert float(meta["cae.train.seconds"]) > 0

    # Parity file: 4 images of the dataset, reproduced by torch and by the ONNX graph itself.
    parity = json.loads(parity_file.read_text())
    assert parity["model"] == out.name and parity["shape"] == [4, channels, height, width]
    inputs = np.array(parity["inputs"], dtype=np.float32).reshape(parity["shape"])
    outputs = np.array(parity["outputs"], dtype=np.float32).reshape(parity["shape"])
    dataset = data.load_dataset(root)
    for image in inputs:
        assert any(np.array_equal(image, known) for known in dataset.images)

    model = torch_model_from_onnx(proto, channels, height, width)
    with torch.no_grad():
        again = model(torch.from_numpy(inputs)).numpy()
    assert again.shape == inputs.shape
    assert np.abs(again - outputs).max() < 1e-5

    onnx_out = onnx_numpy.run(proto, {"input": inputs})["reconstruction"]
    assert onnx_out.shape == inputs.shape and np.abs(onnx_out - outputs).max() < 1e-4
    single = onnx_numpy.run(proto, {"input": inputs[:1]})["reconstruction"]
    assert single.shape == (1, channels, height, width)

    # cae.val.loss is the best checkpoint's validation MSE (training MSE without validation set).
    train_idx, val_idx = data.split_indices(len(dataset.images), val_fraction, 5)
    held_out = dataset.images[val_idx if len(val_idx) else train_idx]
    with torch.no_grad():
        mse = torch.mean((model(torch.from_numpy(held_out)) - torch.from_numpy(held_out)) ** 2)
    assert float(mse) == pytest.approx(val_loss, rel=1e-4)

    # The split file names exactly the held-out files, for calibration on unseen normals.
    split = json.loads(out.with_name(f"{case}.split.json").read_text())
    assert split["validation"] == sorted(dataset.paths[i].name for i in val_idx)


def test_repair_recipe_validates_on_a_fixed_corruption_of_the_held_out_images(tmp_path):
    """The default recipe's cae.val.loss is the repair loss of the best checkpoint on the held-out
    images corrupted with the validation seed: what training optimises, measured the same way."""
    from cae_training import anomalies, trainer
    case = "grey8-20x20"
    root, out = train_case(tmp_path, case, "--repair", "1", "--mask-weight", "5",
                           "--ssim-weight", "1", "--crop", "0")
    proto = onnx.load(str(out))
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["cae.train.recipe"].startswith("repair p=1, mse+1*ssim")
    channels, height, width, _, val_fraction = CASES[case]
    model = torch_model_from_onnx(proto, channels, height, width)
    dataset = data.load_dataset(root)
    train_idx, val_idx = data.split_indices(len(dataset.images), val_fraction, 5)
    held_out = dataset.images[val_idx]
    corrupted, masks = anomalies.corrupt_batch(held_out, dataset.images[train_idx],
                                               np.random.default_rng(trainer.VALIDATION_SEED), 1.0)
    assert not np.array_equal(corrupted, held_out)
    recipe = trainer.Recipe(repair=1.0, mask_weight=5.0, ssim_weight=1.0)
    loss = trainer.mean_loss(model, torch.from_numpy(corrupted), torch.from_numpy(held_out),
                             torch.from_numpy(masks), recipe, 4)
    assert loss == pytest.approx(float(meta["cae.val.loss"]), rel=1e-4)


def test_default_crop_is_half_the_side_when_sub_crops_decode_to_their_own_size():
    args = cli.build_parser().parse_args(["--data", "d", "--out", "m.onnx"])
    assert cli.recipe_of(args, 64, 64).crop == 32
    assert cli.recipe_of(args, 256, 128).crop == 64
    assert cli.recipe_of(args, 28, 28).crop == 0       # too small to crop
    assert cli.recipe_of(args, 100, 100).crop == 0     # 100 is not a multiple of 8
    classic = cli.build_parser().parse_args(["--data", "d", "--out", "m.onnx", "--classic"])
    assert cli.recipe_of(classic, 64, 64) == trainer_recipe()


def trainer_recipe():
    from cae_training.trainer import Recipe
    return Recipe()


def test_cli_rejects_bad_usage(tmp_path):
    make_dataset(tmp_path / "ok", 1, 8, 8, 8, count=2)
    missing = subprocess.run([sys.executable, str(TRAIN_PY), "--data", str(tmp_path / "nope"),
                              "--out", str(tmp_path / "m.onnx")], capture_output=True, text=True)
    assert missing.returncode == 2 and "train/good" in missing.stderr
    assert cli.main(["--data", str(tmp_path / "ok"), "--out", str(tmp_path / "m.txt")]) == 2
    assert not (tmp_path / "m.onnx").exists()
