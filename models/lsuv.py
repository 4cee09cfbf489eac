"""Layer-sequential unit-variance init (Mishkin & Matas 2015, "All you need is a good init").

Start orthonormal (the "lsuv" scheme of models.inits), then, layer by layer from the input,
divide the layer's weights by the std of its output s = z W + b on a batch of training
data until that variance is 1 within `tol` or `max_iter` rescalings are spent (their
Algorithm 1, Tol_var = 0.1, T_max = 10). Every layer with weights is fitted, the output
layer too, as in the paper. It differs from the per-unit data-dependent init of
Kraehenbuehl et al. (2015) in rescaling a whole layer by one number, so the units of a layer
keep their relative scales.
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
