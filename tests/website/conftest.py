"""Build the website once per test session, with Sphinx warnings as errors, into a temporary folder.

Every site test uses the `site` fixture (the path of the built HTML), so a page added to
`_toc.yml` later is covered without touching the tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True, timeout=1200,
    )
    if result.returncode != 0:
        pytest.fail(f"jupyter-book build -W failed (exit {result.returncode}):\n"
                    f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}", pytrace=False)
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    return html


def pages(site: Path) -> list[Path]:
    """Every HTML page the book produced (not search/genindex/_static)."""
    skip = {"search.html", "genindex.html"}
    return sorted(p for p in site.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts and p.name not in skip)
