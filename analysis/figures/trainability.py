"""Where tanh nets train over (sigma_w^2, depth): each net's test error after its budget as
a heat map, with Schoenholz et al.'s (2017) 6 xi_c drawn over it.

    python -m analysis.figures trainability [--runs-dir DIR]
        -> results/figures/trainability.{png,pdf}

Runs: `make reproduce-trainability` (experiment "trainability": MNIST, tanh, init=mean_field
over sigma_w^2 x depth at one sigma_b^2, one rate and budget for every net).
"""

from __future__ import annotations

import math

import numpy as np

from analysis.claims.index import claim
from analysis.claims.rules import CHANCE_BY_DATA, HOLDS, NOT_AT_SCALE, Check
from analysis.runs.output import save, stamp
from analysis.runs.store import RunMissing, every_run, figure_parser
from analysis.scans import mean_field as mf

EXPERIMENT = "trainability"
CHANCE = CHANCE_BY_DATA["mnist"]
TRAINED = CHANCE / 2  # ours: a net trained ends below half of chance's error
AGREEMENT = 0.8  # ours: share of nets where "trained" and "depth <= 6 xi_c" agree


def cells(runs_dir=None) -> dict:
    """(sigma_w^2, depth) -> test error, and the setting the runs share."""
    runs = every_run(EXPERIMENT, runs_dir)
    if not runs:
        raise RunMissing(f"no {EXPERIMENT} runs: run `make reproduce-trainability`")
    out = {}
    for r in runs:
        key = (float(r.config["init"]["sigma_w2"]), int(r.config["model"]["depth"]))
        done = r.summary.get("status") == "complete"
        out[key] = float(r.summary["final_test_error"]) if done else CHANCE
    first = runs[0]
    setting = {
        "sigma_b2": float(first.config["init"]["sigma_b2"]),
        "width": int(first.config["model"]["width"]),
        "lr": float(first.summary["lr"]),
        "batch": int(first.config["optim"]["batch_size"]),
        "examples": int(first.summary["examples_seen"]),
        "seed": first.seed,
    }
    return {"errors": out, "setting": setting}


def six_xi(sw2: float, sb2: float) -> float:
    return 6 * mf.depth_scale(sw2, sb2, np.tanh, mf.dtanh)["xi_c"]


def checks(grid: dict) -> list[Check]:
    sb2 = grid["setting"]["sigma_b2"]
    scales = {w: six_xi(w, sb2) for w in {w for w, _ in grid["errors"]}}
    agree = [(e < TRAINED) == (d <= scales[w]) for (w, d), e in grid["errors"].items()]
    share = sum(agree) / len(agree)
    trained = sum(e < TRAINED for e in grid["errors"].values())
    return [
        Check(claim("trainability-follows-depth-scale"),
              f"{sum(agree)} of {len(agree)} nets agree ({100 * share:.0f}%; ours: >= "
              f"{100 * AGREEMENT:.0f}%); {trained} trained (test error below "
              f"{100 * TRAINED:.1f}%) after {grid['setting']['examples']:,} examples",
              HOLDS if share >= AGREEMENT else NOT_AT_SCALE),
    ]  # fmt: skip


def draw(grid: dict):
    import matplotlib.pyplot as plt

    s = grid["setting"]
    widths = sorted({w for w, _ in grid["errors"]})
    depths = sorted({d for _, d in grid["errors"]})
    image = np.full((len(depths), len(widths)), np.nan)
    for (w, d), e in grid["errors"].items():
        image[depths.index(d), widths.index(w)] = 100 * e
    fig, ax = plt.subplots(figsize=(8.5, 5.8))
    shown = ax.imshow(image, origin="lower", cmap="magma_r", vmin=0, vmax=100 * CHANCE,
                      aspect="auto")  # fmt: skip
    fig.colorbar(shown, ax=ax, label=f"test error after {s['examples']:,} examples (%)")
    for i in range(len(depths)):
        for j in range(len(widths)):
            if not math.isnan(image[i, j]):
                ax.text(j, i, f"{image[i, j]:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if image[i, j] > 50 else "black")  # fmt: skip
    # 6 xi_c in the image's coordinates: sigma_w^2 by its index, depth by log2 (depths double)
    fine = np.linspace(widths[0], widths[-1], 200)
    bound = np.array([six_xi(w, s["sigma_b2"]) for w in fine])
    x = np.interp(fine, widths, np.arange(len(widths)))
    ratio = depths[1] / depths[0] if len(depths) > 1 else 2.0  # the grid's depths double
    y = np.log(np.clip(bound, 1e-3, 1e6) / depths[0]) / np.log(ratio)
    ax.plot(x, y, color="deepskyblue", lw=2.2, label="6 xi_c (Schoenholz et al. 2017)")
    ax.set_ylim(-0.5, len(depths) - 0.5)
    ax.set_xticks(range(len(widths)), [f"{w:g}" for w in widths])
    ax.set_yticks(range(len(depths)), [str(d) for d in depths])
    ax.set_xlabel("sigma_w^2 = n Var[W]  (ordered <- edge of chaos -> chaotic)")
    ax.set_ylabel("hidden layers")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8)
    ax.set_title("Where tanh nets train: MNIST test error over sigma_w^2 x depth")
    stamp(fig, f"tanh, {s['width']} units per layer, init=mean_field (sigma_b^2 "
          f"{s['sigma_b2']:g}), SGD lr {s['lr']:g}, batch {s['batch']}, "
          f"{s['examples']:,} examples (one pass over MNIST's 50,000), seed {s['seed']}, "
          f"one net per cell; `make reproduce-trainability`")  # fmt: skip
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def main(argv=None) -> None:
    a = figure_parser("trainability heat map", profile=None).parse_args(argv)
    try:
        grid = cells(a.runs_dir)
    except RunMissing as e:
        raise SystemExit(f"error: {e}") from None
    for path in save(draw(grid), "trainability", a.out):
        print(f"wrote {path}")
    for c in checks(grid):
        print(f"{c.claim}: {c.ours}. Verdict: {c.verdict}")
