"""The activations and inits that came after the paper, against torch's own (relu,
leaky_relu, calculate_gain, orthogonal_), autograd, and each paper's formula."""

import math

import pytest
import torch
import torch.nn.functional as F

from models import MLP, get_activation, saturation_fraction
from models.data_fit import lsuv_
from models.inits import INITS, initialize_linear, kumar_variance
from shapeset import ShapesetConfig, ShapesetSet, ShapesetStream

AFTER = ["relu", "leaky_relu", "linear"]


def test_after_paper_activations_equal_torchs():
    s = torch.randn(1000, dtype=torch.float64) * 3
    torch.testing.assert_close(get_activation("relu").fn(s), F.relu(s))
    torch.testing.assert_close(get_activation("leaky_relu").fn(s), F.leaky_relu(s))
    torch.testing.assert_close(get_activation("leaky_relu", 0.2).fn(s), F.leaky_relu(s, 0.2))
    torch.testing.assert_close(get_activation("linear").fn(s), s)


@pytest.mark.parametrize(
    "name,slope", [("relu", None), ("leaky_relu", None), ("leaky_relu", 0.3), ("linear", None)]
)
def test_derivatives_equal_autograd_and_are_functions_of_the_output(name, slope):
    act = get_activation(name, slope)
    s = (torch.randn(500, dtype=torch.float64) * 3).requires_grad_()
    (auto,) = torch.autograd.grad(act.fn(s).sum(), s)
    torch.testing.assert_close(act.derivative(s.detach()), auto)
    torch.testing.assert_close(act.output_derivative(act.fn(s.detach())), auto)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_gains_equal_torchs_calculate_gain(name):
    slope = 0.2 if name == "leaky_relu" else None
    assert get_activation(name, slope).gain == pytest.approx(
        torch.nn.init.calculate_gain(name, slope)
    )


def test_relu_saturation_is_the_share_of_dead_units():
    z = torch.tensor([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.5, 0.0, 0.0]])
    assert saturation_fraction(z, "relu") == 0.5  # columns 0 and 3 never fire
    leaky = get_activation("leaky_relu", 0.1)
    assert saturation_fraction(leaky.fn(torch.tensor([[-1.0, 2.0], [-3.0, -1.0]])), leaky) == 0.5
    assert saturation_fraction(torch.randn(20, 30) * 100, "linear") == 0.0


def test_bad_slopes_are_refused():
    with pytest.raises(ValueError, match="slope must be in"):
        get_activation("leaky_relu", 1.5)
    with pytest.raises(ValueError, match="'tanh' has no slope"):
        get_activation("tanh", 0.1)


def draw(scheme, fan_in, fan_out, activation="tanh", seed=0):
    layer = torch.nn.Linear(fan_in, fan_out, dtype=torch.float64)
    gen = torch.Generator().manual_seed(seed)
    return initialize_linear(layer, scheme, gen, get_activation(activation)).weight.detach()


@pytest.mark.parametrize("fan_in,fan_out", [(300, 200), (200, 300), (250, 250)])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_orthogonal_equals_torchs_orthogonal_with_the_activations_gain(fan_in, fan_out, activation):
    w = draw("orthogonal", fan_in, fan_out, activation, seed=7)
    gain = torch.nn.init.calculate_gain(activation)
    ref = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.nn.init.orthogonal_(ref, gain, generator=torch.Generator().manual_seed(7))
    assert torch.equal(w, ref)  # bit for bit: the same draws, the same QR, the same signs
    gram = w @ w.T if fan_out <= fan_in else w.T @ w  # Saxe et al.: gain^2 I
    torch.testing.assert_close(gram, gain**2 * torch.eye(min(fan_in, fan_out), dtype=gram.dtype))


@pytest.mark.parametrize(
    "activation,n_var",  # Kumar (2017): n_in Var[W]; the 12.8 for sigmoid, 2 for ReLU
    [
        ("sigmoid", 12.8),
        ("tanh", 1.0),
        ("softsign", 1.0),
        ("linear", 1.0),
        ("relu", 2.0),
        ("leaky_relu", 2 / (1 + 0.01**2)),
    ],
)
def test_kumar_variance_matches_his_formula(activation, n_var):
    assert kumar_variance(800, get_activation(activation)) * 800 == pytest.approx(n_var)
    w = draw("kumar", 800, 1000, activation)  # 8e5 draws: the variance to ~0.2% (1 sd)
    assert w.mean().item() == pytest.approx(0, abs=5 * math.sqrt(n_var / 800 / w.numel()))
    assert w.var().item() * 800 == pytest.approx(n_var, rel=0.01)
    assert abs(w.std().item() * math.sqrt(800) - math.sqrt(n_var)) < 0.01 * math.sqrt(n_var)


@pytest.mark.parametrize(
    "activation,n,g",
    [  # Sussillo & Abbott (2014): exp(1/(2N)) linear, their fit for ReLU; tanh: TF's 1.13
        ("linear", 800, math.exp(1 / 1600)),
        ("relu", 800, math.sqrt(2) * math.exp(1.2 / 797.6)),
        ("relu", 4, math.sqrt(2) * math.exp(1.2 / 3.6)),  # max(N, 6) below 6
        ("tanh", 800, 1.13),
    ],
)
def test_random_walk_draws_g_squared_over_n(activation, n, g):
    w = draw("random_walk", n, 1000, activation)
    assert w.mean().item() == pytest.approx(0, abs=5 * g / math.sqrt(n * w.numel()))
    assert w.var().item() * n == pytest.approx(g**2, rel=0.01 if n > 100 else 0.05)


def test_random_walk_refuses_an_activation_it_has_no_g_for():
    with pytest.raises(ValueError, match="random_walk.*'sigmoid'"):
        draw("random_walk", 10, 10, "sigmoid")


def test_random_walk_g_makes_the_backward_log_norm_an_unbiased_walk_in_linear_layers():
    """One linear layer multiplies |d|^2 by g^2 chi^2_N / N: E ln = 2 ln g + psi(N/2) -
    ln(N/2) (digamma), ~ -1/N for g = 1. Measured on 4000 drawn 10 x 10 layers: the random
    walk's g removes that drift, LeCun's g = 1 keeps it."""
    n, draws = 10, 4000
    d = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    psi = torch.special.digamma(torch.tensor(n / 2, dtype=torch.float64)).item()
    trigamma = torch.special.polygamma(1, torch.tensor(n / 2, dtype=torch.float64)).item()
    se = math.sqrt(trigamma / draws)
    for scheme, g in (("random_walk", math.exp(1 / (2 * n))), ("lecun", 1.0)):
        logs = [
            ((draw(scheme, n, n, "linear", seed=s).T @ d).pow(2).sum() / d.pow(2).sum()).log()
            for s in range(draws)
        ]
        mean = torch.stack(logs).mean().item()
        assert mean == pytest.approx(2 * math.log(g) + psi - math.log(n / 2), abs=4 * se)
        assert torch.stack(logs).var().item() == pytest.approx(trigamma, rel=0.1)
    drift = psi - math.log(n / 2)  # g = 1: ~ -1/N per layer, a drift the test can see
    assert drift < -10 * se
    assert abs(1 / n + drift) < abs(drift) / 20  # what g = exp(1/(2N)) leaves: O(1/N^2)


def test_schemes_that_need_the_activation_say_so():
    gen = torch.Generator().manual_seed(0)
    for name in ("orthogonal", "kumar", "random_walk"):
        assert INITS[name].uses_activation
        with pytest.raises(ValueError, match="depends on the activation"):
            initialize_linear(torch.nn.Linear(4, 3), name, gen)


def shapeset_batch(seed, n):
    return next(iter(ShapesetStream(ShapesetConfig(), seed, n, "train")))[0].double()


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_lsuv_gives_unit_variance_on_data_it_was_not_fitted_on(activation):
    m = MLP(1024, [300, 300, 300], 9, activation, "lsuv", seed=1).double()
    start = [w.clone() for w in (m.hidden[0].weight, m.output.weight)]
    torch.testing.assert_close(start[0] @ start[0].T, torch.eye(300, dtype=torch.float64))
    fitted = lsuv_(m, shapeset_batch(seed=5, n=500), tol=0.1, max_iter=10)
    assert all(abs(v - 1) < 0.1 for v in fitted)
    held_out = ShapesetSet(ShapesetConfig(), 0, "valid", 1000).x.double()
    _, pre, _ = m.forward_trace(held_out)
    for s in [*pre, m(held_out)]:  # every layer's output, the logits too
        assert abs(s.var().item() - 1) < 0.15
    # one number per layer: the start's shape kept, only its scale changed
    ratio = m.hidden[0].weight / start[0]
    assert ratio.std().item() < 1e-12 * ratio.mean().item()


def test_init_gain_multiplies_the_hidden_layers_drawn_weights():
    a = MLP(10, [8, 8], 3, "tanh", "normalized", seed=4)
    b = MLP(10, [8, 8], 3, "tanh", "normalized", seed=4, init_gain=4.0)
    for p, q in zip(a.hidden.parameters(), b.hidden.parameters(), strict=True):
        torch.testing.assert_close(4 * p, q)
    torch.testing.assert_close(a.output.weight, b.output.weight)  # the classifier: no gain
    with pytest.raises(ValueError, match="init_gain"):
        MLP(10, [8], 3, "tanh", init_gain=0.0)


@pytest.mark.parametrize(
    "scheme,reference",
    [
        (
            "lecun",
            lambda t, g: torch.nn.init.kaiming_normal_(t, nonlinearity="linear", generator=g),
        ),
        ("normalized_normal", lambda t, g: torch.nn.init.xavier_normal_(t, generator=g)),
        ("gaussian", lambda t, g: torch.nn.init.normal_(t, 0, 0.01, generator=g)),
    ],
)
def test_gaussian_schemes_equal_torchs(scheme, reference):
    w = draw(scheme, 300, 200, seed=5)
    ref = reference(torch.empty(200, 300, dtype=torch.float64), torch.Generator().manual_seed(5))
    torch.testing.assert_close(w, ref)


def test_gaussian_takes_its_std_and_refuses_a_bad_one():
    layer = torch.nn.Linear(500, 400, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    w = initialize_linear(layer, "gaussian", gen, std=0.05).weight.detach()
    assert w.std().item() == pytest.approx(0.05, rel=0.01)  # 2e5 draws: ~0.16% (1 sd)
    with pytest.raises(ValueError, match="std > 0"):
        initialize_linear(layer, "gaussian", gen, std=0.0)


def test_zeros_never_break_the_symmetry_of_a_layer():
    """Trained 200 SGD steps on Shapeset by the engine's fused step: within each layer every
    hidden unit stays the copy of the others (its weights, its bias), though they moved."""
    from models.stack import NetStack

    m = MLP(1024, [50, 50], 9, "sigmoid", "zeros", seed=0).double()
    assert all(p.abs().max() == 0 for p in m.parameters())
    stack = NetStack([m], ["cross_entropy"], [0.5], [0])
    for i, (x, y) in enumerate(ShapesetStream(ShapesetConfig(), 0, 10, "train")):
        stack.step(x[None].double(), y[None])
        if i == 199:
            break
    for layer in m.hidden:
        w, b = layer.weight.detach(), layer.bias.detach()
        assert w.abs().max() > 0  # trained
        torch.testing.assert_close(w, w[:1].expand_as(w), rtol=1e-12, atol=1e-14)
        torch.testing.assert_close(b, b[:1].expand_as(b), rtol=1e-12, atol=1e-14)
    out = m.output.weight.detach()  # every hidden unit's outgoing weights alike too
    torch.testing.assert_close(out, out[:, :1].expand_as(out), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_data_dependent_gives_each_unit_mean_0_variance_1_on_held_out_data(activation):
    from models.data_fit import data_dependent_

    m = MLP(1024, [200, 200], 9, activation, "data_dependent", seed=2).double()
    data_dependent_(m, shapeset_batch(seed=5, n=500))
    held_out = ShapesetSet(ShapesetConfig(), 0, "valid", 1000).x.double()
    _, pre, _ = m.forward_trace(held_out)
    for s in [*pre, m(held_out)]:
        mean, var = s.mean(0), s.var(0)
        assert mean.abs().mean().item() < 0.1 and var.median().item() == pytest.approx(1, abs=0.15)
        assert (var > 0.5).all() and (var < 2).all()  # unit by unit, not only on average


def test_data_dependent_refuses_a_batch_with_nothing_to_fit():
    from models.data_fit import data_dependent_

    m = MLP(1024, [20], 9, "tanh", "data_dependent", seed=2).double()
    same = shapeset_batch(seed=5, n=1).expand(10, -1)
    with pytest.raises(ValueError, match="same output for every example"):
        data_dependent_(m, same)
