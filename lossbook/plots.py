"""The figures the course draws more than once, in one consistent style.

Top layer: uses `lossbook.losses` and `lossbook.models`, never the other way round. Every function
draws on a given Matplotlib ``Axes`` (or a new one) and returns it, so a notebook can add to it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .models import DescentPath, loss_surface

__all__ = ["new_axes", "plot_loss_surface", "plot_descent_path", "plot_loss_curve", "plot_fit"]

# Colour-blind-safe palette (Okabe & Ito), used in this order across the book.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def new_axes(ax=None, figsize=(5.5, 4.0)):
    """The given axes, or a new figure's axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_loss_surface(x, y, intercepts, slopes, *, loss="mse", loss_params=None, ax=None, levels=20):
    """Filled contours of the empirical risk of the line ŷ = b + w·x over (b, w)."""
    ax = new_axes(ax)
    Z = loss_surface(x, y, intercepts, slopes, loss=loss, loss_params=loss_params)
    # Contours of log-spaced levels show the valley floor as clearly as the walls.
    lv = np.geomspace(max(Z.min(), 1e-12), Z.max(), levels)
    cs = ax.contourf(intercepts, slopes, Z, levels=lv, cmap="viridis_r", norm="log")
    ax.contour(intercepts, slopes, Z, levels=lv, colors="white", linewidths=0.4, alpha=0.6)
    ax.figure.colorbar(cs, ax=ax, label="empirical risk (log scale)", format="{x:.2g}")
    ax.set_xlabel("intercept $b$")
    ax.set_ylabel("slope $w$")
    return ax


def plot_descent_path(path: DescentPath, *, ax=None, every: int = 1, color=PALETTE[1], label="gradient descent"):
    """The (intercept, slope) iterates of a one-feature `DescentPath`, start and end marked."""
    ax = new_axes(ax)
    p = path.params
    if p.shape[1] != 2:
        raise ValueError(f"plot_descent_path: path must have two parameters (slope, intercept); "
                         f"got {p.shape[1]}")
    slope, intercept = p[::every, 0], p[::every, 1]
    ax.plot(intercept, slope, "-o", color=color, markersize=3, linewidth=1.2, label=label)
    ax.plot(p[0, 1], p[0, 0], "s", color="black", markersize=7, label="start")
    ax.plot(p[-1, 1], p[-1, 0], "*", color="white", markeredgecolor="black", markersize=13, label="end")
    ax.legend(loc="lower right", framealpha=0.9)
    return ax


def plot_loss_curve(losses, *, ax=None, log=True, label=None, color=PALETTE[0], optimum=None):
    """The loss at each step of training; optionally the optimal value as a dashed line."""
    ax = new_axes(ax)
    losses = np.asarray(losses, dtype=float)
    ax.plot(np.arange(losses.size), losses, color=color, linewidth=1.8, label=label)
    if optimum is not None:
        ax.axhline(optimum, color="black", linestyle="--", linewidth=1, label="minimum (least squares)")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if label is not None or optimum is not None:
        ax.legend()
    return ax


def plot_fit(x, y, lines: dict, *, ax=None):
    """Data points and one or more fitted lines ``{label: (intercept, slope)}``."""
    ax = new_axes(ax)
    x = np.asarray(x, dtype=float)
    ax.scatter(x, y, s=18, color="0.35", label="data", zorder=3)
    grid = np.linspace(x.min(), x.max(), 2)
    for (label, (b, w)), color in zip(lines.items(), PALETTE):
        ax.plot(grid, b + w * grid, color=color, linewidth=2, label=label)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend()
    return ax
