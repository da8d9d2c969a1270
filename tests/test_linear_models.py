"""lossbook.models._linear: the objective and its chain-rule gradient, gradient descent, surfaces."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from lossbook import losses
from lossbook.models import gradient_descent, linear_objective, loss_surface

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + rng.normal(0, 0.2, size=40)
W = rng.uniform(0.2, 2.0, size=40)

SMOOTH = ["mse", "rmse", "huber", "pseudo_huber", "log_cosh"]


def finite_difference(f, p, h=1e-6):
    return np.array([(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(p.size)])


# rmse is not a mean of per-sample losses; with weights it is the weighted RMSE √(Σs r²/Σs).
CASES = [(loss, fit, weighted) for loss in SMOOTH for fit in (True, False) for weighted in (False, True)]


@pytest.mark.parametrize("loss, fit_intercept, weighted", CASES)
def test_gradient_matches_finite_differences(loss, fit_intercept, weighted):
    p = rng.normal(size=3 + fit_intercept)
    kw = dict(alpha=0.3, fit_intercept=fit_intercept, sample_weight=W if weighted else None)
    value, grad = linear_objective(p, X, y, loss, **kw)
    fd = finite_difference(lambda q: linear_objective(q, X, y, loss, **kw)[0], p)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_value_is_weighted_mean_plus_penalty():
    p = np.array([0.5, 0.1, -0.2, 0.7])
    value, _ = linear_objective(p, X, y, "huber", loss_params={"delta": 0.5}, sample_weight=W, alpha=2.0)
    pred = X @ p[:3] + p[3]
    expected = losses.huber(y, pred, sample_weight=W, delta=0.5) + 1.0 * p[:3] @ p[:3]
    assert value == pytest.approx(expected, rel=1e-14)


def test_gradient_descent_reaches_least_squares():
    path = gradient_descent(X, y, learning_rate=0.3, n_steps=500)
    exact = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    np.testing.assert_allclose(path.final, exact, rtol=1e-9)
    assert path.params.shape == (501, 4) and path.losses.shape == (501,)
    assert np.all(np.diff(path.losses) <= 1e-15)  # a stable step never increases a quadratic


def test_gradient_descent_records_the_state_before_each_update():
    path = gradient_descent(X, y, learning_rate=0.1, n_steps=3, params0=np.ones(4))
    np.testing.assert_array_equal(path.params[0], np.ones(4))
    _, g = linear_objective(np.ones(4), X, y)
    np.testing.assert_allclose(path.params[1], np.ones(4) - 0.1 * g)
    assert path.n_steps == 3


def test_divergence_is_a_clear_error():
    with pytest.raises(ValueError, match="diverged.*smaller learning_rate"):
        gradient_descent(X, y, learning_rate=5.0, n_steps=2000)


@pytest.mark.parametrize("kwargs, match", [
    ({"learning_rate": 0}, "learning_rate must be a positive finite number; got 0"),
    ({"learning_rate": float("nan")}, "learning_rate must be a positive finite number"),
    ({"n_steps": -1}, "n_steps must be a non-negative integer; got -1"),
    ({"n_steps": 2.5}, "n_steps must be a non-negative integer"),
    ({"params0": [1.0, 2.0]}, r"params0 must have shape \(4,\); got \(2,\)"),
    ({"loss": "hinge_los"}, "unknown loss 'hinge_los'.*Did you mean 'hinge'"),
    ({"loss": "info_nce"}, "loss must compare y_true with y_pred"),
    ({"loss_params": 1.5}, "loss_params must be a dict"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gradient_descent(X, y, **kwargs)


def test_bad_data():
    with pytest.raises(ValueError, match="same number of samples; got X has 40, y has 39"):
        linear_objective(np.zeros(4), X, y[:-1])
    with pytest.raises(ValueError, match="params must have shape"):
        linear_objective(np.zeros(3), X, y)
    with pytest.raises(ValueError, match="sample_weight is not supported with loss 'rmse_copy'"):
        linear_objective(np.zeros(4), X, y, _not_per_sample_loss(), sample_weight=W)


def _not_per_sample_loss():
    """A loss that, like rmse, is not a mean of per-sample losses (reduction 'mean' only), but is
    not the registry's rmse, whose weighted form linear_objective knows: a renamed copy of it."""
    other = copy.copy(losses.rmse)
    other.name = "rmse_copy"
    return other


def test_weighted_rmse_is_the_root_of_the_weighted_mse():
    p = rng.normal(size=4)
    value, grad = linear_objective(p, X, y, "rmse", sample_weight=W)
    mse, mse_grad = linear_objective(p, X, y, "mse", sample_weight=W)
    assert value == pytest.approx(np.sqrt(mse), rel=1e-14)
    np.testing.assert_allclose(grad, mse_grad / (2 * np.sqrt(mse)), rtol=1e-12)   # chain rule through √
    # integer weights are repetitions
    counts = rng.integers(0, 4, size=40)
    repeated = linear_objective(p, np.repeat(X, counts, axis=0), np.repeat(y, counts), "rmse")
    weighted = linear_objective(p, X, y, "rmse", sample_weight=counts)
    assert weighted[0] == pytest.approx(repeated[0], rel=1e-13)
    np.testing.assert_allclose(weighted[1], repeated[1], rtol=1e-11)
    # a perfect fit (every residual exactly 0): value 0 and the subgradient 0, as without weights
    exact = np.array([1.0, 2.0, 3.0, 4.0])
    value, grad = linear_objective(exact, X, X @ exact[:3] + exact[3], "rmse", sample_weight=W)
    assert value == 0.0
    np.testing.assert_array_equal(grad, np.zeros(4))


def test_loss_surface_agrees_with_the_loss():
    x = X[:, 0]
    b, w = np.linspace(-1, 1, 4), np.linspace(0, 2, 3)
    for name in ("mse", "rmse", "mae"):
        Z = loss_surface(x, y, b, w, loss=name)
        assert Z.shape == (3, 4)
        assert Z[2, 1] == pytest.approx(losses.get(name)(y, b[1] + w[2] * x), rel=1e-12)
    with pytest.raises(ValueError, match="one feature"):
        loss_surface(X, y, b, w)
