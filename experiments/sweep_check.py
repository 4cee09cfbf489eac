"""Check every job of a sweep before the launcher starts any (a Hydra callback).

Without it, `-m optim.lr=0.1,-0.1` trains the first job for hours before the second is
refused; with it, the sweep stops at once and names each bad job and key. The jobs are
expanded the way Hydra's basic sweeper expands them (the experiment's `hydra.sweeper.params`
first, then the command line, the later value of a key winning) and each one is composed
and validated like a run would be, its data files read and checked; nothing is trained or
written.
"""

from __future__ import annotations

import sys

from hydra import compose
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from experiments import schema


def sweep_jobs(config: DictConfig) -> list[list[str]]:
    """Each job's overrides, in launch order."""
    params = config.hydra.sweeper.get("params") or {}
    arguments = [f"{k}={v}" for k, v in params.items()] + list(config.hydra.overrides.task)
    parsed = OverridesParser.create().parse_overrides(arguments)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def job_error(config_name: str, overrides: list[str]) -> str | None:
    """Why this job's config is invalid or its data files unreadable, or None."""
    from experiments.data import source  # loads a finite set's files (once per process)

    try:
        spec = schema.to_spec(compose(config_name=config_name, overrides=overrides))
        source(spec.data)
    except (ValueError, OSError, HydraException, OmegaConfBaseException) as e:
        return str(e).splitlines()[0]
    return None


class CheckEveryJob(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        jobs, name = sweep_jobs(config), config.hydra.job.config_name
        bad = [(i, job, err) for i, job in enumerate(jobs) if (err := job_error(name, job))]
        if bad:
            lines = [f"  #{i} {' '.join(job)}: {err}" for i, job, err in bad[:10]]
            lines += [f"  ... and {len(bad) - 10} more"] if len(bad) > 10 else []
            # SystemExit: Hydra turns a callback's exceptions into warnings and goes on.
            sys.exit(
                f"error: {len(bad)} of the sweep's {len(jobs)} jobs are invalid, nothing was "
                "launched:\n" + "\n".join(lines)
            )
