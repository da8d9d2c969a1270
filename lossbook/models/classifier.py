"""`LossClassifier`: a scikit-learn linear classifier trained by minimising any classification loss
of `lossbook.losses` (binary, one-vs-rest, or multiclass with a weight matrix) with L-BFGS.

Builds on `lossbook.losses` and `lossbook.models._linear`; must not import `plots`, `widgets` or a notebook.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from ..losses import REDUCTIONS, Loss, get, sigmoid, softmax
from ..losses._core import as_float_array, check_ndim, check_same_shape
from ._linear import linear_objective

__all__ = ["LossClassifier", "resolve_classification_loss", "ResolvedLoss", "multiclass_objective",
           "LossComparison", "cross_validate_losses"]

OWNER = "LossClassifier"

# Losses whose minimiser is a probability (strictly proper scoring rules on σ(score) or
# softmax(scores)): only for these does LossClassifier offer predict_proba.
PROBABILISTIC = frozenset({"binary_cross_entropy_with_logits", "binary_cross_entropy", "brier",
                           "categorical_cross_entropy_with_logits"})

# The probes that find out what a loss expects (see resolve_classification_loss).
_SCORES = np.array([-2.0, 3.0, 0.5, 0.0])           # real-valued scores, outside [0, 1]
_PROBABILITIES = np.array([0.25, 0.75, 0.5, 0.6])   # valid probabilities
_LABELS = {"0/1": np.array([0.0, 1.0, 1.0, 0.0]), "-1/+1": np.array([-1.0, 1.0, 1.0, -1.0])}
_CLASS_SCORES = np.array([[-1.0, 2.0, 0.5], [0.3, -0.7, 1.5], [2.0, 0.0, -3.0], [0.1, 0.2, 0.3]])
_CLASS_LABELS = np.array([0.0, 1.0, 2.0, 1.0])


@dataclass(frozen=True)
class ResolvedLoss:
    """How LossClassifier uses a loss.

    ``loss`` is what the optimiser differentiates (for a loss on probabilities, the loss of
    σ(score)); ``kind`` is "binary" (one score per sample) or "multiclass" (one score per class);
    ``labels`` is the label convention the loss receives: "0/1", "-1/+1" or "class index";
    ``link`` is "identity" or "sigmoid"; ``probabilistic``: whether predict_proba is offered.
    """

    loss: Loss
    kind: str
    labels: str
    link: str
    probabilistic: bool


def _accepts(loss: Loss, y_true, y_pred, hp: dict) -> tuple[bool, str]:
    """Whether `loss` takes these inputs: it must answer with finite per-sample values, or refuse
    with a ValueError (whose message is returned)."""
    try:
        values = loss(y_true, y_pred, reduction="none", **hp)
    except ValueError as error:
        return False, str(error)
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(y_true),) or not np.all(np.isfinite(values)):
        return False, f"it returned {values.shape} values (finite: {bool(np.all(np.isfinite(values)))})"
    return True, ""


# Convexity and robustness of the built-in probability losses once composed with σ, in the score s
# (the Loss docstring defines both): BCE∘σ is the logistic loss log(1 + e^{−ys}), convex with the
# bounded gradient σ(s) − y; Brier∘σ and focal∘σ have bounded gradients but are not convex in s.
_FLAGS_THROUGH_SIGMOID = {
    "binary_cross_entropy": {"convex": True, "robust": True},
    "brier": {"convex": False, "robust": True},
    "focal": {"convex": False, "robust": True},
}


def _through_sigmoid(base: Loss) -> Loss:
    """The loss of σ(score) for a binary loss defined on probabilities, with the chain rule
    ∂ℓ/∂s = ∂ℓ/∂p · σ(s)σ(−s). A custom loss is flagged non-convex in s, and robust only when it
    is robust in p (σ' ≤ 1/4 cannot make a bounded gradient unbounded)."""
    owner = f"{base.name}(σ(score))"
    flags = _FLAGS_THROUGH_SIGMOID.get(base.name, {"convex": False, "robust": base.robust})

    def prepare(y_true, scores):
        y = as_float_array(y_true, "y_true", owner)
        s = as_float_array(scores, "y_pred", owner)
        check_ndim(s, "y_pred", owner, 1)
        check_same_shape(y, s, ("y_true", "y_pred"), owner)
        return y, s

    def value(y, s, **hp):
        return base(y, sigmoid(s), reduction="none", **hp)

    def gradient(y, s, **hp):
        # σ'(s) = σ(s)σ(−s), computed without 1 − σ(s) cancellation
        return base.gradient(y, sigmoid(s), **hp) * sigmoid(s) * sigmoid(-s)

    return Loss(
        f"{base.name} of sigmoid", summary=f"{base.summary} Applied to p = σ(score).",
        task="classification", formula=base.formula + r",\quad p = \sigma(s)",
        gradient_formula=r"\partial\ell/\partial s = \partial\ell/\partial p\cdot\sigma(s)\,\sigma(-s)",
        year=base.year, reference=base.reference, **flags,
        inputs=("y_true", "y_pred"), prepare=prepare, value=value, gradient=gradient,
        params=base.params, differentiable=base.differentiable,
    )


def resolve_classification_loss(loss, loss_params=None) -> tuple[ResolvedLoss, dict]:
    """Find out how a classification loss is used by :class:`LossClassifier`.

    ``loss`` is a name in ``lossbook.losses.REGISTRY`` (built in, or added with
    ``lossbook.losses.register``) or a ``Loss`` object. It must have task "classification",
    inputs ``(y_true, y_pred)``, be differentiable, and be one of the following — found out by
    calling it on small probe inputs, so a custom loss must refuse inputs it cannot take with a
    ``ValueError`` (all lossbook losses do):

    1. a binary loss on real-valued scores taking labels **0/1** (``binary_cross_entropy_with_logits``);
    2. otherwise, a binary loss on scores taking labels **−1/+1** (``hinge``, ``squared_hinge``,
       ``exponential``);
    3. otherwise, a binary loss on probabilities in [0, 1] (``binary_cross_entropy``, ``brier``,
       ``focal``): it receives p = σ(score), labels 0/1 (or −1/+1 if it only takes those), and the
       chain rule through the sigmoid. Its value saturates where the loss clips p (|score| ≳ 36),
       and there its gradient vanishes;
    4. otherwise, a multiclass loss on an (n, k) array of class scores taking integer labels
       0..k−1 (``categorical_cross_entropy_with_logits``, ``multiclass_hinge``).

    A custom binary loss that accepts both conventions therefore receives 0/1 labels. Returns the
    :class:`ResolvedLoss` and the checked ``loss_params``. Raises ``ValueError`` naming the problem.
    """
    try:
        base = get(loss)
    except ValueError as error:
        raise ValueError(f"{OWNER}: loss must be a classification loss from lossbook.losses.REGISTRY "
                         f"or a lossbook.losses.Loss; {error}") from None
    if base.task != "classification":
        hint = " Use LossRegressor for regression losses." if base.task == "regression" else ""
        raise ValueError(f"{OWNER}: loss must be a classification loss (task 'classification'); "
                         f"got {base.name!r} with task {base.task!r}.{hint}")
    if base.inputs != ("y_true", "y_pred"):
        raise ValueError(f"{OWNER}: loss must take inputs (y_true, y_pred); got {base.name!r} "
                         f"with inputs {base.inputs}")
    if not base.differentiable:
        raise ValueError(f"{OWNER}: loss {base.name!r} is not differentiable (its gradient is zero or "
                         "undefined), so L-BFGS has nothing to follow; train with a surrogate such as "
                         "'binary_cross_entropy_with_logits' or 'hinge' and measure it afterwards")
    hp = base.check_params(loss_params, OWNER)
    probabilistic = base.name in PROBABILISTIC

    for labels, y in _LABELS.items():
        if _accepts(base, y, _SCORES, hp)[0]:
            return ResolvedLoss(base, "binary", labels, "identity", probabilistic), hp
    for labels, y in _LABELS.items():
        if _accepts(base, y, _PROBABILITIES, hp)[0]:
            return ResolvedLoss(_through_sigmoid(base), "binary", labels, "sigmoid", probabilistic), hp
    ok, why = _accepts(base, _CLASS_LABELS, _CLASS_SCORES, hp)
    if ok:
        return ResolvedLoss(base, "multiclass", "class index", "identity", probabilistic), hp
    raise ValueError(
        f"{OWNER}: cannot train with loss {base.name!r}: it takes neither one real score per sample "
        "(labels 0/1 or -1/+1), nor a probability per sample, nor an (n, k) array of class scores "
        f"with integer labels. For class scores it says: {why}"
        + (" Use 'categorical_cross_entropy_with_logits', which takes scores (logits)."
           if base.name == "categorical_cross_entropy" else "")
    )


def multiclass_objective(params, X, y, loss, *, n_classes: int, loss_params=None, sample_weight=None,
                         alpha: float = 0.0, fit_intercept: bool = True) -> tuple[float, np.ndarray]:
    r"""Value and gradient of the regularised empirical risk of a linear model with k outputs.

    The k-class twin of :func:`linear_objective`: ``params`` is the (d, k) weight matrix W,
    flattened row by row, followed by the k intercepts b (when ``fit_intercept``); the scores are
    S = XW + b and

    .. math:: J(W, b) = \frac{\sum_i s_i\,\ell(y_i, S_i)}{\sum_i s_i} + \frac{\alpha}{2}\lVert W\rVert_F^2 ,

    with ∂J/∂W = XᵀG + αW and ∂J/∂b = Σᵢ Gᵢ, Gᵢ = sᵢ ∂ℓ/∂Sᵢ / Σs from the loss's ``.gradient``.
    ``y`` holds integer labels 0..k−1.
    """
    owner = "multiclass_objective"
    loss = get(loss)
    hp = {} if loss_params is None else loss_params
    X = as_float_array(X, "X", owner)
    check_ndim(X, "X", owner, 2)
    n, d = X.shape
    k = n_classes
    params = as_float_array(params, "params", owner)
    expected = d * k + (k if fit_intercept else 0)
    if params.shape != (expected,):
        raise ValueError(f"{owner}: params must have shape ({expected},): a ({d}, {k}) weight matrix"
                         f"{' and k intercepts' if fit_intercept else ''}; got {params.shape}")
    W = params[: d * k].reshape(d, k)
    b = params[d * k:] if fit_intercept else np.zeros(k)
    S = X @ W + b

    value = loss(y, S, sample_weight=sample_weight, **hp)
    G = np.asarray(loss.gradient(y, S, **hp), dtype=np.float64)
    if loss.reductions != REDUCTIONS:
        raise ValueError(f"{owner}: loss {loss.name!r} is not a mean of per-sample losses")
    if sample_weight is None:
        G = G / n
    else:
        s = np.asarray(sample_weight, dtype=np.float64)
        G = G * (s / s.sum())[:, None]
    grad_W = X.T @ G + alpha * W
    value = value + 0.5 * alpha * float(np.sum(W * W))
    grad = np.concatenate([grad_W.ravel(), G.sum(axis=0)]) if fit_intercept else grad_W.ravel()
    return float(value), grad


def _probabilistic(estimator) -> bool:
    """available_if check: predict_proba exists only for losses whose minimiser is a probability."""
    try:
        return get(estimator.loss).name in PROBABILISTIC
    except ValueError:
        return False


class LossClassifier(ClassifierMixin, BaseEstimator):
    r"""Linear classifier trained by minimising any classification loss from ``lossbook.losses``.

    The classification twin of ``LossRegressor``. With scores fᵢ = xᵢ·w + b it minimises

    .. math:: J(w, b) = \frac{\sum_i s_i\,\ell(y_i, f_i)}{\sum_i s_i} + \frac{\alpha}{2}\lVert w\rVert^2

    (sᵢ are the sample weights, all 1 by default; the intercept is not penalised)
    with SciPy's L-BFGS-B, the gradient coming from the loss's own ``.gradient`` through the chain
    rule (:func:`lossbook.models.linear_objective`, or :func:`multiclass_objective` for a weight
    matrix). With ``alpha = 1 / (C * n)`` and the default loss this is
    ``sklearn.linear_model.LogisticRegression(C=C)``.

    Losses (see :func:`resolve_classification_loss` for the exact rules, which also cover custom
    losses added with ``lossbook.losses.register``):

    - binary losses on scores: ``binary_cross_entropy_with_logits`` (labels 0/1), ``hinge``,
      ``squared_hinge``, ``exponential`` (labels −1/+1); on probabilities, via p = σ(score):
      ``binary_cross_entropy``, ``brier``, ``focal``. With more than two classes a binary loss is
      trained one-vs-rest (k independent problems, one column of ``coef_`` each);
    - multiclass losses on a (d, k) weight matrix: ``categorical_cross_entropy_with_logits``
      (softmax, multinomial logistic regression) and ``multiclass_hinge`` (Crammer–Singer). With
      two classes the two score columns are reported as their difference, like a binary model.

    ``hinge`` and ``multiclass_hinge`` have a kink where the margin is 1. L-BFGS assumes a smooth
    objective: on them it needs many more iterations (hundreds; raise ``max_iter`` if it warns) and
    stops near, not exactly at, the minimum — within 1e-3 of the optimal objective in the tests,
    which compare it with a quadratic-programming solution. A line-search failure at a kink ends
    the run without a warning. ``squared_hinge`` is smooth and converges like the logistic loss. With ``alpha = 0`` on
    linearly separable data the minimiser does not exist (the weights grow without bound): the
    solver stops when the gradient is below ``tol``.

    Parameters
    ----------
    loss : str or lossbook.losses.Loss, default "binary_cross_entropy_with_logits"
    alpha : float >= 0, default 0.0
        Strength of the L2 penalty (alpha/2)·‖w‖² added to the *mean* loss.
    fit_intercept : bool, default True
    loss_params : dict or None
        The loss's hyper-parameters, e.g. ``{"gamma": 2.0}`` for focal.
    tol : float > 0, default 1e-6
        L-BFGS stops when every component of the projected gradient is below ``tol``.
    max_iter : int >= 1, default 1000
        Iteration limit of L-BFGS (per problem); reaching it raises a ``ConvergenceWarning``.

    Attributes
    ----------
    classes_, coef_ (1, d) or (k, d), intercept_ (1,) or (k,), n_features_in_,
    feature_names_in_ (when X has column names), n_iter_ (the largest over the problems solved),
    label_convention_ ("0/1", "-1/+1" or "class index": what the loss received as y_true),
    link_ ("identity", or "sigmoid" for a loss on probabilities).

    ``predict`` gives the class whose score is largest (binary: score > 0, i.e. σ(score) > 0.5);
    ``predict_proba`` exists only where the loss yields probabilities: binary cross-entropy (with
    logits or on σ(score)), the Brier score, and softmax cross-entropy (one-vs-rest models
    normalise their k probabilities to sum to 1).
    """

    def __init__(self, loss="binary_cross_entropy_with_logits", *, alpha=0.0, fit_intercept=True,
                 loss_params=None, tol=1e-6, max_iter=1000):
        self.loss = loss
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.loss_params = loss_params
        self.tol = tol
        self.max_iter = max_iter

    # -- checks ----------------------------------------------------------------------------------

    def _check_hyper_parameters(self) -> None:
        a = self.alpha
        if isinstance(a, bool) or not isinstance(a, numbers.Real) or not (np.isfinite(a) and a >= 0):
            raise ValueError(f"{OWNER}: alpha must be a finite number >= 0 (the L2 penalty strength); got {a!r}")
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValueError(f"{OWNER}: fit_intercept must be True or False; got {self.fit_intercept!r}")
        t = self.tol
        if isinstance(t, bool) or not isinstance(t, numbers.Real) or not (np.isfinite(t) and t > 0):
            raise ValueError(f"{OWNER}: tol must be a positive finite number; got {t!r}")
        m = self.max_iter
        if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1:
            raise ValueError(f"{OWNER}: max_iter must be an integer >= 1; got {m!r}")

    @staticmethod
    def _check_sample_weight(sample_weight, n: int):
        if sample_weight is None:
            return None
        try:
            s = np.asarray(sample_weight, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{OWNER}: sample_weight must be numbers, one per sample; "
                             f"got {type(sample_weight).__name__}") from None
        if s.ndim == 0:
            s = np.full(n, float(s))
        if s.shape != (n,):
            raise ValueError(f"{OWNER}: sample_weight must have shape ({n},), one weight per sample; "
                             f"got shape {s.shape}")
        if not np.all(np.isfinite(s)) or s.min() < 0:
            raise ValueError(f"{OWNER}: sample_weight must be finite and >= 0; got min {s.min()!r}")
        if s.sum() == 0:
            raise ValueError(f"{OWNER}: sample_weight is zero for every sample, so the weighted mean loss "
                             "is undefined; give at least one positive weight")
        return s

    # -- fitting ---------------------------------------------------------------------------------

    def _solve(self, objective, n_params: int, loss_name: str) -> tuple[np.ndarray, int]:
        # The objective is evaluated hundreds of times on small matrices, where a multi-threaded
        # BLAS spends more time synchronising threads than computing (100x slower on a busy machine).
        with threadpool_limits(limits=1, user_api="blas"):
            result = minimize(objective, np.zeros(n_params), jac=True, method="L-BFGS-B",
                              options={"maxiter": self.max_iter, "maxls": 50, "gtol": self.tol,
                                       "ftol": 64 * np.finfo(np.float64).eps})
        if not np.isfinite(result.fun):
            raise ValueError(f"{OWNER}: the objective became infinite with loss {loss_name!r}; "
                             "scale the features or increase alpha")
        if result.status == 1:
            warnings.warn(f"{OWNER}: L-BFGS reached max_iter={self.max_iter} before the gradient fell "
                          f"below tol={self.tol}; increase max_iter, scale the features or increase alpha",
                          ConvergenceWarning, stacklevel=3)
        return result.x, int(result.nit)

    def _fit_binary(self, X, positive, sample_weight, rl: ResolvedLoss, hp: dict):
        """One binary problem: `positive` is a boolean array; returns (w, b, n_iter)."""
        y = np.where(positive, 1.0, 0.0 if rl.labels == "0/1" else -1.0)
        d = X.shape[1]

        def objective(p):
            return linear_objective(p, X, y, rl.loss, loss_params=hp, sample_weight=sample_weight,
                                    alpha=float(self.alpha), fit_intercept=self.fit_intercept)

        params, n_iter = self._solve(objective, d + bool(self.fit_intercept), rl.loss.name)
        return params[:d], (params[d] if self.fit_intercept else 0.0), n_iter

    def fit(self, X, y, sample_weight=None):
        """Fit the linear model by L-BFGS on the loss's regularised empirical risk."""
        self._check_hyper_parameters()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        resolved, hp = resolve_classification_loss(self.loss, self.loss_params)
        n, d = X.shape
        sample_weight = self._check_sample_weight(sample_weight, n)

        self.classes_, y_index = np.unique(y, return_inverse=True)
        k = self.classes_.size
        if k < 2:
            raise ValueError(f"{OWNER}: y must contain at least two classes; got 1 class: {self.classes_[0]!r}")
        if sample_weight is not None:
            weighted = np.unique(y_index[sample_weight > 0])
            if weighted.size < 2:
                raise ValueError(f"{OWNER}: sample_weight must give positive weight to at least two classes; "
                                 f"only {weighted.size} of the {k} classes have any")

        if resolved.kind == "binary" and k == 2:
            w, b, self.n_iter_ = self._fit_binary(X, y_index == 1, sample_weight, resolved, hp)
            self.coef_, self.intercept_ = w[None, :], np.array([b])
        elif resolved.kind == "binary":  # one-vs-rest
            fits = [self._fit_binary(X, y_index == c, sample_weight, resolved, hp) for c in range(k)]
            self.coef_ = np.array([w for w, _, _ in fits])
            self.intercept_ = np.array([b for _, b, _ in fits], dtype=np.float64)
            self.n_iter_ = max(it for *_, it in fits)
        else:
            labels = y_index.astype(np.float64)

            def objective(p):
                return multiclass_objective(p, X, labels, resolved.loss, n_classes=k, loss_params=hp,
                                            sample_weight=sample_weight, alpha=float(self.alpha),
                                            fit_intercept=self.fit_intercept)

            params, self.n_iter_ = self._solve(objective, d * k + (k if self.fit_intercept else 0),
                                               resolved.loss.name)
            W = params[: d * k].reshape(d, k).T
            b = params[d * k:] if self.fit_intercept else np.zeros(k)
            b = b - b.mean()  # scores are defined up to a common shift; report the centred one
            if k == 2:  # as a binary model: the difference of the two score columns
                W, b = (W[1] - W[0])[None, :], np.array([b[1] - b[0]])
            self.coef_, self.intercept_ = W, b
        self.label_convention_ = resolved.labels
        self.link_ = resolved.link
        return self

    # -- predicting ------------------------------------------------------------------------------

    def decision_function(self, X):
        """Scores: shape (n,) for two classes (positive means classes_[1]), else (n, k)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """The class with the largest score (two classes: classes_[1] where the score is > 0)."""
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]

    @available_if(_probabilistic)
    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_`` (only for probabilistic losses)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([sigmoid(-scores), sigmoid(scores)])
        if self.label_convention_ != "class index":  # one-vs-rest
            p = sigmoid(scores)
            return p / p.sum(axis=1, keepdims=True)
        return softmax(scores, axis=1)

    @available_if(_probabilistic)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):  # a probability that underflows to 0 has log −inf
            return np.log(self.predict_proba(X))


# -----------------------------------------------------------------------------------------------
# Comparing losses by cross-validation
# -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossComparison:
    """Per-fold results of :func:`cross_validate_losses`.

    ``metrics[label][name]`` is an array with one value per fold, for the metrics "accuracy",
    "brier" (Brier score of σ(score) on the test fold — for a loss that does not estimate
    probabilities, such as the hinge, this is the naive squashing of its score) and "active_share"
    (share of training points whose loss gradient is not zero: the points that still move the
    model). ``scores[label]`` holds the out-of-fold decision scores of every test fold, one after
    the other; ``y`` and ``test_index`` hold the matching targets and sample indices (with
    repeated cross-validation each sample appears once per repetition, the first repetition first).
    """

    metrics: dict
    scores: dict
    y: np.ndarray
    test_index: np.ndarray

    def summary(self, reference: str, other: str) -> dict:
        """For each metric: mean and standard deviation over folds of both losses, and of the paired
        difference ``other − reference`` with its standardised size (mean / SD of the differences)."""
        rows = {}
        for name in self.metrics[reference]:
            a, b = self.metrics[reference][name], self.metrics[other][name]
            d = b - a
            sd = d.std(ddof=1)
            rows[name] = {"reference": (a.mean(), a.std(ddof=1)), "other": (b.mean(), b.std(ddof=1)),
                          "difference": (d.mean(), sd), "standardised": d.mean() / sd if sd > 0 else np.nan}
        return rows


def cross_validate_losses(X, y, losses: dict, *, cv, alpha: float = 0.0, max_iter: int = 1000,
                          scale: bool = True) -> LossComparison:
    """Fit one :class:`LossClassifier` per loss on the same cross-validation folds of a binary problem.

    ``losses`` maps a label to a loss name (e.g. ``{"log loss": "binary_cross_entropy_with_logits",
    "hinge": "hinge"}``); ``cv`` is a scikit-learn splitter (e.g. ``RepeatedStratifiedKFold``).
    With ``scale`` the features are standardised on each training fold. Returns a
    :class:`LossComparison`; the folds are the same for every loss, so differences are paired.
    """
    owner = "cross_validate_losses"
    X = as_float_array(X, "X", owner)
    check_ndim(X, "X", owner, 2)
    y = np.asarray(y)
    classes = np.unique(y)
    if classes.size != 2:
        raise ValueError(f"{owner}: y must have exactly two classes; got {classes.size}")
    if not isinstance(losses, dict) or not losses:
        raise ValueError(f"{owner}: losses must be a non-empty dict {{label: loss name}}; got {losses!r}")
    resolved = {label: resolve_classification_loss(loss) for label, loss in losses.items()}
    for label, (r, _) in resolved.items():
        if r.kind != "binary":
            raise ValueError(f"{owner}: losses must be binary losses; {label!r} is {r.loss.name!r}, a multiclass loss")
    positive = y == classes[1]
    metrics = {label: {"accuracy": [], "brier": [], "active_share": []} for label in losses}
    scores = {label: [] for label in losses}
    test_index = []
    for train, test in cv.split(X, y):
        X_train, X_test = X[train], X[test]
        if scale:
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        for label, loss in losses.items():
            model = LossClassifier(loss, alpha=alpha, max_iter=max_iter).fit(X_train, y[train])
            r, hp = resolved[label]
            s_test = model.decision_function(X_test)
            s_train = model.decision_function(X_train)
            negative = 0.0 if r.labels == "0/1" else -1.0
            g = r.loss.gradient(np.where(positive[train], 1.0, negative), s_train, **hp)
            m = metrics[label]
            m["accuracy"].append(np.mean(model.predict(X_test) == y[test]))
            m["brier"].append(np.mean((positive[test] - sigmoid(s_test)) ** 2))
            m["active_share"].append(np.mean(g != 0))
            scores[label].append(s_test)
        test_index.append(test)
    metrics = {label: {k: np.array(v) for k, v in m.items()} for label, m in metrics.items()}
    test_index = np.concatenate(test_index)
    return LossComparison(metrics, {label: np.concatenate(v) for label, v in scores.items()}, y[test_index],
                          test_index)
