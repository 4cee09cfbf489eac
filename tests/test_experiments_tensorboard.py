"""logger=tensorboard: the events, read back by TensorBoard's own reader, hold the probe
record and the metrics; a run killed between a checkpoint and the next resumes with no
event lost or shown twice."""

import numpy as np
import pytest

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from experiments import train  # noqa: E402
from experiments.run_store import RunStore  # noqa: E402

SMALL = ["profile=smoke", "model.depth=2", "model.width=20", "progress=false", "threads=2"]
TB = ["logger=tensorboard", "profile.checkpoint_every=10", "optim.lr=0.1"]


def _events(run_dir):
    acc = EventAccumulator(
        str(run_dir / "tensorboard"), size_guidance={"histograms": 0, "scalars": 0}
    )
    acc.Reload()
    return acc


def _check(run_dir):
    acc, store = _events(run_dir), RunStore(run_dir)
    probes, metrics = store.probes(), store.metrics()
    hist = acc.Histograms("layer1/act")
    assert [h.step for h in hist] == probes["examples"].tolist()  # each probe once, in order
    for h, counts in zip(hist, probes["act_hist"][:, 0], strict=True):
        np.testing.assert_array_equal(h.histogram_value.bucket, counts)
    sat = [s.value for s in acc.Scalars("layer2/saturation")]
    np.testing.assert_allclose(sat, probes["act_saturation"][:, 1], rtol=1e-6)
    test = acc.Scalars("error/test_error")
    assert [s.step for s in test] == [m["examples"] for m in metrics]
    np.testing.assert_allclose([s.value for s in test], [m["test_error"] for m in metrics], 1e-6)


def test_events_hold_the_probe_record_and_the_metrics(compose_cfg, tmp_path):
    with compose_cfg([*SMALL, *TB, f"runs_dir={tmp_path}"]) as cfg:
        train.run(cfg, str(tmp_path / "r"))
    _check(tmp_path / "r")


def test_a_killed_run_resumes_without_lost_or_doubled_events(compose_cfg, tmp_path, monkeypatch):
    real, calls = RunStore.write_checkpoint, []

    def die_on_the_third(self, state):
        calls.append(1)
        if len(calls) == 3:  # events for this checkpoint are written, the checkpoint is not
            raise KeyboardInterrupt
        real(self, state)

    monkeypatch.setattr(RunStore, "write_checkpoint", die_on_the_third)
    with compose_cfg([*SMALL, *TB, f"runs_dir={tmp_path}"]) as cfg:
        with pytest.raises(KeyboardInterrupt):
            train.run(cfg, str(tmp_path / "r"))
        monkeypatch.setattr(RunStore, "write_checkpoint", real)
        train.run(cfg, str(tmp_path / "r"))
    assert len(list((tmp_path / "r" / "tensorboard").iterdir())) == 2  # two writers
    _check(tmp_path / "r")


def test_without_the_logger_no_events_and_the_same_run(compose_cfg, tmp_path):
    with compose_cfg([*SMALL, f"runs_dir={tmp_path}"]) as cfg:
        train.run(cfg, str(tmp_path / "r"))
    assert not (tmp_path / "r" / "tensorboard").exists()
    with compose_cfg([*SMALL, "logger=tensorboard", f"runs_dir={tmp_path}"]) as cfg:
        train.run(cfg, str(tmp_path / "r"))  # logger is speed-only: the same, complete run
