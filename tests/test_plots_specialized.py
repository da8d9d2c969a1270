"""lossbook.plots_specialized: the figures of the specialised-losses chapters draw what they promise
(panels, one label per class, one line per feature or fit). Smoke tests on small inputs; the
older draw-without-error checks are in test_specialized.py."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lossbook import plots_specialized as ps  # noqa: E402
from lossbook import specialized  # noqa: E402

RNG = np.random.default_rng(0)
LABELS = np.repeat(np.arange(4), 10)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_embedding_writes_each_class_at_its_median():
    Z = RNG.normal(size=(40, 2)) + 5 * LABELS[:, None]
    ax = ps.plot_embedding(Z, LABELS, title="t")
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert sorted(texts) == ["0", "1", "2", "3"] and len(ax.collections) == 4
    np.testing.assert_allclose(texts["2"], np.median(Z[LABELS == 2], axis=0))


def test_embeddings_draw_one_panel_per_map():
    Z = RNG.normal(size=(40, 2))
    axes = ps.plot_embeddings({"before": Z, "triplet": 2 * Z, "contrastive": -Z}, LABELS)
    assert [ax.get_title() for ax in axes] == ["before", "triplet", "contrastive"]
    assert all(len(ax.texts) == 4 for ax in axes)
    fig, given = plt.subplots(1, 2)
    assert list(ps.plot_embeddings({"a": Z, "b": Z}, LABELS, axes=given)) == list(given)
    with pytest.raises(ValueError, match="embeddings must be a non-empty dict"):
        ps.plot_embeddings({}, LABELS)


def test_active_share_is_a_moving_average():
    fit = specialized.EmbeddingFit(np.zeros((2, 2)), np.ones(30), np.r_[np.ones(15), np.zeros(15)])
    ax = ps.plot_active_share({"random": fit, "other": fit}, window=5)
    assert len(ax.lines) == 2
    x, y = ax.lines[0].get_data()
    assert x[0] == 4 and y[0] == 1.0 and y[-1] == 0.0 and len(y) == 26


def test_coefficient_paths_draw_every_feature_and_highlight_some():
    alphas = np.array([1.0, 0.1, 0.01])
    coefs = {"L2": RNG.normal(size=(3, 5)), "L1": np.zeros((3, 5))}
    axes = ps.plot_coefficient_paths(alphas, coefs, feature_names=list("abcde"), highlight=["b", "d"])
    assert len(axes) == 2
    assert all(len(ax.lines) == 5 + 1 for ax in axes)                 # five features and the zero line
    assert [t.get_text() for t in axes[-1].get_legend().get_texts()] == ["b", "d"]
    assert axes[0].xaxis_inverted()                                  # strongest penalty on the left
