"""Shapeset generation speed on one core, side by side in one run.

Compares the suite's vectorized generator (raw batches and the training stream) with a
straightforward per-image reference renderer written here: PIL ImageDraw polygons with the
same sampling parameters and an exact, mask-based overlap check.

    python -m benchmarks.bench_shapeset [--seconds 3] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import time

import numpy as np
import torch
from PIL import Image, ImageDraw

from shapeset import ShapesetConfig, ShapesetStream, generate


def reference_image(rng: np.random.RandomState, size: int = 32):
    """One image the plain way: a Python loop over objects, PIL fills, numpy overlap."""
    light_bg = rng.rand() < 0.5
    bg = rng.randint(140, 256) if light_bg else rng.randint(0, 115)
    img = Image.new("L", (size, size), int(bg))
    masks, types = [], []
    for _ in range(rng.randint(1, 3)):
        kind = rng.randint(3)
        n = (3, 4, 20)[kind]
        steps = 255
        half = (steps // n) // 2
        sector = 2 * math.pi * rng.randint(-half, half + 1) / steps
        turn = 2 * math.pi * rng.randint(steps) / steps
        for _ in range(50):
            a, b = rng.uniform(0.2, 0.8, 2) * size
            sx, sy = max(a, b), min(a, b)
            back = -math.atan2(sy * math.sin(sector), sx * math.cos(sector))
            pts = []
            for t in range(n):
                ang = 2 * math.pi * (t / n + 1 / (2 * n) + 1 / 4) + sector
                x, y = 0.5 * math.cos(ang) * sx, 0.5 * math.sin(ang) * sy
                c, s = math.cos(back + turn), math.sin(back + turn)
                pts.append((x * c - y * s, x * s + y * c))
            xs, ys = zip(*pts, strict=True)
            cx = rng.uniform(1 - min(xs), size - 1 - max(xs))
            cy = rng.uniform(1 - min(ys), size - 1 - max(ys))
            poly = [(x + cx - 0.5, y + cy - 0.5) for x, y in pts]
            m = Image.new("1", (size, size), 0)
            ImageDraw.Draw(m).polygon(poly, fill=1)
            mask = np.asarray(m)
            if not masks or (mask & masks[0]).sum() <= 0.5 * masks[0].sum():
                break
        else:
            break
        grey = rng.randint(0, 115) if light_bg else rng.randint(140, 256)
        ImageDraw.Draw(img).polygon(poly, fill=int(grey))
        masks.append(mask)
        types.append(kind)
    return np.asarray(img), types


def _rate(step, n_per_call: int, seconds: float) -> float:
    step()  # warm-up
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        done += n_per_call
    return done / (time.perf_counter() - t0)


def run(seconds: float) -> list[dict]:
    cfg, centers = ShapesetConfig(), ShapesetConfig(fill="centers")  # author's fill: default
    counter = itertools.count()

    def raw(batch, cfg=cfg):
        return lambda: generate(cfg, 0, "train", next(counter) * batch + np.arange(batch))

    def stream(batch):
        it = iter(ShapesetStream(cfg, 0, batch_size=batch))
        return lambda: next(it)

    rng = np.random.RandomState(0)
    cases = [
        ("suite: training stream, batch 10", stream(10), 10),
        ("suite: training stream, batch 1000", stream(1000), 1000),
        ("suite: generate(), batch 10 (no chunking)", raw(10), 10),
        ("suite: generate(), batch 1000", raw(1000), 1000),
        ("suite: generate(), batch 1000, fill=centers", raw(1000, centers), 1000),
        ("reference: per-image PIL renderer", lambda: reference_image(rng), 1),
    ]
    return [{"case": name, "images_per_s": round(_rate(f, n, seconds))} for name, f, n in cases]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0, help="time per case")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a = p.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    torch.set_num_threads(1)
    rows = run(a.seconds)
    ref = rows[-1]["images_per_s"]
    for r in rows:
        r["vs_reference"] = round(r["images_per_s"] / ref, 1)
    meta = {
        "machine": platform.processor() or platform.machine(),
        "cores_used": 1,
        "image_size": 32,
        "target_batch_1000": 25_000,
    }
    if a.json:
        print(json.dumps({"meta": meta, "results": rows}, indent=2))
        return
    print(f"Shapeset-3x2 generation, 32x32, one core ({meta['machine']}), {a.seconds:g} s a case")
    print(f"{'case':<46} {'images/s':>10} {'x reference':>12}")
    for r in rows:
        print(f"{r['case']:<46} {r['images_per_s']:>10,} {r['vs_reference']:>12}")
    ok = rows[1]["images_per_s"] >= meta["target_batch_1000"]
    print(f"target >= 25,000 images/s at batch 1000: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
