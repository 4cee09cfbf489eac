"""A Hydra launcher that trains a multirun's jobs in lockstep:

    python -m experiments.train -m experiment=table1 hydra/launcher=lockstep
    python -m experiments.train -m experiment=grid hydra/launcher=lockstep \
        hydra.launcher.max_nets=12

Each job is composed as the basic launcher composes it (its sweep config, output directory
and .hydra/ record), then `experiments.engine.plan_jobs` skips complete runs and groups the
others into stacks of nets of one shape, device, batch size and starting update (at most
`max_nets` each), and each stack trains in one process, resuming interrupted runs:
this one (`backend=process`), or one submitit job per stack (`backend=local`: a process of
this machine each; `backend=slurm`: a Slurm job each, with the `executor` parameters;
`hydra/launcher=lockstep_slurm` sets them), requeued on preemption or timeout.
Every job still gets its own run directory and its own JobReturn, so the
sweeper, the callbacks and a later rerun see ordinary Hydra jobs. Unlike the basic
launcher it does not call the task function per job (the engine trains them), writes no
per-job log file (log lines name their run) and applies neither `hydra.job.env_set` nor
`hydra.job.chdir` (the suite never depends on the working directory).
"""

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import (
    JobReturn,
    JobRuntime,
    JobStatus,
    _save_config,
    configure_log,
    setup_globals,
)
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict, read_write

log = logging.getLogger(__name__)


@dataclass
class LockstepLauncherConf:
    _target_: str = "hydra_plugins.lockstep_launcher.lockstep_launcher.LockstepLauncher"
    max_nets: int = 16  # the most nets one stack trains (0: no bound)
    backend: str = "process"  # process: here; local / slurm: a submitit job per stack
    folder: str = "${hydra.sweep.dir}/.submitit/%j"  # submitit's logs and pickles
    executor: dict[str, Any] = field(default_factory=dict)  # submitit's update_parameters


ConfigStore.instance().store(group="hydra/launcher", name="lockstep", node=LockstepLauncherConf)


class LockstepLauncher(Launcher):
    def __init__(self, max_nets: int = 16, backend: str = "process", folder: str = ".",
                 executor: dict | None = None) -> None:  # fmt: skip
        if max_nets < 0:
            raise ValueError(f"hydra.launcher.max_nets={max_nets}: must be >= 0 (0: no bound)")
        if backend not in ("process", "local", "slurm"):
            raise ValueError(f"hydra.launcher.backend={backend!r}: choose process, local or slurm")
        self.max_nets, self.backend, self.folder = max_nets, backend, folder
        self.executor = dict(executor or {})

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        # The suite's engine, imported when used; REFUSALS: what a job is refused for, said
        # in one line as a solo run says it, not as a traceback.
        from experiments.engine import REFUSALS
        from experiments.run_store import discard_if_empty

        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        log.info(f"Launching {len(job_overrides)} jobs in lockstep (max_nets={self.max_nets}, "
                 f"backend={self.backend})")  # fmt: skip
        outer = HydraConfig.instance().cfg
        configs = [self._job_config(i, o) for i, o in enumerate(job_overrides, initial_job_idx)]
        if outer is not None:
            HydraConfig.instance().set_config(outer)
        for cfg in configs:
            self.hydra_context.callbacks.on_job_start(config=cfg, task_function=self.task_function)
        results = self._train([(cfg, cfg.hydra.runtime.output_dir) for cfg in configs])
        returns = []
        for cfg, result in zip(configs, results, strict=True):
            if isinstance(result, REFUSALS):  # one line, as a solo run prints it
                log.error(f"error: job {' '.join(cfg.hydra.overrides.task)}: {result}")
                result = SystemExit(f"error: {result}")
            ret = JobReturn(
                overrides=list(cfg.hydra.overrides.task),
                cfg=_task_config(cfg),
                hydra_cfg=cfg,
                working_dir=os.getcwd(),
                task_name=JobRuntime.instance().get("name"),
                status=JobStatus.FAILED
                if isinstance(result, BaseException)
                else JobStatus.COMPLETED,
                _return_value=result,
            )
            self.hydra_context.callbacks.on_job_end(config=cfg, job_return=ret)
            returns.append(ret)
            if ret.status == JobStatus.FAILED:  # refused before it started: no empty folder
                discard_if_empty(Path(cfg.hydra.runtime.output_dir), Path(cfg.runs_dir))
        return returns

    def _train(self, jobs: list) -> list:
        """Per job, its summary or the exception that stopped it."""
        from experiments.engine import plan_jobs, run_jobs

        if self.backend == "process":
            return run_jobs(jobs, self.max_nets)
        from experiments import stack_jobs

        plan = plan_jobs(jobs, self.max_nets)
        stacks = [[jobs[i] for i, _ in stack] for stack in plan.stacks]
        ex = stack_jobs.executor(self.backend, self.folder, self.executor)
        submitted = stack_jobs.submit(stacks, ex, self.executor.get("cpus_per_task"))
        log.info(f"{len(submitted)} stack jobs: {', '.join(j.job_id for j in submitted)}")
        for stack, out in zip(plan.stacks, stack_jobs.results(submitted, stacks), strict=True):
            for (i, _), result in zip(stack, out, strict=True):
                plan.results[i] = result
        return plan.per_job()

    def _job_config(self, idx: int, overrides: Sequence[str]) -> DictConfig:
        """The job's config as the basic launcher builds it, its output directory made and
        its .hydra/ record written."""
        lst = " ".join(overrides)
        log.info(f"\t#{idx} : {lst}")
        cfg = self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
        with open_dict(cfg):
            cfg.hydra.job.id = cfg.hydra.job.num = idx
        HydraConfig.instance().set_config(cfg)  # resolves ${hydra:...} in the subdir
        out = Path(str(cfg.hydra.sweep.dir)) / str(cfg.hydra.sweep.subdir)
        with read_write(cfg.hydra.runtime), open_dict(cfg.hydra.runtime):
            cfg.hydra.runtime.output_dir = str(out.resolve())
        HydraConfig.instance().set_config(cfg)
        out.mkdir(parents=True, exist_ok=True)
        if cfg.hydra.output_subdir is not None:
            record = out / str(cfg.hydra.output_subdir)
            _save_config(_task_config(cfg), "config.yaml", record)
            _save_config(cfg, "hydra.yaml", record)
            _save_config(cfg.hydra.overrides.task, "overrides.yaml", record)
        return cfg


def _task_config(cfg: DictConfig) -> DictConfig:
    task = cfg.copy()
    with read_write(task), open_dict(task):
        del task["hydra"]
    return task
