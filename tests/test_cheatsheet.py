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
            assert f"{library}: {cheatsheet.counterpart(counterpart)}" in table, (name, library)
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


# ------------------------------------------------------------------------------------------------
# Counterparts: real, fully qualified API names
# ------------------------------------------------------------------------------------------------

# How each library's names begin when written as one imports or calls them.
QUALIFIED = {"scikit-learn": ("sklearn.",), "PyTorch": ("torch.", "torchvision."), "Keras": ("keras.",),
             "SciPy": ("scipy.",)}
# Names of other things than the loss they were listed for (HingeEmbeddingLoss is a loss on
# distances of pairs; CosineEmbeddingLoss compares cosines, not the contrastive loss's distances).
MISLEADING = ("HingeEmbeddingLoss", "CosineEmbeddingLoss")


def api_name(text: str) -> str:
    """The dotted name a counterpart starts with, without its arguments and remark."""
    return re.match(r"[A-Za-z_][\w.]*", text).group(0)


@pytest.mark.parametrize("name", list(L.REGISTRY))
def test_counterparts_are_fully_qualified_api_names(name):
    for library, text in L.REGISTRY[name].counterparts.items():
        assert library in QUALIFIED, f"{name}: unknown library {library!r} (known: {sorted(QUALIFIED)})"
        assert text.startswith(QUALIFIED[library]), (
            f"{name}: {library} counterpart {text!r} is not a fully qualified name ({' or '.join(QUALIFIED[library])}...)")
        # one name (with its arguments), then at most a remark in parentheses: no alternatives
        # ("SVR / LinearSVR"), no prose instead of a name ("1 − Accuracy", "(none built in)")
        assert re.fullmatch(r"`[^`]+`( \(.+\))?", cheatsheet.counterpart(text)), (
            f"{name}: {library} counterpart {text!r} is not one API name and a remark")
        assert not any(m in text for m in MISLEADING), f"{name}: {text!r} names another loss"


@pytest.mark.parametrize("name", list(L.REGISTRY))
def test_scikit_learn_and_scipy_counterparts_exist(name):
    """The libraries installed with the course: every name resolves (PyTorch and Keras are not
    installed; their names are checked against their documentation when they are written)."""
    import importlib

    for library, text in L.REGISTRY[name].counterparts.items():
        if library not in ("scikit-learn", "SciPy"):
            continue
        parts = api_name(text).split(".")
        for i in range(len(parts) - 1, 0, -1):  # the longest importable module prefix
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            for attribute in parts[i:]:
                obj = getattr(obj, attribute, None)
            break
        assert obj is not None and callable(obj), f"{name}: {library} has no {api_name(text)}"


def test_a_counterpart_is_code_and_its_remark_text():
    assert cheatsheet.counterpart("torch.nn.HuberLoss") == "`torch.nn.HuberLoss`"
    assert cheatsheet.counterpart("torch.nn.KLDivLoss (takes log q)") == "`torch.nn.KLDivLoss` (takes log q)"
    assert (cheatsheet.counterpart('sklearn.linear_model.SGDRegressor(loss="huber") (a model)')
            == '`sklearn.linear_model.SGDRegressor(loss="huber")` (a model)')
    assert (cheatsheet.counterpart("torch.nn.functional.cross_entropy(q @ k.T / τ, torch.arange(n))")
            == "`torch.nn.functional.cross_entropy(q @ k.T / τ, torch.arange(n))`")
    for none in (None, "", "—"):
        assert cheatsheet.counterpart(none) == cheatsheet.NONE == "—"
    with pytest.raises(ValueError, match="text must be a string or None; got int"):
        cheatsheet.counterpart(3)


def test_a_library_without_a_counterpart_shows_a_dash():
    custom = {"pseudo_huber": L.pseudo_huber}
    table = cheatsheet.counterparts_table(registry=custom)
    assert "scikit-learn: —" in table and "PyTorch: —" in table and "Keras: —" in table
