"""Analyses that compute their own small measurement (no training runs) keep it as one json
record under results/, so that the report and `--redraw` rebuild their tables and figures
from it in seconds, and a fresh clone redraws the committed ones byte for byte."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from analysis.runs.output import save
from analysis.runs.store import RunMissing
from shapeset.atomic import atomic_write_bytes


def record_parser(description: str, record: Path) -> argparse.ArgumentParser:
    """The options of a scan that keeps a record: --redraw, --record, --out."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--redraw", action="store_true", help="from the stored record, no nets")
    p.add_argument("--record", type=Path, default=record)
    p.add_argument("--out", default=None, help="output folder (default results/figures)")
    return p


def scan_main(description: str, record: Path, target: str, measure, table, draw, name: str,
              argv=None) -> None:  # fmt: skip
    """A scan's command line: measure (or --redraw) into its record, page and figure."""
    a = record_parser(description, record).parse_args(argv)
    measure_or_redraw(a.record, target, a.redraw, measure, table, draw, name, a.out)


def load_record(path: Path, target: str) -> dict:
    if not Path(path).exists():
        raise RunMissing(f"no {path}: run `make {target}`")
    return json.loads(Path(path).read_text())


def measure_or_redraw(
    path: Path,
    target: str,
    redraw: bool,
    measure: Callable[[], dict],
    table,
    draw,
    name: str,
    out_dir=None,
    md: Path | None = None,
) -> None:
    """Measure afresh (or, with `redraw`, read the stored record), then write the record,
    its markdown table (`md`, default `path` with .md) and the figure `name` (into
    `out_dir`, default results/figures)."""
    if redraw:
        try:
            record = load_record(path, target)
        except RunMissing as e:
            raise SystemExit(f"error: {e}") from None
    else:
        record = measure()
        atomic_write_bytes(path, json.dumps(record, indent=1).encode())
    md = Path(md or Path(path).with_suffix(".md"))
    atomic_write_bytes(md, table(record).encode())
    for p in [path, md, *save(draw(record), name, out_dir)]:
        print(f"wrote {p}")


def claim_lines(checks) -> list[str]:
    """A record's claims as markdown bullets (the report shows them as a table)."""
    return [f"- **{c.claim}** ({c.paper}): {c.ours}. Verdict: **{c.verdict}**." for c in checks]
