"""Interactive explorer for the backpropagation chapter: learning rate and momentum moving a path
of gradient descent on a two-parameter loss surface.

Top layer: uses `lossbook.autodiff`, `lossbook.nn` and `lossbook.plots_backprop`; nothing imports
this module. The chapter shows a static figure that tells the same story on the website.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..autodiff import grad
from ..nn import descend, tilted_double_well
from ..plots import PALETTE
from ..plots_backprop import plot_surface_paths

__all__ = ["optim_explorer"]


def optim_explorer(f=tilted_double_well, *, start=(1.8, 1.6), u_range=(-2.0, 2.0), v_range=(-2.0, 2.0),
                   n_steps: int = 80):
    """Sliders for the learning rate, the momentum and the number of steps of gradient descent on
    ``f(u, v)`` (by default :func:`lossbook.nn.tilted_double_well`), started at `start`.

    Left: the surface with the path; right: f along the path. Gradients come from
    :func:`lossbook.autodiff.grad`, so any `f` written with Tensor operations works.
    """
    import ipywidgets as widgets  # imported here so that lossbook works without ipywidgets

    gradient = grad(lambda p: f(p[0], p[1]))

    def show(learning_rate=0.05, momentum=0.0, steps=n_steps):
        path = descend(gradient, start, learning_rate=learning_rate, momentum=momentum, n_steps=steps)
        finite = path[np.all(np.isfinite(path), axis=1)]
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        plot_surface_paths(f, {f"η = {learning_rate:.3g}, μ = {momentum:.2f}": path},
                           u_range=u_range, v_range=v_range, ax=left)
        right.plot(np.arange(len(finite)), f(finite[:, 0], finite[:, 1]), color=PALETTE[1], linewidth=1.8)
        right.set_xlabel("step")
        right.set_ylabel("f(u, v)")
        status = "diverged" if len(finite) < len(path) else f"ends at ({finite[-1, 0]:.2f}, {finite[-1, 1]:.2f})"
        fig.suptitle(f"learning rate {learning_rate:.3g}, momentum {momentum:.2f}: {status}")
        plt.show()

    return widgets.interactive(
        show,
        learning_rate=widgets.FloatLogSlider(value=0.05, base=10, min=-3, max=-0.5, step=0.05,
                                             description="learning rate", continuous_update=False),
        momentum=widgets.FloatSlider(value=0.0, min=0.0, max=0.95, step=0.05, description="momentum",
                                     continuous_update=False),
        steps=widgets.IntSlider(value=n_steps, min=1, max=300, description="steps", continuous_update=False),
    )
