"""Random-walk initialization (Sussillo & Abbott 2014) at initialization: the log of the
back-propagated gradient's squared norm, ln |dC/ds^d|^2, from the top hidden layer down,
over many nets (one model seed and one Shapeset probe example each), for linear and ReLU
nets of several widths, 100 hidden layers deep. With their g it should do an unbiased
random walk over depth: mean flat, variance growing linearly with depth and inversely with
width; with the plain g (1 linear, sqrt 2 ReLU) the mean drifts down by ~1/N per layer.

For linear nets the walk is exact: each layer multiplies |d|^2 by g^2 chi^2_N / N,
independent of the layers above, so after k layers the mean of the log is
k (2 ln g + psi(N/2) - ln(N/2)) and its variance k psi'(N/2) (digamma, trigamma). (Exact
up to the top gradient's own weak dependence on the weights, through the softmax output.)

    python -m analysis.scans.random_walk [--nets 200]  -> results/random_walk.{json,md},
                                                    results/figures/random_walk.*
    python -m analysis.scans.random_walk --redraw       # from the stored json only
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from tqdm import tqdm

from analysis.claims.index import claim
from analysis.claims.rules import Check
from analysis.runs.output import REPO_ROOT, stamp
from analysis.runs.records import claim_lines, measure_or_redraw, record_parser
from analysis.scans.depth_scan import probe_set
from models import MLP, get_activation, get_loss
from models.inits import random_walk_gain

# name -> (activation, init, init_gain): the random walk's g against the plain one
SETTINGS = {
    "linear, random-walk g": ("linear", "random_walk", 1.0),
    "linear, g = 1 (LeCun)": ("linear", "lecun", 1.0),
    "ReLU, random-walk g": ("relu", "random_walk", 1.0),
    "ReLU, g = sqrt 2 (He)": ("relu", "lecun", math.sqrt(2)),
}
WIDTHS = (32, 64, 128)
RECORD = REPO_ROOT / "results" / "random_walk.json"


def log_grad_norms(model: MLP, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """ln |dC/ds^d|^2 for d = top hidden layer down to the first (cross-entropy)."""
    logits, pre, _ = model.forward_trace(x)
    grads = torch.autograd.grad(get_loss("cross_entropy")(logits, y), pre)
    sq = torch.stack([g.pow(2).sum() for g in reversed(grads)])
    return sq.log().detach().numpy()


def scan(nets: int = 200, depth: int = 100, widths=WIDTHS) -> dict:
    """Per setting and width: mean and variance over nets of ln|d_top-k|^2 - ln|d_top|^2
    for k = 0..depth-1; nets whose gradient vanished exactly (all ReLUs of a layer dead)
    are counted and left out."""
    x, y = probe_set(nets)
    x = x.double()
    out = {}
    runs = [(name, w) for name in SETTINGS for w in widths]
    for name, w in tqdm(runs, desc="random walk", unit="setting"):
        act, init, gain = SETTINGS[name]
        walks = []
        for s in range(nets):
            m = MLP(1024, [w] * depth, 9, act, init, seed=s, init_gain=gain).double()
            walks.append(log_grad_norms(m, x[s : s + 1], y[s : s + 1]))
        walks = np.asarray(walks)
        finite = np.isfinite(walks).all(axis=1)
        rel = walks[finite] - walks[finite, :1]
        out.setdefault(name, {})[str(w)] = {
            "mean": rel.mean(0).tolist(),
            "var": rel.var(0, ddof=1).tolist(),
            "nets": int(finite.sum()),
            "vanished": int((~finite).sum()),
        }
    return {"depth": depth, "widths": list(widths), "nets": nets, "settings": out}


# -- theory for linear nets: exact -----------------------------------------------------------
def linear_step(g: float, n: int) -> tuple[float, float]:
    """Mean and variance of ln(g^2 chi^2_n / n): one linear layer's factor on |d|^2."""
    half = torch.tensor(n / 2, dtype=torch.float64)
    mean = 2 * math.log(g) + torch.special.digamma(half).item() - math.log(n / 2)
    return mean, torch.special.polygamma(1, half).item()


def setting_gain(name: str, n: int) -> float:
    act, init, gain = SETTINGS[name]
    return random_walk_gain(n, get_activation(act)) if init == "random_walk" else gain


def variance_slope(var) -> tuple[float, float]:
    """Least-squares slope of var_k against k through the origin, and its R^2."""
    k, v = np.arange(len(var), dtype=float), np.asarray(var, float)
    slope = float(k @ v / (k @ k))
    r2 = 1 - float(((v - slope * k) ** 2).sum() / ((v - v.mean()) ** 2).sum())
    return slope, r2


# -- claims: each rule written down before the numbers were looked at -------------------------
MEAN_SE = 4  # a mean is "flat" or "on theory" within 4 standard errors
VAR_SE = 3  # a sample variance within 3 of its standard errors, sqrt(2 / (nets - 1))
R2_LINEAR = 0.9  # variance "grows linearly" with depth
WIDTH_SPREAD = 0.25  # N x slope constant across widths within +-25% of its mean


def bottom(r: dict) -> tuple[float, float, float, int]:
    """Mean, its standard error and variance at the lowest layer, and the layers walked."""
    k = len(r["mean"]) - 1
    return r["mean"][-1], math.sqrt(r["var"][-1] / r["nets"]), r["var"][-1], k


def ses_from_zero(r: dict) -> float:
    """The mean at the lowest layer in its standard errors: |.| < MEAN_SE is flat."""
    mean, se, _, _ = bottom(r)
    return mean / se


def checks(record: dict) -> list[Check]:
    st, d, widths = record["settings"], record["depth"], record["widths"]
    scale = f"{record['nets']} nets per width, {d} layers, at initialization"
    ok, parts = True, []
    for name in ("linear, random-walk g", "linear, g = 1 (LeCun)"):
        for w in widths:
            r = st[name][str(w)]
            mean, se, var, k = bottom(r)
            step, step_var = linear_step(setting_gain(name, w), w)
            ok = ok and abs(mean - k * step) < MEAN_SE * se
            ok = ok and abs(var / (k * step_var) - 1) < VAR_SE * math.sqrt(2 / (r["nets"] - 1))
            parts.append(
                f"{name} N={w}: mean {mean:+.2f} (theory {k * step:+.2f}, SE {se:.2f}), "
                f"variance {var:.2f} (theory {k * step_var:.2f})"
            )
    plain = st["linear, g = 1 (LeCun)"]
    drift = all(ses_from_zero(plain[str(w)]) < -MEAN_SE for w in widths)
    linear = Check(
        claim("random-walk-linear"),
        f"after {d - 1} layers: " + "; ".join(parts) + f" (rule: every mean within {MEAN_SE} "
        f"SE of theory, every variance within {VAR_SE} SE of theory, g = 1 below 0 by more "
        f"than {MEAN_SE} SE at every width; {scale})",
        "holds" if ok and drift else "does not hold",
    )
    rw, he = st["ReLU, random-walk g"], st["ReLU, g = sqrt 2 (He)"]
    flat = all(abs(ses_from_zero(rw[str(w)])) < MEAN_SE for w in widths)
    drift = all(ses_from_zero(he[str(w)]) < -MEAN_SE for w in widths)
    ends = {w: (bottom(rw[str(w)]), bottom(he[str(w)])) for w in widths}
    fits = {w: variance_slope(rw[str(w)]["var"]) for w in widths}
    scaled = {w: w * fits[w][0] for w in widths}
    grows = all(r2 >= R2_LINEAR for _, r2 in fits.values())
    avg = np.mean(list(scaled.values()))
    inverse = max(abs(v / avg - 1) for v in scaled.values()) <= WIDTH_SPREAD
    vanished = sum(r[str(w)]["vanished"] for r in (rw, he) for w in widths)
    relu = Check(
        claim("random-walk-relu"),
        f"after {d - 1} layers, mean: "
        + ", ".join(
            f"N={w} random-walk {a[0]:+.2f} / He {b[0]:+.2f} (SE {a[1]:.2f} / {b[1]:.2f})"
            for w, (a, b) in ends.items()
        )
        + "; variance slope per layer x N: "
        + ", ".join(f"N={w} {v:.2f} (R^2 {fits[w][1]:.3f})" for w, v in scaled.items())
        + f"; nets left out, gradient exactly 0: {vanished} (rule: random-walk mean within "
        f"{MEAN_SE} SE of 0 and He's below 0 by more than {MEAN_SE} SE at every width, R^2 of "
        f"a line through 0 >= {R2_LINEAR}, slope x N within +-{WIDTH_SPREAD:.0%} of its mean "
        f"across widths; {scale})",
        "holds" if flat and drift and grows and inverse else "does not hold",
    )
    return [linear, relu]


# -- figure and table --------------------------------------------------------------------------
def draw(record: dict):
    st, d, widths = record["settings"], record["depth"], record["widths"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    k = np.arange(d)
    colors = dict(zip(widths, ("tab:blue", "tab:orange", "tab:green", "tab:red"), strict=False))
    for col, act in enumerate(("linear", "ReLU")):
        for name, r in st.items():
            if not name.startswith(act):
                continue
            style = "-" if "random-walk" in name else "--"
            for w in widths:
                lbl = f"{name.split(', ')[1]}, N={w}"
                axes[0, col].plot(k, r[str(w)]["mean"], style, color=colors[w], label=lbl)
                axes[1, col].plot(k, r[str(w)]["var"], style, color=colors[w], label=lbl)
                if act == "linear":
                    mu, v = linear_step(setting_gain(name, w), w)
                    axes[0, col].plot(k, k * mu, ":", color="k", lw=0.8)
                    axes[1, col].plot(k, k * v, ":", color="k", lw=0.8)
        axes[0, col].set_title(
            "linear nets (dotted: exact theory)" if act == "linear" else "ReLU nets (no formula)"
        )
        axes[0, col].axhline(0, color="grey", lw=0.5)
        axes[1, col].set_xlabel("layers below the top hidden layer, k")
        axes[0, col].legend(fontsize=6, ncol=2)
    axes[0, 0].set_ylabel("mean of ln |d_k|^2 - ln |d_0|^2")
    axes[1, 0].set_ylabel("variance of ln |d_k|^2 - ln |d_0|^2")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    fig.suptitle("Random-walk initialization: the log gradient norm over depth", fontsize=11)
    stamp(
        fig,
        f"{record['nets']} nets per curve (model seeds 0-{record['nets'] - 1}, one Shapeset "
        f"probe example each), {d} hidden layers, 0 examples seen, cross-entropy; solid: "
        "Sussillo & Abbott's g, dashed: the plain g; `make reproduce-random-walk`",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return fig


def table(record: dict) -> str:
    st, d = record["settings"], record["depth"]
    lines = [
        "# Random-walk initialization at initialization",
        "",
        f"ln |dC/ds|^2 at {d - 1} layers below the top hidden layer minus its value at the "
        f"top, over {record['nets']} nets per row (model seeds 0-{record['nets'] - 1}, one "
        f"Shapeset probe example each), {d} hidden layers, 0 examples seen. Theory: exact for "
        "linear nets. Generated by `make reproduce-random-walk`.",
        "",
        "| setting | N | g | mean (SE) | theory | variance | theory | slope x N | nets |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, per_width in st.items():
        for w, r in per_width.items():
            mean, se, var, k = bottom(r)
            g = setting_gain(name, int(w))
            mu, v = linear_step(g, int(w)) if name.startswith("linear") else (None, None)
            th = ("-", "-") if mu is None else (f"{k * mu:+.3f}", f"{k * v:.2f}")
            lines.append(
                f"| {name} | {w} | {g:.4f} | {mean:+.3f} ({se:.3f}) | {th[0]} | {var:.2f} | "
                f"{th[1]} | {int(w) * variance_slope(r['var'])[0]:.2f} | {r['nets']} |"
            )
    lines += ["", "## Claims", "", *claim_lines(checks(record))]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    p = record_parser(__doc__.splitlines()[0], RECORD)
    p.add_argument("--nets", type=int, default=200, help="nets (seeds) per setting and width")
    p.add_argument("--depth", type=int, default=100)
    a = p.parse_args(argv)
    if a.nets < 3 or a.depth < 3:
        raise SystemExit("error: the scan needs --nets >= 3 and --depth >= 3")
    measure_or_redraw(
        a.record,
        "reproduce-random-walk",
        a.redraw,
        lambda: scan(a.nets, a.depth),
        table,
        draw,
        "random_walk",
        a.out,
    )


if __name__ == "__main__":
    main()
