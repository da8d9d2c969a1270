"""Classification losses: on labels, probabilities, logits and margins; stable forms throughout.

Pure NumPy; imports only lossbook.losses._core.
"""

from __future__ import annotations

import numpy as np

from ._core import (
    EPS,
    HyperParameter,
    Loss,
    as_float_array,
    check_interval,
    check_labels,
    check_ndim,
    check_rows_sum_to_one,
    check_same_shape,
    class_targets,
    non_negative,
    register,
)

# --------------------------------------------------------------------------------------------
# Stable building blocks (public: the book and lossbook.models use them)
# --------------------------------------------------------------------------------------------


def sigmoid(z):
    """The logistic function 1/(1+e^{-z}), without overflow for any finite z."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z, axis: int = -1):
    """Softmax along `axis`, shifted by the maximum so that exp never overflows."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_sum_exp_rows(d):
    """log Σ_j exp(d_j) per row, accurate also when one term dominates.

    With m = max_j d_j: m + log1p(Σ_{j ≠ argmax} exp(d_j − m)); the dominant term's exp(0) = 1 is
    taken out of the sum and into log1p, so a loss of 1e-18 is not rounded to 0.
    """
    top = d.argmax(axis=1)
    rows = np.arange(d.shape[0])
    m = d[rows, top]
    e = np.exp(d - m[:, None])
    e[rows, top] = 0.0
    return m + np.log1p(e.sum(axis=1))


def softmax_cross_entropy_gradient(y, z):
    """softmax(z) − y per row; for one-hot rows the true class gets −Σ_{j≠c} p_j (no 1 − p_c)."""
    p = softmax(z)
    g = p - y
    hard = (y == 1.0)
    rows = hard.any(axis=1)
    if rows.any():
        others = np.where(hard[rows], 0.0, p[rows])
        g_rows = g[rows]
        g_rows[hard[rows]] = -others.sum(axis=1)
        g[rows] = g_rows
    return g


def softmax_cross_entropy(y, z):
    """Per-row cross-entropy of targets y (rows summing to 1) against softmax of logits z, stable."""
    return _log_sum_exp_rows(z - np.einsum("ij,ij->i", y, z)[:, None])


# --------------------------------------------------------------------------------------------
# Input checkers
# --------------------------------------------------------------------------------------------

_PM1 = "Labels for margin losses are -1/+1: convert 0/1 labels with 2*y - 1."
_ZERO_ONE = "Convert -1/+1 labels with (y + 1) / 2."


def _binary(owner: str, *, y_true: str, y_pred: str):
    """Checker for 1-D binary targets and predictions.

    y_true: "unit" (any value in [0, 1], soft labels allowed), "01" or "pm1" (labels);
    y_pred: "probability" (in [0, 1]) or "real" (logits, scores).
    """

    def prepare(yt, yp):
        yt = as_float_array(yt, "y_true", owner)
        yp = as_float_array(yp, "y_pred", owner)
        for name, a in (("y_true", yt), ("y_pred", yp)):
            check_ndim(a, name, owner, 1, "Binary losses take one value per sample.")
        check_same_shape(yt, yp, ("y_true", "y_pred"), owner)
        if y_true == "unit":
            check_interval(yt, "y_true", owner, 0.0, 1.0, "targets")
        elif y_true == "01":
            check_labels(yt, "y_true", owner, (0.0, 1.0), _ZERO_ONE)
        else:
            check_labels(yt, "y_true", owner, (-1.0, 1.0), _PM1)
        if y_pred == "probability":
            check_interval(yp, "y_pred", owner, 0.0, 1.0, "probabilities",)
        return yt, yp

    return prepare


def _multiclass(owner: str, *, probabilities: bool):
    """Checker for (n, k) predictions with integer labels (n,) or target rows (n, k)."""

    def prepare(yt, yp):
        yp = as_float_array(yp, "y_pred", owner)
        check_ndim(yp, "y_pred", owner, 2, "One row of class scores or probabilities per sample.")
        if probabilities:
            check_rows_sum_to_one(
                yp, "y_pred", owner,
                "If these are scores (logits), use categorical_cross_entropy_with_logits.",
            )
        y = class_targets(yt, yp.shape[1], "y_true", owner)
        if y.shape[0] != yp.shape[0]:
            raise ValueError(f"{owner}: y_true and y_pred must have the same number of samples; "
                             f"got y_true {y.shape[0]} and y_pred {yp.shape[0]}")
        return y, yp

    return prepare


def _classification(name, **meta) -> Loss:
    return register(Loss(name, task="classification", inputs=("y_true", "y_pred"), **meta))


# --------------------------------------------------------------------------------------------
# 0–1 loss
# --------------------------------------------------------------------------------------------


def _prepare_zero_one(yt, yp):
    yt = as_float_array(yt, "y_true", "zero_one")
    yp = as_float_array(yp, "y_pred", "zero_one")
    check_ndim(yt, "y_true", "zero_one", 1, "Give one label per sample.")
    if yp.ndim == 2:
        if yp.shape[0] != yt.shape[0]:
            raise ValueError(f"zero_one: y_true and y_pred must have the same number of samples; "
                             f"got y_true {yt.shape[0]} and y_pred {yp.shape[0]}")
        class_targets(yt, yp.shape[1], "y_true", "zero_one")  # checks the labels
        return yt, yp
    check_same_shape(yt, yp, ("y_true", "y_pred"), "zero_one")
    return yt, yp


def _zero_one(yt, yp):
    predicted = yp.argmax(axis=1) if yp.ndim == 2 else yp
    return (predicted != yt).astype(np.float64)


zero_one = _classification(
    "zero_one",
    summary="0–1 loss: 1 when the predicted class is wrong, 0 when it is right.",
    formula=r"\ell(y,\hat y) = [\,y\ne\hat y\,]",
    gradient_formula=r"0 \text{ almost everywhere (undefined at the decision boundary)}",
    year=1939, reference="wald1939", convex=False, robust=True, differentiable=False,
    prepare=_prepare_zero_one, value=_zero_one,
    gradient=lambda yt, yp: np.zeros_like(yp),
    counterparts={"scikit-learn": "zero_one_loss", "Keras": "1 − Accuracy"},
    notes="y_pred is either predicted labels (same shape as y_true) or an (n, k) array of class "
          "scores/probabilities whose argmax is the prediction. Its gradient is zero almost "
          "everywhere — nothing to descend — which is why training uses surrogate losses.",
)

# --------------------------------------------------------------------------------------------
# Binary cross-entropy
# --------------------------------------------------------------------------------------------


def _bce(yt, p):
    p = np.clip(p, EPS, 1.0 - EPS)
    return -(yt * np.log(p) + (1.0 - yt) * np.log1p(-p))


def _bce_gradient(yt, p):
    p = np.clip(p, EPS, 1.0 - EPS)
    return (1.0 - yt) / (1.0 - p) - yt / p


binary_cross_entropy = _classification(
    "binary_cross_entropy",
    summary="Binary cross-entropy (log loss) on predicted probabilities of the positive class.",
    formula=r"\ell(y,p) = -\,[\,y\log p + (1-y)\log(1-p)\,]",
    gradient_formula=r"\partial\ell/\partial p = -y/p + (1-y)/(1-p)",
    year=1952, reference="good1952", convex=True, robust=True,
    prepare=_binary("binary_cross_entropy", y_true="unit", y_pred="probability"),
    value=_bce, gradient=_bce_gradient,
    counterparts={"scikit-learn": "log_loss", "PyTorch": "nn.BCELoss", "Keras": "BinaryCrossentropy"},
    notes="y_true in [0, 1] (soft labels allowed), y_pred in [0, 1]. Probabilities are clipped to "
          "[eps, 1 − eps] with eps = 2.22e-16 (float64 machine epsilon, as scikit-learn's log_loss), "
          "so the largest value is −log(eps) ≈ 36.04 and the value is finite at p = 0 or 1. "
          "Prefer binary_cross_entropy_with_logits when you have scores: it needs no clipping.",
    example=">>> binary_cross_entropy([1, 0], [0.9, 0.2])  # (-log 0.9 - log 0.8) / 2\n0.164252033486018",
)


def _bce_logits(yt, z):
    # max(z, 0) − y·z + log1p(e^{−|z|}): exact for y ∈ {0, 1} even at |z| = 1e4 (the form
    # logaddexp(0, z) − y·z cancels catastrophically for y = 1 and large z).
    return np.maximum(z, 0.0) - yt * z + np.log1p(np.exp(-np.abs(z)))


def _bce_logits_gradient(yt, z):
    # σ(z) − y written as (1 − y)σ(z) − yσ(−z): no 1 − σ(z) cancellation for y = 1.
    return (1.0 - yt) * sigmoid(z) - yt * sigmoid(-z)


binary_cross_entropy_with_logits = _classification(
    "binary_cross_entropy_with_logits",
    summary="Binary cross-entropy computed from logits z (p = σ(z)): the logistic loss, stable.",
    formula=r"\ell(y,z) = \max(z,0) - y z + \log\!\left(1+e^{-|z|}\right)",
    gradient_formula=r"\partial\ell/\partial z = \sigma(z) - y",
    year=1958, reference="cox1958", convex=True, robust=True,
    prepare=_binary("binary_cross_entropy_with_logits", y_true="unit", y_pred="real"),
    value=_bce_logits, gradient=_bce_logits_gradient,
    counterparts={"scikit-learn": "LogisticRegression / log_loss(y, expit(z))",
                  "PyTorch": "nn.BCEWithLogitsLoss", "Keras": "BinaryCrossentropy(from_logits=True)"},
    notes="Equal to −[y log σ(z) + (1 − y) log(1 − σ(z))] but finite and accurate (relative error "
          "below 1e-12) for logits up to ±1e4. With labels ±1 it is the margin form log(1 + e^{−yz}).",
)

# --------------------------------------------------------------------------------------------
# Categorical cross-entropy
# --------------------------------------------------------------------------------------------


def _cce(y, p):
    return -np.einsum("ij,ij->i", y, np.log(np.clip(p, EPS, 1.0)))


def _cce_gradient(y, p):
    return -y / np.clip(p, EPS, 1.0)


categorical_cross_entropy = _classification(
    "categorical_cross_entropy",
    summary="Categorical cross-entropy on predicted class probabilities (rows summing to 1).",
    formula=r"\ell(y,p) = -\sum_{c=1}^{k} y_c \log p_c",
    gradient_formula=r"\partial\ell/\partial p_c = -y_c/p_c",
    year=1952, reference="good1952", convex=True, robust=True,
    prepare=_multiclass("categorical_cross_entropy", probabilities=True),
    value=_cce, gradient=_cce_gradient,
    counterparts={"scikit-learn": "log_loss", "PyTorch": "nn.NLLLoss on log-probabilities",
                  "Keras": "CategoricalCrossentropy / SparseCategoricalCrossentropy"},
    notes="y_true: integer labels 0..k−1 (n,) or target rows (n, k) summing to 1; y_pred: (n, k) "
          "probabilities whose rows sum to 1 (within 1e-6) — anything else is rejected, because a "
          "'cross-entropy' of rows that are not distributions is not a cross-entropy. "
          "Probabilities are clipped below at eps = 2.22e-16.",
)

categorical_cross_entropy_with_logits = _classification(
    "categorical_cross_entropy_with_logits",
    summary="Softmax cross-entropy computed from logits, by log-sum-exp.",
    formula=r"\ell(y,z) = \log\sum_{j} e^{z_j} - \sum_c y_c z_c",
    gradient_formula=r"\partial\ell/\partial z = \operatorname{softmax}(z) - y",
    year=1990, reference="bridle1990", convex=True, robust=True,
    prepare=_multiclass("categorical_cross_entropy_with_logits", probabilities=False),
    value=softmax_cross_entropy, gradient=softmax_cross_entropy_gradient,
    counterparts={"scikit-learn": "LogisticRegression (multinomial)", "PyTorch": "nn.CrossEntropyLoss",
                  "Keras": "CategoricalCrossentropy(from_logits=True)"},
    notes="y_true: integer labels 0..k−1 (n,) or target rows (n, k) summing to 1; y_pred: (n, k) logits.",
)

# --------------------------------------------------------------------------------------------
# Margin losses (labels −1/+1, real-valued scores)
# --------------------------------------------------------------------------------------------

hinge = _classification(
    "hinge",
    summary="Hinge loss of support vector machines: zero once the margin y·s reaches 1.",
    formula=r"\ell(y,s) = \max(0,\ 1 - y s)",
    gradient_formula=r"\partial\ell/\partial s = -y\,[\,y s < 1\,]",
    year=1995, reference="cortes1995", convex=True, robust=True,
    prepare=_binary("hinge", y_true="pm1", y_pred="real"),
    value=lambda y, s: np.maximum(0.0, 1.0 - y * s),
    gradient=lambda y, s: -y * (y * s < 1.0),
    counterparts={"scikit-learn": "hinge_loss", "PyTorch": "nn.HingeEmbeddingLoss (related)", "Keras": "Hinge"},
)

squared_hinge = _classification(
    "squared_hinge",
    summary="Squared hinge loss: differentiable everywhere, penalises margin violations quadratically.",
    formula=r"\ell(y,s) = \max(0,\ 1 - y s)^2",
    gradient_formula=r"\partial\ell/\partial s = -2y\max(0,\ 1-ys)",
    year=1995, reference="cortes1995", convex=True, robust=False,
    prepare=_binary("squared_hinge", y_true="pm1", y_pred="real"),
    value=lambda y, s: np.maximum(0.0, 1.0 - y * s) ** 2,
    gradient=lambda y, s: -2.0 * y * np.maximum(0.0, 1.0 - y * s),
    counterparts={"scikit-learn": "LinearSVC(loss='squared_hinge')", "Keras": "SquaredHinge"},
)


def _multiclass_hinge_parts(y, s):
    rows = np.arange(s.shape[0])
    true = y.argmax(axis=1)
    others = s.copy()
    others[rows, true] = -np.inf
    rival = others.argmax(axis=1)
    margin = s[rows, true] - s[rows, rival]
    return rows, true, rival, margin


def _multiclass_hinge(y, s):
    *_, margin = _multiclass_hinge_parts(y, s)
    return np.maximum(0.0, 1.0 - margin)


def _multiclass_hinge_gradient(y, s):
    rows, true, rival, margin = _multiclass_hinge_parts(y, s)
    active = (margin < 1.0).astype(np.float64)
    g = np.zeros_like(s)
    g[rows, true] -= active
    g[rows, rival] += active
    return g


def _prepare_multiclass_hinge(yt, yp):
    y, s = _multiclass("multiclass_hinge", probabilities=False)(yt, yp)
    if s.shape[1] < 2:
        raise ValueError(f"multiclass_hinge: y_pred needs at least 2 columns (classes); got shape {s.shape}")
    check_labels(y, "y_true", "multiclass_hinge", (0.0, 1.0), "Give integer labels or one-hot rows.")
    return y, s


multiclass_hinge = _classification(
    "multiclass_hinge",
    summary="Crammer–Singer multiclass hinge: the true class must beat the best other class by 1.",
    formula=r"\ell(y,s) = \max\!\left(0,\ 1 + \max_{j\ne y} s_j - s_y\right)",
    gradient_formula=r"\partial\ell/\partial s = [\text{active}]\,(e_{j^*} - e_y),\ j^* = \arg\max_{j\ne y} s_j",
    year=2001, reference="crammer2001", convex=True, robust=True,
    prepare=_prepare_multiclass_hinge, value=_multiclass_hinge, gradient=_multiclass_hinge_gradient,
    counterparts={"scikit-learn": "hinge_loss (multiclass) / LinearSVC(multi_class='crammer_singer')",
                  "PyTorch": "nn.MultiMarginLoss (Weston–Watkins, a related form)", "Keras": "CategoricalHinge"},
    notes="y_true: integer labels 0..k−1 (n,) or one-hot rows (n, k); y_pred: (n, k) scores.",
)


def _exponential(y, s):
    with np.errstate(over="ignore"):  # e^{−ys} beyond 1.8e308 is honestly inf
        return np.exp(-y * s)


exponential = _classification(
    "exponential",
    summary="Exponential loss of AdaBoost: e^{−y s}; punishes confident mistakes very hard.",
    formula=r"\ell(y,s) = e^{-y s}",
    gradient_formula=r"\partial\ell/\partial s = -y\,e^{-y s}",
    year=1997, reference="freund1997", convex=True, robust=False,
    prepare=_binary("exponential", y_true="pm1", y_pred="real"),
    value=_exponential, gradient=lambda y, s: -y * _exponential(y, s),
    counterparts={"scikit-learn": "AdaBoostClassifier (implicitly)"},
    notes="For margins y·s below about −709.78 the true value exceeds the float64 range and the "
          "result is inf (no warning): that is the loss, not a numerical accident.",
)

brier = _classification(
    "brier",
    summary="Brier score: squared error of a predicted probability; a proper scoring rule.",
    formula=r"\ell(y,p) = (y - p)^2",
    gradient_formula=r"\partial\ell/\partial p = -2(y-p)",
    year=1950, reference="brier1950", convex=True, robust=True,
    prepare=_binary("brier", y_true="unit", y_pred="probability"),
    value=lambda y, p: (y - p) ** 2, gradient=lambda y, p: -2.0 * (y - p),
    counterparts={"scikit-learn": "brier_score_loss"},
)

# --------------------------------------------------------------------------------------------
# Focal loss
# --------------------------------------------------------------------------------------------


def _focal_parts(y, p, alpha):
    p = np.clip(p, EPS, 1.0 - EPS)
    positive = y == 1.0
    one_minus_pt = np.where(positive, 1.0 - p, p)  # 1 − p_t without computing p_t first
    log_pt = np.where(positive, np.log(p), np.log1p(-p))
    alpha_t = 1.0 if alpha is None else np.where(positive, alpha, 1.0 - alpha)
    return positive, one_minus_pt, log_pt, alpha_t


def _focal(y, p, gamma, alpha):
    _, q, log_pt, alpha_t = _focal_parts(y, p, alpha)
    return -alpha_t * q**gamma * log_pt


def _focal_gradient(y, p, gamma, alpha):
    positive, q, log_pt, alpha_t = _focal_parts(y, p, alpha)
    pt = 1.0 - q
    d_pt = alpha_t * (gamma * q ** (gamma - 1.0) * log_pt - q**gamma / pt) if gamma else -alpha_t / pt
    return np.where(positive, d_pt, -d_pt)


focal = _classification(
    "focal",
    summary="Focal loss: cross-entropy scaled by (1 − p_t)^γ so that easy examples count less.",
    formula=r"\ell(y,p) = -\alpha_t (1-p_t)^{\gamma}\log p_t,\ p_t = p \text{ if } y=1 \text{ else } 1-p",
    gradient_formula=r"\partial\ell/\partial p_t = \alpha_t\left[\gamma(1-p_t)^{\gamma-1}\log p_t - (1-p_t)^\gamma/p_t\right]",
    year=2017, reference="lin2017", convex=False, robust=True,
    params={"gamma": non_negative(2.0, "gamma"),
            "alpha": HyperParameter(None, "0 <= alpha <= 1", lambda v: 0 <= v <= 1, optional=True)},
    prepare=_binary("focal", y_true="01", y_pred="probability"),
    value=_focal, gradient=_focal_gradient,
    counterparts={"torchvision": "ops.sigmoid_focal_loss (on logits)", "Keras": "BinaryFocalCrossentropy"},
    notes="y_true in {0, 1}; y_pred probabilities (clipped like binary_cross_entropy). alpha weights "
          "the positive class (α_t = α for y = 1, 1 − α for y = 0); alpha=None means no weighting. "
          "gamma = 0 with alpha = None is exactly binary_cross_entropy.",
)
