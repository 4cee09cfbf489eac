"""Fan-in for convolutions, at initialization: conv nets of 10 layers x 16 maps, 5 x 5
kernels, on the Shapeset probe set, their fans counted over the receptive field (in x 5 x 5,
as every library does) or over the channels alone (the common mistake). Per layer: std of z
and dC/ds, mean square of s, as the dense depth scan (analysis.scans.depth_scan) measures them.

    python -m analysis.scans.conv_scan [--depth 10]  -> results/conv_scan.{json,md},
                                                  results/figures/conv_scan.*
    python -m analysis.scans.conv_scan --redraw      # from the stored json only
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from analysis.claims.index import claim
from analysis.claims.rules import Check
from analysis.runs.output import REPO_ROOT, stamp
from analysis.runs.records import claim_lines, measure_or_redraw, record_parser
from analysis.scans.depth_scan import geometric_ratio, measure, probe_set
from models.conv import ConvNet

SETTINGS = [(a, i) for a in ("linear", "tanh") for i in ("normalized",)] + [("relu", "he")]
FANS = ("receptive_field", "channels")
RECORD = REPO_ROOT / "results" / "conv_scan.json"
TOLERANCE = 0.10  # layer 1: the channels-only variance over the right one, against k^2


def padding_share(side: int, kernel: int) -> float:
    """The share of a kernel's taps inside the image, averaged over positions, in 2-D: a
    zero-padded conv layer sums over this share of its fan-in, on average."""
    half = kernel // 2
    taps = [min(p + half, side - 1) - max(p - half, 0) + 1 for p in range(side)]
    return (sum(taps) / (side * kernel)) ** 2


def scan(
    depth: int = 10, channels: int = 16, kernel: int = 5, examples: int = 300, seeds: int = 8
) -> dict:
    """Every setting x fan at model seeds 0..seeds-1: 16 maps are few, so one net's
    per-layer ratios scatter by ~25% (seeds 0-4 of the linear net: 0.79-1.09 on average)."""
    x, y = probe_set(examples)
    nets = {}
    jobs = [(s, f, seed) for s in SETTINGS for f in FANS for seed in range(seeds)]
    for (act, init), fan, seed in tqdm(jobs, desc="conv scan", unit="net"):
        net = ConvNet((1, 32, 32), depth, channels, kernel, 9, act, init, seed=seed, fan=fan)
        nets.setdefault(f"{act}/{init}/{fan}", []).append(measure(net, x, y))
    return {
        "depth": depth,
        "channels": channels,
        "kernel": kernel,
        "examples": examples,
        "seeds": seeds,
        "side": 32,
        "nets": nets,
    }


def checks(record: dict) -> list[Check]:
    n, k2 = record["nets"], record["kernel"] ** 2
    scale = (
        f"at initialization, {record['depth']} conv layers x {record['channels']} maps, "
        f"{record['kernel']}x{record['kernel']} kernels, {record['examples']} probe "
        f"examples, model seeds 0-{record['seeds'] - 1}"
    )
    first = {
        f"{a}/{i}": n[f"{a}/{i}/channels"][0]["pre_ms"][0]
        / n[f"{a}/{i}/receptive_field"][0]["pre_ms"][0]
        for a, i in SETTINGS
    }
    ok = all(abs(r / k2 - 1) < TOLERANCE for r in first.values())
    out = [
        Check(
            claim("conv-fan-inflates"),
            "layer 1 mean square of s, channels-only / receptive field, seed 0: "
            + ", ".join(f"{k} {v:.1f}" for k, v in first.items())
            + f" (the same draws, scaled: exact by construction; rule: within {TOLERANCE:.0%} "
            f"of {k2}; {scale})",
            "holds" if ok else "does not hold",
        )
    ]
    share = padding_share(record["side"], record["kernel"])
    logs = {
        f: np.log([geometric_ratio(r["pre_ms"]) for r in n[f"linear/normalized/{f}"]]) for f in FANS
    }
    right, wrong = (math.exp(logs[f].mean()) for f in FANS)
    se = logs["receptive_field"].std(ddof=1) / math.sqrt(len(logs["receptive_field"]))
    z = (logs["receptive_field"].mean() - math.log(share)) / se
    ok = abs(z) < 2 and wrong > 10
    out.append(
        Check(
            claim("conv-receptive-alike"),
            f"linear conv net, 2nd moment of s per layer (geometric mean over layers 2-"
            f"{record['depth']} and seeds): receptive field {right:.3f} (theory {share:.3f}: "
            f"n Var[W] = 1 times the share of the kernel inside the zero-padded image; z "
            f"{z:.1f}, one net ranges {math.exp(logs['receptive_field'].min()):.2f}-"
            f"{math.exp(logs['receptive_field'].max()):.2f}), channels only {wrong:.1f} (rule: "
            f"within 2 standard errors of theory over the seeds, and > 10 for the mistake; "
            f"{scale})",
            "holds" if ok else "does not hold",
        )
    )
    return out


def draw(record: dict):
    n, d = record["nets"], record["depth"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    layers = np.arange(1, d + 1)
    for (act, init), color in zip(SETTINGS, ("tab:gray", "tab:blue", "tab:green"), strict=True):
        for fan, style in zip(FANS, ("-", "--"), strict=True):
            r = n[f"{act}/{init}/{fan}"][0]  # model seed 0
            label = f"{act}, {init}, fan: {fan.replace('_', ' ')}"
            axes[0].plot(layers, np.sqrt(r["pre_ms"]), style, color=color, label=label)
            axes[1].plot(layers, r["grad_std"], style, color=color, label=label)
    axes[0].set(ylabel="RMS of pre-activations s", xlabel="conv layer", yscale="log")
    axes[1].set(ylabel="std of back-propagated dC/ds", xlabel="conv layer", yscale="log")
    axes[0].legend(fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Fan-in of convolutions at initialization: receptive field vs channels only", fontsize=11
    )
    stamp(
        fig,
        f"{d} conv layers x {record['channels']} maps, {record['kernel']}x"
        f"{record['kernel']} kernels, zero padding, Shapeset probe set (first "
        f"{record['examples']} test examples), model seed 0, 0 "
        "examples seen; `make reproduce-conv-scan`",
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    return fig


def table(record: dict) -> str:
    n, d = record["nets"], record["depth"]
    lines = [
        "# Fan-in of convolutions at initialization",
        "",
        f"{d} conv layers x {record['channels']} maps, {record['kernel']}x"
        f"{record['kernel']} kernels, {record['examples']} Shapeset probe examples, model "
        f"seed 0, 0 examples seen. RMS of s at conv layer k. "
        "Generated by `make reproduce-conv-scan`.",
        "",
        "| net | fan | " + " | ".join(f"@{k}" for k in range(1, d + 1)) + " |",
        "|---|---|" + "---|" * d,
    ]
    for key, r in n.items():
        act, init, fan = key.split("/")
        rms = " | ".join(f"{math.sqrt(v):.3g}" for v in r[0]["pre_ms"])
        lines.append(f"| {act}, {init} | {fan} | {rms} |")
    return "\n".join([*lines, "", "## Claims", "", *claim_lines(checks(record))]) + "\n"


def main(argv=None) -> None:
    p = record_parser(__doc__.splitlines()[0], RECORD)
    p.add_argument("--depth", type=int, default=10)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--kernel", type=int, default=5)
    p.add_argument("--examples", type=int, default=300)
    p.add_argument("--seeds", type=int, default=8, help="model seeds 0..seeds-1")
    a = p.parse_args(argv)
    if a.depth < 3 or a.channels < 1 or a.examples < 2 or a.seeds < 2:
        raise SystemExit(
            "error: the scan needs --depth >= 3, --channels >= 1, --examples >= 2 and --seeds >= 2"
        )
    measure_or_redraw(
        a.record,
        "reproduce-conv-scan",
        a.redraw,
        lambda: scan(a.depth, a.channels, a.kernel, a.examples, a.seeds),
        table,
        draw,
        "conv_scan",
        a.out,
    )


if __name__ == "__main__":
    main()
