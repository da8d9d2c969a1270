"""The website builds with warnings as errors and works offline: no third-party scripts, styles,
fonts or images, MathJax served from the site itself, every figure with alt text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, pages

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


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part["chapters"]:
            files.append(chapter["file"])
            files += [s["file"] for s in chapter.get("sections", [])]
    return files


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
