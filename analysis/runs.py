"""Finding and loading stored runs; a missing or unfinished run says how to produce it."""

from __future__ import annotations

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


def checked_args(runs_dir: str | Path | None, profiles: list[str]) -> Path:
    """For the scripts that draw what runs they find and leave the rest out: a runs folder
    with no run in it, or a profile that does not exist, is a typo that would otherwise
    overwrite a committed report or figure with empty panels, so it stops them first."""
    path = Path(runs_dir or RUNS_DIR)
    if not path.is_dir() or next(path.glob("*/*/seed=*"), None) is None:
        raise SystemExit(f"error: {path}: no runs there (expected <experiment>/<overrides>/seed=N)")
    known = sorted(f.stem for f in (REPO_ROOT / "conf" / "profile").glob("*.yaml"))
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
