"""Fig. 1: a grid of Shapeset-3x2 examples at 64x64, as in the paper, with their classes.

python -m analysis.figures.fig1 [--rows 4 --cols 8 --seed 0 --out results/figures]
"""

from __future__ import annotations

import argparse

import matplotlib.pyplot as plt
import numpy as np

from analysis.runs.output import save, stamp
from shapeset import CLASS_NAMES, ShapesetConfig, generate


def draw(rows: int = 4, cols: int = 8, seed: int = 0, image_size: int = 64):
    cfg = ShapesetConfig(image_size=image_size)
    batch = generate(cfg, seed, "test", np.arange(rows * cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols, 1.7 * rows + 0.5))
    for ax, img, label in zip(axes.flat, batch.images, batch.labels, strict=True):
        ax.imshow(img, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        ax.set_title(CLASS_NAMES[label].replace(" + ", " +\n"), fontsize=7)
        ax.set_axis_off()
    fig.suptitle("Fig. 1 - Shapeset-3x2 examples", fontsize=11)
    stamp(
        fig,
        f"image size {image_size} px (training uses 32), hard edges filled as the author's "
        f"pygame drew them (fill={cfg.fill}), test split "
        f"examples 0-{rows * cols - 1}, seed {seed}; Glorot & Bengio (2010) Fig. 1",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    return fig


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=4)
    p.add_argument("--cols", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--out", default=None, help="output folder (default results/figures)")
    a = p.parse_args(argv)
    for path in save(draw(a.rows, a.cols, a.seed, a.image_size), "fig1", a.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
