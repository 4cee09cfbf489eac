"""The MLP against hand-written forward/backward passes, autograd Jacobians and the
quarter-circle law for the singular values of a random square matrix (FACTS §6)."""

import math

import numpy as np
import pytest
import torch
from rounding import EPS64

from models.inits import initialize_linear
from models.jacobian import mean_jacobian_singular_values
from models.mlp import MLP

# Two orders of the same float64 sums (<= 6 terms of size <= ~10, through <= 4 layers)
# differ by <= 6 * 10 roundings of eps per layer: 64 eps = 1.4e-14 bounds them.
SHORT_SUMS = 64 * EPS64

# closed forms written here, independently of models.activations
F = {
    "tanh": (torch.tanh, lambda s: 1 - torch.tanh(s) ** 2),
    "sigmoid": (
        lambda s: 1 / (1 + torch.exp(-s)),
        lambda s: torch.exp(-s) / (1 + torch.exp(-s)) ** 2,
    ),
    "softsign": (lambda s: s / (1 + s.abs()), lambda s: (1 + s.abs()) ** -2),
}


def _tiny(activation="tanh", init="normalized", seed=0):
    return MLP(5, [4, 6, 3], 3, activation, init=init, seed=seed).double()


def _x(b, n, seed=0, scale=1.0):
    return scale * torch.randn(
        b, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


def test_shapes_and_attributes():
    m = MLP(1024, (5, 1000), 9, "softsign")
    assert m.depth == 5 and m.widths == [1000] * 5 and m.activation_name == "softsign"
    assert len(m.hidden) == 5
    assert m.hidden[0].weight.shape == (1000, 1024) and m.output.weight.shape == (9, 1000)
    x = torch.randn(7, 1024)
    logits, pre, post = m.forward_trace(x)
    assert logits.shape == (7, 9) and m(x).shape == (7, 9)
    assert [p.shape for p in pre] == [(7, 1000)] * 5 == [p.shape for p in post]
    probs = m.predict_proba(x)
    assert torch.allclose(probs.sum(1), torch.ones(7))


def test_list_and_tuple_forms_agree():
    a = MLP(6, (3, 4), 2, "tanh", seed=2)
    b = MLP(6, [4, 4, 4], 2, "tanh", seed=2)
    assert a.widths == b.widths == [4, 4, 4]
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert MLP(6, [1], 2, "tanh").depth == 1
    assert MLP(6, (12, 3), 2, "tanh").depth == 12  # any positive depth


@pytest.mark.parametrize(
    "kwargs,option",
    [
        ({"hidden": (0, 10)}, "depth"),
        ({"hidden": []}, "depth"),
        ({"hidden": (-1, 10)}, "depth"),
        ({"hidden": [3, -2]}, "width"),
        ({"hidden": (2, -5)}, "width"),
        ({"hidden": [3, 0]}, "width"),
        ({"hidden": (2, 3, 4)}, "depth, width"),
        ({"activation": "swish"}, "swish"),
        ({"init": "fixup"}, "fixup"),
        ({"n_classes": 0}, "n_classes"),
        ({"in_features": -3}, "in_features"),
    ],
)
def test_bad_options_raise_value_error_naming_them(kwargs, option):
    args = {"in_features": 4, "hidden": [3], "n_classes": 2, "activation": "tanh", **kwargs}
    with pytest.raises(ValueError, match=option):
        MLP(**args)


@pytest.mark.parametrize("activation", sorted(F))
def test_forward_trace_matches_manual_matmul(activation):
    m = _tiny(activation)
    x = _x(8, 5)
    f, _ = F[activation]
    logits, pre, post = m.forward_trace(x)
    z = x
    for i, layer in enumerate(m.hidden):
        s = z @ layer.weight.T + layer.bias
        assert torch.allclose(pre[i], s, atol=SHORT_SUMS)
        z = f(s)
        assert torch.allclose(post[i], z, atol=SHORT_SUMS)
    assert torch.allclose(logits, z @ m.output.weight.T + m.output.bias, atol=SHORT_SUMS)
    assert torch.allclose(m(x), logits, atol=SHORT_SUMS)


@pytest.mark.parametrize("activation", sorted(F))
def test_backprop_through_pre_matches_hand_delta_recursion(activation):
    m = _tiny(activation, seed=4)
    # non-zero biases so the test also covers them
    with torch.no_grad():
        for layer in [*m.hidden, m.output]:
            layer.bias.copy_(0.1 * _x(1, layer.bias.numel(), seed=9)[0])
    b = 6
    x = _x(b, 5, seed=1)
    y = torch.tensor([0, 1, 2, 2, 1, 0])
    logits, pre, _ = m.forward_trace(x)
    loss = torch.nn.functional.cross_entropy(logits, y)
    grads = torch.autograd.grad(loss, pre)

    _, df = F[activation]
    p = torch.softmax(logits.detach(), 1)
    delta = (p - torch.eye(3, dtype=torch.float64)[y]) / b  # dC/d(logits), mean over batch
    upstream_w = m.output.weight.detach()
    expected = [None] * m.depth
    for i in reversed(range(m.depth)):
        delta = (delta @ upstream_w) * df(pre[i].detach())  # dC/ds^i
        expected[i] = delta
        upstream_w = m.hidden[i].weight.detach()
    for g, e in zip(grads, expected, strict=True):
        assert torch.allclose(g, e, atol=SHORT_SUMS)


@pytest.mark.parametrize("activation", sorted(F))
def test_jacobian_singular_values_match_autograd_jacobian(activation):
    m = _tiny(activation, seed=7)
    x = _x(5, 5, seed=2, scale=2.0)
    f, _ = F[activation]
    expected = np.zeros(m.depth)
    for xb in x:
        z = xb
        for i, layer in enumerate(m.hidden):
            w, bias = layer.weight.detach(), layer.bias.detach()
            jac = torch.autograd.functional.jacobian(lambda v, w=w, bias=bias: f(w @ v + bias), z)
            expected[i] += np.linalg.svd(jac.numpy(), compute_uv=False).mean() / len(x)
            z = f(w @ z + bias)
    got = mean_jacobian_singular_values(m, x, chunk_size=2)
    assert len(got) == m.depth
    # An SVD in LAPACK against numpy's of autograd's Jacobian: singular values of a 6 x 6
    # matrix to a few hundred eps of its norm (LAPACK's backward error); 1e-10 leaves room.
    assert np.allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert np.allclose(mean_jacobian_singular_values(m, x, chunk_size=100), expected, rtol=1e-10)
    jacs = m.layer_jacobians(x)
    assert [tuple(j.shape) for j in jacs] == [(5, 4, 5), (5, 6, 4), (5, 3, 6)]


@pytest.mark.parametrize("init,sigma2_n", [("standard", 1 / 3), ("normalized", 1.0)])
def test_square_layer_quarter_circle_law_in_linear_regime(init, sigma2_n):
    # tiny inputs keep tanh in its linear regime (f' ~ 1), so J ~ W; for an n x n matrix
    # of iid entries with variance sigma^2 the mean singular value is 8/(3 pi) sigma sqrt(n)
    n = 1000
    m = MLP(n, (2, n), 9, "tanh", init=init, seed=0)
    x = 1e-4 * torch.randn(2, n, generator=torch.Generator().manual_seed(0))
    predicted = 8 / (3 * math.pi) * math.sqrt(sigma2_n)
    assert predicted == pytest.approx({"standard": 0.490, "normalized": 0.849}[init], abs=1e-3)
    for value in mean_jacobian_singular_values(m, x):
        assert value == pytest.approx(predicted, abs=0.03)


def test_seed_fixes_all_weights():
    a, b, c = (MLP(7, [5, 5], 3, "sigmoid", seed=s) for s in (1, 1, 2))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.hidden[0].weight, c.hidden[0].weight)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_same_seed_same_weights_on_gpu():
    cpu = MLP(32, (3, 16), 4, "tanh", seed=3)
    gpu = MLP(32, (3, 16), 4, "tanh", seed=3).cuda()
    for p, q in zip(cpu.parameters(), gpu.parameters(), strict=True):
        assert torch.equal(p, q.cpu())
    layer = torch.nn.Linear(16, 8, device="cuda")
    initialize_linear(layer, "normalized", torch.Generator().manual_seed(3))
    ref = torch.nn.Linear(16, 8)
    initialize_linear(ref, "normalized", torch.Generator().manual_seed(3))
    assert torch.equal(layer.weight.cpu(), ref.weight) and torch.equal(layer.bias.cpu(), ref.bias)
