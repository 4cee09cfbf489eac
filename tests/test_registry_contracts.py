"""Every entry of the registries keeps its contract, checked against independent references
(torch.autograd, torch.nn.init, the uniform distribution's variance): a new activation or
init scheme is checked here without editing a test."""

import math

import pytest
import torch

from experiments import schema
from models import ACTIVATIONS, INITS
from models.activations import get_activation
from models.data_fit import FIT_SETTINGS

TORCH_GAINS = {"sigmoid", "tanh", "relu", "leaky_relu", "linear"}  # calculate_gain knows these


def _points() -> torch.Tensor:
    s = torch.linspace(-6, 6, 2001, dtype=torch.float64)
    return s[s.abs() > 1e-3]  # off a kink at 0 (ReLU, leaky ReLU)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_has_autograds_derivative_and_stays_in_its_range(name):
    f, s = get_activation(name), _points()
    x = s.clone().requires_grad_(True)
    (want,) = torch.autograd.grad(f.fn(x).sum(), x)
    # one evaluation of f' against autograd's of f: a few roundings of values <= 1
    torch.testing.assert_close(f.derivative(s), want, rtol=1e-12, atol=1e-14)
    if f.output_derivative is not None:  # the fused step's f'(s) from z = f(s)
        torch.testing.assert_close(f.output_derivative(f.fn(s)), want, rtol=1e-9, atol=1e-12)
    lo, hi = f.output_range
    z = f.fn(s)
    assert ((z >= lo) & (z <= hi)).all()
    if name in TORCH_GAINS:
        slope = {"negative_slope": f.slope} if f.slope is not None else {}
        param = slope.get("negative_slope")
        assert f.gain == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-12)


def _draw(name: str, fan_in: int, fan_out: int, seed: int) -> torch.Tensor:
    init, g = INITS[name], torch.Generator().manual_seed(seed)
    extra = {"activation": get_activation("tanh")} if init.uses_activation else {}
    options = {o: getattr(schema.InitConfig(), o) for o in init.options}
    return init.sample(fan_in, fan_out, g, **extra, **options)


@pytest.mark.parametrize("name", sorted(INITS))
def test_every_init_draws_nn_linears_layout_reproducibly(name):
    w = _draw(name, 300, 200, seed=0)
    assert w.shape == (200, 300) and w.dtype == torch.float64 and w.isfinite().all()
    assert torch.equal(w, _draw(name, 300, 200, seed=0))
    if w.abs().max() > 0:  # all-zero weights are the same under any seed
        assert not torch.equal(w, _draw(name, 300, 200, seed=1))


@pytest.mark.parametrize("name", sorted(n for n in INITS if INITS[n].bound is not None))
def test_every_uniform_init_has_the_variance_of_its_bound(name):
    fan_in, fan_out = 300, 200
    w, b = _draw(name, fan_in, fan_out, seed=0), INITS[name].bound(fan_in, fan_out)
    assert w.abs().max() <= b
    # U[-b, b]: Var = b^2 / 3; the sample mean of w^2 has sd b^2 sqrt(4/45 / n); 6 sd
    n = w.numel()
    assert abs(w.pow(2).mean().item() - b * b / 3) <= 6 * b * b * math.sqrt(4 / 45 / n)


BAD = -1  # no option or fit setting of any scheme accepts it


@pytest.mark.parametrize(
    "name,setting",
    sorted({(n, o) for n in INITS
            for o in (*INITS[n].options, *INITS[n].bias_options, *FIT_SETTINGS.get(n, ()))}),
)  # fmt: skip
def test_every_schemes_settings_are_refused_when_bad_naming_them(name, setting):
    with pytest.raises(ValueError, match=rf"config init\.{setting}="):
        schema.InitConfig(name=name, **{setting: BAD})


@pytest.mark.parametrize("name", sorted(n for n in INITS if INITS[n].bias is not None))
def test_every_scheme_that_draws_biases_draws_one_per_unit_reproducibly(name):
    def draw(seed):
        options = {o: 0.05 for o in INITS[name].bias_options}
        return INITS[name].bias(300, 200, torch.Generator().manual_seed(seed), 200, **options)

    b = draw(0)
    assert b.shape == (200,) and b.dtype == torch.float64 and b.abs().max() > 0
    assert torch.equal(b, draw(0)) and not torch.equal(b, draw(1))


@pytest.mark.parametrize("name", sorted(INITS))
def test_every_scheme_is_told_apart_by_the_schema_as_fitted_or_drawn(name):
    assert schema.fitted_to_data(name) == ({name} if INITS[name].fitted_to_data else set())
    assert (name in FIT_SETTINGS) == INITS[name].fitted_to_data  # a fit for each fitted one
