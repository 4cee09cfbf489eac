"""The paper's finite data sets (section 2.2): MNIST and CIFAR-10, read from their official
files, checked by checksum, cut into the paper's splits, and streamed by seeded per-epoch
permutations with the same interface as Shapeset's stream.

    from finite import load, EpochStream
    data = load("mnist", root="data")    # {"train", "valid", "test"} -> Split
    stream = EpochStream(data["train"], seed=0, batch_size=10, start=0)
"""

from .files import DataError, MissingData
from .sets import DATASETS, FILES, PIXEL_RANGES, Split, load, missing
from .stream import EpochStream, epoch_order

__all__ = [
    "DATASETS",
    "PIXEL_RANGES",
    "DataError",
    "FILES",
    "EpochStream",
    "MissingData",
    "Split",
    "epoch_order",
    "load",
    "missing",
]
