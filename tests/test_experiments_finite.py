"""Training on the finite data sets through the same engine: MNIST for real (from
../shared/data), CIFAR-10's missing data refused before any work."""

from pathlib import Path

import pytest
import torch
from conftest import same_records

from experiments import engine, train
from experiments.run_store import RunStore

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
SMALL = ["profile=smoke", "model.depth=2", "model.width=40", "progress=false", "threads=2",
         f"data.finite.root={MNIST.parent}", "data.finite.download=false"]  # fmt: skip
pytestmark = pytest.mark.skipif(not MNIST.exists(), reason=f"real MNIST not at {MNIST}")


def _jobs(compose_cfg, root, settings):
    jobs = []
    for i, over in enumerate(settings):
        with compose_cfg([*SMALL, *over, f"runs_dir={root}"]) as cfg:
            jobs.append((cfg, str(root / f"run{i}")))
    return jobs


def test_mnist_nets_learn_and_train_in_a_stack_as_alone(compose_cfg, tmp_path):
    settings = [
        ["data=mnist", "optim.lr=0.1"],
        ["data=mnist", "seed=1", "activation=softsign", "optim.lr=0.1"],
        ["optim.lr=0.1"],  # Shapeset: 1,024 inputs, another stack
    ]
    for cfg, run_dir in _jobs(compose_cfg, tmp_path / "alone", settings):
        train.run(cfg, run_dir)
    results = engine.run_jobs(_jobs(compose_cfg, tmp_path / "stack", settings))
    assert [r["stack_size"] for r in results] == [2, 2, 1]
    for i in range(3):
        same_records(tmp_path / "alone" / f"run{i}", tmp_path / "stack" / f"run{i}")
    # 400 examples of MNIST already take a 2 x 40 tanh net well below chance (90%).
    assert results[0]["final_test_error"] < 0.6 and results[1]["final_test_error"] < 0.6
    config = RunStore(tmp_path / "stack" / "run0").path("config.yaml").read_text()
    assert "name: mnist" in config


def test_missing_cifar10_fails_the_job_before_any_work_and_says_how(compose_cfg, tmp_path):
    over = ["data=cifar10", f"data.finite.root={tmp_path / 'data'}", "data.finite.download=false"]
    (cfg, run_dir), *_ = _jobs(compose_cfg, tmp_path, [over])
    (result,) = engine.run_jobs([(cfg, run_dir)])
    assert isinstance(result, FileNotFoundError)
    assert "cifar10/cifar-10-binary.tar.gz is missing" in str(result)
    assert "by hand" in str(result) and "cs.toronto.edu" in str(result)
    assert not (Path(run_dir) / "config.yaml").exists()


def test_a_test_set_larger_than_the_split_is_refused_before_any_work(compose_cfg, tmp_path):
    over = ["data=mnist", "profile.test_size=10001"]  # MNIST's test split: 10,000 images
    (cfg, run_dir), *_ = _jobs(compose_cfg, tmp_path, [over])
    (result,) = engine.run_jobs([(cfg, run_dir)])
    assert isinstance(result, ValueError)
    assert "profile.test_size=10,001: mnist has 10,000 test examples" in str(result)
    assert not (Path(run_dir) / "config.yaml").exists()


@pytest.mark.parametrize(
    "override,named",
    [("data=svhn", "data"), ("data.finite.pixel_range=0..255", "data.finite.pixel_range")],
)
def test_bad_data_options_are_named(compose_cfg, override, named):
    from experiments import schema

    with pytest.raises(Exception, match=named):
        with compose_cfg([override]) as cfg:
            schema.to_spec(cfg)


def test_a_finite_shapeset_is_its_streams_first_examples_seen_by_epochs():
    """data.size=N: each epoch visits exactly the first N examples of the seed's training
    stream once, in an order of its own; a stream started mid-epoch continues the same."""
    import itertools

    from experiments.data import ShapesetData
    from shapeset import ShapesetConfig, ShapesetStream

    data = ShapesetData(ShapesetConfig(), 40)
    first = next(iter(ShapesetStream(ShapesetConfig(), 3, 40, "train")))
    rows = {tuple(r) for r in first[0].numpy()}
    batches = list(itertools.islice(data.stream(3, 10), 8))  # two epochs
    for epoch in (batches[:4], batches[4:]):
        x = torch.cat([b[0] for b in epoch])
        assert {tuple(r) for r in x.numpy()} == rows and len(x) == 40
    assert not torch.equal(batches[0][0], batches[4][0])  # another order each epoch
    resumed = next(iter(data.stream(3, 10, start=20)))
    assert torch.equal(resumed[0], batches[2][0]) and torch.equal(resumed[1], batches[2][1])
