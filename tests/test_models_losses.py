"""Costs against hand computation, torch's cross-entropy, and autograd of a manual formula."""

import math

import pytest
import torch
import torch.nn.functional as F
from rounding import EPS64

from models.losses import LOSS_GRADIENTS, LOSSES, get_loss, loss_and_grad

LOGITS = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]
TARGETS = [1, 0]
# A softmax over <= 9 logits and its gradient, in another order: <= 9 terms of size <= 1,
# each rounding by eps; 64 eps = 1.4e-14 bounds them with room. A cost compares at
# relative 1e-12, ~4,500 eps: log-sum-exp of 9 terms loses at most a few eps.
SHORT_SUMS = 64 * EPS64


def _softmax_row(row):
    e = [math.exp(v) for v in row]
    return [v / sum(e) for v in e]


def test_registry_has_both_costs():
    assert {"cross_entropy", "quadratic"} <= set(LOSSES)


def test_cross_entropy_by_hand():
    expected = 0.0
    for row, y in zip(LOGITS, TARGETS, strict=True):
        expected += -math.log(math.exp(row[y]) / sum(math.exp(v) for v in row))
    expected /= len(LOGITS)
    got = get_loss("cross_entropy")(
        torch.tensor(LOGITS, dtype=torch.float64), torch.tensor(TARGETS)
    )
    assert got.item() == pytest.approx(expected, rel=1e-12)


def test_quadratic_by_hand():
    expected = 0.0
    for row, y in zip(LOGITS, TARGETS, strict=True):
        p = _softmax_row(row)
        expected += sum((p[k] - (1.0 if k == y else 0.0)) ** 2 for k in range(len(row)))
    expected /= len(LOGITS)
    got = get_loss("quadratic")(torch.tensor(LOGITS, dtype=torch.float64), torch.tensor(TARGETS))
    assert got.item() == pytest.approx(expected, rel=1e-12)
    # spot value worked out on paper: row 1 p = (.2312, .6285, .1402) -> 0.2111;
    # row 2 p = (.0466, .0171, .9362) -> 1.7858; mean 0.9985
    assert got.item() == pytest.approx(0.9985, abs=2e-4)


def test_cross_entropy_matches_torch_and_gradient():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(10, 9, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 9, (10,), generator=g)
    ours = get_loss("cross_entropy")(logits, y)
    assert ours.item() == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-12)
    (grad,) = torch.autograd.grad(ours, logits)
    expected = (torch.softmax(logits.detach(), 1) - F.one_hot(y, 9).double()) / 10
    assert torch.allclose(grad, expected, atol=SHORT_SUMS)


def test_quadratic_gradient_matches_manual_formula():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(6, 4, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 4, (6,), generator=g)
    (grad,) = torch.autograd.grad(get_loss("quadratic")(logits, y), logits)

    # autograd of an independently written formula
    x = logits.detach().clone().requires_grad_(True)
    e = torch.exp(x - x.max(1, keepdim=True).values)
    p = e / e.sum(1, keepdim=True)
    t = torch.zeros_like(p)
    t[torch.arange(6), y] = 1.0
    manual = ((p - t) ** 2).sum() / 6
    (grad_manual,) = torch.autograd.grad(manual, x)
    assert torch.allclose(grad, grad_manual, atol=SHORT_SUMS)

    # closed form: dC/da_j = (2/B) sum_k (p_k - t_k) p_k (delta_kj - p_j)
    p = p.detach()
    r = 2 * (p - t) * p  # (B, K)
    closed = (r - p * r.sum(1, keepdim=True)) / 6
    assert torch.allclose(grad, closed, atol=SHORT_SUMS)


def test_losses_are_scalars():
    logits = torch.zeros(3, 5)
    y = torch.tensor([0, 1, 4])
    for name in ("cross_entropy", "quadratic"):
        assert get_loss(name)(logits, y).shape == ()
    # uniform output: CE = log K, quadratic = (1 - 1/K)^2 + (K - 1)/K^2 = 1 - 1/K
    assert get_loss("cross_entropy")(logits, y).item() == pytest.approx(math.log(5), rel=1e-6)
    assert get_loss("quadratic")(logits, y).item() == pytest.approx(0.8, rel=1e-6)


def test_unknown_loss_names_option():
    with pytest.raises(ValueError, match="hinge.*cross_entropy.*quadratic"):
        get_loss("hinge")


def test_the_papers_losses_have_closed_form_gradients():
    assert {"cross_entropy", "quadratic"} <= set(LOSS_GRADIENTS)  # the engine takes them


@pytest.mark.parametrize("name", sorted(LOSS_GRADIENTS))  # every registered closed form
def test_the_closed_form_gradient_of_a_stack_matches_autograd_net_by_net(name):
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(4, 10, 9, generator=g, dtype=torch.float64) * 3
    y = torch.randint(0, 9, (4, 10), generator=g)
    cost, grad = loss_and_grad(name, logits, y)
    for k in range(4):
        a = logits[k].clone().requires_grad_(True)
        expected = get_loss(name)(a, y[k])
        (expected_grad,) = torch.autograd.grad(expected, a)
        assert cost[k].item() == pytest.approx(expected.item(), rel=1e-12)
        assert torch.allclose(grad[k], expected_grad, rtol=0, atol=SHORT_SUMS)
