"""Grid plots and the report on hand-made run directories."""

import numpy as np
import pytest
from conftest import hand_made_config

from analysis.claims.index import CLAIMS
from analysis.claims.rules import FAILS, HOLDS, NOT_AT_SCALE, Check
from analysis.figures import grid
from analysis.report import render as report


def _row(depth, err, status="complete", seed=0):
    return {"depth": depth, "final_test_error": err, "status": status, "seed": seed}


def test_depth_curve_averages_complete_runs_over_seeds_and_flags_the_others():
    by_depth = {
        1: [_row(1, 0.50), _row(1, 0.60, seed=1)],
        3: [_row(3, 0.40), _row(3, 0.95, "diverged", seed=1)],
        5: [_row(5, None, "failed")],
    }
    xs, means, stds, bad = grid.depth_curve(by_depth)
    assert xs == [1, 3]
    assert means == pytest.approx([55.0, 40.0])
    assert stds == pytest.approx([np.std([50.0, 60.0], ddof=1), 0.0])
    assert bad == [3, 5]


def _errors_leaving_chance_at(exit_at, budget=100_000):
    x = np.arange(0, budget + 1, 10_000)
    err = np.where(x >= exit_at, 0.6, 0.84) if exit_at is not None else np.full(len(x), 0.84)
    return [(i, xi, 1.0, e, e, 1.0) for i, (xi, e) in enumerate(zip(x, err, strict=True))]


@pytest.fixture
def grid_runs(tmp_path, write_run):
    """tanh d2 (both inits) and sigmoid d2, each with both losses; quadratic is slower."""
    exits = {
        ("tanh", "standard"): (20_000, 60_000),
        ("tanh", "normalized"): (10_000, None),
        ("sigmoid", "standard"): (None, None),
    }
    for (act, init), (ce, quad) in exits.items():
        for loss, at in (("cross_entropy", ce), ("quadratic", quad)):
            cfg = hand_made_config(act, init, loss, depth=2)
            rel = f"grid/activation={act},init={init},loss={loss},model.depth=2/seed=0"
            summary = {"status": "complete", "examples_seen": 100_000, "threads": 1}
            write_run(tmp_path, rel, _errors_leaving_chance_at(at), summary, [[0.1, 0.2]], cfg)
    return tmp_path


def test_plateau_pairs_read_each_nets_curve(grid_runs):
    rows = grid.grid_rows(grid_runs, "grid")
    pairs = {name: (ce, q) for name, ce, q in grid.plateau_pairs(rows, grid_runs)}
    assert pairs == {
        "Sigmoid d2 s0": (None, None),
        "Tanh d2 s0": (20_000, 60_000),
        "Tanh N d2 s0": (10_000, None),
    }
    check = report.grid_checks(grid_runs, "grid")[0]
    assert "later in 2, earlier in 0, at the same evaluation in 1" in check.ours
    assert check.verdict == FAILS  # 2 of 2 is no evidence yet: sign test p = 0.25


def test_grid_plots_are_drawn_from_hand_made_runs(grid_runs, tmp_path):
    out = tmp_path / "figs"
    grid.main(["--runs-dir", str(grid_runs), "--slice", "model.depth=2", "--out", str(out)])
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"grid_{n}.{e}"
        for n in ("error_vs_depth", "curves", "saturation", "ce_vs_quadratic")
        for e in ("png", "pdf")
    )


def test_missing_grid_runs_name_the_command(tmp_path):
    (tmp_path / "grid").mkdir()
    with pytest.raises(SystemExit, match="make sweep-grid GRID_PROFILE=grid"):
        grid.main(["--runs-dir", str(tmp_path)])


def test_the_report_lists_claims_it_cannot_check_and_says_how(tmp_path):
    (tmp_path / "grid").mkdir()
    text = report.report(tmp_path, ["quick", "tenth"], "grid")
    # at init, dynamics, errors, the init-by-rate experiment, MNIST, CIFAR-10, the SVM
    # baseline, grid, beyond in training, init mistakes in training, the trainability grid,
    # the framework defaults (dynamics, errors, beyond in training and the order-to-chaos
    # section list their missing runs one by one); `tenth` has no runs: not shown
    assert text.count("**Not checked") == 12 and "`tenth`" not in text
    assert text.count("**Not checked** (their runs are missing):") == 4
    assert "make reproduce-fig12" in text and "make reproduce-beyond PROFILE=quick" in text
    assert "make runs-at-init" in text and "make sweep-grid" in text
    assert "make reproduce-trainability" in text
    assert "make reproduce-framework-defaults PROFILE=quick" in text
    # the data (Fig. 1), Fig. 5, the depth, isometry, random-walk and conv scans, the
    # order-to-chaos map and the maps' probes (their committed records) and the init
    # mistakes at init need no runs: their 2 + 3 + 1 + 2 + 2 + 3 + 2 + 2 claims are
    # checked: the paper's 2, beyond the paper 15
    assert "quadratic cost has more plateaus" in text
    assert "2 of the paper's claims checked once" in text
    assert "15 checks beyond the paper checked once" in text


def test_a_mistyped_runs_folder_or_profile_stops_the_report_before_it_writes(tmp_path):
    out = tmp_path / "REPORT.md"
    with pytest.raises(SystemExit, match="no runs there"):
        report.main(["--runs-dir", str(tmp_path / "runz"), "--out", str(out)])
    (tmp_path / "grid" / "x=1" / "seed=0").mkdir(parents=True)
    with pytest.raises(SystemExit, match="unknown profile quik"):
        report.main(["--runs-dir", str(tmp_path), "--profiles", "quik", "--out", str(out)])
    assert not out.exists()


def test_the_summary_shows_each_claim_per_budget_and_names_the_flips():
    papers = {"data", "tanh saturates", "sigmoid at chance"}

    def check(title, verdict):  # each its own variant of a paper's or a beyond claim
        of = CLAIMS["grid-best-depth" if title in papers else "relu30-he-trains"]
        return Check(of, "ours", verdict, title)

    checks = [
        (None, check("data", HOLDS), False),  # the third item: whether the check is ours
        (None, check("depth scan", NOT_AT_SCALE), True),
        ("quick", check("tanh saturates", NOT_AT_SCALE), False),
        ("quick", check("sigmoid at chance", HOLDS), False),
        ("quick", check("He trains ReLU", FAILS), True),
        ("tenth", check("tanh saturates", HOLDS), False),
        ("tenth", check("sigmoid at chance", HOLDS), False),
    ]
    text = "\n".join(report.summary(checks, ["quick", "tenth", "paper"]))
    assert "**1 of the paper's claims checked once: 1 hold, 0 do not hold, 0 not at this " in text
    assert "**1 checks beyond the paper checked once: 0 hold, 0 do not hold, 1 not at " in text
    assert "**2 of the paper's claims about training, at `tenth`: 2 hold" in text
    assert "**1 checks beyond the paper about training, at `quick`: 0 hold, 1 do not" in text
    assert "at `paper`" not in text
    assert "| tanh saturates | not at this scale | holds | - |" in text
    assert "- tanh saturates: not at this scale at `quick` -> holds at `tenth`." in text
    assert "sigmoid at chance:" not in text  # the same verdict at both budgets: no flip line


@pytest.mark.parametrize(
    "module",
    [
        "figures.dynamics",
        "report.table1",
        "figures.grid",
        "scans.svm_baseline",
        "figures.init_mistakes",
        "figures.fig12",
        "report.render",
    ],
)
def test_every_profile_option_names_an_unknown_profile_as_such(module, capsys):
    import importlib

    main = importlib.import_module(f"analysis.{module}").main
    flag = "--grid-profile" if module == "report.render" else "--profile"
    args = ["fig3", [flag, "quik"]] if module == "figures.dynamics" else [[flag, "quik"]]
    with pytest.raises(SystemExit):
        main(*args)
    err = capsys.readouterr().err
    assert "unknown profile 'quik': one of" in err and "quick" in err and "reproduce" not in err
