"""Each model's learning rate from the stored `lr_search` runs, by a rule written down
before any result was seen (docs/learning-rates.md); writes conf/learning_rates.yaml,
results/lr_search.md and results/lr_search.json.

    python -m analysis.report.lr_search [--runs-dir results/runs] [--plan] [--paper | --mnist]

`--plan` prints stage 2 instead: one line of Hydra overrides per model whose best rates
stage 1 cannot tell apart (more seeds for them), nothing for the others. `--paper` reads
the paper-scale search (`make lr-search-paper`: runs under `lr_search_paper`, 2.5e6
examples each, seed 0 only: a GPU lease has no room for stage 2, so close rates are
reported as a tie decided on seed 0) and writes the table's `profiles` sections `tenth` and
`paper` and results/lr_search_paper.{md,json}. `--mnist` reads the MNIST search (`make
lr-search-mnist`: runs under `lr_search_mnist`) and writes the table's `mnist/...` rates
and results/lr_search_mnist.{md,json}. `--conv` reads the conv nets' search (`make
lr-search-conv`: runs under `lr_search_conv`, a smaller budget than `make lr-search`'s: a
conv net trains through autograd, several times slower) and writes the `...-conv` rates and
results/lr_search_conv.{md,json}. Each search replaces only the rates it covers.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from analysis.claims.rules import CHANCE_BY_DATA
from analysis.runs.store import REPO_ROOT, RUNS_DIR
from experiments.learning_rates import TABLE, model_key
from experiments.run_store import RunStore
from shapeset.atomic import atomic_write_bytes


@dataclass(frozen=True)
class Scale:
    """One search: where its runs live, what it writes, which table section it fills."""

    experiment: str  # runs under <runs-dir>/<experiment>
    command: str
    sections: tuple[str, ...]  # (): the table's `rates`; else `profiles: <each>`
    stage2: bool  # whether close rates get more seeds (else: a tie decided on seed 0)
    data: str = "shapeset"  # the data set whose rates it writes (the others' are kept)
    model: str = "mlp"  # likewise the kind of net (conv nets have their own search)

    def covers(self, key: str) -> bool:
        """Whether a model key (experiments.learning_rates.model_key) is this search's."""
        return data_of(key) == self.data and key.endswith("-conv") == (self.model == "conv")


SCALES = {
    "search": Scale("lr_search", "make lr-search", (), True),
    # 2.5e6 examples per candidate: the `tenth` profile's whole budget, the paper's nearest
    "paper": Scale("lr_search_paper", "make lr-search-paper", ("tenth", "paper"), False),
    "mnist": Scale("lr_search_mnist", "make lr-search-mnist", (), True, "mnist"),
    "conv": Scale("lr_search_conv", "make lr-search-conv", (), True, model="conv"),
}
CHANCE = CHANCE_BY_DATA
TOLD_APART = 2.0  # standard errors between two rates for the better one to count as better
STAGE2_SEEDS = (1, 2)
STAGE2_RATES = 3  # at most this many rates of one model get stage 2's seeds
RULE = (
    "Stage 1: every rate, seed 0; score = validation error at the end of the budget. A model "
    f"whose best rate is within {TOLD_APART:g} SE of chance (Shapeset "
    f"{100 * CHANCE['shapeset']:.1f}%, MNIST {100 * CHANCE['mnist']:.1f}%) gets its "
    "largest finished rate (every rate is stuck; the largest moves furthest). Otherwise the "
    f"rates within {TOLD_APART:g} SE of the best (at most {STAGE2_RATES}, best first) get "
    f"seeds {', '.join(map(str, STAGE2_SEEDS))} too (stage 2) and are ranked by their mean over "
    "the 3 seeds. The lowest score wins (an exact tie: the larger rate); a rate that diverged "
    "on any seed never wins. SE of a score: the larger of the binomial SE of the validation "
    "set and the spread over seeds, each / sqrt(seeds); margin = (runner-up - chosen) / "
    f"sqrt(SE1^2 + SE2^2); below {TOLD_APART:g}: a tie."
)
NO_STAGE2 = (
    "At this scale stage 2 does not run (a GPU lease has no room for the extra seeds): rates "
    "within 2 SE of the best on seed 0 are reported as 'tie (seed 0 only)', the best on seed "
    "0 chosen."
)


@dataclass
class Candidate:
    """One rate of one model: the final validation error of each of its runs by seed."""

    lr: float
    errors: dict[int, float] = field(default_factory=dict)  # complete runs only
    failed: list[int] = field(default_factory=list)  # seeds that diverged or failed
    valid_size: int = 0

    def on(self, seeds) -> Candidate:
        return Candidate(
            self.lr,
            {s: e for s, e in self.errors.items() if s in seeds},
            [s for s in self.failed if s in seeds],
            self.valid_size,
        )

    @property
    def score(self) -> float:
        return statistics.fmean(self.errors.values())

    @property
    def se(self) -> float:
        k, p = len(self.errors), self.score
        binomial = math.sqrt(p * (1 - p) / self.valid_size)
        spread = statistics.stdev(self.errors.values()) if k > 1 else 0.0
        return max(binomial, spread) / math.sqrt(k)


def data_of(key: str) -> str:
    """The data set of a model key (experiments.learning_rates.model_key)."""
    return key.split("/")[0] if "/" in key else "shapeset"


def margin(best: Candidate, other: Candidate) -> float:
    return (other.score - best.score) / math.hypot(best.se, other.se)


def ranked(candidates) -> list[Candidate]:
    """Finished candidates, best first (exact ties: the larger rate first)."""
    ok = [c for c in candidates if c.errors and not c.failed]
    return sorted(ok, key=lambda c: (c.score, -c.lr))


@dataclass
class Decision:
    chosen: float | None
    verdict: str  # "clear", "tie", "at chance", "stage 2 pending", "none finished"
    runner_up: float | None = None
    margin_se: float | None = None
    stage2: list[float] = field(default_factory=list)  # rates given stage 2's seeds


def decide(
    candidates: dict[float, Candidate], with_stage2: bool = True, chance: float = CHANCE["shapeset"]
) -> Decision:
    """The rule above, on one model's candidates; without stage 2, rates stage 1 cannot
    tell apart are a tie decided on seed 0."""
    first = ranked(c.on({0}) for c in candidates.values())
    if not first:
        return Decision(None, "none finished")
    best = first[0]
    if best.score >= chance - TOLD_APART * best.se:
        return Decision(max(c.lr for c in first), "at chance")
    close = [c for c in first if c is best or margin(best, c) < TOLD_APART][:STAGE2_RATES]
    if len(close) > 1 and not with_stage2:
        return Decision(best.lr, "tie (seed 0 only)", first[1].lr, margin(best, first[1]))
    if len(close) == 1:
        ru = first[1] if len(first) > 1 else None
        return Decision(best.lr, "clear", ru and ru.lr, ru and margin(best, ru))
    stage2 = [c.lr for c in close]
    seeds = {0, *STAGE2_SEEDS}
    runs = [candidates[lr].on(seeds) for lr in stage2]
    if any(set(c.errors) | set(c.failed) != seeds for c in runs):
        return Decision(None, "stage 2 pending", stage2=stage2)
    final = ranked(runs)
    if not final:
        return Decision(None, "none finished", stage2=stage2)
    if len(final) == 1:
        return Decision(final[0].lr, "clear", stage2=stage2)
    m = margin(final[0], final[1])
    verdict = "tie" if m < TOLD_APART else "clear"
    return Decision(final[0].lr, verdict, final[1].lr, m, stage2)


def collect(
    runs_dir: Path, experiment: str = "lr_search", data_set: str = "shapeset"
) -> tuple[dict[str, dict[float, Candidate]], dict[str, str], int]:
    """model key -> lr -> candidate; model key -> its overrides beside the experiment's own
    (whose data set is `data_set`); the budget in examples."""
    found: dict[str, dict[float, Candidate]] = defaultdict(dict)
    overrides, budgets = {}, set()
    for summary_path in sorted((runs_dir / experiment).rglob("summary.json")):
        store = RunStore(summary_path.parent)
        s = store.summary()
        cfg = yaml.safe_load(store.path("config.yaml").read_text())
        act, init, depth = cfg["activation"]["name"], cfg["init"]["name"], cfg["model"]["depth"]
        data = cfg.get("data", {}).get("name", "shapeset")
        bn, net = bool(cfg["model"].get("batch_norm", False)), cfg["model"].get("name", "mlp")
        key = model_key(act, init, depth, data, bn, net)
        overrides[key] = f"activation={act} init={init} model.depth={depth}"
        overrides[key] += "" if data == data_set else f" data={data}"
        overrides[key] += " model.batch_norm=true" if bn else ""
        overrides[key] += "" if net == "mlp" else f" model={net}"
        lr = float(cfg["optim"]["lr"])
        c = found[key].setdefault(lr, Candidate(lr, valid_size=cfg["profile"]["valid_size"]))
        if (seed := int(cfg["seed"])) in c.errors or seed in c.failed:  # e.g. two conv fans
            raise SystemExit(
                f"error: two {experiment} runs of {key} at rate {lr:g}, seed {seed} (one is "
                f"{store.dir}): a search compares one net per rate and seed"
            )
        if s["status"] == "complete":
            c.errors[seed] = s["final_valid_error"]
        else:
            c.failed.append(seed)
        budgets.add(cfg["profile"]["examples"])
    if len(budgets) > 1:
        raise SystemExit(f"error: {experiment} runs of several budgets {sorted(budgets)}")
    return found, overrides, budgets.pop() if budgets else 0


def title(scale: Scale) -> str:
    nets = " for the conv nets" if scale.model == "conv" else ""
    return nets + (" on MNIST" if scale.data == "mnist" else "")


def _cell(c: Candidate | None, chosen: bool) -> str:
    if c is None:
        return "-"
    if not c.errors:
        return "diverged" if c.failed else "-"
    text = f"{100 * c.score:.2f}"
    if len(c.errors) > 1:
        text += f" ±{100 * statistics.stdev(c.errors.values()):.2f} ({len(c.errors)} seeds)"
    if c.failed:
        text += f", diverged at seed {', '.join(map(str, c.failed))}"
    return f"**{text}**" if chosen else text


def report(found, decisions, budget, scale: Scale = SCALES["search"]) -> str:
    lrs = sorted({lr for c in found.values() for lr in c})
    valid = max(c.valid_size for cs in found.values() for c in cs.values())
    rows = [
        "| model | " + " | ".join(f"{lr:g}" for lr in lrs) + " |",
        "|---|" + "---|" * len(lrs),
    ]
    for key in sorted(found):
        chosen = decisions[key].chosen
        cells = [_cell(found[key].get(lr), lr == chosen) for lr in lrs]
        rows.append(f"| {key} | " + " | ".join(cells) + " |")
    rows += ["", "| model | chosen | runner-up | margin (SE) | verdict | stage 2 rates |"]
    rows.append("|---|---|---|---|---|---|")
    for key in sorted(found):
        d = decisions[key]
        cells = [
            "-" if d.chosen is None else f"{d.chosen:g}",
            "-" if d.runner_up is None else f"{d.runner_up:g}",
            "-" if d.margin_se is None else f"{d.margin_se:.1f}",
            d.verdict,
            ", ".join(f"{lr:g}" for lr in d.stage2) or "-",
        ]
        rows.append(f"| {key} | " + " | ".join(cells) + " |")
    return (
        f"# Learning-rate search{title(scale)}\n\n"
        f"Validation error (%) on {valid:,} validation examples after {budget:,} training "
        f"examples per run, per model (rows) and learning rate (columns); "
        f"seed 0, or the mean ± std over seeds where stage 2 ran; chosen in bold. Generated by "
        f"`{scale.command}` (analysis/report/lr_search.py).\n\nThe rule: {RULE}"
        + ("" if scale.stage2 else f" {NO_STAGE2}")
        + "\n\n"
        + "\n".join(rows)
        + "\n"
    )


def _rate(v: float) -> str:
    """A rate as YAML reads back as a float: PyYAML takes 1e-05 for a string, 1.0e-05 not."""
    text = f"{v:g}"
    return text.replace("e", ".0e") if "e" in text and "." not in text else text


def table_text(table: dict) -> str:
    """conf/learning_rates.yaml: the header, the rates at `search`'s budget and a section
    per profile searched at its own."""
    lines = [
        "# Default learning rate per model (activation-init-depth), read by `optim.lr`'s",
        "# default. `rates`: written by `make lr-search` (2.5e5 examples per candidate), for",
        "# every profile; the `mnist/...` keys by `make lr-search-mnist` (1e5 examples: 2",
        "# epochs); the `...-conv` keys by `make lr-search-conv` (5e4); `profiles`: by `make",
        "# lr-search-paper` (2.5e6), read first by the profiles they name.",
        "# results/lr_search*.md: every candidate, the rule, each margin.",
        f"fallback: {_rate(table['fallback'])}",
        "rates:",
        *[f"  {k}: {_rate(v)}" for k, v in sorted(table["rates"].items())],
    ]
    if table.get("profiles"):
        lines.append("profiles:")
        for name, rates in sorted(table["profiles"].items()):
            lines += [f"  {name}:", *[f"    {k}: {_rate(v)}" for k, v in sorted(rates.items())]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs-dir", default=str(RUNS_DIR))
    p.add_argument("--plan", action="store_true", help="print stage 2's overrides and stop")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--paper", action="store_true", help="the paper-scale search (see above)")
    which.add_argument("--mnist", action="store_true", help="the MNIST search (see above)")
    which.add_argument("--conv", action="store_true", help="the conv nets' search (see above)")
    a = p.parse_args(argv)
    scale = SCALES[next((k for k in ("paper", "mnist", "conv") if getattr(a, k)), "search")]
    found, overrides, budget = collect(Path(a.runs_dir), scale.experiment, scale.data)
    if not found:
        raise SystemExit(
            f"error: no {scale.experiment} runs under {a.runs_dir}; run `{scale.command}` first"
        )
    if strays := sorted(k for k in found if not scale.covers(k)):
        nets = "conv nets" if scale.model == "conv" else "dense nets"
        raise SystemExit(
            f"error: {a.runs_dir}/{scale.experiment} holds runs that `{scale.command}` does "
            f"not cover (it searches {scale.data}'s {nets} only): {', '.join(strays)}"
        )
    decisions = {key: decide(c, scale.stage2, CHANCE[scale.data]) for key, c in found.items()}
    if a.plan:
        for key, d in sorted(decisions.items()):
            if d.stage2:
                rates = ",".join(repr(lr) for lr in d.stage2)
                seeds = ",".join(map(str, STAGE2_SEEDS))
                print(f"{overrides[key]} optim.lr={rates} seed={seeds}")
        return
    pending = [k for k, d in decisions.items() if d.verdict == "stage 2 pending"]
    if pending:
        raise SystemExit(f"error: stage 2 has not run for {', '.join(sorted(pending))}")
    text = report(found, decisions, budget, scale)
    out = REPO_ROOT / "results" / scale.experiment
    atomic_write_bytes(out.with_suffix(".md"), text.encode())
    record = {k: vars(d) for k, d in sorted(decisions.items())}
    atomic_write_bytes(
        out.with_suffix(".json"),
        (json.dumps({"budget": budget, "decisions": record}, indent=1) + "\n").encode(),
    )
    table = yaml.safe_load(TABLE.read_text()) if TABLE.exists() else {"fallback": 0.01}
    chosen = {k: d.chosen for k, d in decisions.items() if d.chosen is not None}
    table["rates"] = table.get("rates") or {}
    table["profiles"] = table.get("profiles") or {}
    if not scale.sections:  # the rates this search covers replaced, the others kept
        kept = {k: v for k, v in table["rates"].items() if not scale.covers(k)}
        table["rates"] = kept | chosen
    for section in scale.sections:
        table["profiles"][section] = chosen
    atomic_write_bytes(TABLE, table_text(table).encode())
    print(text)
    print(f"wrote {TABLE}, {out.with_suffix('.md')} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
