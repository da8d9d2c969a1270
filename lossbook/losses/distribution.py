"""Losses between probability distributions.

Pure NumPy; imports only lossbook.losses._core.
"""

from __future__ import annotations

import numpy as np

from ._core import (Loss, as_float_array, check_rows_sum_to_one, check_same_shape, check_unit_interval,
                    register, row_sums)

TINY = float(np.finfo(np.float64).tiny)  # the smallest normal float64, 2.2e-308


def _prepare_kl(p, q):
    # The distribution checks (entries in [0, 1], rows summing to 1) reject NaN and inf too.
    p = as_float_array(p, "y_true", "kl_divergence", check_finite=False)
    q = as_float_array(q, "y_pred", "kl_divergence", check_finite=False)
    check_unit_interval(p, "y_true", "kl_divergence", "probabilities")
    check_unit_interval(q, "y_pred", "kl_divergence", "probabilities")
    if p.ndim == 1:  # a single distribution is one row
        p, q = p[None, :], q.reshape(1, -1) if q.ndim == 1 else q
    check_same_shape(p, q, ("y_true", "y_pred"), "kl_divergence")
    if p.ndim != 2:
        raise ValueError(f"kl_divergence: y_true must be one distribution (k,) or rows (n, k); got shape {p.shape}")
    check_rows_sum_to_one(p, "y_true", "kl_divergence", range_checked=True)
    check_rows_sum_to_one(q, "y_pred", "kl_divergence", range_checked=True)
    return p, q


def _kl_terms(p, q):
    """p·log(p/q) entry by entry, with 0·log(0/q) = 0 (also for q = 0) and +inf for p > 0 = q.

    log(p/q) is the accurate form (one rounding before the logarithm) while p/q is a finite
    normal number; where it overflows (q tiny: 1/1e-310) or is subnormal, log p − log q.
    """
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        ratio = p / q
        terms = np.log(ratio)
        far = ~((ratio >= TINY) & (ratio < np.inf)) & (p > 0) & (q > 0)
        if far.any():
            terms[far] = np.log(p[far]) - np.log(q[far])
        terms *= p
    terms[p == 0] = 0.0
    return terms


def _kl(p, q):
    # The common case in four array operations, p·log(p/q) summed by rows; a row that is not
    # finite (0·log 0 = NaN, q = 0 < p, or an overflowing p/q) is recomputed term by term.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        terms = np.divide(p, q, order="C")  # C order: the same row sums whatever the layout
        np.log(terms, out=terms)
        terms *= p
    out = row_sums(terms)
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = row_sums(_kl_terms(p[bad], q[bad]))
    return out


def _kl_gradient(p, q):
    # −p/q, 0 where p = 0 (also where q = 0); p > 0 = q gives −inf, the true derivative, and so
    # does a p/q beyond the float64 range.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        g = np.divide(p, q)
    np.negative(g, out=g)
    g[p == 0] = 0.0
    return g


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
        counterparts={'SciPy': 'scipy.special.rel_entr (summed over the last axis)',
                      'PyTorch': 'torch.nn.KLDivLoss (takes log q)',
                      'Keras': 'keras.losses.KLDivergence'},
        notes="y_true = p and y_pred = q are distributions over the last axis: one (k,) or rows "
              "(n, k), entries in [0, 1] summing to 1; one distribution is one sample. Terms with "
              "p_c = 0 contribute 0; p_c > 0 with q_c = 0 gives +inf. Where p_c/q_c would overflow "
              "(q_c tiny) the term is p_c(log p_c − log q_c), so KL([1, 0] ‖ [1e-310, 1]) is "
              "713.80, not inf. The mean reduction averages over rows. "
              "Cross-entropy = entropy(p) + KL(p‖q). Not robust: the gradient −p_c/q_c grows "
              "without bound as q_c → 0.",
    )
)
