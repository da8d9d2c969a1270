"""`LossRegressor`: a scikit-learn linear regressor trained by minimising any regression loss of
`lossbook.losses` (L-BFGS for smooth losses, exact solvers for the piecewise-linear ones).

Builds on `lossbook.losses` and `lossbook.models._linear`; must not import `plots`, `widgets` or a notebook.
"""

from __future__ import annotations

import numbers
import warnings
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import optimize
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

from ..losses import REGISTRY, Loss, get
from ..losses._core import as_float_array, positive
from ._linear import linear_objective, supports_sample_weight

__all__ = ["LossRegressor", "PiecewiseLinear", "piecewise_linear"]

OWNER = "LossRegressor"

# Below this many entries in X, fits run BLAS on one thread: their many tiny matrix products only
# pay for synchronisation with more threads (and stall badly when the machine is busy).
SMALL_PROBLEM = 1_000_000


@cache
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


# --------------------------------------------------------------------------------------------
# Piecewise-linear losses: mae, quantile, epsilon_insensitive
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PiecewiseLinear:
    r"""A convex piecewise-linear loss of the residual r = y - ŷ, as a maximum of affine pieces.

    ``ℓ(r) = max_j (slopes[j]·r + offsets[j])`` with the slopes increasing; consecutive pieces
    meet at the ``knots`` (one fewer than pieces). Knowing the pieces, a fit can be written as a
    linear program, and its Moreau envelope (a smooth, Huber-like approximation) is explicit.
    """

    slopes: np.ndarray
    offsets: np.ndarray

    @property
    def knots(self) -> np.ndarray:
        """Where piece j-1 meets piece j: t_j = (d_{j-1} - d_j) / (c_j - c_{j-1})."""
        c, d = self.slopes, self.offsets
        return (d[:-1] - d[1:]) / (c[1:] - c[:-1])

    def value(self, r) -> np.ndarray:
        r = np.asarray(r, dtype=np.float64)
        return np.max(self.slopes[:, None] * r[None, :] + self.offsets[:, None], axis=0)

    def rescaled(self, k: float) -> "PiecewiseLinear":
        """The same loss for residuals measured in units of k: the ℓ̃ with ℓ(k·r̃) = k·ℓ̃(r̃), which
        has the same slopes and the offsets divided by k."""
        return PiecewiseLinear(self.slopes, self.offsets / k)

    def smooth_gradient(self, r, mu: float) -> np.ndarray:
        """dℓ_μ/dr of the Moreau envelope ℓ_μ(r) = min_z ℓ(z) + (r - z)²/(2μ).

        It equals the slope c_j on piece j and ramps linearly from c_{j-1} to c_j on
        [t_j + μc_{j-1}, t_j + μc_j] around each knot (the ramps never overlap).
        """
        r = np.asarray(r, dtype=np.float64)
        c, t = self.slopes, self.knots
        g = np.full_like(r, c[0])
        for j in range(t.size):
            g += np.clip((r - t[j]) / mu - c[j], 0.0, c[j + 1] - c[j])
        return g

    def smooth_value(self, r, mu: float) -> np.ndarray:
        """ℓ_μ(r) = ℓ(prox(r)) + μg²/2 with prox(r) = r - μg: between ℓ(r) - μ·max c²/2 and ℓ(r)."""
        g = self.smooth_gradient(r, mu)
        return self.value(np.asarray(r, dtype=np.float64) - mu * g) + 0.5 * mu * g * g

    def subgradient_interval(self, r, tol: float) -> tuple[np.ndarray, np.ndarray]:
        """The interval [lo, hi] of slopes at r, treating a residual within `tol` of a knot as on it."""
        r = np.asarray(r, dtype=np.float64)
        t = self.knots
        lo = self.slopes[np.searchsorted(t, r - tol, side="left")]   # piece containing r - tol
        hi = self.slopes[np.searchsorted(t, r + tol, side="left")]
        return lo, hi

    def as_loss(self, name: str) -> Loss:
        """The Moreau envelope as a lossbook `Loss` with hyper-parameter ``mu`` (for linear_objective)."""
        owner = f"{name}_smoothed"

        def prepare(y_true, y_pred):
            return as_float_array(y_true, "y_true", owner), as_float_array(y_pred, "y_pred", owner)

        return Loss(
            owner,
            summary=f"Moreau envelope of {name}: a Huber-like smoothing of width mu of every kink.",
            task="regression",
            formula=r"\ell_\mu(r) = \min_z \ell(z) + (r - z)^2 / (2\mu)",
            gradient_formula=r"\partial\ell_\mu/\partial\hat y = -(r - \operatorname{prox}_{\mu\ell}(r))/\mu",
            year=1965, reference="moreau1965", convex=True, robust=True,
            inputs=("y_true", "y_pred"),
            prepare=prepare,
            value=lambda yt, yp, mu: self.smooth_value(yt - yp, mu),
            gradient=lambda yt, yp, mu: -self.smooth_gradient(yt - yp, mu),
            params={"mu": positive(1.0, "mu")},
        )


def _pieces(*pairs) -> PiecewiseLinear:
    c, d = np.array(pairs, dtype=np.float64).T
    return PiecewiseLinear(c, d)


def piecewise_linear(loss, loss_params=None) -> PiecewiseLinear | None:
    """The affine pieces of a registered piecewise-linear loss (mae, quantile, epsilon_insensitive)
    with these hyper-parameters, or None for any other loss (including a look-alike Loss object)."""
    loss = get(loss)
    if REGISTRY.get(loss.name) is not loss:
        return None
    hp = {k: p.check(k, (loss_params or {}).get(k, p.default), loss.name) for k, p in loss.params.items()}
    if loss.name == "mae":
        return _pieces((-1.0, 0.0), (1.0, 0.0))
    if loss.name == "quantile":
        q = hp["q"]
        return _pieces((q - 1.0, 0.0), (q, 0.0))
    if loss.name == "epsilon_insensitive":
        eps = hp["epsilon"]
        if eps == 0:
            return _pieces((-1.0, 0.0), (1.0, 0.0))
        return _pieces((-1.0, -eps), (0.0, 0.0), (1.0, -eps))
    return None


# --------------------------------------------------------------------------------------------
# The problem in well-conditioned coordinates
# --------------------------------------------------------------------------------------------


class _Problem:
    """The data of one fit and the change of variables the solvers work in.

    θ are the parameters of the model on whitened features: centred (weighted mean m), divided
    by their weighted standard deviations s, then rotated and scaled by the eigenvectors V and
    eigenvalues λ of their correlation matrix plus the penalty's curvature (α/2)·diag(1/s²), so
    that the new features are uncorrelated with unit variance (the same weights as the loss);
    directions without variance are left out. So w = P·θ_w with P = diag(1/s)·V·diag(λ^-1/2), and
    b = θ_b - m·w. The objective itself is always evaluated by `linear_objective` in the original
    parameters (w, b); only its gradient is carried over by the chain rule, ∂J/∂θ_w = Pᵀ(∂J/∂w -
    m ∂J/∂b). For the squared error the Hessian in θ is then 2·I, and every solver is
    indifferent to the units and correlations of the features without the problem changing.
    """

    def __init__(self, X, y, sample_weight, fit_intercept: bool, alpha: float = 0.0):
        self.X, self.y, self.sample_weight, self.fit_intercept = X, y, sample_weight, fit_intercept
        n, self.d = X.shape
        s = np.ones(n) if sample_weight is None else sample_weight
        self.omega = s / s.sum()
        self.mean = self.omega @ X if fit_intercept else np.zeros(self.d)
        Xc = X - self.mean
        spread = np.sqrt(self.omega @ Xc ** 2)
        # constant (or all-zero) columns: no information, keep them unscaled
        spread[spread <= 1e-12 * np.maximum(np.abs(self.mean), np.finfo(float).tiny)] = 1.0
        Z = Xc / spread
        lam, V = np.linalg.eigh((Z * self.omega[:, None]).T @ Z + np.diag(0.5 * alpha / spread**2))
        # Directions without variance (exactly collinear features, more features than samples)
        # change no prediction on the training data: they are left out (their column of P is 0),
        # so w has no component along them — the minimum-norm choice, as least squares makes.
        informative = lam > 1e-10 * lam.max() if lam.size and lam.max() > 0 else np.zeros(lam.size, bool)
        self.P = np.where(informative, V / np.sqrt(np.where(informative, lam, 1.0)), 0.0) / spread[:, None]
        # a typical size of y around its centre, for scale-free tolerances
        centre = self.omega @ y if fit_intercept else 0.0
        k = float(self.omega @ np.abs(y - centre))
        self.y_scale = k if k > 0 else max(float(np.max(np.abs(y))), 1.0)

    def params(self, theta) -> np.ndarray:
        w = self.P @ theta[: self.d]
        return np.append(w, theta[self.d] - self.mean @ w) if self.fit_intercept else w

    def start(self) -> np.ndarray:
        theta = np.zeros(self.d + self.fit_intercept)
        if self.fit_intercept:
            theta[-1] = self.omega @ self.y
        return theta

    def objective(self, params, loss, hp, alpha):
        return linear_objective(params, self.X, self.y, loss, loss_params=hp, sample_weight=self.sample_weight,
                                alpha=alpha, fit_intercept=self.fit_intercept)

    def objective_theta(self, theta, loss, hp, alpha, scale=1.0):
        value, grad = self.objective(self.params(theta), loss, hp, alpha)
        gw = grad[: self.d]
        if self.fit_intercept:
            gb = grad[self.d]
            grad = np.append(self.P.T @ (gw - gb * self.mean), gb)
        else:
            grad = self.P.T @ gw
        return value / scale, grad / scale

    def whitened(self) -> np.ndarray:
        return (self.X - self.mean) @ self.P


def _lbfgs(problem: _Problem, loss, hp, alpha, theta0):
    """Minimise the objective with L-BFGS-B; returns (theta, iterations, converged)."""
    scale, _ = problem.objective_theta(theta0, loss, hp, alpha)
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0   # a unit-size objective to start
    result = optimize.minimize(problem.objective_theta, theta0, args=(loss, hp, alpha, scale), jac=True,
                               method="L-BFGS-B",
                               options={"maxiter": 20_000, "maxfun": 40_000, "ftol": 1e-16, "gtol": 1e-11,
                                        "maxcor": 30})
    # A line search that can no longer decrease the objective has reached machine precision.
    grad_ok = np.max(np.abs(result.jac)) <= 1e-6 if result.jac.size else True
    return result.x, int(result.nit), bool(result.success or grad_ok)


def _linprog(problem: _Problem, pieces: PiecewiseLinear):
    """The exact fit for a piecewise-linear loss without penalty, by linear programming (HiGHS).

    The primal problem min_θ Σ ω_i ℓ(ỹ_i - x̃_i·θ) (whitened features with a column of ones for the
    intercept, targets divided by a typical size k) has the dual

        max_a Σ ω_i (a_i ỹ_i - ℓ*(a_i))  subject to  Σ ω_i a_i x̃_i = 0,  c_0 ≤ a_i ≤ c_K,

    where ℓ* is the convex conjugate, linear with slope t_j on [c_{j-1}, c_j]. Writing
    a_i = c_0 + Σ_j z_ij with 0 ≤ z_ij ≤ c_j - c_{j-1} makes it a linear program with only
    d + 1 equality constraints (the primal has one per sample), several times faster to solve.
    The optimal θ is minus the constraints' multipliers (HiGHS's ``eqlin.marginals``).
    """
    keep = problem.omega > 0
    omega = problem.omega[keep] / problem.omega[keep].sum()
    k = problem.y_scale
    y = problem.y[keep] / k
    pieces = pieces.rescaled(k)
    c, t = pieces.slopes, pieces.knots
    Xs = problem.whitened()[keep]
    A_model = np.column_stack([Xs, np.ones(Xs.shape[0])]) if problem.fit_intercept else Xs
    weighted = (A_model * omega[:, None]).T                         # row m: ω_i x̃_im
    n_knots = t.size
    A_eq = np.tile(weighted, n_knots)                               # a_i enters through every z_ij
    b_eq = -c[0] * weighted.sum(axis=1)
    cost = -np.concatenate([omega * (y - tj) for tj in t])          # maximise Σω z (ỹ - t_j)
    bounds = np.repeat(np.column_stack([np.zeros(n_knots), np.diff(c)]), y.size, axis=0)
    result = optimize.linprog(cost, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if result.status != 0:
        raise RuntimeError(f"{OWNER}: the linear program did not solve (HiGHS status {result.status}: "
                           f"{result.message})")
    return -k * result.eqlin.marginals, int(result.nit)


def _active_set(problem: _Problem, pieces: PiecewiseLinear, params_smooth, alpha: float, mu: float):
    """Exact optimum from a smoothed one, for alpha > 0; None if the guess cannot be certified.

    Residuals on a ramp of the smoothed loss are taken to sit exactly on that knot (unknown
    subgradient g_i), the others keep the slope of their piece. The optimality conditions
    αw = Xᵀ(ω∘g), Σω_i g_i = 0 (with an intercept) and x_i·w + b = y_i - t_i on the knots are then
    linear; their solution is accepted only if it satisfies the full subgradient conditions.
    """
    X, y, omega = problem.X, problem.y, problem.omega
    d, fi = problem.d, problem.fit_intercept
    c, t = pieces.slopes, pieces.knots
    w, b = params_smooth[:d], (params_smooth[d] if fi else 0.0)
    r = y - X @ w - b
    active = omega > 0
    # which ramp (knot j) or which piece each residual belongs to
    ramp = np.full(r.size, -1)
    for j in range(t.size):
        ramp[(r >= t[j] + mu * c[j]) & (r <= t[j] + mu * c[j + 1]) & active] = j
    on_knot = ramp >= 0
    if on_knot.sum() > X.shape[1] + 1 + 50:    # far from a vertex: let the smoothing go on
        return None
    piece = np.searchsorted(t + mu * c[1:], r, side="right")
    g_fixed = np.where(active & ~on_knot, c[np.minimum(piece, c.size - 1)], 0.0)
    Z = np.flatnonzero(on_knot)
    m = Z.size
    n_unknowns = d + fi + m
    A = np.zeros((d + fi + m, n_unknowns))
    rhs = np.zeros(d + fi + m)
    A[:d, :d] = alpha * np.eye(d)
    A[:d, d + fi:] = -(X[Z] * omega[Z, None]).T
    rhs[:d] = X.T @ (omega * g_fixed)
    if fi:
        A[d, d + 1:] = omega[Z]
        rhs[d] = -omega @ g_fixed
    A[d + fi:, :d] = X[Z]
    if fi:
        A[d + fi:, d] = 1.0
    rhs[d + fi:] = y[Z] - t[ramp[Z]]
    # The smallest correction of the smoothed solution that satisfies the conditions: when they
    # leave some freedom (e.g. no residual on a knot leaves b free in an interval), we stay put.
    g_smooth = pieces.smooth_gradient(r[Z], mu)
    start = np.concatenate([params_smooth[: d + fi], g_smooth])
    solution = start + np.linalg.lstsq(A, rhs - A @ start, rcond=None)[0]
    params = solution[: d + fi]
    g = g_fixed.copy()
    g[Z] = solution[d + fi:]
    if _kkt_holds(problem, pieces, params, g, alpha):
        return params
    return None


def _kkt_holds(problem: _Problem, pieces: PiecewiseLinear, params, g, alpha: float, rtol: float = 1e-8) -> bool:
    """Whether g_i ∈ ∂ℓ(r_i) for every sample and 0 = αw - Xᵀ(ω∘g) (and Σω_i g_i = 0): the
    subgradient optimality conditions of the convex objective, to a relative tolerance."""
    X, y, omega, d = problem.X, problem.y, problem.omega, problem.d
    w = params[:d]
    b = params[d] if problem.fit_intercept else 0.0
    r = y - X @ w - b
    lo, hi = pieces.subgradient_interval(r, rtol * problem.y_scale)
    active = omega > 0
    if np.any(active & ((g < lo - rtol) | (g > hi + rtol))):
        return False
    stationarity = alpha * w - X.T @ (omega * g)
    size = alpha * np.abs(w) + np.abs(X).T @ (omega * np.abs(g)) + np.finfo(float).tiny
    if np.any(np.abs(stationarity) > rtol * size):
        return False
    return not problem.fit_intercept or abs(omega @ g) <= rtol * (omega @ np.abs(g)) + 1e-300


def _smoothed(problem: _Problem, pieces: PiecewiseLinear, name: str, alpha: float):
    """Piecewise-linear loss with alpha > 0: minimise the Moreau envelope ℓ_μ with L-BFGS for
    μ = k, k/10, …, warm-starting each stage, and after each stage try to certify an exact
    optimum with `_active_set`. Returns (params, iterations, exact)."""
    smooth = pieces.as_loss(name)
    theta, total = problem.start(), 0
    for stage in range(13):
        mu = problem.y_scale * 10.0 ** (-stage)
        theta, nit, _ = _lbfgs(problem, smooth, {"mu": mu}, alpha, theta)
        total += nit
        params = problem.params(theta)
        exact = _active_set(problem, pieces, params, alpha, mu)
        if exact is not None:
            return exact, total, True
    return params, total, False


# --------------------------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------------------------


def _check_loss(loss) -> Loss:
    if isinstance(loss, Loss):
        resolved = loss
    elif isinstance(loss, str):
        try:
            resolved = get(loss)
        except ValueError as error:
            raise ValueError(f"{OWNER}: loss must name a regression loss of lossbook.losses.REGISTRY; "
                             f"{error}") from None
    else:
        raise ValueError(f"{OWNER}: loss must be a loss name (str) or a lossbook.losses.Loss; "
                         f"got {type(loss).__name__} {loss!r}")
    if resolved.task != "regression" or resolved.inputs != ("y_true", "y_pred"):
        regression = ", ".join(n for n, l in REGISTRY.items() if l.task == "regression")
        raise ValueError(f"{OWNER}: loss must be a regression loss ({regression}); got {resolved.name!r}, "
                         f"a {resolved.task} loss")
    return resolved


class LossRegressor(RegressorMixin, BaseEstimator):
    r"""Linear regression with any regression loss of `lossbook.losses`.

    Fits ŷ = X·w + b by minimising

    .. math:: J(w, b) = \frac{\sum_i s_i\,\ell(y_i, x_i\cdot w + b)}{\sum_i s_i} + \frac{\alpha}{2}\lVert w\rVert^2

    (s = ``sample_weight``, all 1 by default; the intercept is not penalised). The objective and
    its gradient are `lossbook.models.linear_objective`: the loss's own ``.gradient`` carried
    through the linear model by the chain rule.

    Solvers (the one used is stored in ``solver_``):

    - **smooth losses** (mse, rmse, huber, pseudo_huber, log_cosh, or any Loss object):
      ``"lbfgs"``, SciPy's L-BFGS-B on features whitened internally (centred, decorrelated, unit variance), with tight tolerances
      (``gtol=1e-11`` on an objective normalised to 1 at the start). For rmse with alpha = 0,
      L-BFGS minimises the mse, which has the same minimiser (the square root is increasing) and
      stays smooth at a perfect fit, where the RMSE has a kink; ``objective_`` is still the RMSE.
      With weights, rmse is the weighted RMSE √(Σ sᵢ rᵢ² / Σ sᵢ).
    - **mae, quantile, epsilon_insensitive with alpha = 0**: ``"linprog"``, the exact optimum of a
      linear program solved by HiGHS through ``scipy.optimize.linprog`` (the dual of the fit, which
      has one constraint per feature instead of one per sample; the coefficients are its
      multipliers). scikit-learn's ``QuantileRegressor`` also solves a linear program. Plain
      (sub)gradient descent would only hover around the optimum of these kinked losses.
    - **the same losses with alpha > 0** (a quadratic program): ``"smoothing+active-set"``. Each
      kink is smoothed by the loss's Moreau envelope of width μ (a Huber-like rounding), minimised
      by L-BFGS for μ shrinking tenfold per stage from the typical size of y, warm-started. After
      each stage the residuals lying on a smoothing ramp are taken to sit exactly on their kink;
      the optimality conditions are then linear, and their solution is accepted only if it passes
      a check of the full subgradient conditions (so the result is the exact optimum). If no stage
      certifies, the last smoothed solution is kept (``solver_ = "smoothing"``, with μ about 1e-12
      times the typical size of y, so its objective is within about that much of the optimum) and a
      ConvergenceWarning is issued.

    Only the instances in ``lossbook.losses.REGISTRY`` get the exact solvers; another Loss object
    is treated as smooth and fitted by L-BFGS with its (sub)gradient.

    Parameters
    ----------
    loss : str or lossbook.losses.Loss, default="mse"
        A regression loss: a name in ``lossbook.losses.REGISTRY`` or a Loss object.
    alpha : float, default=0.0
        Strength of the L2 penalty (α/2)‖w‖²; alpha >= 0.
    fit_intercept : bool, default=True
        Whether to fit the unpenalised intercept b (else b = 0).
    loss_params : dict or None, default=None
        The loss's hyper-parameters, e.g. ``{"delta": 1.5}`` for huber or ``{"q": 0.9}`` for
        quantile (a dict, because scikit-learn estimators take no ``**kwargs``).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_features_in_ : int
    solver_ : str
        "lbfgs", "linprog", "smoothing+active-set" or "smoothing" (see above).
    n_iter_ : int
        Iterations of the solver (L-BFGS iterations summed over stages; simplex/IPM iterations).
    objective_ : float
        The value of J at the solution (computed with the loss itself, not a smoothed version).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(5.0)[:, None]; y = np.array([0.0, 1.0, 2.0, 3.0, 40.0])
    >>> LossRegressor(loss="mae").fit(X, y).coef_.round(6)
    array([1.])
    """

    def __init__(self, loss="mse", alpha=0.0, fit_intercept=True, loss_params=None):
        self.loss = loss
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.loss_params = loss_params

    def _checked_params(self):
        loss = _check_loss(self.loss)
        hp = loss.check_params(self.loss_params, OWNER)
        alpha = self.alpha
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not (np.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"{OWNER}: alpha must be a non-negative finite number; got {alpha!r}")
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValueError(f"{OWNER}: fit_intercept must be True or False; got {self.fit_intercept!r}")
        return loss, hp, float(alpha), bool(self.fit_intercept)

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns self. ``sample_weight`` (n_samples,) >= 0: integer weights are
        repetitions, weight 0 removes a sample."""
        loss, hp, alpha, fit_intercept = self._checked_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
            if not supports_sample_weight(loss):
                raise ValueError(f"{OWNER}: sample_weight is not supported with loss {loss.name!r}, which is "
                                 "not a mean of per-sample losses; use loss='mse' (same minimiser) with weights")
        small = X.size <= SMALL_PROBLEM
        with _threadpools().limit(limits=1, user_api="blas") if small else nullcontext():
            params, problem = self._solve(X, y, sample_weight, loss, hp, alpha, fit_intercept)

        self.coef_ = params[: X.shape[1]].copy()
        self.intercept_ = float(params[-1]) if fit_intercept else 0.0
        self.objective_ = problem.objective(params, loss, hp, alpha)[0]
        return self

    def _solve(self, X, y, sample_weight, loss, hp, alpha, fit_intercept):
        """Pick the solver for this loss and penalty (see the class docstring); returns the
        parameters (w, b) and the problem they solve."""
        problem = _Problem(X, y, sample_weight, fit_intercept, alpha)
        pieces = piecewise_linear(loss, hp)

        if pieces is not None and alpha == 0:
            theta, self.n_iter_ = _linprog(problem, pieces)
            params, self.solver_ = problem.params(theta), "linprog"
        elif pieces is not None:
            params, self.n_iter_, exact = _smoothed(problem, pieces, loss.name, alpha)
            self.solver_ = "smoothing+active-set" if exact else "smoothing"
            if not exact:
                warnings.warn(f"{OWNER}: the exact optimum of {loss.name!r} with alpha={alpha} could not be "
                              "certified; the result minimises a smoothing of the loss of width "
                              f"{1e-12 * problem.y_scale:.2g}", ConvergenceWarning, stacklevel=3)
        else:
            # RMSE without penalty has exactly the minimiser of the MSE (√ is increasing), whose
            # objective is smooth even where RMSE is not (at a perfect fit, its cone point).
            target = get("mse") if loss is get("rmse") and alpha == 0 else loss
            theta, self.n_iter_, converged = _lbfgs(problem, target, hp, alpha, problem.start())
            params, self.solver_ = problem.params(theta), "lbfgs"
            if not converged:
                warnings.warn(f"{OWNER}: L-BFGS did not converge for loss {loss.name!r}; "
                              "the coefficients may be inaccurate", ConvergenceWarning, stacklevel=3)

        return params, problem

    def predict(self, X):
        """ŷ = X·coef_ + intercept_."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_
