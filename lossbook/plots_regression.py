"""The figures of the regression chapter: losses and their gradients as functions of the residual,
the best constant under each loss, fitted curves, the contamination experiment, quantile fan charts,
band coverage by slice and the loss explorer's panels.

Top layer: uses `lossbook.losses`, `lossbook.models`, `lossbook.regression_experiments` (results it
draws) and `lossbook.plots`; nothing in lossbook imports it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .losses import get
from .models import LossRegressor
from .plots import PALETTE, new_axes
from .regression_experiments import Coverage

__all__ = ["plot_losses_and_gradients", "plot_constants", "plot_fits", "plot_contamination", "plot_fan_chart",
           "plot_coverage", "plot_explorer_panel", "plot_explorer_grid"]

LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)))


def plot_losses_and_gradients(specs: dict, *, residuals=None, axes=None):
    """Each loss ℓ(r) and its derivative dℓ/dr against the residual r = y - ŷ, side by side.

    ``specs`` maps a label to ``(loss, params)`` (a loss name or Loss, and a dict of its
    hyper-parameters). Only per-sample losses make sense here (not rmse). Returns the two axes.
    """
    r = np.linspace(-3, 3, 601) if residuals is None else np.asarray(residuals, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    left, right = axes
    zero = np.zeros_like(r)
    for (label, (loss, params)), color, style in zip(specs.items(), PALETTE, LINESTYLES):
        loss = get(loss)
        params = params or {}
        kw = dict(color=color, linestyle=style, linewidth=1.8, label=label)
        left.plot(r, loss(r, zero, reduction="none", **params), **kw)
        right.plot(r, -loss.gradient(r, zero, **params), **kw)  # dℓ/dr = -∂ℓ/∂ŷ
    left.set_ylim(-0.1, 3.0)
    left.set_title("loss ℓ(r)")
    right.set_title("derivative dℓ/dr: the pull of one point")
    right.set_ylim(-3.2, 3.2)
    for ax in axes:
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8)
        ax.set_xlabel("residual $r = y - \\hat y$")
    left.figure.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=9)
    return axes


def plot_constants(sample, constants: dict, *, ax=None, bins: int = 40):
    """A histogram of ``sample`` with one vertical line per best constant.

    ``constants`` maps a label to ``(c, statistic, ...)``: the constant c minimising a loss and the
    name of the statistic it equals ("" if none); further items are ignored. The legend reads
    "label → statistic: c".
    """
    ax = new_axes(ax, figsize=(7, 3.8))
    sample = np.asarray(sample, dtype=float)
    ax.hist(sample, bins=bins, color="0.8", edgecolor="white", label=f"sample ({sample.size} values)")
    for (label, (c, statistic, *_)), color, style in zip(constants.items(), PALETTE, LINESTYLES):
        name = f"{label} → {statistic}" if statistic else label
        ax.axvline(c, color=color, linestyle=style, linewidth=2.2, label=f"{name}: {c:.2f}")
    ax.set_xlabel("value")
    ax.set_ylabel("count")
    ax.legend()
    return ax


def plot_fits(x, y, models: dict, *, ax=None, outliers=None, grid=None, title=None):
    """Data and the curves of fitted models ``{label: estimator}`` over x (one feature).

    Each estimator's ``predict`` receives a column ``grid[:, None]``, so a pipeline with
    polynomial features works as well as a line. ``outliers`` (boolean mask) marks points drawn
    as red crosses.
    """
    ax = new_axes(ax)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    bad = np.zeros(x.size, bool) if outliers is None else np.asarray(outliers, bool)
    ax.scatter(x[~bad], y[~bad], s=16, color="0.45", label="data", zorder=3)
    if bad.any():
        ax.scatter(x[bad], y[bad], s=40, marker="x", color=PALETTE[1], label="outliers", zorder=3)
    grid = np.linspace(x.min(), x.max(), 200) if grid is None else grid
    for (label, model), color, style in zip(models.items(), (PALETTE[0], PALETTE[2], PALETTE[3], PALETTE[4], PALETTE[6]),
                                            LINESTYLES):
        ax.plot(grid, model.predict(grid[:, None]), color=color, linestyle=style, linewidth=2, label=label)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_contamination(fractions, errors: dict, *, ax=None, ylabel="test RMSE"):
    """Test error against the contaminated fraction: one thin line per seed (the spread) and the
    mean over seeds in bold, for each model ``{label: array (n_seeds, n_fractions)}``."""
    ax = new_axes(ax, figsize=(6.5, 4.2))
    fractions = np.asarray(fractions, dtype=float)
    for (label, values), color, marker in zip(errors.items(), PALETTE, "osD^v"):
        values = np.asarray(values, dtype=float)
        for row in values:
            ax.plot(fractions, row, color=color, linewidth=0.7, alpha=0.35)
        ax.plot(fractions, values.mean(axis=0), color=color, marker=marker, linewidth=2.2,
                label=f"{label} (mean of {values.shape[0]} seeds)")
    ax.set_xlabel("fraction $p$ of training targets shifted by +5 standard deviations")
    ax.set_ylabel(ylabel)
    ax.set_xticks(fractions)
    ax.legend()
    return ax


def plot_fan_chart(x, y, quantile_models: dict, *, ax=None, title=None):
    """Data with fitted conditional quantiles ``{q: estimator}`` (lines) and the band between the
    lowest and the highest quantile shaded."""
    ax = new_axes(ax)
    x = np.asarray(x, dtype=float)
    grid = np.linspace(x.min(), x.max(), 200)
    qs = sorted(quantile_models)
    curves = {q: quantile_models[q].predict(grid[:, None]) for q in qs}
    ax.scatter(x, y, s=8, color="0.55", alpha=0.6, label="data", zorder=2)
    ax.fill_between(grid, curves[qs[0]], curves[qs[-1]], color=PALETTE[0], alpha=0.18,
                    label=f"{qs[0]:g}–{qs[-1]:g} band")
    for q, style in zip(qs, ("--", "-", "-.", ":", "--")):
        ax.plot(grid, curves[q], color=PALETTE[0] if q != 0.5 else PALETTE[1], linestyle=style, linewidth=2,
                label=f"q = {q:g}")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def _slice_names(edges) -> list[str]:
    if not edges:
        return ["all x"]
    names = [f"x < {edges[0]:.2g}"]
    names += [f"{a:.2g} – {b:.2g}" for a, b in zip(edges[:-1], edges[1:])]
    return names + [f"x > {edges[-1]:.2g}"]


def plot_coverage(coverages: dict, *, target: float = 0.8, ax=None, spread: dict | None = None,
                  ylabel: str = "coverage on held-out points"):
    """Empirical coverage of prediction bands in each slice of x, as grouped bars, with the
    ``target`` as a dashed line. ``coverages`` maps a label to a
    `lossbook.regression_experiments.Coverage` (all sliced at the same edges); ``spread`` may map
    some labels to a per-slice half-width drawn as an error bar (e.g. the standard deviation of
    the coverage over refits)."""
    ax = new_axes(ax, figsize=(5, 4))
    if not coverages or not all(isinstance(c, Coverage) for c in coverages.values()):
        raise ValueError("plot_coverage: coverages must be a non-empty dict {label: Coverage}; "
                         f"got {coverages!r}")
    edges = {c.edges for c in coverages.values()}
    if len(edges) != 1:
        raise ValueError(f"plot_coverage: every Coverage must use the same slices; got edges {sorted(edges)}")
    names = _slice_names(next(iter(edges)))
    width = 0.8 / len(coverages)
    lowest = target
    for i, ((label, cov), color) in enumerate(zip(coverages.items(), PALETTE)):
        offset = (i - (len(coverages) - 1) / 2) * width
        err = None if spread is None or label not in spread else np.asarray(spread[label], dtype=float)
        ax.bar(np.arange(len(names)) + offset, cov.by_slice, width=0.9 * width, color=color, label=label,
               yerr=err, capsize=3 if err is not None else 0)
        lowest = min(lowest, float(cov.by_slice.min()))
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:.0%}")
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(min(0.5, lowest - 0.05), 1.0)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_explorer_panel(x, y, *, delta: float, q: float, ax=None, outliers=None, legend: bool = True):
    """The loss explorer's picture: least squares (reference), Huber with this δ and the q-th
    quantile line, fitted with `LossRegressor` on data with outliers; δ and q in the title."""
    X = np.asarray(x, dtype=float)[:, None]
    models = {
        "squared error": LossRegressor(loss="mse").fit(X, y),
        "Huber (δ)": LossRegressor(loss="huber", loss_params={"delta": delta}).fit(X, y),
        "quantile (q)": LossRegressor(loss="quantile", loss_params={"q": q}).fit(X, y),
    }
    ax = plot_fits(x, y, models, ax=ax, outliers=outliers)
    ax.set_title(f"δ = {delta:.3g},  q = {q:.2f}", fontsize=10)
    if not legend:
        ax.get_legend().remove()
    return ax


def plot_explorer_grid(x, y, settings, *, outliers=None, ncols: int = 3):
    """Small multiples of `plot_explorer_panel` for a list of ``(delta, q)`` settings, on shared
    axes: the static version of the explorer. Returns the figure."""
    settings = list(settings)
    nrows = -(-len(settings) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.0 * nrows), sharex=True, sharey=True,
                             layout="constrained", squeeze=False)
    for ax, (delta, q) in zip(axes.flat, settings):
        plot_explorer_panel(x, y, delta=delta, q=q, ax=ax, outliers=outliers, legend=False)
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside lower center", ncols=5, fontsize=9)
    for ax in axes.flat[len(settings):]:
        ax.set_visible(False)
    for ax in axes.flat:
        if ax.get_subplotspec().colspan.start != 0:
            ax.set_ylabel("")
        if ax.get_subplotspec().rowspan.stop != nrows:
            ax.set_xlabel("")
    return fig
