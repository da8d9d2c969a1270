"""Test-session set-up shared by the unit tests, the notebooks (nbval) and the site tests."""

from __future__ import annotations

import os
import random


def pytest_configure(config):
    # Notebooks must reproduce under any PYTHONHASHSEED: unless the caller fixed one, pick a
    # random seed for this session. nbval starts each notebook's kernel with this environment,
    # so a notebook whose output depends on set or dict-of-str ordering fails, sooner or later.
    os.environ.setdefault("PYTHONHASHSEED", str(random.SystemRandom().randrange(1, 2**32 - 1)))


def pytest_report_header(config):
    return [f"PYTHONHASHSEED={os.environ['PYTHONHASHSEED']} (set it to reproduce a failure)"]
