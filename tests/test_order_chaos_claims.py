"""The order-to-chaos claims' rules and wiring, against closed forms and hand-made records:
the standard init's place on the map (chi_1 = 1/3, xi_c = 1/ln 3), the maps iterated from
the inputs (a near-linear net's length shrinks by sigma_w^2 per layer and keeps its
correlation), the trainability rule, and "trains like" between framework defaults."""

import math

import numpy as np
import pytest
import torch

from analysis.claims.index import claim
from analysis.claims.rules import FAILS, HOLDS, NOT_AT_SCALE, Error, trains_like
from analysis.figures import trainability
from analysis.scans import mean_field as mf
from analysis.scans import mean_field_probes as probes


def _record(**overrides):
    inits = {name: mf.depth_scale(sw2, sb2, np.tanh, mf.dtanh)
             for name, (sw2, sb2) in mf.INITS.items()}  # fmt: skip
    inits.update(overrides)
    return {"inits": inits}


def test_the_standard_init_is_ordered_at_the_edge_and_pytorchs_default_sits_with_it():
    record = _record()
    std = record["inits"][mf.STANDARD]
    assert std["chi_1"] == pytest.approx(1 / 3, rel=1e-9)  # tanh'(0)^2 n Var[W], q* = 0
    assert 6 * std["xi_c"] == pytest.approx(6 / math.log(3), rel=1e-9)
    assert [c.verdict for c in mf.checks(record)] == [HOLDS, HOLDS]


def test_a_standard_init_off_the_edge_fails_its_claim():
    moved = mf.depth_scale(0.1, 0.0, np.tanh, mf.dtanh)  # 6 xi_c = 2.6 layers
    verdicts = [c.verdict for c in mf.checks(_record(**{mf.STANDARD: moved}))]
    assert verdicts[0] == FAILS


def test_the_maps_from_the_inputs_shrink_a_near_linear_nets_length_and_keep_its_correlation():
    x = torch.rand(8, 50, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x, sw2 = x / 100, 0.5  # q ~ 2e-5 and less: E[tanh(h)^2] = q (1 - 2q + ...) within 1e-4
    t = probes.theory(x, sw2, 0.0, depth=5)
    q1 = sw2 * x.pow(2).sum(1).mean().item() / 50
    c1 = (x[0::2] * x[1::2]).sum(1).mean().item() / x.pow(2).sum(1).mean().item()
    np.testing.assert_allclose(t["q"], [q1 * sw2**k for k in range(5)], rtol=1e-3)
    np.testing.assert_allclose(t["c"], [c1] * 5, rtol=1e-3)
    np.testing.assert_allclose(t["grad_ratio"], [sw2] * 5, rtol=1e-3)


def _grid(errors: dict) -> dict:
    setting = {"sigma_b2": 0.05, "width": 300, "lr": 0.01, "batch": 10, "examples": 50_000,
               "seed": 0}  # fmt: skip
    return {"errors": errors, "setting": setting}


def test_trainability_holds_where_trained_nets_lie_within_6_xi_c_and_not_otherwise():
    six = {w: trainability.six_xi(w, 0.05) for w in (0.5, 1.75, 4.0)}  # ~7, ~2500, ~42
    depths = (5, 20, 80)
    follows = {(w, d): (0.05 if d <= six[w] else 0.88) for w in six for d in depths}
    assert [c.verdict for c in trainability.checks(_grid(follows))] == [HOLDS]
    every_net_trains = {k: 0.05 for k in follows}
    assert [c.verdict for c in trainability.checks(_grid(every_net_trains))] == [NOT_AT_SCALE]


def _err(label, values):
    return Error.of(label, values, 2000)


def test_trains_like_tells_the_like_net_from_the_unlike_one():
    std, norm = _err("standard", [0.60, 0.61, 0.62]), _err("normalized", [0.40, 0.41, 0.42])
    of = claim("torch-default-like-standard")
    like_std = _err("PyTorch", [0.605, 0.612, 0.618])
    assert trains_like(like_std, std, norm, of, 300_000).verdict == HOLDS
    assert trains_like(like_std, norm, std, of, 300_000).verdict == FAILS
    alike = _err("normalized", [0.60, 0.615, 0.62])  # the two inits not told apart
    assert trains_like(like_std, std, alike, of, 300_000).verdict == NOT_AT_SCALE
