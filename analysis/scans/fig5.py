"""Fig. 5: cross-entropy (black) vs quadratic (red) cost as a function of two weights.

python -m analysis.scans.fig5 [--seed 0 --grid 41 --examples 1 --out results/figures]

The paper (§4.1) plots "the training criterion as a function of two weights for a two-layer
network (one hidden layer) with hyperbolic tangent units, and a random input and target
signal": W1 in the hidden layer, W2 in the output layer, both over [-4, 4]. Its point: the
quadratic cost has flat plateaus that the cross-entropy (-log P(y|x)) does not.

What the paper leaves open (FACTS.md §8, "Fig. 5's net size and data"), and the defaults
chosen here, each an option of `main`:

- Net: 10 inputs -> 10 tanh units -> 10 softmax outputs (`--in-features`, `--hidden`,
  `--classes`): small, so both surfaces take a fraction of a second, with 10 classes like
  MNIST / CIFAR-10. Bigger nets give the same picture, only slower (100-100-10: quadratic
  flatter for 20 of 20 seeds; the paper-scale 1024-1000-9: 4 of 5 seeds, ~45 s a seed).
- Data: ONE random example (`--examples 1`), following the paper's "a random input and
  target signal": x ~ N(0, 1) per input, target uniform over the classes, drawn from numpy's
  default_rng(seed), a generator independent of the weights' torch generator. Averaging the
  cost over many random examples blurs each example's saturation into a smooth bowl: with 5
  or 100 examples the plateau fractions fall to 0.5-3% of the grid for both costs, though
  the quadratic one is still the larger for most seeds (76 and 84 of 100).
- Init: normalized (Eq. 16) for both layers, biases 0, `models.MLP(seed=seed)` (`--init`).
- The two weights: W2 = output.weight[0, 0] (hidden unit 0 -> output 0) and
  W1 = hidden.0.weight[0, i] (input i -> hidden unit 0), so W2 scales the very unit W1
  drives. i is, by default, the input with the largest |x| (mean over the examples;
  `--w1-input` fixes it instead): then sweeping W1 over [-4, 4] takes the tanh unit from
  saturated at -1 through its linear regime to saturated at +1, which the figure is about.
  With a fixed i = 0, a small random x_0 (0.13 for seed 0) leaves the unit near-linear and
  the W1 axis nearly flat for both costs. All other weights keep their initial values.
- Grid: `--grid` x `--grid` points (41) evenly over [-`--lim`, `--lim`] = [-4, 4] per axis.
- Costs: models.get_loss("cross_entropy") (mean -log softmax(logits)[y]) and
  models.get_loss("quadratic") (mean sum_k (softmax_k - onehot_k)^2, no 1/2), evaluated in
  float64 so that the finite differences are not rounding-limited.
- Plateau measure (`plateau_fractions`): the gradient of each surface by central finite
  differences over the grid (numpy.gradient, one-sided at the edges); a grid point is on a
  plateau when its gradient norm is below `--threshold` (1%) of that surface's largest
  gradient norm. Relative to each surface's own steepest slope, it does not call the
  quadratic cost flat merely for being smaller. Default setting: quadratic 0.362 of the
  grid, cross-entropy 0.234 (at 5%: 0.563 vs 0.477); almost every cross-entropy plateau
  point is a quadratic one too. The ordering holds for all of seeds 0-99 (mean 0.357 vs
  0.213), for 2 classes (100 of 100) and 3 classes (96 of 100), and with i = 0 (96 of 100).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from torch.func import functional_call, vmap

from analysis.runs.output import save, stamp
from models import MLP, get_loss

LOSS_NAMES = ("cross_entropy", "quadratic")
LOSS_LABELS = {"cross_entropy": "cross-entropy  -log P(y|x)", "quadratic": "quadratic"}
LOSS_COLORS = {"cross_entropy": "black", "quadratic": "red"}
W1_PARAM = "hidden.0.weight"
W2_PARAM = "output.weight"


@dataclass(frozen=True)
class Fig5Setting:
    """Everything the surfaces depend on (see the module docstring for the choices)."""

    in_features: int = 10
    hidden: int = 10
    n_classes: int = 10
    n_examples: int = 1
    activation: str = "tanh"
    init: str = "normalized"
    seed: int = 0
    grid: int = 41
    lim: float = 4.0
    w1_input: int | None = None
    w2_index: tuple[int, int] = (0, 0)

    def w1_index(self, x: torch.Tensor) -> tuple[int, int]:
        """(hidden unit 0, input) of W1; the input defaults to the one with the largest mean
        |x| over the examples (see the module docstring)."""
        if self.w1_input is not None:
            return (0, int(self.w1_input))
        return (0, int(x.abs().mean(dim=0).argmax()))


@dataclass
class Fig5Surfaces:
    """Cost surfaces: costs[name][i, j] is the cost at W1 = w[i], W2 = w[j]."""

    setting: Fig5Setting
    w: np.ndarray
    costs: dict[str, np.ndarray]
    model: MLP
    x: torch.Tensor
    y: torch.Tensor
    w1_index: tuple[int, int]
    w1_init: float
    w2_init: float


def make_problem(setting: Fig5Setting) -> tuple[MLP, torch.Tensor, torch.Tensor]:
    """The float64 net and its random data (x ~ N(0, 1), targets uniform over classes)."""
    model = MLP(
        setting.in_features,
        [setting.hidden],
        setting.n_classes,
        setting.activation,
        init=setting.init,
        seed=setting.seed,
    ).double()
    rng = np.random.default_rng(setting.seed)
    x = torch.from_numpy(rng.standard_normal((setting.n_examples, setting.in_features)))
    y = torch.from_numpy(rng.integers(0, setting.n_classes, setting.n_examples))
    return model, x, y


def _one_hot_mask(shape: torch.Size, index: tuple[int, int]) -> torch.Tensor:
    mask = torch.zeros(shape, dtype=torch.bool)
    mask[index] = True
    return mask


def cost_at(
    model: MLP,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_name: str,
    w1,
    w2,
    w1_index: tuple[int, int] = (0, 0),
    w2_index: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    """Mean cost over (x, y) with hidden.0.weight[w1_index] set to each w1 and
    output.weight[w2_index] to the matching w2 (1-D, equal length), all other weights as in
    `model`. Evaluated in one vmapped functional call; `model` is not modified."""
    loss = get_loss(loss_name)
    params = {k: v.detach() for k, v in model.named_parameters()}
    dtype = params[W1_PARAM].dtype
    w1 = torch.as_tensor(w1, dtype=dtype).reshape(-1)
    w2 = torch.as_tensor(w2, dtype=dtype).reshape(-1)
    m1 = _one_hot_mask(params[W1_PARAM].shape, w1_index)
    m2 = _one_hot_mask(params[W2_PARAM].shape, w2_index)

    def one(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        p = dict(params)
        p[W1_PARAM] = torch.where(m1, a, params[W1_PARAM])
        p[W2_PARAM] = torch.where(m2, b, params[W2_PARAM])
        return loss(functional_call(model, p, (x,)), y)

    return vmap(one)(w1, w2)


def cost_surfaces(setting: Fig5Setting = Fig5Setting()) -> Fig5Surfaces:
    """Both costs over the grid [-lim, lim]^2 of (W1, W2)."""
    model, x, y = make_problem(setting)
    w = torch.linspace(-setting.lim, setting.lim, setting.grid, dtype=torch.float64)
    g1, g2 = torch.meshgrid(w, w, indexing="ij")
    w1_index = setting.w1_index(x)
    costs = {}
    with torch.no_grad():
        for name in LOSS_NAMES:
            flat = cost_at(model, x, y, name, g1, g2, w1_index, setting.w2_index)
            costs[name] = flat.reshape(setting.grid, setting.grid).numpy()
    return Fig5Surfaces(
        setting,
        w.numpy(),
        costs,
        model,
        x,
        y,
        w1_index=w1_index,
        w1_init=model.hidden[0].weight[w1_index].item(),
        w2_init=model.output.weight[setting.w2_index].item(),
    )


def gradient_norm(w: np.ndarray, surface: np.ndarray) -> np.ndarray:
    """|grad C| at each grid point, by central differences (one-sided at the edges)."""
    d1, d2 = np.gradient(surface, w, w)
    return np.hypot(d1, d2)


def plateau_mask(w: np.ndarray, surface: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Grid points whose gradient norm is below `threshold` x the surface's largest one."""
    g = gradient_norm(w, surface)
    return g < threshold * g.max()


def plateau_fractions(
    w: np.ndarray, costs: dict[str, np.ndarray], threshold: float = 0.01
) -> dict[str, float]:
    """Per surface, the fraction of grid points on a plateau (see `plateau_mask`)."""
    return {name: float(plateau_mask(w, s, threshold).mean()) for name, s in costs.items()}


def setting_text(surf: Fig5Surfaces) -> str:
    s = surf.setting
    i1, i2 = surf.w1_index, s.w2_index
    why = " (input of largest |x|)" if s.w1_input is None else ""
    return (
        f"1 hidden layer: {s.in_features} inputs -> {s.hidden} {s.activation} -> "
        f"{s.n_classes} softmax outputs; {s.init} init, biases 0; {s.n_examples} random "
        f"example(s), x ~ N(0,1), target uniform; seed {s.seed}; W1 = {W1_PARAM}"
        f"[{i1[0]},{i1[1]}]{why}, W2 = {W2_PARAM}[{i2[0]},{i2[1]}], "
        f"{s.grid}x{s.grid} grid on [-{s.lim:g}, {s.lim:g}]^2, other weights fixed; "
        "quadratic = sum_k (softmax_k - onehot_k)^2; Glorot & Bengio (2010) Fig. 5"
    )


def draw(surf: Fig5Surfaces, threshold: float = 0.01):
    """Left: both surfaces on one 3-D axes, as in the paper. Right: where each is flat."""
    s = surf.setting
    w = surf.w
    fractions = plateau_fractions(w, surf.costs, threshold)
    g1, g2 = np.meshgrid(w, w, indexing="ij")
    fig = plt.figure(figsize=(15, 6.5))
    grid = fig.add_gridspec(1, 2, width_ratios=(1.35, 1))
    ax = fig.add_subplot(grid[0], projection="3d")
    stride = max(1, (s.grid - 1) // 20)
    for name in LOSS_NAMES:
        ax.plot_wireframe(
            g1,
            g2,
            surf.costs[name],
            rstride=stride,
            cstride=stride,
            color=LOSS_COLORS[name],
            linewidth=0.6,
            label=LOSS_LABELS[name],
        )
    ax.set_xlabel("W1 (hidden layer)")
    ax.set_ylabel("W2 (output layer)")
    ax.set_zlabel("cost", labelpad=8)
    ax.view_init(elev=25, azim=-60)
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title("cost surfaces", fontsize=10)

    ax2 = fig.add_subplot(grid[1])
    extent = (w[0], w[-1], w[0], w[-1])
    quad = plateau_mask(w, surf.costs["quadratic"], threshold)
    ce = plateau_mask(w, surf.costs["cross_entropy"], threshold)
    ax2.imshow(
        np.where(quad, 1.0, np.nan).T,
        origin="lower",
        extent=extent,
        cmap="Reds",
        vmin=0,
        vmax=2.5,
        interpolation="nearest",
        aspect="equal",
    )
    ce_pts = np.nonzero(ce)
    ax2.scatter(w[ce_pts[0]], w[ce_pts[1]], s=6, c="black", marker="o", linewidths=0)
    ax2.plot(surf.w1_init, surf.w2_init, marker="+", color="tab:blue", ms=12, mew=2, ls="")
    ax2.set_xlim(w[0], w[-1])
    ax2.set_ylim(w[0], w[-1])
    ax2.set_xlabel("W1 (hidden layer)")
    ax2.set_ylabel("W2 (output layer)")
    ax2.set_title(
        f"plateaus: |grad cost| < {100 * threshold:g}% of that surface's max |grad|",
        fontsize=10,
    )
    handles = [
        Patch(
            color=plt.get_cmap("Reds")(1 / 2.5), label=f"quadratic: {fractions['quadratic']:.3f}"
        ),
        Line2D(
            [],
            [],
            color="black",
            marker="o",
            ms=3,
            ls="",
            label=f"cross-entropy: {fractions['cross_entropy']:.3f}",
        ),
        Line2D([], [], color="tab:blue", marker="+", ms=10, mew=2, ls="", label="initial weights"),
    ]
    ax2.legend(
        handles=handles,
        title="fraction of the grid\non a plateau",
        loc="upper left",
        bbox_to_anchor=(1.03, 1.0),
        fontsize=9,
        title_fontsize=9,
    )
    fig.suptitle(
        "Fig. 5 - cross-entropy (black) vs quadratic (red) cost over two weights, "
        "1-hidden-layer tanh net",
        fontsize=11,
    )
    stamp(fig, setting_text(surf))
    fig.subplots_adjust(left=0.0, right=0.84, bottom=0.12, top=0.9, wspace=0.1)
    return fig, fractions


def main(argv=None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    d = Fig5Setting()
    p.add_argument("--in-features", type=int, default=d.in_features)
    p.add_argument("--hidden", type=int, default=d.hidden, help="hidden-layer width")
    p.add_argument("--classes", type=int, default=d.n_classes)
    p.add_argument("--examples", type=int, default=d.n_examples, help="random examples")
    p.add_argument(
        "--w1-input",
        type=int,
        default=None,
        help="input index of W1 = hidden.0.weight[0, i] (default: the largest |x|)",
    )
    p.add_argument("--activation", default=d.activation)
    p.add_argument("--init", default=d.init)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--grid", type=int, default=d.grid, help="points per axis")
    p.add_argument("--lim", type=float, default=d.lim, help="weights range over [-lim, lim]")
    p.add_argument(
        "--threshold",
        type=float,
        default=0.01,
        help="plateau: |grad| below this fraction of the surface's max |grad|",
    )
    p.add_argument("--out", default=None, help="output folder (default results/figures)")
    a = p.parse_args(argv)
    setting = Fig5Setting(
        in_features=a.in_features,
        hidden=a.hidden,
        n_classes=a.classes,
        n_examples=a.examples,
        activation=a.activation,
        init=a.init,
        seed=a.seed,
        grid=a.grid,
        lim=a.lim,
        w1_input=a.w1_input,
    )
    fig, fractions = draw(cost_surfaces(setting), a.threshold)
    for name in LOSS_NAMES:
        print(f"plateau fraction {name}: {fractions[name]:.4f}")
    for path in save(fig, "fig5", a.out):
        print(f"wrote {path}")
    return fractions


if __name__ == "__main__":
    main()
