"""The architecture's rules that code review alone would let drift (docs/architecture.md):
dependencies point down the layers, and modules and classes stay small enough to read."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("applications", "myriad", "pycast", "benchmarks")
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 300
#: what each layer must never import
FORBIDDEN = {"myriad": ("applications", "benchmarks", "tests"), "pycast": ("myriad", "applications", "benchmarks"),
             "applications": ("benchmarks", "tests")}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_one_above_it(layer):
    wrong = {str(path.relative_to(ROOT)): sorted(_imported(ast.parse(path.read_text())) & set(FORBIDDEN[layer]))
             for path in _modules(layer)}
    assert {path: names for path, names in wrong.items() if names} == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_and_classes_are_small(package):
    too_long = []
    for path in _modules(package):
        text = path.read_text()
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                too_long.append(f"{path.relative_to(ROOT)}: class {node.name}, "
                                f"{node.end_lineno - node.lineno + 1} lines")
    assert too_long == []


def test_the_checks_see_a_violation(tmp_path):
    """The rules above would notice: an upward import and an oversized class are found."""
    tree = ast.parse("from applications.neuro import HH\nimport myriad.abi\n")
    assert _imported(tree) == {"applications", "myriad"}
    big = ast.parse("class Big:\n" + "    x = 1\n" * (MAX_CLASS_LINES + 1))
    assert big.body[0].end_lineno - big.body[0].lineno + 1 > MAX_CLASS_LINES
