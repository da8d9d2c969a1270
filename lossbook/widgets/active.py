"""The active-learning explorer for JupyterLab (ipywidgets): step through the queries of a strategy
on a 2-D problem. Top layer: uses `lossbook.active` and `lossbook.plots_active`; nothing imports it.
"""

from __future__ import annotations

from functools import partial

import matplotlib.pyplot as plt

from .. import active
from ..plots_active import plot_round, plot_scores

__all__ = ["active_explorer"]


def active_explorer(X, y, *, estimator, strategies=None, n_initial: int = 3, batch_size: int = 5,
                    n_rounds: int = 12):
    """Choose a strategy and a seed, then step through the rounds of the simulated loop.

    Left: the model after the round (regions, uncertainty contours, labelled points, the batch
    just queried ringed). Right: the scores that chose that batch. Each (strategy, seed) run is
    computed once and cached, so moving the round slider is instant. ``strategies``: names or
    ``{label: name or callable}``; by default every strategy, expected error reduction with
    exact refits (cheap in 2-D, where one new point can move the model far).
    """
    import ipywidgets as widgets  # imported here so that lossbook works without ipywidgets

    if strategies is None:
        strategies = {name: name for name in active.STRATEGIES}
        strategies["expected_error_reduction"] = partial(active.expected_error_reduction, update="refit",
                                                         n_candidates=20)
    elif not isinstance(strategies, dict):
        strategies = {name: name for name in strategies}
    budget = n_initial + n_rounds * batch_size
    cache = {}

    def runs(strategy, seed):
        if (strategy, seed) not in cache:
            cache[strategy, seed] = active.history(strategies[strategy], X, y, estimator=estimator,
                                                   n_initial=n_initial, batch_size=batch_size,
                                                   budget=budget, seed=seed)
        return cache[strategy, seed]

    def show(strategy="margin", seed=0, round_index=1):
        r = runs(strategy, seed)[round_index]
        fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.3), layout="constrained")
        plot_round(X, y, r, ax=left, title=f"{strategy}, round {round_index}: {r.labelled.size} labels")
        if round_index == 0:
            right.set_axis_off()
            right.text(0.5, 0.5, f"round 0: {n_initial} random labels,\none per class where possible",
                       ha="center", va="center")
        else:
            plot_scores(X, r, ax=right)
        plt.show()

    return widgets.interactive(
        show,
        strategy=widgets.Dropdown(options=list(strategies), value="margin" if "margin" in strategies
                                  else list(strategies)[0], description="strategy"),
        seed=widgets.IntSlider(value=0, min=0, max=9, description="seed", continuous_update=False),
        round_index=widgets.IntSlider(value=1, min=0, max=n_rounds, description="round", continuous_update=False),
    )
