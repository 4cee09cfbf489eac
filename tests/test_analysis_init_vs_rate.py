"""The controlled init-by-rate experiment's analysis on hand-made runs: runs found by their
stored config whatever their folder's name, the claims judged rate by rate, the figure
drawn from exactly those runs, and missing runs named."""

import numpy as np
import pytest
import yaml

from analysis.claims import rules as C
from analysis.figures import init_vs_rate
from analysis.runs.store import RunMissing, find_runs
from experiments.run_store import RunStore

N_PROBES, LAYERS = 11, 5


def _write(root, folder, init, lr, seed, saturation, status="complete", **extra):
    store = RunStore(root / "dynamics" / folder / f"seed={seed}")
    config = {"activation": {"name": "tanh"}, "init": {"name": init}, "loss": {"name":
              "cross_entropy"}, "model": {"depth": 5, "width": 1000, **extra},
              "optim": {"lr": lr, "batch_size": 10}, "profile": {"name": "quick",
              "test_size": 2000}, "pretrain": {"name": "none"}}  # fmt: skip
    store.write_text("config.yaml", yaml.safe_dump(config))
    x = np.linspace(0, 300_000, N_PROBES)
    rng = np.random.default_rng(seed)
    sat = np.clip(saturation + 0.005 * rng.standard_normal((N_PROBES, LAYERS)), 0, 1)
    wgrad = (
        0.003 * np.linspace(2, 1, LAYERS) * np.exp(0.01 * rng.standard_normal((N_PROBES, LAYERS)))
    )
    p98 = np.clip(0.5 + 5 * sat, 0, 1)  # percentiles further out as more units saturate
    records = [{"step": int(e / 10), "examples": int(e), "act_saturation": s, "wgrad_std": w,
                "act_p2": -p, "act_p98": p}
               for e, s, w, p in zip(x, sat, wgrad, p98, strict=True)]  # fmt: skip
    store.write_probes(records)
    rows = [{"step": int(e / 10), "examples": int(e), "train_loss": 1.0, "valid_error": 0.7,
             "test_error": 0.7, "wall_s": 1.0} for e in x]  # fmt: skip
    store.write_metrics(rows)
    store.write_json("summary.json", {"status": status, "seed": seed, "lr": lr,
                                      "examples_seen": 300_000})  # fmt: skip


@pytest.fixture
def runs(tmp_path):
    for lr in init_vs_rate.RATES:
        for seed in range(3):
            # the searched-rate runs live in folders without optim.lr in their names
            for init, level, own in (("standard", 0.02, 0.03), ("normalized", 0.08, 0.01)):
                folder = f"activation=tanh,init={init},model.depth=5,profile=quick"
                if lr != own:
                    folder = folder.replace("profile", f"optim.lr={lr},profile")
                _write(tmp_path, folder, init, lr, seed, level)
    _write(tmp_path, "activation=tanh,init=standard,model.batch_norm=true,optim.lr=0.01,"
           "profile=quick", "standard", 0.01, 0, 0.5, batch_norm=True)  # fmt: skip
    _write(tmp_path, "activation=tanh,init=standard,optim.lr=0.01,profile=quick,x=1",
           "standard", 0.01, 3, 0.5, status="failed")  # fmt: skip
    return tmp_path


def test_runs_are_found_by_their_stored_config(runs):
    found = find_runs("dynamics", runs, activation="tanh", init="standard", lr=0.01,
                      depth=5, profile="quick")  # fmt: skip
    assert [r.seed for r in found] == [0, 1, 2]  # not the batch-norm run, not the failed one
    assert all("optim.lr=0.01" in r.dir.parent.name for r in found)
    own = find_runs("dynamics", runs, activation="tanh", init="standard", lr=0.03, depth=5,
                    profile="quick")  # fmt: skip
    assert [r.dir.parent.name for r in own] == ["activation=tanh,init=standard,model.depth=5,"
                                                "profile=quick"] * 3  # fmt: skip


def test_fig10_is_judged_at_the_rate_where_softsign_trained_too(runs):
    def soft(seed):
        store = RunStore(runs / "dynamics" / "activation=softsign,init=standard,model.depth=5,"
                         f"profile=quick/seed={seed}")  # fmt: skip
        _write(runs, store.dir.parent.name, "standard", 0.03, seed, 0.0)
        config = yaml.safe_load(store.path("config.yaml").read_text())
        config["activation"]["name"] = "softsign"
        store.write_text("config.yaml", yaml.safe_dump(config))

    for seed in range(3):
        soft(seed)
    checks = init_vs_rate.check("quick", runs)
    (fig10,) = [c for c in checks if "softsign" in c.claim]
    assert fig10.claim.endswith("all three at rate 0.03")
    # softsign's percentiles at 0.5, standard tanh's at 0.6, normalized tanh's at 0.9: the
    # normalized net is the further from softsign
    assert fig10.verdict == C.FAILS


def test_the_claims_are_judged_rate_by_rate_on_those_runs(runs):
    finding, *fig9 = init_vs_rate.check("quick", runs)
    assert finding.verdict == C.HOLDS  # normalized 8% against standard 2% at every rate
    for lr in init_vs_rate.RATES:
        assert f"lr {lr:g}: standard 2.0%, normalized 8.0%" in finding.ours
    assert [c.claim.rsplit(" ", 1)[1] for c in fig9] == ["0.003", "0.01", "0.03"]
    assert "does not decide" not in " ".join(init_vs_rate.meaning("quick", runs))


def test_the_figure_draws_the_mean_over_seeds_of_each_init_at_each_rate(runs):
    fig = init_vs_rate.figure("quick", runs)
    top = fig.axes[0]  # rate 0.003, saturation over training
    by_label = {line.get_label(): line.get_ydata() for line in top.get_lines()}
    seeds = find_runs("dynamics", runs, activation="tanh", init="normalized", lr=0.003, depth=5,
                      profile="quick")  # fmt: skip
    expected = np.mean([100 * r.probes["act_saturation"].mean(1) for r in seeds], 0)
    np.testing.assert_allclose(by_label["Tanh N, 3 seeds"], expected, rtol=1e-12)
    titles = {ax.get_title() for ax in fig.axes[:3]}
    assert titles == {f"learning rate {lr:g}" for lr in init_vs_rate.RATES}


def test_missing_runs_are_named_with_the_command_that_makes_them(tmp_path):
    with pytest.raises(RunMissing, match="make reproduce-init-vs-rate PROFILE=quick"):
        init_vs_rate.check("quick", tmp_path)


def test_the_plan_trains_each_init_at_the_rates_other_than_its_own():
    assert init_vs_rate.plan("quick") == [
        "activation=tanh init=standard optim.lr=0.003,0.01",
        "activation=tanh init=normalized optim.lr=0.003,0.03",
    ]
