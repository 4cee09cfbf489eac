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

    @property
    def seed(self) -> int:
        return self.summary["seed"]


def run_dir(
    experiment: str, overrides: dict[str, object], seed: int = 0, runs_dir: str | Path | None = None
) -> Path:
    """The run's folder, as Hydra names it: sorted `key=value` overrides, then the seed."""
    name = ",".join(f"{k}={v}" for k, v in sorted(overrides.items())) or "default"
    return Path(runs_dir or RUNS_DIR) / experiment / name / f"seed={seed}"


def load_run(
    experiment: str,
    overrides: dict[str, object],
    seed: int = 0,
    runs_dir: str | Path | None = None,
    make_target: str | None = None,
) -> Run:
    path = run_dir(experiment, overrides, seed, runs_dir)
    store = RunStore(path)
    status = store.status()
    if status != "complete":
        args = " ".join(f"{k}={v}" for k, v in sorted(overrides.items()))
        how = f"`make {make_target}` or " if make_target else ""
        state = "does not exist" if status == "missing" else f"is {status}, not complete"
        raise RunMissing(
            f"run {path} {state}; produce it with {how}"
            f"`python -m experiments.train experiment={experiment} {args} seed={seed}`"
        )
    config = yaml.safe_load(store.path("config.yaml").read_text())
    return Run(path, store.summary(), config, store.probes())
