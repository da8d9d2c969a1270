"""Figures of the classification chapter: surrogate losses against the margin, minimisers of the
conditional risk, the standard cross-entropy / hinge / KL pictures, decision regions, margin
distributions and reliability diagrams.

Top layer: uses `lossbook.losses` and `lossbook.plots`; nothing in lossbook imports this module.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap

from . import losses
from .plots import PALETTE, new_axes

__all__ = ["margin_loss", "plot_surrogates", "plot_minimisers", "plot_popular_examples", "plot_decision_regions",
           "plot_margins", "plot_reliability", "plot_reliability_and_histogram", "plot_boundary_and_margins"]

MARKERS = ("o", "s", "^", "D", "v", "P")


def margin_loss(name: str, margins) -> np.ndarray:
    """φ(m): a binary loss as a function of the margin m = y·f(x).

    Every binary loss of lossbook gives the positive class the label 1 (whether its convention is
    0/1 or −1/+1), so φ(m) is the loss of a positive example with score m. For ``zero_one`` the
    score's sign is the prediction, and a margin of exactly 0 counts as an error.
    """
    m = np.asarray(margins, dtype=np.float64)
    ones = np.ones_like(m)
    if name == "zero_one":
        values = losses.zero_one(ones, np.where(m > 0, 1.0, -1.0), reduction="none")
    else:
        values = losses.REGISTRY[name](ones, m, reduction="none")
    return values.reshape(m.shape)


def plot_surrogates(margins, names=("zero_one", "hinge", "squared_hinge", "binary_cross_entropy_with_logits",
                                    "exponential"), *, ax=None, labels=None, ylim=(0, 4)):
    """The 0–1 loss and convex surrogates φ(m) against the margin m = y·f(x)."""
    ax = new_axes(ax, figsize=(6.5, 4.2))
    m = np.asarray(margins, dtype=np.float64)
    labels = labels or {}
    for name, color, style in zip(names, PALETTE[-1:] + PALETTE, ("-", "-", "--", "-", "-.", ":")):
        values = margin_loss(name, m)
        if name == "zero_one":  # a step: draw its two pieces without the vertical join
            for part in (m <= 0, m > 0):
                ax.plot(m[part], values[part], color=color, linewidth=2.4,
                        label=labels.get(name, "0–1 loss") if part[0] else None)
        else:
            ax.plot(m, values, color=color, linestyle=style, linewidth=2, label=labels.get(name, name))
    ax.axvline(0, color="0.6", linewidth=0.8)
    ax.set_ylim(*ylim)
    ax.set_xlim(m.min(), m.max())
    ax.set_xlabel("margin $m = y\\,f(x)$  (negative: misclassified)")
    ax.set_ylabel("loss $\\varphi(m)$")
    ax.legend(framealpha=0.95)
    return ax


def plot_minimisers(etas, minimisers: dict, *, ax=None, ylim=(-5, 5)):
    """The minimiser f*(η) of the conditional risk η·φ(f) + (1 − η)·φ(−f) against η = P(Y = 1 | x),
    one curve per loss (``minimisers = {name: array like etas}``). A loss whose curve is a step
    (drawn with markers when it is called "hinge") tells the side of the boundary, not η."""
    ax = new_axes(ax, figsize=(6.5, 4.2))
    etas = np.asarray(etas, dtype=np.float64)
    for (name, f_star), color in zip(minimisers.items(), PALETTE):
        f_star = np.asarray(f_star, dtype=np.float64)
        if f_star.shape != etas.shape:
            raise ValueError(f"plot_minimisers: minimisers[{name!r}] must have the shape of etas {etas.shape}; "
                             f"got {f_star.shape}")
        ax.plot(etas, f_star, color=color, linewidth=2, marker="o" if name == "hinge" else None, markersize=3,
                label=name)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.axvline(0.5, color="0.6", linewidth=0.8)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"$\eta = P(Y = 1 \mid x)$")
    ax.set_ylabel(r"best score $f^*(\eta)$")
    ax.legend(fontsize="small")
    return ax


def plot_popular_examples(p_true, q_model, *, axes=None):
    """The three standard pictures of classification losses, computed with lossbook.

    Left: binary cross-entropy against the predicted probability p, for y = 1 (−log p) and y = 0
    (−log(1 − p)); middle: the hinge loss against the score for y = +1 and y = −1; right: the two
    distributions ``p_true`` and ``q_model`` as bars, with KL(p‖q) in nats and bits in the title.
    Returns the three axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    p_true = np.asarray(p_true, dtype=np.float64)
    q_model = np.asarray(q_model, dtype=np.float64)
    if p_true.ndim != 1 or p_true.shape != q_model.shape:
        raise ValueError(f"plot_popular_examples: p_true and q_model must be 1-D distributions of equal length; "
                         f"got shapes {p_true.shape} and {q_model.shape}")
    kl = losses.kl_divergence(p_true, q_model)  # also checks that both are distributions

    p = np.linspace(0.001, 0.999, 999)
    for label, y_value, color in [("y = 1:  −log p", 1.0, PALETTE[0]), ("y = 0:  −log(1 − p)", 0.0, PALETTE[1])]:
        axes[0].plot(p, losses.binary_cross_entropy(np.full_like(p, y_value), p, reduction="none"),
                     color=color, linewidth=2, label=label)
    axes[0].set(xlabel="predicted probability p", ylabel="loss", title="Binary cross-entropy", ylim=(0, 7))

    s = np.linspace(-3, 3, 601)
    for label, y_value, color in [("y = +1", 1.0, PALETTE[0]), ("y = −1", -1.0, PALETTE[1])]:
        axes[1].plot(s, losses.hinge(np.full_like(s, y_value), s, reduction="none"), color=color, linewidth=2,
                     label=label)
    axes[1].set(xlabel="score f(x)", ylabel="loss", title="Hinge loss")

    classes = np.arange(p_true.size)
    axes[2].bar(classes - 0.2, p_true, width=0.4, color=PALETTE[0], label="p (target)")
    axes[2].bar(classes + 0.2, q_model, width=0.4, color=PALETTE[1], label="q (model)")
    axes[2].set(xticks=classes, xlabel="class", ylabel="probability",
                title=f"KL(p‖q) = {kl:.3f} nats = {kl / np.log(2):.3f} bits")
    for ax in axes:
        ax.legend()
    return axes


def _grid(X, resolution: int, pad: float = 0.08):
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    xs = np.linspace(lo[0] - pad * span[0], hi[0] + pad * span[0], resolution)
    ys = np.linspace(lo[1] - pad * span[1], hi[1] + pad * span[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return gx, gy, np.column_stack([gx.ravel(), gy.ravel()])


def plot_decision_regions(model, X, y, *, ax=None, resolution: int = 200, margins: bool = False,
                          title=None, legend: bool = True, class_names=None):
    """Regions where a fitted two-feature classifier predicts each class, with the data on top.

    With ``margins=True`` (two classes) the lines f(x) = ±1 are drawn dashed around the boundary
    f(x) = 0: points inside that band have margin below 1. ``class_names`` (one per class, in the
    order of ``model.classes_``) label the legend.
    """
    ax = new_axes(ax)
    X = np.asarray(X, dtype=np.float64)
    if X.shape[1] != 2:
        raise ValueError(f"plot_decision_regions: X must have two features (columns); got shape {X.shape}")
    classes = model.classes_
    gx, gy, points = _grid(X, resolution)
    index = np.searchsorted(classes, model.predict(points)).reshape(gx.shape)
    colors = PALETTE[: len(classes)]
    ax.contourf(gx, gy, index, levels=np.arange(len(classes) + 1) - 0.5, cmap=ListedColormap(colors), alpha=0.18)
    scores = model.decision_function(points)
    if scores.ndim == 1:
        levels = [-1.0, 0.0, 1.0] if margins else [0.0]
        styles = ["--", "-", "--"] if margins else ["-"]
        ax.contour(gx, gy, scores.reshape(gx.shape), levels=levels, colors="black", linestyles=styles,
                   linewidths=[1.0, 1.8, 1.0] if margins else [1.8])
    else:
        ax.contour(gx, gy, index, levels=np.arange(len(classes)) + 0.5, colors="black", linewidths=1.5)
    names = [f"class {c}" for c in classes] if class_names is None else list(class_names)
    for c, name, color, marker in zip(classes, names, colors, MARKERS):
        keep = np.asarray(y) == c
        ax.scatter(X[keep, 0], X[keep, 1], s=16, color=color, marker=marker, edgecolor="white",
                   linewidth=0.4, label=name, zorder=3)
    ax.set_xlim(gx.min(), gx.max())
    ax.set_ylim(gy.min(), gy.max())
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
    return ax


def plot_margins(model, X, y, *, ax=None, loss=None, bins=30, range_=(-4, 6)):
    """Histogram of the margins y·f(x) (labels as −1/+1) of a fitted binary classifier; with
    ``loss`` (a binary loss name) its φ(m) is drawn on a second axis, so one sees which points
    the loss still pushes (non-zero slope) and which it ignores."""
    ax = new_axes(ax)
    classes = model.classes_
    if len(classes) != 2:
        raise ValueError(f"plot_margins: the model must be binary; it has {len(classes)} classes")
    sign = np.where(np.asarray(y) == classes[1], 1.0, -1.0)
    m = sign * model.decision_function(X)
    shown = np.clip(m, *range_)  # points beyond the window are piled up at its edges
    ax.hist(shown, bins=np.linspace(*range_, bins + 1), color=PALETTE[5], edgecolor="white")
    ax.axvline(0, color="black", linewidth=1)
    ax.axvline(1, color="black", linewidth=0.8, linestyle="--")
    ax.set_xlabel("margin $y\\,f(x)$")
    ax.set_ylabel("number of points")
    ax.set_xlim(*range_)
    if loss is not None:
        twin = ax.twinx()
        grid = np.linspace(*range_, 400)
        twin.plot(grid, margin_loss(loss, grid), color=PALETTE[1], linewidth=2)
        twin.set_ylim(0, 5)
        twin.set_ylabel("loss $\\varphi(m)$", color=PALETTE[1])
        twin.tick_params(axis="y", colors=PALETTE[1])
    return ax


def plot_boundary_and_margins(model, X, y, *, axes, loss: str, title=None):
    """The decision boundary (with the margin band) above, the margin histogram with φ below."""
    plot_decision_regions(model, X, y, ax=axes[0], margins=True, title=title, legend=False)
    plot_margins(model, X, y, ax=axes[1], loss=loss)
    return axes


def plot_reliability(y_true, probabilities: dict, *, ax=None, n_bins: int = 10):
    """Reliability diagram: observed frequency of the positive class against the predicted
    probability, in ``n_bins`` equal-width bins, for each ``{label: p}``; the diagonal is perfect
    calibration. Bins with no prediction are left out."""
    ax = new_axes(ax)
    y_true = np.asarray(y_true, dtype=np.float64)
    edges = np.linspace(0, 1, n_bins + 1)
    ax.plot([0, 1], [0, 1], color="0.5", linestyle=":", label="perfectly calibrated")
    for (label, p), color, marker in zip(probabilities.items(), PALETTE, MARKERS):
        p = np.asarray(p, dtype=np.float64)
        which = np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1)
        counts = np.bincount(which, minlength=n_bins)
        used = counts > 0
        mean_p = np.bincount(which, weights=p, minlength=n_bins)[used] / counts[used]
        freq = np.bincount(which, weights=y_true, minlength=n_bins)[used] / counts[used]
        ax.plot(mean_p, freq, marker=marker, color=color, linewidth=1.8, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("predicted probability (bin mean)")
    ax.set_ylabel("observed frequency of the positive class")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_reliability_and_histogram(y_true, probabilities: dict, *, axes=None, n_bins: int = 10,
                                   hist_bins: int = 20, count_label="number of predictions"):
    """Two panels on the same predictions ``{label: p}``: the reliability diagram
    (:func:`plot_reliability`, left) and step histograms of where the predicted probabilities fall
    (right). Returns the two axes."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.3), layout="constrained")
    left, right = axes
    plot_reliability(y_true, probabilities, ax=left, n_bins=n_bins)
    bins = np.linspace(0, 1, hist_bins + 1)
    for (label, p), color in zip(probabilities.items(), PALETTE):
        right.hist(np.asarray(p, dtype=np.float64), bins=bins, histtype="step", linewidth=2, color=color,
                   label=label)
    right.set(xlabel="predicted probability", ylabel=count_label, title="Where the predictions fall")
    right.legend()
    return axes
