"""Signal propagation at initialization against depth: nets of up to 50 hidden layers x 1000
units, each activation x init, on the Shapeset probe set. For every layer: the std of the
activations z and of the back-propagated gradients dC/ds (one row per example, as the
probes take them), and the mean squares of s and dC/ds that the variance theory of the
paper's section 4.2.1 speaks of. No training: the claims it checks are about the start.

    python -m analysis.scans.depth_scan [--depth 50 --examples 300]
        -> results/depth_scan.{json,md}, results/figures/depth_scan.*
    python -m analysis.scans.depth_scan --redraw   # figure and table from the stored json only
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
from experiments.schema import InitConfig
from models import MLP, get_loss
from models.data_fit import FITTERS
from shapeset import ShapesetConfig, ShapesetSet, ShapesetStream

ACTIVATIONS = ("linear", "tanh", "softsign", "sigmoid", "relu")
# the suite's inits, then what PyTorch and Flax draw by default (Keras': normalized)
INITS = ("standard", "normalized", "he", "orthogonal", "kumar", "lsuv", "torch_default",
         "flax_default")  # fmt: skip
RECORD = REPO_ROOT / "results" / "depth_scan.json"
COLORS = dict(
    zip(
        INITS,
        ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown",
         "tab:pink", "tab:cyan"),
        strict=True,
    )
)  # fmt: skip


def probe_set(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The first n test examples: the probe set of the training runs."""
    s = ShapesetSet(ShapesetConfig(), seed, "test", n)
    return s.x, s.y


def build(activation: str, init: str, depth: int, width: int, seed: int) -> MLP:
    """A net as the engine would start it (lsuv fitted on the training stream of `seed`)."""
    m = MLP(1024, [width] * depth, 9, activation, init, seed=seed)
    if init in FITTERS:  # the engine's defaults: init.fit_batch examples of the stream
        cfg = InitConfig(name=init)
        FITTERS[init](m, next(iter(ShapesetStream(ShapesetConfig(), seed, cfg.fit_batch)))[0], cfg)
    return m


def measure(model: MLP, x: torch.Tensor, y: torch.Tensor) -> dict[str, list[float]]:
    """Per hidden layer: std of z and dC/ds, mean squares of s and dC/ds (cross-entropy)."""
    logits, pre, post = model.forward_trace(x)
    grads = torch.autograd.grad(get_loss("cross_entropy")(logits, y) * len(y), pre)
    out: dict[str, list[float]] = {"act_std": [], "pre_ms": [], "grad_std": [], "grad_ms": []}
    for s, z, g in zip(pre, post, grads, strict=True):
        out["act_std"].append(z.std().item())
        out["pre_ms"].append(s.pow(2).mean().item())
        out["grad_std"].append(g.std().item())
        out["grad_ms"].append(g.pow(2).mean().item())
    return out


def scan(depth: int = 50, width: int = 1000, examples: int = 300, seed: int = 0) -> dict:
    x, y = probe_set(examples)
    settings = [(a, i) for a in ACTIVATIONS for i in INITS]
    nets = {}
    for a, i in tqdm(settings, desc="depth scan", unit="net"):
        torch.manual_seed(0)  # nothing here draws from it; fixed all the same
        nets[f"{a}/{i}"] = measure(build(a, i, depth, width, seed), x, y)
    return {
        "depth": depth,
        "width": width,
        "examples": examples,
        "model_seed": seed,
        "loss": "cross_entropy",
        "nets": nets,
    }


# -- claims: each rule written down before the numbers were looked at --------------------------
def geometric_ratio(values, lo: int = 1) -> float:
    """Per-layer ratio values[i+1]/values[i], geometric mean over i >= lo (hidden->hidden)."""
    v = np.log(np.asarray(values[lo:], float))
    return float(math.exp((v[-1] - v[0]) / (len(v) - 1)))


LINEAR_THEORY = {"standard": 1 / 3, "normalized": 1.0, "he": 2.0}  # n Var[W] for n x n layers
LINEAR_TOLERANCE = 0.05
RELU_THEORY = {"he": 1.0, "normalized": 0.5}  # n Var[W] / 2: ReLU keeps half the 2nd moment
RELU_TOLERANCE = 0.10


def checks(record: dict) -> list[Check]:
    nets, d = record["nets"], record["depth"]
    scale = f"at initialization, {d} x {record['width']}, {record['examples']} probe examples"
    out = []
    lin = {i: geometric_ratio(nets[f"linear/{i}"]["pre_ms"]) for i in LINEAR_THEORY}
    back = {i: 1 / geometric_ratio(nets[f"linear/{i}"]["grad_ms"]) for i in LINEAR_THEORY}
    ok = all(
        abs(v / LINEAR_THEORY[i] - 1) < LINEAR_TOLERANCE for r in (lin, back) for i, v in r.items()
    )
    out.append(
        Check(
            claim("linear-moments"),
            "forward "
            + ", ".join(f"{i} {v:.3f}" for i, v in lin.items())
            + "; backward "
            + ", ".join(f"{i} {v:.3f}" for i, v in back.items())
            + f" (geometric mean per layer over layers 2-{d}; rule: within "
            f"{LINEAR_TOLERANCE:.0%} of theory; {scale})",
            "holds" if ok else "does not hold",
        )
    )
    relu = {i: geometric_ratio(nets[f"relu/{i}"]["pre_ms"]) for i in RELU_THEORY}
    ok = all(abs(v / RELU_THEORY[i] - 1) < RELU_TOLERANCE for i, v in relu.items())
    out.append(
        Check(
            claim("relu-he-keeps"),
            ", ".join(f"{i} {v:.3f}" for i, v in relu.items())
            + f" per layer (rule: within {RELU_TOLERANCE:.0%} of 1 and 0.5; {scale})",
            "holds" if ok else "does not hold",
        )
    )
    act = {i: nets[f"tanh/{i}"]["act_std"] for i in ("standard", "normalized")}
    grad = {i: nets[f"tanh/{i}"]["grad_std"] for i in ("standard", "normalized")}
    a = {i: v[d - 1] / v[4] for i, v in act.items()}
    g = {i: v[0] / v[d - 1] for i, v in grad.items()}
    ok = a["standard"] < 1e-8 and 0.2 <= a["normalized"] <= 0.6
    ok = ok and g["standard"] < 1e-8 and g["normalized"] > 0.05
    out.append(
        Check(
            claim("tanh-vanishing-depth"),
            f"activation std layer {d} / layer 5: standard {a['standard']:.2g}, normalized "
            f"{a['normalized']:.2g}; dC/ds std layer 1 / layer {d}: standard "
            f"{g['standard']:.2g}, normalized {g['normalized']:.2g} (rule: standard both "
            f"< 1e-8; normalized activations in [0.2, 0.6] (theory sqrt(5/{d}) ~0.3-0.4), "
            f"gradients > 0.05; {scale})",
            "holds" if ok else "does not hold",
        )
    )
    return out


# -- figure and table ----------------------------------------------------------------------------
def draw(record: dict):
    nets, d = record["nets"], record["depth"]
    fig, axes = plt.subplots(
        2, len(ACTIVATIONS), figsize=(3.2 * len(ACTIVATIONS), 6.4), sharex=True
    )
    layers = np.arange(1, d + 1)
    for col, a in enumerate(ACTIVATIONS):
        for row, (key, what) in enumerate(
            (("act_std", "std of activations z"), ("grad_std", "std of back-prop. dC/ds"))
        ):
            ax = axes[row, col]
            for i in INITS:
                v = np.asarray(nets[f"{a}/{i}"][key])
                dashed = "--" if i.endswith("_default") else "-"  # over the scheme it equals
                ax.plot(layers, np.where(v > 0, v, np.nan), dashed, color=COLORS[i], label=i,
                        lw=1.2)  # fmt: skip
            ax.set_yscale("log")
            ax.grid(alpha=0.3, which="major")
            if row == 0:
                ax.set_title(a)
            else:
                ax.set_xlabel("hidden layer")
            if col == 0:
                ax.set_ylabel(what)
    axes[0, 0].legend(fontsize=7, title="init", title_fontsize=7)
    fig.suptitle("Signal propagation at initialization vs depth (beyond the paper)", fontsize=11)
    stamp(
        fig,
        f"{d} hidden layers x {record['width']} units, 0 examples seen, Shapeset-3x2 "
        f"probe set (first {record['examples']} test examples, seed 0), model seed "
        f"{record['model_seed']}, cross-entropy; biases 0 but torch_default's (drawn, as "
        "nn.Linear draws them); `make reproduce-depth-scan`",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return fig


def table(record: dict) -> str:
    nets, d = record["nets"], record["depth"]
    shown = [1, 5, 10, 20, 30, 40, 50]
    shown = [k for k in shown if k <= d]
    lines = [
        "# Signal propagation at initialization vs depth",
        "",
        f"{d} hidden layers x {record['width']} units, Shapeset probe set (first "
        f"{record['examples']} test examples), model seed {record['model_seed']}, 0 "
        "examples seen. Std of the activations z (and of the back-propagated dC/ds, "
        "cross-entropy) at hidden layer k. Generated by `make reproduce-depth-scan`.",
        "",
        "| activation | init | "
        + " | ".join(f"z std @{k}" for k in shown)
        + " | "
        + " | ".join(f"dC/ds std @{k}" for k in (1, d))
        + " |",
        "|---|---|" + "---|" * (len(shown) + 2),
    ]
    for key, r in nets.items():
        a, i = key.split("/")
        z = " | ".join(f"{r['act_std'][k - 1]:.3g}" for k in shown)
        g = " | ".join(f"{r['grad_std'][k - 1]:.3g}" for k in (1, d))
        lines.append(f"| {a} | {i} | {z} | {g} |")
    lines += ["", "## Claims", "", *claim_lines(checks(record))]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    p = record_parser(__doc__.splitlines()[0], RECORD)
    p.add_argument("--depth", type=int, default=50)
    p.add_argument("--width", type=int, default=1000)
    p.add_argument("--examples", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.depth < 5 or a.width < 1 or a.examples < 2:
        raise SystemExit("error: the scan needs --depth >= 5, --width >= 1, --examples >= 2")
    measure_or_redraw(
        a.record,
        "reproduce-depth-scan",
        a.redraw,
        lambda: scan(a.depth, a.width, a.examples, a.seed),
        table,
        draw,
        "depth_scan",
        a.out,
    )


if __name__ == "__main__":
    main()
