"""Every page of the website, loaded in headless Chromium with the network cut off.

The built site is served on 127.0.0.1; every request to another host is blocked and recorded.
Each page is loaded once (in its own browser context), everything is measured, and the tests below
check the record, so a failure names the page and the property:

* no attempted request to another host; no console error, no uncaught error, no failed local load;
* every image loaded; every formula typeset by MathJax (no raw TeX left, no MathJax error);
* an axe-core audit with no serious or critical violation, in the light and in the dark colour
  scheme (the theme follows the reader's system setting), with solution dropdowns opened;
* a copy button on every code block; the print stylesheet hides navigation and wraps code;
* every solution of an exercise hidden until its dropdown is opened;
* the search page finds "huber" and "cross-entropy"; every internal link and #anchor resolves.

Per-page tests pass trivially on a page without images, formulas or code; the "site-wide" tests
make sure that the selectors still find those things somewhere, so that a changed theme or
extension cannot make the checks pass on nothing.

Nothing is filtered out of the console: the console errors the theme used to log are configured
away in _config.yml and book/_ext/lossbook_site.py.
"""

from __future__ import annotations

import asyncio
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

try:
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError
except ImportError:  # the `browser` fixture then fails every browser test with a clear message
    PlaywrightTimeoutError = TimeoutError

from .conftest import BROWSER_PAGES, is_redirect, pages, parse_html, toc_files

pytestmark = pytest.mark.site

# axe-core's JavaScript as shipped in the axe-core-python wheel, injected into each page.
AXE_SOURCE = (Path(__import__("axe_core_python").__file__).parent / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")
LOAD_TIMEOUT_MS = 60_000  # generous: a busy 2-core CI machine is slow, and waits end as soon as met
PARALLEL = max(2, min(4, os.cpu_count() or 2))  # pages audited at once (one renderer process each)


@dataclass
class PageRecord:
    """What one page did in the browser."""

    url: str
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_local: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    copy_buttons: dict = field(default_factory=dict)
    solutions: dict = field(default_factory=dict)
    axe_light: list[dict] = field(default_factory=list)
    axe_dark: list[dict] = field(default_factory=list)
    dark_theme: str = ""
    print_layout: dict = field(default_factory=dict)


async def _watch(context, page, base: str, record: PageRecord) -> None:
    """Block and record every request that leaves 127.0.0.1; record errors and failed loads."""
    def note(url):
        if url not in record.external_requests:
            record.external_requests.append(url)

    async def route(route):
        if route.request.url.startswith(base):
            await route.continue_()
        else:
            note(route.request.url)
            await route.abort("blockedbyclient")

    def on_request(request):  # also what might bypass routing (e.g. a service worker's requests)
        if not request.url.startswith((base, "data:", "blob:", "about:")):
            note(request.url)

    def on_response(response):
        if response.url.startswith(base) and response.status >= 400:
            record.failed_local.append(f"HTTP {response.status} {response.url}")

    def on_failed(request):
        if request.url.startswith(base):
            record.failed_local.append(f"{request.failure} {request.url}")

    def on_console(message):
        if message.type == "error":
            where = message.location.get("url", "")
            record.console_errors.append(f"{message.text} ({where}:{message.location.get('lineNumber')})")

    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: record.page_errors.append(str(error)))
    await context.route("**/*", route)


async def _settle(page) -> None:
    """Wait until MathJax has typeset the page and every image has finished loading."""
    await page.evaluate("""async () => {
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
        await Promise.all([...document.images].map(img => {
            img.loading = "eager";
            return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
        }));
    }""")
    await page.wait_for_load_state("networkidle")


_OPEN_DROPDOWNS = """() => {
    document.querySelectorAll('.admonition.toggle-hidden > .admonition-title').forEach(t => t.click());
    document.querySelectorAll('details:not([open])').forEach(d => { d.open = true; });
}"""

_AXE = """async (options) => {
    const result = await axe.run(document, options);
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                               summary: n.failureSummary}))}));
}"""

_IMAGES = """() => [...document.images].map(img => ({
    src: img.getAttribute('src'), complete: img.complete, naturalWidth: img.naturalWidth}))"""

_MATH = r"""() => {
    const maths = [...document.querySelectorAll('.bd-article .math')];
    const unrendered = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
    const errors = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')].map(
        e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80));
    // Raw TeX left in the text of the article (outside code, scripts and typeset math).
    const raw = [];
    const article = document.querySelector('.bd-article');
    if (article) {
        const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {acceptNode: n =>
            n.parentElement.closest('pre, code, script, style, textarea, mjx-container, .highlight')
                ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (/\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{/.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 80));
        }
    }
    return {count: maths.length, rendered: maths.length - unrendered.length, unrendered, errors, raw,
            mathjax: !!(window.MathJax && MathJax.startup)};
}"""

_COPY_BUTTONS = """() => {
    const blocks = [...document.querySelectorAll('.bd-article div.highlight')];
    const missing = blocks.filter(b => !b.querySelector('button.copybtn'))
                          .map(b => b.textContent.trim().slice(0, 60));
    return {blocks: blocks.length, missing};
}"""

_PRINT = """() => {
    const shown = el => el && getComputedStyle(el).display !== 'none';
    const screenOnly = ['.bd-sidebar-primary', '.bd-sidebar-secondary', '.bd-header-article',
                        '.prev-next-area', '.bd-footer', '.search-button-field', 'button.copybtn'];
    const visible = screenOnly.filter(s => [...document.querySelectorAll(s)].some(shown));
    const article = document.querySelector('.bd-article, .bd-search-container, main');
    const overflowing = [...document.querySelectorAll('.bd-article pre')]
        .filter(p => shown(p) && p.scrollWidth > p.clientWidth + 2)
        .map(p => p.textContent.trim().slice(0, 60));
    const sheet = [...document.querySelectorAll('link[rel=stylesheet]')]
        .some(l => l.href.includes('print.css') && l.media === 'print');
    return {visible, article: shown(article), overflowing, sheet};
}"""


_SOLUTIONS = """() => {
    const solutions = [...document.querySelectorAll('.bd-article div.solution.admonition')];
    const shown = el => el && el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden';
    // the solution's text (everything but its title) must be invisible until the title is clicked
    const visible = solutions.filter(s => [...s.children].some(c => !c.classList.contains('admonition-title') && shown(c)))
                             .map(s => s.id);
    return {count: solutions.length, visible};
}"""


_TRANSITIONS_DONE = """() => document.getAnimations()
    .filter(a => a instanceof CSSTransition && a.playState === 'running').length === 0"""


async def _load(browser, base: str, rel: str) -> PageRecord:
    """Load one page in a fresh browser context and record everything the tests check."""
    url = base + rel
    record = PageRecord(url=url)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    try:
        page = await context.new_page()
        await _watch(context, page, base, record)
        await page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        await _settle(page)
        record.images = await page.evaluate(_IMAGES)
        record.math = await page.evaluate(_MATH)
        record.copy_buttons = await page.evaluate(_COPY_BUTTONS)
        record.solutions = await page.evaluate(_SOLUTIONS)
        await page.evaluate(_OPEN_DROPDOWNS)
        # Opened dropdowns fade in (300 ms): audited mid-fade, text has blended colours.
        await page.wait_for_function(_TRANSITIONS_DONE, timeout=LOAD_TIMEOUT_MS)
        await page.add_script_tag(content=AXE_SOURCE)
        record.axe_light = await page.evaluate(_AXE, {"resultTypes": ["violations"]})
        # The reader's system switches to dark: the theme ("auto" mode) follows. Colour contrast
        # again (the other rules do not depend on colours), once the colour transitions are over.
        await page.emulate_media(color_scheme="dark")
        await page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'",
                                     timeout=LOAD_TIMEOUT_MS)
        await page.wait_for_function(_TRANSITIONS_DONE, timeout=LOAD_TIMEOUT_MS)
        record.dark_theme = "dark"
        record.axe_dark = await page.evaluate(
            _AXE, {"runOnly": {"type": "rule", "values": ["color-contrast"]}, "resultTypes": ["violations"]})
        # Print: A4 less the margins of print.css is about 680 CSS pixels wide.
        await page.emulate_media(media="print", color_scheme="light")
        await page.set_viewport_size({"width": 680, "height": 960})
        record.print_layout = await page.evaluate(_PRINT)
    finally:
        await context.close()
    return record


@pytest.fixture(scope="session")
def records(request, browser, server):
    """Every page the selected tests ask for, loaded and audited once, PARALLEL pages at a time; a
    test reads the record of its page (a page that could not be loaded fails its own tests only)."""
    wanted = [rel for rel in BROWSER_PAGES if any(
        "records" in getattr(item, "fixturenames", ()) and getattr(item, "callspec", None)
        and item.callspec.params.get("rel") == rel for item in request.session.items)]

    async def load_all():
        gate = asyncio.Semaphore(PARALLEL)

        async def one(rel):
            async with gate:
                for attempt in (1, 2):
                    try:
                        return await _load(browser.browser, server, rel)
                    except PlaywrightTimeoutError as exc:
                        # A machine busy with other work can stall one load past the generous
                        # timeout; a second load in a fresh context tells that apart from a page
                        # that never settles (which fails both times, and its tests with it).
                        if attempt == 2:
                            return exc
                    except Exception as exc:  # reported by each test of this page
                        return exc

        done = await asyncio.gather(*(one(rel) for rel in wanted))
        return dict(zip(wanted, done))

    loaded = browser.run(load_all())

    def get(rel: str) -> PageRecord:
        if rel not in loaded:  # not foreseen (a test called outside the normal collection)
            loaded[rel] = browser.run(_load(browser.browser, server, rel))
        record = loaded[rel]
        if isinstance(record, Exception):
            pytest.fail(f"{rel} could not be loaded and audited: {type(record).__name__}: {record}",
                        pytrace=False)
        return record

    return get


def _show(items) -> str:
    return "\n  ".join(str(i) for i in items)


def test_every_built_page_is_checked(site):
    """A page that is built but not in BROWSER_PAGES (e.g. not reachable from _toc.yml) fails here."""
    built = {str(p.relative_to(site)) for p in pages(site) if not is_redirect(p)}
    built |= {"genindex.html", "search.html"}
    assert built == set(BROWSER_PAGES), (
        f"built but not checked: {sorted(built - set(BROWSER_PAGES))}; "
        f"checked but not built: {sorted(set(BROWSER_PAGES) - built)}")


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_no_request_to_other_hosts(records, rel):
    record = records(rel)
    assert not record.external_requests, f"{rel} tried to load from other hosts:\n  {_show(record.external_requests)}"


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_no_console_or_page_errors(records, rel):
    record = records(rel)
    problems = ([f"console error: {e}" for e in record.console_errors]
                + [f"uncaught error: {e}" for e in record.page_errors]
                + [f"failed to load: {e}" for e in record.failed_local])
    assert not problems, f"{rel}:\n  {_show(problems)}"


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_every_image_loads(records, rel):
    broken = [i["src"] for i in records(rel).images if not i["complete"] or i["naturalWidth"] == 0]
    assert not broken, f"{rel}: images that did not load:\n  {_show(broken)}"


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_every_formula_is_typeset(records, rel):
    math = records(rel).math
    if math["count"]:
        assert math["mathjax"], f"{rel} has {math['count']} formulas but no MathJax"
    assert not math["unrendered"], f"{rel}: formulas MathJax did not typeset:\n  {_show(math['unrendered'])}"
    assert not math["errors"], f"{rel}: MathJax errors:\n  {_show(math['errors'])}"
    assert not math["raw"], f"{rel}: raw TeX left in the text:\n  {_show(math['raw'])}"


def _violations(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines += [f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"]]
    return "\n".join(lines)


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_accessibility_light(records, rel):
    blocking = [v for v in records(rel).axe_light if v["impact"] in BLOCKING]
    assert not blocking, f"{rel}: axe-core (light scheme) found:\n{_violations(blocking)}"


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_accessibility_dark(records, rel):
    record = records(rel)
    assert record.dark_theme == "dark", f"{rel}: the page did not follow the dark system setting"
    blocking = [v for v in record.axe_dark if v["impact"] in BLOCKING]
    assert not blocking, f"{rel}: axe-core (dark scheme) found:\n{_violations(blocking)}"


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_code_blocks_have_copy_buttons(records, rel):
    copy = records(rel).copy_buttons
    assert not copy["missing"], f"{rel}: code blocks without a copy button:\n  {_show(copy['missing'])}"


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_solutions_are_hidden_until_opened(records, rel):
    solutions = records(rel).solutions
    assert not solutions["visible"], f"{rel}: solutions shown before their dropdown is opened: {solutions['visible']}"


def test_site_wide_the_checks_find_what_they_check(records):
    """Copy buttons, typeset formulas, loaded images and hidden solutions exist somewhere (on the
    pages where the book certainly has them), so the per-page checks are not vacuous."""
    intro, chapter = records("book/intro.html"), records("book/what_is_a_loss.html")
    assert intro.copy_buttons["blocks"] >= 1 and not intro.copy_buttons["missing"], intro.copy_buttons
    assert chapter.copy_buttons["blocks"] >= 5, chapter.copy_buttons
    assert chapter.math["count"] >= 20 and chapter.math["rendered"] == chapter.math["count"], chapter.math
    assert chapter.math["mathjax"], "MathJax did not start on what_is_a_loss.html"
    assert sum(1 for i in chapter.images if i["naturalWidth"] > 0) >= 4, chapter.images
    assert chapter.solutions["count"] >= 4 and not chapter.solutions["visible"], chapter.solutions
    totals = {"code blocks": sum(records(r).copy_buttons["blocks"] for r in BROWSER_PAGES),
              "formulas": sum(records(r).math["count"] for r in BROWSER_PAGES),
              "images": sum(len(records(r).images) for r in BROWSER_PAGES),
              "solutions": sum(records(r).solutions["count"] for r in BROWSER_PAGES)}
    minimum = len(toc_files())
    assert all(n >= minimum for n in totals.values()), f"site-wide totals {totals}, expected each >= {minimum}"


@pytest.mark.parametrize("rel", BROWSER_PAGES)
def test_print_layout(records, rel):
    layout = records(rel).print_layout
    assert layout["sheet"], f"{rel} does not link print.css with media=print"
    assert layout["article"], f"{rel}: the article is hidden in print"
    assert not layout["visible"], f"{rel}: screen-only elements printed: {layout['visible']}"
    assert not layout["overflowing"], f"{rel}: code cut off on paper:\n  {_show(layout['overflowing'])}"


# --- search ---------------------------------------------------------------------------------------

def _article_text(path: Path) -> str:
    article = parse_html(path).select_one("article.bd-article")
    return article.get_text(" ") if article else ""


async def _search(browser, base: str, query: str) -> tuple[list[str], list[str]]:
    """The pages (site-relative paths) the search page lists for `query`, and any external request."""
    context = await browser.new_context()
    external: list[str] = []

    async def route(route):
        if route.request.url.startswith(base):
            await route.continue_()
        else:
            external.append(route.request.url)
            await route.abort("blockedbyclient")

    try:
        await context.route("**/*", route)
        page = await context.new_page()
        await page.goto(base + "search.html?q=" + urllib.parse.quote(query), timeout=LOAD_TIMEOUT_MS)
        await page.wait_for_function(
            "() => { const s = document.querySelector('#search-results .search-summary');"
            " return s && /finished|did not match/i.test(s.textContent); }", timeout=LOAD_TIMEOUT_MS)
        hrefs = await page.eval_on_selector_all("#search-results ul.search li > a",
                                                "links => links.map(a => a.href)")
    finally:
        await context.close()
    root = urllib.parse.urlsplit(base).path
    return sorted({urllib.parse.urlsplit(h).path.removeprefix(root) for h in hrefs}), external


@pytest.mark.parametrize("term", ["huber", "cross-entropy"])
def test_search_finds(site, browser, server, term):
    """The search page lists every page whose text contains the term (and at least one)."""
    pattern = re.compile(r"\b" + re.escape(term) + r"\b", re.I)
    expected = sorted(p + ".html" for p in toc_files() if pattern.search(_article_text(site / (p + ".html"))))
    assert expected, f"no page of the book mentions {term!r}: the book must, and search must find it"
    found, external = browser.run(_search(browser.browser, server, term))
    assert not external, f"search for {term!r} tried to load from other hosts: {external}"
    missing = sorted(set(expected) - set(found))
    assert not missing, f"search for {term!r} found {found} but not {missing}, which contain it"
    assert all((site / f).is_file() for f in found), f"search for {term!r} links to missing pages: {found}"


def test_search_does_not_match_everything(browser, server):
    found, _ = browser.run(_search(browser.browser, server, "qxzvwk"))
    assert found == []


# --- internal links ---------------------------------------------------------------------------------

def _ids(path: Path, cache: dict) -> set[str]:
    if path not in cache:
        soup = parse_html(path)
        cache[path] = {t["id"] for t in soup.find_all(id=True)} | {t["name"] for t in soup.find_all("a", attrs={"name": True})}
    return cache[path]


@pytest.mark.parametrize("rel", BROWSER_PAGES + ["index.html"])
def test_internal_links_resolve(site, rel):
    """Every link to a page of the site points to a file that exists, and every #anchor to an id."""
    page = site / rel
    soup = parse_html(page)
    targets = [(a.name, a.get("href")) for a in soup.find_all(["a", "link"], href=True)]
    targets += [(t.name, t.get("src")) for t in soup.find_all(["img", "script", "source", "iframe"], src=True)]
    refresh = soup.find("meta", attrs={"http-equiv": re.compile("refresh", re.I)})
    if refresh:
        targets.append(("meta", refresh["content"].split("url=", 1)[-1].strip()))
    broken, ids_cache = [], {}
    for tag, url in targets:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith("#") and len(url) == 1:
            continue  # links to other sites are not requests; a bare "#" is a script hook
        target = page if not parts.path else (page.parent / urllib.parse.unquote(parts.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or site.resolve() not in target.resolve().parents:
            broken.append(f"<{tag}> {url}: no such file")
            continue
        fragment = urllib.parse.unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in _ids(target, ids_cache):
            broken.append(f"<{tag}> {url}: no id {fragment!r} in {target.relative_to(site.resolve())}")
    assert not broken, f"{rel}:\n  " + "\n  ".join(broken)
