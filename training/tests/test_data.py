import numpy as np
import pytest
from PIL import Image

from cae_training import data


def write(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_scales_8_and_16_bit(tmp_path):
    write(tmp_path / "a8/train/good/0.png", np.full((4, 6), 51, np.uint8))
    write(tmp_path / "a16/train/good/0.png", np.full((4, 6), 13107, np.uint16))
    eight, sixteen = data.load_dataset(tmp_path / "a8"), data.load_dataset(tmp_path / "a16")
    assert eight.pixel_scale == "1/255" and sixteen.pixel_scale == "1/65535"
    assert eight.images.shape == sixteen.images.shape == (1, 1, 4, 6)
    assert np.allclose(eight.images, 0.2) and np.allclose(sixteen.images, 0.2)


def test_rgb_to_grey_and_grey_to_rgb(tmp_path):
    rgb = np.zeros((3, 3, 3), np.uint8)
    rgb[..., 0] = 255
    write(tmp_path / "c/train/good/0.png", rgb)
    write(tmp_path / "g/train/good/0.png", np.full((3, 3), 255, np.uint8))
    colour = data.load_dataset(tmp_path / "c")
    assert colour.images.shape == (1, 3, 3, 3) and colour.source_channels == 3
    assert np.allclose(colour.images[0, 0], 1.0) and np.allclose(colour.images[0, 1:], 0.0)
    assert np.allclose(data.load_dataset(tmp_path / "c", channels=1).images, 0.299)
    assert data.load_dataset(tmp_path / "g", channels=3).images.shape == (1, 3, 3, 3)


def test_resize_to_requested_size(tmp_path):
    write(tmp_path / "r/train/good/0.png", np.full((10, 12), 128, np.uint8))
    images = data.load_dataset(tmp_path / "r", height=5, width=7).images
    assert images.shape == (1, 1, 5, 7) and np.allclose(images, 128 / 255, atol=1e-6)


def test_mixed_bit_depths_rejected(tmp_path):
    write(tmp_path / "m/train/good/0.png", np.zeros((4, 4), np.uint8))
    write(tmp_path / "m/train/good/1.png", np.zeros((4, 4), np.uint16))
    with pytest.raises(data.DataError, match="bit depth"):
        data.load_dataset(tmp_path / "m")


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(data.DataError):
        data.load_dataset(tmp_path / "nothing")
    (tmp_path / "empty/train/good").mkdir(parents=True)
    with pytest.raises(data.DataError):
        data.load_dataset(tmp_path / "empty")


def test_split_is_deterministic_and_disjoint():
    train, val = data.split_indices(50, 0.1, seed=3)
    again_train, again_val = data.split_indices(50, 0.1, seed=3)
    assert list(train) == list(again_train) and list(val) == list(again_val)
    assert len(val) == 5 and not set(train) & set(val) and len(train) + len(val) == 50
    assert list(data.split_indices(50, 0.1, seed=4)[1]) != list(val)
    assert len(data.split_indices(3, 0.1, seed=0)[1]) == 1     # tiny sets keep one val image
    assert len(data.split_indices(1, 0.5, seed=0)[0]) == 1     # and at least one train image
    assert len(data.split_indices(10, 0.0, seed=0)[1]) == 0
