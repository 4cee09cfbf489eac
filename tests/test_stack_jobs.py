"""Lockstep stacks as submitit jobs, through submitit's local executor (one process per
stack, as a Slurm node would run it): the runs equal the same runs trained alone, a stack
job interrupted and requeued ends as an uninterrupted one, and a failing net is recorded
while the others go on."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import same_records

from experiments import train
from experiments.run_store import RunStore

submitit = pytest.importorskip("submitit")
from experiments import stack_jobs  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SMALL = ["profile=smoke", "model.depth=3", "model.width=40", "progress=false", "threads=1"]
SWEEP = ["activation=tanh,softsign", "init=standard,normalized"]


def _multirun(runs_dir: Path, *launcher: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "experiments.train", "-m", *SMALL, *SWEEP,
           f"runs_dir={runs_dir}", *launcher]  # fmt: skip
    return subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True)


def _runs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("summary.json"))


def test_a_sweep_in_stacks_of_two_is_two_submitit_jobs_whose_runs_equal_runs_alone(tmp_path):
    _multirun(tmp_path / "alone", "hydra/launcher=basic")
    _multirun(tmp_path / "jobs", "hydra/launcher=lockstep", "hydra.launcher.backend=local",
              "hydra.launcher.max_nets=2")  # fmt: skip
    jobs = [p for p in (tmp_path / "jobs" / ".submitit").iterdir() if p.name.isdigit()]
    assert len(jobs) == 2
    alone, stacked = _runs(tmp_path / "alone"), _runs(tmp_path / "jobs")
    assert [p.relative_to(tmp_path / "alone") for p in alone] == [
        p.relative_to(tmp_path / "jobs") for p in stacked
    ]
    assert len(alone) == 4
    for a, b in zip(alone, stacked, strict=True):
        assert RunStore(b).summary()["stack_size"] == 2
        assert RunStore(a).summary()["stack_size"] == 1
        same_records(a, b)


LONGER = ["profile.examples=20000", "profile.probe_every=300", "profile.checkpoint_every=100",
          "profile.eval_every=5000"]  # fmt: skip


def _jobs(compose_cfg, root: Path) -> list:
    jobs = []
    for act in ("tanh", "softsign"):
        with compose_cfg([*SMALL, *LONGER, f"activation={act}", f"runs_dir={root}"]) as cfg:
            jobs.append((cfg, str(root / act)))
    return jobs


def test_a_stack_job_interrupted_and_requeued_ends_as_an_uninterrupted_one(compose_cfg, tmp_path):
    for cfg, run_dir in _jobs(compose_cfg, tmp_path / "alone"):
        train.run(cfg, run_dir)
    ex = stack_jobs.executor("local", tmp_path / "submitit", {"timeout_min": 10})
    stack = _jobs(compose_cfg, tmp_path / "cut")
    (job,) = stack_jobs.submit([stack], ex)
    deadline = time.time() + 300
    while len(list((tmp_path / "cut").rglob("checkpoint.pt"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    assert not list((tmp_path / "cut").rglob("summary.json")) or pytest.fail("finished early")
    # What Slurm sends a job it preempts, to the task (submitit's local controller, the
    # job's own process, restarts the task when it exits asking to be requeued).
    (task,) = (Path("/proc") / str(job._process.pid) / "task" / str(job._process.pid)
               / "children").read_text().split()  # fmt: skip
    os.kill(int(task), signal.SIGUSR2)
    (results,) = stack_jobs.results([job], [stack])
    assert [r["status"] for r in results] == ["complete", "complete"]
    assert "resuming" in job.stderr()  # it was requeued and resumed from its checkpoints
    for act in ("tanh", "softsign"):
        same_records(tmp_path / "alone" / act, tmp_path / "cut" / act)


def test_a_failing_net_is_recorded_and_the_rest_of_the_sweep_goes_on(compose_cfg, tmp_path):
    stacks = [_jobs(compose_cfg, tmp_path / "a"), _jobs(compose_cfg, tmp_path / "b")]
    ex = stack_jobs.executor("local", tmp_path / "submitit", {"timeout_min": 10})
    with RunStore(tmp_path / "a" / "tanh").lock():  # another process trains this one
        jobs = stack_jobs.submit(stacks, ex)
        results = stack_jobs.results(jobs, stacks)
    assert "being trained by another process" in str(results[0][0])
    assert results[0][1]["status"] == "complete"
    assert [r["status"] for r in results[1]] == ["complete", "complete"]


def test_a_stack_job_that_fails_as_a_whole_gives_its_error_to_each_net(tmp_path):
    class Broken:
        def result(self):
            raise submitit.core.utils.FailedJobError("the node died")

    out = stack_jobs.results([Broken()], [[("cfg", "a"), ("cfg", "b")]])
    assert [str(e) for e in out[0]] == ["the node died", "the node died"]


def test_an_unknown_backend_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="backend='pbs'"):
        stack_jobs.executor("pbs", tmp_path, {})


def test_the_slurm_config_makes_a_lockstep_launcher_for_slurm_reading_the_partition(
    compose_cfg, monkeypatch
):
    from hydra.utils import instantiate

    monkeypatch.setenv("SLURM_PARTITION", "gpu-a100")
    with compose_cfg(["hydra/launcher=lockstep_slurm", "hydra.launcher.max_nets=4"]) as cfg:
        launcher = instantiate(cfg.hydra.launcher)
    assert (launcher.backend, launcher.max_nets) == ("slurm", 4)
    assert launcher.executor["slurm_partition"] == "gpu-a100"
    assert launcher.executor["gpus_per_node"] == 1
    # submitit checks Slurm's settings by name without a cluster (a typo is refused)
    submitit.AutoExecutor("unused", cluster="debug").update_parameters(**launcher.executor)
    with pytest.raises(NameError, match="partitio"):
        submitit.AutoExecutor("unused", cluster="debug").update_parameters(slurm_partitio="x")
