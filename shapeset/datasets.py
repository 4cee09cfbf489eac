"""Torch datasets over the generator: an unlimited training stream and fixed sets.

Every example is `generate(config, seed, split, [i])`, so a stream that starts at index
`start` (a resumed run) continues the exact sequence of an uninterrupted one, and a
fixed set saved to `.npz` and loaded back is the same set.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import os
import zipfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from .atomic import atomic_write_bytes
from .config import ShapesetConfig, check_split
from .generator import generate, to_inputs

NPZ_FORMAT = "shapeset-fixed-set/1"


class ShapesetStream(IterableDataset):
    """Unlimited (x, y) mini-batches of examples start, start+1, ... of a split.

    Yields whole batches (use `DataLoader(stream, batch_size=None)`); renders about `chunk`
    examples at a time so small batches stay cheap. DataLoader workers take batches in
    turn, and the DataLoader's round-robin collection returns them in index order.
    """

    def __init__(
        self,
        cfg: ShapesetConfig,
        seed: int,
        batch_size: int = 10,
        split: str = "train",
        start: int = 0,
        chunk: int = 1000,
    ):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if start < 0:
            raise ValueError(f"start must be >= 0, got {start}")
        self.cfg, self.seed, self.split = cfg, seed, check_split(split)
        self.batch_size, self.start = batch_size, start
        # Whole batches per chunk, so that workers split the stream on batch boundaries.
        self.chunk = batch_size * max(1, chunk // batch_size)

    def __iter__(self):
        info = get_worker_info()
        worker, n_workers = (info.id, info.num_workers) if info else (0, 1)
        per_chunk, bs = self.chunk // self.batch_size, self.batch_size
        offsets = np.arange(bs)
        # Worker w owns batches w, w + W, w + 2W, ...: the order the DataLoader collects in.
        for first in itertools.count(worker, n_workers * per_chunk):
            owned = first + n_workers * np.arange(per_chunk)
            idx = (self.start + owned[:, None] * bs + offsets).reshape(-1)
            batch = generate(self.cfg, self.seed, self.split, idx)
            x, y = batch.inputs(self.cfg.pixel_range), torch.from_numpy(batch.labels)
            for i in range(0, len(idx), bs):
                yield x[i : i + bs], y[i : i + bs]


class ShapesetSet(Dataset):
    """A fixed set: examples [offset, offset + size) of a split, held in memory as uint8."""

    def __init__(
        self,
        cfg: ShapesetConfig,
        seed: int,
        split: str,
        size: int,
        offset: int = 0,
        *,
        images: np.ndarray | None = None,
        labels: np.ndarray | None = None,
    ):
        if size < 1:
            raise ValueError(f"a fixed {split} set needs size >= 1, got {size}")
        self.cfg, self.seed, self.split = cfg, seed, check_split(split)
        self.size, self.offset = size, offset
        if images is None:
            images, labels = _render_in_chunks(cfg, seed, split, offset, size)
        self.images, self.labels = images, labels
        self.x = to_inputs(images, cfg.pixel_range)
        self.y = torch.from_numpy(labels)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i):
        return self.x[i], self.y[i]

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically (temp file + rename): a crash never leaves a half file."""
        meta = {
            "format": NPZ_FORMAT,
            "config": asdict(self.cfg),
            "seed": self.seed,
            "split": self.split,
            "offset": self.offset,
            "size": self.size,
        }
        buf = io.BytesIO()
        np.savez_compressed(
            buf, images=self.images, labels=self.labels, meta=np.array(json.dumps(meta))
        )
        atomic_write_bytes(Path(path), buf.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike) -> ShapesetSet:
        """Load a set saved by `save`, checking that the file is whole and consistent."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                meta = json.loads(str(npz["meta"]))
                images, labels = npz["images"], npz["labels"]
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as e:
            raise ValueError(f"{path}: not a readable Shapeset .npz set ({e})") from e
        if meta.get("format") != NPZ_FORMAT:
            raise ValueError(f"{path}: format {meta.get('format')!r}, expected {NPZ_FORMAT!r}")
        cfg = ShapesetConfig(**meta["config"])
        size, s = meta["size"], cfg.image_size
        if images.shape != (size, s, s) or images.dtype != np.uint8 or labels.shape != (size,):
            raise ValueError(
                f"{path}: arrays {images.shape}/{labels.shape} do not match "
                f"the recorded size {size} and image size {s}"
            )
        if labels.min() < 0 or labels.max() > 8:
            raise ValueError(f"{path}: labels outside 0..8")
        return cls(
            cfg,
            meta["seed"],
            meta["split"],
            size,
            meta["offset"],
            images=images,
            labels=labels.astype(np.int64),
        )


def _render_in_chunks(cfg, seed, split, offset, size, chunk=5000):
    parts = [
        generate(cfg, seed, split, np.arange(offset + lo, offset + min(lo + chunk, size)))
        for lo in range(0, size, chunk)
    ]
    return (np.concatenate([p.images for p in parts]), np.concatenate([p.labels for p in parts]))


def probe_set(cfg: ShapesetConfig, seed: int, size: int = 300) -> ShapesetSet:
    """The paper's fixed probe set: the first `size` examples of the test split."""
    return ShapesetSet(cfg, seed, "test", size)


def batches(dataset: ShapesetSet, batch_size: int):
    """(x, y) slices of a fixed set in order: evaluation without DataLoader overhead."""
    for i in range(0, len(dataset), batch_size):
        yield dataset.x[i : i + batch_size], dataset.y[i : i + batch_size]


def n_batches(dataset: ShapesetSet, batch_size: int) -> int:
    return math.ceil(len(dataset) / batch_size)
