"""The author's rasterizer: pygame's polygon fill, as his `buildfeaturespolygon.py` calls it
(`pygame.draw.polygon(surface, grey, vertices, 0)` on a 32 x 32 surface, pygame 1.8.1).

`pygame18_mask` transcribes pygame 1.8's C `draw_fillpoly` line by line (src/draw.c, 2008;
unchanged through 1.9.1, 2010): a slow scalar reference written from that source, not from
the package. `pygame_mask` runs the real pygame: 2.5.2 (pinned in the dev extra) keeps that
integer fill and adds one stroke, on horizontal edges strictly inside the polygon's rows
(pygame 1.9.5); `inner_flat_edge_pixels` names those pixels. pygame 2.6 moved the fill to
floating point, which is why the pin.
"""

import os

import numpy as np
import pytest


def pygame_mask(vertices: np.ndarray, size: int) -> np.ndarray:
    """Pixels (row, column) that `pygame.draw.polygon(surface, colour, vertices, 0)` fills."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    pygame = pytest.importorskip("pygame", reason="pygame 2.5.2 is a dev extra (Python < 3.13)")
    surface = pygame.Surface((size, size), depth=8)
    surface.fill(0)
    pygame.draw.polygon(surface, 255, [tuple(map(float, p)) for p in vertices], 0)
    return pygame.surfarray.array2d(surface).T > 0  # surfarray is indexed [x, y]


def _c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def pygame18_mask(vertices: np.ndarray, size: int) -> np.ndarray:
    """pygame 1.8's `polygon()` (int() of each coordinate) and `draw_fillpoly`."""
    vx = [int(x) for x, _ in vertices]
    vy = [int(y) for _, y in vertices]
    n = len(vx)
    mask = np.zeros((size, size), dtype=bool)
    miny, maxy = min(vy), max(vy)
    for y in range(miny, maxy + 1):
        ints = []
        for i in range(n):
            ind1, ind2 = (n - 1, 0) if i == 0 else (i - 1, i)
            y1, y2 = vy[ind1], vy[ind2]
            if y1 < y2:
                x1, x2 = vx[ind1], vx[ind2]
            elif y1 > y2:
                y2, y1 = vy[ind1], vy[ind2]
                x2, x1 = vx[ind1], vx[ind2]
            else:
                continue
            if (y >= y1 and y < y2) or (y == maxy and y > y1 and y <= y2):
                ints.append(_c_div((y - y1) * (x2 - x1), y2 - y1) + x1)
        ints.sort()
        for i in range(0, len(ints), 2):  # drawhorzlineclip: both ends, clipped
            mask[y, max(ints[i], 0) : min(ints[i + 1], size - 1) + 1] = True
    return mask


def inner_flat_edge_pixels(vertices: np.ndarray, size: int) -> np.ndarray:
    """Pixels of the horizontal edges pygame >= 1.9.5 strokes: both ends on one integer row
    strictly between the polygon's top and bottom rows."""
    x, y = np.trunc(vertices[:, 0]).astype(int), np.trunc(vertices[:, 1]).astype(int)
    mask = np.zeros((size, size), dtype=bool)
    for i in range(len(y)):
        if y[i] == y[i - 1] and y.min() < y[i] < y.max():
            lo, hi = sorted((x[i], x[i - 1]))
            mask[y[i], lo : hi + 1] = True
    return mask
