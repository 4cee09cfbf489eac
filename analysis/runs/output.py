"""Where analysis writes: the figures folder, the setting stamp, atomic PNG + PDF saving."""

from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from analysis.runs.store import REPO_ROOT  # noqa: E402
from shapeset.atomic import atomic_write_bytes  # noqa: E402

FIGURES_DIR = REPO_ROOT / "results" / "figures"


def profile_suffix(profile: str, default: str = "quick") -> str:
    """File-name suffix of a figure made at `profile`: none at the figure's default."""
    return "" if profile == default else f"_{profile}"


def stamp(fig, text: str) -> None:
    """Write the setting a figure was made at along its bottom edge."""
    fig.text(0.5, 0.005, text, ha="center", va="bottom", fontsize=7, color="0.35", wrap=True)


def save(fig, name: str, out_dir: str | os.PathLike | None = None) -> list[Path]:
    """Save `name`.png and `name`.pdf atomically; return their paths."""
    out = Path(out_dir) if out_dir is not None else FIGURES_DIR
    paths = []
    for ext in ("png", "pdf"):
        buf = io.BytesIO()
        # Fixed metadata keeps committed figures byte-stable across regenerations.
        meta = {"CreationDate": None} if ext == "pdf" else {"Software": None}
        fig.savefig(buf, format=ext, dpi=150, metadata=meta)
        atomic_write_bytes(out / f"{name}.{ext}", buf.getvalue())
        paths.append(out / f"{name}.{ext}")
    plt.close(fig)
    return paths
