"""IDX files (MNIST's format): a magic number (2 zero bytes, a type code, the number of
dimensions), the dimensions as big-endian int32, then the values."""

from __future__ import annotations

import gzip
import zlib

import numpy as np

from .files import DataError

_UBYTE = 0x08


def parse_idx(data: bytes, where: str) -> np.ndarray:
    """The array an IDX file (raw or gzipped) holds; only unsigned bytes, as MNIST's."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"{where}: not a readable gzip file ({e})") from e
    if len(data) < 4 or data[:2] != b"\0\0":
        raise DataError(f"{where}: not an IDX file (bad magic number)")
    kind, ndim = data[2], data[3]
    if kind != _UBYTE:
        raise DataError(f"{where}: IDX type 0x{kind:02x}; only unsigned bytes (0x08) are read")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{where}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(data, ">i4", ndim, 4))
    if len(data) - header != int(np.prod(shape)):
        raise DataError(
            f"{where}: {len(data) - header:,} data bytes for shape {shape}: truncated or padded"
        )
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)
