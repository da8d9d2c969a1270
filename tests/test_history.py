"""lossbook.history (timeline data, expected loss, line fits, risk functions), its figures and explorer."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import optimize, stats  # noqa: E402

from lossbook import history, plots_history  # noqa: E402
from lossbook.losses import REGISTRY  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIB_KEYS = set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(), re.M))

rng = np.random.default_rng(0)
X = np.sort(rng.uniform(0, 10, size=9))
Y = 1 + 0.5 * X + rng.normal(0, 0.5, size=9)
Y[6] += 8


def absolute_deviation(line, x=X, y=Y):
    return np.abs(y - line.intercept - line.slope * x).sum()


# -- timeline ---------------------------------------------------------------------------------


def test_every_loss_appears_in_exactly_one_event():
    events = [e for e in history.timeline() if e.source == "loss"]
    names = [name for e in events for name in e.label.split(", ")]
    assert sorted(names) == sorted(REGISTRY)
    for e in events:
        for name in e.label.split(", "):
            assert (REGISTRY[name].year, REGISTRY[name].reference) == (e.year, e.reference)


def test_timeline_is_sorted_and_contains_every_milestone():
    events = history.timeline()
    assert [e.year for e in events] == sorted(e.year for e in events)
    milestones = [e for e in events if e.source == "milestone"]
    assert len(milestones) == len(history.MILESTONES)
    assert {e.kind for e in milestones} <= set(history.KINDS)


def test_every_reference_resolves_in_the_bibliography():
    missing = {e.reference for e in history.timeline()} - BIB_KEYS
    assert not missing, f"keys missing from references.bib: {sorted(missing)}"


def test_milestones_are_short_and_not_losses_typed_twice():
    # a milestone may share a source with a loss (Gauss 1823, Wald 1939) but is never a loss
    for m in history.MILESTONES:
        assert m.what not in REGISTRY and m.who not in REGISTRY
        assert len(m.what) <= 70, f"{m.who} {m.year}: keep `what` to one short line"
    assert len({(m.year, m.who) for m in history.MILESTONES}) == len(history.MILESTONES)


def test_timeline_with_a_custom_registry_and_bad_milestones():
    events = history.timeline(registry={"mae": REGISTRY["mae"]}, milestones=())
    assert [(e.year, e.label, e.reference) for e in events] == [(1757, "mae", "boscovich1757")]
    with pytest.raises(ValueError, match="milestones must be Milestone"):
        history.timeline(milestones=[(1774, "Laplace")])
    with pytest.raises(ValueError, match="kind must be one of"):
        history.Milestone(1774, "Laplace", "median", "laplace1774", "astrology")


# -- expected loss ----------------------------------------------------------------------------

SAMPLE = rng.negative_binomial(2, 0.3, size=101).astype(float)
GRID = np.arange(0, 2001) / 100


def test_expected_loss_matches_an_explicit_loop():
    candidates = np.array([0.0, 1.5, 4.0, 7.25])
    for loss, hp in (("mse", {}), ("mae", {}), ("quantile", {"q": 0.8}), ("huber", {"delta": 2.0})):
        expected = [REGISTRY[loss](SAMPLE, np.full_like(SAMPLE, a), **hp) for a in candidates]
        np.testing.assert_allclose(history.expected_loss(SAMPLE, candidates, loss=loss, **hp), expected)


def test_minimisers_are_mean_median_mode_and_quantile():
    mse = history.expected_loss(SAMPLE, GRID, loss="mse")
    assert abs(GRID[np.argmin(mse)] - SAMPLE.mean()) <= 0.005 + 1e-12
    mae = history.expected_loss(SAMPLE, GRID, loss="mae")
    assert GRID[np.argmin(mae)] == np.median(SAMPLE)  # odd size: a unique minimiser
    integers = np.arange(0.0, 21.0)
    zero_one = history.expected_loss(SAMPLE, integers, loss="zero_one")
    assert integers[np.argmin(zero_one)] == stats.mode(SAMPLE).mode
    quantile = history.expected_loss(SAMPLE, GRID, loss="quantile", q=0.9)
    assert GRID[np.argmin(quantile)] == np.quantile(SAMPLE, 0.9, method="inverted_cdf")


def test_proper_scoring_rules_are_minimised_at_the_frequency():
    rain = np.array([1.0] * 3 + [0.0] * 7)
    q = np.arange(1, 100) / 100
    for loss in ("binary_cross_entropy", "brier"):
        assert q[np.argmin(history.expected_loss(rain, q, loss=loss))] == 0.3


@pytest.mark.parametrize("kwargs, match", [
    (dict(sample=[], candidates=[1.0]), "sample must be a non-empty 1-D array"),
    (dict(sample=[[1.0]], candidates=[1.0]), "sample must be a non-empty 1-D array"),
    (dict(sample=[1.0, np.nan], candidates=[1.0]), "sample must contain only finite"),
    (dict(sample=[1.0], candidates="abc"), "candidates must be a 1-D array of numbers"),
    (dict(sample=[1.0], candidates=[1.0], loss="nope"), "loss must be a name in"),
    (dict(sample=[1.0], candidates=[1.0], loss="triplet"), "loss must take"),
])
def test_expected_loss_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        history.expected_loss(**kwargs)


# -- fitting lines ----------------------------------------------------------------------------


def test_least_squares_matches_polyfit():
    line = history.fit_line_least_squares(X, Y)
    slope, intercept = np.polyfit(X, Y, 1)
    np.testing.assert_allclose([line.intercept, line.slope], [intercept, slope])
    b, w = line  # unpacks like plots.plot_fit expects
    np.testing.assert_allclose(line.predict([0.0, 1.0]), [b, b + w])


def test_lad_is_exact_against_all_lines_through_two_points():
    line = history.fit_line_lad(X, Y)
    best = min(absolute_deviation(history.Line(Y[i] - (Y[j] - Y[i]) / (X[j] - X[i]) * X[i],
                                               (Y[j] - Y[i]) / (X[j] - X[i])))
               for i, j in itertools.combinations(range(X.size), 2))
    assert absolute_deviation(line) == pytest.approx(best, rel=1e-9)
    on_line = np.abs(Y - line.predict(X)) < 1e-8
    assert on_line.sum() >= 2  # an optimal vertex


def test_lad_ignores_the_outlier_that_moves_least_squares():
    clean = Y.copy()
    clean[6] -= 8
    lad, ls, ls_clean = history.fit_line_lad(X, Y), history.fit_line_least_squares(X, Y), \
        history.fit_line_least_squares(X, clean)
    assert abs(lad.slope - ls_clean.slope) < abs(ls.slope - ls_clean.slope)


def test_boscovich_line_has_zero_sum_residuals_and_weighted_median_slope():
    line = history.fit_line_lad(X, Y, zero_sum=True)
    residuals = Y - line.predict(X)
    assert abs(residuals.sum()) < 1e-9
    assert line.predict(X.mean()) == pytest.approx(Y.mean())
    assert absolute_deviation(line) >= absolute_deviation(history.fit_line_lad(X, Y)) - 1e-9
    # After centring, the slope is a weighted median of the slopes (weights |x - mean x|).
    xt, yt = X - X.mean(), Y - Y.mean()
    slopes, weights = yt / xt, np.abs(xt)
    objective = [np.sum(weights * np.abs(slopes - s)) for s in slopes]
    assert np.sum(weights * np.abs(slopes - line.slope)) == pytest.approx(min(objective), rel=1e-9)


def test_power_fit_interpolates_lad_and_least_squares():
    assert history.fit_line_power(X, Y, p=1) == history.fit_line_lad(X, Y)
    assert history.fit_line_power(X, Y, p=2.0) == history.fit_line_least_squares(X, Y)


@pytest.mark.parametrize("p", [1.2, 1.5, 3.0, 4.0])
def test_power_fit_is_the_minimum(p):
    line = history.fit_line_power(X, Y, p=p)

    def objective(t):
        return np.sum(np.abs(Y - t[0] - t[1] * X) ** p)

    reference = optimize.minimize(objective, [line.intercept + 0.3, line.slope - 0.1], method="Nelder-Mead",
                                  options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000})
    assert objective([line.intercept, line.slope]) <= reference.fun * (1 + 1e-9)
    np.testing.assert_allclose([line.intercept, line.slope], reference.x, atol=1e-5)


@pytest.mark.parametrize("call, match", [
    (lambda: history.fit_line_least_squares([1.0, 2.0], [1.0]), "x and y must have the same length"),
    (lambda: history.fit_line_lad([1.0, 1.0], [1.0, 2.0]), "x needs at least two distinct values"),
    (lambda: history.fit_line_lad(X, Y, zero_sum="yes"), "zero_sum must be True or False"),
    (lambda: history.fit_line_power(X, Y, p=0.5), "p must be a finite number >= 1"),
    (lambda: history.fit_line_power(X, Y, p=True), "p must be a finite number >= 1"),
])
def test_fits_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -- risk functions ---------------------------------------------------------------------------

THETAS = np.linspace(-2, 2, 9)


def mean(X):
    return X.mean(axis=1)


def test_risk_of_the_mean_is_flat_and_close_to_sigma2_over_n():
    curve = history.monte_carlo_risk(mean, THETAS, n_obs=10, n_sims=4000, scale=2.0, seed=1)
    np.testing.assert_allclose(curve.risk, curve.risk[0])  # common random numbers: exactly flat
    assert abs(curve.risk[0] - 0.4) < 4 * curve.standard_error[0]


@pytest.mark.parametrize("noise", ["normal", "laplace"])
@pytest.mark.parametrize("factor", [0.5, 0.8])
def test_monte_carlo_agrees_with_the_exact_shrinkage_risk(noise, factor):
    curve = history.monte_carlo_risk(lambda X: factor * X.mean(axis=1), THETAS, n_obs=5, n_sims=5000,
                                     noise=noise, seed=2)
    exact = history.shrinkage_risk(THETAS, factor=factor, n_obs=5)
    assert np.all(np.abs(curve.risk - exact) < 4.5 * curve.standard_error)


def test_risk_is_reproducible_with_a_seed_and_changes_without():
    a = history.monte_carlo_risk(mean, THETAS, n_sims=200, seed=3)
    b = history.monte_carlo_risk(mean, THETAS, n_sims=200, seed=3)
    c = history.monte_carlo_risk(mean, THETAS, n_sims=200, seed=4)
    np.testing.assert_array_equal(a.risk, b.risk)
    assert not np.array_equal(a.risk, c.risk)


def test_absolute_loss_risk_of_the_median():
    curve = history.monte_carlo_risk(lambda X: np.median(X, axis=1), [0.0], n_obs=1, n_sims=20_000,
                                     loss="mae", seed=5)
    assert abs(curve.risk[0] - np.sqrt(2 / np.pi)) < 4 * curve.standard_error[0]  # E|Z|


@pytest.mark.parametrize("kwargs, match", [
    (dict(estimator=None), "estimator must be a function"),
    (dict(estimator=lambda X: X), "estimator must return one estimate per simulated sample"),
    (dict(n_obs=0), "n_obs must be a positive integer"),
    (dict(n_sims=2.5), "n_sims must be a positive integer"),
    (dict(noise="cauchy"), "noise must be one of"),
    (dict(scale=-1.0), "scale must be a finite number > 0"),
    (dict(loss="zero"), "loss must be a name in"),
])
def test_monte_carlo_risk_rejects_bad_input(kwargs, match):
    arguments = dict(estimator=mean, thetas=THETAS, n_sims=10)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        history.monte_carlo_risk(**arguments)


def test_shrinkage_risk_formula_and_errors():
    np.testing.assert_allclose(history.shrinkage_risk([0.0, 1.0], factor=0.5, n_obs=4),
                               [0.25 / 4, 0.25 / 4 + 0.25])
    with pytest.raises(ValueError, match="factor must be a finite number"):
        history.shrinkage_risk([0.0], factor=np.inf)
    with pytest.raises(ValueError, match="n_obs must be a positive integer"):
        history.shrinkage_risk([0.0], factor=0.5, n_obs=0)


# -- figures and explorer (smoke tests) ------------------------------------------------------


def test_figures_draw_without_error():
    ax = plots_history.plot_timeline(history.timeline())
    assert len(ax.texts) > len(history.timeline())
    with pytest.raises(ValueError, match="first < split < last"):
        plots_history.plot_timeline(history.timeline(), split=1700)
    curves = {"squared": (GRID, history.expected_loss(SAMPLE, GRID, loss="mse"))}
    axes = plots_history.plot_risk_curves(SAMPLE, curves, {"squared": {"minimiser": 4.0}})
    assert len(axes) == 4
    risk = {"mean": history.monte_carlo_risk(mean, THETAS, n_sims=50)}
    plots_history.plot_risk_functions(risk, exact={"mean": history.shrinkage_risk(THETAS, factor=1.0)},
                                      prior=stats.norm.pdf(THETAS))
    plots_history.plot_power_family(X, Y, Y - (np.arange(X.size) == 6) * 8, p_grid=[1.0, 2.0, 3.0])
    plt.close("all")


def test_explorer_builds_a_widget():
    pytest.importorskip("ipywidgets")
    from lossbook.widgets.history import outlier_explorer

    widget = outlier_explorer(X, Y, index=6)
    assert len(widget.children) >= 2
    with pytest.raises(ValueError, match="index must be a valid position"):
        outlier_explorer(X, Y, index=99)
    plt.close("all")
