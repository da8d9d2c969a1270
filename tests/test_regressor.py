"""lossbook.models.regressor: LossRegressor agrees with scikit-learn, passes its estimator checks,
handles weights and every regression loss, reaches the exact optimum of the kinked losses."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import optimize
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, QuantileRegressor, Ridge
from sklearn.utils.estimator_checks import check_estimator

from lossbook import losses
from lossbook.models import LossRegressor, linear_objective
from lossbook.models.regressor import piecewise_linear

rng = np.random.default_rng(0)
N, D = 120, 4
# Features of very different scales and correlated, heavy-tailed noise: a fair test of the solvers.
X = rng.normal(size=(N, D)) @ np.array([[1, 0.8, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]])
X *= np.array([1.0, 30.0, 0.01, 5.0])
y = X @ np.array([2.0, -0.1, 80.0, 0.3]) + 4.0 + rng.standard_t(3, size=N)
W = rng.integers(0, 4, size=N)  # integer weights, some zero


# --------------------------------------------------------------------------------------------
# scikit-learn's estimator checks
# --------------------------------------------------------------------------------------------

REGRESSION_LOSSES = [n for n, l in losses.REGISTRY.items() if l.task == "regression"]

# With alpha = 0 the epsilon-insensitive loss has a non-unique optimum on the data of
# check_sample_weight_equivalence_on_dense_data: 15 samples and 30 features, so a whole polytope of
# lines fits every target to within epsilon, all with objective 0. The weighted and the repeated
# fits are two different exact optima (their predictions differ, their objectives do not):
# test_epsilon_insensitive_weighted_and_repeated_fits_are_both_optimal proves it directly.
NON_UNIQUE = ("check_sample_weight_equivalence_on_dense_data",
              "non-unique optimum: with more features (30) than samples (15) every fit inside the "
              "epsilon-tube of all targets has objective 0, and the weighted and the repeated linear "
              "programs return different optimal vertices with the same objective")


def _expected_failures(estimator):
    if estimator.loss == "epsilon_insensitive" and estimator.alpha == 0:
        return dict([NON_UNIQUE])
    return {}


CHECKED = ([LossRegressor(loss=name) for name in REGRESSION_LOSSES]
           + [LossRegressor(loss="quantile", alpha=0.1, loss_params={"q": 0.3}),
              LossRegressor(loss="epsilon_insensitive", loss_params={"epsilon": 0.2})])


@pytest.mark.parametrize("estimator", CHECKED,
                         ids=REGRESSION_LOSSES + ["quantile-alpha", "epsilon_insensitive-0.2"])
def test_passes_check_estimator(estimator):
    # Every check passes, except those listed with a reason in _expected_failures, which must
    # then really fail (so the excuse is removed as soon as it is no longer needed).
    expected = _expected_failures(estimator)
    results = check_estimator(estimator, expected_failed_checks=expected, on_fail=None, on_skip=None)
    failed = {r["check_name"]: str(r["exception"])[:300] for r in results if r["status"] == "failed"}
    assert not failed
    xfailed = {r["check_name"] for r in results if r["status"] == "xfail"}
    assert xfailed == set(expected)
    assert len(results) > 40


@pytest.mark.parametrize("epsilon", [0.1, 0.2])
def test_epsilon_insensitive_weighted_and_repeated_fits_are_both_optimal(epsilon):
    # The data of scikit-learn's check_sample_weight_equivalence_on_dense_data, built the same way.
    from sklearn.utils import shuffle

    rs = np.random.RandomState(42)
    Xc, yc = rs.rand(15, 30), rs.randint(0, 3, size=15).astype(float)
    sw = rs.randint(0, 5, size=15)
    X_rep, y_rep = Xc.repeat(sw, axis=0), yc.repeat(sw)
    X_w, y_w, sw_w = shuffle(Xc, yc, sw, random_state=0)
    est = dict(loss="epsilon_insensitive", loss_params={"epsilon": epsilon})
    repeated = LossRegressor(**est).fit(X_rep, y_rep)
    weighted = LossRegressor(**est).fit(X_w, y_w, sample_weight=sw_w)
    # The objective is >= 0, and both fits reach 0: both are exact minimisers ...
    assert repeated.objective_ == pytest.approx(0.0, abs=1e-12)
    assert weighted.objective_ == pytest.approx(0.0, abs=1e-12)
    # ... of the same problem: each keeps every sample of positive weight inside the epsilon-tube
    # (the objective of each fit evaluated on the other formulation is 0 too) ...
    kept = sw > 0
    for fit in (repeated, weighted):
        assert np.all(np.abs(yc[kept] - fit.predict(Xc[kept])) <= epsilon + 1e-9)
    assert linear_objective(np.append(weighted.coef_, weighted.intercept_), X_rep, y_rep,
                            "epsilon_insensitive", loss_params={"epsilon": epsilon})[0] == pytest.approx(0, abs=1e-12)
    # ... and yet they differ: the optimum is not unique, which is all the sklearn check detects.
    assert not np.allclose(repeated.predict(Xc), weighted.predict(Xc), rtol=1e-7, atol=1e-9)


# --------------------------------------------------------------------------------------------
# Agreement with scikit-learn
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_mse_gives_linear_regression(fit_intercept, weighted):
    sw = W + 0.5 if weighted else None
    ours = LossRegressor(loss="mse", fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    ref = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    assert ours.solver_ == "lbfgs"
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("alpha", [1e-3, 0.5])
def test_mse_with_penalty_gives_ridge(alpha):
    # (1/Σs)Σ s r² + (α/2)‖w‖²  ∝  Σ s r² + (α Σs / 2)‖w‖²: Ridge's objective with alpha = αΣs/2
    sw = W + 0.5
    ours = LossRegressor(alpha=alpha).fit(X, y, sample_weight=sw)
    ref = Ridge(alpha=alpha * sw.sum() / 2, solver="cholesky").fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)


@pytest.mark.parametrize("q", [0.1, 0.25, 0.5, 0.9])
@pytest.mark.parametrize("weighted", [False, True])
def test_quantile_reaches_quantile_regressor_objective(q, weighted):
    sw = W if weighted else None
    ours = LossRegressor(loss="quantile", loss_params={"q": q}).fit(X, y, sample_weight=sw)
    ref = QuantileRegressor(quantile=q, alpha=0.0, solver="highs").fit(X, y, sample_weight=sw)
    mine = losses.quantile(y, ours.predict(X), q=q, sample_weight=sw)
    theirs = losses.quantile(y, ref.predict(X), q=q, sample_weight=sw)
    assert ours.solver_ == "linprog"
    assert mine == pytest.approx(theirs, rel=1e-6)
    assert ours.objective_ == pytest.approx(mine, rel=1e-12)


def test_intercept_only_fits_are_mean_median_quantile():
    # A constant prediction is a linear model on a single feature that is always 1.
    sample = rng.lognormal(size=101)
    ones = np.ones((sample.size, 1))

    def constant(loss, **params):
        return LossRegressor(loss=loss, fit_intercept=False, loss_params=params).fit(ones, sample).coef_[0]

    assert constant("mse") == pytest.approx(sample.mean(), rel=1e-10)
    assert constant("mae") == pytest.approx(np.median(sample), rel=1e-10)
    assert constant("quantile", q=0.9) == pytest.approx(np.quantile(sample, 0.9, method="inverted_cdf"), rel=1e-10)
    assert np.median(sample) < constant("huber", delta=1.0) < sample.mean()


# --------------------------------------------------------------------------------------------
# Weights, hyper-parameters, every loss
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss, params, alpha", [
    ("mse", None, 0.0), ("huber", {"delta": 2.0}, 0.1), ("log_cosh", None, 0.0),
    ("mae", None, 0.0), ("quantile", {"q": 0.8}, 0.0), ("quantile", {"q": 0.8}, 0.05),
    ("epsilon_insensitive", {"epsilon": 0.5}, 0.05), ("rmse", None, 0.0), ("rmse", None, 0.2),
])
def test_integer_weights_are_repetitions(loss, params, alpha):
    est = dict(loss=loss, loss_params=params, alpha=alpha)
    weighted = LossRegressor(**est).fit(X, y, sample_weight=W)
    repeated = LossRegressor(**est).fit(np.repeat(X, W, axis=0), np.repeat(y, W))
    assert weighted.objective_ == pytest.approx(repeated.objective_, rel=1e-9)
    if alpha > 0 or loss not in ("mae", "quantile"):  # unique minimiser: the coefficients agree too
        np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-8)


def test_huber_takes_delta_from_loss_params():
    fits = {d: LossRegressor(loss="huber", loss_params={"delta": d}).fit(X, y) for d in (0.3, 1.0, 1e6)}
    assert fits[1.0].objective_ == pytest.approx(
        linear_objective(np.append(fits[1.0].coef_, fits[1.0].intercept_), X, y, "huber",
                         loss_params={"delta": 1.0})[0], rel=1e-14)
    assert not np.allclose(fits[0.3].coef_, fits[1.0].coef_, rtol=1e-3)
    # δ beyond every residual: Huber is half the squared error, so the fit is least squares
    np.testing.assert_allclose(fits[1e6].coef_, LinearRegression().fit(X, y).coef_, rtol=1e-8)
    for delta, fit in fits.items():  # a stationary point of the objective
        _, grad = linear_objective(np.append(fit.coef_, fit.intercept_), X, y, "huber", loss_params={"delta": delta})
        scale = np.abs(X).max(axis=0).tolist() + [1.0]
        assert np.max(np.abs(grad) * scale) < 1e-6 * delta


@pytest.mark.parametrize("name", [n for n, l in losses.REGISTRY.items() if l.task == "regression"])
def test_every_regression_loss_fits(name):
    fit = LossRegressor(loss=name).fit(X, y)
    assert fit.score(X, y) > 0.75  # R² of least squares: 0.82 (heavy-tailed noise)
    assert np.isfinite(fit.objective_)


def test_a_loss_object_is_accepted():
    by_name = LossRegressor(loss="pseudo_huber", loss_params={"delta": 2.0}).fit(X, y)
    by_object = LossRegressor(loss=losses.pseudo_huber, loss_params={"delta": 2.0}).fit(X, y)
    np.testing.assert_array_equal(by_name.coef_, by_object.coef_)


@pytest.mark.parametrize("weighted", [False, True])
def test_rmse_has_the_least_squares_minimiser(weighted):
    # √(Σs r²/Σs) is an increasing function of the weighted mean of r²: same minimiser as mse
    sw = W + 0.5 if weighted else None
    fit = LossRegressor(loss="rmse").fit(X, y, sample_weight=sw)
    ref = LinearRegression().fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-7)
    assert fit.objective_ == pytest.approx(losses.rmse(y, ref.predict(X), sample_weight=sw), rel=1e-12)


def test_a_loss_that_is_not_a_mean_of_per_sample_losses_refuses_weights():
    # a renamed copy of rmse: like rmse only reduction="mean", but not the rmse whose weighted
    # form (√(Σs r²/Σs)) LossRegressor knows
    other = copy.copy(losses.rmse)
    other.name = "rmse_copy"
    assert LossRegressor(loss=other).fit(X, y).objective_ > 0
    with pytest.raises(ValueError, match="sample_weight is not supported with loss 'rmse_copy'"):
        LossRegressor(loss=other).fit(X, y, sample_weight=W)


# --------------------------------------------------------------------------------------------
# The kinked losses with a penalty: an exact, certified optimum
# --------------------------------------------------------------------------------------------

def _quantile_qp(Xs, ys, q, alpha):
    """Independent reference: the QP min Σ(q·u + (1-q)·v)/n + (α/2)‖w‖², Xw + b + u - v = y, u, v ≥ 0."""
    n, d = Xs.shape

    def split(z):
        return z[:d], z[d], z[d + 1:d + 1 + n], z[d + 1 + n:]

    def f(z):
        w, _, u, v = split(z)
        return (q * u.sum() + (1 - q) * v.sum()) / n + 0.5 * alpha * w @ w

    def f_grad(z):
        w = z[:d]
        return np.concatenate([alpha * w, [0.0], np.full(n, q / n), np.full(n, (1 - q) / n)])

    A = np.hstack([Xs, np.ones((n, 1)), np.eye(n), -np.eye(n)])
    z0 = np.concatenate([np.zeros(d + 1), np.maximum(ys, 0), np.maximum(-ys, 0)])
    result = optimize.minimize(f, z0, jac=f_grad, method="SLSQP",
                               constraints={"type": "eq", "fun": lambda z: A @ z - ys, "jac": lambda z: A},
                               bounds=[(None, None)] * (d + 1) + [(0, None)] * (2 * n),
                               options={"ftol": 1e-14, "maxiter": 1000})
    assert result.success, result.message
    return result.fun, result.x[:d]


@pytest.mark.parametrize("q, alpha", [(0.5, 0.1), (0.2, 1.0), (0.9, 0.01)])
def test_quantile_with_penalty_reaches_the_qp_optimum(q, alpha):
    Xs, ys = X[:30, :2] / np.array([1.0, 30.0]), y[:30] / 10
    fit = LossRegressor(loss="quantile", alpha=alpha, loss_params={"q": q}).fit(Xs, ys)
    best, w = _quantile_qp(Xs, ys, q, alpha)
    assert fit.solver_ == "smoothing+active-set"  # certified by the subgradient conditions
    assert fit.objective_ == pytest.approx(best, rel=1e-7)
    np.testing.assert_allclose(fit.coef_, w, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("loss, params", [("mae", None), ("epsilon_insensitive", {"epsilon": 1.0})])
def test_kinked_losses_with_penalty_are_certified(loss, params):
    fit = LossRegressor(loss=loss, alpha=0.05, loss_params=params).fit(X, y)
    assert fit.solver_ == "smoothing+active-set"
    # no nearby point does better (convexity: checking small moves along each axis suffices locally)
    p = np.append(fit.coef_, fit.intercept_)
    for e in np.eye(p.size):
        for h in (1e-4, -1e-4):
            assert linear_objective(p + h * e / np.abs(X).max(initial=1.0), X, y, loss, loss_params=params,
                                    alpha=0.05)[0] >= fit.objective_ - 1e-12


@pytest.mark.parametrize("loss, params", [("mae", {}), ("quantile", {"q": 0.3}), ("epsilon_insensitive", {"epsilon": 0.4}),
                                          ("epsilon_insensitive", {"epsilon": 0.0})])
def test_pieces_match_the_loss(loss, params):
    pieces = piecewise_linear(loss, params)
    r = np.linspace(-3, 3, 601)
    np.testing.assert_allclose(pieces.value(r), losses.get(loss)(r, np.zeros_like(r), reduction="none", **params),
                               atol=1e-15)
    mu = 0.2
    smooth = pieces.smooth_value(r, mu)
    assert np.all(smooth <= pieces.value(r) + 1e-15)
    assert np.all(smooth >= pieces.value(r) - 0.5 * mu * np.max(pieces.slopes**2) - 1e-15)
    h = 1e-6  # (the second derivative jumps at the ends of the ramps: there fd is off by ~h/mu)
    fd = (pieces.smooth_value(r + h, mu) - pieces.smooth_value(r - h, mu)) / (2 * h)
    np.testing.assert_allclose(pieces.smooth_gradient(r, mu), fd, atol=10 * h / mu)


def test_only_registered_kinked_losses_get_the_exact_solvers():
    assert piecewise_linear("huber") is None
    assert piecewise_linear("quantile", {"q": 0.7}).knots.tolist() == [0.0]


# --------------------------------------------------------------------------------------------
# Clear errors
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, match", [
    ({"loss": "hubr"}, "loss must name a regression loss.*unknown loss 'hubr'.*Did you mean 'huber'"),
    ({"loss": "hinge"}, r"loss must be a regression loss \(mse, .*\); got 'hinge', a classification loss"),
    ({"loss": losses.triplet}, "got 'triplet', a ranking loss"),
    ({"loss": 3}, "loss must be a loss name .* or a lossbook.losses.Loss; got int 3"),
    ({"alpha": -1.0}, "alpha must be a non-negative finite number; got -1.0"),
    ({"alpha": float("nan")}, "alpha must be a non-negative finite number; got nan"),
    ({"alpha": "0.1"}, "alpha must be a non-negative finite number; got '0.1'"),
    ({"fit_intercept": "yes"}, "fit_intercept must be True or False; got 'yes'"),
    ({"loss_params": 1.5}, "loss_params must be a dict.*got float 1.5"),
    ({"loss": "mae", "loss_params": {"delta": 1.0}}, "loss_params has 'delta', but loss 'mae' accepts no hyper-parameters"),
    ({"loss": "huber", "loss_params": {"q": 0.5}}, "loss_params has 'q', but loss 'huber' accepts delta"),
    ({"loss": "huber", "loss_params": {"delta": -1.0}}, "delta must satisfy delta > 0; got delta=-1.0"),
    ({"loss": "quantile", "loss_params": {"q": 1.5}}, "q must satisfy 0 < q < 1; got q=1.5"),
])
def test_bad_parameters_are_clear_value_errors(params, match):
    with pytest.raises(ValueError, match=match):
        LossRegressor(**params).fit(X, y)


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        LossRegressor().predict(X)
