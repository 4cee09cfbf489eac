"""The layers import only downward: models and shapeset import nothing of the suite above
them, experiments never import analysis, and inside analysis the floors runs <- claims <-
scans <- figures <- report never import a higher one. Read from the source by `ast`, so a
new module is checked without editing this test."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ["runs", "claims", "scans", "figures", "report"]
# package -> the suite's packages it may import
ALLOWED = {
    "shapeset": {"shapeset"},
    "models": {"models"},
    "finite": {"finite", "shapeset"},
    "experiments": {"experiments", "models", "shapeset", "finite"},
    "analysis": {"analysis", "experiments", "models", "shapeset", "finite"},
}


def imported(path: Path) -> set[str]:
    """Every absolute module name `path` imports, at any depth of the file, plus the
    names it hands to importlib.import_module as literal text."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.ImportFrom):  # relative: inside its own package
            assert node.level == 1, f"{path}: an import from a parent package (level {node.level})"
        elif isinstance(node, ast.JoinedStr | ast.Constant) and isinstance(
            getattr(node, "value", None), str
        ):
            if node.value.startswith("analysis."):
                names.add(node.value)
    return names


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_downward(package):
    suite = set(ALLOWED)
    for path in sources(package):
        for name in imported(path):
            top = name.split(".")[0]
            assert top not in suite or top in ALLOWED[package], f"{path} imports {name}"


def test_analysis_floors_point_one_way():
    for path in sources("analysis"):
        rel = path.relative_to(ROOT / "analysis").parts
        if len(rel) == 1:
            continue  # the package's face
        here = FLOORS.index(rel[0])
        for name in imported(path):
            parts = name.split(".")
            if parts[0] == "analysis" and len(parts) > 1 and parts[1] in FLOORS:
                assert FLOORS.index(parts[1]) <= here, f"{path} imports {name}: a higher floor"


def test_the_check_sees_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from analysis.report import render\n")
    assert "analysis.report" in imported(bad)
    assert "analysis.report.render" in imported(bad)


def test_analysis_does_not_import_the_engine():
    for path in sources("analysis"):
        assert "experiments.engine" not in imported(path), path
