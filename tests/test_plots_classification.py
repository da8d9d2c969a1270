"""lossbook.plots_classification and lossbook.widgets.classification: every figure of the
classification chapter draws what it promises (the right number of axes, lines, bars, patches),
and bad input is a clear ValueError. Smoke tests, on small data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402

from lossbook import losses  # noqa: E402
from lossbook import plots_classification as pc  # noqa: E402
from lossbook.models import LossClassifier  # noqa: E402

X2, Y2 = make_blobs(n_samples=60, centers=[[-1.5, -1.0], [1.5, 1.0]], random_state=0)
X3, Y3 = make_blobs(n_samples=90, centers=[[-2, 0], [2, 0], [0, 2.5]], random_state=0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_margin_loss_is_the_loss_of_a_positive():
    m = np.array([-1.0, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(pc.margin_loss("hinge", m), [2.0, 1.0, 0.5, 0.0])
    np.testing.assert_allclose(pc.margin_loss("zero_one", m), [1.0, 1.0, 0.0, 0.0])   # m = 0 is an error
    np.testing.assert_allclose(pc.margin_loss("binary_cross_entropy_with_logits", m), np.log1p(np.exp(-m)))


def test_surrogates_draw_one_line_per_loss_and_two_for_the_step():
    ax = pc.plot_surrogates(np.linspace(-2, 2, 41))
    assert len(ax.lines) == 2 + 4 + 1                     # the step's two pieces, 4 surrogates, the axis line
    assert len(ax.get_legend().get_texts()) == 5


def test_minimisers_draw_one_curve_per_loss_and_check_shapes():
    etas = np.linspace(0.1, 0.9, 9)
    ax = pc.plot_minimisers(etas, {"binary_cross_entropy_with_logits": np.log(etas / (1 - etas)),
                                   "hinge": np.sign(2 * etas - 1)})
    curves = [line for line in ax.lines if len(line.get_xdata()) == etas.size]
    assert len(curves) == 2 and curves[1].get_marker() == "o"        # the hinge's step is drawn with markers
    assert len(ax.get_legend().get_texts()) == 2
    with pytest.raises(ValueError, match=r"minimisers\['hinge'\] must have the shape of etas"):
        pc.plot_minimisers(etas, {"hinge": np.zeros(3)})


def test_popular_examples_draw_three_panels_with_the_kl_in_the_title():
    p, q = np.array([0.1, 0.4, 0.5]), np.array([0.8, 0.15, 0.05])
    axes = pc.plot_popular_examples(p, q)
    assert len(axes) == 3
    assert len(axes[0].lines) == 2 and len(axes[1].lines) == 2       # y = 1 / y = 0; y = +1 / y = −1
    assert len(bars(axes[2])) == 6                                   # two bars per class
    kl = losses.kl_divergence(p, q)
    assert f"{kl:.3f} nats" in axes[2].get_title() and f"{kl / np.log(2):.3f} bits" in axes[2].get_title()
    with pytest.raises(ValueError, match="p_true and q_model must be 1-D distributions of equal length"):
        pc.plot_popular_examples(p, q[:2])
    with pytest.raises(ValueError, match="kl_divergence"):           # not distributions: lossbook says so
        pc.plot_popular_examples(p, 2 - q)


def test_decision_regions_binary_with_margin_band_and_multiclass():
    model = LossClassifier("hinge", alpha=0.01).fit(X2, Y2)
    ax = pc.plot_decision_regions(model, X2, Y2, margins=True, resolution=40, title="t")
    assert len(ax.collections) >= 2 + 2                               # regions, contour lines, two scatters
    assert ax.get_title() == "t" and len(ax.get_legend().get_texts()) == 2
    model3 = LossClassifier("categorical_cross_entropy_with_logits", alpha=0.01).fit(X3, Y3)
    ax = pc.plot_decision_regions(model3, X3, Y3, resolution=40, class_names=["a", "b", "c"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="X must have two features"):
        pc.plot_decision_regions(model, np.zeros((3, 3)), [0, 1, 0])


def test_margins_histogram_with_the_loss_on_a_twin_axis():
    model = LossClassifier(alpha=0.01).fit(X2, Y2)
    ax = pc.plot_margins(model, X2, Y2, loss="binary_cross_entropy_with_logits", bins=12)
    assert len(bars(ax)) == 12
    assert len(ax.figure.axes) == 2                                  # the histogram and the loss's twin axis
    model3 = LossClassifier(alpha=0.01).fit(X3, Y3)
    with pytest.raises(ValueError, match="the model must be binary"):
        pc.plot_margins(model3, X3, Y3)


def test_boundary_and_margins_fill_the_two_given_axes():
    model = LossClassifier("exponential", alpha=0.01).fit(X2, Y2)
    fig, axes = plt.subplots(2, 1)
    pc.plot_boundary_and_margins(model, X2, Y2, axes=axes, loss="exponential", title="exp")
    assert axes[0].get_title() == "exp" and len(bars(axes[1])) == 30 and len(fig.axes) == 3


def test_reliability_diagram_and_histogram():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=400)
    y = (rng.uniform(size=400) < p).astype(float)
    probabilities = {"calibrated": p, "timid": 0.5 + 0.5 * (p - 0.5)}
    ax = pc.plot_reliability(y, probabilities, n_bins=10)
    assert len(ax.lines) == 1 + 2                                    # the diagonal and one curve per model
    assert len(ax.lines[1].get_xdata()) == 10                        # every bin is used
    # The calibrated predictions lie near the diagonal, bin by bin.
    np.testing.assert_allclose(ax.lines[1].get_xdata(), ax.lines[1].get_ydata(), atol=0.15)
    left, right = pc.plot_reliability_and_histogram(y, probabilities, hist_bins=20, count_label="count")
    assert len(left.lines) == 3 and len(right.patches) == 2          # a step histogram is one patch per model
    assert right.get_ylabel() == "count" and len(right.get_legend().get_texts()) == 2


def test_classification_explorer_builds_and_rejects_a_bad_alpha():
    pytest.importorskip("ipywidgets")
    from lossbook.widgets.classification import classification_explorer

    widget = classification_explorer(X2, Y2, alpha=0.01)
    assert [c.description for c in widget.children[:2]] == ["loss", "log10 alpha"]
    with pytest.raises(ValueError, match="alpha must be > 0"):
        classification_explorer(X2, Y2, alpha=0.0)
