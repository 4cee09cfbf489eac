"""One run directory: its files, written atomically, and what state the run is in.

    config.yaml    the resolved config          metrics.csv   one row per evaluation
    probes.npz     the probe record             summary.json  status, final numbers, command
    checkpoint.pt  what a killed run resumes from

Every file goes through a temp file + rename, so a crash never leaves a half file that
looks whole. summary.json is written last: a run is complete when it says so.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from shapeset.atomic import atomic_write_bytes

STATUSES = ("complete", "diverged", "failed")  # what summary.json can say
FINISHED = ("complete", "diverged")  # a rerun skips these; a failed run is tried again
SHARED_SUFFIX = "_edges"  # probe arrays stored once when every probe has the same


class RunStore:
    def __init__(self, run_dir: str | os.PathLike):
        self.dir = Path(run_dir)

    def path(self, name: str) -> Path:
        return self.dir / name

    # -- writing ------------------------------------------------------------------------
    def write_text(self, name: str, text: str) -> None:
        atomic_write_bytes(self.path(name), text.encode())

    def write_json(self, name: str, obj) -> None:
        self.write_text(name, json.dumps(obj, indent=2, sort_keys=True) + "\n")

    def write_metrics(self, rows: list[dict]) -> None:
        if not rows:
            return
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        self.write_text("metrics.csv", buf.getvalue())

    def write_probes(self, records: list[dict]) -> None:
        """Stack per-probe dicts of arrays into one array per key, (n_probes, ...). Bin
        edges that every probe shares are stored once (`probes()` repeats them): a row of
        5,001 edges per probe is a third of a long run's record, and zlib's 32 KB window
        cannot see that the 40 KB rows repeat."""
        if not records:
            return
        arrays = {k: np.stack([np.asarray(r[k]) for r in records]) for k in records[0]}
        for k in [k for k in arrays if k.endswith(SHARED_SUFFIX)]:
            if (arrays[k] == arrays[k][0]).all():
                arrays[k] = arrays[k][0]
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        atomic_write_bytes(self.path("probes.npz"), buf.getvalue())

    def write_checkpoint(self, state: dict) -> None:
        buf = io.BytesIO()
        torch.save(state, buf)
        atomic_write_bytes(self.path("checkpoint.pt"), buf.getvalue())

    # -- reading ------------------------------------------------------------------------
    def summary(self) -> dict | None:
        p = self.path("summary.json")
        try:
            return json.loads(p.read_text()) if p.exists() else None
        except json.JSONDecodeError as e:
            raise ValueError(f"{p}: unreadable ({e}): delete it to train the run again") from e

    def status(self) -> str:
        s = self.summary()
        return "missing" if s is None else s.get("status", "failed")

    def is_complete(self) -> bool:
        return self.status() == "complete"

    def is_finished(self) -> bool:
        return self.status() in FINISHED

    @contextmanager
    def lock(self):
        """Hold the run for one process: a second one gets BlockingIOError at once."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def is_locked(self) -> bool:
        """Whether another process holds `lock()` right now (this one takes nothing)."""
        if not self.path(".lock").exists():
            return False
        with open(self.path(".lock")) as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
        return False

    def checkpoint_step(self) -> int:
        """The update the checkpoint was taken at (0 without one), read without loading
        the weights (memory-mapped)."""
        if not self.path("checkpoint.pt").exists():
            return 0
        return int(self._load_checkpoint(mmap=True)["step"])

    def remove_leftovers(self) -> None:
        """Temp files of atomic writes that a kill interrupted (never renamed into place)."""
        for tmp in self.dir.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)

    def checkpoint(self) -> dict | None:
        return self._load_checkpoint() if self.path("checkpoint.pt").exists() else None

    def _load_checkpoint(self, mmap: bool = False) -> dict:
        p = self.path("checkpoint.pt")
        try:  # weights_only: a checkpoint is data, never code to run
            return torch.load(p, map_location="cpu", weights_only=True, mmap=mmap)
        except Exception as e:
            raise ValueError(
                f"{p}: unreadable checkpoint ({type(e).__name__}: {e}); delete it to train "
                "this run again from the start"
            ) from e

    def metrics(self) -> list[dict]:
        with open(self.path("metrics.csv"), newline="") as f:
            return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]

    def probes(self) -> dict[str, np.ndarray]:
        """One array per key with a leading probe axis, shared bin edges repeated per probe."""
        with np.load(self.path("probes.npz"), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        n = next(len(v) for k, v in arrays.items() if not k.endswith(SHARED_SUFFIX))
        for k, v in arrays.items():
            if k.endswith(SHARED_SUFFIX) and v.ndim == 1:
                arrays[k] = np.tile(v, (n, 1))
        return arrays


def discard_if_empty(run_dir: Path, runs_dir: Path) -> None:
    """Remove what Hydra created for a job refused before it started (.hydra/, the log)
    and the folders that leaves empty up to `runs_dir`."""
    run_dir, runs_dir = Path(run_dir).resolve(), Path(runs_dir).resolve()
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= {".hydra", "train.log"}:
        shutil.rmtree(run_dir)
        for parent in run_dir.parents:
            if parent == runs_dir or not parent.is_relative_to(runs_dir) or any(parent.iterdir()):
                break
            parent.rmdir()
