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
    broadcast_scalar,
    check_interval,
    check_labels,
    check_ndim,
    check_rows_sum_to_one,
    check_unit_interval,
    class_targets,
    non_negative,
    register,
    row_sums,
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


def _pick(a: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """a[i, labels[i]] for every row i: one gather through the flat array (no one-hot matrix)."""
    n, k = a.shape
    index = np.arange(0, n * k, k)
    index += labels
    return a.reshape(-1).take(index)


def _put(a: np.ndarray, labels: np.ndarray, values) -> None:
    """a[i, labels[i]] = values[i] in place."""
    n, k = a.shape
    if not a.flags.c_contiguous:  # reshape would copy, and the assignment would be lost
        a[np.arange(n), labels] = values
        return
    index = np.arange(0, n * k, k)
    index += labels
    a.reshape(-1)[index] = values


def _log_sum_exp_parts(z):
    """(m, log1p(Σ_{j≠top} e^{z_j − m}), e, top) per row, with m = max_j z_j at column top.

    log Σ_j e^{z_j} = m + log1p(...): the dominant term's e^0 = 1 is taken out of the sum and
    into log1p, so a loss of 1e-18 is not rounded to 0. e holds e^{z − m} with 0 at the top.
    argmax and one gather are faster than z.max(axis=1) for short rows.
    """
    top = z.argmax(axis=1)
    m = _pick(z, top)
    e = np.subtract(z, m[:, None], order="C")  # C order: the same sums whatever z's layout
    np.exp(e, out=e)
    _put(e, top, 0.0)
    return m, np.log1p(row_sums(e)), e, top


def _target_logit(y, z):
    """Σ_c y_c z_c per row: z at the label for integer labels, a row product for target rows."""
    return _pick(z, y) if y.ndim == 1 else np.einsum("ij,ij->i", y, z)


def softmax_cross_entropy(y, z):
    """Per-row cross-entropy of targets y (labels, or rows summing to 1) against softmax(z), stable.

    log Σ_j e^{z_j} − Σ_c y_c z_c = (m − Σ_c y_c z_c) + log1p(Σ_{j≠top} e^{z_j − m}): two terms
    ≥ 0, so nothing cancels.
    """
    m, log_rest, _, _ = _log_sum_exp_parts(z)
    out = m - _target_logit(y, z)
    out += log_rest
    return out


def softmax_cross_entropy_gradient(y, z):
    """softmax(z) − y per row; the true class of a hard target gets −Σ_{j≠c} p_j (no 1 − p_c)."""
    _, _, e, top = _log_sum_exp_parts(z)
    _put(e, top, 1.0)  # e^{z − m} including the top, where it is e^0 = 1
    p = np.divide(e, row_sums(e)[:, None], out=e)
    if y.ndim == 1:  # integer labels
        _put(p, y, 0.0)
        _put(p, y, -row_sums(p))
        return p
    g = p - y
    hard = (y == 1.0)
    rows = hard.any(axis=1)
    if rows.any():
        others = np.where(hard[rows], 0.0, p[rows])
        g_rows = g[rows]
        g_rows[hard[rows]] = -others.sum(axis=1)
        g[rows] = g_rows
    return g


# --------------------------------------------------------------------------------------------
# Input checkers
# --------------------------------------------------------------------------------------------

_PM1 = "Labels for margin losses are -1/+1: convert 0/1 labels with 2*y - 1."
_ZERO_ONE = "Convert -1/+1 labels with (y + 1) / 2."


def _binary(owner: str, *, y_true: str, y_pred: str, clip: bool = False):
    """Checker for 1-D binary targets and predictions (a scalar is broadcast to the other).

    y_true: "unit" (any value in [0, 1], soft labels allowed), "01" or "pm1" (labels);
    y_pred: "probability" (in [0, 1]) or "real" (logits, scores). ``clip``: probabilities are
    clipped to [EPS, 1 − EPS] (only when some lie outside; the value and the gradient then
    both see the clipped ones).

    The range and label checks reject NaN and inf themselves (a NaN fails every comparison),
    so only real-valued predictions get a separate NaN/inf pass.
    """

    def prepare(yt_raw, yp_raw):
        yt = as_float_array(yt_raw, "y_true", owner, check_finite=False)
        yp = as_float_array(yp_raw, "y_pred", owner, check_finite=y_pred == "real")
        for name, a in (("y_true", yt), ("y_pred", yp)):
            check_ndim(a, name, owner, 1, "Binary losses take one value per sample.")
        if yt.shape != yp.shape:  # a scalar is broadcast; anything else is a mismatch
            broadcast_scalar(yt, yp, yt_raw, yp_raw, ("y_true", "y_pred"), owner)
        if y_true == "unit":
            check_unit_interval(yt, "y_true", owner, "targets")
        elif y_true == "01":
            check_labels(yt, "y_true", owner, (0.0, 1.0), _ZERO_ONE)
        else:
            check_labels(yt, "y_true", owner, (-1.0, 1.0), _PM1)
        if y_pred == "probability":
            if clip:
                lo, hi = check_interval(yp, "y_pred", owner, 0.0, 1.0, "probabilities")
                if lo < EPS or hi > 1.0 - EPS:
                    yp = np.clip(yp, EPS, 1.0 - EPS)
            else:
                check_unit_interval(yp, "y_pred", owner, "probabilities")
        return broadcast_scalar(yt, yp, yt_raw, yp_raw, ("y_true", "y_pred"), owner)

    return prepare


def _multiclass(owner: str, *, probabilities: bool):
    """Checker for (n, k) predictions with integer labels (n,) or target rows (n, k).

    A single row of predictions (k,) is one sample: y_true is then one label, or one target row.
    A scalar label is broadcast to every row. Returns (labels (n,) of dtype intp, or target rows
    (n, k); predictions (n, k)).
    """

    def prepare(yt, yp):
        yp = as_float_array(yp, "y_pred", owner, check_finite=not probabilities)
        one_row = yp.ndim == 1
        if one_row:
            yp = yp[None, :]
        check_ndim(yp, "y_pred", owner, 2, "One row of class scores or probabilities per sample.")
        n, k = yp.shape
        if probabilities:
            check_rows_sum_to_one(
                yp, "y_pred", owner,
                "If these are scores (logits), use categorical_cross_entropy_with_logits.",
            )
        if one_row and np.ndim(yt) == 1 and np.shape(yt)[0] == k and k != 1:
            # one target row for the one sample
            y = as_float_array(yt, "y_true", owner, check_finite=False)[None, :]
            check_rows_sum_to_one(
                y, "y_true", owner,
                f"y_pred of shape ({k},) is one sample, so y_true must be one label or one target "
                f"row; for several samples give y_pred as an (n_samples, {k}) array",
            )
            return y, yp
        y = class_targets(yt, k, "y_true", owner, n_samples=n)
        if y.shape[0] != n:
            hint = (f"; y_pred of shape ({k},) is one sample — for several samples give y_pred as an "
                    f"(n_samples, {k}) array" if one_row else "")
            raise ValueError(f"{owner}: y_true and y_pred must have the same number of samples; "
                             f"got y_true {y.shape[0]} and y_pred {n}{hint}")
        return y, yp

    return prepare


def _classification(name, **meta) -> Loss:
    return register(Loss(name, task="classification", inputs=("y_true", "y_pred"), **meta))


# --------------------------------------------------------------------------------------------
# 0–1 loss
# --------------------------------------------------------------------------------------------


def _prepare_zero_one(yt_raw, yp_raw):
    yp = as_float_array(yp_raw, "y_pred", "zero_one")
    if yp.ndim == 2:
        yt = as_float_array(yt_raw, "y_true", "zero_one", check_finite=False)
        check_ndim(yt, "y_true", "zero_one", 1, "Give one label per sample.")
        labels = class_targets(yt_raw, yp.shape[1], "y_true", "zero_one", n_samples=yp.shape[0])
        if labels.shape[0] != yp.shape[0]:
            raise ValueError(f"zero_one: y_true and y_pred must have the same number of samples; "
                             f"got y_true {labels.shape[0]} and y_pred {yp.shape[0]}")
        return labels, yp
    yt = as_float_array(yt_raw, "y_true", "zero_one")
    check_ndim(yt, "y_true", "zero_one", 1, "Give one label per sample.")
    return broadcast_scalar(yt, yp, yt_raw, yp_raw, ("y_true", "y_pred"), "zero_one")


def _zero_one_errors(yt, yp):
    return (yp.argmax(axis=1) if yp.ndim == 2 else yp) != yt


def _zero_one(yt, yp):
    return _zero_one_errors(yt, yp).astype(np.float64)


def _zero_one_total(yt, yp):
    """The number of errors (exactly the sum of the per-sample 0/1 values), and n."""
    return np.count_nonzero(_zero_one_errors(yt, yp)), yt.shape[0]


zero_one = _classification(
    "zero_one",
    summary="0–1 loss: 1 when the predicted class is wrong, 0 when it is right.",
    formula=r"\ell(y,\hat y) = [\,y\ne\hat y\,]",
    gradient_formula=r"0 \text{ almost everywhere (undefined at the decision boundary)}",
    year=1939, reference="wald1939", convex=False, robust=True, differentiable=False,
    prepare=_prepare_zero_one, value=_zero_one, total=_zero_one_total,
    gradient=lambda yt, yp: np.zeros_like(yp),
    counterparts={'scikit-learn': 'sklearn.metrics.zero_one_loss',
                  'Keras': 'keras.metrics.Accuracy (the 0–1 loss is 1 − accuracy)'},
    notes="y_pred is either predicted labels (same shape as y_true) or an (n, k) array of class "
          "scores/probabilities whose argmax is the prediction. Its gradient is zero almost "
          "everywhere — nothing to descend — which is why training uses surrogate losses. "
          "The reference is Wald (1939), who introduced the loss ('weight') function of a "
          "statistical decision and the risk as its expected value; the 0–1 loss, a cost of 1 "
          "for every wrong decision, is its simplest case, with the probability of error as "
          "its risk. It is cited for that framework, not as the first to count errors.",
)

# --------------------------------------------------------------------------------------------
# Binary cross-entropy
# --------------------------------------------------------------------------------------------


def _bce(yt, p):
    # −[y log p + (1 − y) log(1 − p)] with log1p(−p), exact for tiny p; both terms are ≤ 0, so
    # nothing cancels. p is already clipped to [EPS, 1 − EPS] (by the checker). In place, with
    # two arrays alive at a time: fresh 8 MB temporaries cost more than the arithmetic.
    out = np.subtract(1.0, yt)
    rest = np.negative(p)
    np.log1p(rest, out=rest)
    out *= rest
    np.log(p, out=rest)
    rest *= yt
    out += rest
    return np.negative(out, out=out)


def _bce_gradient(yt, p):
    # −y/p + (1 − y)/(1 − p) as (p − y)/(p(1 − p)): one subtraction, so no cancellation between
    # two large terms for soft labels near p. p is clipped (by the checker).
    return (p - yt) / (p * (1.0 - p))


binary_cross_entropy = _classification(
    "binary_cross_entropy",
    summary="Binary cross-entropy (log loss) on predicted probabilities of the positive class.",
    formula=r"\ell(y,p) = -\,[\,y\log p + (1-y)\log(1-p)\,]",
    gradient_formula=r"\partial\ell/\partial p = -y/p + (1-y)/(1-p) = (p-y)/(p(1-p))",
    year=1952, reference="good1952", convex=True, robust=False,
    prepare=_binary("binary_cross_entropy", y_true="unit", y_pred="probability", clip=True),
    value=_bce, gradient=_bce_gradient,
    counterparts={'scikit-learn': 'sklearn.metrics.log_loss',
                  'PyTorch': 'torch.nn.BCELoss',
                  'Keras': 'keras.losses.BinaryCrossentropy'},
    notes="y_true in [0, 1] (soft labels allowed), y_pred in [0, 1]. Probabilities are clipped to "
          "[eps, 1 − eps] with eps = 2.22e-16 (float64 machine epsilon, as scikit-learn's log_loss), "
          "so the largest value is −log(eps) ≈ 36.04 and the value is finite at p = 0 or 1. "
          "Not robust: the gradient −y/p grows without bound as a confident prediction turns out "
          "wrong (up to 1/eps at the clip). "
          "Prefer binary_cross_entropy_with_logits when you have scores: it needs no clipping.",
    example=">>> binary_cross_entropy([1, 0], [0.9, 0.2])  # (-log 0.9 - log 0.8) / 2\n0.164252033486018",
)


def _bce_logits(yt, z):
    # max(z, 0) − y·z + log1p(e^{−|z|}) with its first two terms written as
    # (1 − y)·max(z, 0) + y·max(−z, 0): every term ≥ 0, so nothing cancels — also for soft
    # labels near 1 at large z, where z − y·z loses the digits of (1 − y)·z. In place, with two
    # arrays alive at a time.
    out = np.maximum(z, 0.0)
    part = np.subtract(1.0, yt)
    out *= part
    np.minimum(z, 0.0, out=part)  # −max(−z, 0)
    part *= yt
    out -= part
    np.abs(z, out=part)
    np.negative(part, out=part)
    np.exp(part, out=part)
    np.log1p(part, out=part)
    out += part
    return out


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
    counterparts={'scikit-learn': 'sklearn.metrics.log_loss (of scipy.special.expit(z))',
                  'PyTorch': 'torch.nn.BCEWithLogitsLoss',
                  'Keras': 'keras.losses.BinaryCrossentropy(from_logits=True)'},
    notes="Equal to −[y log σ(z) + (1 − y) log(1 − σ(z))] but finite and accurate (relative error "
          "below 1e-12) for logits up to ±1e4, soft labels included: it is evaluated as "
          "(1 − y)·max(z, 0) + y·max(−z, 0) + log(1 + e^{−|z|}), a sum of terms ≥ 0. With labels "
          "±1 it is the margin form log(1 + e^{−yz}).",
)

# --------------------------------------------------------------------------------------------
# Categorical cross-entropy
# --------------------------------------------------------------------------------------------


def _cce(y, p):
    if y.ndim == 1:  # integer labels: one probability per row
        out = _pick(p, y)
        np.maximum(out, EPS, out=out)
        np.log(out, out=out)
        return np.negative(out, out=out)
    return -np.einsum("ij,ij->i", y, np.log(np.maximum(p, EPS)))


def _cce_gradient(y, p):
    if y.ndim == 1:
        g = np.zeros(p.shape)
        _put(g, y, -1.0 / np.maximum(_pick(p, y), EPS))
        return g
    return -y / np.maximum(p, EPS)


categorical_cross_entropy = _classification(
    "categorical_cross_entropy",
    summary="Categorical cross-entropy on predicted class probabilities (rows summing to 1).",
    formula=r"\ell(y,p) = -\sum_{c=1}^{k} y_c \log p_c",
    gradient_formula=r"\partial\ell/\partial p_c = -y_c/p_c",
    year=1952, reference="good1952", convex=True, robust=False,
    prepare=_multiclass("categorical_cross_entropy", probabilities=True),
    value=_cce, gradient=_cce_gradient,
    counterparts={'scikit-learn': 'sklearn.metrics.log_loss',
                  'PyTorch': 'torch.nn.NLLLoss (on log-probabilities)',
                  'Keras': 'keras.losses.CategoricalCrossentropy (one-hot targets; SparseCategoricalCrossentropy for labels)'},
    notes="y_true: integer labels 0..k−1 (n,) or target rows (n, k) summing to 1; y_pred: (n, k) "
          "probabilities whose rows sum to 1 (within 1e-6) — anything else is rejected, because a "
          "'cross-entropy' of rows that are not distributions is not a cross-entropy. One row "
          "(k,) is one sample (with one label or one target row). "
          "Probabilities are clipped below at eps = 2.22e-16. Not robust: −y_c/p_c is unbounded.",
)

categorical_cross_entropy_with_logits = _classification(
    "categorical_cross_entropy_with_logits",
    summary="Softmax cross-entropy computed from logits, by log-sum-exp.",
    formula=r"\ell(y,z) = \log\sum_{j} e^{z_j} - \sum_c y_c z_c",
    gradient_formula=r"\partial\ell/\partial z = \operatorname{softmax}(z) - y",
    year=1990, reference="bridle1990", convex=True, robust=True,
    prepare=_multiclass("categorical_cross_entropy_with_logits", probabilities=False),
    value=softmax_cross_entropy, gradient=softmax_cross_entropy_gradient,
    counterparts={'scikit-learn': 'sklearn.linear_model.LogisticRegression (a model, multinomial)',
                  'PyTorch': 'torch.nn.CrossEntropyLoss',
                  'Keras': 'keras.losses.CategoricalCrossentropy(from_logits=True)'},
    notes="y_true: integer labels 0..k−1 (n,) or target rows (n, k) summing to 1; y_pred: (n, k) "
          "logits (one row (k,) is one sample).",
)

# --------------------------------------------------------------------------------------------
# Margin losses (labels −1/+1, real-valued scores)
# --------------------------------------------------------------------------------------------


def _hinge(y, s):
    out = np.multiply(y, s)  # then max(0, 1 − y·s) in place
    np.subtract(1.0, out, out=out)
    return np.maximum(out, 0.0, out=out)


def _squared_hinge(y, s):
    out = _hinge(y, s)
    return np.square(out, out=out)


hinge = _classification(
    "hinge",
    summary="Hinge loss of support vector machines: zero once the margin y·s reaches 1.",
    formula=r"\ell(y,s) = \max(0,\ 1 - y s)",
    gradient_formula=r"\partial\ell/\partial s = -y\,[\,y s < 1\,]",
    year=1995, reference="cortes1995", convex=True, robust=True,
    prepare=_binary("hinge", y_true="pm1", y_pred="real"),
    value=_hinge,
    gradient=lambda y, s: -y * (y * s < 1.0),
    counterparts={'scikit-learn': 'sklearn.metrics.hinge_loss', 'Keras': 'keras.losses.Hinge'},
)

squared_hinge = _classification(
    "squared_hinge",
    summary="Squared hinge loss: differentiable everywhere, penalises margin violations quadratically.",
    formula=r"\ell(y,s) = \max(0,\ 1 - y s)^2",
    gradient_formula=r"\partial\ell/\partial s = -2y\max(0,\ 1-ys)",
    year=1995, reference="cortes1995", convex=True, robust=False,
    prepare=_binary("squared_hinge", y_true="pm1", y_pred="real"),
    value=_squared_hinge,
    gradient=lambda y, s: -2.0 * y * _hinge(y, s),
    counterparts={'scikit-learn': 'sklearn.svm.LinearSVC(loss="squared_hinge") (a model)',
                  'Keras': 'keras.losses.SquaredHinge'},
)


def _multiclass_hinge_parts(labels, s):
    others = s.copy()
    _put(others, labels, -np.inf)
    rival = others.argmax(axis=1)  # argmax and a gather: faster than max(axis=1) on short rows
    margin = _pick(s, labels) - _pick(s, rival)
    return rival, margin


def _multiclass_hinge(labels, s):
    _, margin = _multiclass_hinge_parts(labels, s)
    np.subtract(1.0, margin, out=margin)
    return np.maximum(margin, 0.0, out=margin)


def _multiclass_hinge_gradient(labels, s):
    rival, margin = _multiclass_hinge_parts(labels, s)
    active = (margin < 1.0).astype(np.float64)
    g = np.zeros(s.shape)
    rows = np.arange(s.shape[0])
    g[rows, labels] -= active
    g[rows, rival] += active
    return g


def _prepare_multiclass_hinge(yt, yp):
    y, s = _multiclass("multiclass_hinge", probabilities=False)(yt, yp)
    if s.shape[1] < 2:
        raise ValueError(f"multiclass_hinge: y_pred needs at least 2 columns (classes); got shape {s.shape}")
    if y.ndim == 2:  # target rows: they must be one-hot, and then they are labels
        check_labels(y, "y_true", "multiclass_hinge", (0.0, 1.0), "Give integer labels or one-hot rows.")
        y = y.argmax(axis=1)
    return y, s


multiclass_hinge = _classification(
    "multiclass_hinge",
    summary="Crammer–Singer multiclass hinge: the true class must beat the best other class by 1.",
    formula=r"\ell(y,s) = \max\!\left(0,\ 1 + \max_{j\ne y} s_j - s_y\right)",
    gradient_formula=r"\partial\ell/\partial s = [\text{active}]\,(e_{j^*} - e_y),\ j^* = \arg\max_{j\ne y} s_j",
    year=2001, reference="crammer2001", convex=True, robust=True,
    prepare=_prepare_multiclass_hinge, value=_multiclass_hinge, gradient=_multiclass_hinge_gradient,
    counterparts={'scikit-learn': 'sklearn.metrics.hinge_loss (multiclass: Crammer–Singer)',
                  'PyTorch': 'torch.nn.MultiMarginLoss (Weston–Watkins, a related form)',
                  'Keras': 'keras.losses.CategoricalHinge (its rival score is max((1 − y)·s): 0 when every other score is negative)'},
    notes="y_true: integer labels 0..k−1 (n,) or one-hot rows (n, k); y_pred: (n, k) scores (one "
          "row (k,) is one sample).",
)


def _exponential(y, s):
    out = np.multiply(y, s)
    np.negative(out, out=out)
    with np.errstate(over="ignore"):  # e^{−ys} beyond 1.8e308 is honestly inf
        return np.exp(out, out=out)


exponential = _classification(
    "exponential",
    summary="Exponential loss of AdaBoost: e^{−y s}; punishes confident mistakes very hard.",
    formula=r"\ell(y,s) = e^{-y s}",
    gradient_formula=r"\partial\ell/\partial s = -y\,e^{-y s}",
    year=1997, reference="freund1997", convex=True, robust=False,
    prepare=_binary("exponential", y_true="pm1", y_pred="real"),
    value=_exponential, gradient=lambda y, s: -y * _exponential(y, s),
    counterparts={'scikit-learn': 'sklearn.ensemble.GradientBoostingClassifier(loss="exponential") (a model)'},
    notes="For margins y·s below about −709.78 the true value exceeds the float64 range and the "
          "result is inf (no warning): that is the loss, not a numerical accident.",
)


def _brier(y, p):
    out = np.subtract(y, p)
    return np.square(out, out=out)


brier = _classification(
    "brier",
    summary="Brier score: squared error of a predicted probability; a proper scoring rule.",
    formula=r"\ell(y,p) = (y - p)^2",
    gradient_formula=r"\partial\ell/\partial p = -2(y-p)",
    year=1950, reference="brier1950", convex=True, robust=True,
    prepare=_binary("brier", y_true="unit", y_pred="probability"),
    value=_brier, gradient=lambda y, p: -2.0 * (y - p),
    counterparts={'scikit-learn': 'sklearn.metrics.brier_score_loss'},
    notes="Robust in the sense of the flag: targets and probabilities both lie in [0, 1], so the "
          "gradient is bounded by 2 (the log loss, in contrast, grows like 1/p).",
)

# --------------------------------------------------------------------------------------------
# Focal loss
# --------------------------------------------------------------------------------------------


def _focal_parts(y, p, alpha):
    """(1 − p_t, log p_t, α_t) for labels y ∈ {0, 1}, without cancellation and without np.where.

    np.where is a data-dependent branch per element, several times slower than arithmetic:
    1 − p_t = |y − p| is exactly p for y = 0 and 1 − p for y = 1, and p_t = |1 − y − p| is
    exactly p for y = 1 and 1 − p for y = 0. Where y = 1, log p_t = log p is accurate; where
    y = 0, log(1 − p) of the rounded 1 − p has an absolute error below 1.2e-16, which is small
    relative to |log p_t| unless p_t is close to 1. There (1 − p_t < 1/16, so that the relative
    error stays below 2e-15) log1p(−(1 − p_t)) is used instead, from the exact 1 − p_t. p is
    already clipped to [EPS, 1 − EPS] (by the checker), so every logarithm is finite.
    """
    q = np.subtract(y, p)
    np.abs(q, out=q)
    log_pt = np.subtract(1.0, y)
    log_pt -= p
    np.abs(log_pt, out=log_pt)
    np.log(log_pt, out=log_pt)
    if q.min() < 0.0625:
        near_one = np.flatnonzero(q < 0.0625)
        log_pt[near_one] = np.log1p(-q.take(near_one))
    alpha_t = None if alpha is None else alpha * y + (1.0 - alpha) * (1.0 - y)
    return q, log_pt, alpha_t


def _power(q, gamma):
    return q * q if gamma == 2.0 else np.power(q, gamma)


def _focal(y, p, gamma, alpha):
    q, log_pt, alpha_t = _focal_parts(y, p, alpha)
    out = np.negative(log_pt, out=log_pt)
    if gamma:
        out *= np.square(q, out=q) if gamma == 2.0 else np.power(q, gamma, out=q)
    if alpha_t is not None:
        out *= alpha_t
    return out


def _focal_gradient(y, p, gamma, alpha):
    q, log_pt, alpha_t = _focal_parts(y, p, alpha)
    pt = np.abs(1.0 - y - p)  # p_t itself: exactly p for y = 1, never 1 − (1 − p)
    d_pt = gamma * _power(q, gamma - 1.0) * log_pt - _power(q, gamma) / pt if gamma else -1.0 / pt
    if alpha_t is not None:
        d_pt *= alpha_t
    return (2.0 * y - 1.0) * d_pt  # ∂p_t/∂p = +1 for y = 1, −1 for y = 0


focal = _classification(
    "focal",
    summary="Focal loss: cross-entropy scaled by (1 − p_t)^γ so that easy examples count less.",
    formula=r"\ell(y,p) = -\alpha_t (1-p_t)^{\gamma}\log p_t,\ p_t = p \text{ if } y=1 \text{ else } 1-p",
    gradient_formula=r"\partial\ell/\partial p_t = \alpha_t\left[\gamma(1-p_t)^{\gamma-1}\log p_t - (1-p_t)^\gamma/p_t\right]",
    year=2017, reference="lin2017", convex=True, robust=False,
    params={"gamma": non_negative(2.0, "gamma"),
            "alpha": HyperParameter(None, "0 <= alpha <= 1", lambda v: 0 <= v <= 1, optional=True)},
    prepare=_binary("focal", y_true="01", y_pred="probability", clip=True),
    value=_focal, gradient=_focal_gradient,
    counterparts={'PyTorch': 'torchvision.ops.sigmoid_focal_loss (on logits)',
                  'Keras': 'keras.losses.BinaryFocalCrossentropy (alpha only with apply_class_balancing=True)'},
    notes="y_true in {0, 1}; y_pred probabilities (clipped like binary_cross_entropy). alpha weights "
          "the positive class (α_t = α for y = 1, 1 − α for y = 0); alpha=None means no weighting. "
          "gamma = 0 with alpha = None is exactly binary_cross_entropy. Convex in p (for every "
          "γ ≥ 0), though not in the logit; not robust: for a confident mistake the gradient "
          "grows like 1/p_t, as for the cross-entropy.",
)
