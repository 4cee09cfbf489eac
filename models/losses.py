"""Training costs, by name: the paper's negative log-likelihood and the quadratic cost it
is contrasted with in §4.1 / Fig. 5. Each loss maps (logits, integer targets) to a scalar
averaged over the batch (SGD averages the gradient over the mini-batch, §2.3)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from models.registry import Registry

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

LOSSES: Registry[LossFn] = Registry("loss")
"""Registry, name -> loss(logits, targets). Iterate it for the known names."""


def register_loss(name: str, fn: LossFn, *, overwrite: bool = False) -> LossFn:
    """Add a loss so that experiments can select it by name."""
    return LOSSES.add(name, fn, overwrite=overwrite)


def get_loss(name: str) -> LossFn:
    """Look up a loss; unknown names raise ValueError listing the known ones."""
    return LOSSES.lookup(name)


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of -log softmax(logits)[y] (the paper's -log P(y|x))."""
    logp = F.log_softmax(logits, dim=-1)
    return -logp.gather(-1, targets.long().unsqueeze(-1)).mean()


def quadratic(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Squared error of the softmax output against the one-hot target, summed over classes
    and averaged over examples: mean_b sum_k (softmax(logits)_bk - onehot(y_b)_k)^2.
    No 1/2 factor (the paper does not give the exact form; §4.1 / Fig. 5)."""
    p = F.softmax(logits, dim=-1)
    onehot = F.one_hot(targets.long(), num_classes=logits.shape[-1]).to(p.dtype)
    return ((p - onehot) ** 2).sum(dim=-1).mean()


register_loss("cross_entropy", cross_entropy)
register_loss("quadratic", quadratic)
