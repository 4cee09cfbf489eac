"""The data a run trains and is measured on, whichever data set it is: Shapeset-3x2
(rendered on demand, unlimited) or a finite set (MNIST, CIFAR-10: epochs of its 50,000 or
40,000 training examples). Both give the engine the same things: input and class counts,
fixed valid/test sets, and a training stream whose example i depends on (seed, i) only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch

import finite
from experiments.schema import FiniteConfig
from shapeset import ShapesetConfig, ShapesetSet, ShapesetStream, generate

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_root(root: str = FiniteConfig.root) -> Path:
    """`data.finite.root` as a folder: a relative root starts at the repository."""
    return (REPO_ROOT / root).resolve()  # an absolute root stays as it is


@dataclass
class FixedSet:
    """A fixed evaluation set: inputs and labels, as ShapesetSet has them."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)


class ShapesetData:
    classes = 9

    def __init__(self, cfg: ShapesetConfig, size: int = 0):
        """`size` > 0: a finite training set, the first `size` examples of each data seed's
        training stream, seen in epochs (the paper's SVM comparison used 100,000)."""
        self.cfg, self.pixel_range, self.size = cfg, cfg.pixel_range, size
        self.key = repr((cfg, size))
        self.n_inputs = cfg.image_size**2
        self.image_shape = (1, cfg.image_size, cfg.image_size)

    def fixed(self, seed: int, split: str, size: int) -> ShapesetSet:
        return ShapesetSet(self.cfg, seed, split, size)

    def stream(self, seed: int, batch_size: int, start: int = 0):
        if self.size:
            split = finite_shapeset(self.cfg, seed, self.size)
            return finite.EpochStream(split, seed, batch_size, start, self.pixel_range)
        return ShapesetStream(self.cfg, seed, batch_size, "train", start)


_finite: dict[tuple, finite.Split] = {}


def finite_shapeset(cfg: ShapesetConfig, seed: int, size: int) -> finite.Split:
    """The first `size` examples of the training stream of `seed`, as a finite split (made
    once per process, data config, seed and size)."""
    key = (repr(cfg), seed, size)
    if key not in _finite:
        batch = generate(cfg, seed, "train", np.arange(size))
        _finite[key] = finite.Split(batch.images.reshape(size, -1), batch.labels.astype(np.int64))
    return _finite[key]


class FiniteData:
    classes = 10

    def __init__(self, name: str, root: str, pixel_range: str, download: bool):
        self.name, self.pixel_range = name, pixel_range
        self.root = data_root(root)
        self.key = repr((name, pixel_range))
        self.splits = _load(name, str(self.root), download)  # checked before any training
        self.n_inputs = self.splits["train"].pixels.shape[1]
        self.image_shape = finite.DATASETS[name].image_shape  # pixels stored channel-major

    def check_size(self, split: str, size: int) -> None:
        if size > len(self.splits[split]):
            raise ValueError(f"config profile.{split}_size={size:,}: {self.name} has "
                             f"{len(self.splits[split]):,} {split} examples")  # fmt: skip

    def fixed(self, seed: int, split: str, size: int) -> FixedSet:
        """The split's first `size` examples (a finite set has no seed to draw them by)."""
        part = self.splits[split]
        self.check_size(split, size)
        idx = np.arange(size)
        return FixedSet(part.inputs(idx, self.pixel_range), torch.from_numpy(part.labels[idx]))

    def stream(self, seed: int, batch_size: int, start: int = 0) -> finite.EpochStream:
        return finite.EpochStream(self.splits["train"], seed, batch_size, start, self.pixel_range)


@cache
def _load(name: str, root: str, download: bool):
    return finite.load(name, root, download)


def source(data) -> ShapesetData | FiniteData:
    """The data of a run's `data` config (experiments.schema.DataConfig)."""
    if data.name == "shapeset":
        return ShapesetData(data.shapeset, data.size)
    f = data.finite
    return FiniteData(data.name, f.root, f.pixel_range, f.download)
