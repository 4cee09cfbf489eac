"""Plots of the design grid (depth x activation x loss x init, times seeds) from its runs.

    python -m analysis.figures.grid [--profile grid] [--slice model.depth=5]
        -> results/figures/grid_*

- grid_error_vs_depth: final test error vs depth per activation x init, a panel per loss,
  mean +- std over seeds; diverged / failed runs are counted on the plot, not averaged.
- grid_curves: test error vs examples seen for one slice of the grid (default: depth 5).
- grid_saturation: share of saturated units per layer at the end of training, everywhere.
- grid_ce_vs_quadratic: where each net leaves the chance-level plateau, cross-entropy vs
  quadratic (section 4.1, Fig. 5's argument, on trained nets).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from itertools import product
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from analysis.claims.rules import CHANCE_BY_DATA, PLATEAU_MARGIN, plateau_exit
from analysis.figures.dynamics import model_label
from analysis.runs.aggregate import collect
from analysis.runs.output import profile_suffix, save, stamp
from analysis.runs.store import RUNS_DIR, profile_arg
from experiments.run_store import RunStore

ACTIVATIONS = ("sigmoid", "tanh", "softsign")
INITS = ("standard", "normalized")
LOSSES = ("cross_entropy", "quadratic")
DEPTHS = (1, 2, 3, 4, 5)
COLORS = {"sigmoid": "tab:red", "tanh": "tab:blue", "softsign": "tab:green"}
LINESTYLE = {"standard": "-", "normalized": "--"}
LOSS_LABEL = {"cross_entropy": "cross-entropy", "quadratic": "quadratic"}
CHANCE = CHANCE_BY_DATA["shapeset"]


class GridMissing(RuntimeError):
    """No grid runs at the asked profile."""


def grid_rows(runs_dir=RUNS_DIR, profile: str = "grid") -> list[dict]:
    rows = [r for r in collect(runs_dir, "grid") if r.get("profile") == profile]
    if not rows:
        raise GridMissing(
            f"no runs of the design grid at profile {profile!r} under {Path(runs_dir) / 'grid'}; "
            f"produce them with `make sweep-grid GRID_PROFILE={profile}`"
        )
    return rows


def by_setting(rows: list[dict], keys=("activation", "init", "loss", "depth")) -> dict:
    out = defaultdict(list)
    for r in rows:
        out[tuple(r.get(k) for k in keys)].append(r)
    return out


def scale_text(rows: list[dict], what: str) -> str:
    seen = sorted({r["examples_seen"] for r in rows if r["status"] == "complete"})
    seeds = sorted({r["seed"] for r in rows})
    lrs = sorted({(r["activation"], r["init"], r["lr"]) for r in rows if r.get("lr")})
    lr_text = ", ".join(f"{model_label(a, i)} {lr:g}" for a, i, lr in lrs)
    counts = defaultdict(int)
    for r in rows:
        counts[r["status"]] += 1
    status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return (
        f"{what}; profile {rows[0]['profile']}, {', '.join(f'{s:,}' for s in seen)} examples "
        f"per run (the paper: 25,000,000), seeds {', '.join(map(str, seeds))}; {len(rows)} "
        f"runs ({status}); lr {lr_text}"
    )


def depth_curve(runs_by_depth: dict[int, list[dict]]):
    """Depths with complete runs, mean and std (over seeds) of their final test error in %,
    and the depths where some run diverged or failed (not averaged in)."""
    xs, means, stds, bad = [], [], [], []
    for d in DEPTHS:
        runs = runs_by_depth.get(d, [])
        done = [100 * r["final_test_error"] for r in runs if r["status"] == "complete"]
        if done:
            xs.append(d)
            means.append(float(np.mean(done)))
            stds.append(float(np.std(done, ddof=1)) if len(done) > 1 else 0.0)
        if any(r["status"] in ("diverged", "failed") for r in runs):
            bad.append(d)
    return xs, means, stds, bad


def error_vs_depth(rows: list[dict]):
    groups = by_setting(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    for ax, loss in zip(axes, LOSSES, strict=True):
        for act in ACTIVATIONS:
            for init in INITS:
                xs, means, stds, bad = depth_curve(
                    {d: groups.get((act, init, loss, d), []) for d in DEPTHS}
                )
                style = dict(color=COLORS[act], ls=LINESTYLE[init])
                ax.errorbar(
                    xs,
                    means,
                    yerr=stds,
                    marker="o",
                    ms=4,
                    capsize=3,
                    lw=1.3,
                    label=model_label(act, init),
                    **style,
                )
                ax.plot(bad, [97] * len(bad), "x", ms=8, color=COLORS[act])
        ax.axhline(100 * CHANCE, color="0.5", lw=0.8, ls=":")
        ax.text(1, 100 * CHANCE + 1, "chance (83.3%)", fontsize=7, color="0.4")
        ax.set(
            xlabel="hidden layers (x 1000 units)",
            xticks=DEPTHS,
            ylim=(0, 100),
            title=f"{LOSS_LABEL[loss]} cost",
        )
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("final test error (%)")
    axes[1].legend(fontsize=8, frameon=False, ncol=2, loc="lower left")
    fig.suptitle(
        "Design grid: test error at the end of training vs depth "
        "(mean +- std over seeds; x at 97%: a diverged or failed run)"
    )
    stamp(fig, scale_text(rows, "N = normalized init"))
    return fig


def _curve(runs_dir: Path, row: dict) -> tuple[np.ndarray, np.ndarray]:
    metrics = RunStore(runs_dir / row["run_dir"]).metrics()
    return (
        np.array([m["examples"] for m in metrics]),
        100 * np.array([m["test_error"] for m in metrics]),
    )


def curves(rows: list[dict], runs_dir: Path, where: dict[str, object]):
    chosen = [r for r in rows if all(str(r.get(k)) == str(v) for k, v in where.items())]
    chosen = [r for r in chosen if r["status"] in ("complete", "diverged")]
    if not chosen:
        raise GridMissing(f"no finished grid runs with {where}")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    for ax, loss in zip(axes, LOSSES, strict=True):
        for (act, init, _, depth), runs in sorted(by_setting(chosen).items(), key=str):
            if runs[0]["loss"] != loss:
                continue
            pts = [_curve(runs_dir, r) for r in runs]
            n = min(len(x) for x, _ in pts)
            x, err = pts[0][0][:n], np.mean([e[:n] for _, e in pts], axis=0)
            name = model_label(act, init) + ("" if "depth" in where else f" d{depth}")
            ax.plot(
                x,
                err,
                color=COLORS[act],
                ls=LINESTYLE[init],
                lw=1.3,
                label=f"{name}: {err[-1]:.1f}%",
            )
        ax.axhline(100 * CHANCE, color="0.5", lw=0.8, ls=":")
        ax.set(xlabel="examples seen", ylim=(0, 100), title=f"{LOSS_LABEL[loss]} cost")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0), useMathText=True)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="lower left")
    axes[0].set_ylabel("test error (%), mean over seeds")
    what = ", ".join(f"{k}={v}" for k, v in where.items())
    fig.suptitle(f"Design grid: test error during training, {what}")
    stamp(fig, scale_text(chosen, "final error in the legend"))
    return fig


def saturation_map(rows: list[dict]):
    groups = by_setting([r for r in rows if r["status"] == "complete"])
    fig, axes = plt.subplots(2, 3, figsize=(11, 7.5), sharex=True, sharey=True)
    ylabels = [f"{'N' if i == 'normalized' else 'std'} d{d}" for i in INITS for d in DEPTHS]
    image = None
    for (li, loss), (ai, act) in product(enumerate(LOSSES), enumerate(ACTIVATIONS)):
        ax = axes[li, ai]
        grid = np.full((len(INITS) * len(DEPTHS), 5), np.nan)
        for ii, init in enumerate(INITS):
            for d in DEPTHS:
                runs = groups.get((act, init, loss, d), [])
                vals = [[r.get(f"end_saturation_l{k + 1}") for k in range(d)] for r in runs]
                if vals:
                    grid[ii * len(DEPTHS) + d - 1, :d] = 100 * np.mean(vals, axis=0)
        image = ax.imshow(grid, cmap="magma_r", vmin=0, vmax=100, aspect="auto")
        for (y, x), v in np.ndenumerate(grid):
            if not np.isnan(v):
                ax.text(
                    x,
                    y,
                    f"{v:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if v > 50 else "black",
                )
        ax.set_title(f"{act}, {LOSS_LABEL[loss]}", fontsize=9)
        ax.set_xticks(range(5), [f"L{k + 1}" for k in range(5)])
        ax.set_yticks(range(len(ylabels)), ylabels, fontsize=7)
        ax.axhline(len(DEPTHS) - 0.5, color="0.3", lw=0.8)
    fig.colorbar(image, ax=axes, shrink=0.6, label="saturated units at the end (%)")
    fig.suptitle(
        "Design grid: saturation per layer at the end of training "
        "(sigmoid < 0.1 or > 0.9; tanh, softsign |z| > 0.8); rows: init (std / N) "
        "and depth",
        fontsize=10,
    )
    stamp(fig, scale_text(rows, "300 probe examples, mean over seeds"))
    return fig


def plateau_pairs(rows: list[dict], runs_dir: Path) -> list[tuple[str, int | None, int | None]]:
    """Per (activation, init, depth, seed) present with both losses: where each leaves chance."""
    exits = {}
    for r in rows:
        if r["status"] in ("complete", "diverged"):
            x, err = _curve(runs_dir, r)
            key = (r["activation"], r["init"], r["depth"], r["seed"])
            exits.setdefault(key, {})[r["loss"]] = plateau_exit(err / 100, x, CHANCE)
    return [
        (f"{model_label(a, i)} d{d} s{s}", e["cross_entropy"], e["quadratic"])
        for (a, i, d, s), e in sorted(exits.items())
        if len(e) == 2
    ]


def ce_vs_quadratic(rows: list[dict], runs_dir: Path):
    pairs = plateau_pairs(rows, runs_dir)
    budget = max(r["examples_seen"] for r in rows if r.get("examples_seen"))
    never = 1.12 * budget
    threshold = f"{100 * (CHANCE - PLATEAU_MARGIN):.1f}%"
    fig, ax = plt.subplots(figsize=(6, 5.4))
    jitter = np.random.default_rng(0).uniform(-0.015, 0.015, (len(pairs), 2)) * budget
    for (name, ce, quad), (jx, jy) in zip(pairs, jitter, strict=True):
        act = name.split()[0].lower()
        x, y = never if ce is None else ce, never if quad is None else quad
        ax.plot(
            x + jx,
            y + jy,
            "o" if " N " not in name else "s",
            color=COLORS[act],
            ms=6,
            alpha=0.7,
            mfc="none" if (ce is None or quad is None) else COLORS[act],
        )
    ax.plot([0, never], [0, never], color="0.5", lw=0.8)
    ax.axhline(budget, color="0.7", lw=0.6, ls=":")
    ax.axvline(budget, color="0.7", lw=0.6, ls=":")
    ax.set(
        xlim=(0, 1.18 * budget),
        ylim=(0, 1.18 * budget),
        xlabel=f"cross-entropy: examples until test error <= {threshold}",
        ylabel=f"quadratic: examples until test error <= {threshold}",
        title="Leaving the chance plateau: above the diagonal,\nthe quadratic cost is slower",
    )
    ax.text(never, 0.02 * budget, "never", rotation=90, fontsize=7, ha="center", va="bottom")
    ax.text(0.02 * budget, never, "never", fontsize=7, va="center")
    stuck = sum(ce is None and quad is None for _, ce, quad in pairs)
    ax.annotate(
        f"{stuck} never\nleave either",
        (never, never),
        (0.8 * budget, 0.9 * budget),
        fontsize=7,
        arrowprops={"arrowstyle": "->", "color": "0.4"},
    )
    for act in ACTIVATIONS:
        ax.plot([], [], "o", color=COLORS[act], label=act)
    ax.plot([], [], "s", color="0.4", label="normalized init (circles: standard)")
    # below the diagonal and left of the never-left column: no point falls there
    ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0.5, 0.02))
    ax.ticklabel_format(style="sci", scilimits=(0, 0), useMathText=True)
    ax.grid(alpha=0.3)
    stamp(
        fig,
        scale_text(
            rows,
            "one point per depth x activation x init x seed (jittered by +-1.5% of the budget); "
            "hollow: one of the two never left",
        ),
    )
    return fig


def parse_slice(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"error: --slice wants key=value, got {item!r}")
        out[{"model.depth": "depth"}.get(key, key)] = value
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", type=profile_arg, default="grid")
    p.add_argument("--runs-dir", default=str(RUNS_DIR))
    p.add_argument(
        "--slice",
        nargs="*",
        default=["model.depth=5"],
        help="the curves' slice, e.g. activation=tanh init=normalized",
    )
    p.add_argument("--out", default=None, help="output folder (default results/figures)")
    a = p.parse_args(argv)
    runs_dir = Path(a.runs_dir)
    try:
        rows = grid_rows(runs_dir, a.profile)
        figures = {
            "grid_error_vs_depth": error_vs_depth(rows),
            "grid_curves": curves(rows, runs_dir, parse_slice(a.slice)),
            "grid_saturation": saturation_map(rows),
            "grid_ce_vs_quadratic": ce_vs_quadratic(rows, runs_dir),
        }
    except GridMissing as e:
        raise SystemExit(f"error: {e}") from None
    suffix = profile_suffix(a.profile, "grid")
    for name, fig in figures.items():
        if name != "grid_saturation":  # its colorbar places itself
            fig.tight_layout(rect=(0, 0.05, 1, 0.97))
        for path in save(fig, name + suffix, a.out):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
