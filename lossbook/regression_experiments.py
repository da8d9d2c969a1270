"""The experiments of the regression chapter as tested functions: contaminating training data,
the coverage of quantile prediction bands, heteroscedastic data, and Huber's efficiency.

Middle layer: uses `lossbook.losses`, `lossbook.models`, NumPy, SciPy and scikit-learn; must not
import matplotlib, `lossbook.plots*` or `lossbook.widgets`.

- `contamination_experiment`: shift a fraction of the training targets (or of one feature) and
  score every model on the clean test set, over several seeds (paired: same splits, same rows);
- `LinearHeteroscedastic`: data whose noise grows linearly with x, with exact conditional quantiles;
- `fit_quantile_band`, `band_coverage`, `refit_band_coverage`: quantile regression bands and their
  empirical coverage, overall and by slice of x, on one fit or on many refits;
- `huber_efficiency`: the asymptotic efficiency of Huber's location estimate at the normal.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from .losses import rmse
from .models import LossRegressor

__all__ = ["ContaminationResult", "contamination_experiment", "LinearHeteroscedastic", "fit_quantile_band",
           "Coverage", "band_coverage", "refit_band_coverage", "huber_efficiency"]

CORRUPTIONS = ("target", "feature")


def _number(value, name: str, owner: str, *, low=None, high=None, low_open=False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            bounds.append(f"< {high}")
        raise ValueError(f"{owner}: {name} must be a finite number{' ' + ' and '.join(bounds) if bounds else ''}; "
                         f"got {value!r}")
    return float(value)


def _seeds(seeds, owner: str) -> tuple[int, ...]:
    try:
        seeds = tuple(seeds)
    except TypeError:
        raise ValueError(f"{owner}: seeds must be an iterable of non-negative integers, e.g. range(10); "
                         f"got {seeds!r}") from None
    if not seeds or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise ValueError(f"{owner}: seeds must be a non-empty iterable of non-negative integers; got {seeds!r}")
    return tuple(int(s) for s in seeds)


# --------------------------------------------------------------------------------------------
# Contaminated training data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContaminationResult:
    """Test errors of each model (rows: seeds, columns: contaminated fractions)."""

    fractions: np.ndarray
    seeds: tuple[int, ...]
    errors: dict  # label -> array of shape (len(seeds), len(fractions))
    corrupt: str
    shift: float

    def mean(self) -> dict:
        """Mean test error over seeds, per model: label -> array over fractions."""
        return {label: e.mean(axis=0) for label, e in self.errors.items()}

    def std(self) -> dict:
        """Standard deviation of the test error over seeds, per model."""
        return {label: e.std(axis=0) for label, e in self.errors.items()}

    def paired_change(self, label: str, reference: str, *, fraction: float = 0.0) -> np.ndarray:
        """Per seed, the relative change error[label] / error[reference] - 1 at one fraction: a
        paired comparison (the same split and the same corrupted rows for both models)."""
        for name, value in (("label", label), ("reference", reference)):
            if value not in self.errors:
                raise ValueError(f"ContaminationResult.paired_change: {name} must be one of "
                                 f"{list(self.errors)}; got {value!r}")
        hits = np.flatnonzero(np.isclose(self.fractions, fraction, rtol=0, atol=1e-12))
        if hits.size == 0:
            raise ValueError(f"ContaminationResult.paired_change: fraction must be one of "
                             f"{self.fractions.tolist()}; got {fraction!r}")
        j = hits[0]
        return self.errors[label][:, j] / self.errors[reference][:, j] - 1.0

    def table(self, *, digits: int = 1) -> str:
        """The mean (standard deviation over seeds) of every model at every fraction, as text."""
        width = max(len(label) for label in self.errors) + 2
        lines = [f"{'p':>{width}s}" + "".join(f"{p:>13.2f}" for p in self.fractions)]
        for label, values in self.errors.items():
            cells = (f"{m:7.{digits}f} ({s:.{digits}f})" for m, s in zip(values.mean(0), values.std(0)))
            lines.append(f"{label:>{width}s}" + "".join(cells))
        return "\n".join(lines)


def contamination_experiment(X, y, models: dict, *, fractions=(0.0, 0.05, 0.10, 0.20), seeds=range(10),
                             shift: float = 5.0, corrupt: str = "target", feature: int | None = None,
                             test_size: float = 0.25,
                             metric: Callable = rmse) -> ContaminationResult:
    """Corrupt a fraction of the training data, fit every model, score it on the clean test set.

    For each seed: split ``(X, y)`` with ``train_test_split(test_size=..., random_state=seed)``,
    draw one random order of the training rows (``numpy.random.default_rng(seed).permutation``),
    and for each fraction p corrupt the first ``round(p · n_train)`` rows of that order, so the
    corrupted rows are nested (p = 0.05's rows are among p = 0.10's). ``corrupt="target"`` adds
    ``shift`` standard deviations of the training targets to those targets; ``corrupt="feature"``
    adds ``shift`` standard deviations of column ``feature`` to that column and leaves y alone.
    Every model (a fresh ``clone`` of each estimator in ``models``, ``{label: estimator}``) is fitted
    on the same corrupted data and scored by ``metric(y_test, prediction)`` (default RMSE) on the
    untouched test set.
    """
    owner = "contamination_experiment"
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"{owner}: X must be 2-D (n_samples, n_features) and y 1-D of the same length; "
                         f"got X {X.shape} and y {y.shape}")
    if not isinstance(models, dict) or not models:
        raise ValueError(f"{owner}: models must be a non-empty dict {{label: estimator}}; got {models!r}")
    for label, model in models.items():
        if not (hasattr(model, "fit") and hasattr(model, "predict")):
            raise ValueError(f"{owner}: models[{label!r}] must be an estimator with fit and predict; "
                             f"got {type(model).__name__}")
    fractions = np.asarray(list(fractions), dtype=float)
    if fractions.ndim != 1 or fractions.size == 0 or not np.all((fractions >= 0) & (fractions < 1)):
        raise ValueError(f"{owner}: fractions must be a non-empty list of numbers in [0, 1); "
                         f"got {fractions.tolist()}")
    seeds = _seeds(seeds, owner)
    shift = _number(shift, "shift", owner)
    if corrupt not in CORRUPTIONS:
        raise ValueError(f"{owner}: corrupt must be one of {CORRUPTIONS}; got {corrupt!r}")
    if corrupt == "feature":
        if isinstance(feature, bool) or not isinstance(feature, numbers.Integral) or not 0 <= feature < X.shape[1]:
            raise ValueError(f"{owner}: with corrupt='feature', feature must be a column index in "
                             f"[0, {X.shape[1]}); got {feature!r}")
    elif feature is not None:
        raise ValueError(f"{owner}: feature is only used with corrupt='feature'; got feature={feature!r} "
                         "with corrupt='target'")
    test_size = _number(test_size, "test_size", owner, low=0, high=1, low_open=True)
    if not callable(metric):
        raise ValueError(f"{owner}: metric must be a function metric(y_true, y_pred); got {metric!r}")

    errors = {label: np.empty((len(seeds), fractions.size)) for label in models}
    for i, seed in enumerate(seeds):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, random_state=seed)
        order = np.random.default_rng(seed).permutation(len(y_tr))   # which rows get corrupted
        for j, p in enumerate(fractions):
            rows = order[: round(p * len(y_tr))]
            X_bad, y_bad = X_tr, y_tr.copy()
            if corrupt == "target":
                y_bad[rows] += shift * y_tr.std()
            else:
                X_bad = X_tr.copy()
                X_bad[rows, feature] += shift * X_tr[:, feature].std()
            for label, model in models.items():
                errors[label][i, j] = metric(y_te, clone(model).fit(X_bad, y_bad).predict(X_te))
    return ContaminationResult(fractions, seeds, errors, corrupt, shift)


# --------------------------------------------------------------------------------------------
# Heteroscedastic data and quantile bands
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearHeteroscedastic:
    """y = intercept + slope·x + (noise_intercept + noise_slope·x)·ε, x ~ U(low, high), ε ~ N(0, 1).

    The noise standard deviation grows linearly with x, so every conditional quantile is a line:
    Q_q(y | x) = intercept + slope·x + (noise_intercept + noise_slope·x)·Φ⁻¹(q).
    """

    intercept: float = 2.0
    slope: float = 0.8
    noise_intercept: float = 0.3
    noise_slope: float = 0.25
    low: float = 0.0
    high: float = 10.0

    def __post_init__(self):
        owner = "LinearHeteroscedastic"
        for name in ("intercept", "slope", "noise_intercept", "noise_slope", "low", "high"):
            _number(getattr(self, name), name, owner)
        if not self.low < self.high:
            raise ValueError(f"{owner}: need low < high; got low={self.low}, high={self.high}")
        if min(self.noise_intercept + self.noise_slope * self.low,
               self.noise_intercept + self.noise_slope * self.high) <= 0:
            raise ValueError(f"{owner}: the noise standard deviation noise_intercept + noise_slope·x must be "
                             f"> 0 on [low, high]; got {self.noise_intercept} + {self.noise_slope}·x")

    def sample(self, n: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """n points (x, y), reproducibly from ``numpy.random.default_rng(seed)``."""
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"LinearHeteroscedastic.sample: n must be a positive integer; got {n!r}")
        rng = np.random.default_rng(seed)
        x = rng.uniform(self.low, self.high, size=n)
        noise = (self.noise_intercept + self.noise_slope * x) * rng.normal(size=n)
        return x, self.intercept + self.slope * x + noise

    def quantile(self, x, q: float) -> np.ndarray:
        """The exact conditional q-quantile of y at x."""
        q = _number(q, "q", "LinearHeteroscedastic.quantile", low=0, high=1, low_open=True)
        x = np.asarray(x, dtype=float)
        return self.intercept + self.slope * x + (self.noise_intercept + self.noise_slope * x) * stats.norm.ppf(q)


def fit_quantile_band(x, y, quantiles=(0.1, 0.5, 0.9)) -> dict:
    """Linear quantile regressions of y on one feature x: ``{q: fitted LossRegressor}`` (exact,
    by linear programming)."""
    X = np.asarray(x, dtype=float).reshape(-1, 1)
    qs = list(quantiles)
    if not qs:
        raise ValueError(f"fit_quantile_band: quantiles must be a non-empty list of numbers in (0, 1); got {qs}")
    for q in qs:
        _number(q, "each quantile", "fit_quantile_band", low=0, high=1, low_open=True)
    return {q: LossRegressor(loss="quantile", loss_params={"q": q}).fit(X, y) for q in qs}


@dataclass(frozen=True)
class Coverage:
    """Fraction of points inside a band, overall and in each slice of x (with the slice sizes)."""

    overall: float
    by_slice: np.ndarray
    counts: np.ndarray
    edges: tuple[float, ...]

    def z_scores(self, target: float) -> np.ndarray:
        """(coverage − target) / √(target·(1 − target)/count) in each slice: how many binomial
        standard errors of the held-out sample each slice is away from the target."""
        target = _number(target, "target", "Coverage.z_scores", low=0, high=1, low_open=True)
        return (self.by_slice - target) / np.sqrt(target * (1 - target) / self.counts)


def band_coverage(y, low, high, *, x=None, edges=()) -> Coverage:
    """Empirical coverage of the band [low, high]: the fraction of y inside it, overall and in the
    slices of x cut at ``edges`` (``numpy.digitize``; no edges: one slice)."""
    owner = "band_coverage"
    y, low, high = (np.asarray(a, dtype=float) for a in (y, low, high))
    if not (y.ndim == 1 and y.shape == low.shape == high.shape and y.size):
        raise ValueError(f"{owner}: y, low and high must be non-empty 1-D arrays of one length; "
                         f"got {y.shape}, {low.shape}, {high.shape}")
    edges = tuple(float(e) for e in edges)
    if list(edges) != sorted(edges):
        raise ValueError(f"{owner}: edges must be increasing; got {edges}")
    if edges and x is None:
        raise ValueError(f"{owner}: slicing by edges needs x")
    slices = np.zeros(y.size, int) if x is None else np.digitize(np.asarray(x, dtype=float), edges)
    if slices.shape != y.shape:
        raise ValueError(f"{owner}: x must have the length of y ({y.size}); got {np.shape(x)}")
    inside = (low <= y) & (y <= high)
    counts = np.bincount(slices, minlength=len(edges) + 1)
    if np.any(counts == 0):
        raise ValueError(f"{owner}: every slice needs at least one point; slice sizes {counts.tolist()}")
    by_slice = np.bincount(slices, weights=inside, minlength=len(edges) + 1) / counts
    return Coverage(float(inside.mean()), by_slice, counts, edges)


def refit_band_coverage(sample: Callable, x_new, y_new, *, seeds, quantiles=(0.1, 0.9), edges=()) -> np.ndarray:
    """Coverage by slice of the band between two fitted quantile lines, for one training set per
    seed, all scored on the same held-out ``(x_new, y_new)``: shape (len(seeds), len(edges) + 1).

    ``sample(seed)`` returns a training set ``(x, y)``. The spread over seeds is the estimation
    error of the band itself, which one fit and one held-out sample cannot show.
    """
    owner = "refit_band_coverage"
    if not callable(sample):
        raise ValueError(f"{owner}: sample must be a function seed -> (x, y); got {sample!r}")
    seeds = _seeds(seeds, owner)
    q_low, q_high = sorted(quantiles)
    rows = []
    for seed in seeds:
        band = fit_quantile_band(*sample(seed), quantiles=(q_low, q_high))
        X_new = np.asarray(x_new, dtype=float).reshape(-1, 1)
        cov = band_coverage(y_new, band[q_low].predict(X_new), band[q_high].predict(X_new), x=x_new, edges=edges)
        rows.append(cov.by_slice)
    return np.array(rows)


# --------------------------------------------------------------------------------------------
# Huber's estimator
# --------------------------------------------------------------------------------------------


def huber_efficiency(k: float) -> float:
    """Asymptotic efficiency, relative to the mean, of Huber's M-estimate of location with
    threshold k (in units of the noise scale) when the errors are standard normal.

    The asymptotic variance of an M-estimate with ψ = ℓ' is E ψ(Z)² / (E ψ'(Z))² (Huber 1964);
    for ψ(r) = clip(r, −k, k), E ψ' = 2Φ(k) − 1 and E ψ² = 2Φ(k) − 1 − 2kφ(k) + 2k²(1 − Φ(k))
    (computed as P(χ²₃ ≤ k²) + 2k²(1 − Φ(k)), which is the same without cancellation for small k).
    The mean has variance 1, so the efficiency is (E ψ')² / E ψ². It tends to 1 as k → ∞
    (least squares) and to 2/π as k → 0 (the median).
    """
    k = _number(k, "k", "huber_efficiency", low=0, low_open=True)
    inside = special.erf(k / np.sqrt(2.0))                       # 2Φ(k) − 1, accurate for small k
    # E[Z²; |Z| ≤ k] = 2Φ(k) − 1 − 2kφ(k) = P(χ²₃ ≤ k²): the chi-square form has no cancellation
    second_moment = special.gammainc(1.5, k * k / 2) + 2 * k * k * stats.norm.sf(k)
    return float(inside**2 / second_moment)
