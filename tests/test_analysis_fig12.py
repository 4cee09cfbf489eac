"""Fig. 12 from hand-made MNIST runs; CIFAR-10, without data, is named in the footer
instead of an empty panel; a Sigmoid N run, not in the paper's figure, is drawn dashed."""

from conftest import hand_made_config

from analysis.figures import fig12


def test_fig12_draws_each_mnist_net_and_names_the_missing_cifar_data(
    tmp_path, write_run, monkeypatch
):
    monkeypatch.setattr(fig12, "data_root", lambda: tmp_path / "no-data")
    for act, init in fig12.MODELS:
        cfg = hand_made_config(act, init, depth=5, lr=None, profile="epochs10", data="mnist")
        cfg["profile"]["test_size"] = 10_000
        rel = (
            f"finite/activation={act},data=mnist,init={init},model.depth=5,profile=epochs10/seed=0"
        )
        end = 0.899 if act == "sigmoid" else 0.025  # sigmoid stuck at chance, as ours is
        rows = [(0, 0, 2.3, 0.9, 0.9, 1.0), (5000, 50_000, 0.1, 0.03, end, 2.0)]
        summary = {"status": "complete", "examples_seen": 50_000, "seed": 0, "model_seed": 0}
        write_run(tmp_path, rel, rows, summary, None, cfg)
    fig = fig12.draw(tmp_path, "epochs10")
    (mnist,) = fig.axes  # no empty CIFAR-10 half
    labels = [line.get_label() for line in mnist.get_lines()]
    assert len(labels) == 5 and "Tanh N: 2.50% (paper ~1.67)" in labels
    # The stuck net leaves the axis instead of squashing the others against its bottom.
    assert "Sigmoid: 89.90% (above the axis) (paper ~2.12)" in labels
    lo, hi = mnist.get_ylim()
    assert lo <= 1.5 and 3.0 <= hi < 89.9 and 2.5 <= (lo + hi) / 2
    footer = fig.texts[-1].get_text()
    assert "CIFAR-10 not run (data not here" in footer and "cifar-10-binary.tar.gz" in footer
    assert "50,000 examples seen, test sets of 10,000" in footer
    cfg = hand_made_config("sigmoid", "normalized", depth=5, lr=None, profile="epochs10",
                           data="mnist")  # fmt: skip
    cfg["profile"]["test_size"] = 10_000
    rel = "finite/activation=sigmoid,data=mnist,init=normalized,model.depth=5,profile=epochs10"
    rows = [(0, 0, 2.3, 0.9, 0.9, 1.0), (5000, 50_000, 0.1, 0.03, 0.0316, 2.0)]
    summary = {"status": "complete", "examples_seen": 50_000, "seed": 0, "model_seed": 0}
    write_run(tmp_path, f"{rel}/seed=0", rows, summary, None, cfg)
    (mnist,) = fig12.draw(tmp_path, "epochs10").axes
    extra = [ln for ln in mnist.get_lines() if ln.get_label().startswith("Sigmoid N")]
    assert [ln.get_label() for ln in extra] == ["Sigmoid N: 3.16% (not in the paper's figure)"]
    assert extra[0].get_linestyle() == "--"
    # with no run at all, one panel says what is missing
    (empty,) = fig12.draw(tmp_path / "none", "epochs10").axes
    text = " ".join(t.get_text() for t in empty.texts)
    assert "not run" in text and "data not here" in text  # MNIST's root is empty here too
