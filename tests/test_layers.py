"""The package's layering: losses at the bottom (pure NumPy), models/autodiff/active/check above
it, plots and widgets on top; no module imports a layer above its own, and none imports a notebook."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lossbook"
TOP = {"plots", "widgets"}


def layer(module: str) -> int:
    """0: losses; 2: plots/widgets (any module named plots* or under widgets/); 1: the rest."""
    first = module.split(".")[1] if "." in module else module
    if first == "losses":
        return 0
    if first in TOP or first.startswith("plots"):
        return 2
    return 1


def lossbook_imports(path: Path) -> list[str]:
    module = "lossbook." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    module = module.removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                found += [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            elif node.module and node.module.startswith("lossbook"):
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("lossbook")]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_no_upward_imports(path):
    module = "lossbook." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    if module == "lossbook" or module == "lossbook.__init__":
        return
    for target in lossbook_imports(path):
        if target == "lossbook":
            continue
        assert layer(target) <= layer(module), f"{module} imports {target}, a higher layer"


def test_losses_is_pure_numpy():
    for path in (PACKAGE / "losses").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        assert names <= {"numpy", "__future__", "difflib", "inspect", "numbers", "dataclasses", "typing", "math"}, (path, names)
