"""The regression chapter's explorer (ipywidgets): Huber's δ and the quantile level q move fitted
lines on data with outliers. Its static counterpart is `lossbook.plots_regression.plot_explorer_grid`.

Top layer: uses `lossbook.plots_regression`; nothing imports this module.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..plots_regression import plot_explorer_panel

__all__ = ["regression_explorer"]


def regression_explorer(x, y, *, outliers=None, delta: float = 1.0, q: float = 0.5):
    """Sliders for Huber's δ (log scale, 0.01 to 100) and the quantile level q (0.05 to 0.95).

    Each change refits the Huber and quantile lines with `LossRegressor` and redraws them next to
    the least-squares line; ``outliers`` (boolean mask) marks the corrupted points.
    """
    import ipywidgets as widgets  # imported here so that lossbook works without ipywidgets

    def show(delta=delta, q=q):
        _, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
        plot_explorer_panel(x, y, delta=delta, q=q, ax=ax, outliers=outliers)
        plt.show()

    return widgets.interactive(
        show,
        delta=widgets.FloatLogSlider(value=delta, base=10, min=-2, max=2, step=0.05, description="Huber δ",
                                     continuous_update=False),
        q=widgets.FloatSlider(value=q, min=0.05, max=0.95, step=0.05, description="quantile q",
                              continuous_update=False),
    )
