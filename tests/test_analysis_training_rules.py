"""The training claims' rules (analysis/claims/rules.py), each on hand-made probe records drawn
from what the paper describes (FACTS sections 4 and 10): one where the claim holds, one
where it does not; Welch's test against the textbook formulas computed by hand."""

import math

import numpy as np
import pytest

from analysis.claims import rules as C

SHORT, LONG = 300_000, 25_000_000


def _examples(end, n=21):
    return np.linspace(0, end, n)


def test_welch_equals_the_textbook_formulas_computed_by_hand():
    a, b = [5.1, 4.9, 5.6, 5.8], [4.2, 4.4, 4.9]
    ma, mb = sum(a) / 4, sum(b) / 3
    va = sum((x - ma) ** 2 for x in a) / 3
    vb = sum((x - mb) ** 2 for x in b) / 2
    se2 = va / 4 + vb / 3
    t = (ma - mb) / math.sqrt(se2)
    df = se2**2 / ((va / 4) ** 2 / 3 + (vb / 3) ** 2 / 2)

    def student_pdf(x):  # Student's t density with df degrees of freedom
        c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
        return c * (1 + x * x / df) ** (-(df + 1) / 2)

    grid = np.linspace(t, 200, 400_001)  # P(T > t) by the trapezoid rule; the tail past 200
    p = float(np.trapezoid([student_pdf(x) for x in grid], grid))  # is below 1e-6 here
    got = C.welch(a, b)
    assert got[0] == pytest.approx(t, rel=1e-12) and got[1] == pytest.approx(df, rel=1e-12)
    assert got[2] == pytest.approx(p, rel=1e-4)


def _wgrad(end_ratio, layers=5, n=21, noise=0.0, seed=0, lower_larger=True):
    """dC/dW std per probe and layer: equal at init, parting to `end_ratio` (layer 1 the
    largest when `lower_larger`) linearly over training."""
    rng = np.random.default_rng(seed)
    grow = np.linspace(0, 1, n)[:, None]
    shape = np.linspace(1, 0, layers) if lower_larger else np.linspace(0, 1, layers)
    w = 0.003 * end_ratio ** (grow * shape[None, :])
    return w * np.exp(noise * rng.standard_normal(w.shape))


def _run(end, **arrays):
    return {"examples": _examples(end, len(next(iter(arrays.values())))), **arrays}


def test_normalized_keeps_weight_gradients_alike_is_a_comparison_over_seeds():
    std = [_run(SHORT, wgrad_std=_wgrad(4.0, noise=0.05, seed=k)) for k in range(3)]
    nrm = [_run(SHORT, wgrad_std=_wgrad(1.8, noise=0.05, seed=10 + k)) for k in range(3)]
    check = C.normalized_keeps_weight_gradients_alike(std, nrm)
    # normalized parts too (x1.8, the absolute rule of x1.5 would fail it), but less
    assert check.verdict == C.HOLDS and "Welch" in check.ours
    assert C.normalized_keeps_weight_gradients_alike(nrm, std).verdict == C.FAILS
    same = [_run(LONG, wgrad_std=_wgrad(2.0, noise=0.05, seed=20 + k)) for k in range(6)]
    assert C.normalized_keeps_weight_gradients_alike(same[:3], same[3:]).verdict == C.FAILS
    short = [{**r, "examples": _examples(SHORT)} for r in same]
    undecided = C.normalized_keeps_weight_gradients_alike(short[:3], short[3:])
    assert undecided.verdict == C.NOT_AT_SCALE


def test_with_one_seed_a_comparison_counts_the_window_probes():
    std, nrm = _run(SHORT, wgrad_std=_wgrad(4.0)), _run(SHORT, wgrad_std=_wgrad(1.8))
    check = C.normalized_keeps_weight_gradients_alike([std], [nrm])
    assert check.verdict == C.HOLDS and "1 seed: lower at 100% of the window's probes" in (
        check.ours
    )
    assert C.normalized_keeps_weight_gradients_alike([nrm], [std]).verdict == C.FAILS


def test_the_window_is_the_last_half_of_training_without_initialization():
    e = _examples(1000, 11)
    assert C.in_window(e).tolist() == [False] * 5 + [True] * 6
    assert C.in_window(e, 1.0).tolist() == [False] + [True] * 10


def test_standard_init_weight_gradients_drift_apart_lower_layers_larger():
    parting = [_run(SHORT, wgrad_std=_wgrad(4.0, seed=k, noise=0.02)) for k in range(3)]
    assert C.standard_weight_gradients_drift_apart(parting).verdict == C.HOLDS
    top_larger = [_run(LONG, wgrad_std=_wgrad(4.0, lower_larger=False))]
    assert C.standard_weight_gradients_drift_apart(top_larger).verdict == C.FAILS
    assert (
        C.standard_weight_gradients_drift_apart(
            [{**top_larger[0], "examples": _examples(SHORT)}]
        ).verdict
        == C.NOT_AT_SCALE
    )


def _percentiles(onsets, examples, level=0.99, rest=0.5):
    p98 = np.full((len(examples), len(onsets)), rest)
    for layer, onset in enumerate(onsets):
        if onset is not None:
            p98[examples >= onset, layer] = level
    return -p98, p98


def _tanh_like(onsets, end=LONG, n=126, rest=0.5):
    x = _examples(end, n)
    p2, p98 = _percentiles(onsets, x, rest=rest)
    return {"examples": x, "act_p2": p2, "act_p98": p98}


def test_tanh_layers_saturate_in_sequence_with_the_top_layer_at_zero():
    # the paper's picture: layers 1-4 in order, the top layer stays near 0 (Fig. 4)
    paper = _tanh_like([2e6, 6e6, 1e7, 1.5e7, None])
    assert C.layers_saturate_in_sequence([paper]).verdict == C.HOLDS
    assert C.layers_saturate_in_sequence([_tanh_like([1.5e7, 1e7, 6e6, 2e6, None])]).verdict == (
        C.FAILS
    )
    stalled = _tanh_like([2e6, None, None, None, None])
    assert C.layers_saturate_in_sequence([stalled]).verdict == C.FAILS
    begun = _tanh_like([150_000, None, None, None, None], end=SHORT, n=21)
    assert C.layers_saturate_in_sequence([begun]).verdict == C.NOT_AT_SCALE
    # over seeds: a majority decides
    runs = [paper, paper, _tanh_like([1.5e7, 1e7, 6e6, 2e6, None])]
    assert C.layers_saturate_in_sequence(runs).verdict == C.HOLDS


def test_tanh_normalized_resembles_softsign_rather_than_standard_tanh():
    softsign = [_tanh_like([None] * 5, rest=0.8)]
    tanh = [_tanh_like([2e6, 6e6, 1e7, 1.5e7, None])]
    like_softsign = [_tanh_like([None] * 5, rest=0.85)]
    for runs in (tanh, softsign, like_softsign):
        for r in runs:
            r["act_saturation"] = np.zeros_like(r["act_p98"])
            r["wgrad_std"] = np.ones_like(r["act_p98"])
    check = C.tanh_normalized_evolves_like_softsign(tanh, like_softsign, softsign)
    assert check.verdict == C.HOLDS
    assert C.tanh_normalized_evolves_like_softsign(like_softsign, tanh, softsign).verdict == (
        C.FAILS
    )


def _hist_with_modes(modes, edges):
    centers = (edges[:-1] + edges[1:]) / 2
    return np.stack([np.exp(-((np.abs(centers) - m) ** 2) / 0.005) for m in modes])


EDGES = np.linspace(-1, 1, 101)


def _final(modes, seen=LONG):
    return {"act_hist": _hist_with_modes(modes, EDGES), "act_edges": EDGES, "examples": seen}


def test_softsign_modes_at_the_knee_in_most_layers():
    assert C.softsign_modes_at_knee([_final([0.7, 0.65, 0.75, 0.7, 0.1])]).verdict == C.HOLDS
    assert C.softsign_modes_at_knee([_final([0.0, 0.0, 0.0, 0.7, 0.7])]).verdict == C.FAILS
    assert C.softsign_modes_at_knee([_final([0.0, 0.0, 0.0, 0.7, 0.7], SHORT)]).verdict == (
        C.NOT_AT_SCALE
    )


def test_tanh_modes_at_plus_minus_one_or_at_zero():
    paper = [_final([0.98, 0.96, 0.94, 0.92, 0.0])]
    assert C.tanh_modes_at_extremes_or_zero(paper).verdict == C.HOLDS
    middling = [_final([0.6, 0.5, 0.4, 0.3, 0.0])]
    assert C.tanh_modes_at_extremes_or_zero(middling).verdict == C.FAILS
    assert C.tanh_modes_at_extremes_or_zero([_final([0.6, 0.5, 0.4, 0.3, 0.0], SHORT)]).verdict == (
        C.NOT_AT_SCALE
    )


def test_softsign_staying_off_the_asymptotes_in_most_seeds():
    off = _tanh_like([None] * 5, rest=0.85)
    on = _tanh_like([1e6] * 5)
    assert C.softsign_stays_off_asymptotes([off, off, on]).verdict == C.HOLDS
    assert C.softsign_stays_off_asymptotes([on]).verdict == C.FAILS


def _saturating(level, seed, n=21, layers=5):
    rng = np.random.default_rng(seed)
    sat = np.clip(level + 0.01 * rng.standard_normal((n, layers)), 0, 1)
    return {"examples": _examples(SHORT, n), "act_saturation": sat}


def test_normalized_saturating_more_at_equal_rate_is_judged_rate_by_rate():
    rates = (0.003, 0.01, 0.03)
    more = {lr: ([_saturating(0.02, k) for k in range(3)],
                 [_saturating(0.10, 10 + k) for k in range(3)]) for lr in rates}  # fmt: skip
    check = C.normalized_saturates_more_at_equal_rate(more)
    assert check.verdict == C.HOLDS and "lr 0.003" in check.ours and "lr 0.03" in check.ours
    less = dict(more)
    less[0.03] = (more[0.03][1], more[0.03][0])  # at one rate normalized saturates less
    assert C.normalized_saturates_more_at_equal_rate(less).verdict == C.FAILS


class _Run:
    def __init__(self, errors, test_size=2000):
        self.metrics = [{"examples": 15_000 * i, "test_error": e} for i, e in enumerate(errors)]
        self.config = {"profile": {"test_size": test_size}}


def test_a_nets_error_is_the_mean_of_its_last_evaluations_with_their_scatter():
    curve = [0.83, 0.8, 0.7, 0.62, 0.60, 0.64, 0.58, 0.61, 0.59]
    one = C.Error.of_runs("Tanh N", [_Run(curve)])
    last = np.array(curve[-2:])  # 105,000 and 120,000: the last fifth of 120,000 examples
    assert one.mean == pytest.approx(last.mean())
    binomial = last.mean() * (1 - last.mean()) / 2000
    scatter = last.var(ddof=1) / 2
    assert one.se == pytest.approx(math.sqrt(binomial + scatter))  # wider than binomial alone
    seeds = C.Error.of_runs("Tanh N", [_Run(curve), _Run([c + 0.02 for c in curve])])
    assert seeds.values == pytest.approx((last.mean(), last.mean() + 0.02))
    assert seeds.se == pytest.approx(np.std(seeds.values, ddof=1) / math.sqrt(2))
    assert C.Error.of_runs("Tanh N", [_Run(curve)], final_only=True).mean == 0.59


def test_across_seeds_a_difference_is_welchs_p_written_as_a_normal_z():
    from statistics import NormalDist

    a = C.Error.of("A", [0.30, 0.32, 0.31], 2000)
    b = C.Error.of("B", [0.36, 0.35, 0.38], 2000)
    _, _, p_greater = C.welch(b.values, a.values)
    assert C.z_score(a, b) == pytest.approx(NormalDist().inv_cdf(1 - p_greater), rel=1e-9)
    assert C.z_score(b, a) == pytest.approx(-C.z_score(a, b), rel=1e-9)
    # one seed each: the plain z of the two standard errors
    x, y = C.Error.of("X", [0.30], 2000), C.Error.of("Y", [0.36], 2000)
    assert C.z_score(x, y) == pytest.approx(0.06 / math.hypot(x.se, y.se))


def _backprop(reverse_at, end=SHORT, n=21, layers=5):
    """dC/ds std per probe: shrinking going down (x0.5 per layer) until `reverse_at`, then
    growing going down."""
    x = _examples(end, n)
    down = 0.5 ** np.arange(layers)[::-1]  # layer 1 smallest
    up = down[::-1]
    b = np.where((x[:, None] >= (reverse_at or np.inf)) & (x[:, None] > 0), up, down)
    return {"examples": x, "backprop_std": b}


def test_the_shrinking_of_backprop_gradients_reverses_within_an_epoch():
    assert C.backprop_shrinking_reverses_early([_backprop(45_000)]).verdict == C.HOLDS
    assert C.backprop_shrinking_reverses_early([_backprop(None)]).verdict == C.FAILS
    late = _backprop(900_000, end=2_500_000, n=126)
    assert C.backprop_shrinking_reverses_early([late]).verdict == C.FAILS
    short = _backprop(None, end=100_000)
    assert C.backprop_shrinking_reverses_early([short]).verdict == C.NOT_AT_SCALE


def _sigmoid(top, layer1_saturation, end=LONG):
    top = np.asarray(top, float)
    n = len(top)
    mean = np.column_stack([np.full(n, 0.5), np.full(n, 0.6), np.full(n, 0.8), top])
    sat = np.zeros((n, 4))
    sat[:, 0] = layer1_saturation
    return {"examples": _examples(end, n), "act_mean": mean, "act_saturation": sat}


def test_the_first_layer_saturates_when_the_top_layer_leaves_zero():
    top = [0.5, 0.02, 0.01, 0.01, 0.02, 0.15, 0.3]
    rising = _sigmoid(top, [0, 0.01, 0.01, 0.01, 0.01, 0.2, 0.4])
    assert C.first_layer_saturates_as_top_recovers(rising).verdict == C.HOLDS
    flat = _sigmoid(top, [0, 0.3, 0.3, 0.3, 0.3, 0.1, 0.1])
    assert C.first_layer_saturates_as_top_recovers(flat).verdict == C.FAILS
    stuck = _sigmoid([0.5, 0.02, 0.01, 0.0, 0.0, 0.0, 0.0], 0.0, end=SHORT)
    assert C.first_layer_saturates_as_top_recovers(stuck).verdict == C.NOT_AT_SCALE


def test_pretrained_sigmoid_nets_keep_their_top_layer_off_zero():
    off = _sigmoid([0.5, 0.4, 0.35, 0.3, 0.3, 0.3, 0.3], 0.0, end=SHORT)
    at_zero = _sigmoid([0.5, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0], 0.0, end=SHORT)
    assert C.pretrained_sigmoid_top_layer_stays_off_zero({"RBM": off, "DAE": off}).verdict == (
        C.HOLDS
    )
    assert C.pretrained_sigmoid_top_layer_stays_off_zero({"RBM": off, "DAE": at_zero}).verdict == (
        C.FAILS
    )


def test_softsign_is_more_robust_to_the_init_than_tanh_on_the_papers_numbers():
    def e(x):
        return C.Error.of("m", [x / 100], 10_000)  # Table 1's Shapeset column, 10k test set

    paper = C.softsign_more_robust_to_init(e(27.15), e(15.60), e(16.27), e(16.06), LONG)
    assert paper.verdict == C.HOLDS
    reverse = C.softsign_more_robust_to_init(e(16.27), e(16.06), e(27.15), e(15.60), LONG)
    assert reverse.verdict == C.FAILS


def test_normalized_gains_at_other_layer_sizes_must_hold_at_every_shape():
    def e(x):
        return C.Error.of("m", [x / 100], 10_000)

    both = {"shrinking": (e(27.0), e(16.0)), "growing": (e(28.0), e(17.0))}
    assert C.gains_hold_for_other_layer_sizes(both, LONG).verdict == C.HOLDS
    one = {"shrinking": (e(27.0), e(16.0)), "growing": (e(16.0), e(28.0))}
    assert C.gains_hold_for_other_layer_sizes(one, LONG).verdict == C.FAILS
