"""Look inside any run: one page per run of what the paper's figures show for its nets.

    python -m analysis.figures.run_page RUN_DIR [RUN_DIR ...] [--out DIR] [--at 0 0.5 1]
    python -m analysis.figures.run_page --runs-dir results/runs/grid \
        --where activation=tanh model.depth=5
    make inspect RUN=results/runs/...

Per run (`inspect.png/pdf` beside it, or `<name>.png/pdf` in --out): activation,
back-propagated gradient and weight-gradient histograms per layer at chosen points of
training (default: first, middle and last probe); mean, std and 2nd/98th percentiles of the
activations per layer over training; saturation per layer over training; valid and test
error. Several runs also get `compare.png/pdf`: their test error and each layer's
saturation overlaid, labelled by what differs between their configs. A run that stopped early
(diverged, failed, killed) is drawn up to its last probe and says so.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import yaml

from analysis.figures.histograms import activation_window, density_curves, plot_layers
from analysis.runs.output import save, stamp
from analysis.runs.store import Run, architecture, read_run
from experiments.run_identity import speed_only
from experiments.run_store import RunStore

QUANTITIES = (("act", "activation"), ("backprop", "dC/ds"), ("wgrad", "dC/dW"))


class NotARun(ValueError):
    """A folder that holds no run, or a run with nothing to draw."""


def load(path: str | Path) -> Run:
    """The run at `path`, whatever its state; a clear error when it is not one."""
    store = RunStore(Path(path))
    if not Path(path).is_dir():
        raise NotARun(f"{path}: no such folder")
    if not store.path("config.yaml").exists():
        raise NotARun(f"{path}: not a run folder (no config.yaml); runs live in results/runs")
    if not store.path("probes.npz").exists():
        raise NotARun(f"{path}: the run has no probes yet (or profile.probe_every=0)")
    return read_run(Path(path), {"status": "running or killed"})


def flat(config: dict, prefix: str = "") -> dict[str, object]:
    out = {}
    for k, v in config.items():
        out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def select(runs_dir: str | Path, where: list[str]) -> list[Path]:
    """Run folders under `runs_dir` whose config matches every `key=value` of `where`."""
    if not Path(runs_dir).is_dir():
        raise NotARun(f"{runs_dir}: no such folder")
    if bad := [w for w in where if "=" not in w]:
        raise NotARun(f"--where wants key=value, got {bad[0]!r}")
    wanted = dict(w.split("=", 1) for w in where)
    found = []
    for cfg_path in sorted(Path(runs_dir).rglob("config.yaml")):
        if cfg_path.parent.name == ".hydra":
            continue
        cfg = flat(yaml.safe_load(cfg_path.read_text()))
        unknown = set(wanted) - set(cfg)
        if unknown:
            raise NotARun(f"{cfg_path.parent}: no config key {sorted(unknown)[0]!r} to select on")
        if all(str(cfg[k]) == v for k, v in wanted.items()):
            found.append(cfg_path.parent)
    if not found:
        raise NotARun(f"no run under {runs_dir} matches {' '.join(where)}")
    return found


def _points(n: int, at: list[float]) -> list[int]:
    return sorted({min(n - 1, round(f * (n - 1))) for f in at})


def state(run: Run) -> str:
    status = run.summary["status"]
    last = int(run.probes["examples"][-1])
    return "complete" if status == "complete" else f"{status}, drawn up to {last:,} examples"


def label(run: Run) -> str:
    c = run.config
    return (
        f"{c['activation']['name']}, {architecture(c)}, {c['init']['name']} init, "
        f"{c['loss']['name']}, lr {c['optim']['lr']:g}, {c['data']['name']}"
    )


def page(run: Run, at: list[float]):
    p = run.probes
    idx = _points(len(p["examples"]), at)
    fig, axes = plt.subplots(4, len(idx), figsize=(3.6 * len(idx), 12), squeeze=False)
    for row, (q, name) in enumerate(QUANTITIES):
        # one x range per row, so that a quantity compares across training at a glance
        window = activation_window(p) if q == "act" else max(
            density_curves(p, q, i)[2] for i in idx)  # fmt: skip
        for ax, i in zip(axes[row], idx, strict=True):
            plot_layers(ax, p, q, i, window)
            ax.set_title(f"{name} at {int(p['examples'][i]):,} examples", fontsize=9)
            ax.grid(alpha=0.3)
        axes[row][0].set_ylabel("normalized histogram")
    axes[0][-1].legend(fontsize=7, frameon=False)
    for ax in axes[3]:
        ax.set_axis_off()
    x = p["examples"]
    views = [
        ("activation: mean (line), 2nd and 98th percentiles (dashed)", "act_mean", 1),
        ("saturated units per layer, % (ReLUs: dead units)", "act_saturation", 100),
    ]
    for ax, (title, key, scale) in zip(axes[3], views, strict=False):
        ax.set_axis_on()
        colors = plt.cm.viridis(np.linspace(0, 0.9, max(5, p[key].shape[1])))
        for layer in range(p[key].shape[1]):
            ax.plot(x, scale * p[key][:, layer], color=colors[layer], lw=1.2,
                    label=f"Layer {layer + 1}")  # fmt: skip
            if key == "act_mean":  # thin lines, not filled bands that hide each other
                for pct in ("act_p2", "act_p98"):
                    ax.plot(x, p[pct][:, layer], color=colors[layer], lw=0.7, ls="--")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("examples seen")
        ax.grid(alpha=0.3)
    if len(axes[3]) > 2 and run.metrics:
        ax = axes[3][2]
        ax.set_axis_on()
        m = run.metrics
        for key in ("valid_error", "test_error"):
            ax.plot([r["examples"] for r in m], [100 * r[key] for r in m], label=key.split("_")[0])
        ax.set_title("valid and test error (%)", fontsize=9)
        ax.set_xlabel("examples seen")
        ax.legend(fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{label(run)}: {state(run)}", fontsize=11)
    s, c = run.summary, run.config
    stamp(
        fig,
        f"{Path(run.dir)}; profile {c['profile']['name']}, {c['profile']['probe_size']} probe "
        f"examples, data seed {c['seed']}, model seed {c['model_seed']}; status {s['status']}",
    )
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    return fig


def differing(runs: list[Run]) -> list[str]:
    """The config keys whose values differ between runs (speed-only settings left out)."""
    flats = [flat(r.config) for r in runs]
    keys = {k for k in set().union(*flats) if not speed_only(k)}
    return sorted(k for k in keys if len({str(f.get(k)) for f in flats}) > 1)


def compare(runs: list[Run]):
    """Test error and each layer's saturated share, the runs overlaid."""
    keys = differing(runs)
    depth = max(r.probes["act_saturation"].shape[1] for r in runs)
    cols = min(3, depth + 1)
    rows = -(-(depth + 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows + 0.6), squeeze=False)
    axes = axes.ravel()
    for run in runs:
        f = flat(run.config)
        name = ", ".join(f"{k.removesuffix('.name')}={f.get(k)}" for k in keys) or str(run.dir)
        name += "" if run.summary["status"] == "complete" else f" ({run.summary['status']})"
        m = run.metrics
        axes[0].plot([r["examples"] for r in m], [100 * r["test_error"] for r in m], label=name)
        sat = 100 * run.probes["act_saturation"]
        for layer in range(sat.shape[1]):
            axes[layer + 1].plot(run.probes["examples"], sat[:, layer], label=name)
    axes[0].set_title("test error (%)", fontsize=9)
    for layer in range(depth):
        axes[layer + 1].set_title(f"layer {layer + 1}: saturated units (%)", fontsize=9)
    for ax in axes[depth + 1 :]:
        ax.set_axis_off()
    for ax in axes[: depth + 1]:
        ax.set_xlabel("examples seen")
        ax.grid(alpha=0.3)
    # one legend below the panels: inside the first one it covered its ticks
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", fontsize=7,
               frameon=False, ncol=min(3, len(runs)), bbox_to_anchor=(0.5, 0.035))  # fmt: skip
    fig.suptitle(f"{len(runs)} runs; they differ in: {', '.join(keys) or 'nothing'}", fontsize=10)
    c = runs[0].config
    stamp(
        fig,
        f"profile {c['profile']['name']}, {c['profile']['probe_size']} probe examples; runs: "
        + "; ".join(str(r.dir) for r in runs),
    )
    fig.tight_layout(rect=(0, 0.04 + 0.025 * -(-len(runs) // 3), 1, 0.97))
    return fig


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="*", help="run folders")
    p.add_argument("--runs-dir", help="select the runs under this folder (with --where)")
    p.add_argument("--where", nargs="*", default=[], help="key=value config matches")
    p.add_argument("--at", nargs="*", type=float, default=[0.0, 0.5, 1.0],
                   help="points of training to show histograms at, as fractions")  # fmt: skip
    p.add_argument("--out", help="output folder (default: beside each run)")
    a = p.parse_args(argv)
    try:
        paths = list(a.runs) + (select(a.runs_dir, a.where) if a.runs_dir else [])
        if not paths:
            raise NotARun("name run folders, or --runs-dir with --where")
        runs = [load(path) for path in paths]  # every input checked before anything is drawn
    except NotARun as e:
        raise SystemExit(f"error: {e}") from None
    for run in runs:
        name = "inspect" if a.out is None else "_".join(run.dir.parts[-2:]).replace("=", "-")
        for path in save(page(run, a.at), name, a.out or run.dir):
            print(f"wrote {path}")
        plt.close("all")
    if len(runs) > 1:
        common = Path(os.path.commonpath([str(r.dir.resolve()) for r in runs]))
        for path in save(compare(runs), "compare", a.out or common):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
