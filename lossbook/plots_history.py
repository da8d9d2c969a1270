"""Figures of the history chapter: the timeline, risk curves, Wald's risk functions, |r|^p fits.

Top layer: uses `lossbook.history` and `lossbook.plots` (palette, axes); nothing imports it.
Every function draws on given Matplotlib axes (or new ones) and returns them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .history import KINDS, Event, RiskCurve, fit_line_power
from .losses import TASKS
from .plots import PALETTE, new_axes

__all__ = ["plot_timeline", "plot_risk_curves", "plot_risk_functions", "plot_power_family"]

TASK_COLORS = dict(zip(TASKS, PALETTE[:4]))
KIND_COLORS = dict(zip(KINDS, (PALETTE[4], PALETTE[6], PALETTE[5], "0.45")))


def _year_position(year, first: int, split: int, last: int, share: float):
    """Piecewise-linear time axis: [first, split] gets `share` of the height, [split, last] the rest."""
    year = np.asarray(year, dtype=float)
    early = share * (year - first) / (split - first)
    late = share + (1 - share) * (year - split) / (last - split)
    return np.where(year <= split, early, late)


def _spread(targets: np.ndarray, gap: float) -> np.ndarray:
    """Label positions as close as possible to sorted `targets` in [0, 1], at least `gap` apart."""
    pos = np.array(targets, dtype=float)
    for i in range(1, pos.size):  # push down
        pos[i] = max(pos[i], pos[i - 1] + gap)
    pos[-1] = min(pos[-1], 1.0)
    for i in range(pos.size - 2, -1, -1):  # then pull up from the bottom
        pos[i] = min(pos[i], pos[i + 1] - gap)
    return pos


def plot_timeline(events: tuple[Event, ...], *, ax=None, first: int = 1750, split: int = 1935,
                  last: int = 2025, share: float = 0.3, fontsize: float = 8.0):
    """A vertical timeline: losses (from REGISTRY) on the left, milestones on the right.

    Time runs downwards on a piecewise-linear scale: `first`–`split` takes `share` of the height,
    `split`–`last` the rest. Each event is a dot on the axis joined to its label.
    """
    if not first < split < last:
        raise ValueError(f"plot_timeline: need first < split < last; got {first}, {split}, {last}")
    ax = new_axes(ax, figsize=(12.5, 9.5))
    sides = {"loss": (-1, [e for e in events if e.source == "loss"], TASK_COLORS),
             "milestone": (1, [e for e in events if e.source == "milestone"], KIND_COLORS)}
    ax.plot([0, 0], [0, 1], color="0.3", linewidth=1.5, zorder=1)
    for year in (1750, 1800, 1850, 1900, 1950, 1975, 2000, 2025):
        if first <= year <= last:
            y = float(_year_position(year, first, split, last, share))
            ax.text(0, y, str(year), ha="center", va="center", fontsize=fontsize - 1.5, color="0.25",
                    bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="0.7"), zorder=4)
    y_split = float(_year_position(split, first, split, last, share))
    ax.plot([-0.03, 0.03], [y_split] * 2, color="0.3", linewidth=3, zorder=2)
    for side, items, colors in sides.values():
        if not items:
            continue
        years = np.array([e.year for e in items])
        targets = _year_position(years, first, split, last, share)
        labels = _spread(targets, gap=min(0.8 / len(items), 0.05))
        for e, yt, yl in zip(items, targets, labels):
            color = colors[e.kind]
            ax.plot([side * 0.035, side * 0.09, side * 0.14], [yt, yt, yl], color=color,
                    linewidth=0.8, zorder=2)
            ax.plot(side * 0.035, yt, "o", color=color, markersize=4, zorder=5)
            text = f"{e.year}  {e.label}  [{e.reference}]" if side < 0 else f"{e.year}  {e.label}"
            ax.text(side * 0.15, yl, text, ha="right" if side < 0 else "left", va="center",
                    fontsize=fontsize, color=color)
        handles = [plt.Line2D([], [], color=c, marker="o", linewidth=0.8, label=k)
                   for k, c in colors.items() if any(e.kind == k for e in items)]
        ax.figure.legend(handles=handles, loc="outside lower left" if side < 0 else "outside lower right",
                         ncol=len(handles), title="losses, by task" if side < 0 else "milestones, by kind",
                         fontsize=fontsize, title_fontsize=fontsize, frameon=False)
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(1.03, -0.03)  # time runs downwards
    ax.axis("off")
    return ax


def plot_risk_curves(sample, curves: dict, marks: dict, *, axes=None):
    """A histogram of `sample` and, one panel each, the expected-loss curves of `curves`.

    ``curves = {title: (candidates, expected_loss)}``; ``marks = {title: {label: value}}`` adds
    vertical lines (e.g. the minimiser and NumPy's answer) to that panel; the first one is also
    drawn on the histogram. With at most 60 candidates the curve is drawn as markers only.
    """
    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=(10, 6.5), layout="constrained")
    axes = np.ravel(axes)
    if len(axes) < len(curves) + 1:
        raise ValueError(f"plot_risk_curves: need {len(curves) + 1} axes; got {len(axes)}")
    values, counts = np.unique(np.asarray(sample), return_counts=True)
    axes[0].bar(values, counts, width=0.8, color="0.7")
    axes[0].set_title(f"the sample (n = {np.size(sample)})")
    axes[0].set_xlabel("value")
    axes[0].set_ylabel("count")
    styles = ("-", "--", ":")
    for ax, (title, (candidates, risk)), color in zip(axes[1:], curves.items(), PALETTE):
        fmt = "o" if np.size(candidates) <= 60 else "-"  # a few points: the loss exists only there
        ax.plot(candidates, risk, fmt, color=color, markersize=3.5, linewidth=1.5)
        panel_marks = list(marks.get(title, {}).items())
        for i, (label, value) in enumerate(panel_marks):
            ax.axvline(value, color="black" if i == 0 else "0.45", linestyle=styles[i % len(styles)],
                       linewidth=1.2, label=label)
        if panel_marks:  # the minimiser of this panel's loss, on the histogram too
            axes[0].axvline(panel_marks[0][1], color=color, linewidth=2,
                            label=f"{title}: {panel_marks[0][1]:.2f}")
        ax.set_title(title)
        ax.set_xlabel("point estimate $a$")
        ax.set_ylabel("expected loss")
        ax.legend(fontsize=8)
    axes[0].legend(fontsize=8)
    return axes


def plot_risk_functions(curves: dict[str, RiskCurve], *, exact: dict | None = None, ax=None,
                        prior=None):
    """Monte-Carlo risk functions R(θ, δ), ±2 standard errors shaded, exact risks dashed.

    `prior`, an optional array of prior weights over the θ grid, is drawn (rescaled) in grey.
    """
    ax = new_axes(ax, figsize=(7, 4.5))
    exact = exact or {}
    for (label, curve), color in zip(curves.items(), PALETTE):
        ax.fill_between(curve.thetas, curve.risk - 2 * curve.standard_error,
                        curve.risk + 2 * curve.standard_error, color=color, alpha=0.25, linewidth=0)
        ax.plot(curve.thetas, curve.risk, color=color, linewidth=2, label=label)
        if label in exact:
            ax.plot(curve.thetas, exact[label], color="black", linestyle="--", linewidth=0.8)
    if exact:
        ax.plot([], [], color="black", linestyle="--", linewidth=0.8, label="exact risk")
    if prior is not None:
        thetas = next(iter(curves.values())).thetas
        top = ax.get_ylim()[1]
        ax.fill_between(thetas, 0, 0.35 * top * np.asarray(prior) / np.max(prior), color="0.6",
                        alpha=0.3, linewidth=0, label="prior (rescaled)")
    ax.set_xlabel(r"true parameter $\theta$")
    ax.set_ylabel(r"risk $R(\theta, \delta)$ (mean squared error)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return ax


def plot_power_family(x, y, y_clean, *, powers=(1.0, 1.5, 2.0, 3.0), p_grid=None, axes=None):
    """Left: lines minimising Σ|r|^p on data `y` (with an outlier); right: slope against p for
    `y` and for the uncorrupted `y_clean`."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    left, right = axes
    x = np.asarray(x, dtype=float)
    changed = np.flatnonzero(np.asarray(y) != np.asarray(y_clean))
    left.scatter(x, y, s=18, color="0.35", zorder=3, label="data")
    left.scatter(x[changed], np.asarray(y)[changed], s=60, facecolors="none", edgecolors="black",
                 zorder=4, label="outlier")
    grid = np.linspace(x.min(), x.max(), 2)
    for p, color in zip(powers, PALETTE):
        line = fit_line_power(x, y, p=p)
        left.plot(grid, line.predict(grid), color=color, linewidth=2, label=f"p = {p:g}")
    left.set_xlabel("$x$")
    left.set_ylabel("$y$")
    left.set_title(r"lines minimising $\Sigma_i\,|r_i|^p$")
    left.legend(fontsize=8, loc="upper left")
    p_grid = np.linspace(1, 4, 16) if p_grid is None else np.asarray(p_grid, dtype=float)
    for data, label, color in ((y, "with the outlier", PALETTE[1]), (y_clean, "without it", PALETTE[0])):
        slopes = [fit_line_power(x, data, p=float(p)).slope for p in p_grid]
        right.plot(p_grid, slopes, "-", color=color, linewidth=2, label=label)
    right.set_xlabel("power $p$")
    right.set_ylabel("fitted slope")
    right.set_title("how far one outlier moves the slope")
    right.legend(fontsize=8)
    return axes
