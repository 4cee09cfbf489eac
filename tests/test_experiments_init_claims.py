"""The paper's claims at initialization (FACTS sections 4, 6, 7), tanh 5 x 1000 on the
Shapeset probe set: measured by the suite's probes, checked against the paper's numbers."""

import numpy as np
import pytest
from conftest import hand_made_config

from experiments.probes import probe
from experiments.schema import ProbeConfig
from models import MLP, get_loss
from shapeset import ShapesetConfig, probe_set


@pytest.fixture(scope="module")
def records():
    data = probe_set(ShapesetConfig(), seed=0, size=300)
    out = {}
    for init in ("standard", "normalized"):
        model = MLP(32 * 32, [1000] * 5, 9, "tanh", init, seed=0)
        out[init] = probe(model, data.x, data.y, get_loss("cross_entropy"), ProbeConfig())
    return out


def _spread(v):
    return max(v) / min(v)


def test_standard_init_shrinks_backprop_gradients_going_down(records):
    g = records["standard"]["backprop_std"]  # layer 1 .. layer 5
    assert np.all(np.diff(g) > 0), g
    # FACTS 6: the variance shrinks ~3x per layer going down, i.e. the std ~1.7x.
    per_layer = (g[-1] / g[0]) ** (1 / 4)
    assert 1.4 < per_layer < 2.2, per_layer


def test_standard_init_shrinks_activations_going_up(records):
    a = records["standard"]["act_std"]
    assert np.all(np.diff(a) < 0), a
    assert _spread(a) > 5


def test_normalized_init_keeps_both_roughly_constant(records):
    for q in ("backprop_std", "act_std"):
        norm, std = records["normalized"][q], records["standard"][q]
        assert _spread(norm) < 2.0, (q, norm)
        assert _spread(norm) < _spread(std) / 3, (q, norm, std)


def test_weight_gradient_spread_is_about_equal_across_layers_under_both(records):
    # Eq. 14: with equal widths, Var[dC/dW] does not depend on the layer.
    for init in ("standard", "normalized"):
        w = records[init]["wgrad_std"]
        assert _spread(w) < 1.25, (init, w)
    assert records["normalized"]["wgrad_std"].mean() > 5 * records["standard"]["wgrad_std"].mean()


@pytest.mark.parametrize("init,paper", [("standard", 0.5), ("normalized", 0.8)])
def test_mean_jacobian_singular_values_are_the_papers(records, init, paper):
    hidden_to_hidden = records[init]["jacobian_sv"][1:]
    assert np.all(np.abs(hidden_to_hidden - paper) < 0.1), hidden_to_hidden


def test_activation_peaks_grow_with_depth_under_standard_init_as_in_fig6(records):
    # FACTS 4, Fig. 6 (est.): peaks 1.3, 2.5, 4.3, 7.7, 13.7; a tanh-of-Gaussian at small
    # std has density peak ~ 1 / (std sqrt(2 pi)): compare that scale, within 35%.
    peaks = 1 / (records["standard"]["act_std"] * np.sqrt(2 * np.pi))
    np.testing.assert_allclose(peaks, [1.3, 2.5, 4.3, 7.7, 13.7], rtol=0.35)


def test_the_report_reads_the_probes_the_way_round_the_claims_need(records, tmp_path, write_run):
    """The report's wiring (which probe, which way up): the probes measured above, stored as
    runs, pass all four init claims; with the gradients stored upside down, that claim fails."""
    from analysis.report.render import at_init_checks

    def stored(recs):
        for init, rec in recs.items():
            config = hand_made_config(init=init, depth=5, lr=None, profile="init")
            run = write_run(tmp_path, f"at_init/init={init}/seed=0", [[0, 0, 2.2, 0.8, 0.8, 0]],
                            summary={"status": "complete", "seed": 0}, config=config)  # fmt: skip
            run.write_probes([rec])
        return [c.verdict for c in at_init_checks(tmp_path)]

    assert stored(records) == ["holds"] * 4
    flipped = {i: {**r, "backprop_std": r["backprop_std"][::-1]} for i, r in records.items()}
    assert stored(flipped) == ["holds", "does not hold", "holds", "holds"]
