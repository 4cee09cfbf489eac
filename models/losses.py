"""Training costs, by name: the paper's negative log-likelihood and the quadratic cost it
is contrasted with in §4.1 / Fig. 5. Each loss maps (logits, integer targets) to a scalar
averaged over the batch (SGD averages the gradient over the mini-batch, §2.3).

The fused engine (models.stack) needs each cost and its gradient for a stack of nets at
once: `loss_and_grad` gives them, from a loss's closed-form gradient where it registered
one, else by autograd of the loss itself on the logits (any registered loss trains)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from models.registry import Registry

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
# (logits (K, B, C), targets (K, B)) -> (cost per net (K,), dC/dlogits (K, B, C))
LossGradFn = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]

LOSSES: Registry[LossFn] = Registry("loss")
"""Registry, name -> loss(logits, targets). Iterate it for the known names."""
LOSS_GRADIENTS: Registry[LossGradFn] = Registry("loss gradient")
"""Registry, name -> closed-form (cost, gradient) of a stack of nets, for the losses that
have one."""


def register_loss(
    name: str, fn: LossFn, grad: LossGradFn | None = None, *, overwrite: bool = False
) -> LossFn:
    """Add a loss so that experiments can select it by name; `grad`, if given, is its
    closed-form (cost, dC/dlogits) over a stack of nets (else autograd of `fn` serves)."""
    if grad is not None:
        LOSS_GRADIENTS.add(name, grad, overwrite=overwrite)
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


def cross_entropy_grad(logits: torch.Tensor, targets: torch.Tensor):
    """Per net: mean -log p_y, and its gradient (softmax - onehot) / B."""
    logp = F.log_softmax(logits, dim=-1)
    cost = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1).mean(-1)
    p = logp.exp()
    grad = p.scatter_add(-1, targets.unsqueeze(-1), torch.full_like(p[..., :1], -1.0))
    return cost, grad / logits.shape[-2]


def quadratic_grad(logits: torch.Tensor, targets: torch.Tensor):
    """Per net: mean sum_k (p_k - t_k)^2, and dC/da_j = p_j (r_j - sum_k r_k p_k) with
    r = 2 (p - t) / B, the softmax Jacobian applied to dC/dp."""
    p = F.softmax(logits, dim=-1)
    d = p.scatter_add(-1, targets.unsqueeze(-1), torch.full_like(p[..., :1], -1.0))
    cost = (d * d).sum(-1).mean(-1)
    r = d * (2.0 / logits.shape[-2])
    return cost, p * (r - (r * p).sum(-1, keepdim=True))


register_loss("cross_entropy", cross_entropy, cross_entropy_grad)
register_loss("quadratic", quadratic, quadratic_grad)


def loss_and_grad(name: str, logits: torch.Tensor, targets: torch.Tensor):
    """(cost per net (K,), dC/dlogits (K, B, C)) of loss `name` for a stack of nets."""
    if name in LOSS_GRADIENTS:
        return LOSS_GRADIENTS[name](logits, targets)
    fn = get_loss(name)
    with torch.enable_grad():
        a = logits.detach().requires_grad_(True)
        cost = torch.stack([fn(a_k, t_k) for a_k, t_k in zip(a, targets, strict=True)])
        (grad,) = torch.autograd.grad(cost.sum(), a)
    return cost.detach(), grad
