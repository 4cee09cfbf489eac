"""Dynamical isometry (Pennington, Schoenholz & Ganguli 2017, "Resurrecting the sigmoid"):
the singular values of the whole input-output Jacobian dz^L/dx at initialization, at depths
5 to 50, for tanh nets with orthogonal vs Gaussian vs uniform weights at sigma_w = 1
(biases 0: the critical point q* = 0) and ReLU nets at their critical scale sqrt(2).

    python -m analysis.scans.isometry [--examples 4]  -> results/isometry.{json,md},
                                                   results/figures/isometry.*
    python -m analysis.scans.isometry --redraw         # from the stored json only
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from tqdm import tqdm

from analysis.claims.index import claim
from analysis.claims.rules import Check
from analysis.runs.output import REPO_ROOT, stamp
from analysis.runs.records import claim_lines, measure_or_redraw, record_parser
from analysis.scans.depth_scan import probe_set
from models import MLP

# name -> (activation, init, gain multiplier): sigma_w^2 = n Var[W]
SETTINGS = {
    "tanh orthogonal (sigma_w 1)": ("tanh", "orthogonal", 3 / 5),  # orthogonal's gain is 5/3
    "tanh Gaussian (sigma_w 1, kumar)": ("tanh", "kumar", 1.0),  # N(0, 1/n_in)
    "tanh uniform (normalized, ~1)": ("tanh", "normalized", 1.0),  # the paper's Eq. 16
    "ReLU orthogonal (sqrt 2)": ("relu", "orthogonal", 1.0),
    "ReLU uniform (He, sqrt 2)": ("relu", "he", 1.0),
}
DEPTHS = (5, 10, 20, 30, 40, 50)
RECORD = REPO_ROOT / "results" / "isometry.json"


@torch.no_grad()
def jacobian_singular_values(model: MLP, x: torch.Tensor, depths) -> dict[int, np.ndarray]:
    """Singular values of dz^d/dx = diag(f'(s^d)) W^d ... diag(f'(s^1)) W^1 for each
    example of x, pooled, at each depth d of `depths` (prefixes of one net)."""
    f, out = model.activation, {}
    z, jac = x.double(), None
    for d, layer in enumerate(model.hidden, start=1):
        w = layer.weight.double()
        s = z @ w.T + layer.bias.double()
        jac = w.expand(len(x), -1, -1) if jac is None else w @ jac
        jac = f.derivative(s)[:, :, None] * jac
        z = f.fn(s)
        if d in depths:
            out[d] = torch.linalg.svdvals(jac).reshape(-1).numpy()
    return out


def spread(sv: np.ndarray) -> float:
    """Coefficient of variation of the singular values: 0 for perfect isometry."""
    return float(sv.std() / sv.mean())


def scan(examples: int = 4, width: int = 1000, seed: int = 0) -> dict:
    x, _ = probe_set(examples)
    nets = {}
    for name, (act, init, gain) in tqdm(SETTINGS.items(), desc="isometry", unit="net"):
        m = MLP(1024, [width] * max(DEPTHS), 9, act, init, seed=seed, init_gain=gain)
        sv = jacobian_singular_values(m, x, DEPTHS)
        nets[name] = {
            str(d): {
                "spread": spread(v),
                "mean": float(v.mean()),
                "hist": np.histogram(np.log10(np.maximum(v, 1e-12)), BINS)[0].tolist(),
            }
            for d, v in sv.items()
        }
    return {"examples": examples, "width": width, "model_seed": seed, "nets": nets}


BINS = np.linspace(-6, 3, 91)  # log10 of a singular value; zeros (dead ReLUs) go in the first


def checks(record: dict) -> list[Check]:
    n, last, first = record["nets"], str(max(DEPTHS)), str(min(DEPTHS))
    orth, gauss = n["tanh orthogonal (sigma_w 1)"], n["tanh Gaussian (sigma_w 1, kumar)"]
    relu = [v for k, v in n.items() if k.startswith("ReLU")]
    ok = orth[last]["spread"] < 0.5 * gauss[last]["spread"]
    ok = ok and gauss[last]["spread"] > gauss[first]["spread"]
    ok = (
        ok
        and orth[last]["spread"] - orth[first]["spread"]
        < gauss[last]["spread"] - gauss[first]["spread"]
    )
    ok = ok and all(r[last]["spread"] > orth[last]["spread"] for r in relu)
    return [
        Check(
            claim("isometry-orthogonal"),
            "std/mean of the singular values at depth "
            + f"{first} -> {last}: "
            + "; ".join(
                f"{k} {v[first]['spread']:.2f} -> {v[last]['spread']:.2f}" for k, v in n.items()
            )
            + f" (rule: at depth {last} orthogonal tanh < half of Gaussian tanh, Gaussian grows "
            "with depth and more than orthogonal, both ReLU nets above orthogonal tanh; "
            f"{record['examples']} probe examples x {record['width']} singular values, "
            "at initialization); the orthogonal tanh spectrum is concentrated but centred "
            f"below 1 (mean {orth[first]['mean']:.2f} at depth {first}, "
            f"{orth[last]['mean']:.2f} at {last}): Shapeset's inputs keep tanh off its linear "
            "regime, where Pennington et al. take the input variance to 0",
            "holds" if ok else "does not hold",
        )
    ]


def draw(record: dict):
    n = record["nets"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [3, 2]})
    centers = 10 ** ((BINS[:-1] + BINS[1:]) / 2)
    for (name, r), color in zip(n.items(), plt.cm.tab10.colors, strict=False):
        for d, style in ((str(min(DEPTHS)), ":"), (str(max(DEPTHS)), "-")):
            h = np.asarray(r[d]["hist"], float)
            axes[0].plot(
                centers, h / h.sum(), style, color=color, lw=1.2, label=f"{name}, depth {d}"
            )
        axes[1].plot(DEPTHS, [r[str(d)]["spread"] for d in DEPTHS], "o-", color=color, label=name)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("singular value of dz^L/dx (zeros at the left edge)")
    axes[0].set_ylabel("share")
    axes[0].legend(fontsize=6)
    axes[1].set_xlabel("depth L")
    axes[1].set_ylabel("std / mean of the singular values")
    axes[1].set_yscale("log")
    axes[1].legend(fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle("Dynamical isometry at initialization (beyond the paper)", fontsize=11)
    stamp(
        fig,
        f"{record['width']} units per layer, biases 0, Shapeset probe inputs (first "
        f"{record['examples']} test examples), model seed {record['model_seed']}, 0 "
        "examples seen; `make reproduce-isometry`",
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    return fig


def table(record: dict) -> str:
    lines = [
        "# Dynamical isometry at initialization",
        "",
        "Std / mean of the singular values of the input-output Jacobian dz^L/dx "
        f"(0: isometry), {record['examples']} Shapeset probe examples, width "
        f"{record['width']}, model seed {record['model_seed']}, 0 examples seen. "
        "Generated by `make reproduce-isometry`.",
        "",
        "| net | " + " | ".join(f"L={d}" for d in DEPTHS) + " |",
        "|---|" + "---|" * len(DEPTHS),
    ]
    for name, r in record["nets"].items():
        lines.append(
            f"| {name} | " + " | ".join(f"{r[str(d)]['spread']:.3f}" for d in DEPTHS) + " |"
        )
    lines += ["", "## Claim", "", *claim_lines(checks(record))]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    p = record_parser(__doc__.splitlines()[0], RECORD)
    p.add_argument("--examples", type=int, default=4)
    p.add_argument("--width", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.examples < 1 or a.width < 1:
        raise SystemExit("error: --examples and --width must be >= 1")
    measure_or_redraw(
        a.record,
        "reproduce-isometry",
        a.redraw,
        lambda: scan(a.examples, a.width, a.seed),
        table,
        draw,
        "isometry",
        a.out,
    )


if __name__ == "__main__":
    main()
