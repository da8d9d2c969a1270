"""Explorer of the history chapter: drag one point away and watch lines fitted with Σ|r|^p.

Top layer: uses `lossbook.history` and `lossbook.plots`; nothing imports this module. Its static
counterpart on the website is `lossbook.plots_history.plot_power_family`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..history import fit_line_lad, fit_line_least_squares, fit_line_power
from ..plots import PALETTE

__all__ = ["outlier_explorer"]


def outlier_explorer(x, y, *, index: int = -1, max_shift: float = 30.0):
    """Sliders for the displacement of point `index` and the power p of the loss |r|^p.

    The figure shows the data, the least-squares (p = 2) and least-absolute-deviations (p = 1)
    lines for reference, and the line minimising Σ|r|^p in bold, with the three slopes.
    """
    import ipywidgets as widgets  # imported here so that lossbook works without ipywidgets

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if not -x.size <= index < x.size:
        raise ValueError(f"outlier_explorer: index must be a valid position in x (size {x.size}); got {index}")
    grid = np.linspace(x.min(), x.max(), 2)

    def show(shift=15.0, p=2.0):
        moved = y.copy()
        moved[index] += shift
        fits = {"least squares (p = 2)": fit_line_least_squares(x, moved),
                "least absolute deviations (p = 1)": fit_line_lad(x, moved),
                f"Σ|r|^p with p = {p:.2f}": fit_line_power(x, moved, p=p)}
        fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
        ax.scatter(x, moved, s=20, color="0.35", zorder=3)
        ax.scatter(x[index], moved[index], s=70, facecolors="none", edgecolors="black", zorder=4)
        for (label, line), color, width in zip(fits.items(), PALETTE, (1.2, 1.2, 3)):
            ax.plot(grid, line.predict(grid), color=color, linewidth=width,
                    label=f"{label}: slope {line.slope:.3f}")
        ax.set_xlabel("$x$")
        ax.set_ylabel("$y$")
        ax.legend(fontsize=8)
        ax.set_title(f"point {index % x.size} moved by {shift:+.1f}")
        plt.show()

    return widgets.interactive(
        show,
        shift=widgets.FloatSlider(value=15.0, min=-max_shift, max=max_shift, step=0.5,
                                  description="outlier shift", continuous_update=False),
        p=widgets.FloatSlider(value=2.0, min=1.0, max=4.0, step=0.05, description="power p",
                              continuous_update=False),
    )
