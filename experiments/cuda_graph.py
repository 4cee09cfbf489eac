"""Blocks of training steps captured once as a CUDA graph and replayed (device=cuda).

At the paper's mini-batches of 10, one step of a 5 x 1000 net is a few dozen small kernels
whose launches cost more than their work. Captured as one graph, a block of
`engine.cuda_graph_steps` steps costs one launch. A graph freezes addresses, not values:
the weights, the learning rates (a device tensor, never a Python float, which a graph would
freeze) and the input buffers are static tensors updated in place, so a replay computes
what the steps launched one by one compute: to rounding, not to the bit, since the
captured steps run other kernels (an H100, 2026-11-24: float32 costs 4.8e-7 apart from the
first step on). The raw
torch.cuda.CUDAGraph is replayed rather than torch.compile(mode="reduce-overhead"), which
adds ~300 us per call at this size (pytorch#150488).
"""

from __future__ import annotations

import torch

from models.stack import NetStack


class GraphedTrainer:
    """`train(x, y)` as NetStack.train, whole blocks of `steps` replayed from a graph."""

    def __init__(self, stack: NetStack, steps: int, x_shape: tuple[int, ...]):
        """x_shape: one step's inputs, (streams, B, n_in)."""
        self.stack, self.steps = stack, steps
        self.x = torch.zeros(steps, *x_shape, dtype=stack.dtype, device=stack.device)
        self.y = torch.zeros(steps, *x_shape[:2], dtype=torch.long, device=stack.device)
        self.graph: torch.cuda.CUDAGraph | None = None

    def _capture(self) -> None:
        params = self.stack.W + self.stack.b
        saved = [p.clone() for p in params]
        side = torch.cuda.Stream()  # warm-up off the default stream, as capture requires
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):  # cuBLAS handles, workspaces and the allocator settle
                self.stack.train(self.x[:1], self.y[:1])
        torch.cuda.current_stream().wait_stream(side)
        for p, s in zip(params, saved, strict=True):  # the warm-up steps undone
            p.copy_(s)
        self.graph = torch.cuda.CUDAGraph()
        # thread_local: the DataLoader's pin-memory thread allocates pinned memory while we
        # capture; in the default "global" mode that invalidates the capture (seen on an H100).
        with torch.cuda.graph(self.graph, capture_error_mode="thread_local"):
            self.costs = self.stack.train(self.x, self.y)

    def train(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        whole = len(x) - len(x) % self.steps
        costs = []
        for i in range(0, whole, self.steps):
            if self.graph is None:
                self._capture()
            self.x.copy_(x[i : i + self.steps])
            self.y.copy_(y[i : i + self.steps])
            self.graph.replay()
            costs.append(self.costs.clone())
        if whole < len(x):  # the rest of a block, launched step by step
            costs.append(self.stack.train(x[whole:], y[whole:]))
        return torch.cat(costs)
