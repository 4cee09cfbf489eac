"""K nets of one shape trained in lockstep by one fused SGD step.

Each layer's weights are one tensor (K, n_in, n_out) and biases (K, 1, n_out), so a layer of
all the nets is one batched matmul, s = z W + b (torch.baddbmm). The backward pass is
written out (dC/dlogits from the loss, then dC/ds = (dC/dz) f'(s) with f' taken from the
output z) and the update is applied in place from the outer product,
W -= z^T (lr dC/ds) as one `baddbmm_`, so no gradient of a weight is ever materialized: a
plain autograd + optimizer step writes and reads each weight's gradient once more, and at
mini-batches of 10 the step is bound by memory traffic over the weights (docs/engine.md).

The stack owns the weights. It takes them from the `models.MLP`s it is built from and makes
each MLP's parameters views of its own slice, so probes, evaluations and checkpoints use
the unchanged MLP code and always see the live weights. A net leaves a stack by building a
new stack of the others.

Groups are a speed-only choice. Nets with the same activation and loss that sit next to
each other are computed by one batched call per layer (`batched=True`, the default on
CUDA: a few kernels per step whatever K). On the CPU each net is its own group: a batched
matmul over K nets splits its threads differently from a matmul of one, which changes the
last bits of the result, so one call per net keeps a net's numbers identical bit for bit
whatever it is stacked with; the CPU's matmuls are bound by memory bandwidth, so batching
would not make them faster anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from models.activations import Activation
from models.losses import loss_and_grad
from models.mlp import MLP


def aligned_stack(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """torch.stack, with each slice starting on a 64-byte boundary as a tensor of its own
    does: MKL's kernels take other paths on unaligned data, which changes the last bits."""
    n, per = tensors[0].numel(), 64 // tensors[0].element_size()
    slot = -(-n // per) * per
    like = tensors[0]
    out = torch.empty(len(tensors), slot, dtype=like.dtype, device=like.device)
    out = out[:, :n].view(len(tensors), *like.shape)
    return out.copy_(torch.stack(list(tensors)))


@dataclass(frozen=True)
class Group:
    """Nets [start, stop) of a stack: one activation, one loss, one call per layer; `stream`
    is the input stream of all of them, or None when they read several."""

    start: int
    stop: int
    activation: Activation
    loss: str
    stream: int | None

    @property
    def nets(self) -> slice:
        return slice(self.start, self.stop)


class NetStack:
    def __init__(
        self,
        mlps: Sequence[MLP],
        losses: Sequence[str],
        lrs: Sequence[float],
        streams: Sequence[int],
        batched: bool | None = None,
    ):
        """Stack `mlps` (same widths, device and dtype): net k trains with loss `losses[k]`,
        rate `lrs[k]`, on the inputs of stream `streams[k]` (see `step`). `batched`: one
        call per group of alike neighbours (default on CUDA) or one per net (CPU default)."""
        if not mlps:
            raise ValueError("a stack needs at least one net")
        if not len(mlps) == len(losses) == len(lrs) == len(streams):
            raise ValueError("one loss, learning rate and stream per net")
        shapes = {(m.in_features, tuple(m.widths), m.n_classes) for m in mlps}
        if len(shapes) > 1:
            raise ValueError(f"nets of one stack must have one shape, got {sorted(shapes)}")
        for m in mlps:
            if m.norms is not None:
                raise ValueError("batch-norm nets train through models.autograd_trainer")
        first = mlps[0].output.weight
        self.device, self.dtype = first.device, first.dtype
        self.mlps, self.K = list(mlps), len(mlps)
        self.streams = torch.tensor(list(streams), device=self.device)
        self.lr = torch.tensor(list(lrs), dtype=self.dtype, device=self.device).view(-1, 1, 1)
        layers = list(zip(*([*m.hidden, m.output] for m in mlps), strict=True))  # [layer][net]
        with torch.no_grad():  # (K, n_in, n_out): z @ W[k] is nn.Linear's z @ weight.T
            self.W = [aligned_stack([net.weight.T for net in layer]) for layer in layers]
            self.b = [aligned_stack([net.bias[None] for net in layer]) for layer in layers]
        for k, ls in enumerate(
            zip(*layers, strict=True)
        ):  # the MLPs now read and show the stack's weights
            for layer, w, b in zip(ls, self.W, self.b, strict=True):
                layer.weight = nn.Parameter(w[k].T, requires_grad=True)
                layer.bias = nn.Parameter(b[k, 0], requires_grad=True)
        batched = self.device.type == "cuda" if batched is None else batched
        self.groups: list[Group] = []
        for k, (m, loss, s) in enumerate(zip(mlps, losses, streams, strict=True)):
            g = self.groups[-1] if self.groups else None
            if batched and g and g.activation is m.activation and g.loss == loss:
                self.groups[-1] = Group(
                    g.start, k + 1, g.activation, loss, s if s == g.stream else None
                )
            else:
                self.groups.append(Group(k, k + 1, m.activation, loss, s))

    @torch.no_grad()
    def train(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """`n` SGD steps of every net, on the mini-batches x (n, streams, B, n_in) and
        y (n, streams, B); returns each net's cost before each step, (n, K).

        The nets are independent, so the order is free: group by group, n steps each, which
        keeps one group's weights in cache on the CPU (a 5 x 1000 net is 20 MB)."""
        costs = torch.empty(len(x), self.K, dtype=self.dtype, device=self.device)
        for g in self.groups:
            for i in range(len(x)):
                costs[i, g.nets] = self._step(g, x[i], y[i])
        return costs

    def step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """One step: x (streams, B, n_in), y (streams, B); each net's cost before it, (K,)."""
        return self.train(x[None], y[None])[0]

    def _step(self, g: Group, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        n, f = g.stop - g.start, g.activation
        W, b, lr = [w[g.nets] for w in self.W], [v[g.nets] for v in self.b], self.lr[g.nets]
        if g.stream is not None:  # one stream: no copy
            z, t = x[g.stream].expand(n, -1, -1), y[g.stream].expand(n, -1)
        else:
            z, t = x[self.streams[g.nets]], y[self.streams[g.nets]]
        zs, ss = [z], [None]  # zs[i]: the input of layer i; ss[i]: its pre-activation, when
        for i in range(len(W) - 1):  # f' is not a function of f(s)
            s = torch.baddbmm(b[i], zs[i], W[i])
            ss.append(None if f.output_derivative else s)
            zs.append(f.fn(s))
        cost, grad = loss_and_grad(g.loss, torch.baddbmm(b[-1], zs[-1], W[-1]), t)
        for i in reversed(range(len(W))):  # grad: dC/ds of layer i, averaged over the batch
            back = torch.bmm(grad, W[i].transpose(1, 2)) if i else None  # before W[i] moves
            grad = grad * lr
            W[i].baddbmm_(zs[i].transpose(1, 2), grad, alpha=-1)
            b[i].sub_(grad.sum(1, keepdim=True))
            if i:
                slope = f.output_derivative(zs[i]) if f.output_derivative else f.derivative(ss[i])
                grad = back * slope
        return cost
