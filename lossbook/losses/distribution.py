"""Losses between probability distributions.

Pure NumPy; imports only lossbook.losses._core.
"""

from __future__ import annotations

import numpy as np

from ._core import Loss, as_float_array, check_rows_sum_to_one, check_same_shape, register


def _prepare_kl(p, q):
    p = as_float_array(p, "y_true", "kl_divergence")
    q = as_float_array(q, "y_pred", "kl_divergence")
    if p.ndim == 1:  # a single distribution is one row
        p, q = p[None, :], q.reshape(1, -1) if q.ndim == 1 else q
    check_same_shape(p, q, ("y_true", "y_pred"), "kl_divergence")
    if p.ndim != 2:
        raise ValueError(f"kl_divergence: y_true must be one distribution (k,) or rows (n, k); got shape {p.shape}")
    check_rows_sum_to_one(p, "y_true", "kl_divergence")
    check_rows_sum_to_one(q, "y_pred", "kl_divergence")
    return p, q


def _kl(p, q):
    # 0·log(0/q) = 0, also where q = 0 (both are replaced by 1 there, so no 0·inf = NaN);
    # p > 0 where q = 0 gives +inf, the true value (no warning).
    positive = p > 0
    with np.errstate(divide="ignore"):
        terms = np.where(positive, p * np.log(np.where(positive, p, 1.0) / np.where(positive, q, 1.0)), 0.0)
    return terms.sum(axis=1)


def _kl_gradient(p, q):
    positive = p > 0
    with np.errstate(divide="ignore"):  # p > 0 with q = 0: −inf, the true derivative
        return np.where(positive, -p / np.where(positive, q, 1.0), 0.0)


kl_divergence = register(
    Loss(
        "kl_divergence",
        summary="Kullback–Leibler divergence KL(p‖q) of the predicted distribution q from p.",
        task="distribution",
        formula=r"\mathrm{KL}(p\,\|\,q) = \sum_{c} p_c \log\frac{p_c}{q_c}",
        gradient_formula=r"\partial\,\mathrm{KL}/\partial q_c = -p_c/q_c",
        year=1951, reference="kullback1951", convex=True, robust=False,
        inputs=("y_true", "y_pred"),
        prepare=_prepare_kl, value=_kl, gradient=_kl_gradient,
        counterparts={"SciPy": "special.rel_entr (summed)", "PyTorch": "nn.KLDivLoss (takes log q)",
                      "Keras": "KLDivergence"},
        notes="y_true = p and y_pred = q are distributions over the last axis: one (k,) or rows "
              "(n, k), entries in [0, 1] summing to 1. Terms with p_c = 0 contribute 0; p_c > 0 "
              "with q_c = 0 gives +inf. The mean reduction averages over rows. "
              "Cross-entropy = entropy(p) + KL(p‖q).",
    )
)
