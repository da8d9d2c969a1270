"""Figures of the specialised-losses chapters: focal-loss curves and loss shares, precision–recall
curves, soft targets, cost curves, coefficient paths, embeddings, ranking and InfoNCE softmaxes.

Top layer: uses `lossbook.losses` and `lossbook.plots`; nothing in lossbook imports this module.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import precision_recall_curve

from . import losses
from .plots import PALETTE, new_axes

__all__ = ["plot_focal_curves", "plot_focal_setting", "plot_focal_settings", "plot_pr_curves",
           "plot_soft_targets", "plot_cost_curve", "plot_coefficient_paths", "plot_embedding", "plot_embeddings",
           "plot_active_share", "plot_ranking_curve", "plot_similarity_softmax", "DIGIT_COLOURS"]

# Ten distinguishable colours for the ten digits (Matplotlib's tab10); each class is also labelled
# with its digit at its centre, so the colours are never the only cue.
DIGIT_COLOURS = tuple(plt.get_cmap("tab10").colors)
_SHARE_COLOURS = {"positives": PALETTE[1], "hard negatives": PALETTE[0], "easy negatives": PALETTE[5]}


def _axes_pair(axes, figsize):
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    return axes


def plot_focal_curves(gammas=(0.0, 0.5, 1.0, 2.0, 5.0), *, axes=None):
    """Left: focal loss −(1−p_t)^γ log p_t against p_t; right: its factor (1−p_t)^γ relative to
    cross-entropy (γ = 0), on a log scale."""
    axes = _axes_pair(axes, (10, 3.8))
    pt = np.linspace(0.001, 0.999, 500)
    ones = np.ones_like(pt)
    for gamma, color in zip(gammas, PALETTE):
        label = "γ = 0 (cross-entropy)" if gamma == 0 else f"γ = {gamma:g}"
        axes[0].plot(pt, losses.focal(ones, pt, reduction="none", gamma=gamma), color=color, lw=2, label=label)
        axes[1].plot(pt, (1 - pt) ** gamma, color=color, lw=2, label=label)
    axes[0].set(xlabel="$p_t$, probability given to the true class", ylabel="loss", ylim=(0, 5),
                title="Focal loss")
    axes[1].set(xlabel="$p_t$", ylabel="$(1-p_t)^\\gamma$ (log scale)", yscale="log", ylim=(1e-6, 2),
                title="Weight relative to cross-entropy")
    axes[0].legend(framealpha=0.95)
    axes[1].legend(framealpha=0.95, loc="lower left")
    return axes


def plot_focal_setting(gamma: float, alpha, shares: dict, *, axes=None, title=None):
    """One focal setting: the loss of a positive and of a negative against the predicted probability
    of class 1 (left), and the shares of the total training loss (right, from
    :func:`lossbook.specialized.focal_loss_shares`)."""
    axes = _axes_pair(axes, (9, 3.4))
    p = np.linspace(0.001, 0.999, 400)
    for y, color, label in ((1.0, PALETTE[1], "positive (y = 1)"), (0.0, PALETTE[0], "negative (y = 0)")):
        values = losses.focal(np.full_like(p, y), p, reduction="none", gamma=gamma, alpha=alpha)
        axes[0].plot(p, values, color=color, lw=2, label=label)
    axes[0].set(xlabel="predicted probability of class 1", ylabel="loss", ylim=(0, 4))
    axes[0].legend(framealpha=0.95, loc="upper center")
    names = list(shares)
    values = [shares[n] for n in names]
    bars = axes[1].barh(names, values, color=[_SHARE_COLOURS.get(n, PALETTE[2]) for n in names])
    for bar, v in zip(bars, values):
        inside = v > 0.8  # long bars carry their label inside, in white
        axes[1].text(v - 0.02 if inside else v + 0.02, bar.get_y() + bar.get_height() / 2, f"{v:.0%}",
                     va="center", ha="right" if inside else "left", color="white" if inside else "black")
    axes[1].set(xlim=(0, 1), xlabel="share of the total training loss")
    axes[1].invert_yaxis()
    a = "none" if alpha is None else f"{alpha:g}"
    axes[0].set_title(title or f"γ = {gamma:g}, α = {a}")
    return axes


def plot_focal_settings(settings: dict, shares: dict):
    """A row of :func:`plot_focal_setting` panels per (γ, α) setting; ``shares[(γ, α)]`` gives the
    shares of each. Returns the figure."""
    fig, axes = plt.subplots(len(settings), 2, figsize=(9, 2.9 * len(settings)), layout="constrained",
                             squeeze=False)
    for row, (label, (gamma, alpha)) in zip(axes, settings.items()):
        plot_focal_setting(gamma, alpha, shares[label], axes=row, title=label)
    return fig


def plot_pr_curves(y_true, scores: dict, *, ax=None):
    """Precision–recall curves of several scorers, with the operating point score > 0 marked."""
    ax = new_axes(ax, figsize=(6, 4.4))
    y = np.asarray(y_true)
    for (label, s), color, marker in zip(scores.items(), PALETTE, ("o", "s", "^", "D", "v")):
        precision, recall, _ = precision_recall_curve(y, s)
        ax.plot(recall, precision, color=color, lw=1.8, label=label)
        predicted = s > 0
        tp = np.sum(predicted & (y == 1))
        ax.plot(tp / max(np.sum(y == 1), 1), tp / max(np.sum(predicted), 1), marker, color=color,
                markersize=9, markeredgecolor="black")
    ax.axhline(np.mean(y == 1), color="0.5", lw=1, ls=":", label="chance (share of positives)")
    ax.set(xlabel="recall of the minority class", ylabel="precision", xlim=(0, 1.01), ylim=(0, 1.02))
    ax.legend(loc="lower left", framealpha=0.95)
    return ax


def plot_soft_targets(distributions: dict, *, ax=None, true_class=None):
    """Grouped bars: one probability distribution over the classes per label (e.g. per temperature)."""
    ax = new_axes(ax, figsize=(7, 3.6))
    k = len(next(iter(distributions.values())))
    width = 0.8 / len(distributions)
    for i, ((label, p), color) in enumerate(zip(distributions.items(), PALETTE)):
        ax.bar(np.arange(k) + (i - (len(distributions) - 1) / 2) * width, p, width, color=color, label=label)
    ax.set_xticks(np.arange(k))
    if true_class is not None:
        ax.get_xticklabels()[true_class].set_fontweight("bold")
    smallest = min(float(np.min(p)) for p in distributions.values())
    ax.set(xlabel="class (digit)", ylabel="probability (log scale)", yscale="log",
           ylim=(max(smallest / 3, 1e-300), 3.0))
    ax.legend(framealpha=0.95, ncols=len(distributions), loc="upper left")
    return ax


def plot_cost_curve(thresholds, costs: dict, *, marks: dict, ax=None):
    """Average cost per example against the decision threshold; ``marks`` = {label: threshold}."""
    ax = new_axes(ax, figsize=(6.5, 4))
    for (label, c), color in zip(costs.items(), PALETTE):
        ax.plot(thresholds, c, color=color, lw=2, label=label)
    for (label, t), style in zip(marks.items(), ("--", ":", "-.")):
        ax.axvline(t, color="0.3", ls=style, lw=1.2, label=label)
    ax.set(xlabel="threshold $t$: predict positive when $\\hat p > t$", ylabel="average cost per example")
    ax.legend(framealpha=0.95)
    return ax


def plot_coefficient_paths(alphas, paths: dict, *, feature_names=None, highlight=(), axes=None):
    """One panel per penalty: each coefficient against the strength α (log scale, strongest on the left,
    so that the model grows from left to right as the penalty weakens)."""
    if axes is None:
        _, axes = plt.subplots(1, len(paths), figsize=(5 * len(paths), 3.9), layout="constrained",
                               sharey=True, squeeze=False)
        axes = axes[0]
    for ax, (label, coefs) in zip(axes, paths.items()):
        for j in range(coefs.shape[1]):
            special = feature_names is not None and feature_names[j] in highlight
            ax.plot(alphas, coefs[:, j], lw=2 if special else 0.9,
                    color=PALETTE[list(highlight).index(feature_names[j]) + 1] if special else "0.55",
                    label=feature_names[j] if special else None, zorder=3 if special else 2)
        ax.axhline(0, color="black", lw=0.6)
        ax.set(xscale="log", xlabel="penalty strength α (log scale)", title=label)
        ax.invert_xaxis()
    axes[0].set_ylabel("coefficient (standardised features)")
    if highlight:
        axes[-1].legend(framealpha=0.95, fontsize=8)
    return axes


def plot_embedding(Z, labels, *, ax=None, title=None, s=8):
    """A 2-D embedding, points coloured by class and each class's digit written at its median."""
    ax = new_axes(ax, figsize=(4.5, 4.2))
    Z = np.asarray(Z, dtype=float)
    labels = np.asarray(labels)
    for c in np.unique(labels):
        pts = Z[labels == c]
        color = DIGIT_COLOURS[int(c) % len(DIGIT_COLOURS)]
        ax.scatter(pts[:, 0], pts[:, 1], s=s, color=color, alpha=0.55, linewidths=0)
        cx, cy = np.median(pts, axis=0)
        ax.text(cx, cy, str(c), fontsize=13, fontweight="bold", ha="center", va="center", color=color,
                bbox={"boxstyle": "circle,pad=0.15", "facecolor": "white", "edgecolor": color, "alpha": 0.9})
    # Frame the bulk of the points (a stray image far out would otherwise shrink every cluster),
    # then keep distances true: equal scales on both axes.
    low, high = np.quantile(Z, [0.005, 0.995], axis=0)
    pad = 0.12 * (high - low)
    ax.set(xlabel="$z_1$", ylabel="$z_2$", xlim=(low[0] - pad[0], high[0] + pad[0]),
           ylim=(low[1] - pad[1], high[1] + pad[1]))
    ax.set_aspect("equal", adjustable="box")  # keep these limits; shape the box instead
    if title:
        ax.set_title(title)
    return ax


def plot_embeddings(embeddings: dict, labels, *, axes=None, panel_size=(4.4, 4.4)):
    """A row of :func:`plot_embedding` panels, one per ``{title: Z}`` (the same points, e.g. the
    same test images under different maps). Returns the axes."""
    if not isinstance(embeddings, dict) or not embeddings:
        raise ValueError(f"plot_embeddings: embeddings must be a non-empty dict {{title: Z}}; got {embeddings!r}")
    if axes is None:
        _, axes = plt.subplots(1, len(embeddings), figsize=(panel_size[0] * len(embeddings), panel_size[1]),
                               layout="constrained", squeeze=False)
        axes = axes[0]
    for ax, (title, Z) in zip(axes, embeddings.items()):
        plot_embedding(Z, labels, ax=ax, title=title)
    return axes


def plot_active_share(fits: dict, *, ax=None, window: int = 10):
    """Share of mined triplets with a non-zero loss at each training step (moving average)."""
    ax = new_axes(ax, figsize=(6, 3.6))
    kernel = np.ones(window) / window
    for (label, fit), color in zip(fits.items(), PALETTE):
        smooth = np.convolve(fit.active, kernel, mode="valid")
        ax.plot(np.arange(smooth.size) + window - 1, smooth, color=color, lw=2, label=label)
    ax.set(xlabel="training step", ylabel="share of active triplets", ylim=(0, 1.05))
    ax.legend(framealpha=0.95)
    return ax


def plot_ranking_curve(n_pairs, taus: np.ndarray, *, reference: float, reference_label: str, ax=None):
    """Kendall τ on test items against the number of training preferences (mean ± SD over repeats)."""
    ax = new_axes(ax, figsize=(6, 3.8))
    taus = np.asarray(taus, dtype=float)
    mean, sd = taus.mean(axis=1), taus.std(axis=1, ddof=1)
    ax.errorbar(n_pairs, mean, yerr=sd, color=PALETTE[0], marker="o", capsize=3, lw=2,
                label="margin ranking loss on preferences")
    ax.axhline(reference, color=PALETTE[1], ls="--", lw=1.5, label=reference_label)
    ax.set(xscale="log", xlabel="number of training preferences (pairs, log scale)",
           ylabel="Kendall τ on test items")
    ax.legend(framealpha=0.95, loc="lower right")
    return ax


def plot_similarity_softmax(S, row: int, temperatures, *, axes=None, names=None):
    """Left: a similarity matrix (queries × keys, positives on the diagonal); right: the softmax of
    one row at several temperatures — the weights InfoNCE gives to the positive and each negative."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
        fig.get_layout_engine().set(wspace=0.08)  # room between the colour bar and the bar chart
    S = np.asarray(S, dtype=float)
    n = S.shape[0]
    names = [str(i) for i in range(n)] if names is None else list(names)
    im = axes[0].imshow(S, cmap="viridis")
    axes[0].figure.colorbar(im, ax=axes[0], label="cosine similarity")
    axes[0].set(xticks=range(n), yticks=range(n), xticklabels=names, yticklabels=names,
                xlabel="key (second image of each digit)", ylabel="query (first image)")
    axes[0].add_patch(plt.Rectangle((-0.5, row - 0.5), n, 1, fill=False, edgecolor=PALETTE[1], lw=2.5))
    width = 0.8 / len(temperatures)
    for i, (t, color) in enumerate(zip(temperatures, PALETTE)):
        p = losses.softmax(S[row] / t)
        axes[1].bar(np.arange(n) + (i - (len(temperatures) - 1) / 2) * width, p, width, color=color,
                    label=f"τ = {t:g}")
    axes[1].set(xticks=range(n), xticklabels=names, ylim=(0, 1), ylabel="softmax weight",
                xlabel=f"key (the positive is {names[row]})")
    axes[1].get_xticklabels()[row].set_fontweight("bold")
    axes[1].legend(framealpha=0.95)
    return axes
