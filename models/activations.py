"""Hidden-unit activations of the paper (§2.3) and a shared saturation measure.

Each activation carries its closed-form derivative (the Jacobian analysis of Eq. 17 and
the back-propagation checks need f'(s) without autograd), the same derivative written as a
function of the output z = f(s) (the fused training step keeps only z), and its output
range, from which one saturation definition serves sigmoid, tanh and softsign alike
(Figs. 2-4, 10).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from models.registry import Registry

TensorFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Activation:
    """An activation f, its derivative f'(s) as a function of the pre-activation s, the open
    interval (lo, hi) its outputs live in, and f'(s) as a function of z = f(s) (None when f'
    is not a function of f's value; the fused engine then refuses the activation)."""

    name: str
    fn: TensorFn
    derivative: TensorFn
    output_range: tuple[float, float]
    output_derivative: TensorFn | None = None


ACTIVATIONS: Registry[Activation] = Registry("activation")
"""Registry, name -> Activation. Iterate it for the known names."""


def register_activation(
    name: str,
    fn: TensorFn,
    derivative: TensorFn,
    output_range: tuple[float, float],
    output_derivative: TensorFn | None = None,
    *,
    overwrite: bool = False,
) -> Activation:
    """Add an activation so that models and analyses can use it by name; training it with
    the fused step (models.stack) needs `output_derivative`, f' in terms of f(s)."""
    lo, hi = output_range
    if not lo < hi:
        raise ValueError(f"output_range must satisfy lo < hi, got {output_range!r}")
    entry = Activation(name, fn, derivative, (float(lo), float(hi)), output_derivative)
    return ACTIVATIONS.add(name, entry, overwrite=overwrite)


def get_activation(name: str) -> Activation:
    """Look up an activation; unknown names raise ValueError listing the known ones."""
    return ACTIVATIONS.lookup(name)


# --- the paper's three activations (module-level functions so models pickle) -------------


def sigmoid(s: torch.Tensor) -> torch.Tensor:
    """1 / (1 + e^-s)."""
    return torch.sigmoid(s)


def sigmoid_derivative(s: torch.Tensor) -> torch.Tensor:
    """sigma(s) (1 - sigma(s)); equals 1/4 at 0, so sigmoid is outside the §4.2.1 theory."""
    return sigmoid_output_derivative(torch.sigmoid(s))


def sigmoid_output_derivative(z: torch.Tensor) -> torch.Tensor:
    """sigma'(s) = z (1 - z) with z = sigma(s)."""
    return z * (1 - z)


def tanh(s: torch.Tensor) -> torch.Tensor:
    """Hyperbolic tangent."""
    return torch.tanh(s)


def tanh_derivative(s: torch.Tensor) -> torch.Tensor:
    """1 - tanh(s)^2."""
    return tanh_output_derivative(torch.tanh(s))


def tanh_output_derivative(z: torch.Tensor) -> torch.Tensor:
    """tanh'(s) = 1 - z^2 with z = tanh(s)."""
    return 1 - z * z


def softsign(s: torch.Tensor) -> torch.Tensor:
    """s / (1 + |s|): tanh-like but with polynomial, not exponential, tails."""
    return s / (1 + s.abs())


def softsign_derivative(s: torch.Tensor) -> torch.Tensor:
    """1 / (1 + |s|)^2."""
    return 1 / (1 + s.abs()) ** 2


def softsign_output_derivative(z: torch.Tensor) -> torch.Tensor:
    """softsign'(s) = (1 - |z|)^2 with z = softsign(s), since 1 / (1 + |s|) = 1 - |z|."""
    return (1 - z.abs()) ** 2


register_activation("sigmoid", sigmoid, sigmoid_derivative, (0.0, 1.0), sigmoid_output_derivative)
register_activation("tanh", tanh, tanh_derivative, (-1.0, 1.0), tanh_output_derivative)
register_activation(
    "softsign", softsign, softsign_derivative, (-1.0, 1.0), softsign_output_derivative
)


# --- saturation ---------------------------------------------------------------------------


def saturated_mask(z: torch.Tensor, name: str, margin: float = 0.1) -> torch.Tensor:
    """Boolean mask of saturated units, given outputs z = f(s) of activation `name`.

    A unit is saturated when its output lies strictly within margin * (hi - lo) of either
    asymptote: |z - lo| < margin*(hi - lo) or |hi - z| < margin*(hi - lo). With the default
    margin 0.1 that is z < 0.1 or z > 0.9 for sigmoid and |z| > 0.8 for tanh and softsign,
    one rule for all three so their saturation can be compared.
    """
    lo, hi = get_activation(name).output_range
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"saturation is undefined for unbounded activation {name!r}")
    if not 0 < margin <= 0.5:
        raise ValueError(f"margin must be in (0, 0.5], got {margin!r}")
    width = margin * (hi - lo)
    return ((z - lo).abs() < width) | ((hi - z).abs() < width)


def saturation_fraction(z: torch.Tensor, name: str, margin: float = 0.1) -> float:
    """Fraction of the entries of z that are saturated (see `saturated_mask`)."""
    if z.numel() == 0:
        raise ValueError("saturation_fraction of an empty tensor")
    return saturated_mask(z, name, margin).float().mean().item()
