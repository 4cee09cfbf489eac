"""Choosing learning rates from hand-made search summaries."""

from analysis.lr_search import choose


def _s(final, status="complete", n=2000):
    return {"final_valid_error": final, "status": status, "valid_size": n}


def test_the_largest_rate_within_one_standard_error_of_the_best_wins():
    # best 0.30 on 2000 examples: standard error sqrt(0.3 * 0.7 / 2000) = 0.0102
    assert choose({0.01: _s(0.50), 0.1: _s(0.30), 0.3: _s(0.40)}) == 0.1
    assert choose({0.01: _s(0.30), 0.03: _s(0.31), 0.1: _s(0.311)}) == 0.03
    assert (
        choose(
            {0.01: _s(0.30), 0.03: _s(0.31)},
        )
        == 0.03
    )


def test_diverged_or_failed_candidates_never_win():
    assert choose({0.3: _s(0.1, "diverged"), 0.1: _s(0.5)}) == 0.1
    assert choose({0.3: _s(0.1, "diverged"), 1.0: _s(0.2, "failed")}) is None
