"""Table 1: test error of the five 5-layer nets beside the paper's, Shapeset and (where
their runs exist) MNIST and CIFAR-10.

    python -m analysis.report.table1 [--profile quick] [--finite-profile epochs10]
        ->  results/table1{_profile}.md

Our number is the test error at the end of training (online data: no early stopping), as
the mean of each run's evaluations over the last fifth of its training (analysis.claims.rules.
LAST_SHARE), mean +- sd over the
seeds stored for each net; the paper does not say where along training its table was read.
Bold marks the nets not significantly worse than the best one at p = 0.005, as the paper's
bold does: across seeds by Welch's t-test, with one seed by a z-test on the standard error
of the test set and the curve's own scatter.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from analysis.claims import rules as C
from analysis.figures import fig12
from analysis.runs.output import profile_suffix
from analysis.runs.store import (
    REPO_ROOT,
    RUNS_DIR,
    RunMissing,
    load,
    load_seeds,
    profile_arg,
    shown,
)
from shapeset.atomic import atomic_write_bytes

# FACTS section 5 (bold = significantly better in the paper, p = 0.005).
PAPER = [
    ("Softsign", "softsign", "standard", 16.27, True),
    ("Softsign N", "softsign", "normalized", 16.06, True),
    ("Tanh", "tanh", "standard", 27.15, False),
    ("Tanh N", "tanh", "normalized", 15.60, True),
    ("Sigmoid", "sigmoid", "standard", 82.61, False),
]


# FACTS section 5: MNIST and CIFAR-10 columns, (value, bold) per model label.
PAPER_FINITE = {
    "mnist": {"Softsign": (1.64, True), "Softsign N": (1.72, True), "Tanh": (1.76, True),
              "Tanh N": (1.64, True), "Sigmoid": (2.21, False)},
    "cifar10": {"Softsign": (55.78, False), "Softsign N": (53.8, True), "Tanh": (55.9, False),
                "Tanh N": (52.92, True), "Sigmoid": (57.28, False)},
}  # fmt: skip


def finite_cells(data: str, act: str, init: str, label: str, profile: str, runs_dir):
    """(ours, paper) cells of one net on a finite data set; ours is '-' without its run."""
    value, bold = PAPER_FINITE[data][label]
    paper = f"**{value:.2f}**" if bold else f"{value:.2f}"
    try:
        run = fig12.load(data, act, init, profile, runs_dir)
    except RunMissing:
        return "-", paper, None
    return f"{100 * C.Error.of_runs(label, [run]).mean:.2f}", paper, run


P_BOLD = 0.005  # the paper's level for its bold entries


def _cell(values: list[float], bold: bool) -> str:
    text = f"{values[0]:.2f}" if len(values) == 1 else (
        f"{np.mean(values):.2f} +- {np.std(values, ddof=1):.2f}")  # fmt: skip
    return f"**{text}**" if bold else text


def as_good_as_the_best(errors: dict[str, C.Error]) -> set[str]:
    """The labels whose error is not significantly above the lowest one's (one-sided, at
    P_BOLD): the paper's bold."""
    from statistics import NormalDist

    best = min(errors.values(), key=lambda e: e.mean)
    z_bold = NormalDist().inv_cdf(1 - P_BOLD)
    return {k for k, e in errors.items() if e is best or C.z_score(best, e) < z_bold}


def table(profile: str = "quick", runs_dir=None, finite_profile=fig12.DEFAULT_PROFILE) -> str:
    rows, seen, order, finite_runs = [], set(), {}, {d: [] for d in PAPER_FINITE}
    runs = {label: load_seeds(act, init, 5, profile, "table1", runs_dir)
            for label, act, init, _, _ in PAPER}  # fmt: skip
    errors = {label: C.Error.of_runs(label, rs) for label, rs in runs.items()}
    bold_ours = as_good_as_the_best(errors)
    for label, act, init, paper, bold in PAPER:
        finite = []
        for data in PAPER_FINITE:
            ours, paper_cell, run = finite_cells(data, act, init, label, finite_profile, runs_dir)
            finite += [ours, paper_cell]
            finite_runs[data] += [(label, run)] if run else []
        seen |= {r.summary["examples_seen"] for r in runs[label]}
        status = ", ".join(sorted({r.summary["status"] for r in runs[label]} - {"complete"}))
        values = [100 * v for v in errors[label].values]
        ours = _cell(values, label in bold_ours) + (f" ({status})" if status else "")
        order[label] = np.mean(values)
        paper_cell = f"**{paper:.2f}**" if bold else f"{paper:.2f}"
        rows.append(
            f"| {label} | {ours} | {len(runs[label])} | {paper_cell} | " + " | ".join(finite) + " |"
        )
    n_seeds = sorted({len(rs) for rs in runs.values()})
    test_size = load("tanh", "standard", 5, profile, "table1", runs_dir).config["profile"][
        "test_size"
    ]
    return "\n".join(
        [
            "# Table 1 - test error (%), 5 hidden layers",
            "",
            f"Shapeset: profile `{profile}`, {', '.join(f'{s:,}' for s in sorted(seen))} "
            f"training examples seen per run (the paper: 25,000,000); test set of "
            f"{test_size:,} examples; {'/'.join(map(str, n_seeds))} "
            f"seed{'s' if max(n_seeds) > 1 else ''} per net. Our "
            f"number is the error at the end of training, {C.LAST_TEXT}, "
            "mean +- sd over seeds where more than one. N = "
            "normalized initialization. Paper's bold: statistically different from the "
            "non-bold ones (p = 0.005, test not named); ours: not significantly worse than "
            "the best net at p = 0.005 (one-sided; Welch's t-test across seeds, with one seed "
            "a z-test on the test set's binomial noise and the curve's own scatter). "
            "Generated by `make reproduce-table1` from "
            f"{shown(Path(runs_dir or RUNS_DIR) / 'dynamics')}.",
            "",
            "| model | Shapeset, ours | seeds | paper | MNIST, ours | paper | CIFAR-10, ours "
            "| paper |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            *[_finite_note(data, runs, finite_profile) for data, runs in finite_runs.items()],
            "",
            f"Ranking on Shapeset, ours: {ranking(order)}.",
            f"Ranking on Shapeset, paper: {ranking({p[0]: p[3] for p in PAPER})}.",
            "",
        ]
    )


def _finite_note(data: str, labelled_runs: list, profile: str) -> str:
    name = fig12.TITLE[data]
    if not labelled_runs:
        return f"{name}: not run here (`make reproduce-fig12`; see docs/datasets.md for its data)."
    runs = [run for _, run in labelled_runs]
    seen = sorted({r.summary["examples_seen"] for r in runs})
    test = runs[0].config["profile"]["test_size"]
    note = (
        f"{name}: profile `{profile}`, {', '.join(f'{n:,}' for n in seen)} training examples "
        f"seen per run, test set of {test:,}, seed 0, {C.LAST_TEXT}."
    )
    if len(labelled_runs) < len(PAPER):
        return note
    ours = {label: C.Error.of_runs(label, [run]).mean for label, run in labelled_runs}
    paper = {label: value for label, (value, _) in PAPER_FINITE[data].items()}
    return f"{note} Ranking, ours: {ranking(ours)}; paper: {ranking(paper)}."


def ranking(error_by_label: dict[str, float]) -> str:
    """Labels from lowest error to highest; equal errors (the paper's 1.64 twice) as ties."""
    order = sorted(error_by_label.items(), key=lambda item: item[1])
    text = order[0][0]
    for (_, before), (label, value) in itertools.pairwise(order):
        text += f" {'=' if value == before else '<'} {label}"
    return text


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", type=profile_arg, default="quick")
    p.add_argument(
        "--finite-profile", default=fig12.DEFAULT_PROFILE, help="MNIST / CIFAR-10 runs' profile"
    )
    p.add_argument("--runs-dir", default=None)
    p.add_argument("--out", default=None)
    a = p.parse_args(argv)
    try:
        text = table(a.profile, a.runs_dir, a.finite_profile)
    except RunMissing as e:
        raise SystemExit(f"error: {e}") from None
    name = f"table1{profile_suffix(a.profile)}.md"
    out = Path(a.out) if a.out else REPO_ROOT / "results" / name
    atomic_write_bytes(out, text.encode())
    print(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
