"""One entry point for every figure of the paper, drawn from stored runs and records:

    python -m analysis.figures fig2 [--profile tenth] [--runs-dir DIR] [--out DIR]
    python -m analysis.figures --list

Each name maps to the module that draws it; the options after the name are that figure's
(`python -m analysis.figures fig2 --help`).
"""

from __future__ import annotations

import sys
from importlib import import_module


def _module(name: str):
    return lambda argv: import_module(f"analysis.{name}").main(argv)


def _dynamics(figure: str):
    return lambda argv: import_module("analysis.figures.dynamics").main(figure, argv)


def _histograms(figure: int):
    return lambda argv: import_module("analysis.figures.histograms").main(figure, argv)


FIGURES = {
    "fig1": _module("figures.fig1"),  # Shapeset-3x2 examples
    "fig2": _dynamics("fig2"),  # sigmoid: mean activation per layer over training
    "fig3": _dynamics("fig3"),  # tanh and softsign: percentiles per layer over training
    "fig4": _dynamics("fig4"),  # activation histograms at the end of training
    "fig5": _module("scans.fig5"),  # cost surfaces, cross-entropy vs quadratic
    "fig6": _histograms(6),  # activation histograms at init
    "fig7": _histograms(7),  # back-propagated gradient histograms at init
    "fig8": _histograms(8),  # weight-gradient histograms just after init
    "fig9": _dynamics("fig9"),  # weight-gradient spread over training
    "fig10": _dynamics("fig10"),  # fig3 for tanh with normalized init
    "fig11": _dynamics("fig11"),  # test error over training, the paper's nets
    "fig12": _module("figures.fig12"),  # MNIST and CIFAR-10 test error over training
    "saturation": _dynamics("saturation"),  # saturated share per layer over training
    "beyond": _dynamics("beyond"),  # beyond the paper, in training: ReLU, Kumar, BN, conv
    "trainability": _module("figures.trainability"),  # tanh over sigma_w^2 x depth, 6 xi_c
}


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "--list"):
        print(__doc__.strip() + "\n\nfigures: " + ", ".join(FIGURES))
        return
    name, rest = argv[0], argv[1:]
    if name not in FIGURES:
        raise SystemExit(f"error: unknown figure {name!r}: one of {', '.join(FIGURES)}")
    FIGURES[name](rest)


if __name__ == "__main__":
    main()
