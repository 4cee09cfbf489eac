"""Shared fixtures: composing the real Hydra configs in-process."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig

import experiments.train  # noqa: F401  (registers the schema and the `dirname` resolver)

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
