"""Mean-field theory against the suite's own nets at initialization: does a wide random tanh
net carry two inputs' length and correlation through depth as the length and correlation
maps say, and does the back-propagated gradient's mean square change by the map's slope
per layer? (Poole et al. 2016; Schoenholz et al. 2017; theory in analysis.scans.mean_field.)

    python -m analysis.scans.mean_field_probes [--redraw]
        -> results/mean_field_probes.{json,md}, results/figures/mean_field_probes.*

Nets: `models.MLP`, tanh, `init=mean_field` (weights N(0, sigma_w^2 / n_in), biases
N(0, sigma_b^2)), WIDTH units x DEPTH layers, measured per layer and averaged over DRAWS
weight draws (one draw of 1000 units strays by ~sqrt(2/1000) = 4.5% in length per layer,
as the inputs nearly share a direction); inputs: the probe set's first
2 x PAIRS Shapeset test images, each rescaled to the set's mean squared length (ours: the
correlation map is for two inputs of one length), paired (0, 1), (2, 3), ... The theory
starts from layer 1's exact expectation given the inputs, then iterates the maps; the
gradient is the cross-entropy's, as in the depth scan.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from analysis.claims.index import claim
from analysis.claims.rules import HOLDS, NOT_AT_SCALE, Check
from analysis.runs.output import REPO_ROOT, stamp
from analysis.runs.records import claim_lines, scan_main
from analysis.scans import mean_field as mf
from analysis.scans.depth_scan import measure as probe_layers
from analysis.scans.depth_scan import probe_set
from models import MLP

RECORD = REPO_ROOT / "results" / "mean_field_probes.json"
SW2 = (1.0, 1.75, 3.0)  # ordered, at the edge, chaotic, for SB2 = 0.05
SB2 = 0.05  # Schoenholz et al.'s bias variance
DEPTH, WIDTH, PAIRS = 30, 1000, 64
DRAWS = 8  # weight draws averaged: the maps give the expectation over draws
C_TOLERANCE = 0.05  # ours: measured minus mapped correlation, at every layer
Q_TOLERANCE = 0.10  # ours: measured over mapped length, at every layer
GRAD_TOLERANCE = 0.05  # ours: geometric mean of measured over predicted gradient ratios


def inputs(pairs: int = PAIRS) -> torch.Tensor:
    x, _ = probe_set(2 * pairs)
    x = x.double()
    length = x.pow(2).mean(1, keepdim=True)
    return x * (length.mean() / length).sqrt()


def pair_correlation(s: torch.Tensor) -> float:
    """Mean over pairs (0, 1), (2, 3), ... of the cosine of their pre-activations."""
    a, b = s[0::2], s[1::2]
    return (torch.nn.functional.cosine_similarity(a, b, dim=1)).mean().item()


def theory(x: torch.Tensor, sw2: float, sb2: float, depth: int) -> dict[str, list[float]]:
    """Layer 1's expected length and pair correlation from the inputs, then the maps."""
    n = x.shape[1]
    q = sw2 * x.pow(2).sum(1).mean().item() / n + sb2
    c = (sw2 * (x[0::2] * x[1::2]).sum(1).mean().item() / n + sb2) / q
    out = {"q": [], "c": [], "grad_ratio": []}
    for _ in range(depth):
        out["q"].append(q)
        out["c"].append(c)
        out["grad_ratio"].append(mf.chi_1(q, sw2, mf.dtanh))  # dC/ds_l over dC/ds_{l+1}, squared
        q, c = mf.length_map(q, sw2, sb2, np.tanh), mf.correlation_map(c, q, sw2, sb2, np.tanh)
    return out


def one_draw(x: torch.Tensor, sw2: float, sb2: float, depth: int, width: int, seed: int):
    """Per layer: length q, pair correlation c, the gradient's mean square."""
    model = MLP(x.shape[1], [width] * depth, 6, "tanh", init="mean_field", seed=seed,
                init_options={"sigma_w2": sw2, "sigma_b2": sb2}).double()  # fmt: skip
    y = torch.zeros(len(x), dtype=torch.long)
    _, pre, _ = model.forward_trace(x)
    return np.array([
        [s.pow(2).mean().item() for s in pre],
        [pair_correlation(s.detach()) for s in pre],
        probe_layers(model, x, y)["grad_ms"],
    ])  # fmt: skip


def probe(sw2: float, sb2: float = SB2, depth: int = DEPTH, width: int = WIDTH) -> dict:
    x = inputs()
    q, c, grads = np.mean([one_draw(x, sw2, sb2, depth, width, s) for s in range(DRAWS)], 0)
    measured = {
        "q": q.tolist(),
        "c": c.tolist(),
        "grad_ratio": [grads[i] / grads[i + 1] for i in range(depth - 1)],
    }
    mapped = theory(x, sw2, sb2, depth)
    mapped["grad_ratio"] = mapped["grad_ratio"][: depth - 1]
    fixed = mf.depth_scale(sw2, sb2, np.tanh, mf.dtanh)
    return {"sigma_w2": sw2, "sigma_b2": sb2, "measured": measured, "theory": mapped,
            "fixed_point": fixed}  # fmt: skip


def measure() -> dict:
    return {"depth": DEPTH, "width": WIDTH, "pairs": PAIRS, "draws": DRAWS,
            "activation": "tanh", "nets": [probe(sw2) for sw2 in SW2]}  # fmt: skip


def gaps(net: dict) -> dict[str, float]:
    m, t = net["measured"], net["theory"]
    ratio = np.log(np.array(m["grad_ratio"]) / np.array(t["grad_ratio"]))
    return {
        "c": max(abs(a - b) for a, b in zip(m["c"], t["c"], strict=True)),
        "q": max(abs(a / b - 1) for a, b in zip(m["q"], t["q"], strict=True)),
        "grad": float(np.exp(ratio.mean()) - 1),
    }


def checks(record: dict) -> list[Check]:
    worst = {k: max(abs(gaps(n)[k]) for n in record["nets"]) for k in ("c", "q", "grad")}
    sw2 = ", ".join(f"{n['sigma_w2']:g}" for n in record["nets"])
    where = (f"{record['width']} units x {record['depth']} layers, sigma_w^2 {sw2}, sigma_b^2 "
             f"{record['nets'][0]['sigma_b2']:g}, mean of {record['draws']} draws")  # fmt: skip
    maps_ok = worst["c"] <= C_TOLERANCE and worst["q"] <= Q_TOLERANCE
    return [
        Check(claim("mean-field-maps-at-init"),
              f"largest gap over layers and nets: correlation {worst['c']:.3f} (ours: <= "
              f"{C_TOLERANCE}), length {100 * worst['q']:.1f}% (ours: <= "
              f"{100 * Q_TOLERANCE:.0f}%); {where}", HOLDS if maps_ok else NOT_AT_SCALE),
        Check(claim("mean-field-gradient-at-init"),
              f"measured over predicted per-layer ratio of the gradient's mean square, "
              f"geometric mean over layers, worst net: {100 * worst['grad']:+.1f}% (ours: "
              f"within {100 * GRAD_TOLERANCE:.0f}%); {where}",
              HOLDS if worst["grad"] <= GRAD_TOLERANCE else NOT_AT_SCALE),
    ]  # fmt: skip


def table(record: dict) -> str:
    lines = [
        "# Mean-field maps against the suite's nets at initialization",
        "",
        f"Tanh, {record['width']} units x {record['depth']} layers, weights N(0, sigma_w^2 / "
        f"n), biases N(0, sigma_b^2), mean of {record['draws']} weight draws; "
        f"{record['pairs']} pairs of Shapeset probe "
        "images rescaled to one length; theory from layer 1's expectation, then the maps "
        "(`make reproduce-order-chaos`).",
        "",
        "| sigma_w^2 | chi_1 at q* | xi_c | layer-30 correlation: measured / map | "
        "largest correlation gap | largest length gap | gradient ratio: measured / predicted |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in record["nets"]:
        g, f = gaps(n), n["fixed_point"]
        xi = "unbounded" if math.isinf(f["xi_c"]) else f"{f['xi_c']:.3g}"
        lines.append(
            f"| {n['sigma_w2']:g} | {f['chi_1']:.3f} | {xi} | {n['measured']['c'][-1]:.3f} / "
            f"{n['theory']['c'][-1]:.3f} | {g['c']:.3f} | {100 * g['q']:.1f}% | "
            f"{1 + g['grad']:.3f} |"
        )
    return "\n".join([*lines, "", *claim_lines(checks(record))]) + "\n"


def draw(record: dict):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    layers = np.arange(1, record["depth"] + 1)
    for n, color in zip(record["nets"], ("tab:blue", "tab:green", "tab:red"), strict=True):
        label = f"sigma_w^2 = {n['sigma_w2']:g} (chi_1 = {n['fixed_point']['chi_1']:.2f})"
        m, t = n["measured"], n["theory"]
        axes[0].plot(layers, t["c"], color=color, label=label)
        axes[0].plot(layers, m["c"], "o", color=color, markersize=3)
        axes[1].plot(layers, t["q"], color=color)
        axes[1].plot(layers, m["q"], "o", color=color, markersize=3)
        axes[2].plot(layers[:-1], t["grad_ratio"], color=color)
        axes[2].plot(layers[:-1], m["grad_ratio"], "o", color=color, markersize=3)
    axes[0].set_ylabel("correlation of two inputs' pre-activations")
    axes[1].set_ylabel("length q (mean square of pre-activations)")
    axes[2].set_ylabel("gradient's mean square, layer l over layer l+1")
    axes[2].axhline(1.0, color="0.6", lw=0.8, ls=":")
    for ax, title in zip(axes, ("correlation map", "length map", "gradient, per layer"),
                         strict=True):  # fmt: skip
        ax.set_xlabel("layer")
        ax.set_title(title)
    axes[0].plot([], [], "k-", label="lines: the maps; dots: measured")
    axes[0].legend(fontsize=7, loc="lower left")
    fig.suptitle("Mean-field theory against a wide random tanh net at initialization")
    stamp(fig, f"tanh, {record['width']} x {record['depth']}, init=mean_field, sigma_b^2 "
          f"{record['nets'][0]['sigma_b2']:g}, mean of {record['draws']} weight draws, "
          f"{record['pairs']} pairs of "
          "Shapeset probe images; `make reproduce-order-chaos`")  # fmt: skip
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    return fig


def main(argv=None) -> None:
    scan_main("mean-field maps against nets at init", RECORD, "reproduce-order-chaos", measure,
              table, draw, "mean_field_probes", argv)  # fmt: skip


if __name__ == "__main__":
    main()
