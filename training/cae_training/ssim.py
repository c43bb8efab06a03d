"""Structural similarity (SSIM, Wang et al. 2004) with a Gaussian window, as a loss and as a map.

The Java scorer computes the same map (io.caestream.scoring.StructuralError): window sigma 1.5,
radius 3 (7x7), constants C1 = (0.01)^2 and C2 = (0.03)^2 for data in [0, 1], edges replicated.
"""
import math

import torch
from torch.nn import functional as F

SIGMA = 1.5
RADIUS = 3
C1 = 0.01 ** 2
C2 = 0.03 ** 2


def _kernel(sigma: float, radius: int, device=None) -> torch.Tensor:
    xs = torch.arange(-radius, radius + 1, dtype=torch.float32, device=device)
    k = torch.exp(-(xs ** 2) / (2 * sigma * sigma))
    return k / k.sum()


def _blur(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Separable blur of [N, C, H, W] with replicated edges, per channel."""
    c = x.shape[1]
    r = (len(k) - 1) // 2
    x = F.pad(x, (r, r, r, r), mode="replicate")
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def ssim_map(a: torch.Tensor, b: torch.Tensor, sigma: float = SIGMA, radius: int = RADIUS) -> torch.Tensor:
    """Per-pixel SSIM of [N, C, H, W] images, averaged over channels: [N, H, W]."""
    k = _kernel(sigma, radius, a.device)
    mu_a, mu_b = _blur(a, k), _blur(b, k)
    var_a = _blur(a * a, k) - mu_a * mu_a
    var_b = _blur(b * b, k) - mu_b * mu_b
    cov = _blur(a * b, k) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + C1) * (2 * cov + C2)) / ((mu_a ** 2 + mu_b ** 2 + C1) * (var_a + var_b + C2))
    return s.mean(dim=1)


def ssim_loss(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """1 - mean SSIM: 0 for identical images."""
    return 1 - ssim_map(a, b).mean()


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur of [N, C, H, W] (or [N, H, W]) with radius ceil(3 sigma), edges replicated."""
    squeeze = x.dim() == 3
    if squeeze:
        x = x[:, None]
    out = _blur(x, _kernel(sigma, max(1, int(math.ceil(3 * sigma))), x.device))
    return out[:, 0] if squeeze else out
