"""The website builds with warnings as errors and works offline: no third-party scripts, styles,
fonts or images, MathJax served from the site itself, every figure with alt text; numbered equations,
exercises with hidden solutions, notebook downloads, launch buttons only when configured, no bare
or empty widget output, every explorer tied to its static figure, and a cheat sheet generated
from the registry at build time.

These tests read the built HTML; tests/website/test_browser.py loads every page in Chromium. Each
test also asserts that what it inspects exists (formulas, outputs, explorers...), so that a
changed selector or theme cannot make it pass on nothing."""

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

import lossbook.losses as L
from lossbook import cheatsheet

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


def chapter_files() -> list[str]:
    """The chapters: notebook pages of _toc.yml, except the generated cheat sheet."""
    return [f for f in toc_files() if (ROOT / (f + ".ipynb")).exists() and Path(f).name != "cheatsheet"]


# The text repr of an ipywidget (what a page shows when the widget cannot be rendered).
WIDGET_REPR = re.compile(r"\b(interactive|VBox|HBox|Box|Output|FloatSlider|IntSlider|Dropdown)\((children|value)=")


def test_no_bare_widget_text(site):
    outputs = 0
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        found = WIDGET_REPR.search(text)
        assert not found, f"{page.relative_to(site)} shows a widget's text repr: {found.group(0)}..."
        outputs += len(soup(page).select("div.cell_output"))
    assert outputs >= 10, f"only {outputs} code-cell outputs in the whole site: has their HTML changed?"
    assert WIDGET_REPR.search("interactive(children=(FloatSlider(value=0.1"), "the pattern must match a widget repr"


def test_exercises_have_hidden_solutions(site):
    """Every chapter has at least four exercises (sphinx-exercise) and one solution per exercise,
    each a dropdown (sphinx-togglebutton, whose script is on the page, hides it until clicked)."""
    for f in chapter_files():
        page = site / (f + ".html")
        doc = soup(page)
        exercises = doc.select("div.exercise.admonition")
        solutions = doc.select("div.solution.admonition")
        assert len(exercises) >= 4, f"{f}: {len(exercises)} exercises, fewer than 4"
        assert len(solutions) == len(exercises), f"{f}: {len(exercises)} exercises but {len(solutions)} solutions"
        not_hidden = [s.get("id") for s in solutions if "dropdown" not in s["class"]]
        assert not not_hidden, f"{f}: solutions without the dropdown class: {not_hidden}"
        exercise_ids = [e.get("id") for e in exercises]
        assert all(exercise_ids) and len(set(exercise_ids)) == len(exercise_ids), f"{f}: exercises need labels"
        solved = []
        for s in solutions:
            link = s.select_one("p.admonition-title a[href^='#']")
            assert link, f"{f}: solution {s.get('id')} does not link to its exercise"
            solved.append(link["href"][1:])
        assert sorted(solved) == sorted(exercise_ids), (
            f"{f}: exercises without exactly one solution: {sorted(set(exercise_ids) ^ set(solved))}")
        assert any("togglebutton" in (t.get("src") or "") for t in doc.select("script[src]")), (
            f"{f}: no togglebutton script, the dropdowns would not hide the solutions")


# --- widgets --------------------------------------------------------------------------------------

WIDGET_CODE = re.compile(r"\b(ipywidgets|lossbook\.widgets|interact(ive)?\s*\()")


def soup(page: Path) -> BeautifulSoup:
    return parse_html(page)


def test_no_empty_widget_area(site):
    """No widget view (it would need a widget manager from a CDN) and no output area left empty."""
    checked = 0
    for page in pages(site):
        rel = page.relative_to(site)
        assert "application/vnd.jupyter.widget-view+json" not in page.read_text(encoding="utf-8"), (
            f"{rel} embeds a widget view")
        doc = soup(page)
        assert not doc.select(".jupyter-widgets, .widget-area, .widget-subarea"), f"{rel} has a widget area"
        outputs = doc.select("div.cell_output")
        checked += len(outputs)
        empty = [c for c in outputs if not c.get_text(strip=True) and not c.find(["img", "svg", "table", "iframe"])]
        assert not empty, f"{rel} has {len(empty)} empty output area(s)"
    assert checked >= 10, f"only {checked} output areas in the whole site: has their HTML changed?"


# An explorer cell names the figure that tells its story on the website in a comment:
#     # Static counterpart: fig-nonconvex            (several: fig-rounds, fig-strategies-2d)
# the `name` of a figure cell of the same notebook (metadata.mystnb.figure.name).
STATIC_COUNTERPART = re.compile(r"#\s*Static counterpart:\s*(fig-[\w-]+(?:\s*,\s*fig-[\w-]+)*)")


def test_every_explorer_has_a_static_counterpart(site):
    """A cell that builds an interactive explorer shows nothing on the website (remove-output tag)
    and names, in a `# Static counterpart: fig-...` comment, the executed figure that tells the same
    story without a kernel: that figure, with its image, is on the same page."""
    explorers_seen = 0
    for page in pages(site):
        rel = page.relative_to(site)
        doc = soup(page)
        explorers = [c for c in doc.select("div.cell")
                     if c.select_one(".cell_input") and WIDGET_CODE.search(c.select_one(".cell_input").get_text())]
        explorers_seen += len(explorers)
        for cell in explorers:
            assert "tag_remove-output" in cell["class"] and not cell.select_one(".cell_output"), (
                f"{rel}: an explorer cell shows its output on the website")
            code = cell.select_one(".cell_input").get_text()
            named = STATIC_COUNTERPART.search(code)
            assert named, (f"{rel}: the explorer cell {code.strip().splitlines()[-1]!r} does not name its static "
                           "figure; add a comment line '# Static counterpart: fig-<name>' to it")
            for name in re.split(r"\s*,\s*", named.group(1)):
                figure = doc.select_one(f"figure#{name}")
                assert figure is not None, f"{rel}: the explorer's static counterpart {name!r} is not a figure of this page"
                assert figure.select_one("img") and figure.select_one("figcaption"), (
                    f"{rel}: the static counterpart {name!r} has no image or no caption")
    assert explorers_seen >= 1, "no explorer cell found on any page: has the widget code or the HTML changed?"


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
        # Numbered on each page: (1), (2), ... in order (_config.yml: math_numfig false).
        assert seen == [f"({i})" for i in range(1, len(seen) + 1)], f"{page.relative_to(site)}: equations {seen}"
    assert len(numbers) >= 10, f"only {len(numbers)} numbered equations in the book: has their HTML changed?"
    references = 0
    for page in pages(site):
        for ref in soup(page).select('a.reference[href*="#equation-"]'):
            url = urllib.parse.urlsplit(ref["href"])
            target = (page.parent / url.path).resolve() if url.path else page.resolve()
            expected = numbers.get((target, url.fragment))
            references += 1
            assert expected, f"{page.relative_to(site)}: {ref['href']} points to no numbered equation"
            assert ref.get_text(strip=True) == expected, (
                f"{page.relative_to(site)}: the reference to {url.fragment} reads "
                f"{ref.get_text(strip=True)!r}, not {expected!r}")
    assert references >= 5, f"only {references} references to equations in the book: has their HTML changed?"


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


def test_intro_says_how_to_open_the_course_in_jupyterlab(site):
    """The "open in JupyterLab" instructions: a copyable command block that starts JupyterLab, and
    the download button's notebooks need lossbook, so the page says how to install it."""
    doc = soup(site / "book" / "intro.html")
    blocks = [b.get_text() for b in doc.select("article.bd-article div.highlight pre")]
    assert any("jupyter lab" in b for b in blocks), f"intro.html: no `jupyter lab` command in {blocks}"
    assert any("pip install" in b for b in blocks), "intro.html: no install command"
    text = doc.select_one("article.bd-article").get_text(" ")
    assert "clone" in text and "requirements.txt" in text


# --- the cheat sheet ------------------------------------------------------------------------------

def cheat_sheet_problems(html: Path) -> list[str]:
    """What the built cheat sheet lacks of the registry: every loss's name, formula, gradient and
    counterparts (the formulas as the LaTeX MathJax typesets, the names as code)."""
    article = parse_html(html).select_one("article.bd-article") if html.exists() else None
    if article is None:
        return [f"{html} was not built"]
    codes = {c.get_text() for c in article.select("code")}
    maths = {m.get_text().strip()[2:-2].strip() for m in article.select(".math")}  # \( ... \)
    problems = []
    for name, loss in L.REGISTRY.items():
        if not any(c == name or c.startswith(name + "(") for c in codes):
            problems.append(f"no loss {name!r}")
        for what, latex in (("formula", loss.formula), ("gradient", loss.gradient_formula)):
            if cheatsheet.math(latex)[1:-1].strip() not in maths:
                problems.append(f"{name}: {what} {latex!r} is not on the page")
        for library, text in loss.counterparts.items():
            api = cheatsheet.counterpart(text).split("`")
            if len(api) > 1 and api[1] not in codes:
                problems.append(f"{name}: the {library} counterpart {api[1]!r} is not on the page")
    return problems


def test_the_cheat_sheet_lists_every_loss_of_the_registry(site):
    problems = cheat_sheet_problems(site / "book" / "cheatsheet.html")
    assert not problems, "book/cheatsheet.html:\n  " + "\n  ".join(problems)


def test_the_cheat_sheet_is_generated_at_build_time(tmp_path):
    """The cheat sheet's notebook asks myst-nb to execute it at every build, and it is: a book of
    that one page, built from a copy of the notebook without any output, shows every loss. (Every
    other page is shown from its stored outputs: execute_notebooks is "off".)"""
    notebook = nbformat.read(ROOT / "book" / "cheatsheet.ipynb", as_version=4)
    assert notebook.metadata.get("mystnb", {}).get("execution_mode") == "force"
    assert notebook.metadata["mystnb"].get("execution_raise_on_error") is True
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    for other in toc_files():
        if (ROOT / (other + ".ipynb")).exists() and not other.endswith("cheatsheet"):
            meta = nbformat.read(ROOT / (other + ".ipynb"), as_version=4).metadata.get("mystnb", {})
            assert "execution_mode" not in meta, f"{other} would be executed at build time"

    source = tmp_path / "book"
    (source / "book").mkdir(parents=True)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, source / "book" / "cheatsheet.ipynb")
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path)
                                            for name, path in config["sphinx"]["local_extensions"].items()}
    config["bibtex_bibfiles"] = [str(ROOT / f) for f in config["bibtex_bibfiles"]]
    config["sphinx"]["config"]["html_static_path"] = [str(ROOT / p) for p in config["sphinx"]["config"]["html_static_path"]]
    (source / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    (source / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "book/cheatsheet"}))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    # Not -W: the page's links to the other chapters and the glossary do not resolve in a one-page book.
    result = subprocess.run([str(jupyter_book), "build", str(source), "--path-output", str(tmp_path / "out"), "-q"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    problems = cheat_sheet_problems(tmp_path / "out" / "_build" / "html" / "book" / "cheatsheet.html")
    assert not problems, "the cheat sheet built from a notebook without outputs:\n  " + "\n  ".join(problems)
