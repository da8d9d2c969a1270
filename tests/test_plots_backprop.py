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
