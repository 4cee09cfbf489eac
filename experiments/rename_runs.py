"""Move stored runs into the folders their own configs name (experiments/run_identity.py),
as after a change of the naming rule; each seed folder moves whole, its files untouched.

    python -m experiments.rename_runs [--runs-dir DIR] [--dry-run]

A run whose folder is already right stays; two folders holding the same run (config and
seed) are reported and left as they are, for a person to choose.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from experiments import schema
from experiments.run_identity import run_name


def planned_moves(runs_dir: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(from, to) for every seed folder not where its config names it; and the conflicts."""
    moves, conflicts, targets = [], [], {}
    for config_file in sorted(runs_dir.glob("*/*/seed=*/config.yaml")):
        seed_dir = config_file.parent
        config = yaml.safe_load(config_file.read_text())
        target = runs_dir / seed_dir.parent.parent.name / run_name(config) / seed_dir.name
        if target in targets or (target != seed_dir and target.exists()):
            other = targets.get(target, target)
            conflicts.append(f"{seed_dir} and {other} hold the same run")
            continue
        targets[target] = seed_dir
        if target != seed_dir:
            moves.append((seed_dir, target))
    return moves, conflicts


def rename(runs_dir: Path, dry_run: bool = False) -> int:
    moves, conflicts = planned_moves(runs_dir)
    for old, new in moves:
        print(f"{old.relative_to(runs_dir)} -> {new.relative_to(runs_dir)}")
        if not dry_run:
            new.parent.mkdir(parents=True, exist_ok=True)
            old.rename(new)
            if not any(old.parent.iterdir()):
                old.parent.rmdir()
    for line in conflicts:
        print(f"left as is: {line}", file=sys.stderr)
    print(f"{len(moves)} run folders {'to move' if dry_run else 'moved'}, "
          f"{len(conflicts)} conflicts")  # fmt: skip
    return len(moves)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs-dir", default=str(schema.REPO_ROOT / "results" / "runs"))
    p.add_argument("--dry-run", action="store_true", help="print the moves, make none")
    a = p.parse_args()
    runs_dir = Path(a.runs_dir)
    if not runs_dir.is_dir():
        raise SystemExit(f"error: {runs_dir}: no such runs folder")
    schema.register()  # the learning-rate resolver the configs' groups use
    rename(runs_dir, a.dry_run)


if __name__ == "__main__":
    main()
