"""Batch norm before each activation (Ioffe & Szegedy 2015): the normalization by hand, the
autograd trainer against SGD written out, measurements on running statistics, Jacobians
against autograd, and the refusals."""

import copy

import pytest
import torch
import torch.nn.functional as F
from rounding import EPS64, amplification, trained_bound

from experiments import engine
from models import MLP
from models.autograd_trainer import AutogradTrainer
from models.jacobian import layer_jacobians
from models.stack import NetStack


def bn_net(seed=0, act="tanh"):
    return MLP(12, [9, 8], 4, act, "normalized", seed=seed, batch_norm=True).double()


def test_train_mode_normalizes_each_unit_over_the_batch():
    m = bn_net()
    x = torch.randn(16, 12, dtype=torch.float64) * 3 + 1
    _, pre, _ = m.forward_trace(x)
    s = x @ m.hidden[0].weight.T + m.hidden[0].bias
    by_hand = (s - s.mean(0)) / (s.var(0, unbiased=False) + 1e-5).sqrt()
    torch.testing.assert_close(pre[0], by_hand)


def test_autograd_trainer_equals_sgd_written_out():
    nets = [bn_net(seed=k, act=a) for k, a in enumerate(("tanh", "relu", "sigmoid"))]
    lrs, streams = [0.1, 0.05, 0.3], [0, 1, 0]
    g = torch.Generator().manual_seed(0)
    x = torch.randn(20, 2, 10, 12, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (20, 2, 10), generator=g)

    def sgd_written_out(ns, costs=None):
        ns = copy.deepcopy(ns)
        for k, (m, lr, s) in enumerate(zip(ns, lrs, streams, strict=True)):
            for i in range(len(x)):
                loss = F.cross_entropy(m(x[i, s]), y[i, s])
                if costs is not None:
                    costs[i, k] = loss.item()
                grads = torch.autograd.grad(loss, list(m.parameters()))
                with torch.no_grad():
                    for p, gr in zip(m.parameters(), grads, strict=True):
                        p -= lr * gr
        return ns

    expected_costs = torch.zeros(len(x), len(nets), dtype=torch.float64)
    ref = sgd_written_out(nets, expected_costs)
    growth = amplification(sgd_written_out, nets)
    costs = AutogradTrainer(nets, ["cross_entropy"] * 3, lrs, streams).train(x, y)
    # A cost: sums of <= 12 terms through three layers, each rounding its own way.
    torch.testing.assert_close(costs, expected_costs, rtol=3 * 12 * EPS64, atol=0)
    for m, want, grow in zip(nets, ref, growth, strict=True):
        size = max(
            v.abs().max().item() for v in want.state_dict().values() if v.is_floating_point()
        )
        atol = trained_bound(torch.float64, len(x), 12, size, grow)
        for p, q in zip(m.state_dict().values(), want.state_dict().values(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=atol)  # running stats too


def test_evaluation_reads_running_statistics_and_leaves_them_alone():
    m = bn_net()
    AutogradTrainer([m], ["cross_entropy"], [0.1], [0]).train(
        torch.randn(30, 1, 10, 12, dtype=torch.float64), torch.randint(0, 4, (30, 1, 10))
    )
    stats = {k: v.clone() for k, v in m.state_dict().items()}
    data = engine.FixedSet(torch.randn(50, 12, dtype=torch.float64), torch.randint(0, 4, (50,)))
    err = engine.error_rate(m, data)
    assert m.training  # the mode it had
    for k, v in m.state_dict().items():
        torch.testing.assert_close(v, stats[k])
    n0, n1 = m.norms
    z = data.x
    for layer, n in ((m.hidden[0], n0), (m.hidden[1], n1)):  # eval mode written out
        s = layer(z)
        z = torch.tanh((s - n.running_mean) / (n.running_var + n.eps).sqrt() * n.weight + n.bias)
    logits = m.output(z)
    assert err == pytest.approx((logits.argmax(1) != data.y).double().mean().item())


def test_jacobians_in_eval_mode_equal_autograds():
    m = bn_net()
    AutogradTrainer([m], ["cross_entropy"], [0.1], [0]).train(
        torch.randn(10, 1, 10, 12, dtype=torch.float64), torch.randint(0, 4, (10, 1, 10))
    )
    m.eval()
    x = torch.randn(3, 12, dtype=torch.float64)
    got = layer_jacobians(m, x)
    z1 = m.forward_trace(x)[2][0]
    for i, zi in ((0, x), (1, z1)):
        for b in range(3):

            def layer(z, i=i):
                return m.activation.fn(m.pre_activation(i, z[None]))[0]

            want = torch.autograd.functional.jacobian(layer, zi[b])
            torch.testing.assert_close(got[i][b], want)
    m.train()
    with pytest.raises(ValueError, match="eval mode"):
        layer_jacobians(m, x)


def test_refusals(compose_cfg):
    with pytest.raises(ValueError, match="autograd_trainer"):
        NetStack([bn_net()], ["cross_entropy"], [0.1], [0])
    for extra, why in ((["pretrain=dae"], "pre-training"), (["init=lsuv"], "lsuv")):
        with compose_cfg(["model.batch_norm=true", *extra]) as cfg:
            with pytest.raises(ValueError, match=f"model.batch_norm.*{why}"):
                engine.schema.to_spec(cfg)
