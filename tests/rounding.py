"""Float tolerances derived from the rounding they absorb, not from what one CPU gave.

Two correct float computations of the same value differ only by rounding: each operation
is exact to within the unit roundoff u = eps / 2 of its result, and a sum of n terms
carried out in another order (another SIMD width: AVX2 against AVX-512, another thread
split) can move by up to ~n * eps * sum|terms| (Higham, "Accuracy and Stability of
Numerical Algorithms", 2nd ed., eq. 3.5: |error| <= gamma_n * sum|x_i|, gamma_n ~ n * u).
Training then carries each step's rounding into every later step, growing it by however
much the updates amplify a perturbation; that growth is measured by `amplification`, on
the independent reference itself, instead of being assumed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch

EPS64 = torch.finfo(torch.float64).eps  # 2.2e-16
EPS32 = torch.finfo(torch.float32).eps  # 1.2e-7


def eps(dtype: torch.dtype) -> float:
    return torch.finfo(dtype).eps


def sum_bound(dtype: torch.dtype, terms: int, magnitude: float) -> float:
    """What summing `terms` numbers of size `magnitude` in another order can change."""
    return terms * eps(dtype) * magnitude


def amplification(
    train: Callable[[Sequence[torch.nn.Module]], Sequence[torch.nn.Module]],
    nets: Sequence[torch.nn.Module],
    seed: int = 0,
) -> list[float]:
    """Per net: how many roundings a one-rounding change of the start has become after
    `train` (the independent reference), at least 1. A net that amplifies a perturbation
    (a linear net under the quadratic cost grows one ulp ~1e4-fold in 30 steps) needs a
    wider tolerance for any other summation order, and gets exactly that much wider."""
    g = torch.Generator().manual_seed(seed)
    twins = [copy.deepcopy(m) for m in nets]
    for m in twins:
        with torch.no_grad():
            for p in m.parameters():
                u = 2 * torch.rand(p.shape, generator=g, dtype=p.dtype) - 1
                p.mul_(1 + eps(p.dtype) * u)
    out = []
    for a, b in zip(train(nets), train(twins), strict=True):
        pairs = list(zip(a.parameters(), b.parameters(), strict=True))
        size = max(p.detach().abs().max().item() for p, _ in pairs)
        moved = max((p - q).detach().abs().max().item() for p, q in pairs)
        out.append(max(1.0, moved / (eps(pairs[0][0].dtype) * size)))
    return out


def trained_bound(dtype: torch.dtype, steps: int, terms: int, size: float, growth: float) -> float:
    """Two trainings that round differently: each of `steps` updates can leave a
    `sum_bound` difference in a weight of `size`, and later steps grow it `growth`-fold."""
    return steps * sum_bound(dtype, terms, size) * growth
