"""Shared fixtures: composing the real Hydra configs in-process."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig

import experiments.train  # noqa: F401  (registers the schema and the `run_folder` resolver)
from experiments.learning_rates import default_lr
from experiments.run_store import RunStore

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


@contextmanager
def composed(overrides: list[str]):
    """The config `python -m experiments.train <overrides>` would run with."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=overrides, return_hydra_config=True)
        HydraConfig.instance().set_config(cfg)
        yield cfg
    GlobalHydra.instance().clear()


@pytest.fixture
def compose_cfg():
    return composed


def hand_made_config(act="tanh", init="standard", loss="cross_entropy", depth=3, lr=0.1,
                     profile="grid", data="shapeset") -> dict:  # fmt: skip
    """The part of a run's config.yaml that the analysis reads; `lr=None`: the model's
    default rate (what the analysis looks for when it names none)."""
    lr = default_lr(act, init, depth, data, profile=profile) if lr is None else lr
    return {
        "activation": {"name": act},
        "init": {"name": init},
        "loss": {"name": loss},
        "model": {"depth": depth, "width": 1000},
        "optim": {"lr": lr, "batch_size": 10},
        "profile": {"name": profile},
        "pretrain": {"name": "none"},
        "data": {"name": data},
    }


METRIC_KEYS = ["step", "examples", "train_loss", "valid_error", "test_error", "wall_s"]


@pytest.fixture
def write_run():
    """Write a run directory by hand: config, metrics rows, optional probes and summary."""

    def write(root: Path, rel: str, metrics, summary=None, saturation=None, config=None):
        store = RunStore(root / rel)
        store.write_text("config.yaml", yaml.safe_dump(config or hand_made_config()))
        store.write_metrics([dict(zip(METRIC_KEYS, m, strict=True)) for m in metrics])
        if saturation is not None:
            store.write_probes([{"act_saturation": np.asarray(s)} for s in saturation])
        if summary is not None:
            store.write_json("summary.json", summary)
        return store

    return write


def same_records(a: Path, b: Path) -> None:
    """Two run directories hold the same record: metrics (but wall time) and probes."""
    ma, mb = RunStore(a).metrics(), RunStore(b).metrics()
    assert ma[0].keys() == mb[0].keys() and len(ma) == len(mb)
    for k in ma[0].keys() - {"wall_s"}:  # wall-clock time is the one thing that may differ
        np.testing.assert_array_equal([r[k] for r in ma], [r[k] for r in mb], err_msg=k)
    pa, pb = RunStore(a).probes(), RunStore(b).probes()
    assert pa.keys() == pb.keys()
    for k in pa:
        np.testing.assert_array_equal(pa[k], pb[k], err_msg=k)
