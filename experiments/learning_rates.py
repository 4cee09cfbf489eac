"""Per-model default learning rates, chosen by a documented search (`make lr-search`).

The paper tuned the rate per model on validation error without giving the candidates;
`conf/learning_rates.yaml` records the rate our search picked for each (activation, init,
depth, data set), and `optim.lr` defaults to it through the `lr_default` resolver. A model
the search did not cover gets the file's `fallback`; an explicit `optim.lr=...` wins. A
profile with its own section (`profiles: {tenth: ..., paper: ...}`, from `make
lr-search-paper`) takes its rates from there first: the best rate after 2.5e6 examples need
not be the best after 2.5e5.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

TABLE = Path(__file__).resolve().parent.parent / "conf" / "learning_rates.yaml"


def model_key(activation: str, init: str, depth: int, data: str = "shapeset",
              batch_norm: bool = False, model: str = "mlp") -> str:  # fmt: skip
    """e.g. tanh-normalized-d5 (Shapeset-3x2), mnist/tanh-normalized-d5 (another data set),
    tanh-standard-d5-bn (with batch norm), relu-he-d3-conv (a conv net)."""
    key = f"{activation}-{init}-d{depth}" + ("-bn" if batch_norm else "")
    key += "" if model == "mlp" else f"-{model}"
    return key if data == "shapeset" else f"{data}/{key}"


@cache
def _table() -> dict:
    return yaml.safe_load(TABLE.read_text())


def default_lr(activation: str, init: str, depth: int, data: str = "shapeset",
               batch_norm: bool = False, model: str = "mlp",
               profile: str = "") -> float:  # fmt: skip
    table = _table()
    key = model_key(activation, init, int(depth), data, bool(batch_norm), model)
    own = (table.get("profiles") or {}).get(profile) or {}
    return float(own.get(key, table["rates"].get(key, table["fallback"])))
