"""RBM pre-training: CD-k against a hand computation, the free energy against brute force,
the free energy of training data falling, and the exact copy into sigmoid and tanh layers."""

import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from experiments.rbm import cd_gradients, free_energy, load_rbm, train_rbm
from shapeset import ShapesetConfig, ShapesetStream


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


@pytest.mark.parametrize("k", [1, 2])
def test_cd_k_equals_a_hand_computation(k):
    g = torch.Generator().manual_seed(3)
    w = torch.randn(2, 3, generator=g, dtype=torch.float64)  # 3 visible, 2 hidden
    b, c = (
        torch.randn(3, generator=g, dtype=torch.float64),
        torch.randn(2, generator=g, dtype=torch.float64),
    )
    v0 = torch.rand(4, 3, generator=g, dtype=torch.float64)
    got = cd_gradients(v0, w, b, c, k, torch.Generator().manual_seed(9))
    uniforms = torch.Generator().manual_seed(9)
    W, B, C, V0 = (t.numpy() for t in (w, b, c, v0))
    h0 = sigmoid(V0 @ W.T + C)
    h, v = h0, V0
    for _ in range(k):  # sample h, visible probabilities, hidden probabilities
        sample = (torch.rand(h.shape, generator=uniforms, dtype=torch.float64).numpy() < h) * 1.0
        v = sigmoid(sample @ W + B)
        h = sigmoid(v @ W.T + C)
    want = ((h0.T @ V0 - h.T @ v) / 4, (V0 - v).mean(0), (h0 - h).mean(0))
    for a, e in zip(got, want, strict=True):
        np.testing.assert_allclose(a.numpy(), e, rtol=1e-12, atol=1e-14)


def test_free_energy_equals_brute_force_over_the_hidden_states():
    g = torch.Generator().manual_seed(1)
    w = torch.randn(3, 4, generator=g, dtype=torch.float64)
    b, c = (
        torch.randn(4, generator=g, dtype=torch.float64),
        torch.randn(3, generator=g, dtype=torch.float64),
    )
    v = torch.rand(5, 4, generator=g, dtype=torch.float64)
    brute = []
    for row in v.numpy():  # F(v) = -log sum_h exp(-E(v, h)), E = -v b - h c - h W v
        e = [
            -(row @ b.numpy()) - np.dot(h, c.numpy()) - np.dot(h, w.numpy() @ row)
            for h in itertools.product([0, 1], repeat=3)
        ]
        brute.append(-math.log(sum(math.exp(-x) for x in e)))
    np.testing.assert_allclose(free_energy(v, w, b, c).numpy(), brute, rtol=1e-12)


def test_cd1_lowers_the_free_energy_of_training_data():
    cfg = SimpleNamespace(lr=0.01, cd_k=1)
    stream = ShapesetStream(ShapesetConfig(), 0, 10, "train")
    held = next(iter(ShapesetStream(ShapesetConfig(), 7, 500, "train")))[0].double()
    g = torch.Generator().manual_seed(0)
    w = (torch.rand(100, 1024, generator=g, dtype=torch.float64) * 2 - 1) / 32
    b, c = torch.zeros(1024, dtype=torch.float64), torch.zeros(100, dtype=torch.float64)
    before = free_energy(held, w, b, c).mean().item()
    batches = (x.double() for x, _ in itertools.islice(stream, 300))
    train_rbm(batches, w, b, c, cfg, torch.Generator().manual_seed(1))
    after = free_energy(held, w, b, c).mean().item()
    assert after < before - 10  # training data (other examples of it) became more probable


@pytest.mark.parametrize("activation,lo,hi", [("sigmoid", 0.0, 1.0), ("tanh", -1.0, 1.0)])
def test_the_layer_computes_the_rbms_hidden_probabilities(activation, lo, hi):
    g = torch.Generator().manual_seed(2)
    w, c = (
        torch.randn(6, 5, generator=g, dtype=torch.float64),
        torch.randn(6, generator=g, dtype=torch.float64),
    )
    layer = torch.nn.Linear(5, 6, dtype=torch.float64)
    load_rbm(layer, w, c, lo, hi, activation)
    z = lo + (hi - lo) * torch.rand(8, 5, generator=g, dtype=torch.float64)
    p = torch.sigmoid(((z - lo) / (hi - lo)) @ w.T + c)
    f = torch.sigmoid if activation == "sigmoid" else torch.tanh
    want = p if activation == "sigmoid" else 2 * p - 1
    torch.testing.assert_close(f(layer(z)).detach(), want)


def test_rbm_pretraining_needs_sigmoid_or_tanh(compose_cfg):
    from experiments import schema

    with compose_cfg(["pretrain=rbm", "activation=softsign"]) as cfg:
        with pytest.raises(ValueError, match="pretrain.*sigmoid or tanh"):
            schema.to_spec(cfg)
