"""Finite data by epochs: each epoch visits every training example once, in an order drawn
from (seed, epoch) alone, so example i of the stream is a pure function of (seed, i) and a
run killed mid-epoch resumes at the exact example (as Shapeset's stream does)."""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .sets import Split


@lru_cache(maxsize=4)
def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The permutation of range(n) that epoch `epoch` of stream `seed` visits."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, epoch]))).permutation(
        n
    )


def stream_indices(seed: int, n: int, start: int, count: int) -> np.ndarray:
    """Dataset indices of stream examples start, ..., start + count - 1."""
    i = np.arange(start, start + count)
    epochs, pos = np.divmod(i, n)
    out = np.empty(count, dtype=np.int64)
    for e in np.unique(epochs):
        at = epochs == e
        out[at] = epoch_order(seed, int(e), n)[pos[at]]
    return out


class EpochStream(IterableDataset):
    """Unlimited (x, y) mini-batches of stream examples start, start+1, ...: whole batches
    (use `DataLoader(stream, batch_size=None)`); an epoch boundary may fall inside one.
    DataLoader workers take batches in turn, so any number of them yields the same stream."""

    def __init__(self, split: Split, seed: int, batch_size: int = 10, start: int = 0,
                 pixel_range: str = "0..1"):  # fmt: skip
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if start < 0:
            raise ValueError(f"start must be >= 0, got {start}")
        self.split, self.seed, self.batch_size = split, seed, batch_size
        self.start, self.pixel_range = start, pixel_range

    def __iter__(self):
        info = get_worker_info()
        worker, n_workers = (info.id, info.num_workers) if info else (0, 1)
        bs, n = self.batch_size, len(self.split)
        # Worker w owns batches w, w + W, ...: the order a DataLoader collects them in.
        for batch in itertools.count(worker, n_workers):
            idx = stream_indices(self.seed, n, self.start + batch * bs, bs)
            yield self.split.inputs(idx, self.pixel_range), torch.from_numpy(self.split.labels[idx])
