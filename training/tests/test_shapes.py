"""The size rule: every supported input size must come back out of the decoder unchanged."""
import pytest
import torch

from cae_training.model import (ConvAutoEncoder, Deconv3x3s2, decoded_size, decoder_paddings,
                                encoder_sizes, output_padding_for)


@pytest.mark.parametrize("size, encoded, paddings", [
    (5, [5, 3, 2, 1], [1, 0, 0]),          # DESIGN.md example: 5 -> 3; back 1 -> 2 -> 3 -> 5
    (28, [28, 14, 7, 4], [0, 1, 1]),       # 4 -> 7 needs 0, 7 -> 14 and 14 -> 28 need 1
    (64, [64, 32, 16, 8], [1, 1, 1]),
    (256, [256, 128, 64, 32], [1, 1, 1]),
])
def test_size_rule(size, encoded, paddings):
    assert encoder_sizes(size, 3) == encoded
    pads = decoder_paddings(size, size, 3)
    assert [p[0] for p in pads] == paddings
    current = encoded[-1]
    for (pad, _), target in zip(pads, reversed(encoded[:-1])):
        current = decoded_size(current, pad)
        assert current == target
    assert current == size


def test_transposed_conv_cannot_reach_other_sizes():
    with pytest.raises(ValueError):
        output_padding_for(3, 7)


@pytest.mark.parametrize("channels, height, width", [
    (1, 5, 5), (1, 28, 28), (1, 64, 64), (1, 256, 256), (3, 20, 13), (1, 1, 1),
])
def test_model_output_shape_equals_input(channels, height, width):
    model = ConvAutoEncoder(channels, height, width, widths=(4, 8, 8), latent_channels=2)
    x = torch.rand(2, channels, height, width)
    for native in (False, True):
        model.use_native_deconv(native)
        y = model(x)
        assert y.shape == x.shape
        assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0


@pytest.mark.parametrize("height, width, padding", [(7, 5, (0, 1)), (8, 8, (1, 1)), (3, 6, (1, 0))])
def test_fast_deconv_matches_native(height, width, padding):
    torch.manual_seed(0)
    layer = Deconv3x3s2(5, 6, 3, 2, 1, output_padding=padding)  # >= 4 outputs: fast path
    x = torch.rand(2, 5, height, width, requires_grad=True)
    fast = layer(x)
    (grad_fast,) = torch.autograd.grad(fast.sum(), x)
    layer.native = True
    native = layer(x)
    (grad_native,) = torch.autograd.grad(native.sum(), x)
    assert fast.shape == native.shape
    assert torch.allclose(fast, native, atol=1e-5)
    assert torch.allclose(grad_fast, grad_native, atol=1e-5)
