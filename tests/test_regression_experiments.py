"""lossbook.regression_experiments (contamination, heteroscedastic data, band coverage, Huber's
efficiency) and the figures of plots_regression that draw them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import integrate, stats  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from lossbook import losses, plots_regression  # noqa: E402
from lossbook import regression_experiments as rx  # noqa: E402
from lossbook.models import LossRegressor  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(80, 3))
y = X @ np.array([3.0, -1.0, 0.5]) + rng.normal(0, 0.5, size=80)
MODELS = {"ls": LossRegressor(loss="mse"), "lad": LossRegressor(loss="mae")}


# -- contamination ----------------------------------------------------------------------------


def test_contamination_matches_an_explicit_loop():
    result = rx.contamination_experiment(X, y, MODELS, fractions=[0.0, 0.1, 0.3], seeds=[3, 4], shift=4.0)
    assert result.errors["ls"].shape == (2, 3)
    for i, seed in enumerate((3, 4)):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed)
        order = np.random.default_rng(seed).permutation(len(y_tr))
        for j, p in enumerate((0.0, 0.1, 0.3)):
            y_bad = y_tr.copy()
            y_bad[order[: round(p * len(y_tr))]] += 4.0 * y_tr.std()
            for label, model in MODELS.items():
                expected = losses.rmse(y_te, clone(model).fit(X_tr, y_bad).predict(X_te))
                assert result.errors[label][i, j] == pytest.approx(expected, rel=1e-12)


def test_clean_data_is_the_same_for_both_corruptions_and_shift_hurts_least_squares():
    target = rx.contamination_experiment(X, y, MODELS, fractions=[0.0, 0.2], seeds=range(3))
    feature = rx.contamination_experiment(X, y, MODELS, fractions=[0.0, 0.2], seeds=range(3),
                                          corrupt="feature", feature=0)
    for label in MODELS:
        np.testing.assert_array_equal(target.errors[label][:, 0], feature.errors[label][:, 0])
    ls, lad = target.mean()["ls"], target.mean()["lad"]
    assert ls[1] > 3 * ls[0]            # shifted targets drag least squares ...
    assert lad[1] < 2 * lad[0]          # ... much more than least absolute deviations
    assert feature.mean()["lad"][1] > 1.5 * feature.mean()["lad"][0]   # a shifted x hurts both
    assert target.corrupt == "target" and feature.corrupt == "feature"


def test_feature_corruption_leaves_the_targets_alone():
    class Recorder(LinearRegression):
        seen = []

        def fit(self, X, y, sample_weight=None):
            Recorder.seen.append((X.copy(), y.copy()))
            return super().fit(X, y, sample_weight)

    rx.contamination_experiment(X, y, {"r": Recorder()}, fractions=[0.5], seeds=[0], corrupt="feature", feature=1)
    X_bad, y_bad = Recorder.seen[-1]
    X_tr, _, y_tr, _ = train_test_split(X, y, test_size=0.25, random_state=0)
    np.testing.assert_array_equal(y_bad, y_tr)
    changed = np.flatnonzero(np.any(X_bad != X_tr, axis=1))
    assert changed.size == round(0.5 * len(y_tr))
    np.testing.assert_allclose((X_bad - X_tr)[changed, 1], 5.0 * X_tr[:, 1].std())
    np.testing.assert_array_equal((X_bad - X_tr)[:, [0, 2]], 0.0)


def test_contamination_result_summaries():
    result = rx.contamination_experiment(X, y, MODELS, fractions=[0.0, 0.1], seeds=range(4))
    change = result.paired_change("lad", "ls", fraction=0.0)
    np.testing.assert_allclose(change, result.errors["lad"][:, 0] / result.errors["ls"][:, 0] - 1)
    np.testing.assert_allclose(result.std()["ls"], result.errors["ls"].std(axis=0))
    table = result.table()
    assert table.splitlines()[0].split() == ["p", "0.00", "0.10"]
    assert f"{result.mean()['lad'][1]:.1f}" in table.splitlines()[2]
    with pytest.raises(ValueError, match="fraction must be one of"):
        result.paired_change("lad", "ls", fraction=0.5)
    with pytest.raises(ValueError, match="reference must be one of"):
        result.paired_change("lad", "huber")


@pytest.mark.parametrize("kwargs, match", [
    ({"models": {}}, "models must be a non-empty dict"),
    ({"models": {"x": 3}}, r"models\['x'\] must be an estimator"),
    ({"fractions": [0.1, 1.0]}, r"fractions must be a non-empty list of numbers in \[0, 1\)"),
    ({"fractions": []}, "fractions must be a non-empty list"),
    ({"seeds": []}, "seeds must be a non-empty iterable of non-negative integers"),
    ({"seeds": 3}, "seeds must be an iterable"),
    ({"seeds": [1.5]}, "seeds must be a non-empty iterable of non-negative integers"),
    ({"shift": float("nan")}, "shift must be a finite number; got nan"),
    ({"corrupt": "inputs"}, r"corrupt must be one of \('target', 'feature'\); got 'inputs'"),
    ({"corrupt": "feature"}, r"feature must be a column index in \[0, 3\); got None"),
    ({"corrupt": "feature", "feature": 3}, r"feature must be a column index in \[0, 3\); got 3"),
    ({"feature": 1}, "feature is only used with corrupt='feature'"),
    ({"test_size": 1.0}, "test_size must be a finite number > 0 and < 1; got 1.0"),
    ({"metric": "rmse"}, "metric must be a function"),
])
def test_contamination_rejects_bad_arguments(kwargs, match):
    args = dict(models=MODELS) | kwargs
    with pytest.raises(ValueError, match=match):
        rx.contamination_experiment(X, y, **args)


def test_contamination_rejects_bad_data():
    with pytest.raises(ValueError, match="X must be 2-D"):
        rx.contamination_experiment(X[:, 0], y, MODELS)
    with pytest.raises(ValueError, match="same length"):
        rx.contamination_experiment(X, y[:-1], MODELS)


# -- heteroscedastic data and bands --------------------------------------------------------------


def test_heteroscedastic_quantiles_are_exact():
    data = rx.LinearHeteroscedastic()
    x, y_h = data.sample(200_000, seed=1)
    assert x.min() >= 0 and x.max() <= 10
    for q in (0.1, 0.5, 0.9):
        assert np.mean(y_h <= data.quantile(x, q)) == pytest.approx(q, abs=0.004)
    np.testing.assert_array_equal(data.sample(5, seed=3)[1], data.sample(5, seed=3)[1])
    np.testing.assert_allclose(data.quantile([0.0, 10.0], 0.5), [2.0, 10.0])


@pytest.mark.parametrize("kwargs, match", [
    ({"low": 5.0, "high": 1.0}, "need low < high"),
    ({"noise_intercept": -1.0}, "noise standard deviation .* must be > 0"),
    ({"slope": float("inf")}, "slope must be a finite number"),
])
def test_heteroscedastic_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rx.LinearHeteroscedastic(**kwargs)


def test_heteroscedastic_rejects_bad_calls():
    data = rx.LinearHeteroscedastic()
    with pytest.raises(ValueError, match="n must be a positive integer; got 0"):
        data.sample(0, seed=1)
    with pytest.raises(ValueError, match="q must be a finite number > 0 and < 1; got 1.0"):
        data.quantile([1.0], 1.0)


def test_fitted_band_recovers_the_true_quantile_lines():
    data = rx.LinearHeteroscedastic()
    band = rx.fit_quantile_band(*data.sample(10_000, seed=2), quantiles=(0.1, 0.9))
    grid = np.linspace(0, 10, 11)
    for q, model in band.items():
        assert model.solver_ == "linprog"
        # the noise standard deviation is 0.3 at x = 0 and 2.8 at x = 10
        np.testing.assert_allclose(model.predict(grid[:, None]), data.quantile(grid, q), atol=0.2)
    with pytest.raises(ValueError, match="each quantile must be a finite number > 0 and < 1"):
        rx.fit_quantile_band([1.0, 2.0], [1.0, 2.0], quantiles=(0.5, 1.5))


def test_band_coverage_counts_points_per_slice():
    yy = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    xx = np.array([0.0, 0.5, 1.5, 1.6, 2.5, 2.6])
    low, high = np.full(6, 0.5), np.full(6, 4.0)
    cov = rx.band_coverage(yy, low, high, x=xx, edges=(1.0, 2.0))
    assert cov.overall == pytest.approx(4 / 6)
    np.testing.assert_allclose(cov.by_slice, [0.5, 1.0, 0.5])
    np.testing.assert_array_equal(cov.counts, [2, 2, 2])
    np.testing.assert_allclose(cov.z_scores(0.5), [0.0, 0.5 / np.sqrt(0.25 / 2), 0.0])
    assert rx.band_coverage(yy, low, high).by_slice.tolist() == [pytest.approx(4 / 6)]


@pytest.mark.parametrize("kwargs, match", [
    ({"edges": (2.0, 1.0), "x": np.arange(6.0)}, "edges must be increasing"),
    ({"edges": (1.0,)}, "slicing by edges needs x"),
    ({"edges": (10.0,), "x": np.arange(6.0)}, "every slice needs at least one point"),
    ({"x": np.arange(5.0), "edges": (1.0,)}, "x must have the length of y"),
])
def test_band_coverage_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rx.band_coverage(np.arange(6.0), np.zeros(6), np.ones(6), **kwargs)
    with pytest.raises(ValueError, match="one length"):
        rx.band_coverage(np.arange(6.0), np.zeros(5), np.ones(6))


def test_refit_coverage_averages_to_the_nominal_level():
    data = rx.LinearHeteroscedastic()
    x_new, y_new = data.sample(4000, seed=99)
    cover = rx.refit_band_coverage(lambda s: data.sample(300, seed=s), x_new, y_new, seeds=range(12),
                                   edges=(5.0,))
    assert cover.shape == (12, 2)
    assert cover.mean() == pytest.approx(0.8, abs=0.02)
    assert cover.std(axis=0).min() > 0.005     # each refit's band is a little different
    with pytest.raises(ValueError, match="sample must be a function"):
        rx.refit_band_coverage(None, x_new, y_new, seeds=[1])


# -- Huber's efficiency -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0.1, 0.5, 1.0, 1.345, 2.0, 4.0])
def test_huber_efficiency_against_numerical_integration(k):
    # E ψ(Z)² and E ψ'(Z) by quadrature, split at the kinks of ψ = clip(·, −k, k)
    inner = integrate.quad(lambda z: z * z * stats.norm.pdf(z), -k, k, epsabs=1e-14, epsrel=1e-13)[0]
    tails = 2 * k * k * integrate.quad(stats.norm.pdf, k, np.inf, epsabs=1e-15, epsrel=1e-13)[0]
    psi2 = inner + tails
    slope = integrate.quad(stats.norm.pdf, -k, k, epsabs=1e-15, epsrel=1e-13)[0]
    assert rx.huber_efficiency(k) == pytest.approx(slope**2 / psi2, rel=1e-9)


def test_huber_efficiency_limits_and_the_familiar_threshold():
    assert rx.huber_efficiency(1e-6) == pytest.approx(2 / np.pi, rel=1e-5)     # the median
    assert rx.huber_efficiency(12.0) == pytest.approx(1.0, abs=1e-12)          # the mean
    assert rx.huber_efficiency(1.345) == pytest.approx(0.95, abs=5e-4)
    ks = np.linspace(0.05, 4, 40)
    assert np.all(np.diff([rx.huber_efficiency(k) for k in ks]) > 0)
    with pytest.raises(ValueError, match="k must be a finite number > 0; got 0"):
        rx.huber_efficiency(0)


# -- figures -------------------------------------------------------------------------------------


def test_constants_and_coverage_figures_draw():
    sample = rng.lognormal(size=101)
    ax = plots_regression.plot_constants(sample, {"mean": (sample.mean(), "mean", 0.0), "c": (1.0, "")})
    assert len(ax.lines) == 2 and ax.get_legend() is not None
    assert ax.get_legend().get_texts()[1].get_text().startswith("mean → mean:")
    cov = rx.band_coverage(sample, np.full(101, 0.5), np.full(101, 2.0), x=np.arange(101.0), edges=(30, 60))
    ax = plots_regression.plot_coverage({"a": cov, "b": cov}, spread={"a": np.full(3, 0.02)})
    assert len(ax.patches) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x < 30", "30 – 60", "x > 60"]
    with pytest.raises(ValueError, match="coverages must be a non-empty dict"):
        plots_regression.plot_coverage({})
    other = rx.band_coverage(sample, np.zeros(101), np.ones(101), x=np.arange(101.0), edges=(50,))
    with pytest.raises(ValueError, match="same slices"):
        plots_regression.plot_coverage({"a": cov, "b": other})
    plt.close("all")
