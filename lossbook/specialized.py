"""Training loops and measurements for the specialised-losses chapters: linear embeddings learned with
the contrastive or triplet loss (with negative mining), pairwise ranking with the margin ranking loss,
softmax students distilled from a teacher, focal-loss bookkeeping, cost-sensitive thresholds and
coefficient paths of penalised logistic regression.

Middle layer: imports `lossbook.losses` and `lossbook.models` only; must not import `plots`,
`widgets` or anything from a notebook. Every gradient comes from the losses' own ``.gradient``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .losses import REGISTRY, softmax
from .losses._core import as_float_array, check_ndim, check_same_length
from .models import LossClassifier, linear_objective

__all__ = [
    "MINING", "EmbeddingFit", "mine_triplets", "fit_linear_embedding",
    "sample_preference_pairs", "fit_pairwise_ranker", "RankerFit",
    "soften", "SoftmaxModel", "fit_softmax_student",
    "focal_loss_shares", "ImbalanceComparison", "cross_validate_imbalanced",
    "bayes_threshold", "expected_cost", "coefficient_paths", "CoefficientPath", "optimality_violation",
]

MINING = ("random", "semi-hard", "hard")


# ---------------------------------------------------------------------------------------------
# Checking arguments: ValueError naming the parameter, what is allowed and what was received
# ---------------------------------------------------------------------------------------------


def _positive(value, name: str, owner: str, *, allow_zero: bool = False, allow_none: bool = False):
    if value is None and allow_none:
        return None
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real) and np.isfinite(value)
          and (value >= 0 if allow_zero else value > 0))
    if not ok:
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be a finite number {allowed}"
                         f"{' or None' if allow_none else ''}; got {value!r}")
    return float(value)


def _count(value, name: str, owner: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _choice(value, name: str, owner: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{owner}: {name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def _features_and_labels(X, labels, owner: str, *, name: str = "X", label_name: str = "labels"):
    X = as_float_array(X, name, owner)
    check_ndim(X, name, owner, 2, "One row per sample, one column per feature.")
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{owner}: {label_name} must be 1-D, one per row of {name}; got shape {labels.shape}")
    check_same_length({name: X, label_name: labels}, owner)
    return X, labels


# ---------------------------------------------------------------------------------------------
# Linear embeddings with the contrastive and triplet losses
# ---------------------------------------------------------------------------------------------


def _pairwise_distances(Z: np.ndarray) -> np.ndarray:
    sq = np.einsum("ij,ij->i", Z, Z)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * Z @ Z.T, 0.0))


def _random_member(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each row, the column of a uniformly random True entry (any column if the row has none)."""
    keys = np.where(mask, rng.random(mask.shape), -1.0)
    return keys.argmax(axis=1)


def mine_triplets(Z, labels, *, margin: float = 1.0, strategy: str = "semi-hard", random_state=0):
    """Triplets (anchor, positive, negative) of row indices, chosen from embeddings `Z`.

    Every row with another row of its label is an anchor; its positive is a random row of the same
    label. The negative (a row of another label) is chosen by `strategy`:

    - ``"random"``: any row of another label;
    - ``"hard"``: the closest row of another label (the largest loss, but prone to noisy labels and
      to collapsing every embedding onto one point);
    - ``"semi-hard"`` (FaceNet): the closest negative that is *farther* than the positive,
      d(a, p) < d(a, n) — still inside the margin if the triplet has a loss, but never a negative
      that is already closer than the positive. Anchors without such a negative get a random one.

    Returns three integer arrays of equal length.
    """
    owner = "mine_triplets"
    Z, labels = _features_and_labels(Z, labels, owner, name="Z")
    _positive(margin, "margin", owner, allow_zero=True)
    _choice(strategy, "strategy", owner, MINING)
    rng = np.random.default_rng(random_state)
    same = labels[:, None] == labels[None, :]
    positive_mask = same & ~np.eye(len(labels), dtype=bool)
    anchors = np.flatnonzero(positive_mask.any(axis=1) & (~same).any(axis=1))
    if anchors.size == 0:
        raise ValueError(f"{owner}: labels must give some row both another row of its label and a row of "
                         f"another label; got {np.unique(labels).size} label(s) over {len(labels)} rows")
    positive_mask, negative_mask = positive_mask[anchors], ~same[anchors]
    positives = _random_member(positive_mask, rng)
    if strategy == "random":
        return anchors, positives, _random_member(negative_mask, rng)
    D = _pairwise_distances(Z)[anchors]
    if strategy == "hard":
        return anchors, positives, np.where(negative_mask, D, np.inf).argmin(axis=1)
    d_ap = D[np.arange(anchors.size), positives]
    farther = negative_mask & (D > d_ap[:, None])
    semi_hard = np.where(farther, D, np.inf).argmin(axis=1)
    fallback = _random_member(negative_mask, rng)
    return anchors, positives, np.where(farther.any(axis=1), semi_hard, fallback)


@dataclass(frozen=True)
class EmbeddingFit:
    """A linear embedding z = x·W and its training history.

    ``W`` has shape (n_features, n_components); ``losses`` is the mean loss of the mined
    triplets (or pairs) at each step, before the update; ``active`` the share of them whose loss
    is not zero — the ones that still move W.
    """

    W: np.ndarray
    losses: np.ndarray
    active: np.ndarray

    def transform(self, X) -> np.ndarray:
        """The embeddings x·W of the rows of X."""
        return np.asarray(X, dtype=np.float64) @ self.W


def _embedding_step(loss_name, Xb, Zb, a, p, n, margin):
    """Mean loss, share of active terms and the gradient with respect to W, by the chain rule."""
    loss = REGISTRY[loss_name]
    if loss_name == "triplet":
        values = loss(Zb[a], Zb[p], Zb[n], reduction="none", margin=margin)
        ga, gp, gn = loss.gradient(Zb[a], Zb[p], Zb[n], margin=margin)
        grad = Xb[a].T @ ga + Xb[p].T @ gp + Xb[n].T @ gn
        count = a.size
    else:  # contrastive: the (anchor, positive) pairs are similar, the (anchor, negative) dissimilar
        first, second = np.concatenate([a, a]), np.concatenate([p, n])
        same = np.concatenate([np.ones(a.size), np.zeros(a.size)])
        values = loss(Zb[first], Zb[second], same, reduction="none", margin=margin)
        g1, g2 = loss.gradient(Zb[first], Zb[second], same, margin=margin)
        grad = Xb[first].T @ g1 + Xb[second].T @ g2
        count = first.size
    return float(values.mean()), float(np.mean(values > 0)), grad / count


def fit_linear_embedding(X, labels, *, loss: str = "triplet", n_components: int = 2, margin: float = 1.0,
                         mining: str = "semi-hard", max_norm: float | None = 3.0, n_steps: int = 200,
                         batch_size: int = 200, learning_rate: float = 0.05, W0=None,
                         random_state=0) -> EmbeddingFit:
    r"""Learn a linear map z = x·W by mini-batch projected gradient descent on a similarity loss.

    At each step a random batch of ``batch_size`` rows is embedded, triplets are mined in it
    (:func:`mine_triplets`) and the loss's own ``.gradient`` with respect to the embeddings is
    pulled back to W by the chain rule: ∂L/∂W = Σ xᵢᵀ ∂L/∂zᵢ. ``loss="triplet"`` uses the
    triplets; ``loss="contrastive"`` turns each triplet into a similar pair (anchor, positive) and
    a dissimilar pair (anchor, negative).

    Scaling W scales every distance, so without a constraint the margin could be met by inflating
    W. After each step W is therefore projected onto the ball ‖W‖_F ≤ ``max_norm`` (``None``: no
    constraint); the margin is then measured against a fixed scale. ``W0`` defaults to a random
    Gaussian matrix of norm ``max_norm`` (or 1).
    """
    owner = "fit_linear_embedding"
    X, labels = _features_and_labels(X, labels, owner)
    _choice(loss, "loss", owner, ("triplet", "contrastive"))
    _choice(mining, "mining", owner, MINING)
    k = _count(n_components, "n_components", owner)
    margin = _positive(margin, "margin", owner, allow_zero=True)
    max_norm = _positive(max_norm, "max_norm", owner, allow_none=True)
    n_steps = _count(n_steps, "n_steps", owner, minimum=0)
    batch_size = _count(batch_size, "batch_size", owner, minimum=3)
    learning_rate = _positive(learning_rate, "learning_rate", owner)
    rng = np.random.default_rng(random_state)
    d = X.shape[1]
    if W0 is None:
        W = rng.normal(size=(d, k))
        W *= (max_norm or 1.0) / np.linalg.norm(W)
    else:
        W = as_float_array(W0, "W0", owner).copy()
        if W.shape != (d, k):
            raise ValueError(f"{owner}: W0 must have shape ({d}, {k}) (n_features, n_components); got {W.shape}")

    losses, active = np.empty(n_steps), np.empty(n_steps)
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only add overhead
        for step in range(n_steps):
            batch = rng.choice(len(X), size=min(batch_size, len(X)), replace=False)
            Xb = X[batch]
            Zb = Xb @ W
            a, p, n = mine_triplets(Zb, labels[batch], margin=margin, strategy=mining, random_state=rng)
            losses[step], active[step], grad = _embedding_step(loss, Xb, Zb, a, p, n, margin)
            W = W - learning_rate * grad
            if max_norm is not None:
                W *= min(1.0, max_norm / max(np.linalg.norm(W), 1e-300))
    return EmbeddingFit(W, losses, active)


# ---------------------------------------------------------------------------------------------
# Ranking from pairwise preferences with the margin ranking loss
# ---------------------------------------------------------------------------------------------


def sample_preference_pairs(targets, *, n_pairs: int, random_state=0):
    """Random pairs (i, j) of items with different targets and the preference y = sign(tᵢ − tⱼ).

    Returns ``(i, j, y)``; y = 1 means item i should be ranked above item j. Only the order of the
    targets is used, never their values: this is what a learner of pairwise preferences sees.
    """
    owner = "sample_preference_pairs"
    t = as_float_array(targets, "targets", owner)
    check_ndim(t, "targets", owner, 1)
    n_pairs = _count(n_pairs, "n_pairs", owner)
    if np.unique(t).size < 2:
        raise ValueError(f"{owner}: targets must contain at least two different values; got all {t[0]!r}")
    rng = np.random.default_rng(random_state)
    i, j = np.empty(0, dtype=int), np.empty(0, dtype=int)
    while i.size < n_pairs:  # draw, drop ties, repeat until there are enough
        a, b = rng.integers(len(t), size=(2, 2 * n_pairs))
        keep = t[a] != t[b]
        i, j = np.concatenate([i, a[keep]]), np.concatenate([j, b[keep]])
    i, j = i[:n_pairs], j[:n_pairs]
    return i, j, np.sign(t[i] - t[j])


@dataclass(frozen=True)
class RankerFit:
    """A linear scoring function s(x) = x·w learned from preferences, and its objective per step."""

    w: np.ndarray
    objective: np.ndarray

    def score(self, X) -> np.ndarray:
        return np.asarray(X, dtype=np.float64) @ self.w


def fit_pairwise_ranker(X, i, j, y, *, margin: float = 1.0, alpha: float = 1e-3, n_steps: int = 300,
                        learning_rate: float = 0.5) -> RankerFit:
    r"""Learn scores s = Xw from preferences with the margin ranking loss, by subgradient descent.

    Minimises (1/m) Σ max(0, −y_k (s_{i_k} − s_{j_k}) + margin) + (α/2)‖w‖² over w (there is no
    intercept: a common shift of all scores changes no preference). The subgradient with respect
    to the scores comes from ``margin_ranking.gradient`` and reaches w by the chain rule
    ∂/∂w = X_iᵀ g₁ + X_jᵀ g₂. The step size decreases as learning_rate/√(t+1), which a
    non-smooth convex objective needs to converge. With margin 1 the loss of a pair is the hinge
    loss of the difference vector x_i − x_j with label y: ranking reduces to classifying
    differences (RankSVM).
    """
    owner = "fit_pairwise_ranker"
    X = as_float_array(X, "X", owner)
    check_ndim(X, "X", owner, 2)
    i, j = np.asarray(i), np.asarray(j)
    y = as_float_array(y, "y", owner)
    check_same_length({"i": i, "j": j, "y": y}, owner)
    for name, idx in (("i", i), ("j", j)):
        if idx.ndim != 1 or idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= len(X):
            raise ValueError(f"{owner}: {name} must be 1-D integer row indices of X in 0..{len(X) - 1}; "
                             f"got dtype {idx.dtype} and range {idx.min()}..{idx.max()}")
    margin = _positive(margin, "margin", owner, allow_zero=True)
    alpha = _positive(alpha, "alpha", owner, allow_zero=True)
    n_steps = _count(n_steps, "n_steps", owner, minimum=0)
    learning_rate = _positive(learning_rate, "learning_rate", owner)
    loss = REGISTRY["margin_ranking"]
    Xi, Xj = X[i], X[j]
    w = np.zeros(X.shape[1])
    objective = np.empty(n_steps)
    for step in range(n_steps):
        s1, s2 = Xi @ w, Xj @ w
        objective[step] = loss(s1, s2, y, margin=margin) + 0.5 * alpha * w @ w
        g1, g2 = loss.gradient(s1, s2, y, margin=margin)
        grad = (Xi.T @ g1 + Xj.T @ g2) / y.size + alpha * w
        w = w - learning_rate / np.sqrt(step + 1.0) * grad
    return RankerFit(w, objective)


# ---------------------------------------------------------------------------------------------
# Distillation: temperature-softened targets and a softmax-regression student
# ---------------------------------------------------------------------------------------------


def soften(logits, temperature: float = 1.0) -> np.ndarray:
    """softmax(z / T) row by row: T = 1 is the usual softmax, T > 1 spreads the probability mass.

    Log-probabilities are valid logits (softmax(log p) = p), so a teacher that only offers
    ``predict_proba`` is softened with ``soften(np.log(p), T)`` — that is p^{1/T}, renormalised.
    """
    owner = "soften"
    z = as_float_array(logits, "logits", owner)
    check_ndim(z, "logits", owner, 2, "One row of class logits per sample.")
    T = _positive(temperature, "temperature", owner)
    return softmax(z / T, axis=1)


@dataclass(frozen=True)
class SoftmaxModel:
    """A linear softmax classifier: logits z = x·W + b."""

    W: np.ndarray
    b: np.ndarray
    n_iter: int

    def logits(self, X) -> np.ndarray:
        return np.asarray(X, dtype=np.float64) @ self.W + self.b

    def predict_proba(self, X, *, temperature: float = 1.0) -> np.ndarray:
        return soften(self.logits(X), temperature)

    def predict(self, X) -> np.ndarray:
        return self.logits(X).argmax(axis=1)


def fit_softmax_student(X, *, soft_targets=None, labels=None, temperature: float = 1.0,
                        soft_weight: float = 1.0, alpha: float = 1e-3, max_iter: int = 500) -> SoftmaxModel:
    r"""Fit a linear softmax student by L-BFGS on hard labels, softened targets, or a mix.

    With student logits z = xW + b, teacher targets q (rows of ``soft_targets``, already softened at
    ``temperature``, e.g. by :func:`soften`) and integer ``labels``, the objective is

    .. math:: J = \lambda\,T^2\,\overline{H(q, \operatorname{softmax}(z/T))}
              + (1-\lambda)\,\overline{H(y, \operatorname{softmax}(z))} + \tfrac{\alpha}{2}\lVert W\rVert^2

    with λ = ``soft_weight`` (1: soft targets only, 0: labels only; the unused input may be None).
    The cross-entropies and their gradients come from ``categorical_cross_entropy_with_logits``. For
    T large compared with the spread of the logits the soft term's gradient shrinks like 1/T²; the
    factor T² keeps it roughly constant there, comparable to the hard term's as T changes (Hinton,
    Vinyals and Dean, 2015). At small T the scaled gradient still depends on T.
    """
    owner = "fit_softmax_student"
    X = as_float_array(X, "X", owner)
    check_ndim(X, "X", owner, 2)
    lam = _positive(soft_weight, "soft_weight", owner, allow_zero=True)
    if lam > 1:
        raise ValueError(f"{owner}: soft_weight must be in [0, 1]; got {soft_weight!r}")
    T = _positive(temperature, "temperature", owner)
    alpha = _positive(alpha, "alpha", owner, allow_zero=True)
    max_iter = _count(max_iter, "max_iter", owner)
    if lam > 0:
        if soft_targets is None:
            raise ValueError(f"{owner}: soft_targets are required when soft_weight > 0; got None")
        q = as_float_array(soft_targets, "soft_targets", owner)
        check_ndim(q, "soft_targets", owner, 2)
        check_same_length({"X": X, "soft_targets": q}, owner)
        k = q.shape[1]
    if lam < 1:
        if labels is None:
            raise ValueError(f"{owner}: labels are required when soft_weight < 1; got None")
        y = np.asarray(labels)
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise ValueError(f"{owner}: labels must be 1-D integer class indices; got dtype {y.dtype}, "
                             f"shape {y.shape}")
        check_same_length({"X": X, "labels": y}, owner)
        k = q.shape[1] if lam > 0 else int(y.max()) + 1
        if y.min() < 0 or y.max() >= k:
            raise ValueError(f"{owner}: labels must be class indices in 0..{k - 1}"
                             f"{' (one per column of soft_targets)' if lam > 0 else ''}; got {y.min()}..{y.max()}")
        Y = np.eye(k)[y]
    n, d = X.shape
    ce = REGISTRY["categorical_cross_entropy_with_logits"]

    def objective(params):
        W, b = params[: d * k].reshape(d, k), params[d * k:]
        Z = X @ W + b
        value, G = 0.5 * alpha * float(np.sum(W * W)), np.zeros_like(Z)
        if lam > 0:
            value += lam * T**2 * ce(q, Z / T)
            G += lam * T**2 * ce.gradient(q, Z / T) / T / n  # chain rule through z / T
        if lam < 1:
            value += (1 - lam) * ce(Y, Z)
            G += (1 - lam) * ce.gradient(Y, Z) / n
        return value, np.concatenate([(X.T @ G + alpha * W).ravel(), G.sum(axis=0)])

    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(objective, np.zeros(d * k + k), jac=True, method="L-BFGS-B",
                          options={"maxiter": max_iter, "gtol": 1e-6})
    W, b = result.x[: d * k].reshape(d, k), result.x[d * k:]
    return SoftmaxModel(W, b - b.mean(), int(result.nit))


# ---------------------------------------------------------------------------------------------
# Focal loss bookkeeping and cost-sensitive decisions
# ---------------------------------------------------------------------------------------------


def focal_loss_shares(y_true, y_prob, *, gammas, alpha: float | None = None, easy: float = 0.9) -> dict:
    """Where the total focal loss comes from, for each γ in `gammas`.

    Splits the summed loss of predictions ``y_prob`` (probabilities of class 1) into three groups:
    positives, *easy* negatives (p_t ≥ `easy`, i.e. predicted probability of class 1 at most
    1 − easy) and the other, hard, negatives. Returns ``{gamma: {"positives": share, "hard
    negatives": share, "easy negatives": share}}`` with shares summing to one.
    """
    owner = "focal_loss_shares"
    y = as_float_array(y_true, "y_true", owner)
    p = as_float_array(y_prob, "y_prob", owner)
    easy = _positive(easy, "easy", owner)
    if not 0 < easy < 1:
        raise ValueError(f"{owner}: easy must be in (0, 1), a threshold on p_t; got {easy!r}")
    values = [_positive(g, "gammas", owner, allow_zero=True) for g in np.atleast_1d(gammas)]
    focal = REGISTRY["focal"]
    negative_easy = (y == 0) & (p <= 1 - easy)
    groups = {"positives": y == 1, "hard negatives": (y == 0) & ~negative_easy, "easy negatives": negative_easy}
    shares = {}
    for g in values:
        per_sample = focal(y, p, reduction="none", gamma=g, alpha=alpha)
        total = per_sample.sum()
        shares[g] = {name: float(per_sample[mask].sum() / total) for name, mask in groups.items()}
    return shares


@dataclass(frozen=True)
class ImbalanceComparison:
    """Results of :func:`cross_validate_imbalanced`.

    ``metrics[label]`` maps "recall", "precision" (of the minority class, predicting it where the
    score is > 0) and "pr_auc" (average precision, threshold-free) to one value per fold;
    ``scores[label]`` holds the out-of-fold decision scores of all folds, aligned with ``y``.
    """

    metrics: dict
    scores: dict
    y: np.ndarray

    def paired_difference(self, label: str, reference: str, metric: str) -> tuple[float, float]:
        """Mean and standard deviation over folds of ``metric(label) − metric(reference)``."""
        d = self.metrics[label][metric] - self.metrics[reference][metric]
        return float(d.mean()), float(d.std(ddof=1))


def cross_validate_imbalanced(X, y, candidates: dict, *, n_splits: int = 5, alpha: float = 1e-4,
                              random_state=0) -> ImbalanceComparison:
    """Fit one :class:`~lossbook.models.LossClassifier` per candidate on the same stratified folds.

    ``candidates`` maps a label to a dict with ``"loss"`` (a registered binary loss), optional
    ``"loss_params"`` and optional ``"balanced": True`` (sample weights n/(2·n_class), so that both
    classes weigh the same in total). Features are standardised on each training fold; ``alpha``
    is the L2 strength. The folds are shared, so differences between candidates are paired.
    """
    owner = "cross_validate_imbalanced"
    X, y = _features_and_labels(X, y, owner, label_name="y")
    if not np.array_equal(np.unique(y), [0, 1]):
        raise ValueError(f"{owner}: y must contain the labels 0 and 1 (1 = minority class); "
                         f"got {np.unique(y)[:5]}")
    if not isinstance(candidates, dict) or not candidates:
        raise ValueError(f"{owner}: candidates must be a non-empty dict {{label: {{'loss': name, ...}}}}; "
                         f"got {candidates!r}")
    for label, spec in candidates.items():
        if not isinstance(spec, dict) or "loss" not in spec or set(spec) - {"loss", "loss_params", "balanced"}:
            raise ValueError(f"{owner}: candidates[{label!r}] must be a dict with 'loss' and optionally "
                             f"'loss_params' and 'balanced'; got {spec!r}")
    n_splits = _count(n_splits, "n_splits", owner, minimum=2)
    alpha = _positive(alpha, "alpha", owner, allow_zero=True)
    metrics = {label: {"recall": [], "precision": [], "pr_auc": []} for label in candidates}
    scores = {label: [] for label in candidates}
    order = []
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(X, y)
    for train, test in folds:
        scaler = StandardScaler().fit(X[train])
        X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
        counts = np.bincount(y[train], minlength=2)
        balanced = (len(train) / (2.0 * counts))[y[train]]
        for label, spec in candidates.items():
            model = LossClassifier(spec["loss"], alpha=alpha, loss_params=spec.get("loss_params"))
            model.fit(X_train, y[train], sample_weight=balanced if spec.get("balanced") else None)
            s = model.decision_function(X_test)
            predicted = (s > 0).astype(int)
            m = metrics[label]
            m["recall"].append(recall_score(y[test], predicted))
            m["precision"].append(precision_score(y[test], predicted, zero_division=0.0))
            m["pr_auc"].append(average_precision_score(y[test], s))
            scores[label].append(s)
        order.append(test)
    metrics = {label: {k: np.array(v) for k, v in m.items()} for label, m in metrics.items()}
    scores = {label: np.concatenate(v) for label, v in scores.items()}
    return ImbalanceComparison(metrics, scores, y[np.concatenate(order)])


def bayes_threshold(*, fn_cost: float, fp_cost: float = 1.0) -> float:
    """The probability above which predicting "positive" has the lower expected cost.

    Predicting positive costs (1 − p)·fp_cost in expectation, predicting negative p·fn_cost, so
    the Bayes decision is positive when p > fp_cost / (fp_cost + fn_cost) (Elkan, 2001).
    """
    owner = "bayes_threshold"
    fn_cost = _positive(fn_cost, "fn_cost", owner)
    fp_cost = _positive(fp_cost, "fp_cost", owner)
    return fp_cost / (fp_cost + fn_cost)


def expected_cost(y_true, y_prob, thresholds, *, fn_cost: float, fp_cost: float = 1.0) -> np.ndarray:
    """Average cost per example of predicting "positive" when y_prob > t, for each threshold t."""
    owner = "expected_cost"
    y = as_float_array(y_true, "y_true", owner)
    p = as_float_array(y_prob, "y_prob", owner)
    check_same_length({"y_true": y, "y_prob": p}, owner)
    t = as_float_array(thresholds, "thresholds", owner)
    fn_cost = _positive(fn_cost, "fn_cost", owner)
    fp_cost = _positive(fp_cost, "fp_cost", owner)
    predicted = p[None, :] > t[:, None]
    fn = ((~predicted) & (y[None, :] == 1)).sum(axis=1)
    fp = (predicted & (y[None, :] == 0)).sum(axis=1)
    return (fn_cost * fn + fp_cost * fp) / y.size


@dataclass(frozen=True)
class CoefficientPath:
    """Solutions of a penalised logistic regression along a sequence of penalty strengths.

    ``coef[k]`` and ``intercept[k]`` minimise J(w, b) at ``alphas[k]`` (see
    :func:`coefficient_paths`); ``solver`` says who computed them; ``violation[k]`` is the largest
    violation of J's first-order optimality conditions there, computed with lossbook's own
    gradient (:func:`optimality_violation`) — a certificate that the solution is a minimiser of
    the objective the book writes down, whoever computed it.
    """

    alphas: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    penalty: str
    solver: str
    violation: np.ndarray


def optimality_violation(X, y, coef, intercept, *, alpha: float, penalty: str,
                         loss: str = "binary_cross_entropy_with_logits") -> float:
    r"""How far (w, b) is from satisfying the first-order optimality conditions of the penalised risk.

    With g = ∇ of the mean loss (from :func:`lossbook.models.linear_objective`, i.e. the loss's own
    ``.gradient`` through the chain rule), the minimiser of
    J₂ = mean(ℓ) + (α/2)‖w‖² has g_w + αw = 0; the minimiser of J₁ = mean(ℓ) + α‖w‖₁ has
    g_j = −α·sign(w_j) where w_j ≠ 0 and |g_j| ≤ α where w_j = 0 (the subgradient condition of the
    kink). The intercept is not penalised, so ∂J/∂b = 0 in both. Returns the largest violation of
    these conditions (0 at an exact minimiser), in the units of the gradient.
    """
    owner = "optimality_violation"
    _choice(penalty, "penalty", owner, ("l1", "l2"))
    alpha = _positive(alpha, "alpha", owner, allow_zero=True)
    X, y = _features_and_labels(X, y, owner, label_name="y")
    w = as_float_array(coef, "coef", owner).ravel()
    if w.size != X.shape[1]:
        raise ValueError(f"{owner}: coef must have one weight per column of X ({X.shape[1]}); got {w.size}")
    b = as_float_array(intercept, "intercept", owner).ravel()
    if b.size != 1:
        raise ValueError(f"{owner}: intercept must be one number; got {b.size} values")
    _, g = linear_objective(np.append(w, b), X, y, loss)
    g_w, g_b = g[:-1], g[-1]
    if penalty == "l2":
        weights = np.abs(g_w + alpha * w)
    else:
        weights = np.where(w != 0, np.abs(g_w + alpha * np.sign(w)), np.maximum(np.abs(g_w) - alpha, 0.0))
    return float(max(weights.max(), abs(g_b)))


def coefficient_paths(X, y, alphas, *, penalty: str) -> CoefficientPath:
    r"""Coefficients of L1- or L2-penalised logistic regression for each α in `alphas`.

    The objective is this book's J(w, b) = mean(ℓ) + α·Ω(w) with the logistic loss ℓ
    (``binary_cross_entropy_with_logits``), Ω = ½‖w‖² (``"l2"``) or ‖w‖₁ (``"l1"``), and an
    unpenalised intercept.

    - ``"l2"`` is solved by lossbook: :class:`~lossbook.models.LossClassifier` (L-BFGS on J₂ with
      the loss's own gradient), one fit per α.
    - ``"l1"`` has a kink at zero that L-BFGS cannot handle, and plain proximal gradient descent
      (ISTA) needs thousands of iterations per α on correlated features; it is solved by
      scikit-learn's ``LogisticRegression(solver="liblinear", l1_ratio=1)``, a coordinate-descent
      method that sets weights exactly to zero, at C = 1/(α·n) (scikit-learn minimises
      C·Σᵢ ℓᵢ + ‖w‖₁, which is J₁ times C·n), with warm starts along the path, a fixed
      ``random_state`` for its coordinate order and a very large ``intercept_scaling`` (liblinear
      penalises the intercept as a feature of that value: here by α·|b|/10⁴).

    Either way, ``violation`` records, for each α, how well the solution satisfies J's optimality
    conditions as computed by lossbook (:func:`optimality_violation`). BLAS is limited to one
    thread: on these small problems threads only add overhead.
    """
    owner = "coefficient_paths"
    X, y = _features_and_labels(X, y, owner, label_name="y")
    _choice(penalty, "penalty", owner, ("l1", "l2"))
    alphas = as_float_array(alphas, "alphas", owner)
    if alphas.ndim != 1 or alphas.min() <= 0:
        raise ValueError(f"{owner}: alphas must be a 1-D array of positive numbers; got {alphas!r}")
    if not np.array_equal(np.unique(y), [0, 1]):
        raise ValueError(f"{owner}: y must contain the labels 0 and 1; got {np.unique(y)[:5]}")
    n, d = X.shape
    coefs, intercepts = np.empty((alphas.size, d)), np.empty(alphas.size)
    with threadpool_limits(limits=1, user_api="blas"):
        if penalty == "l1":
            # liblinear visits the coordinates in a random order: fix it, or the last digits (and which
            # weights sit at exactly zero near the end of the path) change from run to run.
            model = LogisticRegression(l1_ratio=1.0, solver="liblinear", tol=1e-8, max_iter=10_000,
                                       intercept_scaling=1e4, warm_start=True, random_state=0)
            solver = "scikit-learn LogisticRegression (liblinear)"
        else:
            solver = "lossbook LossClassifier (L-BFGS)"
        for k, a in enumerate(alphas):
            if penalty == "l1":
                model.set_params(C=float(1.0 / (a * n))).fit(X, y)
            else:
                model = LossClassifier(alpha=float(a), tol=1e-8, max_iter=10_000).fit(X, y)
            coefs[k], intercepts[k] = model.coef_.ravel(), model.intercept_[0]
    violation = np.array([optimality_violation(X, y, c, b, alpha=a, penalty=penalty)
                          for c, b, a in zip(coefs, intercepts, alphas)])
    return CoefficientPath(alphas, coefs, intercepts, penalty, solver, violation)
