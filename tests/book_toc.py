"""The book's table of contents as data: one reader of `_toc.yml` for the tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    """Every file of `_toc.yml` (root first, then in reading order), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found: list[str] = [str(Path(toc["root"]).with_suffix(""))]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(str(Path(node["file"]).with_suffix("")))
            for key, value in node.items():
                if key != "file":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc.get("parts", toc.get("chapters", [])))
    return list(dict.fromkeys(found))


def toc_pages() -> list[str]:
    """The HTML page (relative to the site root) of every file in `_toc.yml`."""
    return [f + ".html" for f in toc_files()]
