"""Sweeps on Hydra's launchers: basic, joblib (local parallelism) and submitit (clusters)."""

import json
import os
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest
import torch
import yaml
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from analysis.runs import aggregate
from experiments import engine, train
from experiments.run_store import RunStore
from experiments.sweep_check import sweep_jobs

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


def test_every_grid_depth_trains_at_the_searched_depth_5_rate(compose_cfg):
    rates = yaml.safe_load((REPO / "conf" / "learning_rates.yaml").read_text())["rates"]
    inits, losses = ("standard", "normalized"), ("cross_entropy", "quadratic")
    for depth, act, init, loss in product((1, 3, 5), ("sigmoid", "tanh"), inits, losses):
        over = [f"model.depth={depth}", f"activation={act}", f"init={init}", f"loss={loss}"]
        with compose_cfg(["experiment=grid", *over]) as cfg:
            assert cfg.optim.lr == rates[f"{act}-{init}-d5"], over
    with compose_cfg(["experiment=grid", "model.depth=2", "optim.lr=0.5"]) as cfg:
        assert cfg.optim.lr == 0.5  # the command line wins


def test_threads_0_shares_the_cores_among_a_launchers_jobs():
    def threads(cores, **launcher):
        return train.launcher_threads(OmegaConf.create(launcher), cores)

    assert threads(2, n_jobs=2) == 1 and threads(16, n_jobs=4) == 4
    assert threads(8, n_jobs=-1) == 1 and threads(8, n_jobs=-2) == 1 and threads(2, n_jobs=9) == 1
    assert threads(64, cpus_per_task=4, tasks_per_node=1) == 4  # Slurm: what the job was given
    assert threads(8) == 0  # the basic launcher: one job at a time, torch's default


def test_the_slurm_example_composes_onto_submitit(compose_cfg):
    with compose_cfg(["experiment=grid", "hydra/launcher=slurm"]) as cfg:
        launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.SlurmLauncher")
    assert launcher.cpus_per_task == 4 and launcher.array_parallelism == 64


def test_the_pre_check_expands_jobs_as_the_basic_sweeper_does():
    config = OmegaConf.create(
        {
            "hydra": {
                "sweeper": {"params": {"model.depth": "1,2,3,4,5", "loss": "a,b"}},
                "overrides": {"task": ["model.depth=1,3", "seed=0,1", "threads=1"]},
            }
        }
    )
    jobs = [sorted(j) for j in sweep_jobs(config)]
    # the command line's model.depth replaces the experiment's; the rest multiply
    expected = [
        sorted([f"model.depth={d}", f"loss={loss}", f"seed={s}", "threads=1"])
        for d, loss, s in product((1, 3), ("a", "b"), (0, 1))
    ]
    assert sorted(jobs) == sorted(expected)


@pytest.mark.slow
def test_a_2x2_sweep_through_joblib_runs_in_parallel_and_reruns_skip(tmp_path):
    _sweep(tmp_path, *GRID_2x2, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    found = _summaries(tmp_path)
    tiny = ",model.width=30,probe.jacobian_examples=0,profile=smoke"
    assert sorted(found) == [
        f"default/activation={a},model.depth={d}{tiny}/seed=0"
        for a in ("softsign", "tanh")
        for d in (1, 2)
    ]
    assert all(s["status"] == "complete" for s in found.values())
    # each job set its own thread count: the cores shared between the two workers
    assert {s["threads"] for s in found.values()} == {max(1, os.cpu_count() // 2)}
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("summary.json")}
    again = _sweep(tmp_path, *GRID_2x2, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("summary.json")} == mtimes
    assert (again.stdout + again.stderr).count("already complete, skipped") == 4


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
    tiny = "model.width=30,{},probe.jacobian_examples=0,profile=smoke"
    assert status == {
        tiny.format("optim.lr=0.05"): "complete",
        tiny.format("optim.lr=1e+38"): "diverged",
    }


def test_a_job_in_a_reused_worker_ignores_what_the_previous_job_left(compose_cfg, tmp_path):
    """A joblib worker runs job after job in one process: global RNG state and the thread
    count one job leaves behind must not change the next job's results."""

    def run(name: str, threads: int):
        with compose_cfg([*TINY, "model.depth=2", f"threads={threads}"]) as cfg:
            return train.run(cfg, tmp_path / name)

    first = run("first", 0)
    torch.manual_seed(12345)  # what another job might have done to this process
    torch.rand(1000)
    torch.set_num_threads(1)
    second = run("second", 0)
    assert first["threads"] == second["threads"] == engine.DEFAULT_THREADS
    a, b = RunStore(tmp_path / "first"), RunStore(tmp_path / "second")
    assert [m["test_error"] for m in a.metrics()] == [m["test_error"] for m in b.metrics()]
    assert (a.probes()["act_std"] == b.probes()["act_std"]).all()
    torch.set_num_threads(engine.DEFAULT_THREADS)


MNIST_ROOT = REPO.parent / "shared" / "data"


@pytest.mark.skipif(not (MNIST_ROOT / "mnist").exists(), reason="real MNIST not at shared/")
def test_a_sweep_with_a_corrupt_data_root_for_one_job_launches_nothing(tmp_path):
    bad = tmp_path / "bad" / "mnist"
    bad.mkdir(parents=True)
    for f in (MNIST_ROOT / "mnist").glob("*.gz"):
        data = bytearray(f.read_bytes())
        if f.name.startswith("t10k-labels"):
            data[100:107] = b"garbage"  # a corrupt download
        (bad / f.name).write_bytes(bytes(data))
    runs = tmp_path / "runs"
    cmd = [sys.executable, "-m", "experiments.train", "-m", *TINY, "data=mnist",
           "model.depth=1", f"runs_dir={runs}", "data.finite.download=false",
           f"data.finite.root={MNIST_ROOT},{tmp_path / 'bad'}"]  # fmt: skip
    for launcher in ("basic", "lockstep"):
        done = subprocess.run([*cmd, f"hydra/launcher={launcher}"], cwd=REPO,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        assert done.returncode != 0
        assert "1 of the sweep's 2 jobs are invalid, nothing was launched" in done.stderr
        assert "t10k-labels-idx1-ubyte.gz" in done.stderr and "corrupt" in done.stderr
        assert not list(runs.rglob("summary.json"))
