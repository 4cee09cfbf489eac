"""The beyond-the-paper analyses at initialization: the whole-net Jacobian against autograd,
the claims' rules on hand-made records both ways, and the record round trip."""

import copy
import math

import numpy as np
import pytest
import torch

from analysis.claims.index import claim
from analysis.scans import depth_scan, isometry
from models import MLP

OF = claim("table1-sigmoid-worst")  # any declared claim: these tests judge rules


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_input_output_jacobian_singular_values_equal_autograds(activation):
    m = MLP(12, [9, 9, 9, 9], 3, activation, "normalized", seed=3).double()
    x = torch.rand(3, 12, dtype=torch.float64)
    got = isometry.jacobian_singular_values(m, x, (2, 4))
    for d in (2, 4):

        def prefix(v, d=d):
            for layer in m.hidden[:d]:
                v = m.activation.fn(layer(v))
            return v

        want = [torch.linalg.svdvals(torch.autograd.functional.jacobian(prefix, xi)) for xi in x]
        np.testing.assert_allclose(got[d], torch.cat(want).numpy(), atol=1e-12)


def test_geometric_ratio_of_a_geometric_sequence():
    assert depth_scan.geometric_ratio([7.0, 1.0, 0.5, 0.25, 0.125]) == pytest.approx(0.5)


def linear_record(ratios: dict, relu: dict, depth=50):
    """Mean squares growing by the given per-layer ratio, tanh std as theory has them."""
    nets = {}
    for i, r in ratios.items():
        ms = [r**k for k in range(depth)]
        nets[f"linear/{i}"] = {"pre_ms": ms, "grad_ms": ms[::-1]}
    for i, r in relu.items():
        nets[f"relu/{i}"] = {"pre_ms": [r**k for k in range(depth)]}
    for i, per in (("standard", 1 / math.sqrt(3)), ("normalized", None)):
        act = [per**k if per else 1 / math.sqrt(2 * k + 8) for k in range(1, depth + 1)]
        grad = [per ** (depth - k) if per else math.sqrt(k / depth) for k in range(1, depth + 1)]
        nets[f"tanh/{i}"] = {"act_std": act, "grad_std": grad}
    return {"depth": depth, "width": 1000, "examples": 300, "nets": nets}


def test_depth_scan_rules_hold_on_theory_and_fail_off_it():
    theory = linear_record(
        {"standard": 1 / 3, "normalized": 1, "he": 2}, {"he": 1, "normalized": 0.5}
    )
    assert [c.verdict for c in depth_scan.checks(theory)] == ["holds"] * 3
    off = linear_record(
        {"standard": 1 / 3, "normalized": 0.9, "he": 2}, {"he": 1, "normalized": 0.7}
    )
    assert [c.verdict for c in depth_scan.checks(off)][:2] == ["does not hold"] * 2
    flat = copy.deepcopy(theory)
    flat["nets"]["tanh/standard"]["act_std"] = [0.3] * 50  # standard init not vanishing
    assert depth_scan.checks(flat)[2].verdict == "does not hold"


def isometry_record(orth, gauss, relu):
    spreads = {
        "tanh orthogonal (sigma_w 1)": orth,
        "tanh Gaussian (sigma_w 1, kumar)": gauss,
        "ReLU orthogonal (sqrt 2)": relu,
        "ReLU uniform (He, sqrt 2)": relu,
    }
    nets = {
        k: {str(d): {"spread": v[i], "mean": 0.5} for i, d in enumerate((5, 50))}
        for k, v in spreads.items()
    }
    return {"examples": 4, "width": 1000, "nets": nets}


def test_isometry_rule_both_ways(monkeypatch):
    monkeypatch.setattr(isometry, "DEPTHS", (5, 50))
    assert (
        isometry.checks(isometry_record((0.1, 0.12), (0.5, 2.0), (1.0, 3.0)))[0].verdict == "holds"
    )
    spread_alike = isometry_record((0.5, 1.9), (0.5, 2.0), (1.0, 3.0))
    assert isometry.checks(spread_alike)[0].verdict == "does not hold"
    relu_isometric = isometry_record((0.1, 0.12), (0.5, 2.0), (0.05, 0.06))
    assert isometry.checks(relu_isometric)[0].verdict == "does not hold"


def test_depth_scan_record_redraws_to_the_same_table(tmp_path):
    record = tmp_path / "scan.json"
    args = ["--depth", "5", "--width", "16", "--examples", "12", "--record", str(record)]
    depth_scan.main([*args, "--out", str(tmp_path / "a")])
    first = record.with_suffix(".md").read_text()
    assert "| linear | he |" in first and "Verdict" in first
    depth_scan.main(["--redraw", "--record", str(record), "--out", str(tmp_path / "b")])
    assert record.with_suffix(".md").read_text() == first
    assert (tmp_path / "a/depth_scan.png").read_bytes() == (
        tmp_path / "b/depth_scan.png"
    ).read_bytes()
    with pytest.raises(SystemExit, match="make reproduce-depth-scan"):
        depth_scan.main(["--redraw", "--record", str(tmp_path / "none.json")])


def test_deep_relu_rule_both_ways():
    from analysis.claims import rules as C

    he, xavier = C.Error("ReLU he", 0.3, 0.01, 1), C.Error("ReLU N", 0.83, 0.01, 1)
    assert C.deep_relu_needs_he(he, xavier, 100_000, None, 300_000).verdict == C.HOLDS
    assert C.deep_relu_needs_he(he, xavier, 100_000, 100_000, 300_000).verdict == C.FAILS
    assert C.deep_relu_needs_he(xavier, he, None, 50_000, 300_000).verdict == C.FAILS
    stuck = C.deep_relu_needs_he(xavier, xavier, None, None, 300_000)
    assert stuck.verdict == C.NOT_AT_SCALE  # nothing trains in a short run: says nothing
    assert C.deep_relu_needs_he(xavier, xavier, None, None, 25_000_000).verdict == C.FAILS
    later = C.deep_relu_needs_he(he, C.Error("ReLU N", 0.5, 0.01, 1), 100_000, 200_000, 300_000)
    assert later.verdict == C.HOLDS  # both leave, normalized later and clearly worse
    assert C.both_train({"a": 10, "b": None}, OF, 300_000).verdict == C.NOT_AT_SCALE
    assert C.both_train({"a": 10, "b": 20}, OF, 300_000).verdict == C.HOLDS


def test_padding_share_by_hand():
    from analysis.scans.conv_scan import padding_share

    assert padding_share(3, 3) == pytest.approx((7 / 9) ** 2)  # taps inside: 2, 3, 2
    assert padding_share(32, 1) == 1.0
    assert padding_share(32, 5) == pytest.approx((154 / 160) ** 2)


def test_right_beats_mistake_rule_both_ways():
    from analysis.claims import rules as C

    right, wrong = C.Error("a", 0.3, 0.01, 1), C.Error("b", 0.8, 0.01, 1)
    assert C.right_beats_mistake(right, wrong, 1000, None, 300_000, "x", OF).verdict == C.HOLDS
    assert C.right_beats_mistake(wrong, right, None, 1000, 300_000, "x", OF).verdict == C.FAILS
    assert (
        C.right_beats_mistake(right, right, 1000, 1000, 300_000, "x", OF).verdict == C.NOT_AT_SCALE
    )


def test_conv_scan_record_round_trip(tmp_path):
    from analysis.scans import conv_scan

    record = tmp_path / "conv.json"
    args = ["--depth", "3", "--channels", "2", "--examples", "8", "--seeds", "2"]
    conv_scan.main([*args, "--record", str(record), "--out", str(tmp_path / "a")])
    first = record.with_suffix(".md").read_text()
    assert "| relu, he | channels |" in first and first.count("Verdict") == 2
    conv_scan.main(["--redraw", "--record", str(record), "--out", str(tmp_path / "b")])
    assert record.with_suffix(".md").read_text() == first


def test_a_mistake_that_ends_significantly_better_contradicts_even_if_it_left_no_plateau():
    from analysis.claims import rules as C

    right, wrong = C.Error("a", 0.8, 0.01, 1), C.Error("b", 0.3, 0.01, 1)
    assert C.right_beats_mistake(right, wrong, 1000, None, 300_000, "x", OF).verdict == C.FAILS


def test_linear_walk_theory_equals_chi_square_samples():
    from analysis.scans.random_walk import linear_step

    rng = np.random.default_rng(0)
    for n, g in ((8, 1.0), (40, 1.1)):
        logs = np.log(g**2 * rng.chisquare(n, 400_000) / n)
        mean, var = linear_step(g, n)
        assert mean == pytest.approx(logs.mean(), abs=4 * logs.std() / math.sqrt(len(logs)))
        assert var == pytest.approx(logs.var(), rel=0.01)


def walk_record(linear_drift=0.0, relu_drift=0.0, relu_var_power=1, nets=200, depth=50):
    """A hand-made record: linear means and variances on theory (plus a drift per layer);
    ReLU's variance 5k / N^power, its mean 0 (random-walk g) or -2.4 k / N (He: ln(g^2 / 2)
    of the random walk's g is 2.4 / (N - 2.4))."""
    from analysis.scans import random_walk as rw

    k, out = np.arange(depth), {}
    for name in rw.SETTINGS:
        for w in rw.WIDTHS:
            if name.startswith("linear"):
                mu, v = rw.linear_step(rw.setting_gain(name, w), w)
                mean, var = k * (mu + linear_drift), k * v
            else:
                var = 5 * k / w**relu_var_power * (32 ** (relu_var_power - 1))
                mean = k * (relu_drift if "random-walk" in name else -2.4 / w)
            out.setdefault(name, {})[str(w)] = {
                "mean": list(mean),
                "var": list(var),
                "nets": nets,
                "vanished": 0,
            }
    return {"depth": depth, "widths": list(rw.WIDTHS), "nets": nets, "settings": out}


def test_random_walk_rules_both_ways():
    from analysis.scans.random_walk import checks

    assert [c.verdict for c in checks(walk_record())] == ["holds", "holds"]
    assert checks(walk_record(linear_drift=-0.01))[0].verdict == "does not hold"
    assert checks(walk_record(relu_drift=-0.02))[1].verdict == "does not hold"
    assert checks(walk_record(relu_var_power=2))[1].verdict == "does not hold"  # not ~1/N


def test_random_walk_record_round_trip(tmp_path):
    from analysis.scans import random_walk

    record = tmp_path / "rw.json"
    args = ["--nets", "3", "--depth", "4", "--record", str(record)]
    random_walk.main([*args, "--out", str(tmp_path)])
    first = record.with_suffix(".md").read_text()
    assert first.count("Verdict") == 2 and "| ReLU, random-walk g | 32 |" in first
    random_walk.main(["--redraw", "--record", str(record), "--out", str(tmp_path / "b")])
    assert record.with_suffix(".md").read_text() == first
    with pytest.raises(SystemExit, match="make reproduce-random-walk"):
        random_walk.main(["--redraw", "--record", str(tmp_path / "none.json")])
