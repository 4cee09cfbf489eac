"""MNIST and CIFAR-10 as the paper uses them (section 2.2), in its splits.

The validation set is the last 10,000 examples of the official training set, a fixed rule
(the paper gives the sizes, not the cut): MNIST 50,000 / 10,000 / 10,000 (train / valid /
test), CIFAR-10 40,000 (data batches 1-4) / 10,000 (batch 5) / 10,000. Pixels are bytes
/ 255 in [0, 1], or mapped to [-1, 1] (`pixel_range`; the paper states no preprocessing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import cifar
from .files import DataError, DataFile, fetch
from .idx import parse_idx

PIXEL_RANGES = ("0..1", "-1..1")
VALID_SIZE = 10_000
_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


@dataclass
class Split:
    """One split: pixels as stored (N, D) uint8 and labels (N,) int64."""

    pixels: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def inputs(self, idx=slice(None), pixel_range: str = "0..1") -> torch.Tensor:
        x = torch.from_numpy(np.array(self.pixels[idx])).float().div_(255.0)  # a copy
        return x.mul_(2).sub_(1) if pixel_range == "-1..1" else x


def _mnist_file(name: str, md5: str, sha256: str) -> DataFile:
    return DataFile(name, tuple(m + name for m in _MNIST_MIRRORS), (md5,), sha256)


MNIST_FILES = {
    "train_images": _mnist_file(
        "train-images-idx3-ubyte.gz",
        "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    "train_labels": _mnist_file(
        "train-labels-idx1-ubyte.gz",
        "d53e105ee54ea40749a09fcbcd1e9432",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    "test_images": _mnist_file(
        "t10k-images-idx3-ubyte.gz",
        "9fb629c4189551a2d022fa330f9573f3",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    "test_labels": _mnist_file(
        "t10k-labels-idx1-ubyte.gz",
        "ec29112dd5afa0611ce80d1b7f02629c",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
}
CIFAR10_FILE = DataFile(
    "cifar-10-binary.tar.gz",
    ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",),
    ("c32a1d4ab5d03f1284b67883e8d87530",),
)


def _pair(images: np.ndarray, labels: np.ndarray, where: str) -> Split:
    if len(images) != len(labels):
        raise DataError(f"{where}: {len(images):,} images but {len(labels):,} labels")
    if labels.max() > 9:
        raise DataError(f"{where}: label {labels.max()} outside 0-9")
    return Split(images.reshape(len(images), -1), labels.astype(np.int64))


def _cut(full: Split) -> tuple[Split, Split]:
    """(train, valid): the last VALID_SIZE examples are the validation set."""
    n = len(full) - VALID_SIZE
    return (
        Split(full.pixels[:n], full.labels[:n]),
        Split(full.pixels[n:], full.labels[n:]),
    )


def _mnist(folder: Path, download: bool) -> dict[str, Split]:
    arrays = {
        k: parse_idx(fetch(f, folder, download), str(folder / f.name))
        for k, f in MNIST_FILES.items()
    }
    train, valid = _cut(_pair(arrays["train_images"], arrays["train_labels"], str(folder)))
    return {
        "train": train,
        "valid": valid,
        "test": _pair(arrays["test_images"], arrays["test_labels"], str(folder)),
    }


def _cifar10(folder: Path, download: bool) -> dict[str, Split]:
    batches = cifar.read_archive(
        fetch(CIFAR10_FILE, folder, download), str(folder / CIFAR10_FILE.name)
    )
    train = [batches[f"data_batch_{i}.bin"] for i in range(1, 6)]
    full = Split(np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]))
    train, valid = _cut(full)
    return {"train": train, "valid": valid, "test": Split(*batches["test_batch.bin"])}


@dataclass(frozen=True)
class Dataset:
    name: str
    image_shape: tuple[int, ...]  # (channels, height, width)
    classes: int
    sizes: tuple[int, int, int]  # train, valid, test
    read: Callable[[Path, bool], dict[str, Split]]


DATASETS = {
    "mnist": Dataset("mnist", (1, 28, 28), 10, (50_000, 10_000, 10_000), _mnist),
    "cifar10": Dataset("cifar10", (3, 32, 32), 10, (40_000, 10_000, 10_000), _cifar10),
}


FILES = {"mnist": tuple(MNIST_FILES.values()), "cifar10": (CIFAR10_FILE,)}


def missing(name: str, root: str | Path) -> list[Path]:
    """The files of data set `name` that are not under `root/name/` (not checked here)."""
    return [
        Path(root) / name / f.name for f in FILES[name] if not (Path(root) / name / f.name).exists()
    ]


def load(name: str, root: str | Path, download: bool = True) -> dict[str, Split]:
    """The splits of data set `name` from `root/name/`, downloading missing files."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}: choose one of {sorted(DATASETS)}")
    ds = DATASETS[name]
    splits = ds.read(Path(root) / name, download)
    sizes = tuple(len(splits[s]) for s in ("train", "valid", "test"))
    if sizes != ds.sizes:
        raise DataError(f"{name} under {root}: split sizes {sizes}, expected {ds.sizes}")
    return splits
