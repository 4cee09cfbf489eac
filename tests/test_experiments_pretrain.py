"""Denoising-autoencoder pre-training learns to reconstruct, layer by layer."""

import torch

from experiments.pretrain import pretrain_dae
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
    data = ShapesetConfig()
    held_out = ShapesetSet(data, 0, "valid", 200).x
    model = MLP(32 * 32, [64, 32], 9, "tanh", "normalized", seed=0)
    before = [_reconstruction_error(model, held_out, i) for i in range(2)]
    cfg = PretrainConfig(name="dae", examples_per_layer=3000, lr=0.01, corruption=0.25)
    used = pretrain_dae(model, cfg, data, seed=0, device="cpu", progress=False)
    after = [_reconstruction_error(model, held_out, i) for i in range(2)]
    assert used == 3000 * 2
    for b, a in zip(before, after, strict=True):
        assert a < 0.7 * b, (before, after)
    assert all(p.grad is None for p in model.parameters())
