"""Training-dynamics figures (Figs. 2, 3, 4, 9, 10, 11 and saturation) from stored runs.

Every run of these figures lives under experiment "dynamics", named by activation, init,
depth, profile (and pre-training): figures that share a net share its run. Each figure says
at which profile, examples seen and seed it was made; a diverged run is drawn up to where
it stopped and marked as such.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from analysis.figures.histograms import density_curves
from analysis.runs.output import profile_suffix, save, stamp
from analysis.runs.store import Run, RunMissing, figure_parser, load

LABEL = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softsign": "Softsign",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "linear": "Linear",
}
LAYER_COLORS = plt.cm.viridis(np.linspace(0, 0.9, 5))


INIT_LABEL = {"standard": "", "normalized": " N", "he": " He", "kumar": " Kumar",
              "lecun": " LeCun", "lsuv": " LSUV", "torch_default": " PyTorch default",
              "flax_default": " Flax default"}  # fmt: skip


def model_label(activation: str, init: str) -> str:
    """The paper's names: Tanh, Tanh N (normalized init), ...; later inits by their
    authors' spelling (ReLU He, Sigmoid Kumar), others by config name."""
    suffix = INIT_LABEL.get(init, f" {init}")
    return LABEL.get(activation, activation) + suffix


def name(run: Run) -> str:
    c = run.config
    text = model_label(c["activation"]["name"], c["init"]["name"])
    if c["init"]["name"] == "gaussian":
        text += f" std {c['init']['std']:g}"
    if c["model"].get("batch_norm"):
        text += " BN"
    if c["model"].get("name") == "conv":
        text += " conv, fan: " + c["init"].get("fan", "receptive_field").replace("_", " ")
    if c["pretrain"]["name"] != "none":  # the paper's (auto-encoders), or RBMs
        text = {"dae": "Pre-training"}.get(c["pretrain"]["name"], "RBM pre-training")
    return text + (" (diverged)" if run.diverged else "")


def setting(runs: list[Run], what: str) -> str:
    s = runs[0].summary
    seen = max(r.summary["examples_seen"] for r in runs)
    lrs = {name(r): r.summary["lr"] for r in runs}
    rates = (f"lr {next(iter(lrs.values())):g}" if len(set(lrs.values())) == 1 else
             "rates " + ", ".join(f"{k} {v:g}" for k, v in lrs.items()))  # fmt: skip
    return (
        f"{what}; profile {s['profile']}, up to {seen:,} examples seen "
        f"(the paper: 25,000,000), data seed {s['seed']}, model seed {s['model_seed']}, "
        f"{rates}"
    )


def _examples(run: Run) -> np.ndarray:
    return run.probes["examples"]


def fig2(runs_dir=None, profile="quick", seed=0):
    run = load("sigmoid", "standard", 4, profile, "fig2", runs_dir, seed)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = _examples(run)
    for layer in range(run.probes["act_mean"].shape[1]):
        ax.errorbar(
            x,
            run.probes["act_mean"][:, layer],
            yerr=run.probes["act_std"][:, layer],
            errorevery=max(1, len(x) // 40),  # a long run's bars would hide the means
            color=LAYER_COLORS[layer],
            capsize=2,
            lw=1.2,
            label=f"Layer {layer + 1}",
        )
    ax.set(
        xlabel="examples seen",
        ylabel="activation value",
        ylim=(-0.03, 1.03),  # a mean at 0 or 1 stays visible inside the frame
        title="Fig. 2 - Sigmoid, 4 hidden layers: mean activation (bars: std) per layer",
    )
    ax.legend(fontsize=8, frameon=False, loc="center right")  # the empty band at 0.1-0.4
    ax.grid(alpha=0.3)
    stamp(fig, setting([run], "sigmoid, 4 x 1000, standard init, 300 probe examples"))
    return fig


def _percentile_panel(ax, run: Run, title: str):
    x = _examples(run)
    for layer in range(run.probes["act_std"].shape[1]):
        c = LAYER_COLORS[layer]
        ax.plot(x, run.probes["act_p98"][:, layer], "o", ms=3, color=c, label=f"Layer {layer + 1}")
        ax.plot(x, run.probes["act_p2"][:, layer], "o", ms=3, color=c)
        ax.plot(x, run.probes["act_std"][:, layer], "-", lw=1.2, color=c)
        ax.plot(x, -run.probes["act_std"][:, layer], "-", lw=1.2, color=c)
    ax.set(ylim=(-1.05, 1.05), ylabel="activation value", title=title)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.grid(alpha=0.3)


def fig3(runs_dir=None, profile="quick", seed=0):
    runs = [load(a, "standard", 5, profile, "fig3", runs_dir, seed) for a in ("tanh", "softsign")]
    fig, axes = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    for ax, run in zip(axes, runs, strict=True):
        _percentile_panel(
            ax, run, f"{name(run)}, standard init: 2nd/98th percentiles (markers) and +-std (lines)"
        )
    axes[0].legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axes[-1].set_xlabel("examples seen")
    fig.suptitle("Fig. 3 - Activations over training, per layer")
    stamp(fig, setting(runs, "tanh and softsign, 5 x 1000, standard init, 300 probe examples"))
    return fig


def fig10(runs_dir=None, profile="quick", seed=0):
    run = load("tanh", "normalized", 5, profile, "fig10", runs_dir, seed)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    _percentile_panel(
        ax, run, "Tanh, normalized init: 2nd/98th percentiles (markers), +-std (lines)"
    )
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_xlabel("examples seen")
    fig.suptitle("Fig. 10 - As Fig. 3, tanh with normalized initialization")
    stamp(fig, setting([run], "tanh, 5 x 1000, normalized init, 300 probe examples"))
    return fig


def fig4(runs_dir=None, profile="quick", seed=0):
    runs = [load(a, "standard", 5, profile, "fig4", runs_dir, seed) for a in ("tanh", "softsign")]
    fig, axes = plt.subplots(2, 1, figsize=(7, 6.6))
    for ax, run in zip(axes, runs, strict=True):
        x, dens, _ = density_curves(run.probes, "act", -1, 1.0)
        for layer, d in enumerate(dens):
            ax.plot(x, d, color=LAYER_COLORS[layer], lw=1.4, label=f"Layer {layer + 1}")
        seen = int(_examples(run)[-1])
        ax.set(
            xlim=(-1.05, 1.05),  # the pile at +-1 inside the frame
            ylim=(0, None),
            ylabel="normalized histogram",
            title=f"{name(run)}: activations after {seen:,} examples",
        )
        ax.legend(fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("activation value")
    fig.suptitle("Fig. 4 - Activation histograms at the end of training")
    stamp(fig, setting(runs, "tanh and softsign, 5 x 1000, standard init, 300 probe examples"))
    return fig


def fig9(runs_dir=None, profile="quick", seed=0):
    runs = [load("tanh", i, 5, profile, "fig9", runs_dir, seed) for i in ("standard", "normalized")]
    fig, axes = plt.subplots(2, 1, figsize=(7, 6.6), sharex=True)
    for ax, run in zip(axes, runs, strict=True):
        x = _examples(run)
        for layer in range(run.probes["wgrad_std"].shape[1]):
            mean, std = run.probes["wgrad_mean"][:, layer], run.probes["wgrad_std"][:, layer]
            c = LAYER_COLORS[layer]
            ax.fill_between(x, mean - std, mean + std, color=c, alpha=0.15)
            ax.plot(x, mean + std, color=c, lw=1.2, label=f"Layer {layer + 1}")
            ax.plot(x, mean - std, color=c, lw=1.2)
        init, lr = run.config["init"]["name"], run.summary["lr"]
        ax.set(ylabel="weight gradient",
               title=f"Tanh, {init} init (lr {lr:g}): mean +- std of dC/dW")  # fmt: skip
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("examples seen")
    fig.suptitle("Fig. 9 - Weight gradients per layer over training", y=0.995)
    # one legend for both panels, above them: inside, it covered the bands
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncol=5, fontsize=8,
               frameon=False, bbox_to_anchor=(0.5, 0.955))  # fmt: skip
    stamp(fig, setting(runs, "tanh, 5 x 1000, 300 probe examples, dC/dW of mini-batches of 10"))
    return fig


FIG11_MODELS = [
    ("sigmoid", "standard", 5, None),
    ("sigmoid", "standard", 4, None),
    ("tanh", "standard", 5, None),
    ("softsign", "standard", 5, None),
    ("softsign", "normalized", 5, None),
    ("tanh", "normalized", 5, None),
    ("tanh", "standard", 5, "dae"),
]
FIG11_EXTRA = ("tanh", "standard", 5, "rbm")  # not in the paper, drawn when its run exists


# One colour per model, in every figure and at every profile (Fig. 11's nets; others take a
# colour of their own from their label, the same wherever they appear).
MODEL_COLORS = {
    "Sigmoid": "tab:brown", "Sigmoid N": "tab:gray",
    "Sigmoid depth 5": "tab:brown", "Sigmoid depth 4": "tab:orange", "Tanh": "tab:red",
    "Tanh N": "tab:blue", "Softsign": "tab:green", "Softsign N": "tab:olive",
    "Pre-training": "tab:purple", "RBM pre-training": "tab:pink",
}  # fmt: skip
SAME_CURVE = 1.0  # points: a curve this close to one drawn before it everywhere hides under it


def model_color(text: str, taken=()) -> str:
    """The model's fixed colour; another model's a stable one from its label (past those
    `taken` in the same panel, and past the fixed ones)."""
    if text in MODEL_COLORS:
        return MODEL_COLORS[text]
    fixed = {matplotlib.colors.to_rgb(c) for c in MODEL_COLORS.values()}
    palette = [c for c in plt.cm.tab10.colors + plt.cm.Dark2.colors
               if c not in fixed and c not in taken]  # fmt: skip
    return palette[sum(map(ord, text)) % len(palette)]


def error_curves(ax, runs: list[Run], label, colors=None) -> None:
    """Test error against examples seen, one line per run (in `colors`, one per run, when
    given, else each model's own colour), each labelled with its rate and final error, the
    legend ordered by final error (an x marks where a diverged run stopped). A curve that
    would hide under one drawn before it is dashed and says so."""
    curves, taken = [], []
    for run, color in zip(runs, colors or [None] * len(runs), strict=True):
        x = np.array([m["examples"] for m in run.metrics])
        err = 100 * np.array([m["test_error"] for m in run.metrics])
        text = label(run)
        color = color or model_color(text, taken)
        taken.append(matplotlib.colors.to_rgb(color))
        curves.append((err[-1], text, x, err, run, color))
    drawn = []
    for final, text, x, err, run, color in sorted(curves, key=lambda c: -c[0]):
        under = next(
            (
                t
                for t, dx, de in drawn
                if len(dx) == len(x) > 1
                and np.array_equal(dx, x)
                and np.abs(de - err)[1:].max() <= SAME_CURVE
            ),
            None,
        )  # fmt: skip (from the first evaluation after init on)
        legend = f"{text} (lr {run.summary['lr']:g}): {final:.1f}%"
        legend += f", dashed: on {under}" if under else ""
        ax.plot(x, err, lw=1.6 if under else 1.4, ls=(0, (4, 3)) if under else "-", color=color,
                label=legend)  # fmt: skip
        if run.diverged:
            ax.plot(x[-1], err[-1], "x", ms=9, color=color)
        drawn.append((text, x, err))
    ax.set(xlabel="examples seen", ylabel="test error (%)", ylim=(0, 92))
    ax.legend(fontsize=8, frameon=False, title="final test error", title_fontsize=8,
              loc="lower left")  # fmt: skip
    ax.grid(alpha=0.3)


def _with_depth(run: Run) -> str:
    return f"{name(run)} depth {run.config['model']['depth']}"


def fig11(runs_dir=None, profile="quick", seed=0):
    runs = [load(a, i, d, profile, "fig11", runs_dir, seed, p) for a, i, d, p in FIG11_MODELS]
    pre = runs[-1].summary.get("pretrain_examples", 0)
    try:
        runs.append(load(*FIG11_EXTRA[:3], profile, "fig11", runs_dir, seed, FIG11_EXTRA[3]))
    except RunMissing:
        pass
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    sigmoid = "sigmoid"
    error_curves(
        ax, runs, lambda r: _with_depth(r) if r.config["activation"]["name"] == sigmoid else name(r)
    )
    ax.set_title("Fig. 11 - Shapeset test error during online training")
    stamp(
        fig,
        setting(
            runs,
            "5 x 1000 unless said, test set of "
            f"{runs[0].config['profile']['test_size']:,} examples; Pre-training (tanh, "
            f"standard init; auto-encoders as the paper, or RBMs) first used {pre:,} "
            "unlabelled examples, not counted on the x axis",
        ),
    )
    return fig


BN = {"model.batch_norm": "true"}
BEYOND_RELU = [("relu", i, d, None) for d in (5, 30) for i in ("he", "normalized")]
BEYOND_SIGMOID = [("sigmoid", i, 5, None) for i in ("standard", "kumar")]
BEYOND_BATCH_NORM = [(a, i, 5, BN) for a in ("tanh", "relu") for i in ("standard", "normalized")]
BEYOND_CONV = [(a, i, 3, {"model": "conv", "init.fan": fan})
               for a, i in (("tanh", "normalized"), ("relu", "he"))
               for fan in ("receptive_field", "channels")]  # fmt: skip
BEYOND = [BEYOND_RELU, BEYOND_SIGMOID, BEYOND_BATCH_NORM, BEYOND_CONV]


def beyond(runs_dir=None, profile="quick", seed=0):
    """Beyond the paper: ReLU at depths 5 and 30 under He vs normalized init (He et al.
    2015); the 5-layer sigmoid net under Kumar's init (2017) vs the paper's standard one;
    tanh and ReLU with batch norm under either init (Ioffe & Szegedy 2015); conv nets with
    their fan-in counted right or over the channels alone."""
    panels = [[load(a, i, d, profile, "beyond", runs_dir, seed, None, x) for a, i, d, x in models]
              for models in BEYOND]  # fmt: skip
    titles = [
        "ReLU, 5 and 30 hidden layers: He vs normalized init",
        "Sigmoid, 5 hidden layers: Kumar vs standard init",
        "Batch norm (BN), 5 hidden layers: does the init still matter?",
        "Conv, 3 layers x 16 maps, 5x5: fan-in over receptive field vs channels",
    ]
    # 2 x 2, not a strip: at page width a strip's titles shrank to ~5 pt
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), sharey=True)
    for ax, runs, title, label in zip(axes.flat, panels, titles, (_with_depth, _with_depth, name,
                                                                 name), strict=True):  # fmt: skip
        error_curves(ax, runs, label)
        ax.set_title(title, fontsize=10)
    fig.suptitle("Beyond the paper: later inits, batch norm and convolutions in training",
                 fontsize=11)  # fmt: skip
    size = panels[0][0].config["profile"]["test_size"]
    stamp(
        fig, setting(sum(panels, []), f"dense layers x 1000 units, test set of {size:,} examples")
    )
    return fig


def saturation(runs_dir=None, profile="quick", seed=0):
    acts, inits = ("sigmoid", "tanh", "softsign"), ("standard", "normalized")
    runs = {
        (a, i): load(a, i, 5, profile, "saturation", runs_dir, seed) for a in acts for i in inits
    }
    fig, axes = plt.subplots(2, 3, figsize=(11, 6), sharex=True, sharey=True)
    for (a, i), run in runs.items():
        ax = axes[inits.index(i), acts.index(a)]
        for layer in range(run.probes["act_saturation"].shape[1]):
            ax.plot(
                _examples(run),
                100 * run.probes["act_saturation"][:, layer],
                color=LAYER_COLORS[layer],
                lw=1.3,
                label=f"Layer {layer + 1}",
            )
        ax.set_title(f"{name(run)} ({i})", fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("saturated units (%)")
    for ax in axes[-1]:
        ax.set_xlabel("examples seen")
    axes[0, 0].legend(fontsize=7, frameon=False)
    axes[0, 0].set_ylim(-3, 103)  # 0% and 100% stay visible
    fig.suptitle(
        "Saturation per layer over training: share of activations within 10% of "
        "the output range from an asymptote",
        fontsize=11,
    )
    stamp(
        fig,
        setting(
            list(runs.values()),
            "5 x 1000, 300 probe examples; saturated: "
            "sigmoid < 0.1 or > 0.9, tanh/softsign |z| > 0.8",
        ),
    )
    return fig


FIGURES = {
    "fig2": fig2,
    "fig3": fig3,
    "fig4": fig4,
    "fig9": fig9,
    "fig10": fig10,
    "fig11": fig11,
    "saturation": saturation,
    "beyond": beyond,
}


def main(figure: str, argv=None) -> None:
    p = figure_parser(f"{figure} from the stored dynamics runs")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    try:
        fig = FIGURES[figure](a.runs_dir, a.profile, a.seed)
    except RunMissing as e:
        raise SystemExit(f"error: {e}") from None
    for ax in fig.axes:  # 300000 -> 3e5: readable ticks at every scale
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0), useMathText=True)
    fig.tight_layout(rect=(0, 0.05, 1, 0.98))  # room for the setting stamp
    for path in save(fig, f"{figure}{profile_suffix(a.profile)}", a.out):
        print(f"wrote {path}")
