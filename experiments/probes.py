"""What the paper plots, measured on the fixed probe set without touching the parameters.

For each hidden layer: activations z = f(s); back-propagated gradients dC/ds, one row per
probe example (the gradient of that example's own cost); weight gradients dC/dW of the
mean cost of each mini-batch of `grad_batch_size` probe examples (what one SGD update
sees), pooled over the mini-batches; and the mean singular value of the layer Jacobian
dz^{i+1}/dz^i. Each quantity gets a histogram on fixed bins, its mean, std, 2/50/98th
percentiles and the share of values outside the bins; activations also get a saturation
fraction (`models.saturation_fraction`).
"""

from __future__ import annotations

import numpy as np
import torch

from models import MLP, mean_jacobian_singular_values, saturation_fraction

QUANTITIES = ("act", "backprop", "wgrad")
PERCENTILES = (2, 50, 98)
PERCENTILE_SAMPLE = 2_000_000


def bin_edges(model: MLP, cfg) -> dict[str, np.ndarray]:
    """Fixed bins per quantity: activations over f's range (cut to +-probe.unbounded_range
    where it is unbounded), gradients over +-range."""
    lo, hi = model.activation.output_range
    lo, hi = max(lo, -cfg.unbounded_range), min(hi, cfg.unbounded_range)
    return {
        "act": np.linspace(lo, hi, cfg.activation_bins + 1),
        "backprop": np.linspace(-cfg.backprop_range, cfg.backprop_range, cfg.backprop_bins + 1),
        "wgrad": np.linspace(
            -cfg.weight_grad_range, cfg.weight_grad_range, cfg.weight_grad_bins + 1
        ),
    }


def _stats(values: torch.Tensor, edges: np.ndarray) -> dict[str, np.ndarray | float]:
    v = values.detach().reshape(-1).float().cpu()
    lo, hi = float(edges[0]), float(edges[-1])
    counts = torch.histc(v, bins=len(edges) - 1, min=lo, max=hi)
    outside = 1.0 - counts.sum().item() / len(v)
    # Percentiles of at most ~2M values (a fixed stride through them): exact for
    # activations and dC/ds, a 1-in-k sample of the tens of millions of dC/dW entries.
    stride = max(1, len(v) // PERCENTILE_SAMPLE)
    pct = np.percentile(v[::stride].numpy(), PERCENTILES)
    return {
        "hist": counts.numpy().astype(np.int32),
        "mean": v.mean().item(),
        "std": v.std().item(),
        "p2": pct[0],
        "p50": pct[1],
        "p98": pct[2],
        "outside": outside,
    }


def weight_gradients(model, x, y, loss_fn, b: int, backprop, inputs) -> list[torch.Tensor]:
    """Per hidden layer, dC/dW of the mean cost of each mini-batch of b examples of x,
    (batches, *weight shape). Dense: (1/b) sum_n dC/ds[n] (x) z_in[n], from the rows of
    dC/ds already computed; convolutions and batch norm (whose s carries a per-unit factor
    after W): by autograd, one mini-batch at a time."""
    m = len(x)
    if isinstance(model, MLP) and model.norms is None:
        out = []
        for g, z_in in zip(backprop, inputs, strict=True):
            g_b = g[:m].reshape(-1, b, g.shape[1]).transpose(1, 2)
            out.append(torch.bmm(g_b, z_in[:m].reshape(-1, b, z_in.shape[1])) / b)
        return out
    weights = [layer.weight for layer in model.hidden]
    per_batch = [torch.autograd.grad(loss_fn(model(x[i : i + b]), y[i : i + b]), weights)
                 for i in range(0, m, b)]  # fmt: skip
    return [torch.stack(gs) for gs in zip(*per_batch, strict=True)]


def probe(model: MLP, x: torch.Tensor, y: torch.Tensor, loss_fn, cfg) -> dict[str, np.ndarray]:
    """One probe record: arrays with a leading layer axis, e.g. act_std[layer]."""
    edges = bin_edges(model, cfg)
    logits, pre, post = model.forward_trace(x)
    # The losses average over the batch; times n, each row of dC/ds is one example's own.
    backprop = torch.autograd.grad(loss_fn(logits, y) * len(y), pre)
    b = cfg.grad_batch_size
    m = (len(y) // b) * b  # whole mini-batches only
    per_layer: dict[str, list] = {}
    wgrads = weight_gradients(model, x[:m], y[:m], loss_fn, b, backprop, [x, *post[:-1]])
    for z, g, wgrad in zip(post, backprop, wgrads, strict=True):
        for q, values in (("act", z), ("backprop", g), ("wgrad", wgrad)):
            for k, v in _stats(values, edges[q]).items():
                per_layer.setdefault(f"{q}_{k}", []).append(v)
        per_layer.setdefault("act_saturation", []).append(
            saturation_fraction(z.detach(), model.activation, cfg.saturation_margin)
        )
    record = {k: np.asarray(v) for k, v in per_layer.items()}
    if cfg.jacobian_examples > 0 and isinstance(model, MLP):
        with torch.no_grad():
            sv = mean_jacobian_singular_values(model, x[: cfg.jacobian_examples].detach())
        record["jacobian_sv"] = np.asarray(sv)
    else:
        record["jacobian_sv"] = np.full(model.depth, np.nan)
    for q, e in edges.items():
        record[f"{q}_edges"] = e
    return record
