"""Counter-based random numbers: draw d of example i is a pure hash of (seed, split, i, d).

This is what makes example i of a split the same pixels whatever the batch size, the
number of DataLoader workers or the index a stream starts from, with no generator state
to carry around. The mixer is SplitMix64's finalizer (Steele et al. 2014), vectorized.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK64 = (1 << 64) - 1
_SPLIT_SALT = {"train": 0x1F0E5A17, "valid": 0x5A11DA7E, "test": 0x7E57C0DE}


def mix64(x: np.ndarray) -> np.ndarray:
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def example_keys(seed: int, split: str, indices: np.ndarray) -> np.ndarray:
    """One 64-bit key per example; distinct splits and seeds give unrelated keys."""
    base = mix64(np.array([(seed & _MASK64) ^ (_SPLIT_SALT[split] << 32)], dtype=np.uint64))
    base = mix64(base)
    idx = np.asarray(indices, dtype=np.int64).astype(np.uint64)
    return mix64(base ^ mix64(idx))


def uniform(keys: np.ndarray, draw: int) -> np.ndarray:
    """U[0, 1) float64 per key, for the numbered draw."""
    salt = np.uint64((draw * 0x9E3779B97F4A7C15 + draw) & _MASK64)
    bits = mix64(keys ^ salt)
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def integers(keys: np.ndarray, draw: int, low: int, high: int) -> np.ndarray:
    """Integers uniform on [low, high] (inclusive), per key."""
    u = uniform(keys, draw)
    return (low + np.floor(u * (high - low + 1))).astype(np.int64)
