"""Shape construction and placement, vectorized over a batch (the author's `_corners`).

A regular polygon on a circle of radius 0.5 with a horizontal base is turned within one
symmetry sector, stretched by two scales (larger along x), turned back so its base is
horizontal again, then given the final rotation: this yields arbitrary triangles,
parallelograms and (20-gon) ellipses. Polygons are padded to 20 vertices by repeating the
last one, which adds only zero-length edges.
"""

from __future__ import annotations

import numpy as np

from .config import SHAPE_VERTICES, ShapesetConfig

MAX_VERTICES = max(SHAPE_VERTICES)


def _regular_polygon(n: int) -> np.ndarray:
    t = np.arange(n)
    angle = 2 * np.pi * (t / n + 1 / (2 * n) + 1 / 4)
    pts = 0.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return np.concatenate([pts, np.repeat(pts[-1:], MAX_VERTICES - n, axis=0)])


BASE_POLYGONS = np.stack([_regular_polygon(n) for n in SHAPE_VERTICES])  # (3, 20, 2)


def _rotate(points: np.ndarray, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x, y = points[..., 0], points[..., 1]
    return np.stack([x * c - y * s, x * s + y * c], axis=-1)


def angles(cfg: ShapesetConfig, types: np.ndarray, u_sector: np.ndarray, u_rot: np.ndarray):
    """(sector turn, final rotation) in radians, on the author's discrete steps if any."""
    n = np.asarray(SHAPE_VERTICES)[types]
    steps = cfg.rotation_steps
    if steps == 0:
        return (u_sector * 2 - 1) * np.pi / n, u_rot * 2 * np.pi
    half = (steps // n) // 2  # sector steps either side of 0, as in the author's code
    k_sector = np.floor(u_sector * (2 * half + 1)) - half
    k_rot = np.floor(u_rot * steps)
    return 2 * np.pi * k_sector / steps, 2 * np.pi * k_rot / steps


def shape(
    cfg: ShapesetConfig,
    types: np.ndarray,
    sector: np.ndarray,
    rotation: np.ndarray,
    u_scale_a: np.ndarray,
    u_scale_b: np.ndarray,
) -> np.ndarray:
    """Vertices (B, 20, 2) of each object centred on the origin, in pixels."""
    span = cfg.scale_max - cfg.scale_min
    a = (cfg.scale_min + u_scale_a * span) * cfg.image_size
    b = (cfg.scale_min + u_scale_b * span) * cfg.image_size
    sx, sy = np.maximum(a, b), np.minimum(a, b)
    pts = _rotate(BASE_POLYGONS[types], sector)
    pts = pts * np.stack([sx, sy], axis=-1)[:, None, :]
    turn_back = -np.arctan2(sy * np.sin(sector), sx * np.cos(sector))
    return _rotate(pts, turn_back + rotation)


def place(cfg: ShapesetConfig, pts: np.ndarray, u_x: np.ndarray, u_y: np.ndarray) -> np.ndarray:
    """Translate uniformly so the whole object lies inside the image with the margin."""
    lo = cfg.margin - pts.min(axis=1)  # (B, 2)
    hi = cfg.image_size - cfg.margin - pts.max(axis=1)
    centre = lo + np.stack([u_x, u_y], axis=-1) * (hi - lo)
    return pts + centre[:, None, :]
