"""Per-model default learning rates, chosen by a documented search (`make lr-search`).

The paper tuned the rate per model on validation error without giving the candidates;
`conf/learning_rates.yaml` records the rate our search picked for each (activation, init,
depth), and `optim.lr` defaults to it through the `lr_default` resolver. A model the search
did not cover gets the file's `fallback`; an explicit `optim.lr=...` always wins.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

TABLE = Path(__file__).resolve().parent.parent / "conf" / "learning_rates.yaml"


def model_key(activation: str, init: str, depth: int) -> str:
    return f"{activation}-{init}-d{depth}"


@cache
def _table() -> dict:
    return yaml.safe_load(TABLE.read_text())


def default_lr(activation: str, init: str, depth: int) -> float:
    table = _table()
    return float(table["rates"].get(model_key(activation, init, int(depth)), table["fallback"]))
