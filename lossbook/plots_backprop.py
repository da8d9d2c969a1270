"""Figures for the backpropagation chapter: computational graphs, paths on surfaces, gradient norms.

Top layer: uses `lossbook.autodiff` and `lossbook.plots` (drawn with Matplotlib only — no
graphviz); nothing in lossbook imports this module.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .autodiff import Tensor, topological_order
from .plots import PALETTE, new_axes

__all__ = ["graph_layout", "draw_graph", "plot_surface_paths", "plot_gradient_norms", "plot_logit_gradients",
           "plot_curves", "plot_mlp_training", "plot_training_times"]

_LEAF, _OP, _GRAD = "#DCEAF7", "#F2F2F2", PALETTE[1]


def graph_layout(root: Tensor) -> dict[Tensor, tuple[float, float]]:
    """(column, row) of every tensor in the graph of `root`: inputs on the left, `root` on the right.

    An operation sits one column right of its rightmost parent; an input sits just left of the
    first operation that uses it (so a late input such as a target does not stretch across the
    figure). Within a column, operations come first, then inputs, in the order of computation.
    """
    order = topological_order(root)
    column = {}
    for node in order:
        column[node] = 1 + max((column[p] for p in node._parents), default=-1)
    users: dict[Tensor, list[Tensor]] = {}
    for node in order:
        for p in node._parents:
            users.setdefault(p, []).append(node)
    for node in order:
        if not node._parents and node in users:
            column[node] = min(column[u] for u in users[node]) - 1
    positions = {}
    for c in sorted(set(column.values())):
        members = [n for n in order if column[n] == c]
        members.sort(key=lambda n: not n._parents)  # stable: operations first, then inputs
        for i, node in enumerate(members):
            positions[node] = (float(c), (len(members) - 1) / 2 - i)
    return positions


def _number(a: np.ndarray) -> str:
    return f"{a.item():.3g}" if a.size == 1 else f"shape {a.shape}"


def draw_graph(root: Tensor, *, ax=None, show_grad: bool = True, output_name: str | None = None):
    """Draw the computational graph of `root`: one box per tensor, arrows along the computation.

    Each box shows the tensor's label (or its operation), its value and — after
    ``root.backward()`` and with ``show_grad`` — the gradient ∂root/∂tensor in orange. Inputs
    are blue, operations grey. Returns the axes.
    """
    positions = graph_layout(root)
    n_cols = int(max(c for c, _ in positions.values())) + 1
    n_rows = max(sum(1 for c, _ in positions.values() if c == k) for k in range(n_cols))
    ax = new_axes(ax, figsize=(1.6 * n_cols + 0.5, 1.1 * n_rows + 0.6))
    name = output_name or root.label or "L"
    boxes = {}
    for node, (x, y) in positions.items():
        title = node.label or node._op or "input"
        if node.label and node._op:
            title = f"{node.label} ({node._op})"
        lines = [title, f"= {_number(node.data)}"]
        if show_grad and node.grad is not None:
            lines.append(f"∂{name}/∂{node.label or '·'} = {_number(node.grad)}")
        boxes[node] = ax.text(x, y, "\n".join(lines[:2]), ha="center", va="center", fontsize=10,
                              bbox=dict(boxstyle="round,pad=0.45", facecolor=_OP if node._parents else _LEAF,
                                        edgecolor="0.4"), zorder=3)
        if len(lines) == 3:
            ax.annotate(lines[2], xy=(0.5, 0), xycoords=boxes[node], xytext=(0, -5), textcoords="offset points",
                        ha="center", va="top", fontsize=9, color=_GRAD, zorder=4,
                        bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none"))
    for node in positions:
        for parent in node._parents:
            ax.annotate("", xy=(0, 0.5), xycoords=boxes[node], xytext=(1, 0.5), textcoords=boxes[parent],
                        arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=2, shrinkB=2,
                                        connectionstyle="arc3,rad=0.0"), zorder=2)
    ax.set_xlim(-0.6, n_cols - 0.4)
    rows = [y for _, y in positions.values()]
    ax.set_ylim(min(rows) - 0.6, max(rows) + 0.4)
    ax.axis("off")
    return ax


def plot_surface_paths(f, paths: dict, *, u_range=(-2.0, 2.0), v_range=(-2.0, 2.0), ax=None,
                       levels: int = 30, resolution: int = 160, legend: bool = True, marks=None):
    """Contours of a function ``f(u, v)`` of two parameters and descent paths on it.

    `paths` maps a label to an (n, 2) array of (u, v) points (e.g. from :func:`lossbook.nn.descend`);
    rows that are not finite (a path that diverged) are left out. The window stays fixed, so a
    path leaving it is seen to leave. `marks` optionally maps a label to a point (a minimum, say),
    drawn as a labelled cross.
    """
    ax = new_axes(ax)
    u = np.linspace(*u_range, resolution)
    v = np.linspace(*v_range, resolution)
    U, V = np.meshgrid(u, v)
    Z = f(U, V)
    # Level sets spaced geometrically above the lowest value: every basin gets its own rings.
    low, span = Z.min(), Z.max() - Z.min()
    lv = low + np.concatenate([[0.0], np.geomspace(1e-3 * span, span, levels - 1)])
    ax.contourf(U, V, Z, levels=lv, cmap="viridis_r", alpha=0.85)
    ax.contour(U, V, Z, levels=lv, colors="white", linewidths=0.5, alpha=0.8)
    for label, (mu, mv) in (marks or {}).items():
        ax.plot(mu, mv, "P", color="black", markersize=7)
        ax.annotate(label, (mu, mv), xytext=(0, -13), textcoords="offset points", ha="center", fontsize=8)
    for (label, path), color in zip(paths.items(), PALETTE[1:] + PALETTE[:1]):
        path = np.asarray(path, dtype=float)
        path = path[np.all(np.isfinite(path), axis=1)]
        ax.plot(path[:, 0], path[:, 1], "-o", color=color, markersize=2.5, linewidth=1.2, label=label)
        ax.plot(*path[0], "s", color="black", markersize=6)
        ax.plot(*path[-1], "*", color="white", markeredgecolor=color, markersize=13)
    ax.set_xlim(*u_range)
    ax.set_ylim(*v_range)
    ax.set_xlabel("$u$")
    ax.set_ylabel("$v$")
    if legend and paths:
        ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    return ax


def plot_gradient_norms(norms: dict, *, ax=None):
    """‖∂L/∂W_l‖ against the layer l (first layer = 1), one line per network, log scale."""
    ax = new_axes(ax)
    for (label, values), color, marker in zip(norms.items(), PALETTE, "osD^v"):
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, marker=marker, color=color, linewidth=1.8, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel(r"gradient norm $\|\partial L/\partial W_l\|$")
    ax.legend()
    return ax


def plot_logit_gradients(z, gradients: dict, *, ax=None, target: float = 1.0):
    """|∂ℓ/∂z| against the logit z of a sigmoid output, one line per loss, log scale.

    `gradients` maps a label to the gradients at `z` (e.g. from :func:`lossbook.nn.sigmoid_output_gradient`).
    """
    ax = new_axes(ax, figsize=(6, 4))
    for (label, g), color in zip(gradients.items(), PALETTE):
        ax.plot(z, np.abs(g), color=color, linewidth=2, label=label)
    ax.set(yscale="log", xlabel=f"logit z (target y = {target:g})", ylabel=r"$|\partial \ell / \partial z|$",
           title="Gradient reaching the logit of a sigmoid output")
    ax.legend()
    return ax


def plot_curves(curves: dict, *, ax=None, target=None, xlabel="epoch", ylabel="", title=""):
    """One line per entry of `curves` (label → values per epoch), and a dashed `target` line."""
    ax = new_axes(ax, figsize=(6.5, 4))
    for (label, values), color in zip(curves.items(), PALETTE):
        ax.plot(np.asarray(values, dtype=float), color=color, linewidth=2, label=label)
    if target is not None:
        ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return ax


def plot_mlp_training(history, comparison, *, axes=None, target: float = 0.95):
    """Left: training loss per epoch of lossbook.nn (`history`, from :func:`lossbook.nn.fit`) and of
    MLPClassifier (`comparison`, from :func:`lossbook.nn.compare_with_sklearn`); right: lossbook's
    held-out accuracy per epoch, with a dashed `target`."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    left, right = axes
    epochs = np.arange(1, len(history.loss) + 1)
    left.plot(epochs, history.loss, color=PALETTE[0], linewidth=2, label="lossbook.nn")
    left.plot(np.arange(1, len(comparison.sklearn_loss_curve) + 1), comparison.sklearn_loss_curve,
              color=PALETTE[1], linewidth=2, linestyle="--", label="MLPClassifier")
    left.set(yscale="log", xlabel="epoch", ylabel="training cross-entropy", title="Learning curves")
    left.legend()
    right.plot(epochs, history.val_accuracy, color=PALETTE[0], linewidth=2, marker="o", markersize=3)
    right.axhline(target, color="black", linestyle="--", linewidth=1, label=f"{target:.0%}")
    right.set(xlabel="epoch", ylabel="accuracy on the held-out data", title="lossbook.nn: test accuracy")
    right.legend(loc="lower right")
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return axes


def plot_training_times(comparison, *, ax=None, target: float = 2.0):
    """The measured training times of lossbook.nn and MLPClassifier as two bars, titled with their
    ratio and the `target`. Times depend on the machine: this figure, not a text output, shows them."""
    ax = new_axes(ax, figsize=(6.5, 2.6))
    names = ["lossbook.nn", "MLPClassifier"]
    seconds = [comparison.seconds, comparison.sklearn_seconds]
    bars = ax.barh(names, seconds, color=[PALETTE[0], PALETTE[1]], height=0.55)
    for bar, t in zip(bars, seconds):
        ax.text(t, bar.get_y() + bar.get_height() / 2, f"  {t:.2f} s", va="center", fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.25 * max(seconds))
    ax.set_xlabel(f"training time in seconds (best of {comparison.repeats}, one BLAS thread)")
    verdict = "within" if comparison.time_ratio <= target else "outside"
    ax.set_title(f"lossbook.nn / MLPClassifier: {comparison.time_ratio:.1f}× the time "
                 f"({verdict} the {target:g}× target)")
    return ax
