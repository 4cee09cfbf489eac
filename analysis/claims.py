"""The paper's claims as checks on our measurements: holds / does not hold / not at this scale.

Each check takes plain numbers (arrays from probe records, error rates, sizes), so tests can
hand-make cases both ways, and returns a `Check` with the numbers behind its verdict.

The rule for "not at this scale": a claim about what happens late in the paper's 2.5e7
examples (end-of-training histograms, final errors, late escapes) cannot be refuted by a
run that saw far fewer; when such a run does not show it, the verdict is "not at this
scale", never "does not hold". Claims about initialization, early training, or what stays
true throughout training are judged at whatever scale the runs reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HOLDS, FAILS, NOT_AT_SCALE = "holds", "does not hold", "not at this scale"
PAPER_EXAMPLES = 25_000_000
SATURATED = 0.95  # |activation| at which a tanh layer's 2nd/98th percentile counts saturated
# The error of always answering the commonest class: Shapeset's 1/6 (FACTS section 2);
# MNIST's digit 1, 6,742 of the 60,000 training images; CIFAR-10's ten balanced classes.
CHANCE_BY_DATA = {"shapeset": 5 / 6, "mnist": 1 - 6742 / 60_000, "cifar10": 0.9}
PLATEAU_MARGIN = 0.05  # a net has left the chance plateau 5 points below chance (~5 SE)
PLATEAU_MARGIN_TEXT = "5 points below chance"
Z_SIGNIFICANT = 2.0  # two-sided ~5%: differences in error rate smaller than this are noise


@dataclass
class Check:
    claim: str
    paper: str
    ours: str
    verdict: str


def _layers(values) -> str:
    return " / ".join(f"{v:.3g}" for v in values)


def _short(examples_seen: int) -> bool:
    return examples_seen < 0.5 * PAPER_EXAMPLES


# -- the data (Fig. 1) ------------------------------------------------------------------------
def expected_class_frequency(name: str) -> float:
    """One object (1/2) of 3 shapes: 1/6; two: 1/9 for two different shapes, 1/18 alike."""
    if name.startswith("two "):
        return 1 / 18
    return 1 / 9 if " + " in name else 1 / 6


def class_frequencies(names, counts) -> Check:
    counts = np.asarray(counts, float)
    n = counts.sum()
    p = np.array([expected_class_frequency(c) for c in names])
    z = (counts / n - p) / np.sqrt(p * (1 - p) / n)
    return Check(
        "Shapeset-3x2: 1 or 2 objects of 3 shapes make 9 classes, not balanced",
        "Section 2.1 / the author's generator: frequencies 1/6 (one object), 1/9 (two "
        "different shapes), 1/18 (two alike)",
        f"over {int(n):,} test images: "
        + ", ".join(f"{f:.3f}" for f in counts / n)
        + f" (largest deviation {np.abs(z).max():.1f} standard errors); rule: all within 4",
        HOLDS if np.abs(z).max() <= 4 else FAILS,
    )


# -- initialization (Figs. 6-8, Eq. 17) -----------------------------------------------------
def shrinks_layer_after_layer(std_standard, std_normalized, claim: str, paper: str) -> Check:
    """Std per layer in the direction of propagation (activations: layer 1 first; gradients:
    top layer first): under standard init it shrinks along it, under normalized it does not."""
    s, n = np.asarray(std_standard, float), np.asarray(std_normalized, float)
    ratio_s, ratio_n = s[0] / s[-1], n.max() / n.min()
    monotone = bool(np.all(np.diff(s) < 0))
    ok = monotone and ratio_s >= 2 and ratio_n <= 2
    return Check(
        claim,
        paper,
        f"standard: std {_layers(s)} (shrinks x{ratio_s:.1f}, "
        f"{'monotone' if monotone else 'not monotone'}); normalized: {_layers(n)} "
        f"(within x{ratio_n:.2f}); rule: standard monotone and >= x2, normalized within x2",
        HOLDS if ok else FAILS,
    )


def weight_gradients_same_width(std_standard, std_normalized) -> Check:
    s, n = np.asarray(std_standard, float), np.asarray(std_normalized, float)
    rs, rn, wider = s.max() / s.min(), n.max() / n.min(), n.mean() / s.mean()
    ok = rs <= 1.5 and rn <= 1.5 and wider >= 2
    return Check(
        "weight gradients have the same width in every layer under both inits (Eq. 14); "
        "wider under normalized",
        "Fig. 8: same width per layer; x-range ~+-0.025 standard vs ~+-0.15 normalized (~6x)",
        f"max/min std across layers x{rs:.2f} standard, x{rn:.2f} normalized; "
        f"normalized {wider:.1f}x wider; rule: within x1.5 per init, normalized >= 2x wider",
        HOLDS if ok else FAILS,
    )


def jacobian_singular_values(mean_standard: float, mean_normalized: float) -> Check:
    ok = abs(mean_standard - 0.5) <= 0.1 and abs(mean_normalized - 0.8) <= 0.1
    return Check(
        "mean singular value of the layer Jacobians: ~0.5 standard vs ~0.8 normalized",
        "Section 4.2.2: ~0.5 standard, ~0.8 normalized",
        f"{mean_standard:.3f} standard, {mean_normalized:.3f} normalized (hidden-to-hidden "
        "layers); rule: each within +-0.1",
        HOLDS if ok else FAILS,
    )


# -- during training (Figs. 2, 3, 9, 10) ----------------------------------------------------
def top_layer_saturates_early(
    examples, act_mean, by: int = 400_000, level: float = 0.05, lower: float = 0.4
):
    """Sigmoid, Fig. 2: the top layer's mean activation falls near 0 within ~2 epochs while
    the layers below stay near 0.5 or above (a net saturating as a whole is another story)."""
    examples, top = np.asarray(examples), np.asarray(act_mean)[:, -1]
    below = np.flatnonzero((top < level) & (examples <= by))
    low = np.asarray(act_mean)[:, :-1]
    if below.size:
        i = below[0]
        verdict = HOLDS if low[i].min() >= lower else FAILS
        ours = (
            f"top-layer mean {top[i]:.3f} at {examples[i]:,} examples (lower layers "
            f"{_layers(low[i])}); {top[-1]:.3f} at {examples[-1]:,}; rule: below {level} by "
            f"{by:,}, the lower layers then >= {lower}"
        )
    else:
        verdict = NOT_AT_SCALE if examples[-1] < by else FAILS
        ours = f"top-layer mean never below {level} by {by:,} examples (min {top.min():.3f})"
    return Check(
        "sigmoid: the top hidden layer saturates near 0 early, lower layers stay near 0.5 or above",
        "Fig. 2: top layer ~0.02 within ~2 epochs (4e5 examples); layers 1-3 ~0.5/0.6/0.8",
        ours,
        verdict,
    )


def top_layer_desaturates_late(examples, act_mean, paper_at: int = 20_000_000) -> Check:
    examples, top = np.asarray(examples), np.asarray(act_mean)[:, -1]
    claim = "sigmoid: the top layer slowly desaturates late in training"
    paper = "Fig. 2: around epoch 100 (2e7 examples) the top layer's mean rises again"
    if examples[-1] < paper_at:
        ours = f"runs end at {examples[-1]:,} examples (top-layer mean {top[-1]:.3f})"
        return Check(claim, paper, ours, NOT_AT_SCALE)
    rose = top[-1] > max(0.05, 2 * top.min())
    ours = f"top-layer mean min {top.min():.3f}, end {top[-1]:.3f}"
    return Check(claim, paper, ours, HOLDS if rose else FAILS)


def saturation_onsets(examples, p2, p98, level: float = SATURATED) -> list[int | None]:
    """Per layer, the first examples count where its 2nd or 98th percentile reaches +-level."""
    extreme = np.maximum(-np.asarray(p2), np.asarray(p98))
    onsets = []
    for layer in range(extreme.shape[1]):
        hit = np.flatnonzero(extreme[:, layer] >= level)
        onsets.append(int(np.asarray(examples)[hit[0]]) if hit.size else None)
    return onsets


def _onset_text(onsets) -> str:
    return ", ".join(f"L{i + 1} {'never' if o is None else f'{o:,}'}" for i, o in enumerate(onsets))


def layers_saturate_in_sequence(examples, p2, p98) -> Check:
    """Tanh, standard init (Fig. 3): layer 1 saturates first, then the next ones, in order."""
    onsets = saturation_onsets(examples, p2, p98)
    reached = [o for o in onsets if o is not None]
    in_order = all(
        later is None or (earlier is not None and earlier <= later)
        for earlier, later in zip(onsets, onsets[1:], strict=False)
    )
    seen = int(np.asarray(examples)[-1])
    if not in_order:
        verdict = FAILS
    elif len(reached) == len(onsets) and onsets[0] < onsets[-1]:
        verdict = HOLDS
    else:
        verdict = NOT_AT_SCALE if _short(seen) else FAILS
    return Check(
        "tanh, standard init: layers saturate one after another, layer 1 first",
        "Fig. 3 (top): 98th percentiles reach +-1 layer by layer over 2.5e7 examples",
        f"first examples count with a 2nd/98th percentile beyond +-{SATURATED}: "
        f"{_onset_text(onsets)} (runs end at {seen:,}; extremes at the end "
        f"{_layers(np.maximum(-np.asarray(p2)[-1], np.asarray(p98)[-1]))}); rule: every "
        "layer gets there, layer 1 first, in order",
        verdict,
    )


def normalized_saturates_less(sat_standard_end, sat_normalized_end, examples_seen: int):
    """Tanh (Fig. 10 vs Fig. 3): normalized init avoids the saturation standard init shows."""
    s, n = np.asarray(sat_standard_end, float), np.asarray(sat_normalized_end, float)
    less = int(np.sum(n <= s))
    return Check(
        "tanh: normalized init avoids the saturation seen under standard init",
        "Fig. 10: no sequential saturation with normalized init",
        f"saturated share (|z| > 0.8) per layer at {examples_seen:,} examples: standard "
        f"{_layers(100 * s)} %, normalized {_layers(100 * n)} %; normalized lower in "
        f"{less} of {len(s)} layers; rule: lower in most layers",
        HOLDS if less > len(s) / 2 else FAILS,
    )


def softsign_stays_off_asymptotes(p2_end, p98_end) -> Check:
    extreme = np.maximum(-np.asarray(p2_end, float), np.asarray(p98_end, float))
    return Check(
        "softsign: no layer saturates at +-1; the layers move together",
        "Fig. 3 (bottom): percentiles ~+-0.8-0.9, no saturation",
        f"largest |2nd/98th percentile| per layer at the end: {_layers(extreme)}; rule: all "
        f"below {SATURATED}",
        HOLDS if extreme.max() < SATURATED else FAILS,
    )


def histogram_modes(hist, edges) -> np.ndarray:
    """|value| at the peak of each layer's histogram (folded: +-x count together)."""
    centers = np.abs((np.asarray(edges)[:-1] + np.asarray(edges)[1:]) / 2)
    folded = np.linspace(0, centers.max() + 1e-9, 51)
    modes = []
    for h in np.asarray(hist):
        counts, _ = np.histogram(centers, folded, weights=h)
        k = int(np.argmax(counts))
        modes.append((folded[k] + folded[k + 1]) / 2)
    return np.asarray(modes)


def softsign_modes_at_knee(hist_end, edges, examples_seen: int) -> Check:
    modes = histogram_modes(hist_end, edges)
    at_knee = (modes >= 0.5) & (modes <= 0.9)
    if at_knee.all():
        verdict = HOLDS
    else:
        verdict = NOT_AT_SCALE if _short(examples_seen) else FAILS
    return Check(
        "softsign: activations settle at the knee between linear and saturated regimes",
        "Fig. 4 (bottom): histogram modes near +-(0.6-0.8)",
        f"|mode| per layer after {examples_seen:,} examples: {_layers(modes)} "
        f"({int(at_knee.sum())} of {len(modes)} layers in [0.5, 0.9]; rule: all)",
        verdict,
    )


def tanh_low_layers_pile_at_one(sat_end, hist_end, edges, examples_seen: int) -> Check:
    """Fig. 4 (top): low layers pile at +-1 (saturated share), top layer peaks at 0."""
    sat = np.asarray(sat_end, float)
    top_mode = histogram_modes(hist_end, edges)[-1]
    ok = sat[0] >= 0.25 and top_mode < 0.2
    verdict = HOLDS if ok else (NOT_AT_SCALE if _short(examples_seen) else FAILS)
    return Check(
        "tanh, standard init: at the end the lowest layers pile at +-1, the top one at 0",
        "Fig. 4 (top): low layers saturated at +-1, top layer peaked at 0",
        f"after {examples_seen:,} examples: saturated share (|z| > 0.8) per layer "
        f"{_layers(100 * sat)} %, top-layer |mode| {top_mode:.2f}; rule: >= 25% in layer 1 "
        "and top |mode| < 0.2",
        verdict,
    )


def weight_gradient_spread(std_start, std_end, init: str, examples_seen: int) -> Check:
    """Fig. 9: under standard init the per-layer spreads part; under normalized they don't."""
    start, end = np.asarray(std_start, float), np.asarray(std_end, float)
    r0, r1 = start.max() / start.min(), end.max() / end.min()
    ours = (
        f"max/min std across layers x{r0:.2f} at init, x{r1:.2f} after "
        f"{examples_seen:,} examples (std per layer {_layers(end)})"
    )
    if init == "standard":
        claim = "tanh, standard init: weight-gradient spreads part during training"
        ours += "; rule: >= x2 at the end"
        verdict = HOLDS if r1 >= 2 else (NOT_AT_SCALE if _short(examples_seen) else FAILS)
    else:
        claim = "tanh, normalized init: weight-gradient spreads stay together"
        ours += "; rule: within x1.5 at the end"
        verdict = HOLDS if r1 <= 1.5 else FAILS
    paper = "Fig. 9: standard init spreads part over training; normalized stay together"
    return Check(claim, paper, ours, verdict)


# -- test errors (Fig. 11, Table 1) ----------------------------------------------------------
@dataclass
class Error:
    """A model's final test error: mean over seeds, its standard error, how many seeds."""

    label: str
    mean: float
    se: float
    seeds: int

    @classmethod
    def of(cls, label: str, errors: list[float], test_size: int) -> Error:
        e = np.asarray(errors, float)
        if len(e) > 1:  # across seeds: what another seed would give
            se = e.std(ddof=1) / math.sqrt(len(e))
        else:  # one seed: the binomial noise of a finite test set only
            se = math.sqrt(max(e[0] * (1 - e[0]), 1e-12) / test_size)
        return cls(label, float(e.mean()), float(se), len(e))

    def __str__(self) -> str:
        return f"{self.label} {100 * self.mean:.2f}%"


def z_score(a: Error, b: Error) -> float:
    """How many standard errors b's error lies above a's."""
    return (b.mean - a.mean) / math.hypot(a.se, b.se)


def worse_than_all(model: Error, others: list[Error], claim: str, paper: str, seen: int):
    zs = [z_score(o, model) for o in others]
    ours = f"{model} vs " + ", ".join(f"{o} (z {z:.1f})" for o, z in zip(others, zs, strict=True))
    if min(zs) >= Z_SIGNIFICANT:
        verdict = HOLDS
    elif min(zs) <= -Z_SIGNIFICANT:
        verdict = FAILS  # clearly better than one of them: not the worst, at any budget
    else:
        verdict = NOT_AT_SCALE if _short(seen) else FAILS
    return Check(claim, paper, ours, verdict)


def better_than(model: Error, other: Error, claim: str, paper: str, seen: int) -> Check:
    z = z_score(model, other)
    ours = f"{model} vs {other} (z {z:.1f}, {model.seeds} seed(s))"
    if z >= Z_SIGNIFICANT:
        verdict = HOLDS
    elif z <= -Z_SIGNIFICANT or not _short(seen):
        verdict = FAILS
    else:
        verdict = NOT_AT_SCALE
    return Check(claim, paper, ours, verdict)


def within_noise(models: list[Error], claim: str, paper: str, seen: int) -> Check:
    pairs = [(a, b) for i, a in enumerate(models) for b in models[i + 1 :]]
    worst = max(abs(z_score(a, b)) for a, b in pairs)
    ours = ", ".join(map(str, models)) + f"; largest pairwise |z| {worst:.1f}"
    verdict = HOLDS if worst < Z_SIGNIFICANT else (NOT_AT_SCALE if _short(seen) else FAILS)
    return Check(claim, paper, ours, verdict)


def stays_at_chance(error: Error, chance: float, claim: str, paper: str) -> Check:
    ok = error.mean >= chance - 2 * error.se - 0.01
    ours = f"{error} (chance: {100 * chance:.1f}%); rule: within 2 SE + 1 point of chance"
    return Check(claim, paper, ours, HOLDS if ok else FAILS)


def escapes_late(errors, examples, chance: float, paper_at: int, claim: str, paper: str):
    """Sigmoid depth 4: stuck at chance, then learns from ~paper_at examples on."""
    at = plateau_exit(errors, examples, chance)
    if at is not None:
        return Check(claim, paper, f"test error first {PLATEAU_MARGIN_TEXT} at {at:,}", HOLDS)
    seen = int(np.asarray(examples)[-1])
    ours = f"still {100 * np.asarray(errors)[-1]:.1f}% at {seen:,} examples"
    return Check(claim, paper, ours, NOT_AT_SCALE if seen < paper_at else FAILS)


def best_depths(best: dict[str, int], examples_seen: int) -> Check:
    """Section 2.3: per activation, the depth with the lowest test error (cross-entropy)."""
    expected = {"sigmoid": 4, "tanh": 5, "softsign": 5}
    ok = bool(best) and all(best[a] == expected[a] for a in best)
    return Check(
        "the best depth is 5 for tanh and softsign, 4 for sigmoid (cross-entropy)",
        "Section 2.3: best depth 5 on Shapeset for every activation except sigmoid (4)",
        ", ".join(f"{a} {best[a]}" for a in expected if a in best)
        + f" (lowest final test error after {examples_seen:,} examples, mean of both inits)",
        HOLDS if ok else (NOT_AT_SCALE if _short(examples_seen) else FAILS),
    )


# -- cost surfaces and the grid --------------------------------------------------------------
def quadratic_has_more_plateau(share_ce: float, share_quadratic: float) -> Check:
    return Check(
        "the quadratic cost has more plateaus than cross-entropy (1-hidden-layer tanh net)",
        "Fig. 5: flat plateaus on the quadratic surface, not on the cross-entropy one",
        f"share of the [-4, 4]^2 weight grid with gradient < 1% of its max: quadratic "
        f"{share_quadratic:.3f}, cross-entropy {share_ce:.3f}",
        HOLDS if share_quadratic > share_ce else FAILS,
    )


def plateau_exit(errors, examples, chance: float) -> int | None:
    """Examples seen when the test error first falls PLATEAU_MARGIN below chance (or None)."""
    left = np.flatnonzero(np.asarray(errors, float) <= chance - PLATEAU_MARGIN)
    return int(np.asarray(examples)[left[0]]) if left.size else None


def run_plateau_exit(metrics: list[dict], chance: float) -> int | None:
    """`plateau_exit` of a run's metrics rows (their test_error and examples)."""
    errors, examples = ([r[k] for r in metrics] for k in ("test_error", "examples"))
    return plateau_exit(errors, examples, chance)


def fell_back(label: str, metrics: list[dict], chance: float) -> str:
    """A rider for a run that left the chance plateau and ended back on it (a collapse the
    final error alone hides), or "" for any other run."""
    errors = np.array([r["test_error"] for r in metrics], float)
    if run_plateau_exit(metrics, chance) is None or errors[-1] <= chance - PLATEAU_MARGIN:
        return ""
    best = int(np.argmin(errors))
    return (
        f"; {label} fell back to chance after its best {100 * errors[best]:.1f}% at "
        f"{int(metrics[best]['examples']):,} examples"
    )


def sign_test_p(wins: int, losses: int) -> float:
    """One-sided sign test: P(at least `wins` of wins + losses fair coin flips)."""
    n = wins + losses
    return sum(math.comb(n, k) for k in range(wins, n + 1)) / 2**n if n else 1.0


def quadratic_trains_slower(pairs: list[tuple[str, int | None, int | None]], budget: int):
    """Trained nets: per setting (label, CE plateau exit, quadratic plateau exit). A sign
    test over the settings where the two differ (ties, at the evaluation grid's resolution,
    say nothing either way)."""
    never = budget + 1  # never leaving counts as later than any exit

    def when(e):
        return never if e is None else e

    slower = sum(when(q) > when(c) for _, c, q in pairs)
    faster = sum(when(q) < when(c) for _, c, q in pairs)
    ties = len(pairs) - slower - faster
    p = sign_test_p(slower, faster)
    ours = (
        f"over {len(pairs)} settings (depth x activation x init x seed, {budget:,} examples), "
        f"quadratic leaves chance later in {slower}, earlier in {faster}, at the same "
        f"evaluation in {ties} (sign test p = {p:.3g}); rule: p < 0.05"
    )
    verdict = NOT_AT_SCALE if slower + faster == 0 else (HOLDS if p < 0.05 else FAILS)
    return Check(
        "trained nets: the quadratic cost leaves the chance-level plateau later than cross-entropy",
        "Section 4.1 / Fig. 5: the quadratic cost's plateaus slow training",
        ours,
        verdict,
    )


# -- beyond the paper ---------------------------------------------------------------------------
def _exits(exits: dict[str, int | None]) -> str:
    """e.g. 'left the plateau: He after 15,000 examples, normalized never'."""
    text = ", ".join(
        f"{k} {'never' if v is None else f'after {v:,} examples'}" for k, v in exits.items()
    )
    return f"left the plateau: {text}"


def deep_relu_needs_he(he: Error, normalized: Error, he_exit, n_exit, seen: int) -> Check:
    """He et al. (2015), Fig. 3: at depth 30 He init trains, normalized ('Xavier') stalls.
    Holds when He leaves the chance plateau and normalized does not, or later and ends
    significantly worse; fails when normalized leaves it as early as He or ends better."""
    z = z_score(he, normalized)
    ours = f"{he} vs {normalized} (z {z:.1f}); " + _exits({"He": he_exit, "normalized": n_exit})
    if he_exit is not None and n_exit is None:
        verdict = HOLDS
    elif n_exit is not None and (he_exit is None or n_exit <= he_exit):
        verdict = FAILS
    elif he_exit is not None:  # both left, normalized later
        verdict = HOLDS if z >= Z_SIGNIFICANT else (NOT_AT_SCALE if _short(seen) else FAILS)
    else:
        verdict = NOT_AT_SCALE if _short(seen) else FAILS
    return Check(
        "ReLU, 30 hidden layers: He init trains, normalized init does not",
        "He et al. (2015), Fig. 3: 30 layers, 'Xavier' stalls, theirs converges",
        ours,
        verdict,
    )


def both_train(exits: dict[str, int | None], claim: str, paper: str, seen: int) -> Check:
    """Every net leaves the chance plateau within the budget."""
    ok = all(v is not None for v in exits.values())
    return Check(
        claim,
        paper,
        _exits(exits),
        HOLDS if ok else (NOT_AT_SCALE if _short(seen) else FAILS),
    )


def right_beats_mistake(
    right: Error,
    wrong: Error,
    right_exit,
    wrong_exit,
    seen: int,
    claim: str,
    names=("right scheme", "mistake"),
):
    """A right scheme against a common mistake (e.g. a conv net's fan-in counted over the
    channels alone). No paper claims a number here; the rule: the right one ends
    significantly better, or leaves the chance plateau while the mistake does not."""
    z = z_score(right, wrong)
    ours = f"{right} vs {wrong} (z {z:.1f}); " + _exits(
        dict(zip(names, (right_exit, wrong_exit), strict=True))
    )
    if z <= -Z_SIGNIFICANT:  # the mistake ends significantly better: contradicts
        verdict = FAILS
    elif z >= Z_SIGNIFICANT or (right_exit is not None and wrong_exit is None):
        verdict = HOLDS
    else:
        verdict = NOT_AT_SCALE if _short(seen) else FAILS
    return Check(claim, "Our claim (issue: the common mistakes); the libraries' convention",
                 ours, verdict)  # fmt: skip
