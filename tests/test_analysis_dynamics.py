"""Training-dynamics figures and Table 1 from hand-made run directories."""

import csv

import numpy as np
import pytest
import yaml

from analysis.figures import dynamics
from analysis.report import table1
from analysis.runs.store import REPO_ROOT, RunMissing, load_run
from experiments.learning_rates import default_lr
from experiments.run_identity import run_path
from experiments.run_store import RunStore

PROBE_KEYS = ("act", "backprop", "wgrad")


def fake_run(
    root,
    activation,
    init,
    depth,
    errors,
    *,
    status="complete",
    seed=0,
    pretrain=None,
    profile="quick",
    extra=None,
    test_size=2000,
):
    """A run directory as experiments.train writes it, with made-up numbers; its folder
    named by its config (experiments.run_identity), at its model's default rate."""
    cfg = {
        "experiment_name": "dynamics",
        "activation": {"name": activation},
        "init": {"name": init, "fan": "receptive_field", "std": 0.01},
        "model": {"name": "mlp", "depth": depth, "batch_norm": False},
        "pretrain": {"name": pretrain or "none"},
        "profile": {"name": profile, "test_size": test_size},
        "data": {"name": "shapeset", "size": 0},
        "seed": seed,
        "eval_seed": 0,
    }
    for key, value in (extra or {}).items():  # "model": "conv", "init.std": 0.001, ...
        group, _, leaf = key.partition(".")
        cfg[group][leaf or "name"] = yaml.safe_load(str(value))
    m = cfg["model"]
    lr = default_lr(activation, init, depth, "shapeset", m["batch_norm"], m["name"], profile)
    cfg["optim"] = {"lr": lr, "batch_size": 10}
    store = RunStore(run_path(cfg, root))
    store.write_text("config.yaml", yaml.safe_dump(cfg))
    steps = np.arange(len(errors)) * 100
    store.write_metrics(
        [
            {
                "step": s,
                "examples": 10 * s,
                "train_loss": 1.0,
                "valid_error": e,
                "test_error": e,
                "wall_s": 1.0,
            }
            for s, e in zip(steps, errors, strict=True)
        ]
    )
    rng = np.random.default_rng(seed)
    records = []
    for s in steps:
        r = {
            "step": s,
            "examples": 10 * s,
            "act_saturation": rng.uniform(0, 1, depth),
            "jacobian_sv": np.full(depth, 0.5),
        }
        for q in PROBE_KEYS:
            edges = np.linspace(-1, 1, 41)
            r[f"{q}_edges"] = edges
            r[f"{q}_hist"] = rng.integers(0, 100, (depth, 40))
            for k in ("mean", "std", "p2", "p50", "p98", "outside"):
                r[f"{q}_{k}"] = rng.uniform(0, 0.5, depth) * (-1 if k == "p2" else 1)
        records.append(r)
    store.write_probes(records)
    store.write_json(
        "summary.json",
        {
            "status": status,
            "seed": seed,
            "model_seed": seed,
            "profile": profile,
            "lr": 0.01,
            "examples_seen": int(10 * steps[-1]),
            "final_test_error": errors[-1],
        },
    )


def report_layer_sizes():
    from analysis.report import render as report

    return report.LAYER_SIZES.values()


@pytest.fixture
def runs(tmp_path):
    for act in ("sigmoid", "tanh", "softsign"):
        for init in ("standard", "normalized"):
            fake_run(tmp_path, act, init, 5, [0.8, 0.5, 0.3])
    fake_run(tmp_path, "sigmoid", "standard", 4, [0.8, 0.8, 0.7])
    fake_run(tmp_path, "tanh", "standard", 5, [0.8, 0.3, 0.1], pretrain="dae")
    fake_run(tmp_path, "tanh", "standard", 5, [0.8, 0.4, 0.2], pretrain="rbm")
    for pretrain in ("rbm", "dae"):  # section 3.1's pre-trained sigmoid nets
        fake_run(tmp_path, "sigmoid", "standard", 4, [0.8, 0.6, 0.4], pretrain=pretrain)
    for init in ("standard", "normalized"):  # section 5's other layer sizes
        for widths in report_layer_sizes():
            fake_run(tmp_path, "tanh", init, 5, [0.8, 0.5, 0.3], extra={"model.widths": widths})
    for models in dynamics.BEYOND:
        for act, init, depth, extra in models:
            fake_run(tmp_path, act, init, depth, [0.8, 0.6, 0.4], extra=extra)
    return tmp_path


@pytest.mark.parametrize("figure", sorted(dynamics.FIGURES))
def test_every_figure_draws_from_stored_runs(runs, figure, tmp_path):
    dynamics.main(figure, ["--runs-dir", str(runs), "--out", str(tmp_path / "out")])
    assert (tmp_path / "out" / f"{figure}.png").stat().st_size > 10_000
    assert (tmp_path / "out" / f"{figure}.pdf").exists()


def test_a_diverged_run_is_marked_in_fig11(runs):
    fake_run(runs, "sigmoid", "standard", 5, [0.8, 0.83], status="diverged")
    fig = dynamics.fig11(runs, "quick")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Sigmoid (diverged) depth 5 (lr 0.01): 83.0%" in labels  # each net's rate too


def test_fig11_colours_each_model_alike_at_every_profile_and_dashes_a_hidden_curve(runs):
    fake_run(runs, "sigmoid", "standard", 4, [0.8, 0.83, 0.83])  # on top of depth 5's
    fake_run(runs, "sigmoid", "standard", 5, [0.9, 0.834, 0.832])
    fig = dynamics.fig11(runs, "quick")
    lines = {
        ln.get_label(): ln for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")
    }
    d4 = next(ln for k, ln in lines.items() if k.startswith("Sigmoid depth 4"))
    d5 = next(ln for k, ln in lines.items() if k.startswith("Sigmoid depth 5"))
    assert d4.get_linestyle() == "--" and "dashed: on Sigmoid depth 5" in d4.get_label()
    assert d5.get_linestyle() == "-"
    tanh = next(ln for k, ln in lines.items() if k.startswith("Tanh ("))
    assert tanh.get_color() == dynamics.MODEL_COLORS["Tanh"]  # whatever its rank


def test_a_missing_run_is_named_with_the_command_that_makes_it(tmp_path):
    with pytest.raises(RunMissing) as e:
        dynamics.fig2(tmp_path, "quick")
    assert "activation=sigmoid init=standard model.depth=4 profile=quick" in str(e.value)
    assert "make reproduce-fig2 PROFILE=quick" in str(e.value)
    with pytest.raises(SystemExit, match="does not exist"):
        dynamics.main("fig3", ["--runs-dir", str(tmp_path)])


def test_a_missing_run_in_the_checkout_is_named_relative_to_it():
    """REPORT.md quotes the message: it must read the same in any clone."""
    with pytest.raises(RunMissing) as e:
        load_run("dynamics", {"activation": "tanh", "profile": "no_such_profile"})
    assert "run results/runs/dynamics: activation=tanh profile=no_such_profile seed=0 " in str(
        e.value
    )
    assert str(REPO_ROOT) not in str(e.value)


def test_an_unfinished_run_is_refused(runs):
    path = load_run(
        "dynamics",
        {"activation": "tanh", "init": "normalized", "model.depth": 5, "profile": "quick"},
        0,
        runs,
    ).dir
    (path / "summary.json").unlink()  # killed before it finished
    with open(path / "metrics.csv", newline="") as f:
        seen = int(list(csv.DictReader(f))[-1]["examples"])
    with pytest.raises(RunMissing, match=rf"is not finished \({seen:,} examples so far\); resume"):
        dynamics.fig10(runs, "quick")


def test_table1_states_seeds_and_mean_and_std(runs):
    fake_run(runs, "tanh", "normalized", 5, [0.5, 0.20], seed=0)
    fake_run(runs, "tanh", "normalized", 5, [0.5, 0.22], seed=1)
    text = table1.table("quick", runs)
    # a run's number: the mean of its evaluations over the last fifth of its examples, here
    # its final one; Tanh N is the best (0.20, 0.22 over two seeds), Tanh's 0.30 is 6 of
    # their standard errors worse (binomial 0.010 and 0.010 over seeds): not bold
    assert "| Tanh N | **21.00 +- 1.41** | 2 | **15.60** |" in text
    assert "| Tanh | 30.00 | 1 | 27.15 |" in text
    assert "1,000, 2,000 training examples seen per run" in text  # both, honestly


def mnist_runs(root, write_run, ends: dict[str, float]) -> None:
    """Fig. 12's five MNIST runs (profile epochs10), each ending at its given test error."""
    from conftest import hand_made_config

    for label, act, init, *_ in table1.PAPER:
        rel = f"finite/activation={act},data=mnist,init={init},model.depth=5,profile=epochs10"
        cfg = hand_made_config(act, init, depth=5, lr=None, profile="epochs10", data="mnist")
        cfg["profile"]["test_size"] = 10_000
        end = ends[label]
        summary = {"status": "complete", "examples_seen": 500_000, "final_test_error": end}
        rows = [(0, 0, 2.3, 0.9, 0.9, 1.0), (50_000, 500_000, 0.1, end, end, 2.0)]
        write_run(root, f"{rel}/seed=0", rows, summary, None, cfg)


MNIST_ENDS = {"Softsign": 0.03, "Softsign N": 0.02, "Tanh": 0.04, "Tanh N": 0.01, "Sigmoid": 0.9}


def test_table1_fills_and_ranks_the_mnist_column_from_its_runs(runs, write_run):
    mnist_runs(runs, write_run, MNIST_ENDS)
    text = table1.table("quick", runs)
    assert "| Tanh N | **30.00** | 1 | **15.60** | 1.00 | **1.64** | - | **52.92** |" in text
    assert "| 82.61 | 90.00 | 2.21 | - | 57.28 |" in text  # Sigmoid
    assert "MNIST: profile `epochs10`, 500,000 training examples seen per run" in text
    # The paper's MNIST column has Softsign and Tanh N both at 1.64: a tie, not an order.
    assert (
        "Ranking, ours: Tanh N < Softsign N < Softsign < Tanh < Sigmoid; "
        "paper: Softsign = Tanh N < Softsign N < Tanh < Sigmoid." in text
    )
    assert "CIFAR-10: not run here" in text


@pytest.mark.parametrize("sigmoid_end, stuck", [(0.9, True), (0.05, False)])
def test_mnist_sigmoid_worst_says_when_it_is_worst_by_never_learning(
    tmp_path, write_run, sigmoid_end, stuck
):
    from analysis.report import render as report

    mnist_runs(tmp_path, write_run, MNIST_ENDS | {"Sigmoid": sigmoid_end})
    check, learns = report.finite_checks(tmp_path, "mnist", "epochs10")
    assert learns.verdict == ("not at this scale" if stuck else "holds")
    assert check.verdict == "holds"  # 5% or 90% vs <= 4% on 10,000 test examples
    assert ("never left chance (88.8%)" in check.ours) == stuck


def test_cifar_claims_name_themselves_and_the_missing_file_before_any_run(tmp_path, monkeypatch):
    from analysis.figures import fig12
    from analysis.report import render as report

    monkeypatch.setattr(fig12, "data_root", lambda: tmp_path / "no-data")
    with pytest.raises(RunMissing) as missing:
        report.finite_checks(tmp_path, "cifar10", "epochs10")
    text = str(missing.value)
    assert "data not here" in text and "cifar-10-binary.tar.gz" in text
    assert "sigmoid is the worst 5-layer net (§5, Table 1 (CIFAR-10): Sigmoid 57.28%" in text
    assert "normalized init helps tanh (§5, Table 1 (CIFAR-10): Tanh N 52.92% against " in text
    assert text.endswith("`make reproduce-fig12`")


def test_init_mistakes_judged_and_drawn_from_hand_made_runs(tmp_path):
    from analysis.figures import init_mistakes

    for _, right, wrong in init_mistakes.PAIRS:
        for (act, init, depth, extra), errors in ((right, [0.8, 0.5, 0.3]), (wrong, [0.85] * 3)):
            fake_run(tmp_path, act, init, depth, errors, extra=extra)
    runs = init_mistakes.load_pairs(tmp_path, "quick")
    checks = init_mistakes.training_checks(runs)
    assert [c.verdict for c in checks] == ["holds"] * len(init_mistakes.PAIRS)
    for c in checks:  # 0.85 is within the plateau margin of chance, 0.3 far below it
        assert "left the plateau: right scheme after" in c.ours and "mistake never" in c.ours
    # the mistake trains better, and settles there (a net is judged on its last evaluations)
    fake_run(tmp_path, "tanh", "zeros", 5, [0.8, 0.1, 0.1, 0.1, 0.1, 0.1])
    checks = init_mistakes.training_checks(init_mistakes.load_pairs(tmp_path, "quick"))
    assert checks[3].verdict == "does not hold"
    measured = {repr(n): {"act_std": [0.5, 0.4]} for _, *nets in init_mistakes.PAIRS for n in nets}
    init_mistakes.save(init_mistakes.draw(measured, runs), "mistakes", tmp_path / "figs")
    assert (tmp_path / "figs" / "mistakes.png").exists()


def test_svm_baseline_fits_chooses_on_validation_and_judges_against_a_hand_made_net(
    tmp_path, monkeypatch
):
    from analysis.scans import svm_baseline

    monkeypatch.setattr(svm_baseline, "EVAL_SIZE", 60)  # tiny sets: the mechanics only
    record_path = tmp_path / "svm.json"
    svm_baseline.main(
        [
            "--sizes",
            "40,80",
            "--record",
            str(record_path),
            "--runs-dir",
            str(tmp_path),
            "--out",
            str(tmp_path / "figs"),
        ]
    )
    record = yaml.safe_load(record_path.read_text())
    for row in record["svm"]:  # the chosen (C, gamma) is the grid's best on validation
        assert row["valid_error"] == min(g["valid_error"] for g in row["grid"])
        assert len(row["grid"]) == len(svm_baseline.CS) * len(svm_baseline.GAMMAS)
    assert "Claim not checked" in (tmp_path / "svm_baseline.md").read_text()
    svm_error = record["svm"][1]["test_error"]
    for net_error, verdict in (
        (max(svm_error - 0.3, 0.0), "holds"),
        (svm_error, "not at this scale"),
    ):
        fake_run(
            tmp_path,
            "tanh",
            "normalized",
            5,
            [0.8, net_error],
            extra={"data.size": 80},
            test_size=60,
        )
        check = svm_baseline.checks(record, svm_baseline.nets(record, tmp_path, "quick"))[0]
        assert check.verdict == verdict  # below the paper's 1e5: shown, never refuted
    assert "at 80 training examples" in check.ours


def test_a_missing_beyond_run_hides_only_its_own_claim(runs):
    import shutil

    from analysis.report import render as report

    shutil.rmtree(load_run("dynamics", {"activation": "relu", "init": "he", "model.depth": 30,
                                        "profile": "quick"}, 0, runs).dir)  # fmt: skip
    checks = report.beyond_training_checks(runs, "quick")
    assert len(checks.missing) == 1 and "model.depth=30" in checks.missing[0]
    claims = [c.claim for c in checks]
    assert not any("30 hidden layers" in c for c in claims)
    assert any("Kumar" in c for c in claims) and any("batch norm" in c for c in claims)
    lines, shown = report.section("Beyond", lambda: checks, "scale", [("no-such-figure", "x")])
    text = "\n".join(lines)
    assert "**Not checked** (their runs are missing):" in text and "model.depth=30" in text
    assert "| **holds** |" in text or "| **not at this scale** |" in text
    assert "no-such-figure" not in text and shown == list(checks)


def test_table1_claims_show_while_the_4_layer_sigmoid_net_still_trains(runs):
    import shutil

    from analysis.report import render as report

    full = {
        c.claim for f in (report.error_checks, report.dynamics_checks) for c in f(runs, "quick")
    }
    sigmoid4 = {"activation": "sigmoid", "init": "standard", "model.depth": 4, "profile": "quick"}
    shutil.rmtree(load_run("dynamics", sigmoid4, 0, runs).dir)  # as a larger profile's, unfinished
    errors, dynamic = report.error_checks(runs, "quick"), report.dynamics_checks(runs, "quick")
    for checks in (errors, dynamic):  # named once, though two groups of errors need it
        assert len(checks.missing) == 1 and "model.depth=4" in checks.missing[0]
    shown = {c.claim for c in [*errors, *dynamic]}
    assert {c for c in full if "Table 1" in c or "5 hidden layers" in c} <= shown
    assert {c for c in full - shown} == {
        "sigmoid, 4 hidden layers: stuck at chance, then learns",
        "Fig. 11: pre-training ends best",  # it is compared with every net, the 4-layer one too
        *{c for c in full if c.startswith(("sigmoid: the top", "sigmoid, 4 layers: when"))},
    }


def _stored_probes(runs, activation, init, depth):
    path = load_run("dynamics", {"activation": activation, "init": init, "model.depth": depth,
                                 "profile": "quick"}, 0, runs).dir  # fmt: skip
    with np.load(path / "probes.npz") as z:
        return {k: z[k] for k in z.files}


def test_figures_plot_exactly_the_stored_probes(runs):
    """What a reader sees is what the run recorded: Fig. 2's mean per layer, Fig. 3's
    percentiles and +-std, each at the examples it was probed at."""
    p = _stored_probes(runs, "sigmoid", "standard", 4)
    bars_per_layer = dynamics.fig2(runs, "quick").axes[0].containers
    assert len(bars_per_layer) == 4
    for layer, bars in enumerate(bars_per_layer):
        x, y = bars.lines[0].get_data()
        np.testing.assert_array_equal(x, p["examples"])
        np.testing.assert_array_equal(y, p["act_mean"][:, layer])
    p = _stored_probes(runs, "tanh", "standard", 5)
    lines = dynamics.fig3(runs, "quick").axes[0].get_lines()
    for layer in range(5):
        shown = [lines[4 * layer + i].get_ydata() for i in range(4)]  # p98, p2, +std, -std
        expected = [p["act_p98"], p["act_p2"], p["act_std"], -p["act_std"]]
        for s, e in zip(shown, expected, strict=True):
            np.testing.assert_array_equal(s, e[:, layer])


def test_density_curves_are_numpys_histogram_density_with_merged_bins():
    """Values outside the probe's bins count in the total, as np.histogram's density over
    the whole sample would not: the reference divides by the sample size instead."""
    from analysis.figures.histograms import density_curves

    rng = np.random.default_rng(0)
    raw = np.stack([rng.normal(0, s, 5000) for s in (0.2, 0.5, 1.5)])  # the last spills over
    edges = np.linspace(-2, 2, 401)
    hist = np.stack([np.histogram(r, edges)[0] for r in raw])
    outside = np.mean(np.abs(raw) >= 2, axis=1)
    probes = {"act_edges": edges[None], "act_hist": hist[None], "act_outside": outside[None]}
    x, dens, _ = density_curves(probes, "act", 0, window=2.0)
    merge = round(len(hist[0]) / len(x))
    assert merge > 1  # the display merges bins
    coarse = edges[::merge]
    np.testing.assert_allclose(x, (coarse[:-1] + coarse[1:]) / 2)
    for r, d in zip(raw, dens, strict=True):
        counts = np.histogram(r, coarse)[0]
        np.testing.assert_allclose(d, counts / len(r) / np.diff(coarse), rtol=1e-9)


def test_table1_bolds_the_nets_not_significantly_worse_than_the_best(runs):
    """The paper's bold: statistically different from the rest at p = 0.005. Ours: Welch's
    t-test of each net against the best across seeds, one-sided."""
    for seed, (a, b, c) in enumerate([(0.200, 0.300, 0.205), (0.210, 0.310, 0.215),
                                       (0.220, 0.320, 0.195)]):  # fmt: skip
        fake_run(runs, "tanh", "normalized", 5, [0.8] + [a] * 5, seed=seed)
        fake_run(runs, "tanh", "standard", 5, [0.8] + [b] * 5, seed=seed)
        fake_run(runs, "softsign", "normalized", 5, [0.8] + [c] * 5, seed=seed)
    text = table1.table("quick", runs)
    assert "| Tanh N | **21.00 +- 1.00** | 3 |" in text
    assert "| Softsign N | **20.50 +- 1.00** | 3 |" in text  # the best: 20.50
    assert "| Tanh | 31.00 +- 1.00 | 3 |" in text  # Welch t 12.9, df 4: p ~ 1e-4


def test_one_entry_point_draws_any_figure_by_name(runs, tmp_path):
    from analysis.figures.__main__ import FIGURES, main

    assert {f"fig{i}" for i in range(1, 13)} <= set(FIGURES)  # every figure of the paper
    main(["fig3", "--runs-dir", str(runs), "--out", str(tmp_path / "figs")])
    assert (tmp_path / "figs" / "fig3.png").stat().st_size > 0
    with pytest.raises(SystemExit, match="unknown figure 'fig13': one of fig1, fig2"):
        main(["fig13"])
