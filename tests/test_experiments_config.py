"""Config validation fails before any work, naming the key; sweeps give distinct run dirs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.errors import MissingConfigException

from experiments import schema
from experiments.train import run

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "override,key",
    [
        ("activation.name=swish", "activation.name"),
        ("model.depth=0", "model.depth"),
        ("model.width=-5", "model.width"),
        ("optim.lr=-0.1", "optim.lr"),
        ("optim.lr=0", "optim.lr"),
        ("optim.lr=inf", "optim.lr"),
        ("pretrain.lr=inf", "pretrain.lr"),
        ("optim.batch_size=0", "optim.batch_size"),
        ("profile.probe_size=5000", "profile.probe_size"),
        ("loss.name=hinge", "loss.name"),
        ("init.name=fixup", "init.name"),
        ("device=tpu", "device"),
        ("data.shapeset.max_overlap=2", "max_overlap"),
        ("init.std=0", "init.std"),
        ("data.size=-1", "data.size"),
        ("model.kernel=4", "model.kernel"),
        ("init.fan=fanout", "init.fan"),
        ("init.gain=-1", "init.gain"),
        ("init.fit_batch=1", "init.fit_batch"),
        ("activation.slope=-0.1", "activation.slope"),
    ],
)
def test_bad_value_is_refused_naming_its_key(compose_cfg, tmp_path, override, key):
    with compose_cfg([override, f"runs_dir={tmp_path}"]) as cfg:
        with pytest.raises(ValueError, match=key.replace(".", r"\.")):
            schema.to_spec(cfg)
        with pytest.raises(ValueError, match=key.replace(".", r"\.")):
            run(cfg, tmp_path / "run")  # run() checks first: nothing is written
    assert not any(tmp_path.iterdir())


def test_a_wrong_type_is_refused_at_compose_time(compose_cfg):
    with pytest.raises(Exception, match="model.depth"):
        with compose_cfg(["model.depth=abc"]):
            pass


@pytest.mark.parametrize(
    "override,listed",
    [
        ("activation=swish", "softsign"),
        ("experiment=fig99", "at_init"),
        ("init=fixup", "normalized"),
    ],
)
def test_unknown_group_option_lists_the_available_ones(compose_cfg, override, listed):
    with pytest.raises(MissingConfigException, match=listed):
        with compose_cfg([override]):
            pass


def test_defaults_are_the_papers_setting(compose_cfg):
    with compose_cfg([]) as cfg:
        spec = schema.to_spec(cfg)
    assert spec.model.hidden_widths() == [1000] * 5
    assert (spec.optim.batch_size, spec.loss.name) == (10, "cross_entropy")
    assert spec.data.shapeset.image_size == 32 and spec.profile.probe_size == 300
    assert spec.model_seed == spec.seed


@pytest.mark.parametrize(
    "profile,share,probe_updates",
    [("paper", 1, 20_000), ("tenth", 10, 2_000), ("search", 100, 0)],
)
def test_profiles_scale_the_papers_budget(compose_cfg, profile, share, probe_updates):
    """FACTS section 1: 2.5e7 examples in mini-batches of 10; probes once per 20k updates."""
    with compose_cfg([f"profile={profile}"]) as cfg:
        p = schema.to_spec(cfg).profile
    assert p.examples * share == 25_000_000
    assert p.probe_every == probe_updates
    assert p.checkpoint_every * 10 <= p.examples / 10  # a killed run loses < 10% of it


def test_two_job_multirun_gives_two_distinct_complete_run_dirs(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "experiments.train",
        "-m",
        "init=standard,normalized",
        "seed=3",
        "profile=smoke",
        "model.depth=2",
        "model.width=20",
        "progress=false",
        "probe.jacobian_examples=2",
        f"runs_dir={tmp_path}",
    ]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=300)
    dirs = sorted(p.parent for p in tmp_path.rglob("summary.json"))
    assert [d.relative_to(tmp_path).as_posix() for d in dirs] == [
        "default/init=normalized,model.depth=2,model.width=20,probe.jacobian_examples=2,"
        "profile=smoke/seed=3",
        "default/init=standard,model.depth=2,model.width=20,probe.jacobian_examples=2,"
        "profile=smoke/seed=3",
    ]
    for d in dirs:
        summary = json.loads((d / "summary.json").read_text())
        assert summary["status"] == "complete" and summary["examples_seen"] == 400
        assert {"config.yaml", "metrics.csv", "probes.npz"} <= {p.name for p in d.iterdir()}


@pytest.mark.parametrize(
    "overrides,match",
    [
        (["pretrain=dae", "activation=relu"], "pretrain='dae'.*bounded activation"),
        (["init=standard", "model.output_init=lsuv"], "model.output_init.*same scheme"),
        (["init=lsuv", "init.gain=2"], "init.gain.*fits the scale"),
        (["model=conv", "init=data_dependent"], "dense nets only"),
        (["data=mnist", "data.size=100"], "data.size.*fixed size"),
        (["init=random_walk", "activation=sigmoid"], "init='random_walk'.*not 'sigmoid'"),
        (["init=kumar", "activation=softsign", "model.output_init=random_walk"], "'softsign'"),
    ],
)
def test_combinations_that_cannot_work_are_refused_before_work(compose_cfg, overrides, match):
    with compose_cfg(overrides) as cfg:
        with pytest.raises(ValueError, match=match):
            schema.to_spec(cfg)
