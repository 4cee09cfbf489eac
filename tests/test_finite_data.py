"""MNIST and CIFAR-10 files, splits and epoch streams: the real MNIST against its well-known
facts, the parsers against files written here in the official formats, checksums, missing
data, downloads from a local HTTP server, and the per-epoch permutations."""

import functools
import gzip
import hashlib
import http.server
import io
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from finite import DataError, EpochStream, MissingData, Split, cifar, load, sets
from finite.files import DataFile, fetch
from finite.idx import parse_idx
from finite.stream import stream_indices

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
needs_mnist = pytest.mark.skipif(not MNIST.exists(), reason=f"real MNIST not at {MNIST}")
# Every copy of MNIST: training-set label counts, and the first labels of each file.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
FIRST_TRAIN, FIRST_TEST = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


@pytest.fixture(scope="module")
def mnist():
    return load("mnist", MNIST.parent, download=False)


@needs_mnist
def test_real_mnist_has_the_papers_splits_and_its_well_known_labels(mnist):
    assert [len(mnist[s]) for s in ("train", "valid", "test")] == [50_000, 10_000, 10_000]
    assert mnist["train"].pixels.shape == (50_000, 28 * 28)
    labels = np.concatenate([mnist["train"].labels, mnist["valid"].labels])
    assert np.bincount(labels).tolist() == TRAIN_COUNTS
    assert mnist["train"].labels[:10].tolist() == FIRST_TRAIN
    assert mnist["test"].labels[:10].tolist() == FIRST_TEST


@needs_mnist
def test_train_and_valid_are_the_official_training_file_cut_at_50000(mnist):
    raw = gzip.decompress((MNIST / "train-images-idx3-ubyte.gz").read_bytes())
    official = np.frombuffer(raw, np.uint8, offset=16).reshape(60_000, 784)  # IDX header: 16 B
    np.testing.assert_array_equal(mnist["train"].pixels, official[:50_000])
    np.testing.assert_array_equal(mnist["valid"].pixels, official[50_000:])
    x = mnist["valid"].inputs(slice(0, 5), "-1..1")
    np.testing.assert_allclose(x.numpy(), official[50_000:50_005] / 255.0 * 2 - 1, atol=1e-6)


def _idx(array: np.ndarray) -> bytes:
    head = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    return head + array.astype(np.uint8).tobytes()


def test_idx_parser_reads_raw_and_gzipped_files_and_names_bad_ones():
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(_idx(a), "a"), a)
    np.testing.assert_array_equal(parse_idx(gzip.compress(_idx(a)), "a.gz"), a)
    with pytest.raises(DataError, match="short.idx: .*truncated"):
        parse_idx(_idx(a)[:-1], "short.idx")
    with pytest.raises(DataError, match="magic"):
        parse_idx(b"\x01\x02\x08\x01" + bytes(8), "bad")
    with pytest.raises(DataError, match="0x0d"):
        parse_idx(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + bytes(4), "floats")


def _cifar_archive(batches: dict[str, tuple[np.ndarray, np.ndarray]]) -> bytes:
    """A tar.gz laid out as the official binary archive, from (images (N,32,32,3), labels)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, (images, labels) in batches.items():
            planes = images.transpose(0, 3, 1, 2).reshape(len(images), -1)  # R, G, B planes
            data = np.concatenate([labels[:, None].astype(np.uint8), planes], axis=1).tobytes()
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _random_batches(n=3):
    rng = np.random.default_rng(0)
    return {
        name: (rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, n))
        for name in cifar.BATCHES
    }


def test_cifar_archive_is_read_as_red_green_blue_planes_with_labels():
    batches = _random_batches()
    got = cifar.read_archive(_cifar_archive(batches), "hand-made")
    for name, (images, labels) in batches.items():
        pixels, y = got[name]
        np.testing.assert_array_equal(y, labels)
        red_first = pixels.reshape(-1, 3, 32, 32)
        np.testing.assert_array_equal(red_first[:, 0], images[..., 0])
        np.testing.assert_array_equal(red_first[:, 2], images[..., 2])
    with pytest.raises(DataError, match="not the CIFAR-10 binary archive"):
        cifar.read_archive(gzip.compress(b"not a tar"), "junk")
    with pytest.raises(DataError, match="whole number of records"):
        cifar.parse_batch(bytes(cifar.RECORD + 5), "odd")


def test_cifar_valid_is_batch_5_and_the_archive_is_checked(tmp_path, monkeypatch):
    batches = _random_batches()
    archive = _cifar_archive(batches)
    folder = tmp_path / "cifar10"
    folder.mkdir()
    (folder / sets.CIFAR10_FILE.name).write_bytes(archive)
    with pytest.raises(DataError, match="cifar-10-binary.tar.gz: checksum mismatch"):
        sets._cifar10(folder, download=False)  # not the official md5
    official = DataFile(sets.CIFAR10_FILE.name, (), (hashlib.md5(archive).hexdigest(),))
    monkeypatch.setattr(sets, "CIFAR10_FILE", official)
    monkeypatch.setattr(sets, "VALID_SIZE", 3)  # one hand-made batch, as 10,000 is one real one
    splits = sets._cifar10(folder, download=False)
    np.testing.assert_array_equal(splits["valid"].labels, batches["data_batch_5.bin"][1])
    train = np.concatenate([batches[f"data_batch_{i}.bin"][1] for i in range(1, 5)])
    np.testing.assert_array_equal(splits["train"].labels, train)
    np.testing.assert_array_equal(splits["test"].labels, batches["test_batch.bin"][1])


@needs_mnist
def test_a_corrupt_or_truncated_copy_is_refused_by_name(tmp_path):
    spec = sets.MNIST_FILES["test_labels"]
    good = (MNIST / spec.name).read_bytes()
    for broken in (good[:-100], good[:50] + bytes([good[50] ^ 1]) + good[51:]):
        (tmp_path / spec.name).write_bytes(broken)
        with pytest.raises(DataError, match=f"{spec.name}: .*(checksum|gzip)"):
            fetch(spec, tmp_path, download=False)
    recompressed = gzip.compress(gzip.decompress(good), compresslevel=1)  # same content
    (tmp_path / spec.name).write_bytes(recompressed)
    assert fetch(spec, tmp_path, download=False) == recompressed


def test_missing_data_names_the_file_and_how_to_place_it(tmp_path):
    with pytest.raises(MissingData, match=r"mnist/train-images-idx3-ubyte.gz is missing") as e:
        load("mnist", tmp_path, download=False)
    assert "by hand" in str(e.value) and "ossci-datasets" in str(e.value)
    with pytest.raises(ValueError, match="unknown data set 'svhn'"):
        load("svhn", tmp_path)


@pytest.fixture
def server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving tmp_path/www."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_skips_a_mirror_with_a_corrupt_file_and_writes_the_checked_one(tmp_path, server):
    www, url = server
    payload = gzip.compress(_idx(np.arange(10, dtype=np.uint8)))
    (www / "good").mkdir()
    (www / "good" / "f.gz").write_bytes(payload)
    (www / "bad").mkdir()
    (www / "bad" / "f.gz").write_bytes(payload[:-3])
    spec = DataFile(
        "f.gz",
        (f"{url}/none/f.gz", f"{url}/bad/f.gz", f"{url}/good/f.gz"),
        (hashlib.md5(payload).hexdigest(),),
    )
    dest = tmp_path / "data"
    assert fetch(spec, dest) == payload and (dest / "f.gz").read_bytes() == payload
    only_bad = DataFile("g.gz", (f"{url}/bad/f.gz",), spec.md5)
    with pytest.raises(MissingData, match="bad/f.gz .*checksum mismatch"):
        fetch(only_bad, dest)
    assert not (dest / "g.gz").exists() and not list(dest.glob("*.tmp"))


def _seen(split, seed, start, batches, bs) -> np.ndarray:
    """The dataset indices a stream yields (each example's pixels hold its index)."""
    it = iter(EpochStream(split, seed, batch_size=bs, start=start))
    x = np.concatenate([next(it)[0][:, 0].numpy() for _ in range(batches)])
    return np.rint(x * 255).astype(int)


def test_each_epoch_visits_every_example_once_and_a_resumed_stream_is_identical():
    n = 23
    split = Split(np.arange(n, dtype=np.uint8)[:, None].repeat(4, 1), np.arange(n) % 10)
    seen = _seen(split, 5, 0, 23, 3)  # 69 examples: 3 epochs, boundaries inside batches
    for e in range(3):
        assert sorted(seen[e * n : (e + 1) * n]) == list(range(n))
    assert not np.array_equal(seen[:n], seen[n : 2 * n])  # a new order each epoch
    np.testing.assert_array_equal(_seen(split, 5, 30, 5, 3), seen[30:45])  # resumed at 30
    np.testing.assert_array_equal(seen[:n], stream_indices(5, n, 0, n))
    assert not np.array_equal(stream_indices(5, n, 0, n), stream_indices(6, n, 0, n))
    with pytest.raises(ValueError, match="batch_size"):
        EpochStream(split, 0, batch_size=0)


def test_dataloader_workers_take_batches_in_turn_and_give_the_same_stream():
    """On CUDA the engine reads the stream through DataLoader workers: 2 workers must yield
    what no worker yields, not each worker the whole stream."""
    from torch.utils.data import DataLoader

    n = 23
    split = Split(np.arange(n, dtype=np.uint8)[:, None].repeat(4, 1), np.arange(n) % 10)
    alone = _seen(split, 5, 7, 12, 3)
    loader = DataLoader(
        EpochStream(split, 5, batch_size=3, start=7), batch_size=None, num_workers=2
    )
    it = iter(loader)
    x = np.concatenate([next(it)[0][:, 0].numpy() for _ in range(12)])
    np.testing.assert_array_equal(np.rint(x * 255).astype(int), alone)
