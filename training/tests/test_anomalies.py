"""The repair-training corruptions: they change the image only where their mask says."""
import numpy as np

from cae_training import anomalies
from cae_training.ssim import ssim_map
import torch


def images(n=8, size=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.3, 0.7, size=(n, 1, size, size)).astype(np.float32)


def test_corruption_changes_pixels_only_inside_its_mask():
    donors = images()
    rng = np.random.default_rng(1)
    changed_somewhere = 0
    for i in range(200):
        clean = donors[i % len(donors)]
        out, mask = anomalies.corrupt(clean, donors, rng, probability=1.0)
        assert out.shape == clean.shape and out.dtype == np.float32
        assert 0 <= out.min() and out.max() <= 1
        diff = np.abs(out - clean)[0]
        assert diff[mask == 0].max(initial=0) < 1e-6
        assert 0 < mask.mean() <= anomalies.MAX_AREA + 0.05
        changed_somewhere += diff.max() > 0.01
    assert changed_somewhere > 190


def test_probability_zero_leaves_the_image_alone():
    donors = images()
    out, mask = anomalies.corrupt(donors[0], donors, np.random.default_rng(2), probability=0.0)
    assert np.array_equal(out, donors[0]) and not mask.any()


def test_shapes_are_blobs_and_scars():
    rng = np.random.default_rng(3)
    blobs = [anomalies.shape_mask(64, 64, rng).mean() for _ in range(50)]
    scars = [anomalies.scar_mask(64, 64, rng).mean() for _ in range(50)]
    assert all(anomalies.MIN_AREA <= b <= anomalies.MAX_AREA for b in blobs)
    assert max(scars) < 0.05 < max(blobs)   # scars are thin


def test_ssim_of_an_image_with_itself_is_one_and_drops_for_noise():
    x = torch.from_numpy(images(2, 24))
    assert torch.allclose(ssim_map(x, x), torch.ones(2, 24, 24), atol=1e-5)
    noisy = (x + 0.2 * torch.randn_like(x)).clamp(0, 1)
    assert ssim_map(x, noisy).mean() < 0.9
