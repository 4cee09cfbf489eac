"""The claims as data: every claim declared once and completely, the paper's numbers in the
declarations equal to the paper's table, every declaration judged by some rule, and the
report counting the paper's claims apart from ours, as declared."""

import re
from pathlib import Path

import pytest

from analysis.claims.index import BEYOND, CLAIMS, ONCE, PAPER, PER_PROFILE, Claim, _claims, claim
from analysis.claims.rules import HOLDS, Check
from analysis.report import render as report
from analysis.report import table1

ANALYSIS = Path(__file__).resolve().parent.parent / "analysis"


@pytest.mark.parametrize("c", CLAIMS.values(), ids=list(CLAIMS))
def test_every_claim_is_declared_completely(c: Claim):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.id)
    assert all(getattr(c, f).strip() for f in Claim.__dataclass_fields__)
    assert c.origin in (PAPER, BEYOND) and c.scale in (ONCE, PER_PROFILE)
    if c.origin == PAPER:  # the paper's: where in it, and never a rule passed off as its
        assert re.search(r"§\d", c.source), c.source
    assert c.rule.startswith("ours"), "every rule is ours: the paper states none"


def test_a_claim_is_declared_once_and_an_unknown_one_is_named():
    with pytest.raises(ValueError, match="declared twice"):
        _claims(CLAIMS["data-classes"], CLAIMS["data-classes"])
    with pytest.raises(KeyError, match="no claim 'fig99' is declared"):
        claim("fig99")


def test_the_paper_numbers_of_table1_claims_are_the_papers():
    """Every number a Table 1 declaration quotes is one of the paper's Table 1 (FACTS 5)."""
    paper = {f"{row[3]:.2f}" for row in table1.PAPER}
    paper |= {f"{v[0]:.2f}" for d in table1.PAPER_FINITE.values() for v in d.values()}
    for c in CLAIMS.values():
        if "Table 1" in c.source:
            for number in re.findall(r"(?<![~\d.])\d+\.\d+", c.asserts):  # not ~ reads
                assert f"{float(number):.2f}" in paper, (c.id, number)


def _code_ids() -> set[str]:
    """The ids the rule code names (literally, or as f-strings over the nets it loops on)."""
    text = "\n".join(p.read_text() for p in ANALYSIS.rglob("*.py") if p.name != "index.py")
    ids = set(re.findall(r'claim\("([a-z0-9-]+)"\)', text))
    for pattern in re.findall(r'claim\(f"([a-z0-9{}-]+)"\)', text):
        regex = re.sub(r"\{[^}]+\}", "[a-z0-9]+", pattern)
        ids |= {i for i in CLAIMS if re.fullmatch(regex, i)}
    return ids | set(re.findall(r'"([a-z0-9]+(?:-[a-z0-9]+)+)"', text)) & set(CLAIMS)


def test_every_declared_claim_is_judged_by_some_rule():
    assert set(CLAIMS) <= _code_ids()


def test_the_report_counts_the_papers_claims_apart_from_ours_as_declared():
    ours, papers = CLAIMS["relu30-he-trains"], CLAIMS["fig3-tanh-sequential-saturation"]
    checks = [("quick", Check(c, "", HOLDS), report.is_ours(Check(c, "", HOLDS)))
              for c in (ours, papers, papers)]  # fmt: skip
    text = "\n".join(report.summary(checks, ["quick"]))
    assert "**2 of the paper's claims about training, at `quick`: 2 hold" in text
    assert "**1 checks beyond the paper about training, at `quick`: 1 hold" in text
    index = "\n".join(report.claims_index(checks, ["quick"]))
    for c in CLAIMS.values():  # every declaration rendered, judged or said to be missing
        assert f"| `{c.id}` | {c.origin} | {c.source}: " in index
    assert "| `fig3-tanh-sequential-saturation` |" in index and "`quick`: holds x2" in index
    assert index.count("not checked") == len(CLAIMS) - 2
