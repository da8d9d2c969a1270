"""Regression losses: functions of the residual r = y_true - y_pred.

Pure NumPy; imports only lossbook.losses._core.
"""

from __future__ import annotations

import numpy as np

from ._core import Loss, as_float_array, check_ndim, non_negative, open_unit, positive, register


def _pair(owner: str):
    """Checker for (y_true, y_pred): 1-D, same length (a scalar is broadcast to the other)."""

    def prepare(y_true, y_pred, check_finite=True):
        yt = as_float_array(y_true, "y_true", owner, check_finite)
        yp = as_float_array(y_pred, "y_pred", owner, check_finite)
        for name, a in (("y_true", yt), ("y_pred", yp)):
            check_ndim(a, name, owner, 1, "Regression losses take one target per sample.")
        if yt.shape != yp.shape:
            if yt.shape == (1,) and np.ndim(y_true) == 0:
                yt = np.broadcast_to(yt, yp.shape)
            elif yp.shape == (1,) and np.ndim(y_pred) == 0:
                yp = np.broadcast_to(yp, yt.shape)
            else:
                raise ValueError(
                    f"{owner}: y_true and y_pred must have the same length; "
                    f"got y_true {yt.shape[0]} and y_pred {yp.shape[0]}"
                )
        return yt, yp

    return prepare


def _regression(name, value_of_r, dloss_dr, **meta) -> Loss:
    """A regression loss from ℓ(r) and dℓ/dr; the gradient w.r.t. y_pred is -dℓ/dr.

    ℓ receives a fresh array r = y_true − y_pred that it may overwrite. Every regression loss is
    NaN or ±inf when r is, so inputs are checked for NaN/inf through the result
    (``finite_from_result``), which saves a pass over each input.
    """
    return register(
        Loss(
            name,
            task="regression",
            inputs=("y_true", "y_pred"),
            prepare=_pair(name),
            value=lambda yt, yp, **hp: value_of_r(yt - yp, **hp),
            gradient=lambda yt, yp, **hp: -dloss_dr(yt - yp, **hp),
            finite_from_result=True,
            **meta,
        )
    )


mse = _regression(
    "mse",
    lambda r: np.multiply(r, r, out=r),  # in place, as NumPy's temporary elision does for (y - p)**2
    lambda r: 2.0 * r,
    summary="Mean squared error: the mean of r². Its minimiser over a constant is the mean.",
    formula=r"\ell(y,\hat y) = (y-\hat y)^2",
    gradient_formula=r"\partial\ell/\partial\hat y = -2(y-\hat y)",
    year=1805, reference="legendre1805", convex=True, robust=False,
    counterparts={"scikit-learn": "mean_squared_error", "PyTorch": "nn.MSELoss", "Keras": "MeanSquaredError"},
    example=">>> mse([1.0, 2.0], [1.5, 2.0])\n0.125",
)

mae = _regression(
    "mae",
    lambda r: np.abs(r, out=r),
    np.sign,
    summary="Mean absolute error: the mean of |r|. Its minimiser over a constant is the median.",
    formula=r"\ell(y,\hat y) = |y-\hat y|",
    gradient_formula=r"\partial\ell/\partial\hat y = -\operatorname{sign}(y-\hat y)\ (0\text{ at }r=0)",
    year=1757, reference="boscovich1757", convex=True, robust=True,
    counterparts={"scikit-learn": "mean_absolute_error", "PyTorch": "nn.L1Loss", "Keras": "MeanAbsoluteError"},
    notes="Not differentiable at r = 0; the gradient there is the subgradient 0.",
)


def _rmse_gradient(yt, yp):
    # gradient of n * RMSE, so that, as for every loss, gradient / n is the gradient of the
    # reduced value. At a perfect fit RMSE is not differentiable; we return the subgradient 0.
    r = yt - yp
    root = np.sqrt(np.mean(r * r))
    return np.zeros_like(r) if root == 0 else -r / root


rmse = register(
    Loss(
        "rmse",
        summary="Root mean squared error: √(mean of r²), in the units of the target.",
        task="regression",
        formula=r"\mathrm{RMSE} = \sqrt{\tfrac{1}{n}\textstyle\sum_i (y_i-\hat y_i)^2}",
        gradient_formula=r"n\,\partial\mathrm{RMSE}/\partial\hat y_i = -(y_i-\hat y_i)/\mathrm{RMSE}",
        year=1823, reference="gauss1823", convex=True, robust=False,
        inputs=("y_true", "y_pred"),
        prepare=_pair("rmse"),
        value=lambda yt, yp: (yt - yp) ** 2,
        gradient=_rmse_gradient,
        finite_from_result=True,
        reductions=("mean",),
        finalize=np.sqrt,
        counterparts={"scikit-learn": "root_mean_squared_error", "Keras": "RootMeanSquaredError (metric)"},
        notes="RMSE is not a sum of per-sample terms, so only reduction='mean' is allowed (with "
              "weights: √(Σw r²/Σw)). Use mse(..., reduction='none') for per-sample squared errors. "
              "The gradient is that of n·RMSE, so that gradient / n is the gradient of RMSE.",
    )
)


def _huber(r, delta):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


huber = _regression(
    "huber",
    _huber,
    lambda r, delta: np.clip(r, -delta, delta),
    params={"delta": positive(1.0, "delta")},
    summary="Huber loss: quadratic for |r| ≤ δ, linear beyond; a compromise between mean and median.",
    formula=r"\ell_\delta(r) = \begin{cases}\tfrac12 r^2 & |r|\le\delta\\ \delta(|r|-\tfrac12\delta) & |r|>\delta\end{cases}",
    gradient_formula=r"\partial\ell/\partial\hat y = -\operatorname{clip}(r,-\delta,\delta)",
    year=1964, reference="huber1964", convex=True, robust=True,
    counterparts={"scikit-learn": "HuberRegressor (epsilon ≈ δ/σ)", "PyTorch": "nn.HuberLoss", "Keras": "Huber"},
    example=">>> huber([0.0], [2.0], delta=1.0)\n1.5",
)


def _pseudo_huber(r, delta):
    # δ²(√(1+(r/δ)²) − 1) rewritten as r² / (√(1+(r/δ)²) + 1): no cancellation for small r;
    # evaluated as δ·|r|·t/(√(1+t²) + 1) with t = |r|/δ so that r² never overflows (the last
    # factor is below 1). For t ≥ 1e150 that factor is 1 to the last bit, so t is capped there
    # and t² stays finite.
    a = np.abs(r)
    t = np.minimum(a / delta, 1e150)
    return delta * (a * (t / (np.sqrt(1.0 + t * t) + 1.0)))


pseudo_huber = _regression(
    "pseudo_huber",
    _pseudo_huber,
    lambda r, delta: r / np.hypot(1.0, r / delta),
    params={"delta": positive(1.0, "delta")},
    summary="Pseudo-Huber (Charbonnier) loss: a smooth Huber, ≈ r²/2 near 0 and ≈ δ|r| far away.",
    formula=r"\ell_\delta(r) = \delta^2\left(\sqrt{1+(r/\delta)^2}-1\right)",
    gradient_formula=r"\partial\ell/\partial\hat y = -r/\sqrt{1+(r/\delta)^2}",
    year=1997, reference="charbonnier1997", convex=True, robust=True,
)


def _log_cosh(r):
    a = np.abs(r)
    small = a <= 20.0
    with np.errstate(over="ignore"):  # the unused branch of np.where may overflow
        # |r| ≤ 20: log cosh r = log1p(cosh r − 1) and cosh r − 1 = expm1(|r|)² / (2 e^|r|), exact
        # for tiny r (no 1 + tiny − 1). |r| > 20: log cosh r = |r| + log1p(e^{−2|r|}) − log 2.
        near = np.log1p(np.expm1(np.where(small, a, 0.0)) ** 2 / (2.0 * np.exp(np.where(small, a, 0.0))))
    far = a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)
    return np.where(small, near, far)


log_cosh = _regression(
    "log_cosh",
    _log_cosh,
    np.tanh,
    summary="Log-cosh loss: ≈ r²/2 for small residuals and ≈ |r| − log 2 for large ones; smooth everywhere.",
    formula=r"\ell(r) = \log\cosh r",
    gradient_formula=r"\partial\ell/\partial\hat y = -\tanh r",
    year=1990, reference="green1990", convex=True, robust=True,
    counterparts={"Keras": "LogCosh"},
    notes="Computed with two branches so that it is accurate to ~1e-15 relative error from r = 1e-8 "
          "to r = 800 (the naive log(cosh(r)) overflows above r ≈ 710 and is 0 below r ≈ 1e-8).",
)


def _quantile(r, q):
    return np.maximum(q * r, (q - 1.0) * r)


quantile = _regression(
    "quantile",
    _quantile,
    lambda r, q: np.where(r > 0, q, np.where(r < 0, q - 1.0, 0.0)),
    params={"q": open_unit(0.5, "q")},
    summary="Quantile (pinball) loss: its minimiser over a constant is the q-th quantile.",
    formula=r"\ell_q(r) = \max(q\,r,\ (q-1)\,r)",
    gradient_formula=r"\partial\ell/\partial\hat y = -q \text{ if } r>0,\ 1-q \text{ if } r<0,\ 0 \text{ at } r=0",
    year=1978, reference="koenker1978", convex=True, robust=True,
    counterparts={"scikit-learn": "mean_pinball_loss (alpha=q)", "Keras": "(none built in)"},
    notes="q = 0.5 gives half the absolute error. Not differentiable at r = 0 (subgradient 0 there).",
)

epsilon_insensitive = _regression(
    "epsilon_insensitive",
    # max(0, |r| − ε), computed in place in the fresh residual array
    lambda r, epsilon: np.maximum(np.subtract(np.abs(r, out=r), epsilon, out=r), 0.0, out=r),
    lambda r, epsilon: np.sign(r) * (np.abs(r) > epsilon),
    params={"epsilon": non_negative(0.1, "epsilon")},
    summary="Epsilon-insensitive loss of support vector regression: residuals within ε cost nothing.",
    formula=r"\ell_\varepsilon(r) = \max(0,\ |r|-\varepsilon)",
    gradient_formula=r"\partial\ell/\partial\hat y = -\operatorname{sign}(r)\,[|r|>\varepsilon]",
    year=1995, reference="vapnik1995", convex=True, robust=True,
    counterparts={"scikit-learn": "SVR / LinearSVR (loss='epsilon_insensitive')"},
    notes="epsilon = 0 gives the absolute error.",
)
