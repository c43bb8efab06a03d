"""The CAE: conv3x3/s2 encoder, 1x1 latent map, deconv3x3/s2 decoder, sigmoid output.

The scorer compares input and reconstruction pixel by pixel, so the output shape must equal the
input shape for every size, odd ones included. A stride-2 'same' conv maps t -> ceil(t/2); the
matching transposed conv maps s -> 2s - 1 + output_padding, so output_padding is 1 when the size
to restore is even and 0 when it is odd. The encoder sizes are fixed at construction (the input
size is part of the model contract), so each decoder layer gets its own output_padding.
"""
from typing import List, Sequence, Tuple

import torch
from torch import nn
from torch.nn import functional as F

KERNEL = 3
STRIDE = 2
PADDING = 1
# Below this many output channels the reference deconv kernel beats the zero-stuffed conv
# (measured on Debian torch 1.13: 2-3x faster for the final 1- or 3-channel layer, 2-6x slower
# for 8+ channels).
FAST_DECONV_MIN_OUT_CHANNELS = 4


def encoded_size(size: int) -> int:
    """Spatial size after one Conv2d(k=3, s=2, p=1): ceil(size / 2)."""
    return (size + 2 * PADDING - KERNEL) // STRIDE + 1


def encoder_sizes(size: int, depth: int) -> List[int]:
    """Sizes seen by the encoder: [input, after block 1, ..., after block depth]."""
    sizes = [size]
    for _ in range(depth):
        sizes.append(encoded_size(sizes[-1]))
    return sizes


def output_padding_for(source: int, target: int) -> int:
    """output_padding that makes ConvTranspose2d(k=3, s=2, p=1) map source -> target."""
    padding = target - ((source - 1) * STRIDE - 2 * PADDING + KERNEL)
    if padding not in (0, 1):
        raise ValueError(f"a stride-2 transposed conv cannot map {source} to {target}")
    return padding


def decoded_size(source: int, output_padding: int) -> int:
    """Spatial size after ConvTranspose2d(k=3, s=2, p=1, output_padding)."""
    return (source - 1) * STRIDE - 2 * PADDING + KERNEL + output_padding


def decoder_paddings(height: int, width: int, depth: int) -> List[Tuple[int, int]]:
    """(pad_h, pad_w) per decoder layer, first layer (smallest map) first."""
    hs, ws = encoder_sizes(height, depth), encoder_sizes(width, depth)
    return [
        (output_padding_for(hs[i + 1], hs[i]), output_padding_for(ws[i + 1], ws[i]))
        for i in reversed(range(depth))
    ]


class Deconv3x3s2(nn.ConvTranspose2d):
    """ConvTranspose2d(k=3, s=2, p=1) that trains fast on CPU builds without a fast deconv kernel.

    Debian's torch 1.13 runs transposed convs through a slow reference kernel (~6x slower than the
    equivalent conv here). A stride-2 transposed conv equals a stride-1 conv of the flipped,
    in/out-swapped kernel over the input with zeros stuffed between pixels, padded by k-1-p on
    the top/left and k-1-p+output_padding on the bottom/right; that runs on the fast conv kernel.
    Same parameters, same state_dict; the ONNX export (and `native=True`) uses the real op, so the
    exported graph holds a ConvTranspose node. Layers with few output channels keep the real op.
    """

    native = False

    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        if (self.native or output_size is not None or torch.onnx.is_in_onnx_export()
                or self.out_channels < FAST_DECONV_MIN_OUT_CHANNELS):
            return super().forward(x, output_size)
        n, c, h, w = x.shape
        stuffed = x.new_zeros(n, c, STRIDE * (h - 1) + 1, STRIDE * (w - 1) + 1)
        stuffed[:, :, ::STRIDE, ::STRIDE] = x
        edge = KERNEL - 1 - PADDING
        pad_h, pad_w = self.output_padding
        stuffed = F.pad(stuffed, (edge, edge + pad_w, edge, edge + pad_h))
        kernel = self.weight.flip(2, 3).transpose(0, 1)
        return F.conv2d(stuffed, kernel, self.bias)


def architecture_string(widths: Sequence[int], latent_channels: int) -> str:
    """Short human-readable description stored in the ONNX metadata (cae.architecture)."""
    return f"conv3x3s2[{','.join(str(w) for w in widths)}]-latent{latent_channels}-deconv3x3s2-sigmoid"


class ConvAutoEncoder(nn.Module):
    """Mirror-symmetric CAE for a fixed input size [C, H, W].

    Encoder: C -> widths[0] -> ... -> widths[-1], each Conv2d(3, s2, p1) + ReLU.
    Latent:  1x1 conv widths[-1] -> latent_channels, linear: with only a few channels a ReLU here
             can silence a latent channel for good, and the next layer is non-linear anyway.
    Decoder: latent -> widths[-2] -> ... -> widths[0] -> C, each ConvTranspose2d(3, s2, p1, op)
             + ReLU, the last one + Sigmoid because inputs are in [0, 1].
    """

    def __init__(self, channels: int, height: int, width: int,
                 widths: Sequence[int] = (16, 32, 64), latent_channels: int = 8):
        super().__init__()
        if not widths:
            raise ValueError("widths must name at least one encoder layer")
        if channels < 1 or height < 1 or width < 1 or latent_channels < 1 or min(widths) < 1:
            raise ValueError("channels, sizes, widths and latent channels must be positive")
        self.channels, self.height, self.width = channels, height, width
        self.widths, self.latent_channels = list(widths), latent_channels

        encoder: List[nn.Module] = []
        previous = channels
        for w in widths:
            encoder += [nn.Conv2d(previous, w, KERNEL, STRIDE, PADDING), nn.ReLU(inplace=True)]
            previous = w
        self.encoder = nn.Sequential(*encoder)
        self.latent = nn.Conv2d(previous, latent_channels, kernel_size=1)

        decoder: List[nn.Module] = []
        outs = list(reversed(widths[:-1])) + [channels]
        previous = latent_channels
        for i, (out, pad) in enumerate(zip(outs, decoder_paddings(height, width, len(widths)))):
            decoder.append(Deconv3x3s2(previous, out, KERNEL, STRIDE, PADDING, output_padding=pad))
            decoder.append(nn.Sigmoid() if i == len(outs) - 1 else nn.ReLU(inplace=True))
            previous = out
        self.decoder = nn.Sequential(*decoder)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.latent(self.encoder(x)))

    def use_native_deconv(self, native: bool) -> None:
        """Switch the decoder between the real transposed conv and its fast training equivalent."""
        for layer in self.decoder:
            if isinstance(layer, Deconv3x3s2):
                layer.native = native

    def architecture(self) -> str:
        return architecture_string(self.widths, self.latent_channels)
