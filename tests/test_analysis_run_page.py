"""`analysis.figures.run_page` on runs made here: the pages show what the probe record holds, the
selector picks exactly the matching runs, bad inputs stop before anything is written."""

import numpy as np
import pytest

from analysis.figures import run_page
from experiments import train
from experiments.run_store import RunStore

SMALL = ["profile=smoke", "model.depth=2", "model.width=20", "progress=false", "threads=2"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from conftest import composed

    root = tmp_path_factory.mktemp("runs")
    for i, over in enumerate((["activation=tanh"], ["activation=softsign", "init=standard"])):
        with composed([*SMALL, *over, f"runs_dir={root}"]) as cfg:
            train.run(cfg, str(root / f"run{i}"))
    return root


def test_the_page_draws_each_layers_stored_histogram_normalized(runs):
    run = run_page.load(runs / "run0")
    fig = run_page.page(run, [0.0, 0.5, 1.0])
    first = fig.axes[0]  # activations at the first probe, one curve per layer
    p = run.probes
    width = p["act_edges"][0][1] - p["act_edges"][0][0]
    for layer, line in enumerate(first.get_lines()):
        counts = p["act_hist"][0][layer]
        expected = counts / (counts.sum() / (1 - p["act_outside"][0][layer])) / width
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)
    assert len(first.get_lines()) == 2 and "complete" in fig._suptitle.get_text()


def test_pages_and_comparison_are_written_beside_the_runs(runs, capsys):
    run_page.main([str(runs / "run0"), str(runs / "run1")])
    for name in ("run0/inspect.png", "run0/inspect.pdf", "run1/inspect.png", "compare.png"):
        assert (runs / name).exists(), name
    both = [run_page.load(runs / f"run{i}") for i in (0, 1)]
    assert run_page.differing(both) == ["activation.name", "init.name"]
    legend = run_page.compare(both).legends[0].get_texts()  # one, below the panels
    assert [t.get_text() for t in legend] == [
        "activation=tanh, init=normalized",
        "activation=softsign, init=standard",
    ]


def test_the_selector_picks_exactly_the_matching_runs(runs):
    assert run_page.select(runs, ["activation.name=softsign"]) == [runs / "run1"]
    assert len(run_page.select(runs, ["model.depth=2"])) == 2
    with pytest.raises(run_page.NotARun, match="no run under"):
        run_page.select(runs, ["activation.name=sigmoid"])
    with pytest.raises(run_page.NotARun, match="no config key 'activation'"):
        run_page.select(runs, ["activation=tanh"])
    with pytest.raises(run_page.NotARun, match="--where wants key=value, got 'tanh'"):
        run_page.select(runs, ["tanh"])


def test_an_unfinished_run_is_drawn_up_to_where_it_stopped(runs, tmp_path):
    import shutil

    copy = tmp_path / "killed"
    shutil.copytree(runs / "run0", copy)
    (copy / "summary.json").unlink()
    run = run_page.load(copy)
    last = int(run.probes["examples"][-1])
    assert (
        f"running or killed, drawn up to {last:,} examples"
        in run_page.page(run, [1.0])._suptitle.get_text()
    )


def test_bad_inputs_stop_before_anything_is_written(runs, tmp_path):
    (tmp_path / "not_a_run").mkdir()
    out = tmp_path / "out"
    for args, why in (
        ([str(tmp_path / "nowhere")], "no such folder"),
        ([str(runs / "run0"), str(tmp_path / "not_a_run")], "not a run folder"),
        ([], "name run folders"),
    ):
        with pytest.raises(SystemExit, match=why):
            run_page.main([*args, "--out", str(out)])
    assert not out.exists()
    store = RunStore(tmp_path / "bare")
    store.write_text("config.yaml", "seed: 0\n")
    with pytest.raises(SystemExit, match="has no probes"):
        run_page.main([str(tmp_path / "bare")])
