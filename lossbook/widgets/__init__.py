"""Interactive explorers for JupyterLab (ipywidgets), one module per chapter. Each explorer has a
static figure in its chapter that tells the same story on the website, where widgets cannot run.

Top layer: may use every other part of lossbook; nothing in lossbook imports it.
"""

from .descent import descent_explorer

__all__ = ["descent_explorer"]
