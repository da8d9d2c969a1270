"""Regression losses: functions of the residual r = y_true - y_pred.

Pure NumPy; imports only lossbook.losses._core.
"""

from __future__ import annotations

import numpy as np

from ._core import (
    Loss,
    _sum_is_finite,
    as_float_array,
    broadcast_scalar,
    check_ndim,
    check_weights,
    non_negative,
    open_unit,
    positive,
    register,
)


def _pair(owner: str):
    """Checker for (y_true, y_pred): 1-D, same length (a scalar is broadcast to the other)."""

    def prepare(y_true, y_pred, check_finite=True):
        yt = as_float_array(y_true, "y_true", owner, check_finite)
        yp = as_float_array(y_pred, "y_pred", owner, check_finite)
        for name, a in (("y_true", yt), ("y_pred", yp)):
            check_ndim(a, name, owner, 1, "Regression losses take one target per sample.")
        return broadcast_scalar(yt, yp, y_true, y_pred, ("y_true", "y_pred"), owner)

    return prepare


def _residual_halves(yt, yp):
    """(y_true − y_pred) / 2 without overflow, for residuals beyond the float64 range."""
    return yt * 0.5 - yp * 0.5


def _regression(name, value_of_r, dloss_dr, tail=None, **meta) -> Loss:
    """A regression loss from ℓ(r) and dℓ/dr; the gradient w.r.t. y_pred is -dℓ/dr.

    ℓ receives a fresh array r = y_true − y_pred that it may overwrite. Every regression loss is
    NaN or ±inf when r is, so inputs are checked for NaN/inf through the result
    (``finite_from_result``), which saves a pass over each input.

    Two finite inputs can differ by more than the largest float64 (1e308 − (−1e308)): r is then
    ±inf. For a loss that grows like |r| with a slope below 1 (Huber with δ < 1, the pinball
    loss, ...) the true value can still be finite, so such a loss gives ``tail(h)``: ℓ at
    r = 2h computed from the halved residual h, used where r overflowed. Such a residual makes
    the plain value inf, so the fast path (a finite result) never needs the tail: only the
    checked path looks for overflowed residuals. The derivatives are bounded or ±inf there
    already.
    """

    def value(yt, yp, **hp):
        return value_of_r(yt - yp, **hp)

    def checked_value(yt, yp, **hp):
        r = yt - yp
        if _sum_is_finite(r):  # one pass; a false alarm (an overflowing sum) is resolved below
            return value_of_r(r, **hp)
        overflowed = np.isinf(r)
        out = value_of_r(r, **hp)
        if overflowed.any():
            out[overflowed] = tail(_residual_halves(yt[overflowed], yp[overflowed]), **hp)
        return out

    return register(
        Loss(
            name,
            task="regression",
            inputs=("y_true", "y_pred"),
            prepare=_pair(name),
            value=value,
            checked_value=None if tail is None else checked_value,
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
    counterparts={'scikit-learn': 'sklearn.metrics.mean_squared_error',
                  'PyTorch': 'torch.nn.MSELoss',
                  'Keras': 'keras.losses.MeanSquaredError'},
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
    counterparts={'scikit-learn': 'sklearn.metrics.mean_absolute_error',
                  'PyTorch': 'torch.nn.L1Loss',
                  'Keras': 'keras.losses.MeanAbsoluteError'},
    notes="Not differentiable at r = 0; the gradient there is the subgradient 0.",
)


# -- rmse -----------------------------------------------------------------------------------------


def _root_mean_square(r, w=None) -> float:
    """√(Σw r²/Σw) (w = 1 by default) without overflow or underflow of r².

    The plain formula is exact to rounding while the mean square lies in [1e-280, ∞): then no
    r² that matters has underflowed, and none has overflowed. Otherwise (residuals beyond 1e154
    or below 1e-140) the residuals are scaled by their largest magnitude m first:
    m·√(mean (r/m)²), where every (r/m)² ≤ 1.
    """
    with np.errstate(over="ignore", under="ignore"):
        s = r * r
        ms = s.sum() / s.shape[0] if w is None else np.dot(w, s) / w.sum()
    if 1e-280 <= ms < np.inf:
        return float(np.sqrt(ms))
    m = np.max(np.abs(r))
    if not m > 0:  # all residuals exactly 0 (or NaN, which propagates)
        return float(m * 0.0) if np.isnan(m) else 0.0
    u = r / m
    s = u * u
    ms = s.sum() / s.shape[0] if w is None else np.dot(w, s) / w.sum()
    return float(m * np.sqrt(ms))


def _rmse_residuals(yt, yp):
    """(residuals, factor) with residuals · factor = y_true − y_pred and the residuals finite."""
    r = yt - yp
    if not _sum_is_finite(r) and np.isinf(r).any():
        return _residual_halves(yt, yp), 2.0
    return r, 1.0


def _rmse(yt, yp, *, sample_weight=None):
    if sample_weight is None:
        # the common case as fast as √mean((y − ŷ)²); anything else is redone with care
        s = np.subtract(yt, yp)
        np.square(s, out=s)
        ms = s.sum() / s.shape[0]
        if 1e-280 <= ms < np.inf:
            return float(np.sqrt(ms))
        r, factor = _rmse_residuals(yt, yp)
        return factor * _root_mean_square(r)
    w = check_weights(sample_weight, yt.shape[0], "rmse")
    if w.sum() == 0:
        raise ValueError("rmse: sample_weight sums to 0, so the weighted mean is undefined; "
                         "give at least one positive weight")
    kept = w > 0  # a sample of weight 0 is absent, even with an overflowing residual
    r, factor = _rmse_residuals(yt[kept], yp[kept])
    return factor * _root_mean_square(r, w[kept])


def _rmse_gradient(yt, yp):
    # gradient of n * RMSE, so that, as for every loss, gradient / n is the gradient of the
    # reduced value. At a perfect fit RMSE is not differentiable; we return the subgradient 0.
    # r / RMSE is scale-free (at most √n in magnitude), so it is computed from u = r / max|r|:
    # −u / √(mean u²), with neither an overflowing r² nor a subnormal RMSE on the way.
    r, _ = _rmse_residuals(yt, yp)
    m = np.max(np.abs(r))
    if m == 0:
        return np.zeros_like(r)
    u = r / m
    return -(u / np.sqrt(np.mean(u * u)))


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
        value=None,
        aggregate=_rmse,
        gradient=_rmse_gradient,
        finite_from_result=True,
        reductions=("mean",),
        counterparts={'scikit-learn': 'sklearn.metrics.root_mean_squared_error',
                      'Keras': 'keras.metrics.RootMeanSquaredError (a metric)'},
        notes="RMSE is not a sum of per-sample terms, so only reduction='mean' is allowed (with "
              "weights: √(Σw r²/Σw)). Use mse(..., reduction='none') for per-sample squared errors. "
              "The gradient is that of n·RMSE, so that gradient / n is the gradient of RMSE. "
              "Residuals are rescaled by their largest magnitude when r² would overflow or "
              "underflow, so rmse([1e200], [0]) is 1e200, not inf, and rmse([1e-200], [0]) is "
              "1e-200, not 0. Not robust: one wild residual r_1 takes over the gradient — its "
              "entry tends to √n while every other tends to 0.",
    )
)


# -- Huber and pseudo-Huber -----------------------------------------------------------------------


def _huber(r, delta):
    # ½ min(|r|, δ)² + δ·max(|r| − δ, 0): the two pieces without np.where (a data-dependent
    # branch per element, several times slower); both terms are ≥ 0, so nothing cancels.
    a = np.abs(r, out=r)
    inner = np.minimum(a, delta)
    np.square(inner, out=inner)
    inner *= 0.5
    np.subtract(a, delta, out=a)
    np.maximum(a, 0.0, out=a)
    a *= delta
    a += inner
    return a


def _huber_tail(h, delta):
    """Huber at r = 2h, for residuals beyond the float64 range (δ ≥ |r| would overflow anyway)."""
    a = np.abs(h)
    return np.where(a <= 0.5 * delta, 2.0 * a * a, 2.0 * delta * (a - 0.25 * delta))


huber = _regression(
    "huber",
    _huber,
    lambda r, delta: np.clip(r, -delta, delta),
    tail=_huber_tail,
    params={"delta": positive(1.0, "delta")},
    summary="Huber loss: quadratic for |r| ≤ δ, linear beyond; a compromise between mean and median.",
    formula=r"\ell_\delta(r) = \begin{cases}\tfrac12 r^2 & |r|\le\delta\\ \delta(|r|-\tfrac12\delta) & |r|>\delta\end{cases}",
    gradient_formula=r"\partial\ell/\partial\hat y = -\operatorname{clip}(r,-\delta,\delta)",
    year=1964, reference="huber1964", convex=True, robust=True,
    counterparts={'scikit-learn': 'sklearn.linear_model.SGDRegressor(loss="huber", epsilon=δ) (a model)',
                  'PyTorch': 'torch.nn.HuberLoss(delta=δ)',
                  'Keras': 'keras.losses.Huber(delta=δ)'},
    example=">>> huber([0.0], [2.0], delta=1.0)\n1.5",
)


def _pseudo_huber_far(a, delta):
    """δ·|r|·t/(√(1+t²) + 1), t = |r|/δ, from a = |r|: never overflows before the true value.

    The last factor is below 1; for t ≥ 1e150 it is 1 to the last bit, so t is capped there
    and t² stays finite.
    """
    t = np.minimum(a / delta, 1e150)
    return delta * (a * (t / (np.sqrt(1.0 + t * t) + 1.0)))


def _pseudo_huber(r, delta):
    # δ²(√(1+(r/δ)²) − 1) rewritten as r² / (√(1+t²) + 1), t = r/δ: no cancellation for
    # small r. While r² and t² are finite (the common case) that is five array operations;
    # beyond, the same value from |r| without squaring it.
    s = np.square(r)
    t2 = s if delta == 1.0 else np.square(r / delta)
    fits = s.max() <= 1e300 and (t2 is s or t2.max() <= 1e300)  # False for NaN, too
    if not fits:
        return _pseudo_huber_far(np.abs(r, out=r), delta)
    d = np.add(t2, 1.0, out=r)  # r is no longer needed: reuse its memory
    np.sqrt(d, out=d)
    d += 1.0
    return np.divide(s, d, out=s)


def _pseudo_huber_tail(h, delta):
    """Pseudo-Huber at r = 2h (beyond the float64 range): 2δ|h|·t/(√(1+t²) + 1), t = 2|h|/δ."""
    a = np.abs(h)
    t = np.minimum(2.0 * a / delta, 1e150)
    return 2.0 * (delta * (a * (t / (np.sqrt(1.0 + t * t) + 1.0))))


def _pseudo_huber_gradient(r, delta):
    # dℓ/dr = r/√(1+(r/δ)²), written with u = min(|r|, δ)/max(|r|, δ) ≤ 1 as
    # sign(r)·min(|r|, δ)/√(1+u²): no overflow of (r/δ)² for huge r or tiny δ, no inf/inf for
    # an overflowed residual, and ≈ r for tiny r.
    a = np.abs(r)
    small = np.minimum(a, delta)
    u = small / np.maximum(a, delta)
    return np.sign(r) * small / np.sqrt(1.0 + u * u)


pseudo_huber = _regression(
    "pseudo_huber",
    _pseudo_huber,
    _pseudo_huber_gradient,
    tail=_pseudo_huber_tail,
    params={"delta": positive(1.0, "delta")},
    summary="Pseudo-Huber (Charbonnier) loss: a smooth Huber, ≈ r²/2 near 0 and ≈ δ|r| far away.",
    formula=r"\ell_\delta(r) = \delta^2\left(\sqrt{1+(r/\delta)^2}-1\right)",
    gradient_formula=r"\partial\ell/\partial\hat y = -r/\sqrt{1+(r/\delta)^2}",
    year=1997, reference="charbonnier1997", convex=True, robust=True,
    notes="Computed as r²/(√(1+(r/δ)²) + 1), which has no cancellation for small r (the textbook "
          "form is 0 below |r| ≈ 1e-8) and, rearranged, no overflow for huge r.",
)


# -- log-cosh -------------------------------------------------------------------------------------


def _log_cosh(r):
    # log cosh b = log1p(2 sinh²(b/2)) for b = |r| ≤ 20: exact for tiny r (no 1 + tiny − 1),
    # two transcendental functions like the naive log(cosh(r)). Beyond 20,
    # log cosh |r| = |r| − log 2 + log1p(e^{−2|r|}) = log cosh 20 + (|r| − 20) to the last bit
    # (e^{−40} is below the rounding), so cosh never overflows.
    a = np.abs(r, out=r)
    far = a.max() > 20.0
    b = np.minimum(a, 20.0) if far else a
    if far:
        np.subtract(a, b, out=a)
    b *= 0.5
    np.sinh(b, out=b)
    np.square(b, out=b)
    b *= 2.0
    np.log1p(b, out=b)
    if far:
        b += a
    return b


log_cosh = _regression(
    "log_cosh",
    _log_cosh,
    np.tanh,
    summary="Log-cosh loss: ≈ r²/2 for small residuals and ≈ |r| − log 2 for large ones; smooth everywhere.",
    formula=r"\ell(r) = \log\cosh r",
    gradient_formula=r"\partial\ell/\partial\hat y = -\tanh r",
    year=1990, reference="green1990", convex=True, robust=True,
    counterparts={'Keras': 'keras.losses.LogCosh'},
    notes="Computed as log1p(2 sinh²(r/2)) up to |r| = 20 and continued linearly beyond, so that it "
          "is accurate to ~1e-15 relative error from r = 1e-8 to r = 800 and beyond (the naive "
          "log(cosh(r)) overflows above r ≈ 710 and is 0 below r ≈ 1e-8).",
)


# -- quantile and epsilon-insensitive -------------------------------------------------------------


def _quantile(r, q):
    below = np.multiply(r, q - 1.0)
    r *= q
    return np.maximum(r, below, out=r)


quantile = _regression(
    "quantile",
    _quantile,
    lambda r, q: np.where(r > 0, q, np.where(r < 0, q - 1.0, 0.0)),
    tail=lambda h, q: 2.0 * _quantile(h.copy(), q),
    params={"q": open_unit(0.5, "q")},
    summary="Quantile (pinball) loss: its minimiser over a constant is the q-th quantile.",
    formula=r"\ell_q(r) = \max(q\,r,\ (q-1)\,r)",
    gradient_formula=r"\partial\ell/\partial\hat y = -q \text{ if } r>0,\ 1-q \text{ if } r<0,\ 0 \text{ at } r=0",
    year=1978, reference="koenker1978", convex=True, robust=True,
    counterparts={'scikit-learn': 'sklearn.metrics.mean_pinball_loss(alpha=q)'},
    notes="q = 0.5 gives half the absolute error. Not differentiable at r = 0 (subgradient 0 there).",
)

epsilon_insensitive = _regression(
    "epsilon_insensitive",
    # max(0, |r| − ε), computed in place in the fresh residual array
    lambda r, epsilon: np.maximum(np.subtract(np.abs(r, out=r), epsilon, out=r), 0.0, out=r),
    lambda r, epsilon: np.sign(r) * (np.abs(r) > epsilon),
    tail=lambda h, epsilon: 2.0 * np.maximum(np.abs(h) - 0.5 * epsilon, 0.0),
    params={"epsilon": non_negative(0.1, "epsilon")},
    summary="Epsilon-insensitive loss of support vector regression: residuals within ε cost nothing.",
    formula=r"\ell_\varepsilon(r) = \max(0,\ |r|-\varepsilon)",
    gradient_formula=r"\partial\ell/\partial\hat y = -\operatorname{sign}(r)\,[|r|>\varepsilon]",
    year=1995, reference="vapnik1995", convex=True, robust=True,
    counterparts={'scikit-learn': 'sklearn.svm.LinearSVR(loss="epsilon_insensitive", epsilon=ε) (a model)'},
    notes="epsilon = 0 gives the absolute error.",
)
