"""Fig. 12: test error during training on the finite data sets (MNIST, CIFAR-10), the
paper's five 5-layer nets; a panel whose runs are missing says so and how to make them.

    python -m analysis.figures.fig12 [--profile epochs10]   ->  results/figures/fig12{_profile}.*
"""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np

import finite
from analysis.figures.dynamics import model_color, model_label
from analysis.runs.output import profile_suffix, save, stamp
from analysis.runs.store import Run, RunMissing, figure_parser, load_run
from experiments.data import REPO_ROOT, data_root

# FACTS section 4: the paper's end values (estimated from its Fig. 12), and its y range.
PAPER_END = {
    "mnist": {"Sigmoid": 2.12, "Softsign N": 1.72, "Tanh": 1.71, "Tanh N": 1.67, "Softsign": 1.62},
    "cifar10": {
        "Sigmoid": 57.2,
        "Softsign": 55.9,
        "Tanh": 55.8,
        "Softsign N": 53.7,
        "Tanh N": 52.9,
    },
}
PAPER_YLIM = {"mnist": (1.5, 3.0), "cifar10": (52.0, 65.0)}
TITLE = {"mnist": "MNIST", "cifar10": "CIFAR-10"}
DEFAULT_PROFILE = "epochs10"  # make reproduce-fig12's FIG12_PROFILE
MODELS = [  # Table 1's five nets
    ("sigmoid", "standard"),
    ("tanh", "standard"),
    ("tanh", "normalized"),
    ("softsign", "standard"),
    ("softsign", "normalized"),
]
EXTRA = [("sigmoid", "normalized")]  # not in the paper's figure: drawn dashed when its run exists


def load(data: str, activation: str, init: str, profile: str, runs_dir=None, seed=0) -> Run:
    overrides = {"activation": activation, "data": data, "init": init, "model.depth": 5}
    overrides["profile"] = profile
    target = f"reproduce-fig12 FIG12_PROFILE={profile}"
    return load_run("finite", overrides, seed, runs_dir, target, ("complete", "diverged"))


def data_missing(data: str) -> str | None:
    """Which files of data set `data` are absent from the default data root, if any, named
    from the repository as the config names the root (the same text in any clone)."""
    absent = [os.path.relpath(p, REPO_ROOT) for p in finite.missing(data, data_root())]
    return f"data not here: {', '.join(absent)}" if absent else None


def ylim(data: str, finals: list[float]) -> tuple[float, float]:
    """The paper's y range, widened so that every net that ends near it has its final
    error in the lower half; a net stuck far above (e.g. at chance) leaves the axis, so
    that it does not squash the others into a line."""
    lo, hi = PAPER_YLIM[data]
    near = [f for f in finals if f <= 3 * hi]
    top = min(100.0, max(hi, 2 * max(near) - lo)) if near else 100.0
    return min(lo, 0.9 * min(finals)), top


def panel(ax, data: str, profile: str, runs_dir, seed: int) -> list[Run]:
    try:
        runs = [load(data, a, i, profile, runs_dir, seed) for a, i in MODELS]
    except RunMissing as e:
        why = data_missing(data)
        why = f"{why}\n(see docs/datasets.md)" if why else str(e)
        ax.text(0.5, 0.5, f"not run\n{why}", ha="center", va="center",
                wrap=True, fontsize=7, transform=ax.transAxes)  # fmt: skip
        ax.set(title=f"{TITLE[data]}: no runs", xticks=[], yticks=[])
        return []
    for a, i in EXTRA:
        try:
            runs.append(load(data, a, i, profile, runs_dir, seed))
        except RunMissing:
            pass
    curves = {}
    for run in runs:
        label = model_label(run.config["activation"]["name"], run.config["init"]["name"])
        x = np.array([m["examples"] for m in run.metrics])
        curves[label] = x, 100 * np.array([m["test_error"] for m in run.metrics])
    lo, hi = ylim(data, [err[-1] for _, err in curves.values()])
    for label, (x, err) in curves.items():
        off = " (above the axis)" if err[-1] > hi else ""
        paper = PAPER_END[data].get(label)
        said = f"paper ~{paper:g}" if paper else "not in the paper's figure"
        ax.plot(x, err, lw=1.3, ls="-" if paper else "--", color=model_color(label),
                label=f"{label}: {err[-1]:.2f}%{off} ({said})")  # fmt: skip
    ax.set(xlabel="examples seen", ylabel="test error (%)", title=TITLE[data], ylim=(lo, hi))
    ax.legend(
        fontsize=7,
        frameon=False,
        title="final test error",
        title_fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )  # beside the curves, not on them
    ax.grid(alpha=0.3)
    ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0), useMathText=True)
    return runs


def has_runs(data: str, profile: str, runs_dir, seed: int) -> bool:
    try:
        load(data, *MODELS[0], profile, runs_dir, seed)
    except RunMissing:
        return False
    return True


def draw(runs_dir=None, profile=DEFAULT_PROFILE, seed=0):
    """A panel per data set that has runs (one saying what is missing when none has); a
    data set without runs is named in the footer instead of an empty half figure."""
    shown = [d for d in TITLE if has_runs(d, profile, runs_dir, seed)] or list(TITLE)[:1]
    fig, axes = plt.subplots(1, len(shown), figsize=(9.5 * len(shown), 4.6), squeeze=False)
    found = [r for ax, data in zip(axes[0], shown, strict=True)
             for r in panel(ax, data, profile, runs_dir, seed)]  # fmt: skip
    absent = [f"{TITLE[d]} not run ({data_missing(d) or 'no runs'}; `make reproduce-fig12`)"
              for d in TITLE if d not in shown]  # fmt: skip
    fig.suptitle("Fig. 12 - test error during training on finite data sets", fontsize=11)
    if found:
        s = found[0].summary
        seen = sorted({r.summary["examples_seen"] for r in found})
        stamp(
            fig,
            f"5 x 1000 nets; profile {profile}, {', '.join(f'{n:,}' for n in seen)} examples "
            f"seen, test sets of {found[0].config['profile']['test_size']:,}, data seed "
            f"{s['seed']}, model seed {s['model_seed']}; y axis: the paper's range, widened to "
            "our nets' final errors" + "".join(f"; {a}" for a in absent),
        )
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return fig


def main(argv=None) -> None:
    p = figure_parser(__doc__.splitlines()[0], DEFAULT_PROFILE)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    name = f"fig12{profile_suffix(a.profile, DEFAULT_PROFILE)}"
    for path in save(draw(a.runs_dir, a.profile, a.seed), name, a.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
