"""Aggregation over hand-made run directories: every status, partial and damaged runs."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.runs import aggregate
from experiments import train
from experiments.run_store import RunStore

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def runs(tmp_path, write_run):
    def _make(root, overrides, seed, metrics, summary=None, sat=None):
        return write_run(root, f"grid/{overrides}/seed={seed}", metrics, summary, sat)

    m = [(0, 0, np.nan, 0.85, 0.86, 1.0), (10, 100, 2.1, 0.60, 0.62, 5.0)]
    m += [(20, 200, 1.9, 0.65, 0.58, 9.5)]
    _make(tmp_path, "activation=tanh", 0, m, {"status": "complete", "examples_seen": 200,
          "wall_s": 9.6, "threads": 1}, sat=[[0.0, 0.0, 0.0], [0.1, 0.2, 0.3]])  # fmt: skip
    _make(tmp_path, "activation=tanh", 1, m[:2])  # killed mid-run: no summary
    _make(tmp_path, "optim.lr=1e38", 0, m[:2], {"status": "diverged", "examples_seen": 110})
    _make(tmp_path, "optim.lr=-1", 0, [], {"status": "failed", "error": "ValueError('lr')"})
    bad = _make(tmp_path, "activation=softsign", 0, m, {"status": "complete"})
    bad.path("config.yaml").write_text("model: [unclosed")
    (tmp_path / "grid" / ".submitit" / "seed=9").mkdir(parents=True)  # launcher logs
    return tmp_path


def _by_dir(rows):
    return {r["run_dir"]: r for r in rows}


def test_every_run_gets_one_row_with_its_status(runs):
    rows = _by_dir(aggregate.collect(runs))
    assert sorted(rows) == [
        "grid/activation=softsign/seed=0",
        "grid/activation=tanh/seed=0",
        "grid/activation=tanh/seed=1",
        "grid/optim.lr=-1/seed=0",
        "grid/optim.lr=1e38/seed=0",
    ]
    status = {k: r["status"] for k, r in rows.items()}
    assert status == {
        "grid/activation=softsign/seed=0": "unreadable",
        "grid/activation=tanh/seed=0": "complete",
        "grid/activation=tanh/seed=1": "incomplete",
        "grid/optim.lr=-1/seed=0": "failed",
        "grid/optim.lr=1e38/seed=0": "diverged",
    }
    assert "ValueError('lr')" in rows["grid/optim.lr=-1/seed=0"]["error"]
    assert rows["grid/activation=softsign/seed=0"]["error"].startswith(("Parser", "Scanner"))


def test_numbers_come_from_the_run_files(runs):
    row = _by_dir(aggregate.collect(runs))["grid/activation=tanh/seed=0"]
    assert (row["experiment"], row["overrides"], row["seed"]) == ("grid", "activation=tanh", 0)
    assert (row["activation"], row["init"], row["loss"], row["depth"]) == (
        "tanh", "standard", "cross_entropy", 3
    )  # fmt: skip
    # final = the last evaluation; best = the lowest along the way (valid 0.60, test 0.58)
    assert row["final_valid_error"] == 0.65 and row["best_valid_error"] == 0.60
    assert row["final_test_error"] == 0.58 and row["best_test_error"] == 0.58
    assert row["examples_seen"] == 200 and row["wall_s"] == 9.6 and row["threads"] == 1
    # end-of-training saturation is the last probe's, per layer
    assert [row[f"end_saturation_l{i}"] for i in (1, 2, 3)] == pytest.approx([0.1, 0.2, 0.3])
    assert "end_saturation_l4" not in row


def test_an_interrupted_run_reports_how_far_it_got(runs):
    row = _by_dir(aggregate.collect(runs))["grid/activation=tanh/seed=1"]
    assert row["examples_seen"] == 100 and row["final_test_error"] == 0.62


def test_a_run_being_trained_is_reported_as_running(runs):
    store = RunStore(runs / "grid" / "activation=tanh" / "seed=1")
    held = subprocess.Popen(
        [sys.executable, "-c", "import fcntl,sys,time; f=open(sys.argv[1],'w'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)",
         str(store.path(".lock"))],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert held.stdout.readline().strip() == "held"
        assert aggregate.collect_run(store.dir, runs)["status"] == "running"
    finally:
        held.kill()
        held.wait()
    assert aggregate.collect_run(store.dir, runs)["status"] == "incomplete"


def test_the_csv_round_trips_and_keeps_empty_cells_empty(runs, tmp_path):
    out = tmp_path / "t.csv"
    aggregate.main(["--runs-dir", str(runs), "--experiment", "grid", "--out", str(out)])
    with open(out, newline="") as f:
        header = next(csv.reader(f))
    assert header == aggregate.COLUMNS
    back = _by_dir(aggregate.read_csv(out))
    assert back["grid/optim.lr=-1/seed=0"]["final_test_error"] is None
    assert back["grid/activation=tanh/seed=0"]["final_test_error"] == 0.58
    assert back["grid/optim.lr=1e38/seed=0"]["examples_seen"] == 110


def test_a_missing_or_empty_runs_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no runs folder"):
        aggregate.main(["--runs-dir", str(tmp_path / "nope")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="no run folders"):
        aggregate.main(["--runs-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "x")])
    assert not (tmp_path / "x").exists()


def test_a_real_run_aggregates_to_its_own_summary(compose_cfg, tmp_path):
    """The engine's files, not hand-made ones: the row repeats what the run wrote."""
    small = ["profile=smoke", "model.depth=2", "model.width=30", "progress=false",
             "probe.jacobian_examples=0", "threads=1", f"runs_dir={tmp_path}"]  # fmt: skip
    run_dir = tmp_path / "default" / "model.depth=2" / "seed=0"
    with compose_cfg(small) as cfg:
        summary = train.run(cfg, run_dir)
    row = aggregate.collect(tmp_path)[0]
    for key in ("status", "examples_seen", "final_test_error", "best_valid_error", "threads"):
        assert row[key] == summary[key], key
    probes = RunStore(run_dir).probes()
    assert row["end_saturation_l2"] == pytest.approx(probes["act_saturation"][-1][1], abs=1e-5)
    assert json.loads((run_dir / "summary.json").read_text())["threads"] == 1
