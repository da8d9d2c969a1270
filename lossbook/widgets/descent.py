"""Interactive explorers for JupyterLab (ipywidgets). Each one has a static figure in its chapter
that tells the same story on the website, where widgets cannot run.

Top layer: uses `lossbook.models` and `lossbook.plots`; nothing imports this module.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..models import gradient_descent
from ..plots import plot_descent_path, plot_loss_curve, plot_loss_surface

__all__ = ["descent_explorer"]


def descent_explorer(x, y, *, intercepts, slopes, loss="mse", n_steps=50):
    """Sliders for the learning rate and the number of steps of gradient descent on a line fit.

    Left: the loss surface with the path; right: the loss per step. A learning rate that makes the
    iterates diverge is reported in the figure title instead of raising.
    """
    import ipywidgets as widgets  # imported here so that lossbook works without ipywidgets

    def show(learning_rate=0.3, steps=n_steps):
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        plot_loss_surface(x, y, intercepts, slopes, loss=loss, ax=left)
        try:
            path = gradient_descent(x, y, loss=loss, learning_rate=learning_rate, n_steps=steps)
        except ValueError as error:
            fig.suptitle(str(error).split(":", 1)[1].strip())
        else:
            plot_descent_path(path, ax=left)
            # a large step may leave the window: keep the surface in view
            left.set_xlim(np.min(intercepts), np.max(intercepts))
            left.set_ylim(np.min(slopes), np.max(slopes))
            plot_loss_curve(path.losses, ax=right)
            fig.suptitle(f"learning rate {learning_rate:.2f}: loss {path.losses[-1]:.4g} after {steps} steps")
        plt.show()

    return widgets.interactive(
        show,
        learning_rate=widgets.FloatSlider(value=0.3, min=0.01, max=1.2, step=0.01, description="learning rate",
                                          continuous_update=False),
        steps=widgets.IntSlider(value=n_steps, min=1, max=200, description="steps", continuous_update=False),
    )
