"""Fig. 12 from hand-made MNIST runs; the CIFAR-10 panel, without data, says so."""

from conftest import hand_made_config

from analysis import fig12


def test_fig12_draws_each_mnist_net_and_names_the_missing_cifar_data(
    tmp_path, write_run, monkeypatch
):
    monkeypatch.setattr(fig12, "data_root", lambda: tmp_path / "no-data")
    for act, init in fig12.MODELS:
        cfg = {
            **hand_made_config(act, init, depth=5, profile="epochs10"),
            "data": {"name": "mnist"},
        }
        cfg["profile"]["test_size"] = 10_000
        rel = (
            f"finite/activation={act},data=mnist,init={init},model.depth=5,profile=epochs10/seed=0"
        )
        rows = [(0, 0, 2.3, 0.9, 0.9, 1.0), (5000, 50_000, 0.1, 0.03, 0.025, 2.0)]
        summary = {"status": "complete", "examples_seen": 50_000, "seed": 0, "model_seed": 0}
        write_run(tmp_path, rel, rows, summary, None, cfg)
    fig = fig12.draw(tmp_path, "epochs10")
    mnist, cifar = fig.axes
    labels = [line.get_label() for line in mnist.get_lines()]
    assert len(labels) == 5 and "Tanh N: 2.50% (paper ~1.67)" in labels
    text = " ".join(t.get_text() for t in cifar.texts)
    assert "data not here" in text and "cifar-10-binary.tar.gz" in text
    assert "50,000 examples seen, test sets of 10,000" in fig.texts[-1].get_text()
