"""Every explorer in lossbook/widgets/ is reachable as lossbook.widgets.<name>, and builds."""

import ast
from pathlib import Path

import lossbook.widgets as widgets

FOLDER = Path(widgets.__file__).parent


def test_every_explorer_is_listed():
    defined = {node.name for path in FOLDER.glob("[!_]*.py")
               for node in ast.parse(path.read_text()).body
               if isinstance(node, ast.FunctionDef) and node.name.endswith("_explorer")}
    assert defined == set(widgets.__all__)
    for name in widgets.__all__:
        assert callable(getattr(widgets, name))
