"""Determinism, split disjointness, fixed sets and their files."""

import hashlib

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from shapeset import ShapesetConfig, ShapesetSet, ShapesetStream, generate, probe_set

CFG = ShapesetConfig()


def _stream(n_examples, batch_size, workers=0, start=0, chunk=100, cfg=CFG):
    loader = DataLoader(
        ShapesetStream(cfg, 7, batch_size, start=start, chunk=chunk),
        batch_size=None,
        num_workers=workers,
    )
    xs, ys, seen = [], [], 0
    for x, y in loader:
        xs.append(x)
        ys.append(y)
        seen += len(y)
        if seen >= n_examples:
            break
    return torch.cat(xs)[:n_examples], torch.cat(ys)[:n_examples]


def test_example_i_is_independent_of_how_it_is_batched():
    one_by_one = [generate(CFG, 7, "train", [i]) for i in (0, 17, 999)]
    whole = generate(CFG, 7, "train", np.arange(1000))
    for i, b in zip((0, 17, 999), one_by_one, strict=True):
        np.testing.assert_array_equal(b.images[0], whole.images[i])
        assert b.labels[0] == whole.labels[i]


@pytest.mark.parametrize("batch_size,workers", [(1, 0), (10, 0), (33, 0), (10, 2), (7, 2)])
def test_stream_gives_the_same_examples_for_any_batch_size_and_worker_count(batch_size, workers):
    ref = generate(CFG, 7, "train", np.arange(600))
    x, y = _stream(600, batch_size, workers)
    assert torch.equal(x, ref.inputs())
    assert torch.equal(y, torch.from_numpy(ref.labels))


def test_a_resumed_stream_continues_the_exact_sequence():
    full_x, full_y = _stream(500, 10)
    tail_x, tail_y = _stream(270, 10, start=230)
    assert torch.equal(full_x[230:], tail_x) and torch.equal(full_y[230:], tail_y)


def test_pixel_range_option_maps_grey_levels():
    b = generate(CFG, 1, "train", np.arange(50))
    unit, sym = b.inputs("0..1"), b.inputs("-1..1")
    assert unit.min() >= 0 and unit.max() <= 1
    torch.testing.assert_close(sym, unit * 2 - 1)
    torch.testing.assert_close(unit[0, :3], torch.from_numpy(b.images[0, 0, :3] / 255).float())
    x, _ = _stream(20, 10, cfg=ShapesetConfig(pixel_range="-1..1"))
    assert x.min() >= -1 and x.min() < 0


def _digests(split, n, seed=0):
    return {
        hashlib.sha1(img.tobytes()).hexdigest()
        for img in generate(CFG, seed, split, np.arange(n)).images
    }


def test_splits_never_share_an_example():
    train, valid, test = (_digests(s, 5000) for s in ("train", "valid", "test"))
    assert len(train) == len(valid) == len(test) == 5000
    assert not (train & valid) and not (train & test) and not (valid & test)
    assert not (_digests("train", 2000, seed=1) & _digests("train", 2000, seed=0))


def test_probe_set_is_the_start_of_the_test_set():
    probe, test = probe_set(CFG, 0, 300), ShapesetSet(CFG, 0, "test", 1000)
    assert torch.equal(probe.x, test.x[:300]) and torch.equal(probe.y, test.y[:300])
    x, y = probe[5]
    assert x.shape == (32 * 32,) and y == test.y[5]


def test_fixed_set_survives_a_round_trip_through_npz(tmp_path):
    cfg = ShapesetConfig(pixel_range="-1..1", image_size=16, scale_max=0.6)
    s = ShapesetSet(cfg, 4, "valid", 120)
    path = tmp_path / "valid.npz"
    s.save(path)
    back = ShapesetSet.load(path)
    assert back.cfg == cfg and back.split == "valid" and back.seed == 4
    assert torch.equal(back.x, s.x) and torch.equal(back.y, s.y)
    assert [p.name for p in tmp_path.iterdir()] == ["valid.npz"]  # no temp file left


def test_a_corrupt_or_foreign_npz_is_refused_with_its_path(tmp_path):
    path = tmp_path / "set.npz"
    ShapesetSet(CFG, 0, "test", 20).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="set.npz"):
        ShapesetSet.load(path)
    other = tmp_path / "other.npz"
    np.savez(other, images=np.zeros((2, 32, 32), np.uint8), labels=np.zeros(2))
    with pytest.raises(ValueError, match="other.npz"):
        ShapesetSet.load(other)
    with pytest.raises(FileNotFoundError):
        ShapesetSet.load(tmp_path / "missing.npz")
