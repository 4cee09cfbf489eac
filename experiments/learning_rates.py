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


def lookup(activation: str, init: str, depth: int, data: str = "shapeset",
           batch_norm: bool = False, model: str = "mlp",
           profile: str = "") -> tuple[float, str]:  # fmt: skip
    """A model's default rate and where it comes from, in words; the fallback's words begin
    with "fallback"."""
    table = _table()
    key = model_key(activation, init, int(depth), data, bool(batch_norm), model)
    own = (table.get("profiles") or {}).get(profile) or {}
    if key in own:
        return float(own[key]), f"conf/learning_rates.yaml, profiles.{profile}.{key}"
    if key in table["rates"]:
        return float(table["rates"][key]), f"conf/learning_rates.yaml, rates.{key}"
    return float(table["fallback"]), (
        f"fallback of conf/learning_rates.yaml: no searched rate for {key} "
        "(set optim.lr, or search one: docs/learning-rates.md)"
    )


def default_lr(activation: str, init: str, depth: int, data: str = "shapeset",
               batch_norm: bool = False, model: str = "mlp",
               profile: str = "") -> float:  # fmt: skip
    return lookup(activation, init, depth, data, batch_norm, model, profile)[0]


def rate_source(spec, by_default: bool = True) -> str:
    """Where a run's rate (`spec`: its schema.Config) came from, in words; `by_default`:
    optim.lr was left to its default (the composed config still holds the resolver)."""
    m = spec.model
    rate, source = lookup(spec.activation.name, spec.init.name, m.depth, spec.data.name,
                          m.batch_norm, m.name, spec.profile.name)  # fmt: skip
    if by_default and spec.optim.lr == rate:
        return source
    return "set in the config (command line or experiment)"
