"""Figs. 6, 7, 8: per-layer normalized histograms at initialization, standard vs normalized.

Reads the `at_init` runs (tanh, 5 x 1000, probed on the 300-example Shapeset probe set)
and draws one curve per layer, standard init on top, normalized init below, like the paper.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from analysis.runs.output import save, stamp
from analysis.runs.store import RunMissing, architecture, figure_parser, load_run

QUANTITY = {
    6: ("act", "activation value", "Activation values (tanh) at initialization"),
    7: (
        "backprop",
        "back-propagated gradient dC/ds",
        "Back-propagated gradients at initialization",
    ),
    8: ("wgrad", "weight gradient dC/dW", "Weight gradients just after initialization"),
}
INITS = (
    ("standard", "Standard initialization (Eq. 1)"),
    ("normalized", "Normalized initialization (Eq. 16)"),
)
DISPLAY_BINS = 120  # bins shown across the visible window


def density_curves(probes: dict, q: str, probe_index: int = 0, window: float | None = None):
    """(centres, densities per layer, window): bins merged so ~DISPLAY_BINS span the window."""
    edges, hist = probes[f"{q}_edges"][probe_index], probes[f"{q}_hist"][probe_index]
    outside = probes[f"{q}_outside"][probe_index]
    if window is None:  # symmetric, covering the 2-98% range of every layer with room
        spread = np.abs(
            np.stack([probes[f"{q}_p2"][probe_index], probes[f"{q}_p98"][probe_index]])
        ).max()
        window = min(2.0 * spread, float(edges[-1]))
    width = edges[1] - edges[0]
    merge = max(1, int(round(2 * window / width / DISPLAY_BINS)))
    n = (hist.shape[1] // merge) * merge
    counts = hist[:, :n].reshape(len(hist), -1, merge).sum(-1)
    coarse = edges[: n + 1 : merge]
    totals = hist.sum(1) / (1 - outside)  # every value, the ones outside the bins too
    dens = counts / totals[:, None] / (width * merge)
    return (coarse[:-1] + coarse[1:]) / 2, dens, window


def activation_window(probes: dict) -> float:
    """Half-width that shows an activation's whole binned range: 1 for sigmoid, tanh and
    softsign, probe.unbounded_range for ReLU and the identity."""
    return float(np.abs(probes["act_edges"][0][[0, -1]]).max())


def plot_layers(ax, probes: dict, q: str, probe_index: int = 0, window: float | None = None):
    """One normalized-histogram curve per layer of quantity `q` at one probe; the window."""
    x, dens, window = density_curves(probes, q, probe_index, window)
    colors = plt.cm.viridis(np.linspace(0, 0.9, max(5, len(dens))))
    for layer, d in enumerate(dens):
        ax.plot(x, d, color=colors[layer], lw=1.4, label=f"Layer {layer + 1}")
    ax.set_xlim(-window, window)
    ax.set_ylim(bottom=0)
    return window


def draw(figure: int, runs_dir=None, seed: int = 0):
    q, xlabel, title = QUANTITY[figure]
    target = f"reproduce-fig{figure}"
    runs = {init: load_run("at_init", {"init": init}, seed, runs_dir, target) for init, _ in INITS}
    fig, axes = plt.subplots(2, 1, figsize=(7, 6.6))
    for ax, (init, label) in zip(axes, INITS, strict=True):
        plot_layers(ax, runs[init].probes, q, 0, 1.0 if q == "act" else None)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel("normalized histogram")
        ax.legend(fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(xlabel)
    if q == "wgrad":  # the panels' x scales differ: say how much wider, not only in the ticks
        std = {init: runs[init].probes["wgrad_std"][0].mean() for init, _ in INITS}
        axes[1].text(0.98, 0.95, f"{std['normalized'] / std['standard']:.1f}x wider than under "
                     "standard init\n(mean std over layers)", transform=axes[1].transAxes,
                     ha="right", va="top", fontsize=8)  # fmt: skip
    fig.suptitle(f"Fig. {figure} - {title}", fontsize=11)
    s, c = runs["standard"].summary, runs["standard"].config
    n_probe, b = c["profile"]["probe_size"], c["probe"]["grad_batch_size"]
    detail = {
        "act": "",
        "backprop": "; dC/ds: each example's own cost",
        "wgrad": f"; dC/dW: mean cost of mini-batches of {b}, {n_probe // b} pooled",
    }[q]
    arch = architecture(c)
    stamp(
        fig,
        f"{c['activation']['name']}, {arch}, Shapeset probe set ({n_probe} test examples), "
        f"at initialization ({s['examples_seen']} examples seen), data seed {s['seed']}, "
        f"model seed {s['model_seed']}{detail}",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    return fig


def main(figure: int, argv=None) -> None:
    p = figure_parser(f"Fig. {figure}: {QUANTITY[figure][2]}", profile=None)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    try:
        fig = draw(figure, a.runs_dir, a.seed)
    except RunMissing as e:
        raise SystemExit(f"error: {e}") from None
    for path in save(fig, f"fig{figure}", a.out):
        print(f"wrote {path}")
