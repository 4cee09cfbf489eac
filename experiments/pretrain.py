"""Greedy layer-wise denoising-autoencoder pre-training (Fig. 11's "Pre-training" curve).

Each hidden layer in turn, with the layers below it fixed, learns to reconstruct its input
z from a corrupted copy (masking noise: a share of the entries set to 0): encode
h = f(W z~ + b), decode r = g(W^T h + c) with tied weights, a decoder bias c and g the
nonlinearity whose range matches z's (sigmoid for pixels in [0, 1], tanh for [-1, 1], the
net's activation above); cost summed over units, averaged over the mini-batch: the
cross-entropy of r and z both mapped from g's range to [0, 1] (the author's DeepANN code)
or the squared error; plain SGD. The paper gives none of this: every choice is a config
value (conf/pretrain/dae.yaml).
Deterministic: the examples are training examples 0, 1, ... and each layer's noise has its
own seed, so a run killed during pre-training resumes at the next layer from its checkpoint.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from tqdm import tqdm

from models import MLP, Activation, get_activation


def _decoder(model: MLP, layer: int, pixel_range: str) -> Activation:
    if layer > 0:
        return model.activation
    return get_activation("sigmoid" if pixel_range == "0..1" else "tanh")


def reconstruction_cost(r, z, output_range, kind: str) -> torch.Tensor:
    """Summed over units, averaged over the batch; r and z lie in the decoder's range."""
    if kind == "squared_error":
        return ((r - z) ** 2).sum(1).mean()
    lo, hi = output_range
    p, t = (r - lo) / (hi - lo), (z - lo) / (hi - lo)
    return F.binary_cross_entropy(p, t, reduction="none").sum(1).mean()


def layer_inputs(model: MLP, i: int, stream, steps: int, device, progress: bool, desc: str):
    """Layer i's inputs z for `steps` mini-batches of the stream, the layers below fixed
    (no gradient): what a greedy layer-wise pre-training trains layer i on."""
    stream = iter(stream)
    for _ in tqdm(range(steps), desc=f"{desc} {i + 1}", disable=not progress):
        z = next(stream)[0].to(device=device, dtype=model.hidden[i].weight.dtype)
        with torch.no_grad():
            for below in model.hidden[:i]:
                z = model.activation.fn(below(z))
        yield z


def pretrain_dae(
    model: MLP,
    cfg,
    data,
    seed: int,
    device,
    progress: bool = True,
    start_layer: int = 0,
    after_layer=None,
) -> int:
    """Pre-train `model`'s hidden layers from `start_layer` up, in place, calling
    `after_layer(i)` once layer i is done (a checkpoint); return the examples used in all."""
    steps = -(-cfg.examples_per_layer // cfg.batch_size)
    for i in range(start_layer, model.depth):
        layer, decoder = model.hidden[i], _decoder(model, i, data.pixel_range)
        noise = torch.Generator(device="cpu").manual_seed(1000 * model.seed + i + 1)
        c = torch.zeros(layer.in_features, device=device, requires_grad=True)
        opt = torch.optim.SGD([layer.weight, layer.bias, c], lr=cfg.lr)
        stream = data.stream(seed, cfg.batch_size)
        for z in layer_inputs(model, i, stream, steps, device, progress, "pre-train layer"):
            keep = (torch.rand(z.shape, generator=noise) >= cfg.corruption).to(device)
            h = model.activation.fn(layer(z * keep))
            r = decoder.fn(h @ layer.weight + c)
            loss = reconstruction_cost(r, z, decoder.output_range, cfg.reconstruction)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        layer.weight.grad = layer.bias.grad = None
        if after_layer is not None:
            after_layer(i)
    return steps * cfg.batch_size * model.depth
