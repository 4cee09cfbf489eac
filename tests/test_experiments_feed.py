"""The stack's training batches are each stream's own examples in order, whatever the block
boundaries, the start and the number of rendering workers."""

import pytest
import torch

from experiments.data import ShapesetData
from experiments.feed import Feed
from shapeset import ShapesetConfig, ShapesetStream


@pytest.mark.parametrize("workers", [0, 2])
def test_steps_taken_in_odd_sizes_are_each_streams_examples_in_order(workers):
    cfg, tall = ShapesetConfig(), ShapesetConfig(pixel_range="-1..1")
    streams, start = [(ShapesetData(cfg), 0), (ShapesetData(cfg), 5), (ShapesetData(tall), 0)], 7
    feed = Feed(streams, 10, start, torch.device("cpu"), workers)
    x, y = map(torch.cat, zip(*(feed.take(n) for n in (37, 150, 13)), strict=True))
    feed.close()
    assert x.shape == (200, 3, 10, 1024) and y.shape == (200, 3, 10)
    for s, (data, seed) in enumerate(streams):  # the plain stream of batches of 10, from 70
        plain = iter(ShapesetStream(data.cfg, seed, 10, "train", start=start * 10))
        for step in range(200):
            xs, ys = next(plain)
            assert torch.equal(x[step, s], xs) and torch.equal(y[step, s], ys), (s, step)
