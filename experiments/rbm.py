"""Greedy layer-wise RBM pre-training (Hinton, Osindero & Teh 2006), the cure for deep nets
before the paper, beside its denoising auto-encoders (experiments/pretrain.py).

Each hidden layer in turn, with the layers below it fixed, is a restricted Boltzmann machine
whose visible units are the layer's input mapped to [0, 1] (pixels as probabilities; a
tanh layer's outputs z as (z + 1) / 2) and whose hidden units are binary, P(h = 1 | v) =
sigmoid(v W^T + c). It learns by contrastive divergence CD-k (`pretrain.cd_k`): the
positive phase on the data, k steps of alternating Gibbs sampling (binary hidden samples,
visible probabilities, as Hinton's practical guide advises), the last hidden step taken as
probabilities, and plain SGD on W, c and the visible bias. The net's layer then computes
exactly the RBM's P(h = 1 | v), mapped to its activation's range: sigmoid(s) = p with s =
v W^T + c; tanh(s) = 2 p - 1 with s = (v W^T + c) / 2 (tanh(a/2) = 2 sigmoid(a) - 1). Other
activations have no such identity and are refused. Deterministic and resumable per layer,
as the auto-encoders are.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from experiments.pretrain import layer_inputs
from models import MLP

EXACT = {"sigmoid": 1.0, "tanh": 0.5}  # the net's s = EXACT[f] * (RBM's pre-activation)


def free_energy(v: torch.Tensor, w: torch.Tensor, b: torch.Tensor, c: torch.Tensor):
    """F(v) = -v b - sum_j log(1 + exp(v W_j + c_j)), one value per row of v: lower means the
    RBM finds v more probable."""
    return -(v @ b) - F.softplus(v @ w.T + c).sum(1)


def cd_gradients(v0, w, b, c, k: int, generator: torch.Generator):
    """CD-k estimates of the log-likelihood gradient (dW, db, dc), averaged over the batch
    v0 (B, n_visible) of probabilities; hidden samples use uniforms from `generator`, drawn
    on the CPU one (B, n_hidden) tensor per Gibbs step, so a test can redo them by hand."""
    h0 = torch.sigmoid(v0 @ w.T + c)
    h, v = h0, v0
    for _ in range(k):
        u = torch.rand(h.shape, generator=generator, dtype=h.dtype).to(h.device)
        v = torch.sigmoid((u < h).to(h.dtype) @ w + b)
        h = torch.sigmoid(v @ w.T + c)
    n = len(v0)
    return (h0.T @ v0 - h.T @ v) / n, (v0 - v).mean(0), (h0 - h).mean(0)


def train_rbm(batches, w, b, c, cfg, generator: torch.Generator) -> None:
    """CD-k with plain SGD on W, b, c in place, over `batches` of visible probabilities."""
    for v in batches:
        dw, db, dc = cd_gradients(v, w, b, c, cfg.cd_k, generator)
        w += cfg.lr * dw
        b += cfg.lr * db
        c += cfg.lr * dc


def load_rbm(layer, w, c, lo: float, hi: float, activation: str) -> None:
    """Set `layer` so that f(layer(z)) is the RBM's P(h = 1 | v), v = (z - lo) / (hi - lo),
    in f's range: s = scale (v W^T + c)."""
    scale = EXACT[activation]
    with torch.no_grad():
        layer.weight.copy_(scale * w / (hi - lo))
        layer.bias.copy_(scale * (c - lo / (hi - lo) * w.sum(1)))


def pretrain_rbm(
    model: MLP,
    cfg,
    data,
    seed: int,
    device,
    progress: bool = True,
    start_layer: int = 0,
    after_layer=None,
) -> int:
    """Pre-train `model`'s hidden layers from `start_layer` up as RBMs, in place, calling
    `after_layer(i)` once layer i is done (a checkpoint); return the examples used in all."""
    if model.activation.name not in EXACT:
        raise ValueError(
            f"pretrain=rbm needs a sigmoid or tanh net (an exact map from the "
            f"RBM's hidden units), not {model.activation.name!r}"
        )
    steps = -(-cfg.examples_per_layer // cfg.batch_size)
    pixels = (0.0, 1.0) if data.pixel_range == "0..1" else (-1.0, 1.0)
    for i in range(start_layer, model.depth):
        layer = model.hidden[i]
        gen = torch.Generator(device="cpu").manual_seed(1000 * model.seed + i + 1)
        lo, hi = pixels if i == 0 else model.activation.output_range
        stream = data.stream(seed, cfg.batch_size)
        batches = layer_inputs(model, i, stream, steps, device, progress, "RBM layer")
        with torch.no_grad():  # the RBM starts from the layer's drawn weights, biases 0
            w, c = layer.weight.detach().clone(), torch.zeros_like(layer.bias)
            b = torch.zeros(layer.in_features, dtype=w.dtype, device=w.device)
            train_rbm(((z - lo) / (hi - lo) for z in batches), w, b, c, cfg, gen)
        load_rbm(layer, w, c, lo, hi, model.activation.name)
        if after_layer is not None:
            after_layer(i)
    return steps * cfg.batch_size * model.depth
