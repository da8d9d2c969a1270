"""Interactive explorers of the specialised-losses chapters (ipywidgets): the focal loss's γ and α on an
imbalanced problem, and the triplet loss's margin on a 2-D embedding of digits. Their static
counterparts are `lossbook.plots_specialized.plot_focal_settings` and a row of `plot_embedding`.

Top layer: uses `lossbook.specialized` and `lossbook.plots_specialized`; nothing imports this module.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots_specialized import plot_embedding, plot_focal_setting
from ..specialized import fit_linear_embedding, focal_loss_shares

__all__ = ["focal_explorer", "margin_explorer"]


def focal_explorer(y_true, y_prob, *, gamma: float = 2.0, easy: float = 0.9):
    """Sliders for the focal loss's γ (0 to 5) and α (a checkbox switches the weighting off).

    Left: the loss of a positive and of a negative against the predicted probability; right: which
    share of the total loss of the predictions ``y_prob`` on labels ``y_true`` comes from the
    positives, the hard negatives and the easy negatives (p_t ≥ ``easy``).
    """
    import ipywidgets as widgets  # imported here so that lossbook works without ipywidgets

    def show(gamma=gamma, use_alpha=False, alpha=0.25):
        a = alpha if use_alpha else None
        shares = focal_loss_shares(y_true, y_prob, gammas=[gamma], alpha=a, easy=easy)[gamma]
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
        plot_focal_setting(gamma, a, shares, axes=axes)
        plt.show()

    return widgets.interactive(
        show,
        gamma=widgets.FloatSlider(value=gamma, min=0.0, max=5.0, step=0.25, description="γ",
                                  continuous_update=False),
        use_alpha=widgets.Checkbox(value=False, description="weight classes by α"),
        alpha=widgets.FloatSlider(value=0.25, min=0.05, max=0.95, step=0.05, description="α (positives)",
                                  continuous_update=False),
    )


def margin_explorer(X, labels, *, margin: float = 1.0, mining: str = "semi-hard", n_steps: int = 200,
                    max_norm: float = 3.0, learning_rate: float = 0.2, random_state=0):
    """A slider for the triplet margin (0 to 8) and a menu for the mining strategy.

    Each change retrains the linear 2-D embedding of ``X`` with
    :func:`lossbook.specialized.fit_linear_embedding` (same seed, so only the margin or the mining
    differs) and draws it, with the final share of active triplets in the title.
    """
    import ipywidgets as widgets  # imported here so that lossbook works without ipywidgets

    def show(margin=margin, mining=mining):
        fit = fit_linear_embedding(X, labels, margin=margin, mining=mining, n_steps=n_steps, max_norm=max_norm,
                                   learning_rate=learning_rate, random_state=random_state)
        _, ax = plt.subplots(figsize=(5.5, 5), layout="constrained")
        plot_embedding(fit.transform(X), labels, ax=ax,
                       title=f"margin {margin:g}, {mining} mining: "
                             f"{np.mean(fit.active[-20:]):.0%} of triplets active")
        plt.show()

    return widgets.interactive(
        show,
        margin=widgets.FloatSlider(value=margin, min=0.0, max=8.0, step=0.1, description="margin",
                                   continuous_update=False),
        mining=widgets.Dropdown(options=["random", "semi-hard", "hard"], value=mining, description="mining"),
    )
