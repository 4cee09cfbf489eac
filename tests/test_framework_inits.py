"""What frameworks draw when the user names no init, against the frameworks themselves:
PyTorch's nn.Linear and nn.Conv2d (installed: their own draws), Keras' glorot_uniform and
Flax's lecun_normal (not installed: their documented formulas and JAX's constant), and the
mean-field init's weight and bias variances."""

import math

import pytest
import torch
from scipy import stats

from experiments import schema
from models import MLP
from models.conv import ConvNet
from models.inits import FRAMEWORK_DEFAULTS, INITS, init_bound, initialize_layer

P_FLOOR = 1e-3  # two-sample KS: same distribution unless p falls below this (fixed seeds)


def _ours(layer, scheme: str, fan_in: int, fan_out: int, seed: int = 0):
    initialize_layer(layer, scheme, torch.Generator().manual_seed(seed), fan_in, fan_out)
    return layer.weight.detach().flatten(), layer.bias.detach().flatten()


def _own(layer):
    return layer.weight.detach().flatten(), layer.bias.detach()


def test_torch_default_draws_nn_linears_own_weight_and_bias_distributions():
    torch.manual_seed(0)
    theirs = torch.nn.Linear(300, 2000)  # torch's own reset_parameters
    ours = _ours(torch.nn.Linear(300, 2000), "torch_default", 300, 2000)
    bound = 1 / math.sqrt(300)  # kaiming_uniform_(a=sqrt(5)): gain sqrt(1/3) x sqrt(3 / 300)
    for mine, torch_own in zip(ours, _own(theirs), strict=True):
        assert mine.abs().max() <= bound and torch_own.abs().max() <= bound
        assert stats.ks_2samp(mine.numpy(), torch_own.numpy()).pvalue > P_FLOOR


def test_torch_default_draws_nn_conv2ds_own_distributions_over_the_receptive_field():
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(16, 400, 5)
    fan_in, fan_out = 16 * 25, 400 * 25
    ours = _ours(torch.nn.Conv2d(16, 400, 5), "torch_default", fan_in, fan_out)
    for mine, torch_own in zip(ours, _own(theirs), strict=True):
        assert stats.ks_2samp(mine.numpy(), torch_own.numpy()).pvalue > P_FLOOR


def test_the_other_schemes_keep_biases_at_zero_and_torch_default_draws_them():
    net = MLP(64, [50, 50], 3, "tanh", init="torch_default", seed=0)
    assert all(layer.bias.abs().max() > 0 for layer in [*net.hidden, net.output])
    assert all(layer.bias.abs().max() == 0
               for layer in MLP(64, [50, 50], 3, "tanh", init="standard").hidden)  # fmt: skip
    conv = ConvNet((1, 12, 12), 2, 4, 3, 3, "tanh", init="torch_default")
    assert all(layer.bias.abs().max() > 0 for layer in conv.hidden)


def test_keras_default_is_glorot_uniform_the_papers_normalized_init():
    # keras.initializers.GlorotUniform: limit = sqrt(6 / (fan_in + fan_out)), biases zeros
    assert FRAMEWORK_DEFAULTS["Keras"] == "normalized"
    for fan_in, fan_out in ((784, 1000), (1000, 10), (3, 7)):
        assert init_bound("normalized", fan_in, fan_out) == pytest.approx(
            math.sqrt(6 / (fan_in + fan_out)), rel=1e-15
        )


def test_flax_default_is_jaxs_lecun_normal_a_truncated_normal_of_variance_one_over_fan_in():
    # jax.nn.initializers.variance_scaling(1.0, "fan_in", "truncated_normal"): a standard
    # normal truncated to [-2, 2], times sqrt(1 / fan_in) / .87962566103423978 (its std)
    assert FRAMEWORK_DEFAULTS["Flax"] == "flax_default"
    fan_in = 500
    w = INITS["flax_default"].sample(fan_in, 400, torch.Generator().manual_seed(0)).flatten()
    std = math.sqrt(1 / fan_in) / 0.87962566103423978
    assert w.abs().max() <= 2 * std
    reference = stats.truncnorm(-2, 2, scale=std)
    assert stats.kstest(w.numpy(), reference.cdf).pvalue > P_FLOOR
    n = w.numel()  # the variance 1 / fan_in, within 6 sd of the mean of w^2
    assert abs(w.pow(2).mean().item() - 1 / fan_in) <= 6 * math.sqrt(reference.var() ** 2 * 2 / n)


@pytest.mark.parametrize("sigma_w2,sigma_b2", [(0.5, 0.0), (1.75, 0.05), (4.0, 0.3)])
def test_mean_field_draws_weights_of_variance_sigma_w2_over_fan_in_and_biases_sigma_b2(
    sigma_w2, sigma_b2
):
    fan_in, fan_out = 400, 3000
    layer = torch.nn.Linear(fan_in, fan_out, dtype=torch.float64)
    options = {"sigma_w2": sigma_w2, "sigma_b2": sigma_b2}
    initialize_layer(layer, "mean_field", torch.Generator().manual_seed(0), fan_in, fan_out,
                     **options)  # fmt: skip
    w, b = layer.weight.detach().flatten(), layer.bias.detach()
    # N(0, v): the sample mean of x^2 has sd v sqrt(2 / n); 6 sd
    v = sigma_w2 / fan_in
    assert abs(w.pow(2).mean().item() - v) <= 6 * v * math.sqrt(2 / w.numel())
    if sigma_b2 == 0:
        assert b.abs().max() == 0
    else:
        assert abs(b.pow(2).mean().item() - sigma_b2) <= 6 * sigma_b2 * math.sqrt(2 / fan_out)


def test_the_mean_field_settings_reach_the_net_from_the_config():
    cfg = schema.InitConfig(name="mean_field", sigma_w2=2.0, sigma_b2=0.1)
    assert cfg.options() == {"sigma_b2": 0.1, "sigma_w2": 2.0}
    with pytest.raises(ValueError, match=r"config init\.sigma_b2=-0\.1"):
        schema.InitConfig(name="mean_field", sigma_b2=-0.1)
