"""Nets the fused step (models.stack) cannot train -- batch norm couples a mini-batch's
examples, so dC/ds is no longer a per-example product -- trained the textbook way: autograd
and plain SGD (no momentum, no decay), one net after the other. Same interface as NetStack,
so the engine's loop, probes, evaluations and checkpoints are the same for both. Batch norm
is not fused: its nets are a side experiment, and the fused step's speed matters for the
paper's 5 x 1000 nets, which have none."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from models.losses import get_loss
from models.mlp import MLP


class AutogradTrainer:
    def __init__(
        self,
        mlps: Sequence[MLP],
        losses: Sequence[str],
        lrs: Sequence[float],
        streams: Sequence[int],
    ):
        if not len(mlps) == len(losses) == len(lrs) == len(streams):
            raise ValueError("one loss, learning rate and stream per net")
        self.mlps, self.streams = list(mlps), list(streams)
        self.losses = [get_loss(name) for name in losses]
        self.optims = [
            torch.optim.SGD(m.parameters(), lr=lr) for m, lr in zip(mlps, lrs, strict=True)
        ]
        param = next(self.mlps[0].parameters())
        self.device, self.dtype = param.device, param.dtype

    def train(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """`n` SGD steps of every net on x (n, streams, B, n_in), y (n, streams, B); each
        net's cost before each step, (n, K)."""
        costs = torch.empty(len(x), len(self.mlps), dtype=self.dtype, device=self.device)
        for k, (m, loss, opt, s) in enumerate(
            zip(self.mlps, self.losses, self.optims, self.streams, strict=True)
        ):
            m.train()  # batch statistics
            for i in range(len(x)):
                opt.zero_grad(set_to_none=True)
                cost = loss(m(x[i, s]), y[i, s])
                cost.backward()
                opt.step()
                costs[i, k] = cost.detach()
        return costs
