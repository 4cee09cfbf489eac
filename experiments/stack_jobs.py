"""Lockstep stacks as submitit jobs: the lockstep launcher's stacks, one job each, on this
machine (submitit's local executor: one process per stack) or on a Slurm cluster.

A stack job trains its nets with `engine.run_jobs`, as the launcher would in its own
process, so a net trained on a cluster node is the same run as one trained alone on a
laptop. A preempted or timed-out job is requeued by submitit (`TrainStack` is
Checkpointable) and resumes from its runs' checkpoints; a stack whose job fails records the
error for each of its nets, and the other stacks go on. Needs the `submitit` extra.
"""

from __future__ import annotations

import logging
from pathlib import Path

import submitit
from omegaconf import DictConfig, OmegaConf, open_dict

BACKENDS = ("local", "slurm")  # submitit's AutoExecutor clusters


class TrainStack(submitit.helpers.Checkpointable):
    """One stack: its jobs (cfg, run_dir). On preemption or timeout submitit calls
    `checkpoint`, which resubmits the same call; the runs resume from their checkpoints."""

    def __call__(self, jobs: list[tuple[DictConfig, str]]) -> list:
        from experiments import schema
        from experiments.engine import run_jobs

        schema.register()  # the resolvers the configs use (e.g. optim.lr's default)
        # the engine's lines (resuming, divergence, results) into the job's log
        logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(message)s")
        return run_jobs(jobs)  # one stack: they were grouped as one


def executor(backend: str, folder: str | Path, parameters: dict) -> submitit.Executor:
    """submitit's executor for `backend`, its logs and pickles under `folder`."""
    if backend not in BACKENDS:
        raise ValueError(f"hydra.launcher.backend={backend!r}: choose process or one of "
                         f"{', '.join(BACKENDS)}")  # fmt: skip
    ex = submitit.AutoExecutor(folder=str(folder), cluster=backend)
    ex.update_parameters(**parameters)
    return ex


def portable(cfg: DictConfig, cpus: int | None = None) -> DictConfig:
    """A job's config for another process: without Hydra's node (the other process does not
    have it) but with the overrides that made it (the run records its command), on the
    schema again, and `threads=0` made the job's `cpus` when given (torch would otherwise
    start one thread per core of the node)."""
    from experiments import schema
    from experiments.engine import task_overrides

    values = OmegaConf.to_container(schema.task_config(cfg))
    if not values.get("threads") and cpus:
        values["threads"] = int(cpus)
    out = OmegaConf.merge(OmegaConf.structured(schema.Config), values)
    with open_dict(out):
        out.hydra = {"overrides": {"task": task_overrides(cfg)}}
    return out


def submit(stacks: list[list[tuple[DictConfig, str]]], ex: submitit.Executor,
           cpus: int | None = None) -> list:  # fmt: skip
    """One submitit job per stack (a Slurm job array when the cluster has them)."""
    stacks = [[(portable(cfg, cpus), run_dir) for cfg, run_dir in stack] for stack in stacks]
    with ex.batch():
        jobs = [ex.submit(TrainStack(), stack) for stack in stacks]
    return jobs


def results(jobs: list, stacks: list[list]) -> list[list]:
    """Per stack, per net: its summary or the exception that stopped it; a job that failed
    as a whole gives its error to each of its nets."""
    out = []
    for job, stack in zip(jobs, stacks, strict=True):
        try:
            out.append(job.result())
        except Exception as e:  # submitit's FailedJobError, UncompletedJobError, ...
            out.append([e] * len(stack))
    return out
