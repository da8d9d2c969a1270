"""How heavy and how fast is the website? Build time, size, the heaviest page, load times in Chromium.

A script, not a test::

    python benchmarks/bench_site.py                  # build into a temporary folder, 3 loads a page
    python benchmarks/bench_site.py --repeat 5
    python benchmarks/bench_site.py --site _build/html   # measure an existing build (no build time)

It reports

* the build time of ``jupyter-book build . -n`` (a fresh build into a temporary folder; chapters are
  not executed, the site shows their stored outputs, but the cheat sheet is), and any Sphinx warning
  (the tests fail on it);
* the size of the whole site, and of its parts (theme and MathJax in ``_static``, figures in
  ``_images``, downloadable sources in ``_sources``, the HTML pages);
* every page's weight, twice: the page alone (its HTML plus the images it shows), and the page with
  everything the browser actually requested to display it on a cold cache (theme scripts and
  styles, fonts, MathJax and the components it loads on demand, images...), measured from the
  requests Chromium made; and which page is the heaviest by each measure;
* the time to load each page in headless Chromium (Debian's ``chromium``), served over http from
  127.0.0.1 with every other host blocked, in a fresh browser context (cold cache) each time:
  ``DOMContentLoaded``, the ``load`` event, and "ready" = MathJax has typeset every formula. The
  median of ``--repeat`` loads is shown, with the machine's load average (a busy machine is slow).

Pages are those of ``_toc.yml`` plus the index and search pages, as in tests/website/.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import book_toc  # noqa: E402  (the one reader of _toc.yml, shared with the tests)
CHROMIUM = os.environ.get("LOSSBOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def toc_pages() -> list[str]:
    """The HTML page of every file in _toc.yml (root first, reading order), then index and search."""
    return book_toc.toc_pages() + ["genindex.html", "search.html"]


def build(out: Path) -> tuple[float, list[str]]:
    """Build time in seconds, and the warnings (the tests fail on any; a benchmark only reports)."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    start = time.perf_counter()
    result = subprocess.run([str(jupyter_book), "build", str(ROOT), "-n", "--path-output", str(out)],
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0 or not (out / "_build" / "html" / "index.html").exists():
        sys.exit(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    # Sphinx's warnings (the kernel that executes the cheat sheet logs its own, harmless, ones).
    warnings = [line for line in (result.stdout + result.stderr).splitlines()
                if "WARNING" in line and not line.startswith("[IPKernelApp]")]
    return seconds, warnings


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src")
        if tag == "img" and src:
            self.sources.append(src)


def page_weight(site: Path, rel: str) -> tuple[int, int, int]:
    """(HTML bytes, image bytes, number of images) of one page; each image counted once."""
    page = site / rel
    parser = _Images()
    parser.feed(page.read_text(encoding="utf-8"))
    images = set()
    for src in parser.sources:
        parts = urlsplit(src)
        if not parts.scheme and not parts.netloc:
            path = (page.parent / unquote(parts.path)).resolve()
            if path.is_file():
                images.add(path)
    return page.stat().st_size, sum(p.stat().st_size for p in images), len(images)


def mb(n: int) -> str:
    return f"{n / 1e6:7.2f} MB"


def served_file(site: Path, base: str, url: str) -> Path | None:
    """The file of the site that the local server sends for `url` (None for other hosts)."""
    if not url.startswith(base):
        return None
    path = site / unquote(urlsplit(url).path[len(urlsplit(base).path):])
    if path.is_dir():
        path = path / "index.html"
    return path if path.is_file() else None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def load_times(site: Path, pages: list[str], repeat: int) -> dict[str, dict[str, float]]:
    """Median DOMContentLoaded / load / ready (MathJax done) times in ms; and, from the first (cold
    cache) load, the bytes and number of the distinct files the page requested."""
    from playwright.sync_api import sync_playwright

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    results: dict[str, dict[str, float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        blocked: list[str] = []

        def route(r):
            if r.request.url.startswith(base):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        # One untimed load first: starts Chromium's renderer and the server's threads.
        context = browser.new_context()
        context.new_page().goto(base + pages[0])
        context.close()
        for rel in pages:
            samples = []
            requested: set[str] = set()
            for i in range(repeat):
                context = browser.new_context(viewport={"width": 1280, "height": 900})  # cold cache
                context.route("**/*", route)
                page = context.new_page()
                if i == 0:
                    page.on("request", lambda request: requested.add(request.url))
                page.goto(base + rel, wait_until="load")
                samples.append(page.evaluate("""async () => {
                    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
                    const ready = performance.now();
                    const nav = performance.getEntriesByType('navigation')[0];
                    return [nav.domContentLoadedEventEnd, nav.loadEventEnd, ready];
                }"""))
                if i == 0:
                    page.wait_for_load_state("networkidle")  # components MathJax loads late
                context.close()
            results[rel] = {key: statistics.median(s[i] for s in samples)
                            for i, key in enumerate(("dcl", "load", "ready"))}
            files = {served_file(site, base, url) for url in requested}
            files.discard(None)
            results[rel]["requests"] = len(requested)
            results[rel]["loaded_bytes"] = sum(f.stat().st_size for f in files)
        browser.close()
    httpd.shutdown()
    if blocked:
        print(f"WARNING: {len(blocked)} requests to other hosts were blocked, e.g. {blocked[0]}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="an existing build (its html folder); skips the build")
    parser.add_argument("--repeat", type=int, default=3, help="loads per page (median shown)")
    args = parser.parse_args()

    tmp = None
    if args.site:
        site, build_seconds = args.site.resolve(), None
    else:
        tmp = Path(tempfile.mkdtemp(prefix="lossbook-site-"))
        build_seconds, warnings = build(tmp)
        site = tmp / "_build" / "html"
    try:
        pages = [p for p in toc_pages() if (site / p).is_file()]
        print(f"lossbook website: {len(pages)} pages; Python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        if build_seconds is not None:
            print(f"\nbuild (jupyter-book build -n, fresh; only the cheat sheet executed): {build_seconds:.1f} s")
            for line in warnings:
                print(f"  {line.strip()}")

        total = size_of(site)
        files = sum(1 for p in site.rglob("*") if p.is_file())
        print(f"\nsite size: {mb(total)} in {files} files")
        parts = {"_static (theme, MathJax, search)": size_of(site / "_static"),
                 "_images (figures)": size_of(site / "_images"),
                 "_sources (downloadable .ipynb/.md)": size_of(site / "_sources"),
                 "HTML pages and search index": sum(p.stat().st_size for p in site.rglob("*.html"))
                 + size_of(site / "searchindex.js")}
        for name, n in parts.items():
            print(f"  {name:38s} {mb(n)}  ({100 * n / total:4.1f} %)")

        weights = {rel: page_weight(site, rel) for rel in pages}
        times = load_times(site, pages, args.repeat)
        heaviest = max(weights, key=lambda r: weights[r][0] + weights[r][1])
        html, img, count = weights[heaviest]
        print(f"\nheaviest page alone: {heaviest}: {mb(html + img)} = HTML {mb(html)} + {count} images {mb(img)}")
        loaded = max(times, key=lambda r: times[r]["loaded_bytes"])
        shared = times[loaded]["loaded_bytes"] - sum(weights[loaded][:2])
        print(f"heaviest page with everything it loads: {loaded}: {mb(times[loaded]['loaded_bytes'])} in "
              f"{times[loaded]['requests']} requests (HTML and images {mb(sum(weights[loaded][:2]))}, "
              f"shared scripts, styles, fonts and MathJax {mb(shared)})")

        print(f"\npage weights and load times in headless Chromium (median of {args.repeat}, cold cache, ms)")
        print(f"  {'page':32s} {'HTML':>8s} {'images':>8s} {'loaded':>9s} {'requests':>8s} "
              f"{'DOMContentLoaded':>17s} {'load':>6s} {'ready':>6s}")
        for rel in pages:
            html, img, count = weights[rel]
            t = times[rel]
            print(f"  {rel:32s} {html / 1e3:5.0f} kB {img / 1e3:5.0f} kB {t['loaded_bytes'] / 1e3:6.0f} kB "
                  f"{t['requests']:8d} {t['dcl']:17.0f} {t['load']:6.0f} {t['ready']:6.0f}")
        slowest = max(times, key=lambda r: times[r]["ready"])
        print(f"\nslowest page to be ready: {slowest} ({times[slowest]['ready']:.0f} ms); "
              f"median over pages {statistics.median(t['ready'] for t in times.values()):.0f} ms")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
