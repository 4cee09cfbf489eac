"""Probe records against torch.autograd and numpy, recomputed independently per example."""

import numpy as np
import pytest
import torch

from experiments.probes import probe
from experiments.schema import ProbeConfig
from models import MLP, get_loss

CFG = ProbeConfig(
    backprop_bins=40,
    backprop_range=0.5,
    weight_grad_bins=40,
    weight_grad_range=0.2,
    grad_batch_size=5,
    jacobian_examples=3,
)


@pytest.fixture(params=["tanh", "sigmoid", "softsign"])
def setting(request):
    torch.manual_seed(0)
    model = MLP(12, [7, 6, 5], 9, request.param, "normalized", seed=1)
    for layer in model.hidden:  # non-zero biases: nothing may rely on them being 0
        torch.nn.init.uniform_(layer.bias, -0.3, 0.3)
    x, y = torch.randn(20, 12) * 2, torch.randint(0, 9, (20,))
    return model, x, y, get_loss("quadratic" if request.param == "softsign" else "cross_entropy")


def _check(record, q, values_per_layer, edges):
    for layer, v in enumerate(values_per_layer):
        v = np.asarray(v, dtype=np.float64).ravel()
        np.testing.assert_allclose(record[f"{q}_mean"][layer], v.mean(), rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(record[f"{q}_std"][layer], v.std(ddof=1), rtol=1e-4)
        np.testing.assert_allclose(
            [record[f"{q}_p{p}"][layer] for p in (2, 50, 98)],
            np.percentile(v, [2, 50, 98]),
            rtol=1e-4,
            atol=1e-7,
        )
        counts, _ = np.histogram(v, bins=edges)
        np.testing.assert_array_equal(record[f"{q}_hist"][layer], counts)
        inside = (v >= edges[0]) & (v <= edges[-1])
        np.testing.assert_allclose(record[f"{q}_outside"][layer], 1 - inside.mean(), atol=1e-6)


def test_activation_statistics_match_a_numpy_forward_pass(setting):
    model, x, y, loss = setting
    rec = probe(model, x, y, loss, CFG)
    z, acts = x.numpy().astype(np.float64), []
    f = {
        "tanh": np.tanh,
        "sigmoid": lambda s: 1 / (1 + np.exp(-s)),
        "softsign": lambda s: s / (1 + np.abs(s)),
    }[model.activation_name]
    for layer in model.hidden:
        z = f(z @ layer.weight.detach().double().numpy().T + layer.bias.detach().double().numpy())
        acts.append(z)
    _check(rec, "act", acts, rec["act_edges"])
    lo, hi = model.activation.output_range
    margin = CFG.saturation_margin * (hi - lo)
    for layer, a in enumerate(acts):
        expected = ((a - lo < margin) | (hi - a < margin)).mean()
        assert rec["act_saturation"][layer] == pytest.approx(expected)


def test_backprop_gradients_are_each_examples_own_autograd_gradient(setting):
    model, x, y, loss = setting
    rec = probe(model, x, y, loss, CFG)
    per_layer = [[] for _ in model.hidden]
    for n in range(len(y)):  # one example at a time: its own cost, its own dC/ds
        logits, pre, _ = model.forward_trace(x[n : n + 1])
        grads = torch.autograd.grad(loss(logits, y[n : n + 1]), pre)
        for layer, g in enumerate(grads):
            per_layer[layer].append(g.numpy())
    _check(rec, "backprop", per_layer, rec["backprop_edges"])


def _autograd_weight_gradients(model, x, y, loss):
    """Per layer, dC/dW of each mini-batch of CFG.grad_batch_size examples, by autograd."""
    per_layer = [[] for _ in model.hidden]
    for start in range(0, len(y), CFG.grad_batch_size):
        xb, yb = x[start : start + CFG.grad_batch_size], y[start : start + CFG.grad_batch_size]
        grads = torch.autograd.grad(loss(model(xb), yb), [h.weight for h in model.hidden])
        for layer, g in enumerate(grads):
            per_layer[layer].append(g.numpy())
    return per_layer


def test_weight_gradients_are_the_autograd_gradients_of_mini_batches(setting):
    model, x, y, loss = setting
    rec = probe(model, x, y, loss, CFG)
    _check(rec, "wgrad", _autograd_weight_gradients(model, x, y, loss), rec["wgrad_edges"])


def test_jacobian_singular_values_match_autograd_and_svd(setting):
    model, x, y, loss = setting
    rec = probe(model, x, y, loss, CFG)
    expected = np.zeros(model.depth)
    for n in range(CFG.jacobian_examples):
        z = x[n]
        for layer, lin in enumerate(model.hidden):

            def step(v, lin=lin):
                return model.activation.fn(lin(v))

            jac = torch.autograd.functional.jacobian(step, z)
            expected[layer] += np.linalg.svd(jac.detach().double().numpy(), compute_uv=False).mean()
            z = step(z).detach()
    np.testing.assert_allclose(rec["jacobian_sv"], expected / CFG.jacobian_examples, rtol=1e-5)


def test_probing_changes_no_parameter(setting):
    model, x, y, loss = setting
    before = [p.detach().clone() for p in model.parameters()]
    probe(model, x, y, loss, CFG)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert all(p.grad is None for p in model.parameters())


def test_batch_norm_weight_gradients_are_the_autograd_gradients_of_mini_batches():
    """Eval-mode batch norm with running statistics far from (0, 1): dC/dW carries each
    unit's gamma / sqrt(running var + eps), which the closed form over dC/ds would miss."""
    torch.manual_seed(0)
    model = MLP(12, [7, 6], 9, "tanh", "normalized", seed=1, batch_norm=True)
    with torch.no_grad():
        for n in model.norms:
            n.running_var.uniform_(2, 6)
            n.running_mean.uniform_(-1, 1)
            n.weight.uniform_(0.3, 1.5)
    model.eval()
    x, y, loss = torch.randn(20, 12) * 2, torch.randint(0, 9, (20,)), get_loss("cross_entropy")
    rec = probe(model, x, y, loss, CFG)
    _check(rec, "wgrad", _autograd_weight_gradients(model, x, y, loss), rec["wgrad_edges"])
