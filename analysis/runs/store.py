"""Finding and loading stored runs; a missing or unfinished run says how to produce it."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from experiments.learning_rates import default_lr
from experiments.run_identity import (
    BEFORE_THE_OPTION,
    HEADLINE,
    default_choices,
    name_items,
    spelled,
)
from experiments.run_store import RunStore

REPO_ROOT = Path(__file__).resolve().parents[2]
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


def load_run(
    experiment: str,
    where: dict[str, object],
    seed: int = 0,
    runs_dir: str | Path | None = None,
    make_target: str | None = None,
    accept: tuple[str, ...] = ("complete",),
) -> Run:
    """The stored run of `where` (see `matches`) and `seed`; `accept` may add "diverged"
    for figures that mark such runs. A missing or unfinished one says how to make it."""
    root = Path(runs_dir or RUNS_DIR)
    found = [p for p, c, items in stored(experiment, root)
             if seed_of(p) == seed and matches(c, items, where)]  # fmt: skip
    statuses = {p: RunStore(p).status() for p in found}
    done = [p for p in found if statuses[p] in accept]
    if done:
        return read_run(done[0])
    args = " ".join(f"{k}={v}" for k, v in sorted(where.items()))
    train = (f"python -m experiments.train experiment_name={experiment} {args} seed={seed} "
             f"runs_dir={shown(root)}")  # fmt: skip
    how = f"`make {make_target}`" if make_target else f"`{train}`"
    # Relative inside the checkout: the report it lands in must not depend on where.
    what = f"run {shown(root / experiment)}: {args} seed={seed}"
    if found:
        path = found[0]
        started = statuses[path] == "missing" and unfinished(RunStore(path))
        state = started or f"is {statuses[path]}, not complete"
        verb = "resume" if started else "produce"
        raise RunMissing(f"run {shown(path)} {state}; {verb} it with {how}")
    raise RunMissing(f"{what} does not exist; produce it with {how}")


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


SHORT_KEYS = {"depth": "model.depth", "lr": "optim.lr"}


@cache
def _identity(path: Path, mtime_ns: int) -> tuple[dict, dict]:
    config = yaml.safe_load(path.read_text())
    return config, name_items(config)


def stored(experiment: str, runs_dir: str | Path | None = None) -> list[tuple[Path, dict, dict]]:
    """Every run folder of `experiment` that holds a config (finished or not), with the
    config and the items that name the run (experiments.run_identity.name_items)."""
    out = []
    for path in sorted(Path(runs_dir or RUNS_DIR).glob(f"{experiment}/*/seed=*/config.yaml")):
        out.append((path.parent, *_identity(path, path.stat().st_mtime_ns)))
    return out


def seed_of(path: Path) -> int:
    """A run's seed, from its folder's name (seed=N)."""
    return int(path.name.split("=", 1)[1])


def _value(config: dict, dotted: str):
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return BEFORE_THE_OPTION.get(dotted)
        node = node[part]
    return node


def matches(config: dict, items: dict, where: dict[str, object]) -> bool:
    """Whether the run `config` describes is the one `where` asks for: a config group by its
    choice (activation="tanh", data="mnist"), a setting by its dotted name, written with "__"
    as a keyword (model__batch_norm=True; short: depth, lr). Every setting that names the
    run's folder (experiments/run_identity.py) and `where` leaves out must be the plain
    one (`items`: the run's name items); the learning rate, left out, is the model's
    default rate."""
    wanted = {SHORT_KEYS.get(k, k.replace("__", ".")): v for k, v in where.items()}
    for key, value in wanted.items():
        mine = _value(config, f"{key}.name" if key in default_choices() else key)
        if spelled(mine) != spelled(value):
            return False
    for key in items:
        if key not in wanted and key not in HEADLINE:
            return False
    if "optim.lr" not in wanted:
        return _value(config, "optim.lr") == default_lr(
            _value(config, "activation.name"), _value(config, "init.name"),
            _value(config, "model.depth"), _value(config, "data.name") or "shapeset",
            _value(config, "model.batch_norm"), _value(config, "model.name"),
            _value(config, "profile.name"))  # fmt: skip
    return True


def find_runs(experiment: str = "dynamics", runs_dir: str | Path | None = None,
              **where) -> list[Run]:  # fmt: skip
    """The finished runs that `where` asks for (see `matches`), in seed order: a run found
    by what it is, whatever overrides named its folder."""
    found = {}
    for path, config, items in stored(experiment, runs_dir):
        if matches(config, items, where) and RunStore(path).is_finished():
            found.setdefault(seed_of(path), path)
    return [read_run(found[seed]) for seed in sorted(found)]


def every_run(experiment: str, runs_dir: str | Path | None = None) -> list[Run]:
    """Every finished run of an experiment, each setting and seed (a sweep over settings
    at one seed, such as the trainability grid)."""
    return [read_run(path) for path, _, _ in stored(experiment, runs_dir)
            if RunStore(path).is_finished()]  # fmt: skip


def _overrides(activation, init, depth, profile, pretrain=None, extra=None) -> dict:
    """A dynamics run's overrides; `extra`: any others it was made with (e.g. batch norm)."""
    overrides = {"activation": activation, "init": init, "model.depth": depth, "profile": profile}
    if pretrain:
        overrides["pretrain"] = pretrain
    overrides.update(extra or {})
    return overrides


def load(
    activation, init, depth, profile, figure, runs_dir=None, seed=0, pretrain=None, extra=None
) -> Run:
    overrides = _overrides(activation, init, depth, profile, pretrain, extra)
    target = f"reproduce-{figure} PROFILE={profile}"
    return load_run("dynamics", overrides, seed, runs_dir, target, ("complete", "diverged"))


def load_seeds(activation, init, depth, profile, figure, runs_dir=None, pretrain=None, extra=None):
    """Every finished seed of one net (a seed still training is left out; seed 0 when none
    is finished: its RunMissing says how to make it)."""
    overrides = _overrides(activation, init, depth, profile, pretrain, extra)
    finished = [r.seed for r in find_runs("dynamics", runs_dir, **overrides)]
    seeds = finished or [0]
    return [
        load(activation, init, depth, profile, figure, runs_dir, s, pretrain, extra) for s in seeds
    ]
