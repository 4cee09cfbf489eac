"""Activations and derivatives against closed forms and autograd; the saturation rule on
hand-built tensors."""

import math

import pytest
import torch

from models.activations import ACTIVATIONS, get_activation, saturation_fraction

POINTS = [-7.5, -2.0, -0.3, 0.0, 1e-3, 0.7, 3.0, 9.0]

CLOSED_FORMS = {
    "sigmoid": (lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    "tanh": (math.tanh, lambda x: 1 / math.cosh(x) ** 2),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
}
RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0)}


def test_registry_has_paper_activations():
    assert {"sigmoid", "tanh", "softsign"} <= set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_function_and_derivative_closed_form(name):
    act = get_activation(name)
    f, df = CLOSED_FORMS[name]
    x = torch.tensor(POINTS, dtype=torch.float64)
    assert torch.allclose(act.fn(x), torch.tensor([f(p) for p in POINTS], dtype=torch.float64))
    expected = torch.tensor([df(p) for p in POINTS], dtype=torch.float64)
    # libm's and torch's vectorized exp/tanh (AVX2 or AVX-512) are each within a few ulps:
    # 1e-12 relative is ~4,500 eps.
    assert torch.allclose(act.derivative(x), expected, rtol=1e-12, atol=1e-15)
    assert act.output_range == RANGES[name]


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_derivative_matches_autograd(name):
    act = get_activation(name)
    x = torch.linspace(-6, 6, 241, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(act.fn(x).sum(), x)
    assert torch.allclose(act.derivative(x.detach()), grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_derivative_from_the_output_matches_autograd(name):
    # What the fused step uses: f'(s) computed from z = f(s) alone.
    act = get_activation(name)
    x = torch.linspace(-6, 6, 241, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(act.fn(x).sum(), x)
    z = act.fn(x.detach())
    # f' from z alone cancels: tanh's 1 - z^2 at |s| = 6 is 2.5e-5, so z's eps of rounding
    # becomes eps / 2.5e-5 = 1e-11 relative in f'; 1e-9 leaves 100x.
    assert torch.allclose(act.output_derivative(z), grad, rtol=1e-9, atol=1e-15)


def test_softsign_matches_torch():
    x = torch.linspace(-5, 5, 101)
    assert torch.allclose(get_activation("softsign").fn(x), torch.nn.functional.softsign(x))


def test_derivatives_at_zero():
    zero = torch.zeros(1, dtype=torch.float64)
    assert get_activation("tanh").derivative(zero).item() == 1.0
    assert get_activation("softsign").derivative(zero).item() == 1.0
    assert get_activation("sigmoid").derivative(zero).item() == 0.25


def test_saturation_sigmoid():
    # saturated: < 0.1 or > 0.9 (margin 0.1 of width 1)
    z = torch.tensor([0.0001, 0.05, 0.099, 0.101, 0.5, 0.899, 0.901, 0.97])
    assert saturation_fraction(z, "sigmoid") == pytest.approx(5 / 8)


@pytest.mark.parametrize("name", ["tanh", "softsign"])
def test_saturation_symmetric(name):
    # saturated: |z| > 0.8 (margin 0.1 of width 2)
    z = torch.tensor([[-0.99, -0.81, -0.79, 0.0], [0.3, 0.79, 0.81, 0.999]])
    assert saturation_fraction(z, name) == pytest.approx(4 / 8)


def test_saturation_custom_margin():
    z = torch.tensor([-0.9, -0.6, -0.4, 0.0, 0.45, 0.55, 0.95, 0.2])
    # margin 0.25 of width 2 = 0.5: saturated when |z| > 0.5
    assert saturation_fraction(z, "tanh", margin=0.25) == pytest.approx(4 / 8)
    # margin 0.02 of width 1 for sigmoid: z < 0.02 or z > 0.98
    zs = torch.tensor([0.01, 0.03, 0.5, 0.97, 0.99])
    assert saturation_fraction(zs, "sigmoid", margin=0.02) == pytest.approx(2 / 5)


def test_saturation_of_outputs_of_large_inputs():
    for name in CLOSED_FORMS:
        act = get_activation(name)
        assert saturation_fraction(act.fn(torch.full((10,), 50.0)), name) == 1.0
        assert saturation_fraction(act.fn(torch.full((10,), -50.0)), name) == 1.0
        assert saturation_fraction(act.fn(torch.full((10,), 0.2)), name) == 0.0


def test_unknown_activation_names_option():
    with pytest.raises(ValueError, match="linear.*relu.*sigmoid.*softsign.*tanh"):
        get_activation("swish")
    with pytest.raises(ValueError, match="swish"):
        saturation_fraction(torch.zeros(3), "swish")
