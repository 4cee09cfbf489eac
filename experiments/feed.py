"""The training mini-batches of a stack: one rendered stream per (data config, seed), shared
by every net that reads it, all advancing in lockstep.

Example i of a stream is a pure function of (data, seed, i) (experiments/data.py), so making it
in blocks of many steps, in worker processes or here, changes nothing but speed. On CUDA,
`workers` processes render blocks ahead into pinned memory while the GPU trains; on the CPU
the training process renders them itself (its cores are busy training anyway).
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from experiments.data import FiniteData, ShapesetData

BLOCK_STEPS = 100  # steps rendered per block: 1,000 examples at the paper's batch of 10


class StreamFailed(RuntimeError):
    """One stream could not be read: only the nets that read it stop."""

    def __init__(self, stream: int, cause: Exception):
        super().__init__(f"training stream {stream}: {cause}")
        self.stream, self.cause = stream, cause


class Feed:
    def __init__(
        self,
        streams: list[tuple[ShapesetData | FiniteData, int]],
        batch_size: int,
        start_step: int,
        device: torch.device,
        workers: int = 0,
    ):
        """`streams`: (data, seed) of each stream, in the stack's stream order."""
        self.batch_size, self.device = batch_size, device
        n_in = streams[0][0].n_inputs
        self.step_shape = (len(streams), batch_size, n_in)  # one step's inputs
        # Steps between a stack's progress updates and checks for a non-finite cost: on
        # CUDA each check waits for the GPU, so it comes less often.
        self.chunk_steps = 2000 if device.type == "cuda" else 100
        pin = device.type == "cuda"
        self.blocks = [
            iter(
                DataLoader(
                    data.stream(seed, batch_size * BLOCK_STEPS, start_step * batch_size),
                    batch_size=None,
                    num_workers=workers,
                    pin_memory=pin,
                    prefetch_factor=4 if workers else None,
                    persistent_workers=False,
                )
            )
            for data, seed in streams
        ]
        self.left: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * len(streams)

    def close(self) -> None:
        """Let the rendering workers go (a stack that stops early must not keep them)."""
        self.blocks.clear()
        self.left.clear()

    def take(self, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The next `steps` mini-batches of every stream, on the device:
        x (steps, streams, B, n_in) and y (steps, streams, B)."""
        xs, ys = zip(*(self._take(s, steps) for s in range(len(self.blocks))), strict=True)
        return torch.stack(xs, 1), torch.stack(ys, 1)

    def _take(self, stream: int, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        try:
            return self._take_from(stream, steps)
        except Exception as e:
            raise StreamFailed(stream, e) from e

    def _take_from(self, stream: int, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys, need = [], [], steps
        while need:
            if self.left[stream] is None:
                x, y = next(self.blocks[stream])
                self.left[stream] = (
                    x.view(-1, self.batch_size, x.shape[-1]),
                    y.view(-1, self.batch_size),
                )
            x, y = self.left[stream]
            # From pinned memory the copies overlap with training; on the CPU they are no-ops.
            xs.append(x[:need].to(self.device, non_blocking=True))
            ys.append(y[:need].to(self.device, non_blocking=True))
            self.left[stream] = (x[need:], y[need:]) if len(x) > need else None
            need -= len(xs[-1])
        return torch.cat(xs), torch.cat(ys)
