"""The mean-field maps against closed forms (linear nets; tanh without biases below
criticality) and against wide random nets drawn here (Monte Carlo)."""

import math

import numpy as np
import pytest

from analysis.scans import mean_field as mf


def linear(x):
    return x


def one(x):
    return np.ones_like(x)


def dtanh(x):
    return 1 - np.tanh(x) ** 2


@pytest.mark.parametrize("sw2,sb2", [(0.5, 0.1), (0.9, 0.3), (1 / 3, 0.05)])
def test_a_linear_net_has_the_closed_form_fixed_point_and_slopes(sw2, sb2):
    s = mf.depth_scale(sw2, sb2, linear, one)
    assert s["q_star"] == pytest.approx(sb2 / (1 - sw2), rel=1e-10)  # q = sw2 q + sb2
    assert s["chi_1"] == pytest.approx(sw2, rel=1e-12)
    # c' = (sw2 q c + sb2) / q: a line of slope sw2 < 1 through c = 1
    assert mf.correlation_map(0.3, s["q_star"], sw2, sb2, linear) == pytest.approx(
        (sw2 * s["q_star"] * 0.3 + sb2) / s["q_star"], rel=1e-12
    )
    assert s["c_star"] == pytest.approx(1.0, abs=1e-9)
    assert s["xi_c"] == pytest.approx(-1 / math.log(sw2), rel=1e-9)


def test_the_papers_standard_init_sits_deep_in_the_ordered_phase():
    """Tanh, zero biases: sigma_w^2 = n Var[W] = 1/3 (U[-1/sqrt(n), 1/sqrt(n)]): q* = 0, so
    chi_1 = sigma_w^2 phi'(0)^2 = 1/3 (the 3x smaller gradient variance per layer of section
    4.2.2) and xi_c = 1 / ln 3, under one layer."""
    s = mf.depth_scale(1 / 3, 0.0, np.tanh, dtanh)
    assert s["q_star"] < 1e-12
    assert s["chi_1"] == pytest.approx(1 / 3, rel=1e-9)
    assert s["xi_c"] == pytest.approx(1 / math.log(3), rel=1e-9)


def test_the_maps_describe_wide_random_tanh_nets():
    """A 2,000-unit tanh net with sigma_w^2 = 1.5, sigma_b^2 = 0.05 (the chaotic side): layer
    by layer, the mean squared pre-activation follows the length map and two inputs'
    correlation the correlation map, each started from the first layer's measured values;
    sigma_w^2 mean phi'(h)^2 follows chi_1. Tolerances: a few times the sampling error of
    2,000 units."""
    sw2, sb2, n, depth = 1.5, 0.05, 2000, 8
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, n))
    x[1] = 0.6 * x[0] + 0.8 * x[1]  # two inputs, correlation ~0.6

    def layer(z):
        w = rng.standard_normal((n, n)) * math.sqrt(sw2 / n)
        return z @ w.T + rng.standard_normal(n) * math.sqrt(sb2)

    def corr(h):
        return float(np.mean(h[0] * h[1]) / math.sqrt(np.mean(h[0] ** 2) * np.mean(h[1] ** 2)))

    h = layer(x)
    q, c = float(np.mean(h**2)), corr(h)
    for _ in range(depth - 1):
        q, c = mf.length_map(q, sw2, sb2, np.tanh), mf.correlation_map(c, q, sw2, sb2, np.tanh)
        h = layer(np.tanh(h))
        assert float(np.mean(h**2)) == pytest.approx(q, rel=0.06)
        assert corr(h) == pytest.approx(c, abs=0.04)
    assert q == pytest.approx(mf.q_star(sw2, sb2, np.tanh), rel=0.02)  # near its fixed point
    chi = sw2 * float(np.mean(dtanh(h) ** 2))
    assert chi == pytest.approx(mf.chi_1(q, sw2, dtanh), rel=0.05)


def test_the_phase_diagram_places_the_papers_inits_and_redraws_from_its_record(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(mf, "SW2", np.array([0.3, 1.0, 2.0]))
    monkeypatch.setattr(mf, "SB2", np.array([0.0, 0.1]))
    record_file = tmp_path / "order_chaos.json"
    mf.main(["--record", str(record_file), "--out", str(tmp_path)])
    table = record_file.with_suffix(".md").read_text()
    # standard init: chi_1 = 1/3, xi_c = 1 / ln 3 = 0.910, 6 xi_c = 5.46: the paper's 5
    # layers sit at the edge of what it trains; normalized init: on the critical line
    assert "| standard | 0.333 | 0 | 0 | 0.333 | 0.91 | 5.46 |" in table
    assert (
        "| normalized, LeCun, orthogonal; Keras' and Flax's defaults | 1 | 0 | 0 | 1 | inf "
        "| unbounded |" in table
    )
    # PyTorch's default: the standard init with biases of variance 1 / (3 x 1000)
    assert "| PyTorch default | 0.333 | 0.000333 |" in table
    assert (tmp_path / "order_chaos.png").stat().st_size > 0
    before = (tmp_path / "order_chaos.png").read_bytes()
    mf.main(["--record", str(record_file), "--out", str(tmp_path), "--redraw"])
    assert (tmp_path / "order_chaos.png").read_bytes() == before
