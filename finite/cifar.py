"""CIFAR-10's binary version: records of 1 label byte + 3,072 pixel bytes (1,024 red, then
green, then blue, row-major 32x32), 10,000 records per batch file, read from the official
tar.gz without extracting it and never through pickle."""

from __future__ import annotations

import io
import tarfile

import numpy as np

from .files import DataError

RECORD = 1 + 3 * 32 * 32
FOLDER = "cifar-10-batches-bin"
BATCHES = (*(f"data_batch_{i}.bin" for i in range(1, 6)), "test_batch.bin")


def parse_batch(data: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(pixels (N, 3072) uint8 in the file's channel-major order, labels (N,) int64)."""
    if len(data) == 0 or len(data) % RECORD:
        raise DataError(f"{where}: {len(data):,} bytes is not a whole number of records")
    records = np.frombuffer(data, np.uint8).reshape(-1, RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise DataError(f"{where}: label {labels.max()} outside 0-9")
    return records[:, 1:], labels


def read_archive(data: bytes, where: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Batch file name -> parsed batch, for the six batches of the official archive."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            out = {}
            for name in BATCHES:
                member = tar.getmember(f"{FOLDER}/{name}")
                if not member.isfile():
                    raise DataError(f"{where}: {FOLDER}/{name} is not a regular file")
                out[name] = parse_batch(tar.extractfile(member).read(), f"{where}:{name}")
            return out
    except (tarfile.TarError, KeyError, EOFError, OSError) as e:
        raise DataError(
            f"{where}: not the CIFAR-10 binary archive ({type(e).__name__}: {e})"
        ) from e
