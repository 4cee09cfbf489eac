"""The learning-rate rule on hand-made search results, against scores and standard errors
worked out here from their definitions (docs/learning-rates.md)."""

import gzip
import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest
import yaml

from analysis.report import lr_search
from analysis.report.lr_search import Candidate, decide

N = 10_000  # validation examples


def _model(**errors_by_lr) -> dict[float, Candidate]:
    """lr (as 'lr0_03' -> 0.03) -> a list of errors for seeds 0, 1, ... (None: diverged)."""
    out = {}
    for name, errors in errors_by_lr.items():
        lr = float(name[2:].replace("_", "."))
        c = Candidate(lr, valid_size=N)
        for seed, e in enumerate(errors):
            if e is None:
                c.failed.append(seed)
            else:
                c.errors[seed] = e
        out[lr] = c
    return out


def _se(errors) -> float:
    p = sum(errors) / len(errors)
    spread = statistics.stdev(errors) if len(errors) > 1 else 0.0
    return max(math.sqrt(p * (1 - p) / N), spread) / math.sqrt(len(errors))


def test_a_rate_told_apart_on_seed_0_wins_with_its_margin():
    d = decide(_model(lr0_01=[0.50], lr0_1=[0.30], lr0_3=[0.40]))
    assert (d.chosen, d.runner_up, d.verdict, d.stage2) == (0.1, 0.3, "clear", [])
    assert d.margin_se == pytest.approx(0.10 / math.hypot(_se([0.30]), _se([0.40])))


def test_rates_within_two_se_go_to_stage_2_best_first_at_most_three():
    # SE on 10,000 examples ~0.0046 each: 0.305, 0.306, 0.309 are all within 2 SE of 0.300.
    d = decide(_model(lr0_01=[0.300], lr0_03=[0.305], lr0_1=[0.306], lr0_3=[0.309], lr1=[0.5]))
    assert d.verdict == "stage 2 pending" and d.chosen is None
    assert d.stage2 == [0.01, 0.03, 0.1]


def test_stage_2_ranks_by_the_mean_over_three_seeds_and_reports_a_tie():
    d = decide(
        _model(
            lr0_01=[0.300, 0.320, 0.310],
            lr0_03=[0.305, 0.300, 0.302],
            lr0_1=[0.306, 0.330, 0.340],
            lr0_3=[0.309],
        )
    )
    assert (d.chosen, d.runner_up) == (0.03, 0.01)  # mean 0.3023 beats 0.3100
    expected = (0.310 - 0.3023333) / math.hypot(_se([0.305, 0.300, 0.302]), _se([0.3, 0.32, 0.31]))
    assert d.margin_se == pytest.approx(expected, rel=1e-4)
    assert expected < 2 and d.verdict == "tie"


def test_a_rate_that_diverged_on_any_seed_never_wins():
    d = decide(_model(lr0_1=[0.300, None, 0.29], lr0_03=[0.302, 0.31, 0.31]))
    assert d.chosen == 0.03 and d.verdict == "clear" and d.runner_up is None
    assert decide(_model(lr0_3=[None], lr1=[None])).verdict == "none finished"


def test_when_every_rate_is_stuck_at_chance_the_largest_finished_one_is_taken():
    chance = 5 / 6
    d = decide(_model(lr0_01=[chance], lr0_1=[chance - 0.005], lr0_3=[chance], lr1=[None]))
    assert (d.chosen, d.verdict, d.stage2) == (0.3, "at chance", [])


def test_an_exact_tie_goes_to_the_larger_rate():
    assert decide(_model(lr0_01=[0.4, 0.4, 0.4], lr0_1=[0.4, 0.4, 0.4])).chosen == 0.1


def _run(
    root, act, lr, seed, status="complete", error=0.5, data="shapeset", exp="lr_search", fan=""
):  # fan: a conv net's fan count (a conv run), "" a dense net
    d = root / exp / f"{act},data={data},lr={lr}{fan}" / f"seed={seed}"
    d.mkdir(parents=True)
    config = {
        "activation": {"name": act},
        "init": {"name": "normalized", **({"fan": fan} if fan else {})},
        "model": {"depth": 3, "name": "conv"} if fan else {"depth": 5},
        "optim": {"lr": lr},
        "seed": seed,
        "profile": {"valid_size": N, "examples": 250_000},
        "data": {"name": data},
    }
    (d / "config.yaml").write_text(yaml.safe_dump(config))
    (d / "summary.json").write_text(json.dumps({"status": status, "final_valid_error": error}))


def test_plan_names_stage_2_and_the_tables_wait_for_it(tmp_path, capsys, monkeypatch):
    _run(tmp_path, "tanh", 0.1, 0, error=0.300)
    _run(tmp_path, "tanh", 0.03, 0, error=0.302)
    _run(tmp_path, "tanh", 1.0, 0, status="diverged", error=None)
    _run(tmp_path, "softsign", 0.1, 0, error=0.300)
    _run(tmp_path, "softsign", 0.03, 0, error=0.400)
    _run(tmp_path, "tanh", 0.1, 0, error=0.100, data="mnist", exp="lr_search_mnist")
    _run(tmp_path, "tanh", 0.03, 0, error=0.101, data="mnist", exp="lr_search_mnist")
    lr_search.main(["--runs-dir", str(tmp_path), "--plan"])
    plan = ["activation=tanh init=normalized model.depth=5 optim.lr=0.1,0.03 seed=1,2"]
    assert capsys.readouterr().out.splitlines() == plan
    lr_search.main(["--runs-dir", str(tmp_path), "--plan", "--mnist"])
    assert capsys.readouterr().out.splitlines() == [  # the MNIST search, by itself
        "activation=tanh init=normalized model.depth=5 optim.lr=0.1,0.03 seed=1,2"
    ]  # `make lr-search-mnist` adds experiment=lr_search_mnist, which sets data=mnist
    with pytest.raises(SystemExit, match="stage 2 has not run for tanh-normalized-d5"):
        lr_search.main(["--runs-dir", str(tmp_path)])


def test_the_chosen_rates_reach_the_table_optim_lr_reads(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    for seed, (a, b) in enumerate([(0.300, 0.302), (0.31, 0.30), (0.30, 0.30)]):
        _run(runs, "tanh", 0.1, seed, error=a)
        _run(runs, "tanh", 0.03, seed, error=b)
    _run(runs, "softsign", 0.1, 0, error=0.300)
    _run(runs, "softsign", 0.03, 0, error=0.400)
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(lr_search, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(lr_search, "TABLE", tmp_path / "learning_rates.yaml")
    lr_search.main(["--runs-dir", str(runs)])
    rates = yaml.safe_load((tmp_path / "learning_rates.yaml").read_text())["rates"]
    # tanh: means 0.3033 (0.1) vs 0.3007 (0.03); softsign: 0.1 clear on seed 0
    assert rates == {"tanh-normalized-d5": 0.03, "softsign-normalized-d5": 0.1}
    record = json.loads((tmp_path / "results" / "lr_search.json").read_text())["decisions"]
    assert record["tanh-normalized-d5"]["verdict"] == "tie"
    assert record["tanh-normalized-d5"]["stage2"] == [0.1, 0.03]
    assert "**30.07 ±" in (tmp_path / "results" / "lr_search.md").read_text()


def test_without_stage_2_close_rates_are_a_tie_decided_on_seed_0():
    d = decide(_model(lr0_01=[0.300], lr0_03=[0.305], lr0_1=[0.40]), with_stage2=False)
    expected = (0.305 - 0.300) / math.hypot(_se([0.300]), _se([0.305]))
    assert (d.chosen, d.runner_up, d.verdict, d.stage2) == (0.01, 0.03, "tie (seed 0 only)", [])
    assert d.margin_se == pytest.approx(expected)
    clear = decide(_model(lr0_01=[0.300], lr0_03=[0.40]), with_stage2=False)
    assert (clear.chosen, clear.verdict) == (0.01, "clear")


def test_the_paper_search_fills_its_own_section_and_keeps_the_rest(tmp_path, monkeypatch):
    runs, table = tmp_path / "runs", tmp_path / "learning_rates.yaml"
    table.write_text("fallback: 0.01\nrates:\n  tanh-normalized-d5: 0.03\n")
    _run(runs, "tanh", 0.01, 0, error=0.30, exp="lr_search_paper")
    _run(runs, "tanh", 0.03, 0, error=0.40, exp="lr_search_paper")
    _run(runs, "tanh", 0.1, 0, error=0.20)  # the small search's runs are not read
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(lr_search, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(lr_search, "TABLE", table)
    lr_search.main(["--runs-dir", str(runs), "--paper"])
    written = yaml.safe_load(table.read_text())
    assert written == {  # 2.5e6 examples: the budget of `tenth`, the nearest to `paper`'s
        "fallback": 0.01,
        "rates": {"tanh-normalized-d5": 0.03},
        "profiles": {s: {"tanh-normalized-d5": 0.01} for s in ("tenth", "paper")},
    }
    assert "`make lr-search-paper`" in (tmp_path / "results" / "lr_search_paper.md").read_text()
    lr_search.main(["--runs-dir", str(runs)])  # the small search keeps the paper section
    again = yaml.safe_load(table.read_text())
    assert again["rates"] == {"tanh-normalized-d5": 0.1}
    assert again["profiles"] == written["profiles"]


def test_the_mnist_search_writes_its_own_rates_and_keeps_shapesets(tmp_path, monkeypatch):
    runs, table = tmp_path / "runs", tmp_path / "learning_rates.yaml"
    table.write_text("fallback: 0.01\nrates:\n  mnist/old-key-d5: 0.3\n")
    _run(runs, "tanh", 0.1, 0, error=0.30)  # Shapeset: 0.1 clear
    _run(runs, "tanh", 0.03, 0, error=0.40)
    _run(runs, "tanh", 0.1, 0, error=0.05, data="mnist", exp="lr_search_mnist")
    _run(runs, "tanh", 0.03, 0, error=0.02, data="mnist", exp="lr_search_mnist")
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(lr_search, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(lr_search, "TABLE", table)
    lr_search.main(["--runs-dir", str(runs), "--mnist"])
    assert yaml.safe_load(table.read_text())["rates"] == {"mnist/tanh-normalized-d5": 0.03}
    assert (
        (tmp_path / "results" / "lr_search_mnist.md")
        .read_text()
        .startswith("# Learning-rate search on MNIST\n")
    )
    lr_search.main(["--runs-dir", str(runs)])  # Shapeset's search keeps MNIST's rates
    assert yaml.safe_load(table.read_text())["rates"] == {
        "mnist/tanh-normalized-d5": 0.03,
        "tanh-normalized-d5": 0.1,
    }
    _run(runs, "softsign", 0.1, 0, error=0.3, exp="lr_search_mnist")  # a Shapeset run there
    with pytest.raises(
        SystemExit, match="searches mnist.s dense nets only.: softsign-normalized-d5"
    ):
        lr_search.main(["--runs-dir", str(runs), "--mnist"])


def test_the_conv_search_writes_the_conv_rates_only_and_one_net_per_rate(tmp_path, monkeypatch):
    runs, table = tmp_path / "runs", tmp_path / "learning_rates.yaml"
    table.write_text("fallback: 0.01\nrates:\n  tanh-normalized-d5: 0.03\n")
    for lr, error in [(0.001, 0.40), (0.01, 0.80)]:
        _run(runs, "tanh", lr, 0, error=error, exp="lr_search_conv", fan="receptive_field")
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(lr_search, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(lr_search, "TABLE", table)
    lr_search.main(["--runs-dir", str(runs), "--conv"])
    both = {"tanh-normalized-d5": 0.03, "tanh-normalized-d3-conv": 0.001}
    assert yaml.safe_load(table.read_text())["rates"] == both
    assert (
        (tmp_path / "results" / "lr_search_conv.md")
        .read_text()
        .startswith("# Learning-rate search for the conv nets\n")
    )
    _run(runs, "tanh", 0.1, 0, error=0.30)  # the dense search: its own key, conv's kept
    _run(runs, "tanh", 0.03, 0, error=0.40)
    lr_search.main(["--runs-dir", str(runs)])
    assert yaml.safe_load(table.read_text())["rates"] == {**both, "tanh-normalized-d5": 0.1}
    _run(runs, "tanh", 0.01, 0, error=0.82, exp="lr_search_conv", fan="channels")
    with pytest.raises(SystemExit, match="two lr_search_conv runs of tanh-normalized-d3-conv at"):
        lr_search.main(["--runs-dir", str(runs), "--conv"])  # the mistake is no candidate
    strays = tmp_path / "strays"  # each search refuses the other's nets
    _run(strays, "relu", 0.01, 0, exp="lr_search_conv")
    _run(strays, "relu", 0.01, 0, fan="receptive_field")
    with pytest.raises(SystemExit, match="shapeset's conv nets only.: relu-normalized-d5$"):
        lr_search.main(["--runs-dir", str(strays), "--conv"])
    with pytest.raises(SystemExit, match="shapeset's dense nets only.: relu-normalized-d3-conv$"):
        lr_search.main(["--runs-dir", str(strays)])


def test_mnist_chance_is_one_minus_its_commonest_digits_share_in_the_real_labels():
    labels = Path(__file__).resolve().parents[2] / "shared/data/mnist/train-labels-idx1-ubyte.gz"
    if not labels.exists():
        pytest.skip(f"real MNIST not at {labels.parent}")
    counts = np.bincount(np.frombuffer(gzip.decompress(labels.read_bytes())[8:], np.uint8))
    assert lr_search.CHANCE["mnist"] == pytest.approx(1 - counts.max() / counts.sum())
    # 84% error is chance on Shapeset (5/6), not on MNIST, where it still learns
    stuck = _model(lr0_1=[0.84], lr0_3=[0.87])
    assert decide(stuck).verdict == "at chance"
    assert decide(stuck, chance=lr_search.CHANCE["mnist"]).chosen == 0.1


def test_optim_lr_reads_a_profiles_own_section_first(tmp_path, monkeypatch, compose_cfg):
    from experiments import learning_rates

    table = tmp_path / "learning_rates.yaml"
    table.write_text(
        "fallback: 0.5\nrates:\n  tanh-normalized-d5: 0.03\n  tanh-standard-d5: 0.1\n"
        "profiles:\n  paper:\n    tanh-normalized-d5: 0.01\n"
    )
    monkeypatch.setattr(learning_rates, "TABLE", table)
    learning_rates._table.cache_clear()
    try:
        lr = learning_rates.default_lr
        assert lr("tanh", "normalized", 5, profile="paper") == 0.01
        assert lr("tanh", "normalized", 5, profile="quick") == 0.03
        assert lr("tanh", "standard", 5, profile="paper") == 0.1  # not searched at paper scale
        assert lr("softsign", "standard", 5, profile="paper") == 0.5
        for profile, expected in (("paper", 0.01), ("quick", 0.03)):  # through the config
            with compose_cfg(["activation=tanh", "init=normalized", f"profile={profile}"]) as cfg:
                assert cfg.optim.lr == expected
    finally:
        learning_rates._table.cache_clear()


def test_the_table_round_trips_small_rates_and_an_empty_section(tmp_path, monkeypatch):
    runs, table = tmp_path / "runs", tmp_path / "learning_rates.yaml"
    table.write_text("fallback: 0.01\nrates:\n  softsign-normalized-d5: 0.3\nprofiles:\n")
    _run(runs, "tanh", 1e-5, 0, error=0.30, exp="lr_search_paper")  # PyYAML: 1e-05 is a str
    _run(runs, "tanh", 0.1, 0, error=0.80, exp="lr_search_paper")
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(lr_search, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(lr_search, "TABLE", table)
    lr_search.main(["--runs-dir", str(runs), "--paper"])
    lr_search.main(["--runs-dir", str(runs), "--paper"])  # reads its own output back
    written = yaml.safe_load(table.read_text())
    assert written["profiles"]["paper"] == {"tanh-normalized-d5": 1e-5}
    assert written["rates"] == {"softsign-normalized-d5": 0.3}


def test_the_report_names_the_ties(tmp_path):
    from analysis.report.render import learning_rate_lines

    assert "run `make lr-search`" in "\n".join(learning_rate_lines(tmp_path / "none.json"))
    decisions = {
        "tanh-normalized-d5": vars(decide(_model(lr0_1=[0.3, 0.31, 0.3], lr0_03=[0.3, 0.3, 0.3]))),
        "softsign-normalized-d5": vars(decide(_model(lr0_1=[0.30], lr0_03=[0.40]))),
        "sigmoid-standard-d5": vars(decide(_model(lr0_1=[0.84], lr0_3=[0.84]))),
    }
    path = tmp_path / "lr_search.json"
    path.write_text(json.dumps({"budget": 250_000, "decisions": decisions}))
    text = "\n".join(learning_rate_lines(path))
    assert "Still a tie: tanh-normalized-d5. At chance at every rate" in text
    assert "(the largest taken): sigmoid-standard-d5." in text
    assert "| softsign-normalized-d5 | 0.1 | clear | 0.03 |" in text
    assert "lr-search-paper" not in text  # the paper-scale search has not run
    paper = tmp_path / "lr_search_paper.json"
    close = decide(_model(lr0_01=[0.300], lr0_03=[0.305]), with_stage2=False)
    paper.write_text(json.dumps({"budget": 2_500_000, "decisions": {"tanh-d5": vars(close)}}))
    text = "\n".join(learning_rate_lines(path, paper))
    assert "`make lr-search-paper` after 2,500,000 examples" in text
    assert "| tanh-d5 | 0.01 | tie (seed 0 only) | 0.03 |" in text
    assert text.rstrip().endswith("tanh-d5. At chance at every rate (the largest taken): none.")
    mnist = tmp_path / "lr_search_mnist.json"
    clear = decide(_model(lr0_01=[0.02], lr0_03=[0.04]), chance=lr_search.CHANCE["mnist"])
    mnist.write_text(json.dumps({"budget": 100_000, "decisions": {"mnist/tanh-d5": vars(clear)}}))
    text = "\n".join(learning_rate_lines(path, paper, mnist))
    assert "`make lr-search-mnist` after 100,000 examples (2 epochs)" in text
    assert "| mnist/tanh-d5 | 0.01 | clear | 0.03 |" in text
    assert "lr-search-conv" not in text  # the conv search has not run
    conv = tmp_path / "lr_search_conv.json"
    conv.write_text(json.dumps({"budget": 50_000, "decisions": {"relu-he-d3-conv": vars(clear)}}))
    text = "\n".join(learning_rate_lines(path, paper, mnist, conv))
    assert "`make lr-search-conv` after 50,000 examples" in text
    assert "| relu-he-d3-conv | 0.01 | clear | 0.03 |" in text
