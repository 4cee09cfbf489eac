"""The fused lockstep step against torch.autograd + torch.optim.SGD on models.MLP, and a
net's numbers in a stack against the same net alone."""

import copy
import itertools

import pytest
import torch
from rounding import EPS32, amplification, trained_bound

from models import LOSSES, MLP, get_loss, register_activation, register_loss
from models.losses import LOSS_GRADIENTS, cross_entropy
from models.stack import NetStack

IN, WIDTHS, CLASSES, BATCH = 12, [7, 6, 5], 9, 10
SETTINGS = list(
    itertools.product(["sigmoid", "tanh", "softsign"], LOSSES, ["standard", "normalized"])
)


def make_nets(settings, dtype, widths=WIDTHS, n_in=IN, lr_scale=1.0):
    """One MLP per setting, non-zero biases (nothing may rely on them being 0), a rate and
    one of two input streams each."""
    nets, lrs, streams = [], [], []
    for k, (act, _, init) in enumerate(settings):
        m = MLP(n_in, widths, CLASSES, act, init, seed=k).to(dtype)
        g = torch.Generator().manual_seed(100 + k)
        with torch.no_grad():
            for layer in [*m.hidden, m.output]:
                layer.bias.copy_(torch.rand(layer.bias.shape, generator=g, dtype=dtype) - 0.5)
        nets.append(m)
        lrs.append((0.05 + 0.1 * k) * lr_scale)
        streams.append(k % 2)
    return nets, lrs, streams


def batches(n, dtype, n_in=IN, seed=0):
    g = torch.Generator().manual_seed(seed)
    for _ in range(n):  # two streams: (2, B, n_in) inputs, (2, B) labels
        yield (
            torch.randn(2, BATCH, n_in, generator=g, dtype=dtype) * 2,
            torch.randint(0, CLASSES, (2, BATCH), generator=g),
        )


def reference(nets, settings, lrs, streams, data):
    """Each net trained alone the textbook way: autograd and torch.optim.SGD."""
    out = []
    for m, (_, loss, _), lr, s in zip(nets, settings, lrs, streams, strict=True):
        m = copy.deepcopy(m)
        opt = torch.optim.SGD(m.parameters(), lr=lr)
        for x, y in data:
            opt.zero_grad()
            get_loss(loss)(m(x[s]), y[s]).backward()
            opt.step()
        out.append(m)
    return out


def assert_params_close(a, b, rtol, atol):
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p.detach(), q.detach(), rtol=rtol, atol=atol, msg=name)


def assert_float64_steps_equal_the_reference(settings, steps, batched, lr_scale=1.0):
    nets, lrs, streams = make_nets(settings, torch.float64, lr_scale=lr_scale)
    data = list(batches(steps, torch.float64))

    def train_by_autograd(ns):
        return reference(ns, settings, lrs, streams, data)

    expected = train_by_autograd(nets)
    growth = amplification(train_by_autograd, nets)
    stack = NetStack(nets, [s[1] for s in settings], lrs, streams, batched=batched)
    for x, y in data:
        stack.step(x, y)
    for got, want, grow in zip(nets, expected, growth, strict=True):  # the stack's weights
        size = max(p.abs().max().item() for p in want.parameters())
        # The longest sum of a step: a fan-in or the batch; a wiring mistake moves a
        # weight by ~lr * a gradient, >= 1e-4 here, far above this bound (<= 1e-9).
        terms = max(IN, BATCH, *WIDTHS)
        atol = trained_bound(torch.float64, steps, terms, size, grow)
        assert_params_close(got, want, rtol=0, atol=atol)


@pytest.mark.parametrize("batched", [False, True])
def test_fifty_updates_of_mixed_nets_equal_autograd_and_sgd_in_float64(batched):
    assert_float64_steps_equal_the_reference(SETTINGS, 50, batched)


def test_after_paper_activations_and_inits_equal_autograd_and_sgd_in_float64():
    """ReLU, leaky ReLU and the identity through the fused step: f' taken from the output."""
    settings = list(itertools.product(["relu", "leaky_relu", "linear"], LOSSES, ["he", "kumar"]))
    assert_float64_steps_equal_the_reference(settings, 30, batched=True, lr_scale=0.1)


def test_float32_stays_within_rounding_of_the_float64_reference():
    # Paper-sized layers (1024 -> 1000 -> 1000). Each float32 update rounds every weight
    # (|w| <= size) by up to eps32 / 2 * size; over `steps` updates these independent
    # roundings add like a random walk, sqrt(steps) of them, and 8 of its standard
    # deviations bound the largest of 2e6 weights. The gradients' own rounding
    # (sqrt(1024) * eps32 relative) reaches the weights lr * |gradient| smaller.
    # torch's own float32 autograd + SGD must meet the same bound.
    steps, size = 50, 0.5
    settings = [("tanh", "cross_entropy", "normalized"), ("sigmoid", "quadratic", "standard")]
    nets, _, streams = make_nets(settings, torch.float64, widths=[1000, 1000], n_in=1024)
    assert max(p.abs().max().item() for m in nets for p in m.parameters()) <= size
    lrs = [0.02, 0.02]
    data = list(batches(steps, torch.float64, n_in=1024))
    expected = reference(nets, settings, lrs, streams, data)
    nets32 = [copy.deepcopy(m).float() for m in nets]
    data32 = [(x.float(), y) for x, y in data]
    autograd32 = reference(nets32, settings, lrs, streams, data32)
    stack = NetStack(nets32, [s[1] for s in settings], lrs, streams)
    for x, y in data32:
        stack.step(x, y)
    atol = 8 * steps**0.5 * EPS32 / 2 * size  # 1.7e-6
    for got, other, want in zip(nets32, autograd32, expected, strict=True):
        assert_params_close(other.double(), want, rtol=0, atol=atol)
        assert_params_close(got.double(), want, rtol=0, atol=atol)


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # a batched matmul would split these threads differently
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("widths,n_in", [([7, 6, 5], 12), ([333, 77], 100), ([1000], 1024)])
def test_a_net_in_a_mixed_stack_equals_the_same_net_alone_bit_for_bit(two_threads, widths, n_in):
    # Odd sizes too: a net's slice of the stack must start 64-byte aligned like a tensor of
    # its own, or MKL takes another path (seen here: odd-numbered nets of [7, 6, 5] differ).
    settings = SETTINGS[:5]
    nets, lrs, streams = make_nets(settings, torch.float32, widths=widths, n_in=n_in)
    alone = [copy.deepcopy(m) for m in nets]
    x, y = map(torch.stack, zip(*batches(20, torch.float32, n_in=n_in), strict=True))
    costs = NetStack(nets, [s[1] for s in settings], lrs, streams).train(x, y)
    for k, m in enumerate(alone):
        s = slice(streams[k], streams[k] + 1)
        solo_costs = NetStack([m], [settings[k][1]], [lrs[k]], [0]).train(x[:, s], y[:, s])
        assert torch.equal(costs[:, k], solo_costs[:, 0])
        for p, q in zip(nets[k].parameters(), m.parameters(), strict=True):
            assert torch.equal(p, q)


def test_a_loss_without_a_closed_form_gradient_trains_through_autograd():
    register_loss("cross_entropy_by_autograd", cross_entropy)
    try:
        assert "cross_entropy_by_autograd" not in LOSS_GRADIENTS
        settings = [("tanh", "cross_entropy_by_autograd", "normalized")] * 2
        assert_float64_steps_equal_the_reference(settings, 20, batched=True)
    finally:
        LOSSES.pop("cross_entropy_by_autograd")


def test_the_cost_returned_is_the_loss_before_the_step():
    nets, lrs, streams = make_nets(SETTINGS, torch.float64)
    x, y = next(batches(1, torch.float64))
    before = [
        get_loss(s[1])(m(x[st]), y[st]).item()
        for m, s, st in zip(nets, SETTINGS, streams, strict=True)
    ]
    costs = NetStack(nets, [s[1] for s in SETTINGS], lrs, streams, batched=True).step(x, y)
    torch.testing.assert_close(costs, torch.tensor(before, dtype=torch.float64), rtol=1e-12, atol=0)


def test_bad_stacks_are_refused_by_name():
    a = MLP(IN, [5], CLASSES, "tanh")
    with pytest.raises(ValueError, match="one shape"):
        NetStack([a, MLP(IN, [6], CLASSES, "tanh")], ["cross_entropy"] * 2, [0.1] * 2, [0, 0])


def test_an_activation_registered_without_derivatives_trains_as_autograd_does():
    """f' from autograd, kept from the pre-activations: no closed form, no engine edit."""
    register_activation("silu_test", torch.nn.functional.silu, None, (-0.28, float("inf")),
                        saturation="none")  # fmt: skip
    try:
        settings = [("silu_test", "cross_entropy", "normalized")] * 2
        assert_float64_steps_equal_the_reference(settings, steps=5, batched=False)
    finally:
        from models import ACTIVATIONS

        ACTIVATIONS.pop("silu_test")
