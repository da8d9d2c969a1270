"""lossbook.plots_backprop and lossbook.widgets.optim: graph layout, figures and the explorer (smoke)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lossbook import nn, plots_backprop  # noqa: E402
from lossbook.autodiff import Tensor  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def neuron():
    x, y = Tensor(1.5).named("x"), Tensor(1.0).named("y")
    w, b = Tensor(0.8).named("w"), Tensor(-2.0).named("b")
    z = (w * x + b).named("z")
    L = ((z.sigmoid().named("p") - y) ** 2).named("L")
    return L, {"x": x, "y": y, "w": w, "b": b, "z": z}


def test_layout_puts_inputs_just_left_of_their_first_use():
    L, t = neuron()
    pos = plots_backprop.graph_layout(L)
    assert len(pos) == 9                                          # 4 inputs, 5 operations
    assert pos[L][0] == max(c for c, _ in pos.values())          # the output is rightmost
    assert pos[t["w"]][0] == pos[t["x"]][0] == 0.0
    assert pos[t["b"]][0] == pos[t["z"]][0] - 1                    # b sits next to the addition
    assert pos[t["y"]][0] == pos[L][0] - 2                         # y next to the subtraction


def test_draw_graph_shows_values_and_gradients():
    L, _ = neuron()
    L.backward()
    ax = plots_backprop.draw_graph(L)
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("w\n= 0.8") for t in texts)
    assert "∂L/∂w = -0.443" in texts


def test_plot_surface_paths_skips_diverged_rows_and_keeps_the_window():
    path = np.array([[1.0, 1.0], [0.5, 0.2], [np.inf, np.inf]])
    ax = plots_backprop.plot_surface_paths(nn.tilted_double_well, {"run": path}, marks={"min": (-1.04, -0.52)})
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-2.0, 2.0)
    line = next(l for l in ax.lines if l.get_label() == "run")
    assert len(line.get_xdata()) == 2


def test_plot_gradient_norms_one_line_per_network():
    ax = plots_backprop.plot_gradient_norms({"a": [1e-3, 1e-1, 1.0], "b": [1.0, 1.0, 1.0]})
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"


def test_optim_explorer_builds_its_sliders():
    pytest.importorskip("ipywidgets")
    from lossbook.widgets.optim import optim_explorer

    widget = optim_explorer(n_steps=5)
    names = {child.description for child in widget.children if hasattr(child, "description")}
    assert {"learning rate", "momentum", "steps"} <= names


def test_plot_logit_gradients_and_curves():
    z = np.linspace(-5, 5, 11)
    ax = plots_backprop.plot_logit_gradients(z, {"mse": nn.sigmoid_output_gradient("mse", z),
                                                 "ce": nn.sigmoid_output_gradient("binary_cross_entropy", z)})
    assert [l.get_label() for l in ax.lines] == ["mse", "ce"] and ax.get_yscale() == "log"
    assert np.all(ax.lines[0].get_ydata() >= 0)                        # magnitudes
    ax = plots_backprop.plot_curves({"a": [3, 2, 1], "b": [1, 1, 1]}, target=0.5, ylabel="Brier")
    assert len(ax.lines) == 3 and ax.get_ylabel() == "Brier"


def _comparison(seconds=0.3, sklearn_seconds=0.2, epochs=4):
    return nn.Comparison(0.97, 0.96, seconds, sklearn_seconds, np.linspace(1, 0.1, epochs),
                         np.linspace(1.1, 0.1, epochs), repeats=2)


def test_plot_mlp_training_draws_both_learning_curves():
    history = nn.History(np.linspace(1, 0.1, 4), np.array([0.9, 0.95, 0.96, 0.97]))
    left, right = plots_backprop.plot_mlp_training(history, _comparison(), target=0.95)
    assert [l.get_label() for l in left.lines] == ["lossbook.nn", "MLPClassifier"]
    assert len(right.lines) == 2                                        # accuracy and the 95 % line


@pytest.mark.parametrize("ours, theirs, verdict", [(0.3, 0.2, "within"), (0.5, 0.2, "outside")])
def test_plot_training_times_titles_the_ratio(ours, theirs, verdict):
    ax = plots_backprop.plot_training_times(_comparison(ours, theirs), target=2.0)
    title = ax.get_title()
    assert f"{ours / theirs:.1f}×" in title and verdict in title
    assert "best of 2" in ax.get_xlabel() and len(ax.patches) == 2
