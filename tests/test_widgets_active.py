"""lossbook.widgets.active: the explorer builds headless, and every state it can show draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

pytest.importorskip("ipywidgets")

from lossbook.widgets.active import active_explorer  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def explorer():
    X, y = make_blobs(n_samples=90, centers=[(-2, -1), (2, -1), (0, 2)], cluster_std=1.2, random_state=0)
    return active_explorer(X, y, estimator=LogisticRegression(max_iter=1000), n_initial=3, batch_size=4, n_rounds=3)


def test_explorer_builds_its_controls(explorer):
    controls = {child.description: child for child in explorer.children if hasattr(child, "description")}
    assert {"strategy", "seed", "round"} <= set(controls)
    assert controls["strategy"].value == "margin" and controls["round"].max == 3
    assert "expected_error_reduction" in controls["strategy"].options


@pytest.mark.parametrize("strategy", ["random", "margin", "committee", "expected_error_reduction"])
def test_explorer_steps_through_every_round(explorer, strategy):
    # interactive swallows exceptions of its function (it logs them), so call the function itself
    for round_index in range(4):
        explorer.f(strategy=strategy, seed=1, round_index=round_index)
    assert plt.get_fignums()                                    # it drew a figure


def test_moving_the_sliders_updates_without_error(explorer):
    controls = {child.description: child for child in explorer.children if hasattr(child, "description")}
    controls["round"].value = 2
    controls["seed"].value = 3
    assert explorer.kwargs == {"strategy": "margin", "seed": 3, "round_index": 2}
