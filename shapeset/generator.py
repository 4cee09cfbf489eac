"""Example i of a split, as a pure function of (config, seed, split, i), for a whole batch.

Sampling follows the author's design (FACTS section 2): 1 or 2 objects, each type uniform,
grey levels dark-on-light or light-on-dark with probability 1/2, and the overlap rule
measured exactly on the rasterized masks: the second object may cover at most
`max_overlap` of the first one's pixels, else it gets a new scale and position; after
`max_rejections` rejections the image keeps one object. The label follows what is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import counter_rng as rng
from . import geometry, raster
from .config import DARK_GREYS, LIGHT_GREYS, SHAPE_VERTICES, ShapesetConfig, check_split

# Draw numbers: one per random quantity, so adding one never shifts the others.
_N_OBJECTS, _LIGHT_BACKGROUND, _BACKGROUND, _CLASS, _SWAP = range(5)


def _object_draw(obj: int, field: int) -> int:  # type, sector, rotation, grey
    return 16 + 16 * obj + field


def _attempt_draw(obj: int, attempt: int, field: int) -> int:  # scale a/b, x, y
    return 1024 + 4 * (attempt + 4096 * obj) + field


# Object types of each class in the balanced mode (-1: no second object).
_CLASS_TYPES = np.array([[0, -1], [1, -1], [2, -1], [0, 1], [1, 2], [0, 2], [0, 0], [1, 1], [2, 2]])
_PAIR_LABEL = np.array([[6, 3, 5], [3, 7, 4], [5, 4, 8]])


@dataclass
class ShapesetBatch:
    """Rendered images plus the per-object geometry they were drawn from."""

    images: np.ndarray  # (B, S, S) uint8 grey levels
    labels: np.ndarray  # (B,) int64, the author's class index
    types: np.ndarray  # (B, 2) shape type per object, -1 where absent
    vertices: np.ndarray  # (B, 2, 20, 2) polygon vertices (x=column, y=row), NaN where absent
    greys: np.ndarray  # (B, 2) object grey level, -1 where absent
    background: np.ndarray  # (B,) background grey level
    rejections: np.ndarray  # (B,) rejected placements of the second object

    def inputs(self, pixel_range: str = "0..1") -> torch.Tensor:
        return to_inputs(self.images, pixel_range)


def to_inputs(images: np.ndarray, pixel_range: str = "0..1") -> torch.Tensor:
    """Flattened float32 pixels of uint8 grey images in the requested range, one row each."""
    x = torch.from_numpy(images.reshape(len(images), -1)).float().div_(255.0)
    return x.mul_(2).sub_(1) if pixel_range == "-1..1" else x


def _grey(keys: np.ndarray, draw: int, light: np.ndarray) -> np.ndarray:
    dark = rng.integers(keys, draw, *DARK_GREYS)
    bright = rng.integers(keys, draw, *LIGHT_GREYS)
    return np.where(light, bright, dark)


def _draw_types(cfg: ShapesetConfig, keys: np.ndarray) -> np.ndarray:
    if cfg.balanced:
        types = _CLASS_TYPES[rng.integers(keys, _CLASS, 0, 8)].copy()
        swap = (rng.uniform(keys, _SWAP) < 0.5) & (types[:, 1] >= 0)
        types[swap] = types[swap][:, ::-1]
        return types
    n_objects = rng.integers(keys, _N_OBJECTS, cfg.min_objects, cfg.max_objects)
    types = np.stack([rng.integers(keys, _object_draw(o, 0), 0, 2) for o in range(2)], axis=1)
    types[n_objects < 2, 1] = -1
    return types


def _placed(cfg, keys, types, sector, rotation, obj, attempt):
    """Vertices of object `obj` at placement attempt `attempt` (new scales and position)."""
    u = [rng.uniform(keys, _attempt_draw(obj, attempt, f)) for f in range(4)]
    pts = geometry.shape(cfg, types, sector, rotation, u[0], u[1])
    return geometry.place(cfg, pts, u[2], u[3])


def generate(cfg: ShapesetConfig, seed: int, split: str, indices) -> ShapesetBatch:
    """Render the examples `indices` of `split`; each depends on its own index only."""
    check_split(split)
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    if len(indices) and indices.min() < 0:
        raise ValueError(f"example indices must be >= 0, got {indices.min()}")
    keys = rng.example_keys(seed, split, indices)
    size, b = cfg.image_size, len(indices)
    types = _draw_types(cfg, keys)

    light_bg = rng.uniform(keys, _LIGHT_BACKGROUND) < 0.5
    background = _grey(keys, _BACKGROUND, light_bg)
    greys = np.stack([_grey(keys, _object_draw(o, 3), ~light_bg) for o in range(2)], axis=1)

    vertices = np.full((b, 2, geometry.MAX_VERTICES, 2), np.nan)
    first = np.zeros((b, 2, size), dtype=np.int32)  # per-row spans of each object's pixels
    last = np.full((b, 2, size), -1, dtype=np.int32)
    rejections = np.zeros(b, dtype=np.int64)
    for obj in range(2):
        todo = np.flatnonzero(types[:, obj] >= 0)
        k, t = keys[todo], types[todo, obj]
        n = np.asarray(SHAPE_VERTICES)[t]
        sector, rotation = geometry.angles(
            cfg, t, rng.uniform(k, _object_draw(obj, 1)), rng.uniform(k, _object_draw(obj, 2))
        )
        area0 = raster.span_area(first[todo, 0], last[todo, 0])
        for attempt in range(cfg.max_rejections if obj else 1):
            pts = _placed(cfg, keys[todo], t, sector, rotation, obj, attempt)
            f_new, l_new = raster.polygon_spans(pts, n, size, fill=cfg.fill)
            covered = raster.span_intersection(first[todo, 0], last[todo, 0], f_new, l_new)
            ok = covered <= cfg.max_overlap * area0  # always true for the first object
            done = todo[ok]
            vertices[done, obj], first[done, obj], last[done, obj] = pts[ok], f_new[ok], l_new[ok]
            todo, t, n, sector, rotation, area0 = (
                a[~ok] for a in (todo, t, n, sector, rotation, area0)
            )
            rejections[todo] += 1
            if len(todo) == 0:
                break
        types[todo, obj] = -1  # too many rejections: the image keeps one object

    present = types >= 0
    greys = np.where(present, greys, -1)
    labels = np.where(present[:, 1], _PAIR_LABEL[types[:, 0], types[:, 1]], types[:, 0])
    if cfg.antialias:
        images = _render_antialiased(cfg, vertices, types, background, greys)
    else:
        images = _render(cfg, first, last, present, background, greys)
    return ShapesetBatch(
        images, labels.astype(np.int64), types, vertices, greys, background, rejections
    )


def _render(cfg, first, last, present, background, greys) -> np.ndarray:
    """Hard edges: each object's pixels take its grey, the second over the first."""
    size = cfg.image_size
    img = np.repeat(background.astype(np.uint8), size * size).reshape(-1, size, size)
    for obj in range(2):
        rows = np.flatnonzero(present[:, obj])
        mask = raster.span_mask(first[rows, obj], last[rows, obj], size)
        img[rows] = np.where(mask, greys[rows, obj, None, None].astype(np.uint8), img[rows])
    return img


def _render_antialiased(cfg, vertices, types, background, greys) -> np.ndarray:
    """Each pixel blends towards an object's grey by the share of it the object covers."""
    size = cfg.image_size
    img = np.repeat(background.astype(np.float64), size * size).reshape(-1, size, size)
    for obj in range(2):
        rows = np.flatnonzero(types[:, obj] >= 0)
        n = np.asarray(SHAPE_VERTICES)[types[rows, obj]]
        cov = raster.coverage(vertices[rows, obj], n, size, sub=4)
        img[rows] = img[rows] * (1 - cov) + greys[rows, obj, None, None] * cov
    return np.rint(img).astype(np.uint8)
