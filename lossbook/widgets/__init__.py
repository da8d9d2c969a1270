"""Interactive explorers for JupyterLab (ipywidgets), one module per chapter. Each explorer has a
static figure in its chapter that tells the same story on the website, where widgets cannot run.

Top layer: may use every other part of lossbook; nothing in lossbook imports it. Explorers are
imported on first use, so that ``import lossbook.widgets`` stays cheap.
"""

from importlib import import_module

# explorer name -> module of lossbook.widgets that defines it
_EXPLORERS = {
    "descent_explorer": "descent",            # What a loss function is
    "outlier_explorer": "history",            # A history of loss functions
    "regression_explorer": "regression",      # Regression losses
    "classification_explorer": "classification",
    "focal_explorer": "specialized",
    "margin_explorer": "specialized",
    "optim_explorer": "optim",                # Backpropagation and optimisation
    "active_explorer": "active",              # Active learning
}

__all__ = sorted(_EXPLORERS)


def __getattr__(name):
    if name in _EXPLORERS:
        return getattr(import_module(f".{_EXPLORERS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
