"""The conv net: fans against torch's, each scheme's drawn variance against its formula on
conv weights, the channels-only mistake, its forward against a hand-built torch net, a
training run with probes per conv layer, and the refusals."""

import math

import pytest
import torch
import torch.nn.functional as F

from models.conv import ConvNet
from models.inits import conv_fans, initialize_layer


@pytest.mark.parametrize("shape", [(8, 3, 5, 5), (16, 16, 3, 3), (4, 1, 7, 7), (32, 8, 1, 1)])
def test_fans_equal_torchs(shape):
    want = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert conv_fans(shape) == want
    assert conv_fans(shape, "channels") == (shape[1], shape[0])  # the mistake: no kernel area


VARIANCE = {  # each scheme's Var[W] from its fans
    "standard": lambda i, o: 1 / (3 * i),
    "normalized": lambda i, o: 2 / (i + o),
    "he": lambda i, o: 2 / i,
    "lecun": lambda i, o: 1 / i,
    "normalized_normal": lambda i, o: 2 / (i + o),
    "kumar": lambda i, o: 1 / i,  # tanh
}


@pytest.mark.parametrize("scheme", sorted(VARIANCE))
@pytest.mark.parametrize("fan", ["receptive_field", "channels"])
def test_drawn_conv_weights_have_each_schemes_variance(scheme, fan):
    layer = torch.nn.Conv2d(64, 96, 5, dtype=torch.float64)  # 153,600 weights: ~0.4% (1 sd)
    fan_in, fan_out = conv_fans(layer.weight.shape, fan)
    gen = torch.Generator().manual_seed(0)
    from models import get_activation

    initialize_layer(layer, scheme, gen, fan_in, fan_out, get_activation("tanh"))
    want = VARIANCE[scheme](*conv_fans(layer.weight.shape, fan))
    assert layer.weight.var().item() == pytest.approx(want, rel=0.02)
    assert layer.bias.abs().max().item() == 0


def test_orthogonal_conv_weights_have_orthonormal_rows_as_torchs():
    layer = torch.nn.Conv2d(8, 16, 3, dtype=torch.float64)
    from models import get_activation

    initialize_layer(
        layer,
        "orthogonal",
        torch.Generator().manual_seed(4),
        *conv_fans(layer.weight.shape),
        get_activation("relu"),
    )
    ref = torch.empty_like(layer.weight)
    torch.nn.init.orthogonal_(ref, math.sqrt(2), generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(layer.weight.detach(), ref)


def test_forward_equals_a_hand_built_conv_net():
    net = ConvNet((1, 12, 12), 2, 4, 3, 5, "tanh", "he", seed=1).double()
    x = torch.rand(6, 144, dtype=torch.float64)
    z = x.view(6, 1, 12, 12)
    for layer in net.hidden:
        z = torch.tanh(F.conv2d(z, layer.weight, layer.bias, padding=1))
    logits, pre, post = net.forward_trace(x)
    torch.testing.assert_close(logits, z.flatten(1) @ net.output.weight.T + net.output.bias)
    assert [p.shape for p in pre] == [(6, 4 * 144)] * 2 and len(post) == 2


def test_bad_kernels_and_fitted_inits_are_refused():
    with pytest.raises(ValueError, match="model.kernel must be odd"):
        ConvNet((1, 12, 12), 2, 4, 4, 5, "tanh")
    with pytest.raises(ValueError, match="at most the input's 12 pixels"):
        ConvNet((1, 12, 12), 2, 4, 13, 5, "tanh")
    with pytest.raises(ValueError, match="dense nets only"):
        ConvNet((1, 12, 12), 2, 4, 3, 5, "tanh", "lsuv")


def test_init_gain_scales_the_conv_layers_not_the_classifier():
    a = ConvNet((1, 12, 12), 2, 4, 3, 5, "tanh", "normalized", seed=3)
    b = ConvNet((1, 12, 12), 2, 4, 3, 5, "tanh", "normalized", seed=3, init_gain=4.0)
    for p, q in zip(a.hidden.parameters(), b.hidden.parameters(), strict=True):
        torch.testing.assert_close(4 * p, q)
    torch.testing.assert_close(a.output.weight, b.output.weight)
