"""Finding and loading stored runs; a missing or unfinished run says how to produce it."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from experiments.run_store import RunStore

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR = REPO_ROOT / "results" / "runs"


class RunMissing(RuntimeError):
    """A figure needs a run that is not there, or not complete."""


@dataclass
class Run:
    dir: Path
    summary: dict
    config: dict
    probes: dict[str, np.ndarray]
    metrics: list[dict]

    @property
    def seed(self) -> int:
        return self.summary["seed"]

    @property
    def diverged(self) -> bool:
        return self.summary["status"] == "diverged"


def known_profiles() -> list[str]:
    return sorted(f.stem for f in (REPO_ROOT / "conf" / "profile").glob("*.yaml"))


def profile_arg(name: str) -> str:
    """argparse's `type` for --profile: a typo is named as an unknown profile, not as a
    run to produce."""
    if name not in known_profiles():
        raise argparse.ArgumentTypeError(
            f"unknown profile {name!r}: one of {', '.join(known_profiles())}"
        )
    return name


def figure_parser(description: str, profile: str | None = "quick") -> argparse.ArgumentParser:
    """The options every figure script takes: --profile (when it reads trained runs),
    --runs-dir and --out."""
    p = argparse.ArgumentParser(description=description)
    if profile is not None:
        p.add_argument("--profile", type=profile_arg, default=profile)
    p.add_argument("--runs-dir", default=None)
    p.add_argument("--out", default=None, help="output folder (default results/figures)")
    return p


def checked_args(runs_dir: str | Path | None, profiles: list[str]) -> Path:
    """For the scripts that draw what runs they find and leave the rest out: a runs folder
    with no run in it, or a profile that does not exist, is a typo that would otherwise
    overwrite a committed report or figure with empty panels, so it stops them first."""
    path = Path(runs_dir or RUNS_DIR)
    if not path.is_dir() or next(path.glob("*/*/seed=*"), None) is None:
        raise SystemExit(f"error: {path}: no runs there (expected <experiment>/<overrides>/seed=N)")
    known = known_profiles()
    if unknown := [p for p in profiles if p not in known]:
        raise SystemExit(f"error: unknown profile {', '.join(unknown)}: one of {', '.join(known)}")
    return path


def architecture(config: dict) -> str:
    """A run's net in a few words: "5 x 1000", "1000 - 500 - 250", "3 conv x 16 maps, 5x5"."""
    m = config["model"]
    if m.get("name") == "conv":
        return f"{m['depth']} conv x {m['channels']} maps, {m['kernel']}x{m['kernel']}"
    widths = m.get("widths") or [m["width"]] * m["depth"]
    return f"{len(widths)} x {widths[0]}" if len(set(widths)) == 1 else " - ".join(map(str, widths))


def shown(path: str | Path) -> str:
    """A path as committed files should show it: relative to the repository when inside."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def run_dir(
    experiment: str, overrides: dict[str, object], seed: int = 0, runs_dir: str | Path | None = None
) -> Path:
    """The run's folder, as Hydra names it: sorted `key=value` overrides, then the seed
    (sorted as strings, as experiments.schema's dirname does: "model.depth=3" before
    "model=conv")."""
    name = ",".join(sorted(f"{k}={v}" for k, v in overrides.items())) or "default"
    return Path(runs_dir or RUNS_DIR) / experiment / name / f"seed={seed}"


def load_run(
    experiment: str,
    overrides: dict[str, object],
    seed: int = 0,
    runs_dir: str | Path | None = None,
    make_target: str | None = None,
    accept: tuple[str, ...] = ("complete",),
) -> Run:
    """A finished run; `accept` may add "diverged" for figures that mark such runs."""
    path = run_dir(experiment, overrides, seed, runs_dir)
    store = RunStore(path)
    status = store.status()
    if status not in accept:
        args = " ".join(f"{k}={v}" for k, v in sorted(overrides.items()))
        how = (
            f"`make {make_target}`"
            if make_target
            else f"`python -m experiments.train experiment={experiment} {args} seed={seed}`"
        )
        state, verb = f"is {status}, not complete", "produce"
        if status == "missing":
            started = unfinished(store)
            state, verb = (started, "resume") if started else ("does not exist", "produce")
        # Relative inside the checkout: the report it lands in must not depend on where.
        raise RunMissing(f"run {shown(path)} {state}; {verb} it with {how}")
    return read_run(path)


def unfinished(store: RunStore) -> str | None:
    """How far a run without a summary got (it is training, or was killed), if it started."""
    if not store.path("metrics.csv").exists():
        return None
    seen = int(store.metrics()[-1]["examples"])
    return f"is not finished ({seen:,} examples so far)"


def read_run(path: Path, summary_if_none: dict | None = None) -> Run:
    """The records of the run at `path`, as they stand (no status check)."""
    store = RunStore(path)
    config = yaml.safe_load(store.path("config.yaml").read_text())
    probes = store.probes() if store.path("probes.npz").exists() else {}
    metrics = store.metrics() if store.path("metrics.csv").exists() else []
    return Run(path, store.summary() or summary_if_none, config, probes, metrics)


def seeds_of(
    experiment: str, overrides: dict[str, object], runs_dir: str | Path | None = None
) -> list[int]:
    """The seeds stored for one setting, in order."""
    base = run_dir(experiment, overrides, 0, runs_dir).parent
    return sorted(int(p.name.split("=", 1)[1]) for p in base.glob("seed=*"))


# A plain Shapeset MLP run: what a stored config holds where nothing else was asked for
# (keys missing from older configs count as these values).
PLAIN = {
    "model.name": "mlp",
    "model.batch_norm": False,
    "model.width": 1000,
    "model.widths": None,
    "model.output_init": None,
    "data.name": "shapeset",
    "data.size": 0,
    "pretrain.name": "none",
    "init.gain": 1.0,
    "loss.name": "cross_entropy",
    "optim.batch_size": 10,
}
SHORT_KEYS = {"activation": "activation.name", "init": "init.name", "loss": "loss.name",
              "profile": "profile.name", "depth": "model.depth", "lr": "optim.lr",
              "pretrain": "pretrain.name"}  # fmt: skip


def _get(config: dict, dotted: str):
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return PLAIN.get(dotted)
        node = node[part]
    return node


def find_runs(experiment: str = "dynamics", runs_dir: str | Path | None = None,
              **where) -> list[Run]:  # fmt: skip
    """The finished runs whose stored config matches `where` (short names: activation,
    init, loss, profile, depth, lr, pretrain; or dotted keys written with "__", e.g.
    model__batch_norm=True), plain in every other respect (PLAIN), in seed order. Finds a
    run by what it is, whatever overrides named its folder."""
    wanted = {**PLAIN, **{SHORT_KEYS.get(k, k.replace("__", ".")): v for k, v in where.items()}}
    found = []
    for path in sorted(Path(runs_dir or RUNS_DIR).glob(f"{experiment}/*/seed=*")):
        store = RunStore(path)
        if not store.is_finished():
            continue
        config = yaml.safe_load(store.path("config.yaml").read_text())
        if all(_get(config, k) == v for k, v in wanted.items()):
            found.append(read_run(path))
    by_seed = {}  # two folders of one config and seed hold one run, trained twice
    for run in sorted(found, key=lambda r: r.seed):
        by_seed.setdefault(run.seed, run)
    return list(by_seed.values())
