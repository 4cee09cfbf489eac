"""Mean-field theory of wide random nets: the order-to-chaos map that explains the paper.

Poole et al. (2016, arXiv 1606.05340) and Schoenholz et al. (2017, arXiv 1611.01232): in a
net whose weights are N(0, sigma_w^2 / n_in) and biases N(0, sigma_b^2), the pre-activations
h of a wide layer are Gaussian with variance q, carried from layer to layer by the length
map

    q_l = sigma_w^2 E_z[phi(sqrt(q_{l-1}) z)^2] + sigma_b^2,          z ~ N(0, 1),

to a fixed point q*. Two inputs' correlation c is carried by the correlation map

    c_l = (sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2) / q*,   (at the fixed point q*)
    u1 = sqrt(q*) z1,  u2 = sqrt(q*) (c_{l-1} z1 + sqrt(1 - c_{l-1}^2) z2),

whose slope at its fixed point c* is chi_c = sigma_w^2 E[phi'(u1) phi'(u2)]; at c* = 1 it is
chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2], which also scales a back-propagated gradient's
squared norm per layer. chi_1 < 1: the ordered phase (inputs' correlations converge to 1,
gradients vanish); chi_1 > 1: chaos. The correlation depth scale is xi_c = -1 / ln chi_c;
Schoenholz et al. find nets trainable only up to a depth of about 6 xi_c.

Expectations are Gauss-Hermite sums (numpy's probabilists' nodes), exact for polynomials
of degree < 2 x NODES.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

Fn = Callable[[np.ndarray], np.ndarray]
NODES = 80  # Gauss-Hermite nodes per dimension: 1-D expectations
NODES_2D = 48  # and 2-D ones (48 x 48 points: within 3e-6 of 80 x 80 for tanh at q* <= 2.5)


def _rule(n: int = NODES) -> tuple[np.ndarray, np.ndarray]:
    z, w = hermegauss(n)
    return z, w / math.sqrt(2 * math.pi)  # E_z[f(z)] = sum w f(z) for z ~ N(0, 1)


def gaussian_mean(f: Fn, n: int = NODES) -> float:
    """E[f(z)], z ~ N(0, 1)."""
    z, w = _rule(n)
    return float(np.sum(w * f(z)))


def gaussian_mean_2d(f: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int = NODES_2D):
    """E[f(z1, z2)], z1, z2 independent N(0, 1)."""
    z, w = _rule(n)
    z1, z2 = np.meshgrid(z, z, indexing="ij")
    return float(np.sum(np.outer(w, w) * f(z1, z2)))


def length_map(q: float, sw2: float, sb2: float, phi: Fn) -> float:
    return sw2 * gaussian_mean(lambda z: phi(math.sqrt(q) * z) ** 2) + sb2


def q_star(sw2: float, sb2: float, phi: Fn) -> float:
    """The length map's fixed point: 0 where the map stays below the diagonal from 0 on
    (e.g. tanh without biases in the ordered phase), else the root of map(q) - q, bracketed
    by doubling."""
    from scipy.optimize import brentq

    def gap(q):
        return length_map(q, sw2, sb2, phi) - q

    low = 1e-12
    if gap(low) <= 0:
        return 0.0
    high = 1.0
    while gap(high) > 0:
        high *= 2
        if high > 1e12:
            raise ValueError(f"the length map has no fixed point (sigma_w^2={sw2}): it grows")
    return brentq(gap, low, high, xtol=1e-14, rtol=1e-13)


def chi_1(q: float, sw2: float, dphi: Fn) -> float:
    return sw2 * gaussian_mean(lambda z: dphi(math.sqrt(q) * z) ** 2)


def _product(f: Fn, q: float, c: float):
    """(z1, z2) -> f(u1) f(u2): two pre-activations of length q and correlation c."""
    s, r = math.sqrt(q), math.sqrt(max(0.0, 1 - c * c))
    return lambda z1, z2: f(s * z1) * f(s * (c * z1 + r * z2))


def correlation_map(c: float, q: float, sw2: float, sb2: float, phi: Fn) -> float:
    """The next layer's correlation of two inputs of length q and correlation c (normalized
    by the next layer's length, which is q itself at the fixed point q*)."""
    both = gaussian_mean_2d(_product(phi, q, c))
    return (sw2 * both + sb2) / length_map(q, sw2, sb2, phi)


def c_star(q: float, sw2: float, sb2: float, phi: Fn) -> float:
    """The correlation map's fixed point below 1, in the chaotic phase: the map lies above
    the diagonal at c = 0 (it gives sigma_b^2 / q* >= 0 there, for an odd phi) and below it
    just under c = 1 (its slope there, chi_1, exceeds 1), so a root of map(c) - c lies
    between; 0 when the map keeps c = 0 (no biases)."""
    from scipy.optimize import brentq

    def gap(c):
        return correlation_map(c, q, sw2, sb2, phi) - c

    # Just under 1 the gap is (chi_1 - 1) (1 - c), which the quadrature's error (~1e-6)
    # would drown: a fixed point above 0.999 is taken as 1 (the edge of chaos).
    low, high = 0.0, 0.999
    if gap(low) <= 1e-15:
        return 0.0
    if gap(high) >= 0:
        return 1.0
    return brentq(gap, low, high, xtol=1e-12)


def chi_c(c: float, q: float, sw2: float, dphi: Fn) -> float:
    return sw2 * gaussian_mean_2d(_product(dphi, q, c))


def depth_scale(sw2: float, sb2: float, phi: Fn, dphi: Fn) -> dict[str, float]:
    """q*, chi_1, c*, chi_c and xi_c = -1 / ln chi_c of one (sigma_w^2, sigma_b^2). c = 1 is
    always a fixed point of the correlation map, stable where chi_1 <= 1 (the ordered phase:
    c* = 1, chi_c = chi_1, which also covers q* = 0, e.g. tanh without biases); in the
    chaotic phase c* < 1 is found by iterating the map."""
    q = q_star(sw2, sb2, phi)
    one = chi_1(q, sw2, dphi)
    if one <= 1 or q < 1e-12:
        c, slope = 1.0, one
    else:
        c = c_star(q, sw2, sb2, phi)
        slope = chi_c(c, q, sw2, dphi)
    xi = math.inf if slope >= 1 - 1e-12 else -1 / math.log(slope)
    return {"q_star": q, "chi_1": one, "c_star": c, "chi_c": slope, "xi_c": xi}


# -- the phase diagram of tanh nets (`make reproduce-order-chaos`) ------------------------
RECORD = Path(__file__).resolve().parents[2] / "results" / "order_chaos.json"
SW2 = np.round(np.linspace(0.1, 4.0, 40), 3)  # sigma_w^2 = n Var[W]
SB2 = np.round(np.linspace(0.0, 0.3, 16), 3)  # sigma_b^2
# The suite's inits and the frameworks' defaults for tanh, n x n layers: (n Var[W], Var[b])
# (docs/beyond.md). PyTorch's biases U[-1/sqrt(n), 1/sqrt(n)] have variance 1/(3n).
WIDTH = 1000
INITS = {
    "standard": (1 / 3, 0.0),
    "PyTorch default": (1 / 3, 1 / (3 * WIDTH)),
    "normalized, LeCun, orthogonal; Keras' and Flax's defaults": (1.0, 0.0),
    "He": (2.0, 0.0),
}
STANDARD, PYTORCH, CRITICAL = list(INITS)[:3]
PAPER_DEPTH = 5  # the paper's nets; trainable, by Schoenholz et al.'s rule, to ~6 xi_c
CHI_TOLERANCE = 0.01  # ours: relative, for chi_1 against its value in a claim
EDGE = 1.5  # ours: 6 xi_c within PAPER_DEPTH +- EDGE layers is "at the edge"


def dtanh(x: np.ndarray) -> np.ndarray:
    return 1 - np.tanh(x) ** 2


def measure() -> dict:
    from tqdm import tqdm

    grid = [[depth_scale(float(w), float(b), np.tanh, dtanh) for w in SW2]
            for b in tqdm(SB2, desc="phase diagram", unit="row")]  # fmt: skip
    inits = {name: depth_scale(sw2, sb2, np.tanh, dtanh) for name, (sw2, sb2) in INITS.items()}
    return {"activation": "tanh", "sw2": SW2.tolist(), "sb2": SB2.tolist(),
            "nodes": [NODES, NODES_2D], "grid": grid, "inits": inits}  # fmt: skip


def table(record: dict) -> str:
    lines = [
        "# Tanh nets at initialization: the order-to-chaos map (mean field)",
        "",
        "Poole et al. (2016), Schoenholz et al. (2017): the length map's fixed point q*, the "
        "slope chi_1 (< 1 ordered, > 1 chaotic) and the correlation depth scale xi_c = "
        "-1 / ln chi_c, by Gauss-Hermite quadrature (no training, no sampling). The suite's "
        "inits and the frameworks' defaults, n x n layers (sigma_w^2 = n Var[W], sigma_b^2 = "
        f"Var[b], n = {WIDTH}); by Schoenholz et al.'s "
        f"rule a net trains up to a depth of about 6 xi_c (the paper's nets: {PAPER_DEPTH}).",
        "",
        "| init | sigma_w^2 | sigma_b^2 | q* | chi_1 | xi_c | 6 xi_c |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in record["inits"].items():
        sw2, sb2 = INITS[name]
        six = "unbounded" if math.isinf(s["xi_c"]) else f"{6 * s['xi_c']:.2f}"
        lines.append(f"| {name} | {sw2:.3g} | {sb2:.3g} | {s['q_star']:.3g} | "
                     f"{s['chi_1']:.3g} | {s['xi_c']:.3g} | {six} |")  # fmt: skip
    from analysis.runs.records import claim_lines

    return "\n".join([*lines, "", *claim_lines(checks(record))]) + "\n"


def checks(record: dict) -> list:
    from analysis.claims.index import claim
    from analysis.claims.rules import FAILS, HOLDS, Check

    inits = record["inits"]
    std, torch_, crit = inits[STANDARD], inits[PYTORCH], inits[CRITICAL]

    def near(value, target):
        return abs(value / target - 1) <= CHI_TOLERANCE

    edge = near(std["chi_1"], 1 / 3) and abs(6 * std["xi_c"] - PAPER_DEPTH) <= EDGE
    return [
        Check(claim("standard-init-ordered-edge"),
              f"standard: chi_1 {std['chi_1']:.4f}, 6 xi_c {6 * std['xi_c']:.2f} layers (ours: "
              f"{PAPER_DEPTH} +- {EDGE}); normalized: chi_1 {crit['chi_1']:.4f} (ours: within "
              f"{100 * CHI_TOLERANCE:g}% of 1)",
              HOLDS if edge and near(crit["chi_1"], 1.0) else FAILS),
        Check(claim("framework-defaults-on-the-map"),
              f"PyTorch's default ({WIDTH}-unit layers): chi_1 {torch_['chi_1']:.4f} against the "
              f"standard init's {std['chi_1']:.4f}; Keras' and Flax's: {crit['chi_1']:.4f} "
              f"(ours: within {100 * CHI_TOLERANCE:g}%)",
              HOLDS if near(torch_["chi_1"], std["chi_1"]) and near(crit["chi_1"], 1.0)
              else FAILS),
    ]  # fmt: skip


def draw(record: dict):
    import matplotlib.pyplot as plt

    from analysis.runs.output import stamp

    sw2, sb2 = np.asarray(record["sw2"]), np.asarray(record["sb2"])
    xi = np.array([[min(c["xi_c"], 1e3) for c in row] for row in record["grid"]])
    chi = np.array([[c["chi_1"] for c in row] for row in record["grid"]])
    fig, ax = plt.subplots(figsize=(8.5, 6.2))
    mesh = ax.pcolormesh(sw2, sb2, np.log10(xi), cmap="viridis", vmin=-0.5, vmax=2.5,
                         shading="nearest")  # fmt: skip
    fig.colorbar(mesh, ax=ax, label="log10 of the correlation depth scale xi_c (layers)")
    lines = ax.contour(sw2, sb2, xi, levels=[PAPER_DEPTH / 6, 2, 5, 20], colors="white",
                       linewidths=0.8)  # fmt: skip
    ax.clabel(lines, fmt=lambda v: f"xi_c = {v:.3g}", fontsize=7)
    ax.contour(sw2, sb2, chi, levels=[1.0], colors="red", linewidths=1.8)
    ax.plot([], [], color="red", label="chi_1 = 1: the edge of chaos")
    ax.plot([], [], color="0.55", label=f"white lines: xi_c levels; xi_c = {PAPER_DEPTH}/6 puts "
            f"{PAPER_DEPTH} layers at 6 xi_c")  # fmt: skip
    for (name, (sw2_, sb2_)), marker in zip(INITS.items(), "oDs^", strict=True):
        size = 6 if name == PYTORCH else 11  # PyTorch's default drawn inside the standard's
        ax.plot([sw2_], [sb2_], marker, color="orange", markersize=size, clip_on=False,
                markeredgecolor="black", label=f"{name} (sigma_w^2 = {sw2_:.3g})")  # fmt: skip
    ax.text(0.35, 0.27, "ordered: correlations -> 1,\ngradients vanish", color="white",
            fontsize=8)  # fmt: skip
    ax.text(3.0, 0.02, "chaotic", color="white", fontsize=8)
    ax.set_xlabel("sigma_w^2 = n Var[W]")
    ax.set_ylabel("sigma_b^2 (bias variance)")
    ax.set_title("Tanh nets at initialization: the order-to-chaos phase diagram")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=7)
    stamp(fig, "mean-field theory (Poole et al. 2016; Schoenholz et al. 2017), Gauss-Hermite "
          f"quadrature ({record['nodes'][0]} / {record['nodes'][1]}x{record['nodes'][1]} nodes); "
          "no training, no sampling")  # fmt: skip
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def main(argv=None) -> None:
    from analysis.runs.records import scan_main

    scan_main("the order-to-chaos map of tanh nets", RECORD, "reproduce-order-chaos",
              measure, table, draw, "order_chaos", argv)  # fmt: skip


if __name__ == "__main__":
    main()
