"""The common initialization mistakes, each beside the right scheme: signal propagation at
initialization (std of z and of dC/ds per layer, computed here in seconds) and test error
over training (the stored quick-profile runs of `make reproduce-init-mistakes`).

    python -m analysis.figures.init_mistakes [--profile quick]  -> results/figures/init_mistakes.*
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from analysis.claims.index import claim
from analysis.claims.rules import Check
from analysis.figures.dynamics import error_curves, name, setting
from analysis.runs.output import profile_suffix, save, stamp
from analysis.runs.store import RunMissing, checked_args, figure_parser, load
from analysis.scans.depth_scan import geometric_ratio, measure, probe_set
from models import MLP
from models.conv import ConvNet

LECUN_STD = 1 / math.sqrt(1000)  # N(0, 1/n_in) for 1000-unit layers: std 0.0316
CONV = {"model": "conv"}
# (mistake, the right net, the mistaken one): (activation, init, depth, extra overrides)
PAIRS = [
    (
        "N(0, 0.01^2) in a deep net",
        ("tanh", "normalized", 5, None),
        ("tanh", "gaussian", 5, {"init.std": 0.01}),
    ),
    (
        "a variance passed as the std (std 1/n_in)",
        ("tanh", "lecun", 5, None),
        ("tanh", "gaussian", 5, {"init.std": 0.001}),
    ),
    (
        "a std passed as the variance (std sqrt(1/sqrt(n_in)))",
        ("tanh", "lecun", 5, None),
        ("tanh", "gaussian", 5, {"init.std": round(math.sqrt(LECUN_STD), 3)}),
    ),
    ("all-zero weights", ("tanh", "normalized", 5, None), ("tanh", "zeros", 5, None)),
    ("the normalized rule for ReLU", ("relu", "he", 5, None), ("relu", "normalized", 5, None)),
    (
        "fan-in counted as channels (conv)",
        ("relu", "he", 3, {**CONV, "init.fan": "receptive_field"}),
        ("relu", "he", 3, {**CONV, "init.fan": "channels"}),
    ),
]
SATURATED_SHARE = 0.5  # the std-for-variance mistake: tanh saturates in most units by layer 5


def build(activation, init, depth, extra, seed: int = 0):
    """The net of a (activation, init, depth, extra) setting as the engine would start it."""
    extra = extra or {}
    if extra.get("model") == "conv":
        return ConvNet(
            (1, 32, 32), depth, 16, 5, 9, activation, init, seed=seed, fan=extra["init.fan"]
        )
    return MLP(
        1024,
        [1000] * depth,
        9,
        activation,
        init,
        seed=seed,
        init_options={"std": extra.get("init.std", 0.01)},
    )


def at_init(examples: int = 300) -> dict:
    """Per setting: std of z and dC/ds per layer, and tanh's saturated share per layer."""
    x, y = probe_set(examples)
    out = {}
    for _, *nets in PAIRS:
        for net in nets:
            key = repr(net)
            if key not in out:
                model = build(*net)
                r = measure(model, x, y)
                _, _, post = model.forward_trace(x)
                r["saturated"] = [(z.detach().abs() > 0.9).float().mean().item() for z in post]
                r["unit_spread"] = [z.detach().std(1).max().item() for z in post]
                out[key] = r
    return out


def at_init_checks(m: dict) -> list[Check]:
    g = {std: m[repr(("tanh", "gaussian", 5, {"init.std": std}))] for std in (0.01, 0.001)}
    ratios = {std: geometric_ratio(r["act_std"]) for std, r in g.items()}
    theory = {std: std * math.sqrt(1000) for std in g}
    big = m[repr(PAIRS[2][2])]
    zeros = m[repr(PAIRS[3][2])]
    scale = "at initialization, 5 x 1000 tanh, 300 probe examples, model seed 0"
    return [
        Check(
            claim("mistakes-shrink-signal"),
            ", ".join(f"std {s}: {ratios[s]:.3f} per layer (theory {theory[s]:.3f})" for s in g)
            + f" (rule: within 15% of theory; {scale})",
            "holds" if all(abs(ratios[s] / theory[s] - 1) < 0.15 for s in g) else "does not hold",
        ),
        Check(
            claim("mistakes-std-as-variance-saturates"),
            "share of |z| > 0.9 in layers 1-5: "
            + " / ".join(f"{v:.2f}" for v in big["saturated"])
            + f" (rule: > {SATURATED_SHARE} in layer 5; {scale})",
            "holds" if big["saturated"][-1] > SATURATED_SHARE else "does not hold",
        ),
        Check(
            claim("mistakes-zeros-symmetric"),
            "largest spread of z across a layer's units over the probe examples: "
            + " / ".join(f"{v:.2g}" for v in zeros["unit_spread"])
            + f" (rule: exactly 0 in every layer; {scale})",
            "holds" if max(zeros["unit_spread"]) == 0 else "does not hold",
        ),
    ]


def training_checks(runs) -> list[Check]:
    """Per pair, the right net against the mistaken one: final test error (z) or leaving the
    chance plateau, as claims.right_beats_mistake decides it."""
    from analysis.claims.rules import Error, fell_back, right_beats_mistake, run_plateau_exit
    from analysis.figures.grid import CHANCE

    out = []
    for (mistake, *_), (right, wrong) in zip(PAIRS, runs, strict=True):
        err, exits = [], []
        for run in (right, wrong):
            label = f"{name(run)} (lr {run.summary['lr']:g})"  # the rates may differ
            err.append(Error.of_runs(label, [run]))
            exits.append(run_plateau_exit(run.metrics, CHANCE))
        seen = min(r.summary["examples_seen"] for r in (right, wrong))
        of = claim("mistake-trains-worse")
        c = right_beats_mistake(*err, *exits, seen, f"{mistake}: {of.title}", of)
        c.ours += "".join(fell_back(name(run), run.metrics, CHANCE) for run in (right, wrong))
        out.append(c)
    return out


def load_pairs(runs_dir, profile: str):
    return [
        [load(a, i, d, profile, "init-mistakes", runs_dir, 0, None, x) for a, i, d, x in nets]
        for _, *nets in PAIRS
    ]


ROLES, COLORS = ("right", "mistake"), ("tab:blue", "tab:red")  # the same in both rows


def label(net) -> str:
    _, init, _, extra = net
    extra = extra or {}
    text = init + (f" std {extra['init.std']}" if "init.std" in extra else "")
    return text + (f", fan: {extra['init.fan']}" if "init.fan" in extra else "")


COLUMNS = 3  # mistakes side by side; each gets its at-init panel above its training panel


def draw(measured: dict, runs):
    blocks = -(-len(PAIRS) // COLUMNS)
    fig, grid = plt.subplots(2 * blocks, COLUMNS, figsize=(4.8 * COLUMNS, 3.6 * 2 * blocks))
    for k, (mistake, right, wrong) in enumerate(PAIRS):
        top, bottom = (
            grid[2 * (k // COLUMNS), k % COLUMNS],
            grid[2 * (k // COLUMNS) + 1, k % COLUMNS],
        )
        ax = top
        for net, color, text in zip((right, wrong), COLORS, ROLES, strict=True):
            v = np.asarray(measured[repr(net)]["act_std"])
            ax.plot(
                np.arange(1, len(v) + 1),
                np.where(v > 0, v, np.nan),
                "o-",
                color=color,
                label=f"{text}: {label(net)}" + (" (std 0: not drawn)" if v.max() == 0 else ""),
            )
        ax.set(yscale="log", xlabel="layer", title=mistake)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.title.set_fontsize(8)
        ax.legend(fontsize=6)
        ax.grid(alpha=0.3)
        if runs is None:
            bottom.text(
                0.5,
                0.5,
                "training runs missing:\nmake reproduce-init-mistakes",
                ha="center",
                va="center",
                fontsize=8,
            )
            bottom.set_axis_off()
        else:
            role = {id(run): r for run, r in zip(runs[k], ROLES, strict=True)}
            error_curves(bottom, runs[k], lambda r, role=role: f"{role[id(r)]}: {name(r)}", COLORS)
        top.set_ylabel("std of activations z at init")
    for k in range(len(PAIRS), blocks * COLUMNS):  # a last row of mistakes not full
        for row in (2 * (k // COLUMNS), 2 * (k // COLUMNS) + 1):
            grid[row, k % COLUMNS].set_axis_off()
    fig.suptitle("Common initialization mistakes beside the right scheme", fontsize=11)
    text = "upper panels: at initialization, 300 Shapeset probe examples, model seed 0"
    if runs is not None:
        text = setting(sum(runs, []), text + "; lower panels: test error during training")
    stamp(fig, text)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    return fig


def main(argv=None) -> None:
    p = figure_parser(__doc__.splitlines()[0])
    a = p.parse_args(argv)
    checked_args(a.runs_dir, [a.profile])
    measured = at_init()
    try:
        runs = load_pairs(a.runs_dir, a.profile)
    except RunMissing as e:
        print(f"training panels left empty: {e}")
        runs = None
    for c in at_init_checks(measured) + (training_checks(runs) if runs else []):
        print(f"- {c.claim}: {c.ours}. {c.verdict}")
    for path in save(draw(measured, runs), f"init_mistakes{profile_suffix(a.profile)}", a.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
