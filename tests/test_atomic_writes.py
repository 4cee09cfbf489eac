"""Atomic writes of results (REPORT.md, figures, tables): a kill leaves no half file, and
the temp file it leaves is removed by the next write of the same file."""

import os
import subprocess
import sys

import pytest

from shapeset.atomic import atomic_write_bytes


def test_a_write_replaces_the_file_whole(tmp_path):
    atomic_write_bytes(tmp_path / "REPORT.md", b"old")
    atomic_write_bytes(tmp_path / "REPORT.md", b"new")
    assert (tmp_path / "REPORT.md").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["REPORT.md"]


def test_temps_of_killed_writers_go_with_the_next_write_and_a_live_ones_stay(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    figures = tmp_path / "figures"
    figures.mkdir()
    left = [
        figures / f".fig3.png.{dead.stdout.strip()}-a1b2.tmp",  # its writer was killed
        figures / ".fig3.png.k3j4l5.tmp",  # an older writer's name, without its pid
    ]
    alive = figures / f".fig3.png.{os.getppid()}-c3d4.tmp"  # a writer still running
    other = figures / f".fig4.png.{dead.stdout.strip()}-e5f6.tmp"  # another file's: its own
    for p in [*left, alive, other]:
        p.write_bytes(b"half a PNG")
    atomic_write_bytes(figures / "fig3.png", b"PNG")
    assert sorted(p.name for p in figures.iterdir()) == sorted(["fig3.png", alive.name, other.name])


def test_an_interrupted_write_removes_its_own_temp(tmp_path, monkeypatch):
    def crash(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(tmp_path / "table1.md", b"text")
    assert list(tmp_path.iterdir()) == []
