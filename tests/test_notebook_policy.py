"""The rules every notebook in book/ follows, checked on the committed files.

nbval then re-executes each notebook and compares its outputs (strict mode); these tests make sure
nothing has been excused from that comparison that should not be, and that what the reader sees
was produced by a clean top-to-bottom run.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import nbformat
import pytest

from book_toc import toc_files

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
EXEMPT_TAGS = {"nbval-ignore-output", "nbval-skip", "raises-exception"}
WIDGET = "application/vnd.jupyter.widget-view+json"


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "book/ has no notebooks"


def test_nbval_is_strict():
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert "--nbval" in addopts and "--nbval-lax" not in addopts


def test_sanitizer_masks_only_addresses():
    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text()
    regexes = re.findall(r"^regex:\s*(.+)$", text, re.M)
    assert regexes == ["0x[0-9a-fA-F]{6,16}"], regexes


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_is_in_the_table_of_contents(path):
    assert str(path.relative_to(ROOT).with_suffix("")) in set(toc_files())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_only_widget_cells_are_excused_from_nbval(path):
    for i, cell in enumerate(code_cells(path)):
        tags = set(cell.metadata.get("tags", []))
        if tags & EXEMPT_TAGS:
            widget = any(WIDGET in o.get("data", {}) for o in cell.outputs)
            assert widget and tags & EXEMPT_TAGS == {"nbval-ignore-output"}, (
                f"code cell {i} is tagged {sorted(tags & EXEMPT_TAGS)} but is not a widget cell")
            assert cell.source.lstrip().startswith("#"), f"code cell {i}: say in a comment why its output is ignored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_executed_top_to_bottom_without_errors(path):
    cells = code_cells(path)
    counts = [c.execution_count for c in cells if c.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}: Restart & Run All"
    for i, cell in enumerate(cells):
        assert not any(o.output_type == "error" for o in cell.outputs), f"code cell {i} stored an error"
        assert not cell.source.rstrip().endswith(";"), (
            f"code cell {i} ends with ';', which does not suppress output under nbval: use plt.show()")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_outputs_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, "saved widget state makes the site load a CDN widget manager"
    timed = [i for i, c in enumerate(nb.cells) if "execution" in c.metadata]
    assert not timed, (f"cells {timed} store execution timestamps (dates) in their metadata: "
                       "execute with tests/execute_notebooks.py")
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    for bad in ("/work/", "/tmp/", "/root/", "/home/", "Traceback"):
        assert bad not in text, f"outputs contain {bad!r}: machine-specific or an error"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_figure_has_alt_text(path):
    for i, cell in enumerate(code_cells(path)):
        if any("image/png" in o.get("data", {}) for o in cell.outputs):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) >= 40, f"code cell {i} draws a figure without meaningful alt text"


# Reference pages are notebooks too (their tables are computed, so nbval keeps them true), but they
# are not chapters: no learning objectives, no exercises. Each exemption is listed here, by name,
# with its reason; every other notebook in book/ is a chapter and must have the chapter structure.
REFERENCE_PAGES = {
    "book/cheatsheet.ipynb": "loss cheat sheet: tables generated from lossbook.losses.REGISTRY",
}
CHAPTERS = [p for p in NOTEBOOKS if "assignments" not in p.parts
            and str(p.relative_to(ROOT)) not in REFERENCE_PAGES]


def test_reference_pages_exist_and_are_few():
    """The exemption list names real notebooks only, and stays an exception."""
    for page in REFERENCE_PAGES:
        assert (ROOT / page).exists(), f"{page} is exempted from the chapter checks but does not exist"
    assert len(REFERENCE_PAGES) <= len(CHAPTERS) // 2, "most notebooks in book/ must be chapters"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_has_objectives_and_exercises(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert "Learning objectives" in text
    assert "Prerequisites" in text and "Estimated time" in text
    exercises = re.findall(r"^:{3,}\{exercise\}", text, re.M)
    solutions = re.findall(r"^:{3,}\{solution\}[^\n]*\n(?::label:[^\n]*\n)?:class: dropdown", text, re.M)
    assert len(exercises) >= 4, f"{len(exercises)} exercises; a chapter needs at least 4"
    assert len(solutions) == len(exercises), "every exercise needs a solution in a dropdown"
