"""Fig. 5 cost surfaces against independent computations: a numpy forward pass, torch's
cross-entropy, a hand-written quadratic cost, and a model copy edited by hand."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from analysis.scans.fig5 import (
    Fig5Setting,
    cost_at,
    cost_surfaces,
    main,
    make_problem,
    plateau_fractions,
)

SMALL = Fig5Setting(in_features=4, hidden=3, n_classes=4, n_examples=5, seed=3, grid=9)


def _numpy_costs(model, x, y):
    """Both costs by a numpy forward pass: tanh hidden layer, linear output, softmax."""
    w1 = model.hidden[0].weight.detach().numpy()
    b1 = model.hidden[0].bias.detach().numpy()
    w2 = model.output.weight.detach().numpy()
    b2 = model.output.bias.detach().numpy()
    xs, ys = x.numpy(), y.numpy()
    logits = np.tanh(xs @ w1.T + b1) @ w2.T + b2
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    onehot = np.eye(logits.shape[1])[ys]
    ce = -np.log(p[np.arange(len(ys)), ys]).mean()
    quad = ((p - onehot) ** 2).sum(axis=1).mean()
    return {"cross_entropy": ce, "quadratic": quad}


def _torch_costs(model, x, y):
    """Both costs with torch's own cross-entropy and a hand-written quadratic cost."""
    with torch.no_grad():
        logits = model(x)
    p = torch.softmax(logits, dim=1)
    onehot = torch.zeros_like(p)
    onehot[torch.arange(len(y)), y] = 1.0
    return {
        "cross_entropy": F.cross_entropy(logits, y).item(),
        "quadratic": ((p - onehot) ** 2).sum(dim=1).mean().item(),
    }


@pytest.mark.parametrize("setting", [Fig5Setting(), SMALL], ids=["default", "small"])
@pytest.mark.parametrize("name", ["cross_entropy", "quadratic"])
def test_cost_at_own_weights_matches_direct_loss(setting, name):
    model, x, y = make_problem(setting)
    idx = setting.w1_index(x)
    w1 = model.hidden[0].weight[idx].item()
    w2 = model.output.weight[setting.w2_index].item()
    got = cost_at(model, x, y, name, [w1], [w2], idx, setting.w2_index).item()
    assert got == pytest.approx(_torch_costs(model, x, y)[name], rel=1e-12, abs=1e-14)
    assert got == pytest.approx(_numpy_costs(model, x, y)[name], rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("setting", [Fig5Setting(), SMALL], ids=["default", "small"])
def test_surface_matches_hand_edited_model(setting):
    surf = cost_surfaces(setting)
    n = setting.grid
    for i, j in [(0, 0), (0, n - 1), (n - 1, 0), (n // 2, n // 3), (n - 2, n // 2 + 1)]:
        edited = copy.deepcopy(surf.model)
        with torch.no_grad():
            edited.hidden[0].weight[surf.w1_index] = float(surf.w[i])
            edited.output.weight[setting.w2_index] = float(surf.w[j])
        want_t = _torch_costs(edited, surf.x, surf.y)
        want_np = _numpy_costs(edited, surf.x, surf.y)
        for name in ("cross_entropy", "quadratic"):
            got = surf.costs[name][i, j]
            assert got == pytest.approx(want_t[name], rel=1e-12, abs=1e-14), (name, i, j)
            assert got == pytest.approx(want_np[name], rel=1e-10, abs=1e-12), (name, i, j)


def test_surfaces_leave_model_unchanged_and_span_the_range():
    surf = cost_surfaces(SMALL)
    fresh, x, y = make_problem(SMALL)
    for (k, a), (_, b) in zip(
        surf.model.state_dict().items(), fresh.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), k
    assert torch.equal(surf.x, x) and torch.equal(surf.y, y)
    assert surf.w[0] == -4.0 and surf.w[-1] == 4.0 and len(surf.w) == SMALL.grid
    for s in surf.costs.values():
        assert s.shape == (SMALL.grid, SMALL.grid) and np.isfinite(s).all()
    assert surf.w1_init == surf.model.hidden[0].weight[surf.w1_index].item()


def test_w1_defaults_to_the_largest_input_and_can_be_fixed():
    setting = Fig5Setting(in_features=6, n_examples=3, seed=1)
    _, x, _ = make_problem(setting)
    want = int(np.argmax(np.abs(x.numpy()).mean(axis=0)))
    assert setting.w1_index(x) == (0, want)
    assert Fig5Setting(w1_input=4).w1_index(x) == (0, 4)


def test_plateau_fractions_on_known_surfaces():
    w = np.linspace(-4, 4, 41)
    g1, g2 = np.meshgrid(w, w, indexing="ij")
    plane = 2.0 * g1 - g2
    # flat for W1 < 0, a ramp of slope 1 beyond: grid points at W1 <= -0.2 are flat (the
    # central difference at W1 = 0 straddles the kink and is 1/2, not below 1%).
    half = np.maximum(g1, 0.0)
    got = plateau_fractions(w, {"plane": plane, "half": half})
    assert got["plane"] == 0.0
    assert got["half"] == pytest.approx(20 / 41)
    # relative to each surface's own largest slope: scaling a surface changes nothing
    assert plateau_fractions(w, {"h": 1e-3 * half}) == {"h": got["half"]}


def test_quadratic_has_more_plateau_than_cross_entropy_default():
    """The paper's claim, for the default setting."""
    surf = cost_surfaces()
    f = plateau_fractions(surf.w, surf.costs)
    assert f["quadratic"] > f["cross_entropy"]
    assert f["quadratic"] - f["cross_entropy"] > 0.05


def test_quadratic_has_more_plateau_for_every_seed_0_to_19():
    for seed in range(20):
        surf = cost_surfaces(Fig5Setting(seed=seed))
        f = plateau_fractions(surf.w, surf.costs)
        assert f["quadratic"] > f["cross_entropy"], (seed, f)


def test_main_writes_png_and_pdf(tmp_path, capsys):
    fractions = main(["--out", str(tmp_path), "--grid", "21", "--seed", "2"])
    for ext in ("png", "pdf"):
        path = tmp_path / f"fig5.{ext}"
        assert path.is_file() and path.stat().st_size > 1000
    out = capsys.readouterr().out
    assert "plateau fraction quadratic" in out and "plateau fraction cross_entropy" in out
    assert set(fractions) == {"cross_entropy", "quadratic"}
