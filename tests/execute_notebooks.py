"""Restart & Run All for book notebooks, the way they must be committed.

    python tests/execute_notebooks.py book/what_is_a_loss.ipynb [more.ipynb ...]

Each notebook is executed top to bottom in a fresh kernel (working directory: its folder) and
written back with its outputs, without execution timestamps (nbclient's `record_timing` would
store the date and time of every cell in its metadata). Saved widget state is dropped: widgets need a live kernel, and
stored state would make the website load a widget manager from a CDN. The run stops at the first
cell that raises.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from queue import Empty

import nbformat
from nbclient import NotebookClient


class Client(NotebookClient):
    """nbclient whose shell channel polls in short slices. A single zmq.asyncio poll can miss the
    wake-up of a reply that arrives during a burst of widget messages (nbclient issue #312) and then
    waits for the whole cell timeout although the kernel answered at once."""

    async def async_start_new_kernel_client(self, **kwargs):
        client = await super().async_start_new_kernel_client(**kwargs)
        channel = client.shell_channel
        get_msg = channel.get_msg

        async def sliced_get_msg(timeout=None):
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                step = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
                try:
                    return await get_msg(timeout=step)
                except Empty:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise

        channel.get_msg = sliced_get_msg
        return client


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # timeout: a cell may take at most 20 s (the whole notebook must). It also bounds a wait of
    # nbclient after ipywidgets cells (with timeout=120 such a cell took 120 s to "finish").
    Client(nb, timeout=20, kernel_name="python3", record_timing=False,
           resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:  # timestamps of an earlier run (before record_timing=False)
        cell.metadata.pop("execution", None)
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
