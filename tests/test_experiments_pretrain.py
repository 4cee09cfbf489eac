"""Denoising-autoencoder pre-training learns to reconstruct, layer by layer."""

from itertools import islice

import torch

from experiments.data import ShapesetData
from experiments.pretrain import pretrain_dae, reconstruction_cost
from experiments.run_identity import differences, what_matters
from experiments.schema import PretrainConfig
from models import MLP
from shapeset import ShapesetConfig, ShapesetSet


def _reconstruction_error(model, x, layer):
    with torch.no_grad():
        z = x
        for below in model.hidden[:layer]:
            z = model.activation.fn(below(z))
        lin = model.hidden[layer]
        h = model.activation.fn(lin(z))
        decode = torch.sigmoid if layer == 0 else model.activation.fn
        return ((decode(h @ lin.weight) - z) ** 2).sum(1).mean().item()


def test_each_layer_reconstructs_its_input_better_after_pretraining():
    data = ShapesetData(ShapesetConfig())
    held_out = ShapesetSet(data.cfg, 0, "valid", 200).x
    model = MLP(32 * 32, [64, 32], 9, "tanh", "normalized", seed=0)
    before = [_reconstruction_error(model, held_out, i) for i in range(2)]
    cfg = PretrainConfig(name="dae", examples_per_layer=3000, lr=0.01, corruption=0.25)
    used = pretrain_dae(model, cfg, data, seed=0, device="cpu", progress=False)
    after = [_reconstruction_error(model, held_out, i) for i in range(2)]
    assert used == 3000 * 2
    for b, a in zip(before, after, strict=True):
        assert a < 0.7 * b, (before, after)
    assert all(p.grad is None for p in model.parameters())


def test_pretraining_updates_as_hand_derived_dae_gradients():
    """Two layers, three SGD steps each, against the DAE written out with closed-form
    gradients (no autograd): masked input z~ = z * keep, h = tanh(z~ W^T + b),
    r = g(h W + c) with g sigmoid on pixels and tanh above; for either decoder the
    cross-entropy of the [0, 1]-mapped r and z has dC/du = (r - z) / B at u = h W + c."""
    data = ShapesetData(ShapesetConfig())
    model = MLP(32 * 32, [20, 12], 9, "tanh", "normalized", seed=3)
    w0 = [layer.weight.detach().double().clone() for layer in model.hidden]
    b0 = [layer.bias.detach().double().clone() for layer in model.hidden]
    cfg = PretrainConfig(name="dae", examples_per_layer=30, lr=0.05, corruption=0.25)
    pretrain_dae(model, cfg, data, seed=4, device="cpu", progress=False)

    lr, ws, bs = cfg.lr, [], []
    for i, decode in enumerate((torch.sigmoid, torch.tanh)):
        w, b = w0[i].clone(), b0[i].clone()
        c = torch.zeros(w.shape[1], dtype=torch.float64)
        noise = torch.Generator().manual_seed(1000 * 3 + i + 1)
        for x, _ in islice(data.stream(4, 10), 3):
            z = x.double()
            for wb, bb in zip(ws, bs, strict=True):  # the layers below, as pre-trained
                z = torch.tanh(z @ wb.T + bb)
            keep = (torch.rand(z.shape, generator=noise) >= cfg.corruption).double()
            h = torch.tanh((z * keep) @ w.T + b)
            r = decode(h @ w + c)
            du = (r - z) / len(z)
            da = (du @ w.T) * (1 - h**2)
            dw = h.T @ du + da.T @ (z * keep)  # decoder + encoder: the weights are tied
            w, b, c = w - lr * dw, b - lr * da.sum(0), c - lr * du.sum(0)
        ws.append(w)
        bs.append(b)
        assert (w - w0[i]).abs().max() > 1e-4  # it moved
        torch.testing.assert_close(model.hidden[i].weight.double(), w, rtol=0, atol=1e-5)
        torch.testing.assert_close(model.hidden[i].bias.double(), b, rtol=0, atol=1e-5)


def test_cross_entropy_reconstruction_is_the_logistic_loss_of_the_decoder():
    """Against torch's logits form: sigmoid(a) for pixels in [0, 1]; tanh(a) = 2 sigmoid(2a) - 1
    maps to sigmoid(2a) for layers in [-1, 1]."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(8, 30, generator=g, dtype=torch.float64)
    z01 = torch.rand(8, 30, generator=g, dtype=torch.float64)
    z11 = 2 * torch.rand(8, 30, generator=g, dtype=torch.float64) - 1
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    ours = reconstruction_cost(torch.sigmoid(a), z01, (0.0, 1.0), "cross_entropy")
    assert torch.allclose(ours, bce(a, z01, reduction="sum") / 8, rtol=1e-10)
    ours = reconstruction_cost(torch.tanh(a), z11, (-1.0, 1.0), "cross_entropy")
    assert torch.allclose(ours, bce(2 * a, (z11 + 1) / 2, reduction="sum") / 8, rtol=1e-10)
    ours = reconstruction_cost(torch.tanh(a), z11, (-1.0, 1.0), "squared_error")
    assert torch.allclose(ours, ((torch.tanh(a) - z11) ** 2).sum() / 8, rtol=1e-12)


def test_pretraining_settings_of_a_run_without_pretraining_are_not_compared():
    """A stored run made before `pretrain.reconstruction` existed (then: squared error) is
    the same run when nothing is pre-trained, another one when a DAE is."""

    current = {
        "seed": 0,
        "pretrain": {"name": "none", "lr": 0.01, "reconstruction": "cross_entropy"},
    }
    stored = {"seed": 0, "pretrain": {"name": "none", "lr": 0.02}}
    assert differences(what_matters(stored), what_matters(current)) == []
    dae = {name: {**c, "pretrain": {**c["pretrain"], "name": "dae"}} for name, c in
           (("stored", stored), ("current", current))}  # fmt: skip
    diff = differences(dae["stored"], dae["current"])
    assert diff == [
        "pretrain.lr: stored 0.02, now 0.01",
        "pretrain.reconstruction: stored 'squared_error', now 'cross_entropy'",
    ]
