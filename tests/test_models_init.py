"""Weight inits against the paper's closed forms (Eqs. 1, 16), FACTS §1 numbers and torch's
own xavier_uniform_."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from models.inits import INITS, get_init, init_bound, initialize_linear
from models.mlp import MLP


def _draw(scheme: str, fan_in: int, fan_out: int, seed: int = 0) -> nn.Linear:
    layer = nn.Linear(fan_in, fan_out)  # torch default: non-zero bias, to be zeroed
    initialize_linear(layer, scheme, torch.Generator().manual_seed(seed))
    return layer


def test_registry_has_paper_schemes():
    assert {"standard", "normalized"} <= set(INITS)


@pytest.mark.parametrize("fan_in,fan_out", [(1000, 1000), (1024, 1000), (1000, 9), (3, 7)])
def test_bounds_match_closed_forms(fan_in, fan_out):
    assert init_bound("standard", fan_in, fan_out) == pytest.approx(fan_in**-0.5, rel=1e-12)
    expected = math.sqrt(6) / math.sqrt(fan_in + fan_out)
    assert init_bound("normalized", fan_in, fan_out) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "scheme,fan_in,fan_out,facts",
    [
        ("standard", 1000, 1000, 0.03162),
        ("normalized", 1000, 1000, 0.05477),
        ("standard", 1024, 1000, 0.03125),
        ("normalized", 1024, 1000, 0.05445),
        ("normalized", 1000, 9, 0.07711),
    ],
)
def test_bounds_match_facts_sheet(scheme, fan_in, fan_out, facts):
    assert init_bound(scheme, fan_in, fan_out) == pytest.approx(facts, abs=5e-6)


@pytest.mark.parametrize("scheme", ["standard", "normalized"])
def test_drawn_layer_variance_and_bound(scheme):
    n_in, n_out = 1000, 1000
    w = _draw(scheme, n_in, n_out).weight.detach().double()
    assert w.shape == (n_out, n_in)
    if scheme == "standard":
        bound = 1 / math.sqrt(n_in)
        assert n_in * w.var().item() == pytest.approx(1 / 3, rel=0.02)  # Eq. 1: n Var[W] = 1/3
    else:
        bound = math.sqrt(6 / (n_in + n_out))
        assert w.var().item() == pytest.approx(2 / (n_in + n_out), rel=0.02)  # Eq. 16
    assert w.abs().max().item() <= bound + 1e-7
    assert w.abs().max().item() > 0.99 * bound  # fills the interval
    assert abs(w.mean().item()) < 0.01 * bound


def test_normalized_matches_torch_xavier_uniform_in_distribution():
    shape = (1000, 1000)
    ours = _draw("normalized", shape[1], shape[0], seed=3).weight.detach().double().flatten()
    ref = torch.empty(shape)
    nn.init.xavier_uniform_(ref, gain=1.0, generator=torch.Generator().manual_seed(11))
    ref = ref.double().flatten()
    assert ours.var().item() == pytest.approx(ref.var().item(), rel=0.01)
    assert ours.abs().max().item() == pytest.approx(ref.abs().max().item(), rel=1e-3)
    # two-sample Kolmogorov-Smirnov statistic; ~1.4e-3 expected at n = 1e6 each
    a, b = np.sort(ours.numpy()), np.sort(ref.numpy())
    grid = np.concatenate([a, b])
    ks = np.max(np.abs(np.searchsorted(a, grid, "right") - np.searchsorted(b, grid, "right")))
    assert ks / a.size < 4e-3
    qs = torch.linspace(0.01, 0.99, 99, dtype=torch.float64)
    q_ours = torch.quantile(ours[::10], qs)
    q_ref = torch.quantile(ref[::10], qs)
    assert torch.allclose(q_ours, q_ref, atol=0.01 * math.sqrt(6 / 2000))


@pytest.mark.parametrize("scheme", ["standard", "normalized"])
def test_bias_exactly_zero(scheme):
    layer = _draw(scheme, 20, 30)
    assert torch.equal(layer.bias.detach(), torch.zeros(30))


def test_same_seed_identical_different_seed_differs():
    a = _draw("normalized", 50, 40, seed=5).weight
    b = _draw("normalized", 50, 40, seed=5).weight
    c = _draw("normalized", 50, 40, seed=6).weight
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_init_does_not_touch_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    MLP(10, (2, 8), 3, "tanh", seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_mlp_layers_follow_schemes_and_output_init():
    m = MLP(1024, (2, 1000), 9, "tanh", init="standard", output_init="normalized")
    assert m.hidden[0].weight.abs().max().item() <= 1 / math.sqrt(1024) + 1e-7
    assert m.hidden[1].weight.abs().max().item() <= 1 / math.sqrt(1000) + 1e-7
    out_bound = math.sqrt(6 / 1009)
    assert m.output.weight.abs().max().item() <= out_bound + 1e-7
    assert m.output.weight.abs().max().item() > 0.9 * out_bound  # > standard's 0.0316
    for layer in [*m.hidden, m.output]:
        assert torch.count_nonzero(layer.bias).item() == 0


def test_unknown_init_names_option():
    with pytest.raises(ValueError, match="'fixup'.*kumar.*normalized.*orthogonal.*standard"):
        get_init("fixup")
    with pytest.raises(ValueError, match="bogus"):
        MLP(4, [3], 2, "tanh", init="bogus")
    with pytest.raises(ValueError, match="bogus"):
        MLP(4, [3], 2, "tanh", output_init="bogus")


def test_he_is_torchs_kaiming_uniform_for_relu():
    """He et al. (2015): Var[W] = 2/n_in; torch's kaiming_uniform_ (fan_in, ReLU gain)."""
    n_in, n_out = 1000, 500
    assert init_bound("he", n_in, n_out) == pytest.approx(math.sqrt(6 / n_in), rel=1e-12)
    ours = _draw("he", n_in, n_out, seed=2).weight.detach().double().flatten()
    ref = torch.empty(n_out, n_in)
    nn.init.kaiming_uniform_(ref, nonlinearity="relu", generator=torch.Generator().manual_seed(9))
    ref = ref.double().flatten()
    assert n_in * ours.var().item() == pytest.approx(2.0, rel=0.02)
    assert ours.var().item() == pytest.approx(ref.var().item(), rel=0.02)
    assert ours.abs().max().item() == pytest.approx(ref.abs().max().item(), rel=1e-3)
