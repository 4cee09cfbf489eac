"""The training rules the report used before they were derived again from the paper's words.

The report's "Rule changes" section applies these beside the rules of analysis/claims/rules.py to
the same runs, so a reader sees each old rule, its verdict, and why it changed. Nothing else
uses them.
"""

from __future__ import annotations

import numpy as np

from analysis.claims.index import claim
from analysis.claims.rules import (
    FAILS,
    HOLDS,
    NOT_AT_SCALE,
    SATURATED,
    Check,
    _layers,
    _onset_text,
    _short,
    histogram_modes,
    saturation_onsets,
)


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
        claim("fig3-tanh-sequential-saturation"),
        f"first examples count with a 2nd/98th percentile beyond +-{SATURATED}: "
        f"{_onset_text(onsets)} (runs end at {seen:,}; extremes at the end "
        f"{_layers(np.maximum(-np.asarray(p2)[-1], np.asarray(p98)[-1]))}); rule: every "
        "layer gets there, layer 1 first, in order",
        verdict,
        "tanh, standard init: layers saturate one after another, layer 1 first",
    )


def normalized_saturates_less(sat_standard_end, sat_normalized_end, examples_seen: int):
    """Tanh (Fig. 10 vs Fig. 3): normalized init avoids the saturation standard init shows."""
    s, n = np.asarray(sat_standard_end, float), np.asarray(sat_normalized_end, float)
    less = int(np.sum(n <= s))
    return Check(
        claim("fig10-like-softsign"),
        f"saturated share (|z| > 0.8) per layer at {examples_seen:,} examples: standard "
        f"{_layers(100 * s)} %, normalized {_layers(100 * n)} %; normalized lower in "
        f"{less} of {len(s)} layers; rule: lower in most layers",
        HOLDS if less > len(s) / 2 else FAILS,
        "tanh: normalized init avoids the saturation seen under standard init",
    )


def softsign_stays_off_asymptotes(p2_end, p98_end) -> Check:
    extreme = np.maximum(-np.asarray(p2_end, float), np.asarray(p98_end, float))
    return Check(
        claim("fig3-softsign-no-saturation"),
        f"largest |2nd/98th percentile| per layer at the end: {_layers(extreme)}; rule: all "
        f"below {SATURATED}",
        HOLDS if extreme.max() < SATURATED else FAILS,
        "softsign: no layer saturates at +-1; the layers move together",
    )


def softsign_modes_at_knee(hist_end, edges, examples_seen: int) -> Check:
    modes = histogram_modes(hist_end, edges)
    at_knee = (modes >= 0.5) & (modes <= 0.9)
    if at_knee.all():
        verdict = HOLDS
    else:
        verdict = NOT_AT_SCALE if _short(examples_seen) else FAILS
    return Check(
        claim("fig4-softsign-knees"),
        f"|mode| per layer after {examples_seen:,} examples: {_layers(modes)} "
        f"({int(at_knee.sum())} of {len(modes)} layers in [0.5, 0.9]; rule: all)",
        verdict,
        "softsign: activations settle at the knee between linear and saturated regimes",
    )


def tanh_low_layers_pile_at_one(sat_end, hist_end, edges, examples_seen: int) -> Check:
    """Fig. 4 (top): low layers pile at +-1 (saturated share), top layer peaks at 0."""
    sat = np.asarray(sat_end, float)
    top_mode = histogram_modes(hist_end, edges)[-1]
    ok = sat[0] >= 0.25 and top_mode < 0.2
    verdict = HOLDS if ok else (NOT_AT_SCALE if _short(examples_seen) else FAILS)
    return Check(
        claim("fig4-tanh-modes"),
        f"after {examples_seen:,} examples: saturated share (|z| > 0.8) per layer "
        f"{_layers(100 * sat)} %, top-layer |mode| {top_mode:.2f}; rule: >= 25% in layer 1 "
        "and top |mode| < 0.2",
        verdict,
        "tanh, standard init: at the end the lowest layers pile at +-1, the top one at 0",
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
        of, title = (
            claim("fig9-standard-drift-apart"),
            "tanh, standard init: weight-gradient spreads part during training",
        )
        ours += "; rule: >= x2 at the end"
        verdict = HOLDS if r1 >= 2 else (NOT_AT_SCALE if _short(examples_seen) else FAILS)
    else:
        of, title = (
            claim("fig9-normalized-keeps-alike"),
            "tanh, normalized init: weight-gradient spreads stay together",
        )
        ours += "; rule: within x1.5 at the end"
        verdict = HOLDS if r1 <= 1.5 else FAILS
    return Check(of, ours, verdict, title)
