"""Restart & Run All for book notebooks, the way they must be committed.

    python tests/execute_notebooks.py book/what_is_a_loss.ipynb [more.ipynb ...]

Each notebook is executed top to bottom in a fresh kernel (working directory: its folder) and
written back with its outputs. Saved widget state is dropped: widgets need a live kernel, and
stored state would make the website load a widget manager from a CDN. The run stops at the first
cell that raises.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # timeout: a cell may take at most 20 s (the whole notebook must). It also bounds a wait of
    # nbclient after ipywidgets cells (with timeout=120 such a cell took 120 s to "finish").
    NotebookClient(nb, timeout=20, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(paths: list[str]) -> None:
    if not paths:
        sys.exit(__doc__)
    for p in paths:
        print(f"{p}: executed in {execute(Path(p)):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
