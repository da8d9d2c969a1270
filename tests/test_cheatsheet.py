"""lossbook.cheatsheet: the cheat sheet's tables come from REGISTRY, every loss once, and survive
Markdown (no stray bars in the math, every source a citation of a key in references.bib)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lossbook.losses as L
from lossbook import cheatsheet

ROOT = Path(__file__).resolve().parents[1]


def test_every_loss_appears_once_in_the_table_of_its_task():
    tables = {task: cheatsheet.loss_table(task) for task in L.TASKS}
    for name, loss in L.REGISTRY.items():
        rows = [t for t in tables.values() if f"* - `{name}" in t]
        assert len(rows) == 1 and f"* - `{name}" in tables[loss.task], name
        table = tables[loss.task]
        assert cheatsheet.math(loss.formula) in table and cheatsheet.math(loss.gradient_formula) in table
        assert f"{{cite:t}}`{loss.reference}`" in table
        assert loss.summary in table


def test_counterparts_list_every_loss_and_every_recorded_name():
    table = cheatsheet.counterparts_table()
    for name, loss in L.REGISTRY.items():
        assert f"* - `{name}`" in table
        for library, counterpart in loss.counterparts.items():
            assert f"{library}: " in table and counterpart in table, (name, library)
    assert "PyTorch: —" in table  # a library without a counterpart says so


def test_math_has_no_bare_bars_and_keeps_the_formula():
    assert cheatsheet.math(r"|y-\hat y|") == r"$\vert y-\hat y\vert$"
    assert cheatsheet.math(r"\mathrm{KL}(p\,\|\,q)") == r"$\mathrm{KL}(p\,\Vert \,q)$"
    for loss in L.REGISTRY.values():
        assert "|" not in cheatsheet.math(loss.formula) + cheatsheet.math(loss.gradient_formula), loss.name


def test_every_source_is_in_the_bibliography():
    keys = set(re.findall(r"@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text()))
    for loss in L.REGISTRY.values():
        assert loss.reference in keys, f"{loss.name}: {loss.reference} is not in references.bib"


def test_tables_are_well_formed_list_tables():
    for text in [cheatsheet.loss_table(t) for t in L.TASKS] + [cheatsheet.counterparts_table()]:
        lines = text.splitlines()
        assert lines[0] == "```{list-table}" and lines[-1] == "```" and ":header-rows: 1" in lines
        body = [ln for ln in lines[1:-1] if ln and not ln.startswith(":")]
        assert all(ln.startswith(("* - ", "  - ", "    ")) for ln in body), text[:300]
        assert not any(ln.strip() == "" and ln for ln in lines), "blank lines must be empty (no spaces)"


def test_a_custom_registry_and_clear_errors():
    custom = {"mse": L.mse}
    assert "`mse`" in cheatsheet.loss_table("regression", registry=custom)
    with pytest.raises(ValueError, match="no loss with task 'ranking'"):
        cheatsheet.loss_table("ranking", registry=custom)
    with pytest.raises(ValueError, match="task must be one of .* got 'vision'"):
        cheatsheet.loss_table("vision")
    with pytest.raises(ValueError, match="latex must be a string; got int"):
        cheatsheet.math(3)
