"""Inits fitted to a batch of training data, layer by layer from the input, every layer with
weights (the output layer too), as both papers do:

- LSUV (Mishkin & Matas 2015, "All you need is a good init"): start orthonormal, then divide
  the layer's weights by the std of its output s = z W + b until that variance is 1 within
  `tol` or `max_iter` rescalings are spent (their Algorithm 1, Tol_var 0.1, T_max 10).
- Data-dependent (Kraehenbuehl et al. 2015, within-layer part): start Gaussian, then for
  each unit divide its weights by the std of its own s over the batch and set its bias so
  that s has mean 0: every unit, not just the layer as a whole, starts with mean 0 and
  variance 1. LSUV rescales a whole layer by one number, so a layer's units keep their
  relative scales and their means; this init equalizes them unit by unit.
"""

from __future__ import annotations

import torch

from models.mlp import MLP


@torch.no_grad()
def lsuv_(model: MLP, x: torch.Tensor, tol: float = 0.1, max_iter: int = 10) -> list[float]:
    """Fit `model` in place on the batch x (B, in_features); returns each layer's output
    variance on x after fitting."""
    if not tol > 0 or max_iter < 1:
        raise ValueError(f"lsuv needs tol > 0 and max_iter >= 1, got {tol!r}, {max_iter!r}")
    if len(x) < 2:
        raise ValueError(f"lsuv needs a batch of at least 2 examples, got {len(x)}")
    x = x.to(device=model.output.weight.device, dtype=model.output.weight.dtype)
    f, z, variances = model.activation.fn, x, []
    for layer in [*model.hidden, model.output]:
        for _ in range(max_iter):
            var = layer(z).var().item()
            if abs(var - 1) < tol:
                break
            if not var > 0:
                raise ValueError(f"lsuv: a layer's output has variance {var} on the batch")
            layer.weight /= var**0.5
        s = layer(z)
        variances.append(s.var().item())
        z = f(s)
    return variances


@torch.no_grad()
def data_dependent_(model: MLP, x: torch.Tensor) -> None:
    """Fit `model` in place on the batch x: each unit's s has mean 0 and variance 1 on x."""
    if len(x) < 2:
        raise ValueError(f"data_dependent needs a batch of at least 2 examples, got {len(x)}")
    x = x.to(device=model.output.weight.device, dtype=model.output.weight.dtype)
    f, z = model.activation.fn, x
    for i, layer in enumerate([*model.hidden, model.output]):
        s = layer(z)
        std = s.std(0)
        if not (std > 0).all():
            dead = int((std <= 0).sum())
            raise ValueError(
                f"data_dependent: {dead} unit(s) of layer {i + 1} give the same "
                "output for every example of the batch: there is no scale to fit"
            )
        layer.weight /= std[:, None]
        layer.bias.copy_(-(s.mean(0) / std) + layer.bias / std)
        z = f(layer(z))


FITTERS = {
    "lsuv": lambda m, x, cfg: lsuv_(m, x, cfg.lsuv_tol, cfg.lsuv_max_iter),
    "data_dependent": lambda m, x, cfg: data_dependent_(m, x),
}
"""Scheme name -> fit(model, batch, init config): the schemes whose draw is only a start."""
FIT_SETTINGS = {
    "lsuv": ("fit_batch", "lsuv_tol", "lsuv_max_iter"),
    "data_dependent": ("fit_batch",),
}
"""Scheme name -> the init config's settings its fit reads."""
