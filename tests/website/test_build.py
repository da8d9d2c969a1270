"""The website builds with warnings as errors and works offline: no third-party scripts, styles,
fonts or images, MathJax served from the site itself, every figure with alt text; numbered equations,
notebook downloads, launch buttons only when configured, no bare or empty widget output.

These tests read the built HTML; tests/website/test_browser.py loads every page in Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from .conftest import ROOT, is_redirect, pages, parse_html, toc_files

pytestmark = pytest.mark.site


class Resources(HTMLParser):
    """Collects what a page would load (scripts, stylesheets, images, iframes...) and its images."""

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href") and set((a.get("rel") or "").split()) & {
                "stylesheet", "preload", "icon", "modulepreload", "prefetch", "manifest"}:
            self.loads.append(a["href"])
        if tag == "img":
            self.images.append(a)


def parse(page: Path) -> Resources:
    r = Resources()
    r.feed(page.read_text(encoding="utf-8"))
    return r


def test_every_toc_page_is_built(site):
    for f in toc_files():
        assert (site / (str(Path(f).with_suffix("")) + ".html")).exists(), f


def test_no_third_party_resources(site):
    """Offline and private: every script, style, font and image comes from the site itself."""
    external = re.compile(r"^(https?:)?//", re.I)
    for page in pages(site) + [site / "search.html"]:
        remote = [u for u in parse(page).loads if external.match(u)]
        assert not remote, f"{page.relative_to(site)} loads from other hosts: {remote}"
    for css in site.rglob("*.css"):
        urls = re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", css.read_text(errors="replace"))
        assert not urls, f"{css.relative_to(site)} loads from other hosts: {urls}"


def test_mathjax_is_served_locally(site):
    page = site / "book" / "what_is_a_loss.html"
    scripts = parse(page).loads
    mathjax = [s for s in scripts if "mathjax" in s.lower()]
    assert mathjax, "no MathJax script on a page with equations"
    for s in mathjax:
        assert (page.parent / s.split("?")[0]).resolve().exists(), f"MathJax script {s} is not in the site"


def test_every_image_has_alt_text(site):
    for page in pages(site):
        for img in parse(page).images:
            alt = (img.get("alt") or "").strip()
            # Decorative theme logos may carry an empty alt only if marked presentational.
            if img.get("role") == "presentation" or "logo" in (img.get("class") or ""):
                continue
            assert len(alt) >= 20, f"{page.relative_to(site)}: image {img.get('src')} has no meaningful alt text"


def test_no_bare_widget_text(site):
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert "interactive(children=" not in text, f"{page.relative_to(site)} shows a widget's text repr"


def test_exercises_have_hidden_solutions(site):
    page = (site / "book" / "what_is_a_loss.html").read_text(encoding="utf-8")
    assert page.count('class="admonition exercise') >= 4 or page.count("exercise admonition") >= 4
    assert page.count("solution") >= 4 and "dropdown" in page


# --- widgets --------------------------------------------------------------------------------------

WIDGET_CODE = re.compile(r"\b(ipywidgets|lossbook\.widgets|interact(ive)?\s*\()")


def soup(page: Path) -> BeautifulSoup:
    return parse_html(page)


def test_no_empty_widget_area(site):
    """No widget view (it would need a widget manager from a CDN) and no output area left empty."""
    for page in pages(site):
        rel = page.relative_to(site)
        assert "application/vnd.jupyter.widget-view+json" not in page.read_text(encoding="utf-8"), (
            f"{rel} embeds a widget view")
        doc = soup(page)
        assert not doc.select(".jupyter-widgets, .widget-area, .widget-subarea"), f"{rel} has a widget area"
        empty = [c for c in doc.select("div.cell_output")
                 if not c.get_text(strip=True) and not c.find(["img", "svg", "table", "iframe"])]
        assert not empty, f"{rel} has {len(empty)} empty output area(s)"


def test_every_explorer_has_a_static_counterpart(site):
    """A cell that builds an interactive explorer shows nothing on the website (remove-output tag)
    and the page carries executed figures that tell the story without a kernel."""
    for page in pages(site):
        doc = soup(page)
        explorers = [c for c in doc.select("div.cell")
                     if c.select_one(".cell_input") and WIDGET_CODE.search(c.select_one(".cell_input").get_text())]
        for cell in explorers:
            assert "tag_remove-output" in cell["class"] and not cell.select_one(".cell_output"), (
                f"{page.relative_to(site)}: an explorer cell shows its output on the website")
        if explorers:
            assert doc.select("figure img"), f"{page.relative_to(site)} has an explorer but no static figure"


# --- equations --------------------------------------------------------------------------------------

def test_labelled_equations_are_numbered_and_referenced_by_number(site):
    """Every labelled display equation carries a number; every {eq} reference shows that number."""
    numbers: dict[tuple[Path, str], str] = {}  # (page, equation id) -> "(3)"
    for page in pages(site):
        seen = []
        for eq in soup(page).select("div.math[id^=equation-]"):
            eqno = eq.select_one("span.eqno")
            number = (eqno.find(string=True, recursive=False) or "").strip() if eqno else ""
            assert re.fullmatch(r"\(\d+(\.\d+)*\)", number), (
                f"{page.relative_to(site)}: equation {eq['id']} has no number")
            numbers[(page.resolve(), eq["id"])] = number
            seen.append(number)
        assert len(seen) == len(set(seen)), f"{page.relative_to(site)}: repeated equation numbers {seen}"
    for page in pages(site):
        for ref in soup(page).select('a.reference[href*="#equation-"]'):
            url = urllib.parse.urlsplit(ref["href"])
            target = (page.parent / url.path).resolve() if url.path else page.resolve()
            expected = numbers.get((target, url.fragment))
            assert expected, f"{page.relative_to(site)}: {ref['href']} points to no numbered equation"
            assert ref.get_text(strip=True) == expected, (
                f"{page.relative_to(site)}: the reference to {url.fragment} reads "
                f"{ref.get_text(strip=True)!r}, not {expected!r}")


# --- reader comforts ------------------------------------------------------------------------------

def test_every_page_offers_its_source_for_download(site):
    """The download menu links the page's source; for a notebook, the very .ipynb of the repository."""
    for f in toc_files():
        page = site / (f + ".html")
        source = next((ROOT / (f + suffix) for suffix in (".ipynb", ".md") if (ROOT / (f + suffix)).exists()))
        links = [a["href"] for a in soup(page).select("a.btn-download-source-button[href]")]
        wanted = f"_sources/{f}{source.suffix}"
        assert any(h.endswith(wanted) for h in links), f"{f}: no download link to {wanted} (found {links})"
        served = site / wanted
        assert served.is_file(), f"{wanted} is not in the site"
        if source.suffix == ".ipynb":
            notebook = nbformat.reads(served.read_text(encoding="utf-8"), as_version=4)
            nbformat.validate(notebook)
            if source.stat().st_mtime < served.stat().st_mtime:  # not edited since the build
                original = nbformat.read(source, as_version=4)
                assert [c.source for c in notebook.cells] == [c.source for c in original.cells], (
                    f"{wanted} is not {source.relative_to(ROOT)}")


def launch_config(config: dict) -> tuple[str, str]:
    return ((config.get("launch_buttons") or {}).get("binderhub_url") or "",
            (config.get("repository") or {}).get("url") or "")


def binder_links(page: Path) -> list[str]:
    doc = soup(page)
    links = [a["href"] for a in doc.find_all("a", href=True) if "/v2/gh/" in a["href"] or "binder" in a["href"]]
    return links + [str(b) for b in doc.select(".dropdown-launch-buttons, .thebe-launch-button")]


def test_launch_buttons_only_when_configured(site):
    """No Binder/JupyterHub/Thebe button unless _config.yml sets the hub AND the repository URL."""
    binderhub, repository = launch_config(yaml.safe_load((ROOT / "_config.yml").read_text()))
    for f in toc_files():
        page = site / (f + ".html")
        found = binder_links(page)
        if binderhub and repository and (ROOT / (f + ".ipynb")).exists():
            org_repo = urllib.parse.urlsplit(repository).path.strip("/")
            assert any(h.startswith(binderhub.rstrip("/") + "/v2/gh/" + org_repo) for h in found), (
                f"{f}: no Binder button for {repository}")
        else:
            assert not found, f"{f}: launch button without a configured hub and repository: {found}"


def test_binder_button_appears_once_configured(tmp_path):
    """The other half of the switch: with both URLs set, a notebook page gets a Binder button that
    opens that notebook of that repository in JupyterLab (built with a two-page table of contents)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"]["url"] = "https://github.com/example-org/lossbook"
    config["launch_buttons"]["binderhub_url"] = "https://mybinder.org"
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path)
                                            for name, path in config["sphinx"]["local_extensions"].items()}
    notebook = min((f for f in toc_files() if (ROOT / (f + ".ipynb")).exists()),
                   key=lambda f: (ROOT / (f + ".ipynb")).stat().st_size)  # the quickest to build
    toc = {"format": "jb-book", "root": toc_files()[0], "chapters": [{"file": notebook}]}
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jupyter_book), "build", str(ROOT), "--config", str(tmp_path / "_config.yml"),
                             "--toc", str(tmp_path / "_toc.yml"), "--path-output", str(tmp_path / "out"), "-q"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = tmp_path / "out" / "_build" / "html"
    expected = f"https://mybinder.org/v2/gh/example-org/lossbook/main?urlpath=lab/tree/{notebook}.ipynb"
    assert expected in binder_links(html / (notebook + ".html"))
    assert not binder_links(html / (toc_files()[0] + ".html")), "a Markdown page got a launch button"


def test_print_stylesheet_is_linked(site):
    for page in pages(site) + [site / "search.html", site / "genindex.html"]:
        if is_redirect(page):
            continue
        sheets = [link for link in soup(page).select('link[rel~="stylesheet"]') if "print.css" in link["href"]]
        assert sheets and all(s.get("media") == "print" for s in sheets), f"{page.relative_to(site)}: no print.css"
    assert "@page" in (site / "_static" / "print.css").read_text()
