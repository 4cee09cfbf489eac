"""Sampling statistics over 24k images against the paper's design (FACTS section 2)."""

import numpy as np
import pytest

from shapeset import ShapesetConfig, generate

N = 24_000


@pytest.fixture(scope="module")
def big():
    return generate(ShapesetConfig(), seed=11, split="train", indices=np.arange(N))


def _tolerance(p: float) -> float:
    return 4 * np.sqrt(p * (1 - p) / N)  # 4 standard errors of a frequency


def test_class_frequencies_follow_the_sampling_design(big):
    freq = np.bincount(big.labels, minlength=9) / N
    # one object (1/2) of one type (1/3); mixed pair 2 * 1/9 * 1/2; same pair 1/9 * 1/2
    expected = np.array([1 / 6] * 3 + [1 / 9] * 3 + [1 / 18] * 3)
    dropped = (big.rejections >= 50).mean()  # images that fell back to one object
    for k in range(9):
        assert abs(freq[k] - expected[k]) <= _tolerance(expected[k]) + dropped, (k, freq[k])
    # Always guessing the commonest class errs ~83.3% (where the sigmoid net stays, Table 1).
    assert abs((1 - freq.max()) - 5 / 6) < 0.015


def test_half_the_images_have_a_light_background(big):
    light = (big.background >= 140).mean()
    assert abs(light - 0.5) <= _tolerance(0.5)


def test_grey_levels_lie_in_their_ranges_and_vary(big):
    bg, greys, present = big.background, big.greys, big.types >= 0
    light_bg = bg >= 140
    assert ((bg <= 114) | light_bg).all() and (bg <= 255).all()
    objects_light = greys >= 140
    # Objects are light on a dark background and dark on a light one.
    assert (objects_light[present[:, 0], 0] == ~light_bg[present[:, 0]]).all()
    assert ((greys[present] <= 114) | (greys[present] >= 140)).all()
    values = np.unique(big.images)
    assert len(values) >= 200
    assert not np.any((values > 114) & (values < 140))  # hard edges: no in-between greys
    # Every level of both ranges is reachable (uniform integers, inclusive bounds).
    assert set(range(0, 115)) | set(range(140, 256)) == set(values.tolist())


def test_the_balanced_option_levels_the_classes():
    n = 18_000
    b = generate(ShapesetConfig(balanced=True), seed=5, split="train", indices=np.arange(n))
    freq = np.bincount(b.labels, minlength=9) / n
    tol = 4 * np.sqrt((1 / 9) * (8 / 9) / n) + (b.rejections >= 50).mean()
    assert np.abs(freq - 1 / 9).max() <= tol


def test_antialiasing_blends_edges_only():
    hard = generate(ShapesetConfig(), 2, "train", np.arange(200))
    soft = generate(ShapesetConfig(antialias=True), 2, "train", np.arange(200))
    np.testing.assert_array_equal(hard.labels, soft.labels)
    diff = np.abs(hard.images.astype(int) - soft.images.astype(int))
    assert (diff > 0).mean() < 0.15  # interiors and background untouched
    between = (soft.images > 114) & (soft.images < 140)
    assert between.any()  # blended edge pixels exist
