"""Interactive explorer of the classification chapter (ipywidgets): choose a loss and the
regularisation, watch the decision boundary and the distribution of margins.

Top layer: uses `lossbook.models` and `lossbook.plots_classification`; nothing imports this module.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt

from ..models import LossClassifier
from ..plots_classification import plot_boundary_and_margins

__all__ = ["classification_explorer", "EXPLORER_LOSSES"]

EXPLORER_LOSSES = ("binary_cross_entropy_with_logits", "hinge", "squared_hinge", "exponential")


def classification_explorer(X, y, *, losses=EXPLORER_LOSSES, alpha: float = 0.01):
    """A loss menu and an L2-strength slider for a linear classifier on two-feature, two-class data.

    Left: the decision regions, the boundary f(x) = 0 and the margin band f(x) = ±1; right: the
    histogram of the training margins y·f(x) with the loss φ(m) over it. The static figure in the
    chapter shows the same panels for a few fixed settings.
    """
    import ipywidgets as widgets  # imported here so that lossbook works without ipywidgets

    if not alpha > 0:
        raise ValueError(f"classification_explorer: alpha must be > 0 (the slider is logarithmic); got {alpha!r}")

    def show(loss=losses[0], log10_alpha=math.log10(alpha)):
        a = 10.0 ** log10_alpha
        model = LossClassifier(loss, alpha=a).fit(X, y)
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        plot_boundary_and_margins(model, X, y, axes=axes, loss=loss)
        fig.suptitle(f"{loss}, alpha = {a:.3g}: training accuracy {model.score(X, y):.3f}, "
                     f"|w| = {float((model.coef_ ** 2).sum()) ** 0.5:.2f}")
        plt.show()

    return widgets.interactive(
        show,
        loss=widgets.Dropdown(options=list(losses), value=losses[0], description="loss"),
        log10_alpha=widgets.FloatSlider(value=math.log10(alpha), min=-4, max=1, step=0.25,
                                        description="log10 alpha", continuous_update=False),
    )
