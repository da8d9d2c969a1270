"""Figures of the active-learning chapter: the loop diagram, uncertainty on the simplex, learning
curves and the state of the loop on a 2-D problem. Top layer: uses `lossbook.active` and
`lossbook.plots`; nothing in lossbook imports it, and it must not import widgets or notebooks.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.tri import Triangulation

from . import active
from .plots import PALETTE, new_axes

__all__ = ["plot_loop_diagram", "plot_uncertainty_simplex", "plot_learning_curves", "plot_round",
           "plot_rounds", "plot_scores", "plot_strategy_scores", "plot_score_agreement", "plot_best_of_m",
           "plot_class_discovery"]


def plot_loop_diagram(ax=None):
    """The pool-based active-learning loop as boxes and arrows: fit, score the pool, ask, add, refit."""
    ax = new_axes(ax, figsize=(8.4, 3.8))
    w, h = 0.24, 0.25
    boxes = {  # name: (centre x, centre y, text, colour)
        "labelled": (0.13, 0.76, "labelled set $\\mathcal{L}$\n(expensive, small)", PALETTE[2]),
        "model": (0.48, 0.76, "model\nfitted on $\\mathcal{L}$", PALETTE[0]),
        "test": (0.85, 0.76, "held-out test set\n(only measures)", "0.55"),
        "pool": (0.48, 0.22, "unlabelled pool $\\mathcal{U}$ (cheap)\nscored by the\nquery strategy", PALETTE[1]),
        "oracle": (0.13, 0.22, "oracle\n(a human expert)", PALETTE[3]),
    }
    for x, y, text, colour in boxes.values():
        r, g, b = to_rgb(colour)
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.01,rounding_size=0.03",
                                    facecolor=(r, g, b, 0.15), edgecolor=colour, linewidth=1.8))
        ax.text(x, y, text, ha="center", va="center", fontsize=10)
    arrows = [  # start, end, label, label position, dashed
        ("labelled", "model", "1. fit", (0.305, 0.79), False),
        ("model", "pool", "2. score every $x$ in $\\mathcal{U}$\nwith $p(y\\,|\\,x)$", (0.50, 0.49), False),
        ("pool", "oracle", "3. ask for\n$k$ labels", (0.305, 0.24), False),
        ("oracle", "labelled", "4. add $(x, y)$,\nremove $x$ from $\\mathcal{U}$", (0.15, 0.49), False),
        ("model", "test", "accuracy", (0.665, 0.80), True),
    ]
    for start, end, label, (tx, ty), dashed in arrows:
        (x0, y0, *_), (x1, y1, *_) = boxes[start], boxes[end]
        if y0 == y1:                           # horizontal: leave and enter at the sides
            s = np.sign(x1 - x0) * (w / 2 + 0.012)
            (x0, x1) = (x0 + s, x1 - s)
        else:                                  # vertical: top and bottom edges
            s = np.sign(y1 - y0) * (h / 2 + 0.015)
            (y0, y1) = (y0 + s, y1 - s)
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=16, linewidth=1.6,
                                     color="0.25", linestyle="--" if dashed else "-"))
        ax.text(tx, ty, label, ha="center" if y0 == y1 else "left", va="bottom" if y0 == y1 else "center",
                fontsize=9, color="0.2")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.05, 0.93)
    ax.set_axis_off()
    return ax


def _simplex_grid(n=160):
    """A regular grid on the probability simplex of three classes, already triangulated.

    Returns the barycentric points (p1, p2, p3) — ``n`` per edge, ``n (n + 1) / 2`` in all — their
    2-D coordinates in the triangle, its corners, and a `matplotlib.tri.Triangulation` of the
    grid: two triangles per grid square, ``(n − 1)²`` in all, so that no Delaunay triangulation
    of ~13 000 points has to be computed for every contour plot.
    """
    i, j = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    keep = i + j <= n - 1                          # integers: no point of an edge lost to rounding
    i, j = i[keep], j[keep]
    a, b = i / (n - 1), j / (n - 1)
    p = np.column_stack([a, b, np.clip(1 - a - b, 0.0, 1.0)])     # no −1e-17
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    xy = p @ corners
    index = np.full((n, n), -1)
    index[i, j] = np.arange(i.size)
    lower = i + j <= n - 2                         # the grid square at (i, j) has a lower triangle…
    upper = i + j <= n - 3                         # …and, away from the hypotenuse, an upper one
    triangles = np.vstack([
        np.column_stack([index[i[lower], j[lower]], index[i[lower] + 1, j[lower]], index[i[lower], j[lower] + 1]]),
        np.column_stack([index[i[upper] + 1, j[upper]], index[i[upper] + 1, j[upper] + 1],
                         index[i[upper], j[upper] + 1]]),
    ])
    return p, xy, corners, Triangulation(xy[:, 0], xy[:, 1], triangles)


_TITLES = {
    "least_confidence": "least confidence  $1-\\max_c p_c$",
    "margin": "margin  $-(p_{(1)}-p_{(2)})$",
    "entropy": "entropy  $-\\sum_c p_c\\log p_c$",
}


def plot_uncertainty_simplex(axes=None, *, levels=12):
    """Each uncertainty measure as a heat map over all 3-class probability vectors (the simplex).

    Corners are certain predictions, the centre is the uniform (1/3, 1/3, 1/3); each panel is
    rescaled to [0, 1] so the shapes of the level sets can be compared.
    """
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(10.5, 3.5), layout="constrained")
    p, _, corners, grid = _simplex_grid()
    for ax, (measure, title) in zip(axes, _TITLES.items()):
        u = active.uncertainty(p, measure)
        u = (u - u.min()) / (u.max() - u.min())
        cs = ax.tricontourf(grid, u, levels=levels, cmap="magma_r")
        ax.tricontour(grid, u, levels=levels, colors="white", linewidths=0.4)
        ax.plot(*np.vstack([corners, corners[:1]]).T, color="black", linewidth=1)
        for (cx, cy), name, ha in zip(corners, ("class 1", "class 2", "class 3"), ("right", "left", "center")):
            ax.text(cx, cy + (0.04 if name == "class 3" else -0.06), name, ha=ha, va="center", fontsize=9)
        ax.set_title(title, fontsize=10, pad=18)
        ax.set_aspect("equal")
        ax.set_axis_off()
    axes[-1].figure.colorbar(cs, ax=list(axes), shrink=0.8, label="uncertainty (rescaled to [0, 1])")
    return axes


def plot_learning_curves(curves: dict, *, ax=None, reference=None, target=None, spread="std"):
    """Mean test accuracy against the number of labels, one line per strategy, with a band.

    ``curves``: ``{label: active.CurveSet}``; the band is ± one standard deviation over seeds
    (``spread="std"``) or the min–max range (``spread="range"``). ``reference``: accuracy with
    the whole pool labelled (dashed line); ``target``: an accuracy to reach (dotted line).
    """
    ax = new_axes(ax, figsize=(7.0, 4.4))
    others = iter(PALETTE[:6] * 2)
    for label, c in curves.items():
        colour = "black" if label == "random" else next(others)
        if spread == "std":
            low, high = c.mean - c.std, c.mean + c.std
        elif spread == "range":
            low, high = c.scores.min(axis=0), c.scores.max(axis=0)
        else:
            raise ValueError(f"plot_learning_curves: spread must be 'std' or 'range'; got {spread!r}")
        style = {"linestyle": "--", "linewidth": 2.2} if label == "random" else {"linewidth": 1.8}
        ax.plot(c.n_labels, c.mean, color=colour, label=label, marker="o", markersize=3, **style)
        ax.fill_between(c.n_labels, low, high, color=colour, alpha=0.12, linewidth=0)
    if reference is not None:
        ax.axhline(reference, color="0.3", linestyle="-.", linewidth=1, label=f"whole pool labelled ({reference:.3f})")
    if target is not None:
        ax.axhline(target, color="0.3", linestyle=":", linewidth=1)
    ax.set_xlabel("number of labels")
    ax.set_ylabel("test accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8.5, loc="lower right")
    return ax


def plot_round(X, y, r: active.Round, *, ax=None, grid=150, measure="entropy", title=None,
               show_unlabelled=True):
    """One round of the loop on a 2-D problem: the model's regions, its uncertainty and the picks.

    Background: the predicted class, shaded by the model's uncertainty ``measure`` (darker =
    more uncertain); grey dots: the unlabelled pool; coloured dots: the labelled set; black
    rings: the batch just queried.
    """
    ax = new_axes(ax, figsize=(4.5, 4.0))
    X, y = np.asarray(X), np.asarray(y)
    classes = np.unique(y)
    pad = 0.5
    gx, gy = np.meshgrid(np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, grid),
                         np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, grid))
    points = np.column_stack([gx.ravel(), gy.ravel()])
    p = r.estimator.predict_proba(points)
    predicted = np.searchsorted(classes, r.estimator.classes_[p.argmax(axis=1)]).reshape(gx.shape)
    colours = [to_rgb(c) for c in PALETTE[: classes.size]]
    ax.contourf(gx, gy, predicted, levels=np.arange(classes.size + 1) - 0.5, cmap=ListedColormap(colours), alpha=0.22)
    u = active.uncertainty(p, measure).reshape(gx.shape)
    ax.contour(gx, gy, u, levels=6, colors="0.25", linewidths=0.6, alpha=0.7)
    labelled = np.zeros(len(X), dtype=bool)
    labelled[r.labelled] = True
    if show_unlabelled:
        ax.scatter(*X[~labelled].T, s=9, color="0.6", alpha=0.6, linewidths=0, label="unlabelled")
    for c, colour in zip(classes, colours):
        pick = labelled & (y == c)
        ax.scatter(*X[pick].T, s=30, color=colour, edgecolor="white", linewidth=0.6, label=f"class {c}", zorder=3)
    if r.queried.size:
        ax.scatter(*X[r.queried].T, s=110, facecolor="none", edgecolor="black", linewidth=1.6,
                   label="just queried", zorder=4)
    ax.set_xlim(gx.min(), gx.max())
    ax.set_ylim(gy.min(), gy.max())
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title if title is not None else f"{r.labelled.size} labels", fontsize=10)
    return ax


def plot_rounds(X, y, runs: dict, rounds, *, axes=None):
    """A grid of `plot_round` panels: one row per strategy (``{label: [Round, ...]}``), one
    column per round index in ``rounds``."""
    rows, cols = len(runs), len(rounds)
    if axes is None:
        _, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), layout="constrained", squeeze=False)
    for row, (label, history) in zip(axes, runs.items()):
        for ax, k in zip(row, rounds):
            r = history[k]
            plot_round(X, y, r, ax=ax, title=f"{label}: {r.labelled.size} labels")
    handles, labels = axes[0][-1].get_legend_handles_labels()
    axes[0][-1].figure.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=9)
    return axes


def plot_scores(X, r: active.Round, *, ax=None, title=None):
    """What the strategy saw: the unlabelled pool coloured by the scores that chose ``r.queried``.

    Points the strategy did not score (−inf: outside an expected-error-reduction subsample) are
    light grey; already-labelled points are small black crosses; the chosen batch is ringed.
    """
    ax = new_axes(ax, figsize=(4.8, 4.0))
    X = np.asarray(X)
    s = r.scores
    scored = np.isfinite(s)
    unscored = np.isneginf(s)
    labelled_before = np.isnan(s)
    ax.scatter(*X[unscored].T, s=9, color="0.85", linewidths=0, label="not scored")
    ax.scatter(*X[labelled_before].T, s=14, marker="x", color="black", linewidths=0.8, label="labelled before")
    if scored.any():
        order = np.argsort(s[scored])                      # draw the highest scores on top
        pts = ax.scatter(*X[scored][order].T, c=s[scored][order], s=16, cmap="viridis", linewidths=0)
        ax.figure.colorbar(pts, ax=ax, label="query score (higher = ask first)")
    if r.queried.size:
        ax.scatter(*X[r.queried].T, s=110, facecolor="none", edgecolor="black", linewidth=1.6, label="chosen")
    pad = 0.5                                             # the same window as plot_round
    ax.set_xlim(X[:, 0].min() - pad, X[:, 0].max() + pad)
    ax.set_ylim(X[:, 1].min() - pad, X[:, 1].max() + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title if title is not None else "scores that chose the ringed batch", fontsize=10)
    ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    return ax


def plot_strategy_scores(X, r: active.Round, strategies: dict, *, k=5, axes=None, seed=0, y=None):
    """Where each strategy would ask next from the same state ``r``: one `plot_scores` panel per
    strategy (``{label: name or callable}``), its top-``k`` points ringed."""
    X = np.asarray(X)
    if axes is None:
        cols = min(3, len(strategies))
        rows = -(-len(strategies) // cols)
        _, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.2 * rows), layout="constrained", squeeze=False)
    unlabelled = np.setdiff1d(np.arange(len(X)), r.labelled)
    labels = None if y is None else np.asarray(y)[r.labelled]
    for ax, (label, strategy) in zip(np.ravel(axes), strategies.items()):
        s = active.call_strategy(strategy, r.estimator, X[unlabelled], rng=np.random.default_rng(seed),
                                 X_labelled=X[r.labelled], y_labelled=labels)
        scores = np.full(len(X), np.nan)
        scores[unlabelled] = s
        top = unlabelled[active.select(s, k, seed)]
        plot_scores(X, r._replace(queried=top, scores=scores), ax=ax, title=label)
        ax.get_legend().remove()
    return axes


def plot_score_agreement(exact, approximate, *, ax=None, xlabel="exact", ylabel="approximation"):
    """One dot per candidate: an approximate score against the exact one, and the line of equality.

    Points on the dashed diagonal are scored alike; what matters for a query is that the order
    of the points is kept (a monotone cloud), not that every value is equal.
    """
    exact, approximate = np.asarray(exact, dtype=float), np.asarray(approximate, dtype=float)
    if exact.shape != approximate.shape or exact.ndim != 1:
        raise ValueError(f"plot_score_agreement: exact and approximate must be 1-D of the same length; got "
                         f"shapes {exact.shape} and {approximate.shape}")
    ax = new_axes(ax, figsize=(4.8, 4.2))
    ax.scatter(exact, approximate, color=PALETTE[0])
    lims = [min(exact.min(), approximate.min()), max(exact.max(), approximate.max())]
    ax.plot(lims, lims, color="0.4", linestyle="--", linewidth=1, label="equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_best_of_m(sizes, shares, *, n_classes: int, ax=None):
    """What a random subsample of m candidates keeps (``shares``, from
    `active.best_of_random_candidates`) against m on a log axis; a second axis on top converts m
    into the exact refits per query, m × ``n_classes``."""
    ax = new_axes(ax, figsize=(6.2, 3.8))
    ax.semilogx(sizes, shares, "o-", color=PALETTE[1])
    ax.set_xlabel("number of random candidates scored, m (log scale)")
    ax.set_ylabel("best reduction found / best in the pool")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    top = ax.secondary_xaxis("top", functions=(lambda m: m * n_classes, lambda f: f / n_classes))
    top.set_xlabel(f"exact refits per query (m × {n_classes} classes)")
    return ax


def plot_class_discovery(discovery: dict, *, axes=None, n_classes=None):
    """Two panels from `active.class_discovery` (``{label: Discovery}``): test accuracy (left) and
    the number of distinct classes among the labels (right), each mean ± one standard deviation."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.5, 4.0), layout="constrained")
    left, right = axes
    plot_learning_curves({k: d.accuracy for k, d in discovery.items()}, ax=left)
    plot_learning_curves({k: d.classes for k, d in discovery.items()}, ax=right)
    right.set_ylabel("distinct classes labelled" + (f" (of {n_classes})" if n_classes else ""))
    right.get_legend().remove()
    return axes
