"""Weight-initialization schemes of the paper, by name.

"standard" is Eq. 1, W ~ U[-1/sqrt(n_in), 1/sqrt(n_in)] (n_in Var[W] = 1/3); "normalized"
is Eq. 16, W ~ U[-a, a] with a = sqrt(6 / (n_in + n_out)) (Var[W] = 2 / (n_in + n_out)).
After the paper: "he" (He et al. 2015), U[-sqrt(6/n_in), sqrt(6/n_in)] (Var[W] = 2/n_in).
Biases always start at 0 (§2.3) -- unlike torch's nn.Linear default, which draws them.
Weights are drawn on the CPU from an explicit torch.Generator in float64 and then copied,
so one seed gives the same weights on every device and dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from models.registry import Registry

BoundFn = Callable[[int, int], float]
SampleFn = Callable[[int, int, torch.Generator], torch.Tensor]


@dataclass(frozen=True)
class InitScheme:
    """A named scheme. `sample(fan_in, fan_out, generator)` returns a float64 CPU tensor of
    shape (fan_out, fan_in) (nn.Linear's weight layout). `bound(fan_in, fan_out)` is the
    closed-form half-width for uniform schemes, None for others."""

    name: str
    sample: SampleFn
    bound: BoundFn | None = None


INITS: Registry[InitScheme] = Registry("init scheme")
"""Registry, name -> InitScheme. Iterate it for the known names."""


def uniform_sampler(bound: BoundFn) -> SampleFn:
    """Sampler for W ~ U[-b, b], b = bound(fan_in, fan_out)."""

    def sample(fan_in: int, fan_out: int, generator: torch.Generator) -> torch.Tensor:
        b = bound(fan_in, fan_out)
        u = torch.rand((fan_out, fan_in), generator=generator, dtype=torch.float64)
        return (2 * u - 1) * b

    return sample


def register_init(
    name: str,
    sample: SampleFn | None = None,
    bound: BoundFn | None = None,
    *,
    overwrite: bool = False,
) -> InitScheme:
    """Add a scheme. Give `bound` alone for a symmetric uniform scheme, or a `sample`."""
    if sample is None:
        if bound is None:
            raise ValueError("register_init needs a sample function or a bound function")
        sample = uniform_sampler(bound)
    return INITS.add(name, InitScheme(name, sample, bound), overwrite=overwrite)


def get_init(name: str) -> InitScheme:
    """Look up a scheme; unknown names raise ValueError listing the known ones."""
    return INITS.lookup(name)


def standard_bound(fan_in: int, fan_out: int) -> float:
    """Eq. 1: 1/sqrt(n_in)."""
    return 1.0 / math.sqrt(fan_in)


def normalized_bound(fan_in: int, fan_out: int) -> float:
    """Eq. 16: sqrt(6)/sqrt(n_in + n_out)."""
    return math.sqrt(6.0 / (fan_in + fan_out))


def he_bound(fan_in: int, fan_out: int) -> float:
    """He et al. (2015), uniform form: sqrt(6/n_in), so that Var[W] = 2/n_in (for ReLU)."""
    return math.sqrt(6.0 / fan_in)


register_init("standard", bound=standard_bound)
register_init("normalized", bound=normalized_bound)
register_init("he", bound=he_bound)


def init_bound(name: str, fan_in: int, fan_out: int) -> float:
    """Closed-form uniform half-width of scheme `name` for a fan_in -> fan_out layer."""
    _check_fans(fan_in, fan_out)
    scheme = get_init(name)
    if scheme.bound is None:
        raise ValueError(f"init scheme {name!r} is not a uniform scheme; it has no bound")
    return scheme.bound(fan_in, fan_out)


def initialize_linear(layer: nn.Linear, scheme: str, generator: torch.Generator) -> nn.Linear:
    """Draw `layer`'s weight in place with `scheme` from `generator` (a CPU generator) and
    set its bias to exactly 0. Returns the layer."""
    fan_out, fan_in = layer.weight.shape
    _check_fans(fan_in, fan_out)
    w = get_init(scheme).sample(fan_in, fan_out, generator)
    with torch.no_grad():
        layer.weight.copy_(w.to(device=layer.weight.device, dtype=layer.weight.dtype))
        if layer.bias is not None:
            layer.bias.zero_()
    return layer


def _check_fans(fan_in: int, fan_out: int) -> None:
    if fan_in < 1 or fan_out < 1:
        raise ValueError(f"fan_in and fan_out must be positive, got {fan_in}, {fan_out}")
