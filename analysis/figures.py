"""Shared figure plumbing: where figures go, the setting stamp, atomic PNG + PDF saving."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
FIGURES_DIR = REPO_ROOT / "results" / "figures"


def stamp(fig, text: str) -> None:
    """Write the setting a figure was made at along its bottom edge."""
    fig.text(0.5, 0.005, text, ha="center", va="bottom", fontsize=7, color="0.35", wrap=True)


def save(fig, name: str, out_dir: str | os.PathLike | None = None) -> list[Path]:
    """Save `name`.png and `name`.pdf atomically; return their paths."""
    out = Path(out_dir) if out_dir is not None else FIGURES_DIR
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in ("png", "pdf"):
        target = out / f"{name}.{ext}"
        fd, tmp = tempfile.mkstemp(dir=out, suffix=f".{ext}")
        os.close(fd)
        try:
            # Fixed metadata keeps committed figures byte-stable across regenerations.
            meta = {"CreationDate": None} if ext == "pdf" else {"Software": None}
            fig.savefig(tmp, format=ext, dpi=150, metadata=meta)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
        paths.append(target)
    plt.close(fig)
    return paths
