"""Every run under a folder, one row each: what it is, how far it got, how well it did.

    python -m analysis.runs.aggregate [--runs-dir results/runs] [--experiment grid] [--out F.csv]

A run is a `seed=N` folder (see experiments/run_store.py). Its status is what summary.json
says (complete / diverged / failed), else `running` (another process holds its lock) or
`incomplete` (interrupted: rerunning its sweep resumes it), or `unreadable` (a damaged file,
named in the `error` column); unfinished runs report how far their metrics got. Hidden
folders (.submitit logs, .hydra) are not runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import yaml

from analysis.runs.store import REPO_ROOT, RUNS_DIR
from experiments.run_store import RunStore
from shapeset.atomic import atomic_write_bytes

MAX_LAYERS = 5
COLUMNS = [
    "experiment",
    "overrides",
    "seed",
    "status",
    "activation",
    "init",
    "loss",
    "depth",
    "width",
    "lr",
    "profile",
    "pretrain",
    "examples_seen",
    "final_valid_error",
    "best_valid_error",
    "final_test_error",
    "best_test_error",
    "wall_s",
    "threads",
    *[f"end_saturation_l{i + 1}" for i in range(MAX_LAYERS)],
    "error",
    "run_dir",
]


def find_runs(runs_dir: Path, experiment: str | None = None) -> list[Path]:
    """Run folders, sorted; `experiment` keeps those under runs_dir/experiment only."""
    root = runs_dir / experiment if experiment else runs_dir
    found = [
        p
        for p in root.rglob("seed=*")
        if p.is_dir() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(found)


CONFIG_COLUMNS = {  # column: (group, key) in config.yaml; runs from older schemas lack some
    "activation": ("activation", "name"),
    "init": ("init", "name"),
    "loss": ("loss", "name"),
    "depth": ("model", "depth"),
    "width": ("model", "width"),
    "lr": ("optim", "lr"),
    "profile": ("profile", "name"),
    "pretrain": ("pretrain", "name"),
}


def _config_columns(config: dict) -> dict:
    return {
        column: config[group][key]
        for column, (group, key) in CONFIG_COLUMNS.items()
        if key in config.get(group, {})
    }


def _metric_columns(metrics: list[dict]) -> dict:
    if not metrics:
        return {}
    last = metrics[-1]
    return {
        "examples_seen": int(last["examples"]),
        "final_valid_error": last["valid_error"],
        "best_valid_error": min(m["valid_error"] for m in metrics),
        "final_test_error": last["test_error"],
        "best_test_error": min(m["test_error"] for m in metrics),
        "wall_s": round(last["wall_s"], 2),
    }


def _end_saturation(store: RunStore) -> dict:
    if not store.path("probes.npz").exists():
        return {}
    sat = store.probes().get("act_saturation")
    if sat is None or len(sat) == 0:
        return {}
    return {
        f"end_saturation_l{i + 1}": round(float(v), 5) for i, v in enumerate(sat[-1][:MAX_LAYERS])
    }


def collect_run(path: Path, runs_dir: Path) -> dict:
    """One row; fields a run does not have (yet) are left empty."""
    rel = path.relative_to(runs_dir)
    row = {
        "experiment": rel.parts[0] if len(rel.parts) > 2 else "",
        "overrides": path.parent.name,
        "seed": int(path.name.split("=", 1)[1]),
        "run_dir": str(rel),
    }
    try:
        return row | _read_run(RunStore(path))
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        EOFError,
        zipfile.BadZipFile,
        yaml.YAMLError,
    ) as e:
        return row | {"status": "unreadable", "error": f"{type(e).__name__}: {e}"}


def _read_run(store: RunStore) -> dict:
    row = {}
    if store.path("config.yaml").exists():
        row |= _config_columns(yaml.safe_load(store.path("config.yaml").read_text()))
    if store.path("metrics.csv").exists():
        row |= _metric_columns(store.metrics())
    row |= _end_saturation(store)
    summary = store.summary()
    if summary is None:
        row["status"] = "running" if store.is_locked() else "incomplete"
        return row
    row["status"] = summary.get("status", "failed")
    row["error"] = summary.get("error", "")
    for key in ("examples_seen", "wall_s", "threads"):
        if summary.get(key) is not None:
            row[key] = summary[key]
    return row


def collect(runs_dir: str | Path = RUNS_DIR, experiment: str | None = None) -> list[dict]:
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise FileNotFoundError(f"no runs folder {runs_dir}: train something first")
    return [collect_run(p, runs_dir) for p in find_runs(runs_dir, experiment)]


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def read_csv(path: str | Path) -> list[dict]:
    """Rows back from a written table, numbers as numbers and empty cells as None."""

    def parse(v: str):
        for kind in (int, float):
            try:
                return kind(v)
            except ValueError:
                pass
        return v or None

    with open(path, newline="") as f:
        return [{k: parse(v) for k, v in row.items()} for row in csv.DictReader(f)]


def status_counts(rows: list[dict]) -> dict[str, int]:
    statuses, counts = [r["status"] for r in rows], {}
    for s in sorted(set(statuses)):
        counts[s] = statuses.count(s)
    return counts


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs-dir", default=str(RUNS_DIR))
    p.add_argument("--experiment", default=None, help="only runs_dir/<experiment>")
    p.add_argument("--out", default=None, help="CSV path (default results/<experiment>/runs.csv)")
    a = p.parse_args(argv)
    try:
        rows = collect(a.runs_dir, a.experiment)
    except FileNotFoundError as e:
        raise SystemExit(f"error: {e}") from None
    if not rows:
        where = Path(a.runs_dir) / (a.experiment or "")
        raise SystemExit(f"error: no run folders (seed=N) under {where}")
    out = Path(a.out) if a.out else REPO_ROOT / "results" / (a.experiment or "all") / "runs.csv"
    atomic_write_bytes(out, to_csv(rows).encode())
    counts = ", ".join(f"{n} {s}" for s, n in status_counts(rows).items())
    errors = [r["final_test_error"] for r in rows if r.get("final_test_error") is not None]
    span = f"; final test error {np.min(errors):.3f}-{np.max(errors):.3f}" if errors else ""
    for r in rows:
        if r["status"] == "unreadable":
            print(f"warning: {r['run_dir']}: {r['error']}")
    print(f"{len(rows)} runs ({counts}){span}\nwrote {out}")
    return rows


if __name__ == "__main__":
    main()
