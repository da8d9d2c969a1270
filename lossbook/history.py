"""The history of loss functions as data, and the decision-theory tools its chapter runs.

Middle layer: uses `lossbook.losses` (REGISTRY), NumPy, SciPy and threadpoolctl (a dependency of
scikit-learn); must not import matplotlib, `lossbook.plots*` or `lossbook.widgets`.

- `MILESTONES` and `timeline()`: dated ideas that are not losses, merged with the year and
  reference of every loss in `REGISTRY`, so that no date is typed twice;
- `expected_loss`: the expected loss of each candidate point estimate under a sample (the
  decision-theoretic view of mean, median and mode);
- `fit_line_least_squares`, `fit_line_lad` (exact, by linear programming, optionally with
  Boscovich's zero-sum condition) and `fit_line_power` (minimise Σ|r|^p);
- `monte_carlo_risk` and `shrinkage_risk`: Wald's risk function R(θ, δ) of an estimator, by
  simulation with a fixed seed and in closed form.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
from scipy import optimize
from threadpoolctl import threadpool_limits

from .losses import REGISTRY

__all__ = [
    "KINDS", "MILESTONES", "Milestone", "Event", "timeline",
    "expected_loss", "Line", "fit_line_least_squares", "fit_line_lad", "fit_line_power",
    "RiskCurve", "monte_carlo_risk", "shrinkage_risk",
]

# --------------------------------------------------------------------------------------------
# Milestones: dated ideas about losses that are not themselves losses in REGISTRY
# --------------------------------------------------------------------------------------------

KINDS = ("estimation", "decision theory", "information", "learning")


@dataclass(frozen=True)
class Milestone:
    """A dated idea in the history of losses: who, what (one short line), and its bib key."""

    year: int
    who: str
    what: str
    reference: str  # a key of references.bib: the primary source
    kind: str  # one of KINDS

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Milestone: kind must be one of {KINDS}; got {self.kind!r}")


MILESTONES: tuple[Milestone, ...] = (
    Milestone(1760, "Boscovich", "least absolute deviations, with residuals summing to zero",
              "boscovich1760", "estimation"),
    Milestone(1774, "Laplace", "posterior median minimises the expected absolute error",
              "laplace1774", "decision theory"),
    Milestone(1809, "Gauss", "least squares derived from normally distributed errors",
              "gauss1809", "estimation"),
    Milestone(1811, "Laplace", "an error is 'a real loss in a game'; minimise its expectation",
              "laplace1811", "decision theory"),
    Milestone(1823, "Gauss", "minimum mean squared error; squares chosen as the simplest",
              "gauss1823", "estimation"),
    Milestone(1847, "Cauchy", "gradient descent", "cauchy1847", "learning"),
    Milestone(1939, "Wald", "the loss (weight function) as an input; risk, minimax, Bayes",
              "wald1939", "decision theory"),
    Milestone(1948, "Shannon", "entropy of an information source", "shannon1948", "information"),
    Milestone(1950, "Wald", "Statistical Decision Functions, a general theory",
              "wald1950", "decision theory"),
    Milestone(1970, "Linnainmaa", "reverse-mode automatic differentiation", "linnainmaa1970", "learning"),
    Milestone(1974, "Werbos", "back-propagated derivatives to fit prediction models",
              "werbos1974", "learning"),
    Milestone(1986, "Rumelhart, Hinton & Williams", "learning by back-propagating errors",
              "rumelhart1986", "learning"),
    Milestone(1992, "Vapnik", "ERM and SRM stated as principles of learning theory", "vapnik1992",
              "learning"),
    Milestone(2001, "Friedman", "gradient boosting with any differentiable loss", "friedman2001", "learning"),
    Milestone(2015, "Hinton, Vinyals & Dean", "distillation, a cross-entropy on soft targets",
              "hinton2015", "learning"),
    Milestone(2021, "Radford et al.", "CLIP, a contrastive loss over image–text pairs",
              "radford2021", "learning"),
)


@dataclass(frozen=True)
class Event:
    """One line of the timeline: a group of losses from one source, or a milestone."""

    year: int
    label: str
    reference: str
    source: str  # "loss" (from REGISTRY) or "milestone"
    kind: str  # the task of the losses, or the kind of the milestone


def timeline(*, registry=None, milestones=MILESTONES) -> tuple[Event, ...]:
    """The losses of `registry` (default `lossbook.losses.REGISTRY`) and the `milestones`, by year.

    Losses that share a year and a reference (e.g. hinge and squared hinge) form one event whose
    label lists their names. Events are sorted by year, then losses before milestones, then label.
    """
    registry = REGISTRY if registry is None else registry
    groups: dict[tuple[int, str, str], list[str]] = {}
    for name in sorted(registry):
        loss = registry[name]
        groups.setdefault((int(loss.year), loss.reference, loss.task), []).append(name)
    events = [Event(year, ", ".join(names), reference, "loss", task)
              for (year, reference, task), names in groups.items()]
    for m in milestones:
        if not isinstance(m, Milestone):
            raise ValueError(f"timeline: milestones must be Milestone objects; got {type(m).__name__}")
        events.append(Event(m.year, f"{m.who}: {m.what}", m.reference, "milestone", m.kind))
    order = {"loss": 0, "milestone": 1}
    return tuple(sorted(events, key=lambda e: (e.year, order[e.source], e.label)))


# --------------------------------------------------------------------------------------------
# Decision theory for a point estimate
# --------------------------------------------------------------------------------------------


def _vector(values, name: str, owner: str) -> np.ndarray:
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: {name} must be a 1-D array of numbers; got {type(values).__name__}") from None
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{owner}: {name} must be a non-empty 1-D array; got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{owner}: {name} must contain only finite numbers; got {a[~np.isfinite(a)][0]}")
    return a


def _two_input_loss(loss: str, owner: str):
    if loss not in REGISTRY:
        raise ValueError(f"{owner}: loss must be a name in lossbook.losses.REGISTRY; got {loss!r}")
    fn = REGISTRY[loss]
    if len(fn.inputs) != 2:
        raise ValueError(f"{owner}: loss must take (y_true, y_pred); {loss!r} takes {fn.inputs}")
    return fn


def expected_loss(sample, candidates, *, loss: str = "mse", **loss_params) -> np.ndarray:
    """The expected loss ρ(a) = (1/n) Σᵢ ℓ(yᵢ, a) of each candidate point estimate a.

    The sample plays the role of the distribution of the unknown (Laplace's posterior, or the
    data themselves); `loss` is any two-input loss of `lossbook.losses.REGISTRY` ("mse", "mae",
    "zero_one", "quantile" with q=..., "brier", ...), with its hyper-parameters as keywords.

    Returns an array of the shape of `candidates`. The loss is evaluated in one call, on every
    (sample, candidate) pair.
    """
    y = _vector(sample, "sample", "expected_loss")
    a = _vector(candidates, "candidates", "expected_loss")
    fn = _two_input_loss(loss, "expected_loss")
    per_pair = fn(np.tile(y, a.size), np.repeat(a, y.size), reduction="none", **loss_params)
    return per_pair.reshape(a.size, y.size).mean(axis=1)


# --------------------------------------------------------------------------------------------
# Fitting a line: squares (Legendre, Gauss), absolute deviations (Boscovich), powers |r|^p
# --------------------------------------------------------------------------------------------


class Line(NamedTuple):
    """A fitted line y = intercept + slope·x (unpacks as (intercept, slope), like plots.plot_fit)."""

    intercept: float
    slope: float

    def predict(self, x) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(x, dtype=float)


def _xy(x, y, owner: str) -> tuple[np.ndarray, np.ndarray]:
    x = _vector(x, "x", owner)
    y = _vector(y, "y", owner)
    if x.shape != y.shape:
        raise ValueError(f"{owner}: x and y must have the same length; got {x.size} and {y.size}")
    if x.size < 2 or np.ptp(x) == 0:
        raise ValueError(f"{owner}: x needs at least two distinct values to fit a line; got {np.unique(x).size}")
    return x, y


def fit_line_least_squares(x, y) -> Line:
    """The line minimising Σ (yᵢ − b − w xᵢ)² (Legendre 1805, Gauss 1809), by `numpy.linalg.lstsq`."""
    x, y = _xy(x, y, "fit_line_least_squares")
    (b, w), *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)
    return Line(float(b), float(w))


def fit_line_lad(x, y, *, zero_sum: bool = False) -> Line:
    """The line minimising Σ |yᵢ − b − w xᵢ|, exactly, as a linear program (SciPy's HiGHS).

    Each residual is split as rᵢ = uᵢ − vᵢ with uᵢ, vᵢ ≥ 0; minimising Σ (uᵢ + vᵢ) subject to
    b + w xᵢ + uᵢ − vᵢ = yᵢ gives Σ|rᵢ| at the optimum. The solution is a vertex: the line passes
    through (at least) two data points. With ``zero_sum=True`` the residuals must also sum to zero,
    Boscovich's first condition (1757, 1760), which makes the line pass through the centroid.
    """
    x, y = _xy(x, y, "fit_line_lad")
    if not isinstance(zero_sum, (bool, np.bool_)):
        raise ValueError(f"fit_line_lad: zero_sum must be True or False; got {zero_sum!r}")
    n = x.size
    cost = np.concatenate([[0.0, 0.0], np.ones(2 * n)])
    A_eq = np.hstack([np.ones((n, 1)), x[:, None], np.eye(n), -np.eye(n)])
    b_eq = y
    if zero_sum:
        A_eq = np.vstack([A_eq, np.concatenate([[0.0, 0.0], np.ones(n), -np.ones(n)])])
        b_eq = np.append(y, 0.0)
    bounds = [(None, None)] * 2 + [(0, None)] * (2 * n)
    result = optimize.linprog(cost, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if result.status != 0:  # pragma: no cover - a feasible, bounded LP; kept for safety
        raise ValueError(f"fit_line_lad: the linear program failed: {result.message}")
    b, w = result.x[:2]
    return Line(float(b), float(w))


def fit_line_power(x, y, *, p: float = 2.0) -> Line:
    """The line minimising Σ |yᵢ − b − w xᵢ|^p for p ≥ 1 (a convex problem).

    p = 1 is least absolute deviations (`fit_line_lad`, exact), p = 2 least squares (exact);
    other p are solved by L-BFGS-B from the least-squares line, with the analytic gradient.
    Gauss (1809) noted that any even power would do and chose squares as the simplest.
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not np.isfinite(p) or p < 1:
        raise ValueError(f"fit_line_power: p must be a finite number >= 1 (the problem is convex then); got {p!r}")
    x, y = _xy(x, y, "fit_line_power")
    if p == 1:
        return fit_line_lad(x, y)
    start = fit_line_least_squares(x, y)
    if p == 2:
        return start
    # Work in standardised units so that one tolerance fits every data set.
    xm, xs, ym, ys = x.mean(), x.std(), y.mean(), max(y.std(), 1e-300)
    u, v = (x - xm) / xs, (y - ym) / ys
    design = np.column_stack([np.ones_like(u), u])

    def objective(theta):
        r = v - design @ theta
        a = np.abs(r)
        return np.mean(a ** p), -p * (np.sign(r) * a ** (p - 1)) @ design / r.size

    theta0 = np.array([(start.intercept + start.slope * xm - ym) / ys, start.slope * xs / ys])
    # One BLAS thread: L-BFGS-B's tiny linear algebra is 20-40x slower when OpenBLAS threads
    # compete for busy cores, and gains nothing from them on a two-parameter problem.
    with threadpool_limits(limits=1, user_api="blas"):
        result = optimize.minimize(objective, theta0, jac=True, method="L-BFGS-B",
                                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000})
    c0, c1 = result.x
    slope = c1 * ys / xs
    return Line(float(ym + ys * c0 - slope * xm), float(slope))


# --------------------------------------------------------------------------------------------
# Wald's risk function
# --------------------------------------------------------------------------------------------

NOISES = ("normal", "laplace")


@dataclass(frozen=True)
class RiskCurve:
    """Monte-Carlo risk R(θ, δ) = E_θ ℓ(θ, δ(X)) at each θ, with its standard error."""

    thetas: np.ndarray
    risk: np.ndarray
    standard_error: np.ndarray


def _positive_int(value, name: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer; got {value!r}")
    return int(value)


def monte_carlo_risk(estimator: Callable[[np.ndarray], np.ndarray], thetas, *, n_obs: int = 10,
                     n_sims: int = 2000, noise: str = "normal", scale: float = 1.0, loss: str = "mse",
                     seed: int = 0) -> RiskCurve:
    """Risk of `estimator` at each location θ, by simulation with a fixed seed.

    For every θ, `n_sims` samples of `n_obs` observations Xⱼ = θ + scale·εⱼ are drawn (ε standard
    normal, or Laplace with variance 1 for ``noise="laplace"``); ``estimator(X)`` maps the
    (n_sims, n_obs) array to n_sims estimates, and the risk is the mean of ℓ(θ, estimate) for the
    `loss` of REGISTRY. The same ε is reused for every θ (common random numbers), so risk curves
    of different estimators with the same seed are compared on identical data.
    """
    owner = "monte_carlo_risk"
    if not callable(estimator):
        raise ValueError(f"{owner}: estimator must be a function of an (n_sims, n_obs) array; "
                         f"got {type(estimator).__name__}")
    thetas = _vector(thetas, "thetas", owner)
    n_obs = _positive_int(n_obs, "n_obs", owner)
    n_sims = _positive_int(n_sims, "n_sims", owner)
    if noise not in NOISES:
        raise ValueError(f"{owner}: noise must be one of {NOISES}; got {noise!r}")
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"{owner}: scale must be a finite number > 0; got {scale!r}")
    fn = _two_input_loss(loss, owner)
    rng = np.random.default_rng(seed)
    if noise == "normal":
        eps = rng.standard_normal((n_sims, n_obs))
    else:
        eps = rng.laplace(0.0, 1.0 / np.sqrt(2.0), size=(n_sims, n_obs))  # variance 2b² = 1
    risk, se = np.empty_like(thetas), np.empty_like(thetas)
    for i, theta in enumerate(thetas):
        estimates = np.asarray(estimator(theta + scale * eps), dtype=float)
        if estimates.shape != (n_sims,):
            raise ValueError(f"{owner}: estimator must return one estimate per simulated sample, "
                             f"shape ({n_sims},); got {estimates.shape}")
        per_sim = fn(np.full(n_sims, theta), estimates, reduction="none")
        risk[i] = per_sim.mean()
        se[i] = per_sim.std(ddof=1) / np.sqrt(n_sims) if n_sims > 1 else np.nan
    return RiskCurve(thetas, risk, se)


def shrinkage_risk(thetas, *, factor: float, n_obs: int = 10, scale: float = 1.0) -> np.ndarray:
    """Exact squared-error risk of δ(X) = factor · X̄ for Xⱼ = θ + scale·εⱼ (any noise of variance 1).

    R(θ) = factor² · scale²/n_obs (variance) + (1 − factor)² · θ² (squared bias). factor = 1 is the
    sample mean, whose risk scale²/n_obs does not depend on θ.
    """
    thetas = _vector(thetas, "thetas", "shrinkage_risk")
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not np.isfinite(factor):
        raise ValueError(f"shrinkage_risk: factor must be a finite number; got {factor!r}")
    n_obs = _positive_int(n_obs, "n_obs", "shrinkage_risk")
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"shrinkage_risk: scale must be a finite number > 0; got {scale!r}")
    return factor ** 2 * scale ** 2 / n_obs + (1.0 - factor) ** 2 * thetas ** 2
