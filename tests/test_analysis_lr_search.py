"""Choosing learning rates from hand-made search summaries."""

from analysis.lr_search import choose


def _s(final, status="complete"):
    return {"final_valid_error": final, "status": status}


def test_the_lowest_final_validation_error_wins_and_ties_take_the_smaller_rate():
    assert choose({0.01: _s(0.5), 0.1: _s(0.3), 0.3: _s(0.4)}) == 0.1
    assert choose({0.03: _s(0.3), 0.01: _s(0.3)}) == 0.01


def test_diverged_or_failed_candidates_never_win():
    assert choose({0.3: _s(0.1, "diverged"), 0.1: _s(0.5)}) == 0.1
    assert choose({0.3: _s(0.1, "diverged"), 1.0: _s(0.2, "failed")}) is None
