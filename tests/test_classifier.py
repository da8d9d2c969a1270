"""lossbook.models.classifier: LossClassifier agrees with scikit-learn, passes check_estimator,
handles sample weights as repetitions, resolves custom losses, and rejects bad input clearly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.datasets import load_breast_cancer, load_iris, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from lossbook import losses
from lossbook.losses import REGISTRY, Loss
from lossbook.losses._core import as_float_array, check_labels
from lossbook.models import LossClassifier, linear_objective
from lossbook.models.classifier import multiclass_objective, resolve_classification_loss

X_BC, Y_BC = load_breast_cancer(return_X_y=True)
X_BC = StandardScaler().fit_transform(X_BC)
X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)

BINARY = ["binary_cross_entropy_with_logits", "hinge", "squared_hinge", "exponential",
          "binary_cross_entropy", "brier", "focal"]
MULTICLASS = ["categorical_cross_entropy_with_logits", "multiclass_hinge"]


def finite_difference(f, p, h=1e-6):
    return np.array([(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(p.size)])


# ---------------------------------------------------------------------------------------------
# scikit-learn compatibility
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", BINARY + MULTICLASS)
def test_check_estimator(loss):
    # No expected failures: every check applies and passes, for every loss.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # alpha=0 on separable check data
        results = check_estimator(LossClassifier(loss), on_fail=None)
    failed = {r["check_name"]: str(r["exception"]) for r in results if r["status"] == "failed"}
    assert not failed


@pytest.mark.parametrize("C", [0.01, 0.1, 1.0, 10.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_bce_with_logits_is_logistic_regression(C, fit_intercept):
    n = len(Y_BC)
    reference = LogisticRegression(C=C, tol=1e-10, max_iter=10_000, fit_intercept=fit_intercept).fit(X_BC, Y_BC)
    model = LossClassifier(alpha=1 / (C * n), tol=1e-10, max_iter=10_000,
                           fit_intercept=fit_intercept).fit(X_BC, Y_BC)
    scale = np.abs(reference.coef_).max()
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(model.predict_proba(X_BC), reference.predict_proba(X_BC), atol=1e-5)
    assert model.coef_.shape == (1, X_BC.shape[1]) and model.intercept_.shape == (1,)


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_softmax_cross_entropy_is_multinomial_logistic_regression(C):
    n = len(Y_IRIS)
    reference = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X_IRIS, Y_IRIS)
    model = LossClassifier("categorical_cross_entropy_with_logits", alpha=1 / (C * n), tol=1e-10,
                           max_iter=10_000).fit(X_IRIS, Y_IRIS)
    scale = np.abs(reference.coef_).max()
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=0, atol=1e-5 * scale)
    # softmax is unchanged by a common shift of the intercepts: compare the centred ones
    centred = reference.intercept_ - reference.intercept_.mean()
    np.testing.assert_allclose(model.intercept_, centred, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(model.predict_proba(X_IRIS), reference.predict_proba(X_IRIS), atol=1e-5)


def test_weighted_fit_is_weighted_logistic_regression():
    s = np.random.default_rng(1).uniform(0.2, 3.0, size=len(Y_BC))
    C = 0.5
    reference = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X_BC, Y_BC, sample_weight=s)
    # scikit-learn scales its penalty by the total weight: alpha = 1 / (C Σs)
    model = LossClassifier(alpha=1 / (C * s.sum()), tol=1e-10, max_iter=10_000).fit(X_BC, Y_BC, sample_weight=s)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=0, atol=1e-5 * np.abs(reference.coef_).max())


@pytest.mark.parametrize("loss", ["binary_cross_entropy_with_logits", "squared_hinge", "focal",
                                  "categorical_cross_entropy_with_logits"])
def test_sample_weight_is_repetition(loss):
    rng = np.random.default_rng(3)
    X, y = X_IRIS[:, :3], Y_IRIS
    counts = rng.integers(0, 4, size=len(y))
    kw = dict(alpha=0.05, tol=1e-10, max_iter=10_000)
    weighted = LossClassifier(loss, **kw).fit(X, y, sample_weight=counts)
    repeated = LossClassifier(loss, **kw).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-7)
    np.testing.assert_allclose(weighted.decision_function(X), repeated.decision_function(X), atol=1e-6)


# ---------------------------------------------------------------------------------------------
# The losses and what they receive
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss, labels, link", [
    ("binary_cross_entropy_with_logits", "0/1", "identity"),
    ("hinge", "-1/+1", "identity"), ("squared_hinge", "-1/+1", "identity"), ("exponential", "-1/+1", "identity"),
    ("binary_cross_entropy", "0/1", "sigmoid"), ("brier", "0/1", "sigmoid"), ("focal", "0/1", "sigmoid"),
    ("categorical_cross_entropy_with_logits", "class index", "identity"),
    ("multiclass_hinge", "class index", "identity"),
])
def test_label_convention_and_link(loss, labels, link):
    model = LossClassifier(loss, alpha=0.1).fit(X_BC, Y_BC)
    assert (model.label_convention_, model.link_) == (labels, link)
    assert model.score(X_BC, Y_BC) > 0.95


@pytest.mark.parametrize("loss", BINARY + MULTICLASS)
def test_predict_proba_only_for_probabilistic_losses(loss):
    model = LossClassifier(loss, alpha=0.1)
    probabilistic = loss in ("binary_cross_entropy_with_logits", "binary_cross_entropy", "brier",
                             "categorical_cross_entropy_with_logits")
    assert hasattr(model, "predict_proba") == probabilistic
    model.fit(X_IRIS, Y_IRIS)
    assert hasattr(model, "predict_proba") == probabilistic
    if probabilistic:
        p = model.predict_proba(X_IRIS)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        np.testing.assert_array_equal(model.classes_[p.argmax(axis=1)], model.predict(X_IRIS))
    else:
        with pytest.raises(AttributeError):
            model.predict_proba(X_IRIS)


def test_focal_with_gamma_zero_is_logistic_regression():
    bce = LossClassifier(alpha=0.01, tol=1e-10).fit(X_BC, Y_BC)
    focal = LossClassifier("focal", alpha=0.01, tol=1e-10, loss_params={"gamma": 0.0}).fit(X_BC, Y_BC)
    np.testing.assert_allclose(focal.coef_, bce.coef_, atol=1e-6)


@pytest.mark.parametrize("loss", ["focal", "binary_cross_entropy", "brier"])
def test_gradient_through_the_sigmoid_matches_finite_differences(loss):
    resolved, hp = resolve_classification_loss(loss, {"gamma": 1.5} if loss == "focal" else None)
    X, y = X_BC[:60, :4], Y_BC[:60].astype(float)
    p = np.random.default_rng(0).normal(size=5)
    f = lambda q: linear_objective(q, X, y, resolved.loss, loss_params=hp, alpha=0.2)  # noqa: E731
    np.testing.assert_allclose(f(p)[1], finite_difference(lambda q: f(q)[0], p), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("loss", ["focal", "binary_cross_entropy", "brier"])
def test_flags_through_the_sigmoid_describe_the_loss_in_the_score(loss):
    """robust: the gradient in the score stays bounded (does not grow) as the score runs away from
    the label; convex: second differences in the score are >= 0 on a grid for both labels."""
    resolved, _ = resolve_classification_loss(loss)
    composed = resolved.loss
    s = np.array([1e1, 1e2, 1e3, 1e4])
    wild = np.abs(composed.gradient(np.zeros_like(s), s))  # label 0, score -> +inf
    assert np.all(np.isfinite(wild))
    assert (wild.max() <= 10 * wild[0]) == composed.robust, wild
    grid, h = np.linspace(-6, 6, 241), 1e-2  # where σ(s) keeps enough digits for 2nd differences
    lowest = []
    for label in (0.0, 1.0):
        y = np.full_like(grid, label)
        f = lambda t: composed(y, t, reduction="none")  # noqa: E731
        lowest.append(((f(grid + h) - 2 * f(grid) + f(grid - h)) / h**2).min())
    assert (min(lowest) >= -1e-6) == composed.convex, lowest


@pytest.mark.parametrize("loss", MULTICLASS)
@pytest.mark.parametrize("fit_intercept, weighted", [(True, False), (True, True), (False, True)])
def test_multiclass_objective_gradient(loss, fit_intercept, weighted):
    rng = np.random.default_rng(5)
    X, y = X_IRIS[::3], Y_IRIS[::3].astype(float)
    s = rng.uniform(0.5, 2.0, size=len(y)) if weighted else None
    p = rng.normal(size=4 * 3 + 3 * fit_intercept)
    kw = dict(n_classes=3, sample_weight=s, alpha=0.3, fit_intercept=fit_intercept)
    value, grad = multiclass_objective(p, X, y, loss, **kw)
    W = p[:12].reshape(4, 3)
    S = X @ W + (p[12:] if fit_intercept else 0)
    assert value == pytest.approx(REGISTRY[loss](y, S, sample_weight=s) + 0.15 * np.sum(W**2), rel=1e-13)
    if loss == "categorical_cross_entropy_with_logits":  # smooth: exact comparison
        fd = finite_difference(lambda q: multiclass_objective(q, X, y, loss, **kw)[0], p)
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_one_vs_rest_is_k_binary_problems():
    model = LossClassifier("squared_hinge", alpha=0.1, tol=1e-10).fit(X_IRIS, Y_IRIS)
    for c in range(3):
        single = LossClassifier("squared_hinge", alpha=0.1, tol=1e-10).fit(X_IRIS, Y_IRIS == c)
        np.testing.assert_allclose(model.coef_[c], single.coef_[0], atol=1e-8)
    assert model.decision_function(X_IRIS).shape == (150, 3)


def test_two_class_softmax_is_logistic_with_half_the_penalty():
    # W = (−v/2, v/2) at the optimum, so α‖W‖²/2 = (α/2)‖v‖²/2: softmax(α) ≡ logistic(α/2)
    softmax = LossClassifier("categorical_cross_entropy_with_logits", alpha=0.02, tol=1e-10).fit(X_BC, Y_BC)
    logistic = LossClassifier(alpha=0.01, tol=1e-10).fit(X_BC, Y_BC)
    np.testing.assert_allclose(softmax.coef_, logistic.coef_, atol=1e-6)
    np.testing.assert_allclose(softmax.predict_proba(X_BC), logistic.predict_proba(X_BC), atol=1e-6)
    assert softmax.decision_function(X_BC).shape == (len(Y_BC),)


def test_hinge_reaches_the_svm_objective():
    """L-BFGS on the kinked hinge objective ends within 1e-3 of the optimum of the primal QP."""
    X, y = make_blobs(n_samples=80, centers=2, cluster_std=2.5, random_state=0)
    ypm, alpha = 2.0 * y - 1, 0.05
    model = LossClassifier("hinge", alpha=alpha, tol=1e-9).fit(X, y)
    ours = linear_objective(np.append(model.coef_[0], model.intercept_), X, ypm, "hinge", alpha=alpha)[0]
    # min (1/n)Σξ + (α/2)‖w‖² subject to ξᵢ >= 1 − yᵢ(xᵢ·w + b), ξ >= 0: a smooth problem for SLSQP
    n, d = X.shape
    objective = lambda v: v[d + 1:].mean() + 0.5 * alpha * v[:d] @ v[:d]  # noqa: E731
    constraints = [{"type": "ineq", "fun": lambda v: v[d + 1:] - 1 + ypm * (X @ v[:d] + v[d])},
                   {"type": "ineq", "fun": lambda v: v[d + 1:]}]
    qp = minimize(objective, np.concatenate([np.zeros(d + 1), np.ones(n)]), method="SLSQP",
                  constraints=constraints, options={"ftol": 1e-12, "maxiter": 500})
    assert qp.success
    assert qp.fun <= ours <= qp.fun * (1 + 1e-3)


# ---------------------------------------------------------------------------------------------
# Custom losses registered with lossbook.losses.register
# ---------------------------------------------------------------------------------------------


def _prepare(labels):
    def prepare(y_true, y_pred):
        y = as_float_array(y_true, "y_true", "custom")
        s = as_float_array(y_pred, "y_pred", "custom")
        check_labels(y, "y_true", "custom", labels)
        if s.shape != y.shape:
            raise ValueError("custom: y_true and y_pred must have the same shape")
        return y, s
    return prepare


def _cost_weighted_logistic(cost_fn):
    """Logistic loss with false negatives costing `cost_fn` times more (labels 0/1)."""
    def value(y, z):
        return cost_fn * y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)

    def gradient(y, z):
        return -cost_fn * y * losses.sigmoid(-z) + (1 - y) * losses.sigmoid(z)

    return Loss(f"test_cost_weighted_logistic_{cost_fn:g}", summary="test", task="classification",
                formula="", gradient_formula="", year=2024, reference="", convex=True, robust=True,
                inputs=("y_true", "y_pred"), prepare=_prepare((0.0, 1.0)), value=value, gradient=gradient)


@pytest.fixture
def registered():
    names = []

    def add(loss):
        losses.register(loss)
        names.append(loss.name)
        return loss.name

    yield add
    for name in names:
        REGISTRY.pop(name, None)


def test_custom_loss_by_name_receives_0_1_labels(registered):
    name = registered(_cost_weighted_logistic(1.0))
    custom = LossClassifier(name, alpha=0.01, tol=1e-10).fit(X_BC, Y_BC)
    assert custom.label_convention_ == "0/1"
    assert not hasattr(custom, "predict_proba")  # a custom loss makes no probability claim
    np.testing.assert_allclose(custom.coef_, LossClassifier(alpha=0.01, tol=1e-10).fit(X_BC, Y_BC).coef_, atol=1e-7)

    costly = LossClassifier(registered(_cost_weighted_logistic(10.0)), alpha=0.01).fit(X_BC, Y_BC)
    # false negatives are expensive: more samples are predicted positive
    assert costly.predict(X_BC).sum() > custom.predict(X_BC).sum()


def test_custom_margin_loss_receives_plus_minus_one(registered):
    # A smooth hinge that only takes labels −1/+1 (it refuses 0/1 with a ValueError).
    def value(y, s):
        m = y * s
        return np.where(m >= 1, 0.0, np.where(m <= 0, 0.5 - m, 0.5 * (1 - m) ** 2))

    def gradient(y, s):
        m = y * s
        return -y * np.where(m >= 1, 0.0, np.where(m <= 0, 1.0, 1 - m))

    name = registered(Loss("test_smooth_hinge", summary="test", task="classification", formula="",
                           gradient_formula="", year=2005, reference="", convex=True, robust=True,
                           inputs=("y_true", "y_pred"), prepare=_prepare((-1.0, 1.0)), value=value,
                           gradient=gradient))
    model = LossClassifier(name, alpha=0.01).fit(X_BC, Y_BC)
    assert model.label_convention_ == "-1/+1"
    assert model.score(X_BC, Y_BC) > 0.97


# ---------------------------------------------------------------------------------------------
# Clear errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss, match", [
    ("no_such_loss", r"unknown loss 'no_such_loss'"),
    ("hinj", r"Did you mean 'hinge'"),
    ("mse", r"classification loss .* task 'regression'.* LossRegressor"),
    ("kl_divergence", r"task 'distribution'"),
    ("zero_one", r"not differentiable"),
    ("categorical_cross_entropy", r"categorical_cross_entropy_with_logits"),
    (42, r"unknown loss 42"),
])
def test_bad_loss_is_a_clear_value_error(loss, match):
    with pytest.raises(ValueError, match=match):
        LossClassifier(loss).fit(X_IRIS, Y_IRIS)


@pytest.mark.parametrize("params, match", [
    (dict(alpha=-1.0), r"alpha must be a finite number >= 0.*got -1.0"),
    (dict(alpha=np.nan), r"alpha must be .*got nan"),
    (dict(alpha="1"), r"alpha must be .*got '1'"),
    (dict(alpha=True), r"alpha must be"),
    (dict(fit_intercept="yes"), r"fit_intercept must be True or False"),
    (dict(tol=0.0), r"tol must be a positive"),
    (dict(max_iter=0), r"max_iter must be an integer >= 1"),
    (dict(loss="focal", loss_params={"delta": 1.0}), r"loss_params has 'delta'.*accepts gamma, alpha"),
    (dict(loss="focal", loss_params={"gamma": -1.0}), r"gamma must satisfy gamma >= 0"),
    (dict(loss_params=[1.0]), r"loss_params must be a dict"),
])
def test_bad_hyper_parameters_are_clear_value_errors(params, match):
    with pytest.raises(ValueError, match=match):
        LossClassifier(**params).fit(X_IRIS, Y_IRIS)


def test_bad_sample_weight_and_single_class():
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(150,\)"):
        LossClassifier().fit(X_IRIS, Y_IRIS, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"sample_weight must be finite and >= 0"):
        LossClassifier().fit(X_IRIS, Y_IRIS, sample_weight=-np.ones(150))
    with pytest.raises(ValueError, match=r"at least two classes"):
        LossClassifier().fit(X_IRIS, Y_IRIS, sample_weight=(Y_IRIS == 0).astype(float))
    with pytest.raises(ValueError, match=r"at least two classes; got 1 class"):
        LossClassifier().fit(X_IRIS, np.zeros(150))


def test_iteration_limit_warns():
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        LossClassifier(max_iter=2).fit(X_BC, Y_BC)


# ---------------------------------------------------------------------------------------------
# cross_validate_losses
# ---------------------------------------------------------------------------------------------


def test_cross_validate_losses_pairs_folds_and_measures_sparsity():
    from sklearn.model_selection import RepeatedStratifiedKFold

    from lossbook.models.classifier import cross_validate_losses

    X, y = load_breast_cancer(return_X_y=True)
    compared = {"log": "binary_cross_entropy_with_logits", "hinge": "hinge"}
    result = cross_validate_losses(X, y, compared, cv=RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=0),
                                   alpha=0.01, max_iter=5000)
    for label in compared:
        assert set(result.metrics[label]) == {"accuracy", "brier", "active_share"}
        assert all(v.shape == (6,) for v in result.metrics[label].values())
        assert result.scores[label].shape == (2 * len(y),)
    np.testing.assert_array_equal(np.sort(result.test_index[: len(y)]), np.arange(len(y)))
    np.testing.assert_array_equal(result.y, y[result.test_index])
    assert np.all(result.metrics["log"]["active_share"] == 1.0)  # σ(z) − y is never exactly 0
    assert np.all(result.metrics["hinge"]["active_share"] < 0.5)
    # the first fold's out-of-fold scores, refitted by hand
    train, test = next(RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=0).split(X, y))
    scaler = StandardScaler().fit(X[train])
    model = LossClassifier(alpha=0.01).fit(scaler.transform(X[train]), y[train])
    np.testing.assert_allclose(result.scores["log"][: len(test)], model.decision_function(scaler.transform(X[test])))
    np.testing.assert_array_equal(result.test_index[: len(test)], test)
    summary = result.summary("log", "hinge")
    d = result.metrics["hinge"]["brier"] - result.metrics["log"]["brier"]
    assert summary["brier"]["difference"] == pytest.approx((d.mean(), d.std(ddof=1)))


def test_cross_validate_losses_rejects_multiclass_losses():
    from sklearn.model_selection import StratifiedKFold

    from lossbook.models.classifier import cross_validate_losses

    with pytest.raises(ValueError, match="must be binary losses"):
        cross_validate_losses(X_BC, Y_BC, {"softmax": "categorical_cross_entropy_with_logits"}, cv=StratifiedKFold(3))
