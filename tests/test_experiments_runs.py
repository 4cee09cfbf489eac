"""Whole runs at small scale: determinism, resuming after a kill, divergence, skipping."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import same_records

from experiments import engine, train
from experiments.run_store import RunStore

REPO = Path(__file__).resolve().parent.parent
SMALL = [
    "profile=smoke",
    "model.depth=3",
    "model.width=40",
    "progress=false",
    "probe.jacobian_examples=2",
    "threads=1",
]


def _run(compose_cfg, run_dir, extra=()):
    with compose_cfg([*SMALL, *extra, f"runs_dir={run_dir.parent}"]) as cfg:
        return train.run(cfg, run_dir)


def test_same_config_and_seed_give_identical_metrics_and_probes(compose_cfg, tmp_path):
    _run(compose_cfg, tmp_path / "a")
    _run(compose_cfg, tmp_path / "b")
    same_records(tmp_path / "a", tmp_path / "b")
    assert len(RunStore(tmp_path / "a").probes()["step"]) == 5  # 0, 10, 20, 30, 40 updates


def test_probe_records_read_back_as_stacked_with_shared_edges_stored_once(tmp_path):
    rng = np.random.default_rng(0)
    edges = np.linspace(-0.25, 0.25, 5001)
    records = [
        {
            "step": np.int64(i),
            "backprop_hist": rng.integers(0, 9, (5, 5000)).astype(np.int32),
            "backprop_edges": edges,
            "moving_edges": edges + i,  # differs per probe: kept per probe
        }
        for i in range(4)
    ]
    store = RunStore(tmp_path)
    store.write_probes(records)
    back = store.probes()
    for k in records[0]:
        np.testing.assert_array_equal(back[k], np.stack([r[k] for r in records]))
    with np.load(tmp_path / "probes.npz") as z:
        assert z["backprop_edges"].shape == (5001,)
        assert z["moving_edges"].shape == (4, 5001)


def test_the_engine_trains_and_scores_as_a_hand_written_loop(compose_cfg, tmp_path):
    """The engine's wiring (which seed makes the weights, the stream, the valid and test
    sets) against the plainest loop: torch.optim.SGD on F.cross_entropy, argmax errors."""
    from itertools import islice

    import torch.nn.functional as F

    from models import MLP
    from shapeset import ShapesetConfig, ShapesetSet, ShapesetStream

    seeds = {"seed": 1, "model_seed": 2, "eval_seed": 3}
    extra = ["optim.lr=0.1", "profile.examples=200", *(f"{k}={v}" for k, v in seeds.items())]
    _run(compose_cfg, tmp_path / "e", extra)
    rows = RunStore(tmp_path / "e").metrics()

    cfg, threads = ShapesetConfig(), torch.get_num_threads()
    torch.set_num_threads(1)  # as the run (SMALL: threads=1)
    model = MLP(32 * 32, [40] * 3, 9, "tanh", "normalized", seed=seeds["model_seed"])
    sets = {s: ShapesetSet(cfg, seeds["eval_seed"], s, 300) for s in ("valid", "test")}

    def errors():
        with torch.no_grad():
            return {s: (model(d.x).argmax(1) != d.y).sum().item() / 300 for s, d in sets.items()}

    assert (rows[0]["valid_error"], rows[0]["test_error"]) == tuple(errors().values())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in islice(ShapesetStream(cfg, seeds["seed"], 10), 20):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.set_num_threads(threads)
    assert rows[-1]["step"] == 20
    # the last batch's cost before its update: the whole trajectory, to float rounding
    assert rows[-1]["train_loss"] == pytest.approx(loss.item(), rel=1e-4)
    for split, err in errors().items():  # a rounding difference may flip a borderline image
        assert abs(rows[-1][f"{split}_error"] - err) <= 1 / 300


def test_evaluations_and_probes_fall_where_a_brute_force_schedule_puts_them(compose_cfg, tmp_path):
    bs, every, probe_every, updates = 10, 25, 4, 13  # an evaluation every 2.5 updates
    _run(compose_cfg, tmp_path / "s", [f"profile.examples={bs * updates}",
         f"profile.eval_every={every}", f"profile.probe_every={probe_every}",
         "profile.checkpoint_every=5"])  # fmt: skip
    # Evaluated at the start, at each update whose examples pass a multiple of `every`, at
    # the end; probed every `probe_every` updates and at the end.
    evals = [0] + [s for s in range(1, updates + 1) if s * bs // every > (s - 1) * bs // every]
    probes = sorted({*range(0, updates + 1, probe_every), updates})
    store = RunStore(tmp_path / "s")
    at = sorted({*evals, updates})
    assert [(int(r["step"]), int(r["examples"])) for r in store.metrics()] == [
        (s, bs * s) for s in at
    ]
    assert store.probes()["step"].tolist() == probes


@pytest.mark.parametrize(
    "extra",
    [[], ["model.batch_norm=true"], ["model=conv", "model.channels=4", "model.depth=2"]],
    ids=["fused", "batch_norm", "conv"],
)
def test_a_run_interrupted_after_a_checkpoint_resumes_to_the_same_end(
    compose_cfg, tmp_path, monkeypatch, extra
):
    _run(compose_cfg, tmp_path / "whole", extra)
    real_save, calls = engine.save, []

    def save_then_die(*args):
        real_save(*args)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # stands for the process being killed here

    monkeypatch.setattr(engine, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        _run(compose_cfg, tmp_path / "cut", extra)
    assert RunStore(tmp_path / "cut").status() == "missing"  # no summary: not complete
    monkeypatch.setattr(engine, "save", real_save)
    summary = _run(compose_cfg, tmp_path / "cut", extra)
    assert summary["status"] == "complete" and summary["examples_seen"] == 400
    same_records(tmp_path / "whole", tmp_path / "cut")
    assert not (tmp_path / "cut" / "checkpoint.pt").exists()


def test_sigkill_at_any_moment_then_the_same_command_resumes(tmp_path):
    args = [
        sys.executable,
        "-m",
        "experiments.train",
        *SMALL,
        "profile.examples=20000",
        "profile.probe_every=300",
        "profile.checkpoint_every=100",
        "profile.eval_every=5000",
    ]
    whole = tmp_path / "whole"
    subprocess.run([*args, f"runs_dir={whole}"], cwd=REPO, check=True, capture_output=True)
    cut = tmp_path / "cut"
    proc = subprocess.Popen(
        [*args, f"runs_dir={cut}"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while not list(cut.rglob("checkpoint.pt")) and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # early in a 2000-update run
    proc.wait()
    (run_dir,) = {p.parent for p in cut.rglob("checkpoint.pt")}
    assert RunStore(run_dir).status() == "missing"
    subprocess.run([*args, f"runs_dir={cut}"], cwd=REPO, check=True, capture_output=True)
    (ref_dir,) = {p.parent for p in whole.rglob("summary.json")}
    assert RunStore(run_dir).summary()["examples_seen"] == 20000
    same_records(ref_dir, run_dir)


def test_a_diverging_run_stops_with_status_diverged(compose_cfg, tmp_path):
    summary = _run(compose_cfg, tmp_path / "d", ["optim.lr=1e38"])
    assert summary["status"] == "diverged"
    assert summary["examples_seen"] < 400
    assert RunStore(tmp_path / "d").status() == "diverged"


def test_a_complete_run_is_skipped(compose_cfg, tmp_path):
    first = _run(compose_cfg, tmp_path / "s")
    mtime = (tmp_path / "s" / "metrics.csv").stat().st_mtime_ns
    assert _run(compose_cfg, tmp_path / "s") == first
    assert (tmp_path / "s" / "metrics.csv").stat().st_mtime_ns == mtime


@pytest.mark.gpu
def test_cuda_changes_speed_only(compose_cfg, tmp_path):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    _run(compose_cfg, tmp_path / "cpu", ["device=cpu"])
    _run(compose_cfg, tmp_path / "gpu", ["device=cuda"])
    ca, cb = RunStore(tmp_path / "cpu").metrics(), RunStore(tmp_path / "gpu").metrics()
    for a, b in zip(ca, cb, strict=True):  # float reductions differ: errors agree closely
        assert abs(a["test_error"] - b["test_error"]) <= 0.02
    pa, pb = RunStore(tmp_path / "cpu").probes(), RunStore(tmp_path / "gpu").probes()
    np.testing.assert_allclose(pa["act_std"], pb["act_std"], rtol=1e-3)
    np.testing.assert_allclose(pa["backprop_std"], pb["backprop_std"], rtol=1e-2)


@pytest.mark.parametrize("kind", ["dae", "rbm"])
def test_pretraining_changes_the_start_and_resumes_at_the_next_layer(
    compose_cfg, tmp_path, monkeypatch, kind
):
    pre = [f"pretrain={kind}", "profile.pretrain_examples=60"]
    plain = _run(compose_cfg, tmp_path / "plain")
    whole = _run(compose_cfg, tmp_path / "whole", pre)
    assert whole["pretrain_examples"] == 60 * 3 and plain["pretrain_examples"] == 0
    p0, w0 = RunStore(tmp_path / "plain").probes(), RunStore(tmp_path / "whole").probes()
    assert not np.allclose(p0["act_std"][0], w0["act_std"][0])  # the start differs
    real_save, calls = engine.save, []

    def save_then_die(*args):
        real_save(*args)
        calls.append(1)
        if len(calls) == 1:  # after pre-training layer 1 of 3
            raise KeyboardInterrupt

    monkeypatch.setattr(engine, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        _run(compose_cfg, tmp_path / "cut", pre)
    assert RunStore(tmp_path / "cut").checkpoint()["pretrained_layers"] == 1
    monkeypatch.setattr(engine, "save", real_save)
    starts = []
    real_pretrain = getattr(engine, f"pretrain_{kind}")

    def spy(*args):
        starts.append(args[6])
        return real_pretrain(*args)

    monkeypatch.setattr(engine, f"pretrain_{kind}", spy)
    _run(compose_cfg, tmp_path / "cut", pre)
    assert starts == [1]  # went on with layer 2, not from scratch
    same_records(tmp_path / "whole", tmp_path / "cut")


def test_a_run_dir_made_with_another_config_is_refused(compose_cfg, tmp_path):
    _run(compose_cfg, tmp_path / "r")
    with pytest.raises(ValueError, match=r"optim.lr: stored 0.01, now 0.05"):
        _run(compose_cfg, tmp_path / "r", ["optim.lr=0.05"])
    assert RunStore(tmp_path / "r").is_complete()  # untouched
    _run(compose_cfg, tmp_path / "r", ["device=cpu", "threads=2"])  # speed only: same run


def test_a_crash_is_recorded_as_failed_and_retried(compose_cfg, tmp_path, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine, "probe", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        _run(compose_cfg, tmp_path / "f")
    summary = RunStore(tmp_path / "f").summary()
    assert summary["status"] == "failed" and "disk on fire" in summary["error"]
    monkeypatch.undo()
    assert _run(compose_cfg, tmp_path / "f")["status"] == "complete"


def test_a_run_held_by_another_process_is_not_trained_twice(compose_cfg, tmp_path):
    with RunStore(tmp_path / "busy").lock():
        with pytest.raises(train.RunBusy):
            _run(compose_cfg, tmp_path / "busy")
    assert RunStore(tmp_path / "busy").status() == "missing"


@pytest.mark.parametrize("record", ["config.yaml", "summary.json"])
def test_an_unreadable_run_record_is_named(compose_cfg, tmp_path, record):
    _run(compose_cfg, tmp_path / "r")
    (tmp_path / "r" / record).write_text("{ torn: [")
    with pytest.raises(ValueError, match=rf"r/{record}: unreadable"):
        _run(compose_cfg, tmp_path / "r")


def test_a_job_without_its_data_file_fails_cleanly_and_leaves_no_folder(tmp_path):
    data = ["data=cifar10", f"data.finite.root={tmp_path / 'data'}", "data.finite.download=false"]
    done = subprocess.run(
        [sys.executable, "-m", "experiments.train", *SMALL, *data, f"runs_dir={tmp_path / 'runs'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "cifar-10-binary.tar.gz is missing" in done.stderr
    assert "Traceback" not in done.stderr  # a message, not a crash
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_diverged_run_is_final(compose_cfg, tmp_path):
    _run(compose_cfg, tmp_path / "d", ["optim.lr=1e38"])
    assert not (tmp_path / "d" / "checkpoint.pt").exists()
    mtime = (tmp_path / "d" / "summary.json").stat().st_mtime_ns
    assert _run(compose_cfg, tmp_path / "d", ["optim.lr=1e38"])["status"] == "diverged"
    assert (tmp_path / "d" / "summary.json").stat().st_mtime_ns == mtime


def test_a_sweep_with_a_bad_job_launches_nothing_and_a_sweeping_experiment_needs_m(tmp_path):
    base = [sys.executable, "-m", "experiments.train"]
    rest = [*SMALL, f"runs_dir={tmp_path}"]
    done = subprocess.run(
        [*base, "-m", *rest, "optim.lr=0.02,-1", "model.depth=2,0"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "3 of the sweep's 4 jobs are invalid" in done.stderr
    assert "optim.lr=-1" in done.stderr and "model.depth=0" in done.stderr
    assert not tmp_path.exists() or not any(tmp_path.iterdir())  # nothing launched
    plain = subprocess.run(
        [*base, *rest, "experiment=fig3"], cwd=REPO, capture_output=True, text=True
    )
    assert plain.returncode != 0 and "run it with -m" in plain.stderr


def test_after_paper_options_train_through_the_engine(compose_cfg, tmp_path):
    """Leaky ReLU with its own slope and LSUV: the engine fits the net to training data
    (unit output variance on held-out data) and trains it, dead units in the probes."""
    extra = ["activation=leaky_relu", "activation.slope=0.2", "init=lsuv", "init.fit_batch=300"]
    with compose_cfg([*SMALL, *extra]) as cfg:
        spec = engine.schema.to_spec(cfg)
        data = engine.source(spec.data)
        model = engine.build(spec, data, torch.device("cpu"))
    assert model.activation.slope == 0.2
    held_out = data.fixed(spec.eval_seed, "valid", 300).x
    _, pre, _ = model.forward_trace(held_out)
    assert all(abs(s.var().item() - 1) < 0.2 for s in pre)
    summary = _run(compose_cfg, tmp_path / "a", extra)
    assert summary["status"] == "complete"
    probe_x = data.fixed(spec.eval_seed, "test", spec.profile.test_size).x[
        : spec.profile.probe_size
    ]
    with torch.no_grad():  # at update 0: the share of units never positive, by hand
        _, _, post = model.forward_trace(probe_x)
    by_hand = [(z <= 0).all(0).float().mean().item() for z in post]
    recorded = RunStore(tmp_path / "a").probes()["act_saturation"][0]
    np.testing.assert_allclose(recorded, by_hand)
    with compose_cfg([*SMALL, "activation=leaky_relu", "activation.slope=2"]) as cfg:
        with pytest.raises(ValueError, match="activation.slope"):
            engine.schema.to_spec(cfg)


def test_a_conv_run_probes_every_conv_layer_and_refuses_a_kernel_larger_than_the_input(
    compose_cfg, tmp_path
):
    conv = ["model=conv", "model.channels=4", "model.depth=2", "activation=relu", "init=he"]
    _run(compose_cfg, tmp_path / "a", conv)
    probes = RunStore(tmp_path / "a").probes()
    assert probes["act_std"].shape == (5, 2) and probes["wgrad_std"].shape == (5, 2)
    assert np.isnan(probes["jacobian_sv"]).all()  # not decomposed for conv layers
    with pytest.raises(ValueError, match="model.kernel=35: larger than the 32-pixel input"):
        _run(compose_cfg, tmp_path / "b", [*conv, "model.kernel=35"])
    assert not (tmp_path / "b").exists()
