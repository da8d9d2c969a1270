"""Build the website once per test session, with Sphinx warnings as errors, into a temporary folder;
serve it on 127.0.0.1 and drive one headless Chromium for the browser tests.

Every site test uses the `site` fixture (the path of the built HTML), so a page added to
`_toc.yml` later is covered without touching the tests. Browser tests are parametrized over
`BROWSER_PAGES` (every page of `_toc.yml`, the index and the search page), known before the build;
`test_browser.py::test_every_built_page_is_checked` makes sure that no built page escapes that list.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from book_toc import toc_files, toc_pages  # noqa: F401  (re-exported for the site tests)

ROOT = Path(__file__).resolve().parents[2]

# Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). Never a browser
# downloaded by `playwright install`. LOSSBOOK_CHROMIUM overrides the path.
CHROMIUM = os.environ.get("LOSSBOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces: even a request that escaped page.route could not resolve another host.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


# Known at collection time (parametrization); the pages Sphinx adds on its own come last.
BROWSER_PAGES = toc_pages() + ["genindex.html", "search.html"]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True, timeout=1200,
    )
    if result.returncode != 0:
        log = result.stdout + "\n" + result.stderr
        problems = [line for line in log.splitlines() if re.search(r"WARNING|ERROR|Error|Exception", line)]
        pytest.fail(f"jupyter-book build -W failed (exit {result.returncode}):\n"
                    + "\n".join(problems[:40]) + f"\n--- end of the log ---\n{log[-3000:]}", pytrace=False)
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    return html


def pages(site: Path) -> list[Path]:
    """Every HTML page the book produced (not search/genindex/_static)."""
    skip = {"search.html", "genindex.html"}
    return sorted(p for p in site.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts and p.name not in skip)


@functools.lru_cache(maxsize=None)
def parse_html(page: Path) -> BeautifulSoup:
    """A built page, parsed once per session (read-only: never modify the tree)."""
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def is_redirect(page: Path) -> bool:
    """Jupyter Book's root index.html is only a <meta http-equiv="Refresh"> to the first page."""
    return 'http-equiv="Refresh"' in page.read_text(encoding="utf-8")[:500]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log in the test output
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The browser closing a connection early (navigation, aborted prefetch) is not an error.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def server(site) -> str:
    """The built site over http on 127.0.0.1 (a free port); yields the base URL, ending in '/'."""
    httpd = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class Chromium:
    """One headless Chromium, driven by Playwright's async API on an event loop in its own thread.

    The private loop never meets another asyncio loop of the test session, and lets the browser
    tests audit several pages at once (each in its own browser context). `run(coroutine)` runs a
    coroutine there and returns its result; `browser` is the Playwright Browser.
    """

    def __init__(self, executable: str, args: list[str]):
        from playwright.async_api import async_playwright

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="chromium", daemon=True)
        self.thread.start()
        self.playwright = self.browser = None
        try:
            self.playwright = self.run(async_playwright().start())
            self.browser = self.run(self.playwright.chromium.launch(
                executable_path=executable, args=args, headless=True))
        except BaseException:
            self.close()
            raise

    def run(self, coroutine, timeout: float | None = 600):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        if self.browser is not None:
            self.run(self.browser.close())
        if self.playwright is not None:
            self.run(self.playwright.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


@pytest.fixture(scope="session")
def browser() -> Chromium:
    """One headless Chromium for the whole session. Missing Chromium or Playwright is a failure,
    not a skip: the browser tests are part of the suite and CI installs both."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM!r}: the browser tests need Debian's chromium "
                    "(`apt-get install chromium`, which .ci/run does when it is missing) or "
                    "LOSSBOOK_CHROMIUM=/path/to/chromium.", pytrace=False)
    try:
        import playwright.async_api  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"Playwright for Python is not installed ({exc}); it is pinned in requirements.txt.",
                    pytrace=False)
    try:
        chromium = Chromium(CHROMIUM, CHROMIUM_ARGS)
    except Exception as exc:
        pytest.fail(f"Chromium at {CHROMIUM!r} did not start: {exc}", pytrace=False)
    yield chromium
    chromium.close()
