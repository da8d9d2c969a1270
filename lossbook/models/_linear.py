"""Linear models trained by minimising a loss from `lossbook.losses`: the objective, its gradient
through the chain rule, plain gradient descent and loss surfaces.

Builds on `lossbook.losses` only; must not import `plots`, `widgets` or anything from a notebook.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..losses import REDUCTIONS, Loss, get
from ..losses._core import as_float_array, check_ndim, check_same_length

__all__ = ["DescentPath", "linear_objective", "gradient_descent", "loss_surface", "supports_sample_weight"]


def _design(X, y, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """`X` as a 2-D float array (a 1-D `X` is one feature) and `y` as 1-D, of the same length."""
    X = as_float_array(X, "X", owner)
    if X.ndim == 1:
        X = X[:, None]
    check_ndim(X, "X", owner, 2, hint="Pass one row per sample, one column per feature.")
    y = as_float_array(y, "y", owner)
    check_ndim(y, "y", owner, 1)
    check_same_length({"X": X, "y": y}, owner)
    return X, y


def _regression_loss(loss, owner: str) -> Loss:
    loss = get(loss)
    if loss.inputs != ("y_true", "y_pred"):
        raise ValueError(f"{owner}: loss must compare y_true with y_pred (a regression or binary "
                         f"classification loss); got {loss.name!r} with inputs {loss.inputs}")
    return loss


def supports_sample_weight(loss) -> bool:
    """Whether `linear_objective` (and so `LossRegressor`) accepts sample weights with this loss:
    every mean of per-sample losses, and RMSE, the root of the (weighted) mean of r²."""
    loss = get(loss)
    return loss.reductions == REDUCTIONS or loss is get("rmse")


def linear_objective(params, X, y, loss="mse", *, loss_params=None, sample_weight=None,
                     alpha: float = 0.0, fit_intercept: bool = True) -> tuple[float, np.ndarray]:
    r"""Value and gradient of the regularised empirical risk of a linear model.

    With ``params = (w_1, …, w_d, b)`` (``b`` only when ``fit_intercept``) and ŷ = Xw + b:

    .. math:: J(w, b) = \frac{\sum_i s_i\,\ell(y_i, \hat y_i)}{\sum_i s_i} + \frac{\alpha}{2}\lVert w\rVert^2

    where ``s`` are the sample weights (all 1 by default) and the intercept is not penalised.
    For ``"rmse"``, which is not a mean of per-sample losses, the first term is the weighted RMSE
    √(Σ sᵢ rᵢ² / Σ sᵢ), as `lossbook.losses.rmse` computes it. The gradient is the chain rule
    through the linear model: ∂J/∂w = Xᵀg + αw and ∂J/∂b = Σg, with gᵢ = sᵢ ∂ℓ/∂ŷᵢ / Σs taken from
    the loss's own ``.gradient`` (for RMSE, rescaled from the unweighted to the weighted root).

    Returns ``(value, gradient)`` with the gradient shaped like ``params``, ready for
    ``scipy.optimize.minimize(..., jac=True)``.
    """
    owner = "linear_objective"
    loss = _regression_loss(loss, owner)
    hp = loss.check_params(loss_params, owner)
    X, y = _design(X, y, owner)
    params = as_float_array(params, "params", owner)
    d = X.shape[1]
    expected = d + bool(fit_intercept)
    if params.shape != (expected,):
        raise ValueError(f"{owner}: params must have shape ({expected},): {d} weight(s)"
                         f"{' and the intercept' if fit_intercept else ''}; got {params.shape}")
    w, b = params[:d], (params[d] if fit_intercept else 0.0)
    y_pred = X @ w + b

    if sample_weight is not None and not supports_sample_weight(loss):
        raise ValueError(f"{owner}: sample_weight is not supported with loss {loss.name!r}, which is "
                         "not a mean of per-sample losses; use 'mse' with weights instead")
    value = loss(y, y_pred, sample_weight=sample_weight, **hp)
    g = loss.gradient(y, y_pred, **hp)  # derivative of the unweighted sum (for RMSE: of n·RMSE)
    if sample_weight is None:
        g = g / y.shape[0]
    else:
        s = np.asarray(sample_weight, dtype=np.float64)  # already checked by the loss call above
        g = g * s / s.sum()
        if loss.reductions != REDUCTIONS:
            # RMSE = √m with m the weighted mean of r²: its derivative is s_i·(-2r_i)/(2Σs·√m_w),
            # while .gradient gives -r_i/√m_u (unweighted). Rescale by √m_u/√m_w; at a perfect
            # fit (√m_w = 0) both are 0, the subgradient .gradient also returns there.
            unweighted = loss(y, y_pred, **hp)
            g = g * (unweighted / value) if value > 0 else np.zeros_like(g)

    grad_w = X.T @ g + alpha * w
    value = value + 0.5 * alpha * float(w @ w)
    grad = np.append(grad_w, g.sum()) if fit_intercept else grad_w
    return float(value), grad


@dataclass(frozen=True)
class DescentPath:
    """What gradient descent did, step by step (row k is the state before update k+1).

    ``params`` has shape (n_steps + 1, n_params) (weights, then the intercept), ``losses`` and
    ``gradient_norms`` have shape (n_steps + 1,).
    """

    params: np.ndarray
    losses: np.ndarray
    gradient_norms: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """The parameters after the last step."""
        return self.params[-1]

    @property
    def n_steps(self) -> int:
        return self.params.shape[0] - 1


def _positive_number(value, name: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (value > 0 and np.isfinite(value)):
        raise ValueError(f"{owner}: {name} must be a positive finite number; got {value!r}")
    return float(value)


def gradient_descent(X, y, *, loss="mse", learning_rate: float = 0.1, n_steps: int = 100, params0=None,
                     fit_intercept: bool = True, loss_params=None, sample_weight=None,
                     alpha: float = 0.0) -> DescentPath:
    r"""Fit a linear model by plain (full-batch) gradient descent and record every step.

    The training loop in its simplest form: predict ŷ = Xw + b, measure the loss, take its
    gradient through the chain rule (:func:`linear_objective`), and update
    ``params ← params − learning_rate · gradient``, ``n_steps`` times, starting from ``params0``
    (zeros by default).

    Raises ``ValueError`` if the iterates diverge (the loss becomes inf or NaN), with a hint to
    lower the learning rate.
    """
    owner = "gradient_descent"
    learning_rate = _positive_number(learning_rate, "learning_rate", owner)
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 0:
        raise ValueError(f"{owner}: n_steps must be a non-negative integer; got {n_steps!r}")
    X, y = _design(X, y, owner)
    n_params = X.shape[1] + bool(fit_intercept)
    if params0 is None:
        params = np.zeros(n_params)
    else:
        params = as_float_array(params0, "params0", owner).copy()
        if params.shape != (n_params,):
            raise ValueError(f"{owner}: params0 must have shape ({n_params},); got {params.shape}")

    path = np.empty((n_steps + 1, n_params))
    losses = np.empty(n_steps + 1)
    norms = np.empty(n_steps + 1)
    for k in range(n_steps + 1):
        diverged = not np.all(np.abs(params) < 1e100)  # far beyond any sane fit; squares stay finite
        if not diverged:
            value, grad = linear_objective(params, X, y, loss, loss_params=loss_params,
                                           sample_weight=sample_weight, alpha=alpha,
                                           fit_intercept=fit_intercept)
            diverged = not (np.isfinite(value) and np.all(np.isfinite(grad)))
        if diverged:
            raise ValueError(f"{owner}: the iterates diverged at step {k} (the loss is no longer finite) "
                             f"with learning_rate={learning_rate}; try a smaller learning_rate")
        path[k], losses[k], norms[k] = params, value, np.linalg.norm(grad)
        params = params - learning_rate * grad
    return DescentPath(path, losses, norms)


def loss_surface(x, y, intercepts, slopes, *, loss="mse", loss_params=None) -> np.ndarray:
    """The empirical risk of the line ŷ = b + w·x over a grid of intercepts b and slopes w.

    Returns an array of shape (len(slopes), len(intercepts)), so that
    ``ax.contour(intercepts, slopes, Z)`` draws it with the intercept on the horizontal axis.
    """
    owner = "loss_surface"
    loss = _regression_loss(loss, owner)
    hp = loss.check_params(loss_params, owner)
    X, y = _design(x, y, owner)
    if X.shape[1] != 1:
        raise ValueError(f"{owner}: x must be one feature (1-D, or 2-D with one column); got shape {X.shape}")
    x = X[:, 0]
    b = as_float_array(intercepts, "intercepts", owner)
    w = as_float_array(slopes, "slopes", owner)
    check_ndim(b, "intercepts", owner, 1)
    check_ndim(w, "slopes", owner, 1)
    n = y.shape[0]
    Z = np.empty((w.size, b.size))
    y_rep = np.tile(y, b.size)
    for i, wi in enumerate(w):
        y_pred = (b[:, None] + wi * x[None, :]).ravel()
        if loss.reductions == REDUCTIONS:
            Z[i] = loss(y_rep, y_pred, reduction="none", **hp).reshape(b.size, n).mean(axis=1)
        else:
            Z[i] = [loss(y, row, **hp) for row in y_pred.reshape(b.size, n)]
    return Z
