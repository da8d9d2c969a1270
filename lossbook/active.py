"""Pool-based active learning: query strategies that score unlabelled points, and the simulated loop.

Middle layer: NumPy, SciPy and scikit-learn (with its threadpoolctl) only; must not import
lossbook.plots*, lossbook.widgets or modAL (broken with current scikit-learn and NumPy).

A *strategy* is a function ``strategy(estimator, X_pool, **context) -> scores``: given a fitted
classifier and the unlabelled points, one score per point, **higher = ask for its label first**.
The loop passes each strategy only the context keywords its signature names:

- ``rng``: a ``numpy.random.Generator`` (for `random`, `committee`, `expected_error_reduction`);
  the loop passes the generator seeded by its ``seed``. Called directly without it, a strategy
  uses ``default_rng(0)``: the same scores on every call, never an unseeded draw;
- ``X_labelled``, ``y_labelled``: the labelled set the estimator was fitted on (`committee` and
  `expected_error_reduction` refit on it, so they need it: without it they raise a ValueError).

So ``least_confidence(estimator, X_pool)`` is the whole signature of a simple strategy, and a
strategy of your own needs no more; every built-in strategy can be called as
``strategy(estimator, X_pool)`` (plus the labelled set for the two that refit), and
``functools.partial`` sets a strategy's hyper-parameters.

Runs are independent of each other, so `compare_strategies` and `class_discovery` (and
`expected_error_reduction` over many candidates) take ``n_jobs``: `run_in_processes` computes
that many at a time in forked worker processes, with the same numbers as one after the other.

References: uncertainty sampling (Lewis & Gale 1994), query by committee (Seung, Opper &
Sompolinsky 1992), expected error reduction (Roy & McCallum 2001), expected gradient length
(Settles, Craven & Ray 2008); survey: Settles (2009).
"""

from __future__ import annotations

import copy
import inspect
import multiprocessing
import sys
import warnings
from functools import partial
from typing import Callable, Iterator, NamedTuple

import numpy as np
from scipy.linalg import blas, cho_factor, cho_solve, lapack
from scipy.special import xlogy
from sklearn.base import ClassifierMixin, clone, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

__all__ = [
    "STRATEGIES", "random", "least_confidence", "margin", "entropy", "expected_error_reduction",
    "expected_gradient_length", "committee", "uncertainty", "vote_entropy", "call_strategy",
    "initial_indices", "select", "Round", "simulate", "history", "learning_curve", "pool_test_split",
    "CurveSet", "compare_strategies", "labels_to_reach", "Discovery", "class_discovery",
    "best_of_random_candidates", "run_in_processes",
]


_CONTROLLER: ThreadpoolController | None = None


def _single_threaded():
    """A context in which BLAS and OpenMP use one thread: the loop's many small fits and matrix
    products lose more to starting threads than they gain (and become erratic on a shared machine).
    The controller is built once, on first use: building one scans the loaded libraries (~1 ms)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1)


# --------------------------------------------------------------------------------------------
# Uncertainty of a probability vector (rows of predict_proba)
# --------------------------------------------------------------------------------------------


def _proba(estimator, X) -> np.ndarray:
    p = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"strategy: estimator.predict_proba must return an (n, classes) array; got shape {p.shape}")
    return p


def _least_confidence(p):
    # The model's own expected 0-1 loss when it predicts its most probable class.
    return 1.0 - p.max(axis=1)


def _entropy(p):
    # The model's own expected log loss: E_{y~p}[-log p_y] = H(p). xlogy(0, 0) = 0.
    return 0.0 - xlogy(p, p).sum(axis=1)    # 0.0 − …: no −0.0 for certain predictions


def _margin(p):
    if p.shape[1] < 2:
        return np.zeros(p.shape[0])
    top2 = -np.partition(-p, 1, axis=1)[:, :2]
    return top2[:, 1] - top2[:, 0]         # a small gap between the two best classes = high score (≤ 0)


_UNCERTAINTY = {"least_confidence": _least_confidence, "margin": _margin, "entropy": _entropy}


def uncertainty(proba, measure: str = "entropy") -> np.ndarray:
    """An uncertainty measure of each row of class probabilities ``proba`` (n, classes).

    ``measure``: ``"least_confidence"`` (1 − max p, the expected 0–1 loss under p),
    ``"margin"`` (−(p₍₁₎ − p₍₂₎)) or ``"entropy"`` (−Σ p log p, the expected log loss under p).
    """
    if measure not in _UNCERTAINTY:
        raise ValueError(f"uncertainty: measure must be one of {sorted(_UNCERTAINTY)}; got {measure!r}")
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"uncertainty: proba must be 2-D (samples, classes); got shape {p.shape}")
    return _UNCERTAINTY[measure](p)


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------


def _generator(rng, owner: str) -> np.random.Generator:
    """``rng`` as a Generator: itself, a seeded one for an integer, ``default_rng(0)`` for None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(0)   # deterministic: an unseeded default would not be
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"{owner}: rng must be a numpy Generator, a non-negative integer seed or None; got {rng!r}")


def random(estimator, X_pool, *, rng=None) -> np.ndarray:
    """Passive learning, the baseline: uniform random scores (the estimator is not consulted).

    ``rng`` is a ``numpy.random.Generator`` or a seed; the loop passes its own, so a run is
    reproducible from its seed. Without it (None), the generator ``default_rng(0)``.
    """
    return _generator(rng, "random").random(len(X_pool))


def least_confidence(estimator, X_pool) -> np.ndarray:
    """Uncertainty sampling by least confidence, 1 − max_c p(c|x) (Lewis & Gale 1994).

    Under the model's own belief this is the expected 0–1 loss of its prediction at x.
    """
    return _least_confidence(_proba(estimator, X_pool))


def margin(estimator, X_pool) -> np.ndarray:
    """Margin sampling: −(p₁ − p₂), minus the gap between the two most probable classes.

    The point closest to flipping the prediction between its two best classes comes first.
    """
    return _margin(_proba(estimator, X_pool))


def entropy(estimator, X_pool) -> np.ndarray:
    """Entropy sampling: H(p) = −Σ_c p(c|x) log p(c|x), in nats.

    Under the model's own belief this is the expected log loss (cross-entropy) at x.
    """
    return _entropy(_proba(estimator, X_pool))


def _linear_softmax(estimator, owner: str):
    """Weights (J, d) and intercepts (J,) of a fitted linear classifier; J = 1 for two classes."""
    coef = getattr(estimator, "coef_", None)
    if coef is None or not hasattr(estimator, "classes_"):
        raise ValueError(f"{owner}: estimator must be a fitted linear classifier with coef_ and classes_ "
                         f"(e.g. LogisticRegression); got {type(estimator).__name__}")
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.broadcast_to(np.asarray(getattr(estimator, "intercept_", 0.0), dtype=np.float64),
                                (coef.shape[0],))
    return coef, intercept


def _augment(X, fit_intercept: bool):
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([X, np.ones((X.shape[0], 1))]) if fit_intercept else X


def _proba_from_logits(Z):
    """Class probabilities from logits (..., J): J = 1 is sklearn's binary case (column = class 1)."""
    if Z.shape[-1] == 1:
        p1 = 0.5 * (1.0 + np.tanh(0.5 * Z[..., 0]))       # the sigmoid, without overflow
        return np.stack([1.0 - p1, p1], axis=-1)
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def _curvature(p, J: int):
    """∂²(log loss)/∂logits² for every row of p: diag(p) − ppᵀ, or p(1 − p) for one logit: (..., J, J)."""
    if J == 1:
        return (p[..., 1] * p[..., 0])[..., None, None]
    return p[..., :, None] * (np.eye(J) - p[..., None, :])


def _label_gradients(p, J: int):
    """∂(log loss)/∂logits if the point of row k of p (shape (..., K, K) or (..., 1, K)) gets
    label k: p − e_k for K logits, p₁ − [k = 1] for scikit-learn's single binary logit. (..., K, J)."""
    K = p.shape[-1]
    if J == 1:
        return (p[..., 1] - np.arange(K))[..., None]
    return p - np.eye(K)


def expected_gradient_length(estimator, X_pool) -> np.ndarray:
    """Expected gradient length (Settles, Craven & Ray 2008) for a linear softmax model.

    If x were labelled c, the log-loss gradient with respect to the parameters would be the outer
    product (p − e_c) x̃ᵀ (x̃ = x with a 1 appended for the intercept), of norm ‖p − e_c‖·‖x̃‖. The
    score is its expectation over the model's own predicted label distribution,
    Σ_c p(c|x) ‖p − e_c‖ ‖x̃‖. For two classes scikit-learn keeps a single logit, and the score is
    2 p(1 − p) ‖x̃‖. ``X_pool`` must be the features the linear model sees (for a Pipeline, the
    norm of the raw features is only an approximation).
    """
    p = _proba(estimator, X_pool)
    coef = getattr(estimator, "coef_", None)
    J = 1 if (coef is not None and np.shape(coef)[0] == 1 and p.shape[1] == 2) else p.shape[1]
    fit_intercept = bool(getattr(estimator, "fit_intercept", True))
    x_norm = np.linalg.norm(_augment(X_pool, fit_intercept), axis=1)
    g_norm = np.linalg.norm(_label_gradients(p[:, None, :], J), axis=2)   # ‖∂ℓ/∂z‖ for each label: (n, K)
    return (p * g_norm).sum(axis=1) * x_norm


def vote_entropy(votes, n_classes: int | None = None) -> np.ndarray:
    """Vote entropy of a committee: −Σ_c (V_c/M) log(V_c/M), V_c = members voting for class c.

    ``votes``: (M members, n points) array of predicted class indices 0..n_classes−1.
    """
    votes = np.asarray(votes)
    M = votes.shape[0]
    n_classes = int(votes.max()) + 1 if n_classes is None else n_classes
    counts = np.stack([(votes == c).sum(axis=0) for c in range(n_classes)], axis=1) / M
    return 0.0 - xlogy(counts, counts).sum(axis=1)


def _labelled_set(X_labelled, y_labelled, owner: str):
    if X_labelled is None or y_labelled is None:
        raise ValueError(f"{owner}: X_labelled and y_labelled must be given — the labelled set the estimator "
                         f"was fitted on, which this strategy refits on (the loop passes it); got "
                         f"X_labelled={'None' if X_labelled is None else 'an array'}, "
                         f"y_labelled={'None' if y_labelled is None else 'an array'}")
    X_labelled, y_labelled = np.asarray(X_labelled), np.asarray(y_labelled)
    if X_labelled.ndim != 2 or y_labelled.shape != (X_labelled.shape[0],):
        raise ValueError(f"{owner}: X_labelled must be 2-D and y_labelled 1-D with one label per row; got "
                         f"shapes {X_labelled.shape} and {y_labelled.shape}")
    return X_labelled, y_labelled


def committee(estimator, X_pool, *, X_labelled=None, y_labelled=None, rng=None, n_members: int = 3) -> np.ndarray:
    """Query by committee with vote entropy (Seung, Opper & Sompolinsky 1992).

    The committee is ``n_members`` copies of the fitted estimator, each refitted on a stratified
    bootstrap of the labelled set ``(X_labelled, y_labelled)`` (every class resampled with
    replacement, so every member sees every class). The point the members disagree about most
    scores highest. Costs ``n_members`` fits per query; with ``warm_start=True`` each starts from
    the estimator's solution. The labelled set is required (the loop passes it); ``rng`` defaults
    to ``default_rng(0)``.
    """
    if not isinstance(n_members, (int, np.integer)) or n_members < 2:
        raise ValueError(f"committee: n_members must be an integer >= 2; got {n_members!r}")
    X_labelled, y_labelled = _labelled_set(X_labelled, y_labelled, "committee")
    rng = _generator(rng, "committee")
    classes = np.unique(y_labelled)
    by_class = [np.flatnonzero(y_labelled == c) for c in classes]
    votes = np.empty((n_members, len(X_pool)), dtype=np.intp)
    with _single_threaded():          # small fits: threads only add overhead
        for m in range(n_members):
            boot = np.concatenate([rng.choice(idx, size=idx.size, replace=True) for idx in by_class])
            member = copy.deepcopy(estimator).fit(X_labelled[boot], y_labelled[boot])
            votes[m] = np.searchsorted(classes, member.predict(X_pool))
    return vote_entropy(votes, len(classes))


_EER_LOSSES = {"log": _entropy, "zero_one": _least_confidence}


def _parameters(estimator):
    """C, penalised?, fit_intercept, θ = [W b] (J, D) of a fitted LogisticRegression."""
    C = float(getattr(estimator, "C", 1.0))
    penalised = np.isfinite(C)
    fit_intercept = bool(getattr(estimator, "fit_intercept", True))
    coef, intercept = _linear_softmax(estimator, "expected_error_reduction")
    theta = np.hstack([coef, intercept[:, None]]) if fit_intercept else coef
    return (C if penalised else 1.0), penalised, fit_intercept, theta   # C = inf: no penalty, Σ log loss


def _inverse_hessian(estimator, X_labelled):
    """H⁻¹ of scikit-learn's objective C·Σ log loss + ½‖w‖² at the fitted parameters: (J·D, J·D)."""
    C, penalised, fit_intercept, theta = _parameters(estimator)
    J, D = theta.shape
    Xl = _augment(X_labelled, fit_intercept)
    n = Xl.shape[0]
    P = _proba_from_logits(Xl @ theta.T)[:, -J:]                                   # (n, J)
    # H = C Σ_i A_i ⊗ x̃_i x̃_iᵀ with A = diag(p) − ppᵀ: block (j, l) is
    # Xᵀdiag(p_j)X·[j = l] − (X∘p_j)ᵀ(X∘p_l), i.e. a block diagonal minus one Gram matrix.
    # Only the lower triangle is computed (dsyrk: half the work of WᵀW) and used (Cholesky, lower).
    W = (P[:, :, None] * Xl[:, None, :]).reshape(n, J * D)
    H = -blas.dsyrk(1.0, W, trans=1, lower=1) if J > 1 else np.zeros((D, D))
    for j in range(J):
        block = slice(j * D, (j + 1) * D)
        H[block, block] += (Xl * (P[:, j] if J > 1 else P[:, 0] * (1.0 - P[:, 0]))[:, None]).T @ Xl
    H *= C
    penalty = np.ones(D) if penalised else np.zeros(D)
    if fit_intercept:
        penalty[-1] = 0.0
    # The 1e-6 ridge only fixes flat directions (adding a constant to every class's intercept
    # changes no probability); the gradients have no component along them.
    H[np.diag_indices_from(H)] += np.tile(penalty, J) + 1e-6
    # H⁻¹ from its Cholesky factor: then H⁻¹U for every candidate costs one matrix product,
    # because U = I_J ⊗ x̃ only picks and combines columns of H⁻¹: column block l of U is x̃ in
    # the rows of class l, so (H⁻¹U)ᵀ is x̃ᵀ times row block l of the symmetric H⁻¹.
    # H is ours (Fortran-ordered, from dsyrk): factorise and invert it in place, no copies.
    factor, info = lapack.dpotrf(H, lower=1, clean=0, overwrite_a=1)
    if info == 0:
        Hinv, info = lapack.dpotri(factor, lower=1, overwrite_c=1)
    if info != 0:
        raise ValueError(f"expected_error_reduction: the Hessian is not positive definite (LAPACK info {info})")
    # dpotri fills the lower triangle only. The transpose of the symmetrised (Fortran-ordered)
    # result is the same matrix, C-ordered, which _label_updates reshapes without a copy.
    return _symmetrise_lower(Hinv).T


def _symmetrise_lower(A, tile: int = 64):
    """Copy the lower triangle of the square matrix A onto its upper triangle, in place; returns A.

    Tile by tile: copying whole rows at once reads and writes with a stride that misses the
    cache, and np.tril(A) + np.tril(A, −1).T builds three temporary matrices.
    """
    n = A.shape[0]
    for s in range(0, n, tile):
        e = min(s + tile, n)
        for i in range(s, e - 1):                 # the diagonal tile, row by row
            A[i, i + 1:e] = A[i + 1:e, i]
        A[s:e, e:] = A[e:, s:e].T                 # the tiles right of it: the transpose of those below
    return A


def _hessian_solver(estimator, X_labelled, method: str = "auto"):
    """A function ``hu(Xc)`` of augmented candidates Xc (m, D) that returns (H⁻¹U)ᵀ: (m, J, J·D),
    row (i, l) = H⁻¹ applied to e_l ⊗ x̃_i, H the Hessian of `_inverse_hessian`.

    Two exact ways to the same numbers (up to rounding), chosen by cost (``method="auto"``):

    - ``"direct"``: H⁻¹ from its Cholesky factor (`_inverse_hessian`), (J·D)³ work; best when the
      labelled set is large, and the only way for scikit-learn's single binary logit (J = 1);
    - ``"woodbury"``: H = M − C·WᵀW with M = C·blockdiag_j(X̃ᵀdiag(p_j)X̃) + penalty, block diagonal,
      and W = [p_1∘X̃ … p_J∘X̃] of rank n, the number of labels. The Woodbury identity
      H⁻¹ = M⁻¹ + M⁻¹Wᵀ G⁻¹ W M⁻¹ with G = I/C − W M⁻¹ Wᵀ (n × n, positive definite because H
      is) needs J inverses of D × D blocks and one n × n factorisation: far less work while the
      labelled set is small (n < J·D / 2), as it is in active learning.
    """
    C, penalised, fit_intercept, theta = _parameters(estimator)
    J, D = theta.shape
    Xl = _augment(X_labelled, fit_intercept)
    n = Xl.shape[0]
    if method == "auto":
        method = "woodbury" if J > 1 and 2 * n < J * D else "direct"
    if method == "direct" or J == 1:
        Hinv = _inverse_hessian(estimator, X_labelled)
        return lambda Xc: (Xc @ Hinv.reshape(J, D, J * D)).transpose(1, 0, 2)
    P = _proba_from_logits(Xl @ theta.T)                                           # (n, J)
    W = P.T[:, :, None] * Xl[None]                                                 # W_j = p_j ∘ X̃: (J, n, D)
    B = C * (W.transpose(0, 2, 1) @ Xl)                                            # blocks of M: (J, D, D)
    penalty = np.ones(D) if penalised else np.zeros(D)
    if fit_intercept:
        penalty[-1] = 0.0
    B[:, np.arange(D), np.arange(D)] += penalty + 1e-6                            # the ridge of _inverse_hessian
    Binv = np.linalg.inv(B)
    R = W @ Binv                                                                   # W M⁻¹, block by block
    R_all = R.transpose(1, 0, 2).reshape(n, J * D)
    G = np.eye(n) / C - R_all @ W.transpose(1, 0, 2).reshape(n, J * D).T
    try:
        factor = cho_factor(G, lower=True)
    except np.linalg.LinAlgError as error:
        raise ValueError(f"expected_error_reduction: the Hessian is not positive definite ({error})") from None

    def hu(Xc):
        m = Xc.shape[0]
        Q = (R @ Xc.T).transpose(1, 2, 0).reshape(n, m * J)                        # W M⁻¹U, columns (i, l)
        HU = (cho_solve(factor, Q).T @ R_all).reshape(m, J, J, D)                  # M⁻¹Wᵀ G⁻¹ W M⁻¹U
        HU[:, np.arange(J), np.arange(J), :] += (Binv @ Xc.T).transpose(2, 0, 1)   # + M⁻¹U: block l of row (i, l)
        return HU.reshape(m, J, J * D)

    return hu


def _label_updates(estimator, hu, x_candidates, n_iter: int = 8):
    """Parameter change after adding each candidate with each label: shape (m, K, J, D).

    scikit-learn's LogisticRegression minimises C·Σ log loss + ½‖w‖² (intercept unpenalised).
    Around its optimum θ the labelled part is replaced by its quadratic expansion ½ΔᵀHΔ (H: its
    Hessian); the new point's term C·ℓ(c, z_x + UᵀΔ) (U = I_J ⊗ x̃, z_x its logits) is kept
    exact. The minimiser lies in the span of H⁻¹U, Δ = −H⁻¹U w, and w (J numbers per candidate
    and label) minimises ½wᵀSw + C·ℓ(c, z_x − Sw), S = UᵀH⁻¹U: a tiny convex problem, solved
    by damped Newton. Its first step is the plain Newton step of the whole objective; the next
    ones follow the log loss's curvature, which matters for unlikely labels. One factorisation
    (``hu``, from `_hessian_solver`) serves every candidate and label; tests/test_active.py checks
    the result against refitting.
    """
    C, _, fit_intercept, theta = _parameters(estimator)
    J, D = theta.shape
    Xc = _augment(x_candidates, fit_intercept)                                     # (m, D)
    m = Xc.shape[0]
    HU = hu(Xc)                                                                    # (H⁻¹U)ᵀ: (m, J, J·D)
    S = np.einsum("md,mljd->mjl", Xc, HU.reshape(m, J, J, D))[:, None]             # UᵀH⁻¹U: (m, 1, J, J)
    z0 = (Xc @ theta.T)[:, None, :]                                                # (m, 1, J)
    K = 2 if J == 1 else J
    labels = np.broadcast_to(np.eye(K), (m, K, K))                                 # one-hot, per label copy

    def objective(w):                   # ½wᵀSw + C·ℓ(c, z0 − Sw), for every candidate and label
        Sw = (S @ w[..., None])[..., 0]
        z = z0 - Sw
        full = np.concatenate([np.zeros(z.shape[:-1] + (1,)), z], axis=-1) if J == 1 else z
        top = full.max(axis=-1, keepdims=True)
        loss = (top[..., 0] + np.log(np.exp(full - top).sum(axis=-1))) - (labels * full).sum(axis=-1)
        return 0.5 * np.einsum("mkj,mkj->mk", w, Sw) + C * loss, z

    # Minimise over w (Δ = −H⁻¹U w) by damped Newton: convex, so backtracking always succeeds.
    w = np.zeros((m, K, J))
    value, z = objective(w)
    for _ in range(n_iter):
        p = _proba_from_logits(z)
        r = w - C * _label_gradients(p, J)                   # ∇ = S r
        d = -np.linalg.solve(np.eye(J) + C * _curvature(p, J) @ S, r[..., None])[..., 0]
        slope = np.einsum("mkj,mkj->mk", (S @ r[..., None])[..., 0], d)
        t = np.ones((m, K))
        for _ in range(30):                                  # halve the step until Armijo holds
            step = t[..., None] * d
            trial = objective(w + step)
            bad = trial[0] > value + 1e-4 * t * slope + 1e-12 * (1.0 + np.abs(value))
            if not bad.any():
                break
            t = np.where(bad, t / 2, t)
        else:                           # still not accepted everywhere: take the last halving's step
            step = t[..., None] * d
            trial = objective(w + step)
        w = w + step
        value, z = trial                # the objective at the new w: the accepted trial
        if np.abs(step).max() < 1e-9:
            break
    return -(w @ HU).reshape(m, K, J, D)                                           # Δ = −H⁻¹U w


def expected_error_reduction(estimator, X_pool, *, X_labelled=None, y_labelled=None, rng=None, loss: str = "log",
                             n_candidates: int = 30, n_evaluation: int = 100,
                             update: str = "quadratic", n_jobs: int = 1) -> np.ndarray:
    """Expected error reduction (Roy & McCallum 2001): the label expected to lower the future loss most.

    For a candidate x and each label c the model could receive, retrain with (x, c) added and
    measure the expected loss on the pool under the retrained model's own belief — the entropy of
    its predictions for ``loss="log"``, 1 − max p for ``loss="zero_one"``; average over c with
    weights p(c|x). The score is the current pool loss minus that expectation (higher = better).

    Cost: exact retraining needs (candidates × classes) fits per query. Two things keep it fast:

    - **subsampling**: only ``n_candidates`` random pool points are scored (the rest get −inf,
      so keep ``n_candidates >= batch_size``), and the future loss is measured on
      ``n_evaluation`` random pool points;
    - ``update="quadratic"`` (default) replaces refitting by an update of the current
      parameters: the labelled part of the objective is replaced by its quadratic expansion at
      the optimum, the new point's log loss is kept exact (see `_label_updates`). It needs a
      converged L2-regularised ``LogisticRegression`` and costs one Cholesky factorisation of
      the (classes·features)² Hessian per query instead of candidates × classes fits. It is an
      approximation (tests/test_active.py checks it against refitting), weakest when the
      labelled set is tiny and one label moves the model far.
    - ``update="refit"`` copies and refits the estimator for every candidate and label (starting
      from its current solution when it has ``warm_start=True``): any classifier, exact, and slow.

    The labelled set ``(X_labelled, y_labelled)`` the estimator was fitted on is required (the
    loop passes it); ``rng`` (which subsamples) defaults to ``default_rng(0)``. ``n_jobs`` scores
    the candidates in that many processes at a time (`run_in_processes`) — in chunks of 64 for
    the quadratic update, one candidate at a time for refits — with the same scores as
    ``n_jobs=1``. Worth it for many candidates in one call; inside the loop of
    `compare_strategies` with ``n_jobs > 1`` the query is computed in turn.
    """
    owner = "expected_error_reduction"
    X_labelled, y_labelled = _labelled_set(X_labelled, y_labelled, owner)
    rng = _generator(rng, owner)
    if loss not in _EER_LOSSES:
        raise ValueError(f"{owner}: loss must be one of {sorted(_EER_LOSSES)}; got {loss!r}")
    if update not in ("quadratic", "refit"):
        raise ValueError(f"{owner}: update must be 'quadratic' or 'refit'; got {update!r}")
    for name, value in (("n_candidates", n_candidates), ("n_evaluation", n_evaluation)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{owner}: {name} must be a positive integer; got {value!r}")
    n_jobs = _check_n_jobs(n_jobs, owner)
    if update == "quadratic":
        if type(estimator).__name__ != "LogisticRegression":
            raise ValueError(f"{owner}: update='quadratic' needs a LogisticRegression; got "
                             f"{type(estimator).__name__} (use update='refit')")
        l1 = getattr(estimator, "l1_ratio", None)
        penalty = getattr(estimator, "penalty", "l2")
        if (l1 not in (None, 0, 0.0) or penalty not in ("l2", "deprecated", None)
                or getattr(estimator, "class_weight", None) is not None):
            raise ValueError(f"{owner}: update='quadratic' needs a plain L2 penalty and no class_weight; got "
                             f"penalty={penalty!r}, l1_ratio={l1!r}, class_weight="
                             f"{getattr(estimator, 'class_weight', None)!r} (use update='refit')")
    # Many small linear-algebra calls: threads cost more to start than they save.
    with _single_threaded():
        return _expected_error_reduction(estimator, X_pool, X_labelled, y_labelled, rng, loss, n_candidates,
                                         n_evaluation, update, n_jobs)


def _mean_loss_of_logits(Z, loss: str) -> np.ndarray:
    """The model's own expected loss (``"log"``: the entropy; ``"zero_one"``: 1 − max p) at every
    column of the logits ``Z`` (..., J, points), averaged over the points: shape (...).

    ``Z`` is overwritten. Classes run along the second-last axis, so every operation reads
    contiguous rows of points. J = 1 is scikit-learn's binary case, logit of class 1 against 0.
    """
    if Z.shape[-2] == 1:
        Z = np.concatenate([np.zeros_like(Z), Z], axis=-2)
    Z -= Z.max(axis=-2, keepdims=True)          # the largest logit is 0: no overflow, s ≥ 1 below
    E = np.exp(Z)
    s = E.sum(axis=-2)                          # p = E / s
    if loss == "log":
        u = np.log(s) - (E * Z).sum(axis=-2) / s    # H(p) = −Σ p log p = log s − Σ p z
    else:
        u = 1.0 - 1.0 / s                           # max p = e⁰ / s
    return u.mean(axis=-1)


def _expected_error_reduction(estimator, X_pool, X_labelled, y_labelled, rng, loss, n_candidates,
                              n_evaluation, update, n_jobs):
    X_pool = np.asarray(X_pool, dtype=np.float64)
    n = len(X_pool)
    candidates = np.sort(rng.choice(n, size=min(n_candidates, n), replace=False))
    evaluation = np.sort(rng.choice(n, size=min(n_evaluation, n), replace=False))
    future_loss = _EER_LOSSES[loss]
    Xe = X_pool[evaluation]
    p_now = _proba(estimator, X_pool[candidates])
    current = future_loss(_proba(estimator, Xe)).mean()

    if update == "quadratic":
        _, _, fit_intercept, theta = _parameters(estimator)
        hu = _hessian_solver(estimator, X_labelled)
        Xe_aug = _augment(Xe, fit_intercept)
        Zt = theta @ Xe_aug.T                                                           # logits: (J, e)

        def chunk(start):               # chunks of 64 candidates bound the (m, K, J, e) arrays
            step = _label_updates(estimator, hu, X_pool[candidates[start:start + 64]])     # (m, K, J, D)
            m, K, J, D = step.shape
            Z = (step.reshape(-1, D) @ Xe_aug.T).reshape(m, K, J, -1)                  # (m, K, J, e)
            Z += Zt
            return _mean_loss_of_logits(Z, loss)                                       # (m, K)

        parts = run_in_processes([partial(chunk, s) for s in range(0, len(candidates), 64)], n_jobs=n_jobs)
    else:
        Xl, yl = np.asarray(X_labelled), np.asarray(y_labelled)

        def candidate(i):
            after = np.zeros(p_now.shape[1])
            for k, c in enumerate(estimator.classes_):
                if p_now[i, k] == 0.0:
                    continue          # weight zero in the expectation: no need to refit
                # a copy of the fitted estimator: with warm_start=True the refit starts from the current
                # solution (a few iterations), otherwise it starts afresh, as a clone would
                model = copy.deepcopy(estimator).fit(np.vstack([Xl, X_pool[candidates[i]][None]]), np.append(yl, c))
                after[k] = future_loss(_proba(model, Xe)).mean()
            return after[None]

        parts = run_in_processes([partial(candidate, i) for i in range(len(candidates))], n_jobs=n_jobs)
    after = np.concatenate(parts) if parts else np.empty(p_now.shape)
    scores = np.full(n, -np.inf)
    scores[candidates] = current - (p_now * after).sum(axis=1)
    return scores


STRATEGIES: dict[str, Callable] = {
    "random": random,
    "least_confidence": least_confidence,
    "margin": margin,
    "entropy": entropy,
    "expected_error_reduction": expected_error_reduction,
    "expected_gradient_length": expected_gradient_length,
    "committee": committee,
}


# --------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------


def _resolve(strategy, owner: str) -> tuple[Callable, set[str] | None]:
    """The strategy function and the context keywords it accepts (None: all of them)."""
    if isinstance(strategy, str):
        if strategy not in STRATEGIES:
            raise ValueError(f"{owner}: strategy must be one of {sorted(STRATEGIES)} or a callable; "
                             f"got {strategy!r}")
        strategy = STRATEGIES[strategy]
    if not callable(strategy):
        raise ValueError(f"{owner}: strategy must be one of {sorted(STRATEGIES)} or a callable; "
                         f"got {strategy!r}")
    params = inspect.signature(strategy).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return strategy, None
    return strategy, {p.name for p in params}


def call_strategy(strategy, estimator, X_pool, **context) -> np.ndarray:
    """Scores of ``strategy`` (a name or a callable) on ``X_pool``, passing it only the context
    keywords (``rng``, ``X_labelled``, ``y_labelled``) its signature accepts — as the loop does."""
    fn, accepts = _resolve(strategy, "call_strategy")
    if accepts is not None:
        context = {k: v for k, v in context.items() if k in accepts}
    return np.asarray(fn(estimator, X_pool, **context), dtype=np.float64)


def _int(value, name: str, owner: str, low: int, high: int | None = None, why: str = "") -> int:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
        raise ValueError(f"{owner}: {name} must be {allowed}{why}; got {value!r}")
    return int(value)


def initial_indices(y_pool, n_initial: int, rng) -> np.ndarray:
    """``n_initial`` random pool indices covering as many classes as possible.

    One random point of every class first (of ``n_initial`` random classes if there are more
    classes than labels), then uniformly random points. A simulation convention — in a real
    project you would label random points until every class has appeared.
    """
    rng = np.random.default_rng(rng)
    y_pool = np.asarray(y_pool)
    classes = np.unique(y_pool)
    if n_initial < classes.size:
        classes = np.sort(rng.choice(classes, size=n_initial, replace=False))
    first = np.array([rng.choice(np.flatnonzero(y_pool == c)) for c in classes], dtype=np.intp)
    rest = np.setdiff1d(np.arange(y_pool.size), first)
    more = rng.choice(rest, size=n_initial - first.size, replace=False)
    return np.concatenate([rng.permutation(first), more]).astype(np.intp)


def select(scores, k: int, rng) -> np.ndarray:
    """Positions of the ``k`` highest scores, ties broken at random (not by position in the pool)."""
    scores = np.asarray(scores, dtype=np.float64)
    tiebreak = np.random.default_rng(rng).random(scores.size)
    return np.lexsort((tiebreak, -scores))[:k]


class Round(NamedTuple):
    """One round of the loop.

    ``labelled``: pool indices labelled so far, in labelling order; ``queried``: the batch just
    added (empty in round 0); ``estimator``: fitted on the labelled set; ``scores``: the
    strategy's score of every pool point when ``queried`` was chosen (NaN for points labelled
    before; all NaN in round 0).
    """

    labelled: np.ndarray
    queried: np.ndarray
    estimator: object
    scores: np.ndarray


def _check_xy(X, y, names, owner):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"{owner}: {names[0]} must be 2-D (samples, features); got shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"{owner}: {names[1]} must be 1-D with one label per row of {names[0]} "
                         f"({X.shape[0]}); got shape {y.shape}")
    return X, y


def simulate(strategy, X_pool, y_pool, *, estimator, n_initial: int = 10, batch_size: int = 10,
             budget: int = 200, seed: int = 0) -> Iterator[Round]:
    """The simulated labelling loop, one `Round` at a time; the oracle is ``y_pool``.

    Round 0 fits a clone of ``estimator`` on ``n_initial`` random labels (`initial_indices`);
    each later round scores the unlabelled points with ``strategy``, labels the ``batch_size``
    best (fewer in the last round, so that exactly ``budget`` labels are used) and refits the same
    clone, so a ``warm_start=True`` estimator starts from the previous solution (a fresh clone
    when a new class appears). The yielded estimator is refitted in the next round: use it
    before advancing. Arguments are checked at once, before the first round: ``n_initial`` must be
    at least 2 (the initial labels cover ``min(n_initial, classes)`` classes, and a classifier needs
    two), ``y_pool`` must hold at least two classes, and ``seed`` must be a non-negative integer or
    a ``numpy.random.Generator`` (None is refused: a run must be reproducible).
    """
    return _rounds(*_check_loop(strategy, X_pool, y_pool, estimator, n_initial, batch_size, budget, seed,
                                "simulate"))


def history(strategy, X_pool, y_pool, *, estimator, n_initial: int = 10, batch_size: int = 10,
            budget: int = 200, seed: int = 0) -> list[Round]:
    """Every `Round` of `simulate`, each with its own copy of the fitted estimator (for figures)."""
    return [r._replace(estimator=copy.deepcopy(r.estimator))
            for r in simulate(strategy, X_pool, y_pool, estimator=estimator, n_initial=n_initial,
                              batch_size=batch_size, budget=budget, seed=seed)]


def _check_seed(seed, owner: str):
    """A run is reproducible only from a seed: an integer >= 0 or a Generator (its current state)."""
    ok = isinstance(seed, np.random.Generator) or (
        isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0)
    if not ok:
        raise ValueError(f"{owner}: seed must be a non-negative integer or a numpy Generator (the run is "
                         f"deterministic for a seed); got {seed!r}")
    return seed


def _check_loop(strategy, X_pool, y_pool, estimator, n_initial, batch_size, budget, seed, owner):
    fn, _ = _resolve(strategy, owner)
    X_pool, y_pool = _check_xy(X_pool, y_pool, ("X_pool", "y_pool"), owner)
    n_pool = X_pool.shape[0]
    n_classes = np.unique(y_pool).size
    if n_classes < 2:
        raise ValueError(f"{owner}: y_pool must contain at least 2 classes (a classifier needs two); got "
                         f"{n_classes}")
    budget = _int(budget, "budget", owner, 2, n_pool, f" (the pool has {n_pool} points)")
    # The initial set covers min(n_initial, classes) classes, and a classifier needs two of them.
    n_initial = _int(n_initial, "n_initial", owner, 2, budget,
                     f" (at least 2, so that the initial labels cover two classes — the pool has "
                     f"{n_classes}; at most budget = {budget})")
    batch_size = _int(batch_size, "batch_size", owner, 1)
    seed = _check_seed(seed, owner)
    if estimator is None or not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
        raise ValueError(f"{owner}: estimator must be a scikit-learn classifier; got {estimator!r}")
    return fn, X_pool, y_pool, estimator, n_initial, batch_size, budget, owner, seed


def _rounds(fn, X_pool, y_pool, estimator, n_initial, batch_size, budget, owner, seed):
    rng = np.random.default_rng(seed)
    n_pool = X_pool.shape[0]
    model = clone(estimator)
    labelled = initial_indices(y_pool, n_initial, rng)
    queried = np.empty(0, dtype=np.intp)
    pool_scores = np.full(n_pool, np.nan)
    n_classes = None
    while True:
        seen = np.unique(y_pool[labelled]).size
        if n_classes is not None and seen != n_classes:
            model = clone(estimator)       # a new class: a warm start from fewer classes cannot work
        n_classes = seen
        # Small dense problems: BLAS/OpenMP threads cost more to start than they save (and make
        # timings erratic on a shared machine), so each round's work runs single-threaded.
        with _single_threaded():
            model.fit(X_pool[labelled], y_pool[labelled])
        yield Round(labelled.copy(), queried, model, pool_scores)
        if labelled.size >= budget:
            return
        unlabelled = np.setdiff1d(np.arange(n_pool), labelled)
        with _single_threaded():
            scores = call_strategy(fn, model, X_pool[unlabelled], rng=rng, X_labelled=X_pool[labelled],
                                   y_labelled=y_pool[labelled])
        if scores.shape != (unlabelled.size,) or np.isnan(scores).any():
            raise ValueError(f"{owner}: strategy {getattr(fn, '__name__', fn)!r} must return one "
                             f"non-NaN score per unlabelled point ({unlabelled.size}); got shape "
                             f"{scores.shape}{' with NaN' if scores.shape == (unlabelled.size,) else ''}")
        queried = unlabelled[select(scores, min(batch_size, budget - labelled.size), rng)]
        labelled = np.concatenate([labelled, queried])
        pool_scores = np.full(n_pool, np.nan)
        pool_scores[unlabelled] = scores


def learning_curve(strategy, X_pool, y_pool, X_test, y_test, *, estimator, n_initial: int = 10,
                   batch_size: int = 10, budget: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Run the simulated loop and score on the held-out test set after every batch.

    Returns ``(n_labels, scores)``: ``scores[i]`` is ``estimator.score(X_test, y_test)``
    (accuracy, for a classifier) of the model fitted on ``n_labels[i]`` labels; ``n_labels`` runs
    from ``n_initial`` to ``budget`` (which counts the initial labels) in steps of
    ``batch_size``. ``strategy`` is a name in `STRATEGIES` or a callable (see the module
    docstring). Deterministic for a given ``seed`` (an integer, or a Generator in a given state;
    None is refused); ``estimator`` is cloned, never modified. ``n_initial >= 2``: see `simulate`.
    """
    return _curve_task(strategy, X_pool, y_pool, X_test, y_test, estimator=estimator, n_initial=n_initial,
                       batch_size=batch_size, budget=budget, seed=seed, owner="learning_curve")()


def _curve_task(strategy, X_pool, y_pool, X_test, y_test, *, estimator, n_initial: int = 10,
                batch_size: int = 10, budget: int = 200, seed: int = 0, owner: str, classes: bool = False):
    """One learning curve with its arguments checked now: a function of no arguments that runs it
    and returns ``(n_labels, scores)`` — and the number of distinct classes labelled after every
    round as a third array if ``classes``."""
    loop = _check_loop(strategy, X_pool, y_pool, estimator, n_initial, batch_size, budget, seed, owner)
    X_test, y_test = _check_xy(X_test, y_test, ("X_test", "y_test"), owner)
    score = _scorer(estimator)
    y_pool = loop[2]

    def run():
        n_labels, scores, found = [], [], []
        for r in _rounds(*loop):
            n_labels.append(r.labelled.size)
            scores.append(score(r.estimator, X_test, y_test))   # before the next round refits it
            if classes:
                found.append(np.unique(y_pool[r.labelled]).size)
        out = (np.array(n_labels), np.array(scores, dtype=np.float64))
        return out + (np.array(found, dtype=np.float64),) if classes else out

    return run


def _scorer(estimator):
    """``estimator.score``; for a classifier with the standard score (accuracy) computed directly,
    which skips scikit-learn's checks of the (already checked) test labels — a large share of the
    cost of scoring a small model, and the same number."""
    if is_classifier(estimator) and type(estimator).score is ClassifierMixin.score:
        return lambda model, X, y: float(np.mean(model.predict(X) == y))
    return lambda model, X, y: float(model.score(X, y))


def pool_test_split(X, y, *, test_size, seed: int = 0):
    """``X_pool, X_test, y_pool, y_test``: a stratified held-out test set, features standardised.

    The scaler is fitted on the pool's inputs — unlabelled inputs are free in active learning;
    only their labels cost — and applied to both parts. Standardised features also let
    LogisticRegression's solver converge without warnings.
    """
    X_pool, X_test, y_pool, y_test = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_pool)
    return scaler.transform(X_pool), scaler.transform(X_test), y_pool, y_test


class CurveSet(NamedTuple):
    """Learning curves of one strategy over several seeds: ``scores`` has one row per seed."""

    n_labels: np.ndarray
    scores: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return self.scores.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        return self.scores.std(axis=0)


def compare_strategies(strategies, X_pool, y_pool, X_test, y_test, *, estimator, seeds=range(5), n_jobs: int = 1,
                       **loop) -> dict[str, CurveSet]:
    """`learning_curve` for every strategy and seed: ``{label: CurveSet}``.

    ``strategies`` is a list of names or a dict ``{label: name or callable}``; ``loop`` passes
    ``n_initial``, ``batch_size`` and ``budget`` on. Every strategy sees the same seeds, hence
    the same initial labelled sets. ``n_jobs`` runs that many curves at a time, each in its own
    process (see `run_in_processes`): the same curves as ``n_jobs=1``, sooner on several cores.
    """
    owner = "compare_strategies"
    strategies, seeds = _strategies_and_seeds(strategies, seeds, owner)
    n_jobs = _check_n_jobs(n_jobs, owner)
    tasks = [_curve_task(strategy, X_pool, y_pool, X_test, y_test, estimator=estimator, seed=s, owner=owner, **loop)
             for strategy in strategies.values() for s in seeds]
    runs = iter(run_in_processes(tasks, n_jobs=n_jobs, sequential=_any_generator(seeds)))
    out = {}
    for label in strategies:
        mine = [next(runs) for _ in seeds]
        out[label] = CurveSet(mine[0][0], np.vstack([r[1] for r in mine]))
    return out


def _strategies_and_seeds(strategies, seeds, owner):
    if not isinstance(strategies, dict):
        strategies = {s: s for s in strategies}
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"{owner}: seeds must not be empty; got []")
    return strategies, seeds


def _any_generator(seeds) -> bool:
    """A Generator seed is advanced by its run: runs that share one must take their turns."""
    return any(isinstance(s, np.random.Generator) for s in seeds)


# The work of the running `run_in_processes`: its forked workers inherit it, so the tasks are
# never pickled (any callable will do: a lambda, a closure); only their results travel back.
_WORK: list | None = None
_IN_WORKER = False


def _run_one(i: int):
    global _IN_WORKER
    _IN_WORKER = True                    # a worker runs its own calls of run_in_processes in turn
    with warnings.catch_warnings(record=True) as caught, _single_threaded():
        result = _WORK[i]()
    return result, [(w.message, w.category, w.filename, w.lineno) for w in caught]


def _check_n_jobs(n_jobs, owner: str) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise ValueError(f"{owner}: n_jobs must be a positive integer (processes at a time); got {n_jobs!r}")
    return int(n_jobs)


def run_in_processes(tasks, *, n_jobs: int = 1, sequential: bool = False) -> list:
    """``[task() for task in tasks]``, computed by up to ``n_jobs`` worker processes at a time.

    The workers are forked from this process, so they start at once with everything already
    imported and computed (nothing is pickled but the results), and each runs its tasks with
    one BLAS/OpenMP thread. The results come back in the order of ``tasks`` and are the same
    numbers as a run in turn, provided every task is deterministic on its own (as a seeded
    learning curve is). Warnings raised in a worker are raised again here; so is an exception.

    The tasks run here, one after the other, when ``n_jobs`` is 1, when there is one task, when
    ``sequential`` is true, inside a worker, or where forking is not safe (anywhere but Linux).
    """
    tasks = list(tasks)
    n_jobs = min(_check_n_jobs(n_jobs, "run_in_processes"), len(tasks))
    if n_jobs <= 1 or sequential or _IN_WORKER or not sys.platform.startswith("linux"):
        return [task() for task in tasks]
    global _WORK
    if _WORK is not None:
        raise RuntimeError("run_in_processes: already running (from another thread)")
    _WORK = tasks
    try:
        with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
            done = pool.map(_run_one, range(len(tasks)), chunksize=1)
    finally:
        _WORK = None
    for _, caught in done:
        for message, category, filename, lineno in caught:
            warnings.warn_explicit(message, category, filename, lineno)
    return [result for result, _ in done]


def labels_to_reach(n_labels, scores, target: float) -> float:
    """The smallest number of labels at which ``scores`` reaches ``target`` (NaN if it never does)."""
    n_labels, scores = np.asarray(n_labels), np.asarray(scores)
    hit = np.flatnonzero(scores >= target)
    return float(n_labels[hit[0]]) if hit.size else float("nan")


class Discovery(NamedTuple):
    """Per strategy, over seeds: the test accuracy and the number of distinct classes among the
    labels after every round (two `CurveSet` with the same ``n_labels``)."""

    accuracy: CurveSet
    classes: CurveSet


def class_discovery(strategies, X_pool, y_pool, X_test, y_test, *, estimator, seeds=range(5), n_jobs: int = 1,
                    **loop) -> dict[str, Discovery]:
    """`compare_strategies` that also counts how many classes the labelled set has found.

    For a cold start — fewer initial labels than classes — the accuracy alone hides why a strategy
    lags: it has not asked about some classes yet. ``{label: Discovery(accuracy, classes)}``;
    ``strategies``, ``seeds``, ``n_jobs`` and ``loop`` as in `compare_strategies`.
    """
    owner = "class_discovery"
    strategies, seeds = _strategies_and_seeds(strategies, seeds, owner)
    n_jobs = _check_n_jobs(n_jobs, owner)
    tasks = [_curve_task(strategy, X_pool, y_pool, X_test, y_test, estimator=estimator, seed=s, owner=owner,
                         classes=True, **loop)
             for strategy in strategies.values() for s in seeds]
    runs = iter(run_in_processes(tasks, n_jobs=n_jobs, sequential=_any_generator(seeds)))
    out = {}
    for label in strategies:
        mine = [next(runs) for _ in seeds]
        n_labels = mine[0][0]
        out[label] = Discovery(CurveSet(n_labels, np.vstack([r[1] for r in mine])),
                               CurveSet(n_labels, np.vstack([r[2] for r in mine])))
    return out


def best_of_random_candidates(scores, sizes, *, n_draws: int = 200, seed: int = 0) -> np.ndarray:
    """What scoring only m random candidates keeps of the best score in the whole pool.

    For each m in ``sizes``: the best of ``scores`` among m candidates drawn without replacement,
    averaged over ``n_draws`` draws, divided by the best score overall (1 = the pool's best
    point). ``scores`` are the scores of every pool point (e.g. expected error reduction with
    ``n_candidates`` = the pool size) and their maximum must be positive. One generator, seeded
    by ``seed``, serves all sizes in turn.
    """
    owner = "best_of_random_candidates"
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1 or scores.size == 0 or not np.all(np.isfinite(scores)):
        raise ValueError(f"{owner}: scores must be a non-empty 1-D array of finite numbers; got shape "
                         f"{scores.shape}{'' if np.all(np.isfinite(scores)) else ' with NaN or inf'}")
    best = scores.max()
    if not best > 0:
        raise ValueError(f"{owner}: the largest score must be positive (it is the denominator); got {best!r}")
    n_draws = _int(n_draws, "n_draws", owner, 1)
    rng = np.random.default_rng(_check_seed(seed, owner))
    sizes = [_int(m, "sizes[i]", owner, 1, scores.size, f" (the pool has {scores.size} points)") for m in sizes]
    return np.array([np.mean([scores[rng.choice(scores.size, m, replace=False)].max() for _ in range(n_draws)]) / best
                     for m in sizes])
