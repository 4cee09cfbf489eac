"""Each model's learning rate from the stored `lr_search` runs, by a rule written down
before any result was seen (README, "Learning rates"); writes conf/learning_rates.yaml,
results/lr_search.md and results/lr_search.json.

    python -m analysis.lr_search [--runs-dir results/runs] [--plan]

`--plan` prints stage 2 instead: one line of Hydra overrides per model whose best rates
stage 1 cannot tell apart (more seeds for them), nothing for the others.
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

from experiments.learning_rates import TABLE, model_key
from experiments.run_store import RunStore
from shapeset.atomic import atomic_write_bytes

from .runs import REPO_ROOT, RUNS_DIR

COMMAND = "make lr-search"
CHANCE = 5 / 6  # error of always answering the commonest class (1/6; FACTS section 2)
TOLD_APART = 2.0  # standard errors between two rates for the better one to count as better
STAGE2_SEEDS = (1, 2)
STAGE2_RATES = 3  # at most this many rates of one model get stage 2's seeds
RULE = (
    "Stage 1: every rate, seed 0; score = validation error at the end of the budget. A model "
    f"whose best rate is within {TOLD_APART:g} SE of chance ({100 * CHANCE:.1f}%) gets its "
    "largest finished rate (every rate is stuck; the largest moves furthest). Otherwise the "
    f"rates within {TOLD_APART:g} SE of the best (at most {STAGE2_RATES}, best first) get "
    f"seeds {', '.join(map(str, STAGE2_SEEDS))} too (stage 2) and are ranked by their mean over "
    "the 3 seeds. The lowest score wins (an exact tie: the larger rate); a rate that diverged "
    "on any seed never wins. SE of a score: the larger of the binomial SE of the validation "
    "set and the spread over seeds, each / sqrt(seeds); margin = (runner-up - chosen) / "
    f"sqrt(SE1^2 + SE2^2); below {TOLD_APART:g}: a tie."
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


def decide(candidates: dict[float, Candidate]) -> Decision:
    """The rule above, on one model's candidates."""
    first = ranked(c.on({0}) for c in candidates.values())
    if not first:
        return Decision(None, "none finished")
    best = first[0]
    if best.score >= CHANCE - TOLD_APART * best.se:
        return Decision(max(c.lr for c in first), "at chance")
    close = [c for c in first if c is best or margin(best, c) < TOLD_APART][:STAGE2_RATES]
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


def collect(runs_dir: Path) -> tuple[dict[str, dict[float, Candidate]], dict[str, str], int]:
    """model key -> lr -> candidate; model key -> its overrides; the budget in examples."""
    found: dict[str, dict[float, Candidate]] = defaultdict(dict)
    overrides, budgets = {}, set()
    for summary_path in sorted((runs_dir / "lr_search").rglob("summary.json")):
        store = RunStore(summary_path.parent)
        s = store.summary()
        cfg = yaml.safe_load(store.path("config.yaml").read_text())
        act, init, depth = cfg["activation"]["name"], cfg["init"]["name"], cfg["model"]["depth"]
        data = cfg.get("data", {}).get("name", "shapeset")
        bn, net = bool(cfg["model"].get("batch_norm", False)), cfg["model"].get("name", "mlp")
        key = model_key(act, init, depth, data, bn, net)
        overrides[key] = f"activation={act} init={init} model.depth={depth}"
        overrides[key] += "" if data == "shapeset" else f" data={data}"
        overrides[key] += " model.batch_norm=true" if bn else ""
        overrides[key] += "" if net == "mlp" else f" model={net}"
        lr = float(cfg["optim"]["lr"])
        c = found[key].setdefault(lr, Candidate(lr, valid_size=cfg["profile"]["valid_size"]))
        if s["status"] == "complete":
            c.errors[int(cfg["seed"])] = s["final_valid_error"]
        else:
            c.failed.append(int(cfg["seed"]))
        budgets.add(cfg["profile"]["examples"])
    if len(budgets) > 1:
        raise SystemExit(f"error: lr_search runs of several budgets {sorted(budgets)}")
    return found, overrides, budgets.pop() if budgets else 0


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


def report(found, decisions, budget) -> str:
    lrs = sorted({lr for c in found.values() for lr in c})
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
        "# Learning-rate search\n\n"
        f"Validation error (%) on 10,000 validation examples after {budget:,} training "
        f"examples per run (profile `search`), per model (rows) and learning rate (columns); "
        f"seed 0, or the mean ± std over seeds where stage 2 ran; chosen in bold. Generated by "
        f"`{COMMAND}` (analysis/lr_search.py).\n\nThe rule: {RULE}\n\n" + "\n".join(rows) + "\n"
    )


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs-dir", default=str(RUNS_DIR))
    p.add_argument("--plan", action="store_true", help="print stage 2's overrides and stop")
    p.add_argument("--data", default=None, help="with --plan: only this data set's models")
    a = p.parse_args(argv)
    found, overrides, budget = collect(Path(a.runs_dir))
    if not found:
        raise SystemExit(f"error: no lr_search runs under {a.runs_dir}; run `{COMMAND}` first")
    decisions = {key: decide(c) for key, c in found.items()}
    if a.plan:
        for key, d in sorted(decisions.items()):
            data = key.split("/")[0] if "/" in key else "shapeset"
            if d.stage2 and a.data in (None, data):
                rates = ",".join(repr(lr) for lr in d.stage2)
                seeds = ",".join(map(str, STAGE2_SEEDS))
                print(f"{overrides[key]} optim.lr={rates} seed={seeds}")
        return
    pending = [k for k, d in decisions.items() if d.verdict == "stage 2 pending"]
    if pending:
        raise SystemExit(f"error: stage 2 has not run for {', '.join(sorted(pending))}")
    text = report(found, decisions, budget)
    atomic_write_bytes(REPO_ROOT / "results" / "lr_search.md", text.encode())
    record = {k: vars(d) for k, d in sorted(decisions.items())}
    atomic_write_bytes(
        REPO_ROOT / "results" / "lr_search.json",
        (json.dumps({"budget": budget, "decisions": record}, indent=1) + "\n").encode(),
    )
    lines = [
        "# Default learning rate per model (activation-init-depth), read by `optim.lr`'s",
        f"# default. Written by `{COMMAND}` after {budget:,} examples per candidate: see",
        "# results/lr_search.md for every candidate, the rule and each choice's margin.",
        "fallback: 0.01",
        "rates:",
        *[f"  {k}: {d.chosen:g}" for k, d in sorted(decisions.items()) if d.chosen is not None],
    ]
    atomic_write_bytes(TABLE, ("\n".join(lines) + "\n").encode())
    print(text)
    print(f"wrote {TABLE}, results/lr_search.md and results/lr_search.json")


if __name__ == "__main__":
    main()
