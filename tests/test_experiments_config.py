"""Config validation fails before any work, naming the key; sweeps give distinct run dirs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
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
        ("seed=-1", "seed"),
        ("seed=99999999999999999999", "seed"),
        ("model_seed=4294967296", "model_seed"),
        ("experiment_name=../../escaped", "experiment_name"),
        ("+optim.momentum=0.9", "optim.momentum: unknown key"),
        ("+model.dept=3", "model.dept: unknown key, not in the schema; did you mean model.depth"),
        ("+lr=5", "lr: unknown key, not in the schema; did you mean optim.lr"),
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
        "default/activation=tanh,init=normalized,model.depth=2,model.width=20,optim.lr=0.01,"
        "probe.jacobian_examples=2,profile=smoke/seed=3",
        "default/activation=tanh,init=standard,model.depth=2,model.width=20,optim.lr=0.01,"
        "probe.jacobian_examples=2,profile=smoke/seed=3",
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


def _train(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    runs = tmp_path / "a" / "b" / "runs"  # ../../escaped would land in tmp_path/a
    cmd = [sys.executable, "-m", "experiments.train", "profile=smoke", "model.width=8",
           "model.depth=1", "progress=false", "threads=1", f"runs_dir={runs}"]  # fmt: skip
    return subprocess.run([*cmd, *overrides], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


@pytest.mark.parametrize(
    "override,message",
    [
        ("experiment_name=../../escaped", "experiment_name='../../escaped': must be one folder"),
        ("seed=-1", "seed=-1: a seed must be in"),
        ("+model.dept=3", "did you mean model.depth"),
    ],
)
def test_the_command_line_refuses_in_one_line_and_writes_nothing(tmp_path, override, message):
    done = _train(tmp_path, override)
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: config ") and message in line
    runs = tmp_path / "a" / "b" / "runs"
    assert not (tmp_path / "a" / "escaped").exists()
    assert not runs.exists() or not any(runs.iterdir())  # no run folder, failed or empty


def test_a_run_with_many_overrides_gets_a_short_stable_readable_folder(tmp_path):
    many = [f"probe.{k}={v}" for k, v in [("activation_bins", 50), ("backprop_bins", 400),
            ("backprop_range", 0.5), ("weight_grad_bins", 300), ("weight_grad_range", 0.1),
            ("grad_batch_size", 5), ("saturation_margin", 0.2), ("jacobian_examples", 0),
            ("unbounded_range", 4.0)]]  # fmt: skip
    many += ["init.gain=1.5", "optim.lr=0.02", "eval_seed=3", "activation=softsign",
             "init=standard", "profile.eval_every=100"]  # fmt: skip
    full = ",".join(sorted(["model.width=8", "model.depth=1", "profile=smoke", *many]))
    assert len(full) > 255  # what the file system refused with "File name too long"
    done = _train(tmp_path, *many)
    assert done.returncode == 0, done.stderr[-2000:]
    runs = tmp_path / "a" / "b" / "runs" / "default"
    (run,) = runs.iterdir()
    assert len(run.name) <= 200
    assert run.name.startswith("activation=softsign,eval_seed=3,init.gain=1.5")
    assert full.startswith(run.name.rsplit(",+", 1)[0])  # the overrides that fit, in order
    assert json.loads((run / "seed=0" / "summary.json").read_text())["status"] == "complete"
    again = _train(tmp_path, *reversed(many))  # the same run: found, not trained again
    assert "already complete, skipped" in again.stdout + again.stderr
    assert len(list(runs.iterdir())) == 1


def test_every_run_says_which_rate_it_uses_and_where_that_came_from(tmp_path):
    table = yaml.safe_load((REPO / "conf" / "learning_rates.yaml").read_text())
    done = _train(tmp_path, "activation=relu", "init=he")  # no search covers it
    assert f"WARNING] - learning rate {table['fallback']} (fallback of conf/learning_rates" in (
        done.stderr + done.stdout
    )
    rate = table["rates"]["tanh-standard-d5"]
    done = _train(tmp_path, "init=standard", "model.depth=5")
    assert (f"INFO] - learning rate {rate} (conf/learning_rates.yaml, rates.tanh-standard-d5)"
            in done.stderr + done.stdout)  # fmt: skip
    done = _train(tmp_path, "optim.lr=0.05")
    assert "learning rate 0.05 (set in the config" in done.stderr + done.stdout
    fallback = table["fallback"]  # chosen, not fallen back on: no warning
    done = _train(tmp_path, "activation=relu", "init=he", f"optim.lr={fallback}")
    assert f"INFO] - learning rate {fallback} (set in the config" in done.stderr + done.stdout
