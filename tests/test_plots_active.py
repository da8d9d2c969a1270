"""lossbook.plots_active: every figure builds headless (Agg) from small real runs of the loop."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from lossbook import active, plots_active  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def problem():
    X, y = make_blobs(n_samples=160, centers=[(-2, -1), (2, -1), (0, 2)], cluster_std=1.2, random_state=0)
    return X[:120], y[:120], X[120:], y[120:]


def model():
    return LogisticRegression(max_iter=1000)


def test_loop_diagram_has_five_boxes_and_its_arrows():
    ax = plots_active.plot_loop_diagram()
    assert len(ax.patches) == 5 + 5                              # boxes and arrows
    assert any("oracle" in t.get_text() for t in ax.texts)


def test_uncertainty_simplex_draws_one_panel_per_measure():
    axes = plots_active.plot_uncertainty_simplex()
    assert len(axes) == 3 and all("$" in ax.get_title() for ax in axes)


@pytest.mark.parametrize("n", [2, 3, 7, 160])
def test_simplex_grid_covers_the_triangle_with_its_own_triangles(n):
    p, xy, corners, grid = plots_active._simplex_grid(n)
    assert p.shape == (n * (n + 1) // 2, 3) and np.allclose(p.sum(axis=1), 1) and (p >= 0).all()
    np.testing.assert_allclose(xy, p @ corners)
    for corner in corners:                                     # every corner is a grid point
        assert np.isclose(np.abs(xy - corner).sum(axis=1), 0).any()
    t = grid.triangles
    assert t.shape == ((n - 1) ** 2, 3) and len(np.unique(t)) == len(p)
    (x0, y0), (x1, y1), (x2, y2) = (xy[t[:, k]].T for k in range(3))
    area = 0.5 * ((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0))  # signed: all counter-clockwise
    assert (area > 0).all() and np.isclose(area.sum(), np.sqrt(3) / 4)   # no overlap, no gap
    np.testing.assert_allclose(area, area[0])                  # all of the same size


def test_learning_curves_one_line_per_strategy_and_reference_lines(problem):
    curves = active.compare_strategies(["random", "margin"], *problem, estimator=model(), seeds=range(2),
                                       n_initial=3, batch_size=10, budget=23)
    ax = plots_active.plot_learning_curves(curves, reference=0.9, target=0.8, spread="range")
    labels = [l.get_label() for l in ax.lines]
    assert labels[:2] == ["random", "margin"] and "whole pool labelled (0.900)" in labels
    with pytest.raises(ValueError, match=r"plot_learning_curves: spread must be 'std' or 'range'; got 'iqr'"):
        plots_active.plot_learning_curves(curves, spread="iqr")


def test_rounds_scores_and_strategy_scores(problem):
    X, y, *_ = problem
    runs = {name: active.history(name, X, y, estimator=model(), n_initial=3, batch_size=5, budget=13)
            for name in ("random", "margin")}
    axes = plots_active.plot_rounds(X, y, runs, rounds=[0, 2])
    assert np.shape(axes) == (2, 2) and axes[1][1].get_title() == "margin: 13 labels"
    ax = plots_active.plot_scores(X, runs["margin"][1])
    assert ax.get_title() == "scores that chose the ringed batch"
    axes = plots_active.plot_strategy_scores(X, runs["margin"][1], {"margin": "margin", "committee": "committee"},
                                             y=y, k=3)
    assert [ax.get_title() for ax in np.ravel(axes)[:2]] == ["margin", "committee"]


def test_score_agreement_best_of_m_and_class_discovery(problem):
    ax = plots_active.plot_score_agreement([0.1, 0.2, 0.3], [0.1, 0.25, 0.28], xlabel="exact", ylabel="fast")
    assert ax.get_xlabel() == "exact" and len(ax.collections) == 1
    with pytest.raises(ValueError, match=r"plot_score_agreement: exact and approximate must be 1-D of the same length"):
        plots_active.plot_score_agreement([0.1, 0.2], [0.1])
    ax = plots_active.plot_best_of_m([1, 10, 100], [0.4, 0.8, 1.0], n_classes=10)
    assert ax.get_xscale() == "log" and ax.get_ylim()[1] == pytest.approx(1.05)
    discovery = active.class_discovery(["random", "margin"], *problem, estimator=model(), seeds=range(2),
                                       n_initial=2, batch_size=5, budget=12)
    left, right = plots_active.plot_class_discovery(discovery, n_classes=3)
    assert right.get_ylabel() == "distinct classes labelled (of 3)" and right.get_legend() is None
    assert [l.get_label() for l in left.lines] == ["random", "margin"]
