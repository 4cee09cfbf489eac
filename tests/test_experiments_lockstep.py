"""Runs trained as a stack are the runs trained alone: bit for bit on the CPU, after a
SIGKILL and a resume, and with a net that diverges; the lockstep launcher; run names."""

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import same_records

from experiments import engine, train
from experiments.data import ShapesetData
from experiments.run_store import RunStore

REPO = Path(__file__).resolve().parent.parent
SMALL = ["profile=smoke", "model.depth=3", "model.width=40", "progress=false", "threads=2"]
# Mixed nets: every activation, both losses, inits with and without biases, two data
# seeds, their own rates.
MIXED = [
    ["activation=tanh", "init=standard", "optim.lr=0.1"],
    ["activation=sigmoid", "loss=quadratic", "init=normalized", "optim.lr=0.5"],
    ["activation=softsign", "init=normalized", "seed=1", "optim.lr=0.03"],
    ["activation=tanh", "loss=quadratic", "init=normalized", "seed=1", "model_seed=7"],
    ["activation=tanh", "init=torch_default", "optim.lr=0.1"],  # biases drawn, not 0
]


def _jobs(compose_cfg, root: Path, settings, extra=()):
    jobs = []
    for i, over in enumerate(settings):
        with compose_cfg([*SMALL, *extra, *over, f"runs_dir={root}"]) as cfg:
            jobs.append((cfg, str(root / f"run{i}")))
    return jobs


def _alone(compose_cfg, root: Path, settings, extra=()):
    for cfg, run_dir in _jobs(compose_cfg, root, settings, extra):
        train.run(cfg, run_dir)


def test_runs_trained_as_one_stack_equal_the_same_runs_trained_alone(compose_cfg, tmp_path):
    _alone(compose_cfg, tmp_path / "alone", MIXED)
    results = engine.run_jobs(_jobs(compose_cfg, tmp_path / "stack", MIXED))
    assert [r["status"] for r in results] == ["complete"] * len(MIXED)
    assert {r["stack_size"] for r in results} == {len(MIXED)}  # one stack, two streams
    for i in range(len(MIXED)):
        same_records(tmp_path / "alone" / f"run{i}", tmp_path / "stack" / f"run{i}")


def test_a_diverging_net_leaves_the_stack_and_the_others_go_on(compose_cfg, tmp_path):
    settings = [*MIXED[:2], ["activation=tanh", "optim.lr=1e38"]]
    _alone(compose_cfg, tmp_path / "alone", settings)
    results = engine.run_jobs(_jobs(compose_cfg, tmp_path / "stack", settings))
    assert [r["status"] for r in results] == ["complete", "complete", "diverged"]
    alone = RunStore(tmp_path / "alone" / "run2").summary()
    assert results[2]["updates"] == alone["updates"] < 40  # found at the same update
    for i in range(3):
        same_records(tmp_path / "alone" / f"run{i}", tmp_path / "stack" / f"run{i}")


def test_max_nets_bounds_a_stack_and_a_rerun_skips_complete_runs(compose_cfg, tmp_path):
    jobs = _jobs(compose_cfg, tmp_path, MIXED[:3])
    first = engine.run_jobs(jobs, max_nets=2)
    assert sorted(r["stack_size"] for r in first) == [1, 2, 2]
    mtimes = [(Path(d) / "summary.json").stat().st_mtime_ns for _, d in jobs]
    assert engine.run_jobs(jobs, max_nets=2) == first
    assert [(Path(d) / "summary.json").stat().st_mtime_ns for _, d in jobs] == mtimes


def test_jobs_of_other_shapes_train_in_other_stacks(compose_cfg, tmp_path):
    settings = [MIXED[0], [*MIXED[1], "model.depth=2"], MIXED[2]]
    results = engine.run_jobs(_jobs(compose_cfg, tmp_path, settings))
    assert [r["stack_size"] for r in results] == [2, 1, 2]


def test_a_bad_job_fails_alone(compose_cfg, tmp_path):
    jobs = _jobs(compose_cfg, tmp_path, MIXED[:2])
    train.run(*_jobs(compose_cfg, tmp_path, [MIXED[1]])[0])  # run0's dir gets run1's config
    (cfg0, dir0), (cfg1, dir1) = jobs
    results = engine.run_jobs([(cfg0, str(tmp_path / "run0")), (cfg1, dir1)])
    assert isinstance(results[0], ValueError) and "another config" in str(results[0])
    assert results[1]["status"] == "complete"


def test_a_run_stored_before_the_fill_option_counts_as_pixel_centre_filled(compose_cfg, tmp_path):
    """Older runs hold no `data.shapeset.fill`; they were drawn by pixel centres, so they
    are refused for the author's fill (the default now) and kept for `fill=centers`."""
    import yaml

    old = tmp_path / "old"
    with compose_cfg([*SMALL, "data.shapeset.fill=centers"]) as cfg:
        config = engine.check(cfg, str(old)).config
    del config["data"]["shapeset"]["fill"]
    RunStore(old).write_text("config.yaml", yaml.safe_dump(config, sort_keys=False))
    with compose_cfg(SMALL) as cfg, pytest.raises(ValueError, match="fill: stored 'centers'"):
        engine.check(cfg, str(old))
    with compose_cfg([*SMALL, "data.shapeset.fill=centers"]) as cfg:
        engine.check(cfg, str(old))  # the same run: no error


def _lockstep_cmd(runs_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "experiments.train",
        "-m",
        *SMALL,
        "profile.examples=20000",
        "profile.probe_every=300",
        "profile.checkpoint_every=100",
        "profile.eval_every=5000",
        "activation=tanh,sigmoid,softsign",
        "hydra/launcher=lockstep",
        f"runs_dir={runs_dir}",
    ]


def test_a_stack_killed_by_sigkill_resumes_and_ends_as_an_uninterrupted_one(tmp_path):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    subprocess.run(_lockstep_cmd(whole), cwd=REPO, check=True, capture_output=True)
    proc = subprocess.Popen(
        _lockstep_cmd(cut),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while len(list(cut.rglob("checkpoint.pt"))) < 3 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # somewhere past the first checkpoints, maybe mid-write
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    runs = sorted({p.parent for p in whole.rglob("summary.json")})
    assert len(runs) == 3
    assert not list(cut.rglob("summary.json"))  # killed before any run finished
    subprocess.run(_lockstep_cmd(cut), cwd=REPO, check=True, capture_output=True)
    for run in runs:
        resumed = cut / run.relative_to(whole)
        assert RunStore(resumed).summary()["examples_seen"] == 20000
        same_records(run, resumed)
        assert not list(resumed.glob(".*.tmp")) and not (resumed / "checkpoint.pt").exists()


def test_a_resumed_run_removes_temp_files_a_kill_left(compose_cfg, tmp_path, monkeypatch):
    real_save, calls = engine.save, []

    def save_then_die(*args):
        real_save(*args)
        calls.append(1)
        if len(calls) == 2:
            (tmp_path / "r" / ".checkpoint.pt.x1y2.tmp").write_bytes(b"half a checkpoint")
            raise KeyboardInterrupt  # stands for a kill during the next write

    monkeypatch.setattr(engine, "save", save_then_die)
    ((cfg, _),) = _jobs(compose_cfg, tmp_path, [MIXED[0]])
    with pytest.raises(KeyboardInterrupt):
        train.run(cfg, tmp_path / "r")
    monkeypatch.setattr(engine, "save", real_save)
    assert train.run(cfg, tmp_path / "r")["status"] == "complete"
    assert not list((tmp_path / "r").glob(".*.tmp"))


def test_one_learning_rate_written_two_ways_names_one_run(compose_cfg, tmp_path):
    names = set()
    for lr in ("1e-2", "0.01", "0.010"):
        with compose_cfg([f"optim.lr={lr}", "threads=2", "engine.loader_workers=1"]) as cfg:
            names.add((cfg.hydra.run.dir, cfg.hydra.sweep.subdir))
    ((run_dir, subdir),) = names
    assert run_dir.endswith(",optim.lr=0.01,profile=quick/seed=0") and run_dir.endswith(subdir)
    for flag in ("true", "True", "TRUE"):  # as the analysis names batch-norm runs
        with compose_cfg([f"model.batch_norm={flag}", "threads=2"]) as cfg:
            assert "/default/activation=tanh,init=normalized,model.batch_norm=true," in str(
                cfg.hydra.run.dir
            )
    # model.depth twice too: plain mode lists both overrides, -m keeps the last
    base = [sys.executable, "-m", "experiments.train", *SMALL, "model.depth=1"]
    base.append(f"runs_dir={tmp_path}")
    subprocess.run([*base, "optim.lr=1e-2"], cwd=REPO, check=True, capture_output=True)
    again = subprocess.run(
        [*base[:3], "-m", *base[3:], "optim.lr=0.01"], cwd=REPO, capture_output=True, text=True
    )
    assert "already complete, skipped" in again.stdout + again.stderr
    assert len(list(tmp_path.rglob("summary.json"))) == 1


def test_the_lockstep_launcher_composes_and_refuses_a_negative_bound(compose_cfg, tmp_path):
    with compose_cfg(["hydra/launcher=lockstep"]) as cfg:
        assert cfg.hydra.launcher.max_nets == 16
    done = subprocess.run(
        [*_lockstep_cmd(tmp_path), "hydra.launcher.max_nets=-1"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "max_nets=-1" in done.stderr
    assert not list(tmp_path.rglob("summary.json"))


def test_a_corrupt_checkpoint_is_refused_by_name_and_the_others_train(compose_cfg, tmp_path):
    jobs = _jobs(compose_cfg, tmp_path, MIXED[:2])
    (tmp_path / "run0").mkdir()
    (tmp_path / "run0" / "checkpoint.pt").write_bytes(b"\x50\x4b not a whole zip file")
    results = engine.run_jobs(jobs)
    assert isinstance(results[0], ValueError)
    assert "run0/checkpoint.pt: unreadable checkpoint" in str(results[0])
    assert results[1]["status"] == "complete"
    with pytest.raises(ValueError, match="delete it to train this run again"):
        train.run(*jobs[0])


def test_two_jobs_naming_one_run_train_it_once(compose_cfg, tmp_path):
    (a, run_dir), (b, _) = _jobs(compose_cfg, tmp_path, [MIXED[0], MIXED[0]])
    first, second = engine.run_jobs([(a, run_dir), (b, run_dir)])
    assert first == second and first["status"] == "complete" and first["stack_size"] == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_jobs_refused_by_the_lockstep_launcher_leave_no_folder(tmp_path):
    cmd = [*_lockstep_cmd(tmp_path), "profile.examples=400"]
    done = subprocess.run([*cmd, "device=cuda"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode != 0 and "no CUDA device" in done.stdout + done.stderr
    assert {p.name for p in tmp_path.iterdir()} <= {"multirun.yaml"}  # no run folders
    subprocess.run([*cmd, "device=cpu"], cwd=REPO, check=True, capture_output=True)
    assert len(list(tmp_path.rglob("summary.json"))) == 3


class _BreaksAfterOneBlock(torch.utils.data.IterableDataset):
    """A training stream whose files vanish after its first block."""

    def __init__(self, inner):
        self.inner = inner

    def __iter__(self):
        for k, block in enumerate(self.inner):
            if k == 1:
                raise OSError("the data disk went away")
            yield block


LONGER = ("profile.examples=3000", "profile.probe_every=100")  # 3 blocks of the feed


def test_nets_whose_stream_fails_leave_the_stack_and_the_others_go_on(
    compose_cfg, tmp_path, monkeypatch
):
    _alone(compose_cfg, tmp_path / "alone", MIXED, LONGER)
    real = ShapesetData.stream

    def stream(self, seed, batch_size, start=0):
        inner = real(self, seed, batch_size, start)
        return _BreaksAfterOneBlock(inner) if seed == 1 else inner

    monkeypatch.setattr(ShapesetData, "stream", stream)
    results = engine.run_jobs(_jobs(compose_cfg, tmp_path / "stack", MIXED, LONGER))
    assert [r["status"] for r in results[:2]] == ["complete", "complete"]
    for i in (2, 3):  # the two nets that read seed 1's stream
        assert isinstance(results[i], OSError) and "disk went away" in str(results[i])
        assert RunStore(tmp_path / "stack" / f"run{i}").summary()["status"] == "failed"
    for i in (0, 1):
        same_records(tmp_path / "alone" / f"run{i}", tmp_path / "stack" / f"run{i}")


def test_a_net_whose_record_cannot_be_written_fails_alone(compose_cfg, tmp_path, monkeypatch):
    _alone(compose_cfg, tmp_path / "alone", MIXED[:3])
    real = engine.save

    def save(net, step):
        if net.job.store.dir.name == "run1":
            raise OSError("no space left on device")
        real(net, step)

    monkeypatch.setattr(engine, "save", save)
    results = engine.run_jobs(_jobs(compose_cfg, tmp_path / "stack", MIXED[:3]))
    assert isinstance(results[1], OSError)
    assert RunStore(tmp_path / "stack" / "run1").summary()["status"] == "failed"
    for i in (0, 2):
        assert results[i]["status"] == "complete" and results[i]["stack_size"] == 3
        same_records(tmp_path / "alone" / f"run{i}", tmp_path / "stack" / f"run{i}")


def test_a_cost_past_100_log_k_is_divergence_alone_and_in_a_stack(compose_cfg, tmp_path):
    # Our rule (engine.DIVERGED_AT): not the paper's. tanh at lr 1e4 keeps a finite cost of
    # ~1e5, which used to end "complete" at chance.
    boundary = 100 * math.log(9)
    costs = torch.tensor([1.0, boundary - 0.01, boundary + 0.01, math.inf, math.nan])
    assert engine.blown_up(costs, 9).tolist() == [False, False, True, True, True]
    settings = [MIXED[0], ["activation=tanh", "optim.lr=1e4"]]
    alone = engine.run_jobs(_jobs(compose_cfg, tmp_path / "alone", settings[1:]))
    stack = engine.run_jobs(_jobs(compose_cfg, tmp_path / "stack", settings))
    assert alone[0]["status"] == stack[1]["status"] == "diverged"
    assert alone[0]["updates"] == stack[1]["updates"] < 40
    assert stack[0]["status"] == "complete"


def test_a_second_copy_of_a_lockstep_sweep_says_busy_in_one_line(compose_cfg, tmp_path):
    with compose_cfg([*SMALL, f"runs_dir={tmp_path}"]) as cfg:
        run_dir = tmp_path / cfg.hydra.sweep.subdir
    with RunStore(run_dir).lock():  # the first copy, training
        done = subprocess.run(
            [sys.executable, "-m", "experiments.train", "-m", *SMALL, f"runs_dir={tmp_path}",
             "hydra/launcher=lockstep"], cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in out
    assert f"error: run {run_dir} is being trained by another process" in out
