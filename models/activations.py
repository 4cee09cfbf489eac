"""Hidden-unit activations of the paper (§2.3) and after it, and a shared saturation measure.

Each activation carries its closed-form derivative (the Jacobian analysis of Eq. 17 and
the back-propagation checks need f'(s) without autograd), the same derivative written as a
function of the output z = f(s) (the fused training step keeps only z), its output range,
from which one saturation definition serves sigmoid, tanh and softsign alike (Figs. 2-4,
10), and what the later inits need: the gain torch.nn.init.calculate_gain uses and whether
f is differentiable at 0 (Kumar 2017). ReLU and leaky ReLU have no asymptote to saturate
at; their "saturation" is the share of dead units (never positive on a set of examples).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

import torch

from models.registry import Registry

TensorFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Activation:
    """An activation f, its derivative f'(s) as a function of the pre-activation s, the open
    interval (lo, hi) its outputs live in (infinite ends allowed), and f'(s) as a function
    of z = f(s) (None when f' is not a function of f's value; the fused step then keeps
    the pre-activations too). `saturation`: "bounded" (near an asymptote, `saturated_mask`), "dead"
    (a unit never positive on the examples) or "none" (never saturates)."""

    name: str
    fn: TensorFn
    derivative: TensorFn
    output_range: tuple[float, float]
    output_derivative: TensorFn | None = None
    gain: float = 1.0  # torch.nn.init.calculate_gain's value (1 where torch has none)
    smooth_at_zero: bool = True  # f'(0) exists (Kumar's formula needs it)
    saturation: str = "bounded"
    slope: float | None = None  # leaky ReLU's negative slope


ACTIVATIONS: Registry[Activation] = Registry("activation")
"""Registry, name -> Activation. Iterate it for the known names."""


def register_activation(
    name: str,
    fn: TensorFn,
    derivative: TensorFn | None,
    output_range: tuple[float, float],
    output_derivative: TensorFn | None = None,
    *,
    overwrite: bool = False,
    **properties,
) -> Activation:
    """Add an activation so that models and analyses can use it by name. `derivative`:
    None takes f' from autograd (slower, same result); `output_derivative` (f' in terms of
    f(s)) lets the fused step keep only f(s). `properties`: gain, smooth_at_zero,
    saturation (see Activation)."""
    derivative = derivative or partial(autograd_derivative, fn)
    return ACTIVATIONS.add(
        name,
        _activation(name, fn, derivative, output_range, output_derivative, **properties),
        overwrite=overwrite,
    )


def autograd_derivative(fn: TensorFn, s: torch.Tensor) -> torch.Tensor:
    """f'(s) by autograd, for an activation registered without its closed form."""
    with torch.enable_grad():
        s = s.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(fn(s).sum(), s)
    return grad


def _activation(name, fn, derivative, output_range, output_derivative=None, **properties):
    lo, hi = output_range
    if not lo < hi:
        raise ValueError(f"output_range must satisfy lo < hi, got {output_range!r}")
    if properties.get("saturation", "bounded") not in ("bounded", "dead", "none"):
        raise ValueError(f"saturation must be bounded, dead or none, got {properties}")
    return Activation(name, fn, derivative, (float(lo), float(hi)), output_derivative, **properties)


def get_activation(name: str, slope: float | None = None) -> Activation:
    """Look up an activation; unknown names raise ValueError listing the known ones.
    `slope` sets leaky ReLU's negative slope (None: its default)."""
    act = ACTIVATIONS.lookup(name)
    if slope is None or slope == act.slope:
        return act
    if act.slope is None:
        raise ValueError(f"activation {name!r} has no slope to set (slope={slope!r})")
    return leaky_relu_activation(slope)


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
register_activation("tanh", tanh, tanh_derivative, (-1.0, 1.0), tanh_output_derivative, gain=5 / 3)
register_activation(
    "softsign", softsign, softsign_derivative, (-1.0, 1.0), softsign_output_derivative
)


# --- after the paper: ReLU (Nair & Hinton 2010), leaky ReLU (Maas et al. 2013), identity -----


def relu(s: torch.Tensor) -> torch.Tensor:
    """max(0, s)."""
    return torch.relu(s)


def relu_derivative(s: torch.Tensor) -> torch.Tensor:
    """1 for s > 0, else 0 (0 at the kink, as torch's autograd takes it)."""
    return (s > 0).to(s.dtype)


def leaky_relu(s: torch.Tensor, slope: float) -> torch.Tensor:
    """s for s > 0, slope * s otherwise."""
    return torch.where(s > 0, s, slope * s)


def leaky_relu_derivative(s: torch.Tensor, slope: float) -> torch.Tensor:
    """1 for s > 0, else slope: also f'(s) in terms of z = f(s), which has s's sign."""
    return torch.where(s > 0, s.new_ones(()), s.new_full((), slope))


def linear(s: torch.Tensor) -> torch.Tensor:
    """The identity: the setting in which the variance theory of §4.2.1 is exact."""
    return s


def ones_like(s: torch.Tensor) -> torch.Tensor:
    """The identity's derivative."""
    return torch.ones_like(s)


@cache  # one object per slope: nets of one slope form one group of a stack
def leaky_relu_activation(slope: float) -> Activation:
    """Leaky ReLU with negative slope `slope` (0 < slope < 1)."""
    if not 0 < slope < 1:
        raise ValueError(f"leaky ReLU's slope must be in (0, 1), got {slope!r}")
    d = partial(leaky_relu_derivative, slope=slope)
    gain = math.sqrt(2.0 / (1 + slope**2))
    return _activation(
        "leaky_relu",
        partial(leaky_relu, slope=slope),
        d,
        (-math.inf, math.inf),
        d,
        gain=gain,
        smooth_at_zero=False,
        saturation="dead",
        slope=float(slope),
    )


register_activation(
    "relu",
    relu,
    relu_derivative,
    (0.0, math.inf),
    relu_derivative,
    gain=math.sqrt(2.0),
    smooth_at_zero=False,
    saturation="dead",
)
ACTIVATIONS.add("leaky_relu", leaky_relu_activation(0.01))  # torch's default slope
register_activation(
    "linear", linear, ones_like, (-math.inf, math.inf), ones_like, saturation="none"
)


# --- saturation ---------------------------------------------------------------------------


def saturated_mask(z: torch.Tensor, name: str | Activation, margin: float = 0.1) -> torch.Tensor:
    """Boolean mask of saturated units, given outputs z = f(s) of activation `name`.

    A unit is saturated when its output lies strictly within margin * (hi - lo) of either
    asymptote: |z - lo| < margin*(hi - lo) or |hi - z| < margin*(hi - lo). With the default
    margin 0.1 that is z < 0.1 or z > 0.9 for sigmoid and |z| > 0.8 for tanh and softsign,
    one rule for all three so their saturation can be compared.
    """
    act = name if isinstance(name, Activation) else get_activation(name)
    lo, hi = act.output_range
    if act.saturation != "bounded":
        raise ValueError(f"activation {act.name!r} has no asymptotes to be near")
    if not 0 < margin <= 0.5:
        raise ValueError(f"margin must be in (0, 0.5], got {margin!r}")
    width = margin * (hi - lo)
    return ((z - lo).abs() < width) | ((hi - z).abs() < width)


def saturation_fraction(z: torch.Tensor, name: str | Activation, margin: float = 0.1) -> float:
    """Fraction of the entries of z that are saturated (see `saturated_mask`); for ReLU
    and leaky ReLU the fraction of dead units, the columns of z (examples, units) that are
    never positive; 0 for the identity, which never saturates."""
    if z.numel() == 0:
        raise ValueError("saturation_fraction of an empty tensor")
    act = name if isinstance(name, Activation) else get_activation(name)
    if act.saturation == "dead":
        return (z.reshape(-1, z.shape[-1]) <= 0).all(0).float().mean().item()
    if act.saturation == "none":
        return 0.0
    return saturated_mask(z, act, margin).float().mean().item()
