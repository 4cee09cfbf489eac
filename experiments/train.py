"""Train (and probe) one net: `python -m experiments.train [overrides]`, `-m` to sweep.

    python -m experiments.train activation=sigmoid model.depth=4 init=standard
    python -m experiments.train -m experiment=at_init init=standard,normalized

A run writes its directory (see experiments/run_store.py); a complete run is skipped, an
interrupted one resumes from its last checkpoint and ends identical to an uninterrupted one.
The loop is in experiments/engine.py; `hydra/launcher=lockstep` trains a sweep's jobs as
stacks (hydra_plugins/lockstep_launcher).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

# Registers `hydra/launcher=lockstep` also where Hydra's plugin scan cannot see the repo's
# hydra_plugins/ (an editable install run from another directory).
import hydra_plugins.lockstep_launcher.lockstep_launcher  # noqa: F401
from experiments import schema
from experiments.engine import REFUSALS, RunBusy, run_jobs
from experiments.run_store import discard_if_empty

__all__ = ["RunBusy", "launcher_threads", "main", "run"]


def run(cfg: DictConfig, run_dir: str) -> dict:
    """Train the run at `run_dir` (a stack of one), or skip it when finished, or resume it
    when interrupted; returns its summary, raises what stopped it."""
    (result,) = run_jobs([(cfg, run_dir)])
    if isinstance(result, Exception):
        raise result
    return result


schema.register()


def launcher_threads(launcher, cores: int | None = None) -> int:
    """For `threads=0`: the CPUs a launcher gives each job (Slurm's cpus_per_task, or the
    cores shared among joblib's n_jobs workers), else 0 (torch's default)."""
    cores = cores or os.cpu_count() or 1
    if launcher.get("cpus_per_task"):
        return int(launcher.cpus_per_task)
    n_jobs = launcher.get("n_jobs")
    if n_jobs:  # joblib: -1 is every core, -2 all but one, ...
        jobs = n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)
        return max(1, cores // min(jobs, cores))
    return 0


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    if cfg.threads == 0:  # parallel jobs must not each start a thread per core
        cfg.threads = launcher_threads(hc.launcher)
    if hc.mode == RunMode.RUN and hc.sweeper.params:
        discard_if_empty(run_dir, Path(cfg.runs_dir))
        sys.exit(f"error: this experiment sweeps {dict(hc.sweeper.params)}: run it with -m")
    try:
        run(cfg, run_dir)
    # A bad config value or device, a missing data file, a run another process trains:
    # each found before any work, so the job's empty folder goes too.
    except REFUSALS as e:
        discard_if_empty(run_dir, Path(cfg.runs_dir))
        if hc.mode == RunMode.MULTIRUN:
            raise  # Hydra records the failed job and the sweep goes on with the others
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
