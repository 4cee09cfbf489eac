"""Sweeps on Hydra's launchers: basic, joblib (local parallelism) and submitit (clusters)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.core.hydra_config import HydraConfig

from analysis import aggregate

REPO = Path(__file__).resolve().parent.parent
TINY = ["profile=smoke", "model.width=30", "progress=false", "probe.jacobian_examples=0"]
GRID_2x2 = ["model.depth=1,2", "activation=tanh,softsign"]


def _sweep(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "experiments.train", "-m", *TINY, f"runs_dir={tmp_path}"]
    done = subprocess.run([*cmd, *extra], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _summaries(tmp_path: Path) -> dict[str, dict]:
    return {
        str(p.parent.relative_to(tmp_path)): json.loads(p.read_text())
        for p in tmp_path.rglob("summary.json")
    }


def test_the_grid_experiment_sweeps_the_design_grid(compose_cfg):
    with compose_cfg(["experiment=grid"]) as cfg:
        params = dict(HydraConfig.get().sweeper.params)
    assert params == {
        "model.depth": "1,2,3,4,5",
        "activation": "sigmoid,tanh,softsign",
        "loss": "cross_entropy,quadratic",
        "init": "standard,normalized",
    }
    assert cfg.experiment_name == "grid"


def test_the_slurm_example_composes_onto_submitit(compose_cfg):
    with compose_cfg(["experiment=grid", "hydra/launcher=slurm"]) as cfg:
        launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.SlurmLauncher")
    assert launcher.cpus_per_task == 4 and launcher.array_parallelism == 64


@pytest.mark.slow
def test_a_2x2_sweep_through_joblib_runs_in_parallel_and_reruns_skip(tmp_path):
    _sweep(tmp_path, *GRID_2x2, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    found = _summaries(tmp_path)
    assert sorted(found) == [
        f"default/activation={a},model.depth={d}/seed=0"
        for a in ("softsign", "tanh")
        for d in (1, 2)
    ]
    assert all(s["status"] == "complete" for s in found.values())
    # each job set its own thread count: the cores shared between the two workers
    assert {s["threads"] for s in found.values()} == {max(1, os.cpu_count() // 2)}
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("summary.json")}
    again = _sweep(tmp_path, *GRID_2x2, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("summary.json")} == mtimes
    assert again.stderr.count("already complete, skipped") == 4


@pytest.mark.slow
def test_a_2x2_sweep_through_submitit_local(tmp_path):
    _sweep(
        tmp_path,
        *GRID_2x2,
        "seed=3",
        "threads=1",
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
    )
    found = _summaries(tmp_path)
    assert len(found) == 4 and all(k.endswith("/seed=3") for k in found)
    assert all(s["status"] == "complete" and s["seed"] == 3 for s in found.values())
    rows = aggregate.collect(tmp_path)  # submitit's logs (.submitit/) are not runs
    assert len(rows) == 4 and {r["status"] for r in rows} == {"complete"}


@pytest.mark.slow
def test_a_sweep_with_a_diverging_job_records_it_and_finishes_the_others(tmp_path):
    _sweep(tmp_path, "optim.lr=0.05,1e38", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    status = {k.split("/")[1]: s["status"] for k, s in _summaries(tmp_path).items()}
    assert status == {"optim.lr=0.05": "complete", "optim.lr=1e38": "diverged"}
