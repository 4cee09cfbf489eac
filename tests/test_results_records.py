"""The committed run records (results/runs): complete runs only, the files the report and
figures read and nothing a killed run needs, well under 50 MB per profile."""

import json
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
RECORD = {"config.yaml", "metrics.csv", "summary.json", "probes.npz"}


def _tracked() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "results/runs"], cwd=REPO, capture_output=True, text=True
        )
    except FileNotFoundError:
        pytest.skip("git is not installed")
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    return [REPO / line for line in out.stdout.splitlines()]


def test_committed_runs_are_complete_compact_records():
    runs = defaultdict(set)
    for f in _tracked():
        runs[f.parent].add(f.name)
    if not runs:
        pytest.skip("no run records committed yet")
    per_profile = defaultdict(int)
    for run, names in runs.items():
        assert names <= RECORD, f"{run}: {sorted(names - RECORD)} do not belong in a record"
        assert {"config.yaml", "summary.json", "metrics.csv"} <= names, run
        status = json.loads((run / "summary.json").read_text())["status"]
        assert status in ("complete", "diverged"), f"{run} is {status}: commit finished runs"
        profile = yaml.safe_load((run / "config.yaml").read_text())["profile"]["name"]
        per_profile[profile] += sum((run / n).stat().st_size for n in names)
    assert max(per_profile.values()) < 50e6, dict(per_profile)
