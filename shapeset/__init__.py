"""Shapeset-3x2 (Glorot & Bengio 2010, Fig. 1): a procedural, deterministic image stream.

from shapeset import ShapesetConfig, ShapesetStream, ShapesetSet, generate
"""

from .config import CLASS_NAMES, SHAPE_NAMES, SPLITS, ShapesetConfig, label_of
from .datasets import ShapesetSet, ShapesetStream, batches, probe_set
from .generator import ShapesetBatch, generate

__all__ = [
    "CLASS_NAMES",
    "SHAPE_NAMES",
    "SPLITS",
    "ShapesetBatch",
    "ShapesetConfig",
    "ShapesetSet",
    "ShapesetStream",
    "batches",
    "generate",
    "label_of",
    "probe_set",
]
