"""Similarity and ranking losses: embeddings and scores compared in pairs, triplets or batches.

Pure NumPy; imports only lossbook.losses._core and .classification (for the stable softmax
cross-entropy).
"""

from __future__ import annotations

import numpy as np

from ._core import (
    Loss,
    as_float_array,
    check_labels,
    check_ndim,
    check_same_length,
    check_same_shape,
    non_negative,
    positive,
    register,
)
from .classification import softmax_cross_entropy_gradient, softmax_cross_entropy

_EMBEDDING_HINT = "Use x.reshape(-1, 1) for one feature per sample, or x.reshape(1, -1) for one sample."


def _embeddings(owner: str, names: tuple[str, ...], label: str | None = None):
    """Checker for (n, d) embeddings of the same shape, plus an optional 1-D label column (a
    scalar label is broadcast to every pair)."""

    def prepare(*args):
        arrays = [as_float_array(a, n, owner) for a, n in zip(args, names)]
        for a, n in zip(arrays, names):
            check_ndim(a, n, owner, 2, _EMBEDDING_HINT)
        for a, n in zip(arrays[1:], names[1:]):
            check_same_shape(arrays[0], a, (names[0], n), owner)
        if label is not None:
            # the label check rejects NaN and inf itself
            y = as_float_array(args[-1], label, owner, check_finite=False)
            check_ndim(y, label, owner, 1)
            if np.ndim(args[-1]) == 0:
                y = np.broadcast_to(y, (arrays[0].shape[0],))
            check_same_length({names[0]: arrays[0], label: y}, owner)
            check_labels(y, label, owner, (0.0, 1.0), "1 for a similar pair, 0 for a dissimilar one.")
            arrays.append(y)
        return tuple(arrays)

    return prepare


_TINY_SQUARE = 1e-280  # below this, a squared distance may have lost digits to underflow


def _scaled_rows(a, b):
    """Rows of a − b as (m, u): a − b = 2m·u with m = max |(a − b)/2| ≥ 0 and |u| ≤ 1, exact.

    Halving first (a/2 − b/2) keeps a difference such as 1e308 − (−1e308) finite; dividing by m
    keeps the squares of u away from overflow and underflow.
    """
    h = a * 0.5 - b * 0.5
    m = np.max(np.abs(h), axis=1)
    u = np.divide(h, m[:, None], out=np.zeros_like(h), where=m[:, None] > 0)
    return m, u


class _Pairs:
    """diff = x1 − x2 row by row, its Euclidean length d and the unit vector diff/d.

    The common case is √(diff·diff). Rows whose squared length overflows (entries ≳ 1e154),
    underflows (≲ 1e-140) or whose difference itself overflows are measured scaled instead
    (``_scaled_rows``), so that d is finite whenever the true length is, and the unit vector is
    never NaN. At d = 0 the unit vector is 0, the subgradient we choose at the kink.
    """

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.diff = a - b
        squares = np.einsum("ij,ij->i", self.diff, self.diff)
        self.d = np.sqrt(squares)
        self.bad = None
        if not (squares.min() >= _TINY_SQUARE and squares.max() < np.inf):  # NaN-safe
            bad = ~((squares >= _TINY_SQUARE) & (squares < np.inf)) & self.diff.any(axis=1)
            if bad.any():
                self.bad = bad
                self.m, self.u = _scaled_rows(a[bad], b[bad])
                self.norm_u = np.sqrt(np.einsum("ij,ij->i", self.u, self.u))
                self.d[bad] = 2.0 * (self.m * self.norm_u)  # may overflow: then the true d does

    def unit(self):
        out = np.divide(self.diff, self.d[:, None], out=np.zeros_like(self.diff),
                        where=(self.d[:, None] > 0) & (self.d[:, None] < np.inf))
        if self.bad is not None:
            out[self.bad] = self.u / self.norm_u[:, None]
        return out


# -- contrastive --------------------------------------------------------------------------------


def _contrastive(x1, x2, same, margin):
    d = _Pairs(x1, x2).d
    # np.where rather than s·½d² + (1−s)·½max(0, m−d)²: for a dissimilar pair so far apart that
    # d² overflows, 0·inf would be NaN instead of the true 0.
    return np.where(same == 1.0, 0.5 * d**2, 0.5 * np.maximum(0.0, margin - d) ** 2)


def _contrastive_gradient(x1, x2, same, margin):
    pairs = _Pairs(x1, x2)
    push = np.maximum(0.0, margin - pairs.d)
    # similar pairs: x1 − x2; dissimilar pairs: −max(0, m − d)·(x1 − x2)/d. np.where, so that an
    # overflowing x1 − x2 of a dissimilar pair (push 0) gives 0, not 0·inf.
    g1 = np.where((same == 1.0)[:, None], pairs.diff, -push[:, None] * pairs.unit())
    return g1, -g1


contrastive = register(
    Loss(
        "contrastive",
        summary="Contrastive loss: pull similar pairs together, push dissimilar pairs beyond a margin.",
        task="ranking",
        formula=r"\ell = s\,\tfrac12 d^2 + (1-s)\,\tfrac12\max(0,\ m-d)^2,\ d=\lVert x_1-x_2\rVert",
        gradient_formula=r"\partial\ell/\partial x_1 = s\,(x_1-x_2) - (1-s)\max(0,m-d)\,(x_1-x_2)/d",
        year=2006, reference="hadsell2006", convex=False, robust=False,
        inputs=("x1", "x2", "same"),
        params={"margin": non_negative(1.0, "margin")},
        prepare=_embeddings("contrastive", ("x1", "x2"), label="same"),
        value=_contrastive, gradient=_contrastive_gradient,
        notes="x1, x2: (n, d) embeddings; same: 1 for a similar pair, 0 for a dissimilar one. "
              "The gradient is a tuple (∂/∂x1, ∂/∂x2); at d = 0 a dissimilar pair gets 0. "
              "Not robust: a similar pair is pulled with force x1 − x2, unbounded.",
    )
)


# -- triplet ------------------------------------------------------------------------------------


def _triplet_parts(a, p, n, margin):
    ap, an = _Pairs(a, p), _Pairs(a, n)
    with np.errstate(invalid="ignore"):  # inf − inf: recomputed below
        z = ap.d - an.d + margin
    bad = ~np.isfinite(z)
    if bad.any():
        # Both distances beyond the float64 range: compare them on a common scale c per row,
        # z = 2c·(‖h_ap‖/c − ‖h_an‖/c) + m with h the halved differences.
        h_ap, h_an = a[bad] * 0.5 - p[bad] * 0.5, a[bad] * 0.5 - n[bad] * 0.5
        c = np.maximum(np.max(np.abs(h_ap), axis=1), np.max(np.abs(h_an), axis=1))[:, None]
        gap = np.linalg.norm(h_ap / c, axis=1) - np.linalg.norm(h_an / c, axis=1)
        z[bad] = c[:, 0] * (2.0 * gap) + margin  # c·0 = 0; a true z beyond the range is ±inf
    return ap, an, z


def _triplet(a, p, n, margin):
    return np.maximum(0.0, _triplet_parts(a, p, n, margin)[-1])


def _triplet_gradient(a, p, n, margin):
    ap, an, z = _triplet_parts(a, p, n, margin)
    active = (z > 0).astype(np.float64)[:, None]
    u_ap, u_an = ap.unit(), an.unit()
    return active * (u_ap - u_an), -active * u_ap, active * u_an


triplet = register(
    Loss(
        "triplet",
        summary="Triplet loss: the anchor must be closer to the positive than to the negative by a margin "
                "(plain Euclidean distances, as in PyTorch's TripletMarginLoss; FaceNet squares them).",
        task="ranking",
        formula=r"\ell = \max\!\left(0,\ \lVert a-p\rVert - \lVert a-n\rVert + m\right)",
        gradient_formula=r"\partial\ell/\partial a = [\text{active}]\left(\tfrac{a-p}{\lVert a-p\rVert} - \tfrac{a-n}{\lVert a-n\rVert}\right)",
        year=2015, reference="schroff2015", convex=False, robust=True,
        inputs=("anchor", "positive", "negative"),
        params={"margin": non_negative(1.0, "margin")},
        prepare=_embeddings("triplet", ("anchor", "positive", "negative")),
        value=_triplet, gradient=_triplet_gradient,
        counterparts={'PyTorch': 'torch.nn.TripletMarginLoss(p=2)'},
        notes="anchor, positive, negative: (n, d) embeddings. Distances are Euclidean, not squared: "
              "this is PyTorch's TripletMarginLoss (p=2). FaceNet (Schroff et al., 2015), the "
              "reference, uses squared distances, ‖a−p‖² − ‖a−n‖² + m, whose margin is in squared "
              "units. The gradient is a tuple (∂/∂anchor, ∂/∂positive, ∂/∂negative) of unit "
              "vectors, bounded whatever the inputs.",
    )
)


# -- margin ranking -----------------------------------------------------------------------------


def _prepare_ranking(s1, s2, y):
    raw = {"s1": s1, "s2": s2, "y": y}
    # the label check rejects NaN and inf in y itself
    arrays = {n: as_float_array(a, n, "margin_ranking", check_finite=n != "y") for n, a in raw.items()}
    for n, a in arrays.items():
        check_ndim(a, n, "margin_ranking", 1, "One score per item.")
    check_labels(arrays["y"], "y", "margin_ranking", (-1.0, 1.0),
                 "y = 1 means s1 should rank higher than s2, y = -1 the reverse.")
    # scalars (a single label for every pair, say) are broadcast to the others' length
    lengths = {a.shape[0] for n, a in arrays.items() if np.ndim(raw[n]) != 0}
    if len(lengths) == 1:
        n = lengths.pop()
        arrays = {k: np.broadcast_to(a, (n,)) if np.ndim(raw[k]) == 0 else a for k, a in arrays.items()}
    check_same_length(arrays, "margin_ranking")
    return tuple(arrays.values())


def _margin_ranking(s1, s2, y, margin):
    out = np.subtract(s2, s1)  # max(0, −y(s1 − s2) + m) in place
    out *= y
    out += margin
    return np.maximum(out, 0.0, out=out)


def _margin_ranking_gradient(s1, s2, y, margin):
    active = (-y * (s1 - s2) + margin > 0).astype(np.float64)
    return -y * active, y * active


margin_ranking = register(
    Loss(
        "margin_ranking",
        summary="Margin ranking loss: score s1 above s2 (y = 1) or below (y = −1) by a margin.",
        task="ranking",
        formula=r"\ell = \max\!\left(0,\ -y(s_1-s_2) + m\right)",
        gradient_formula=r"\partial\ell/\partial s_1 = -y\,[\text{active}],\ \partial\ell/\partial s_2 = y\,[\text{active}]",
        year=2002, reference="joachims2002", convex=True, robust=True,
        inputs=("s1", "s2", "y"),
        params={"margin": non_negative(0.0, "margin")},
        prepare=_prepare_ranking,
        value=_margin_ranking,
        gradient=_margin_ranking_gradient,
        counterparts={'PyTorch': 'torch.nn.MarginRankingLoss'},
        notes="With margin 1 it is the hinge loss of the score difference s1 − s2 with label y.",
    )
)


# -- InfoNCE ------------------------------------------------------------------------------------


def _info_nce_logits(q, k, temperature):
    """Logits Z with the same softmax rows as QKᵀ/τ, finite or ±inf but never NaN.

    The common case is QKᵀ/τ itself. When the similarities or their ratio to τ could leave the
    float64 range (rows of 1e200, τ = 1e-310, ...), the rows are scaled by powers of two first,
    S = (Q/2^a)(K/2^b)ᵀ with every |S_ij| ≤ d, and Z_ij = (S_ij − S_ii)·2^{a+b}/τ: each row is
    shifted by its own diagonal, which changes no softmax and no loss, and a difference too
    large for float64 is ±inf — its softmax weight is then exactly 1 or 0, which it is to
    float64 precision. Returns (Z, scaled).
    """
    sq, sk = float(np.max(np.abs(q))), float(np.max(np.abs(k)))
    if sq == 0.0 or sk == 0.0:
        return np.zeros((q.shape[0], k.shape[0])), False
    log_products = np.log(sq) + np.log(sk) + np.log(q.shape[1])
    if -640.0 < log_products < 660.0 and log_products - np.log(temperature) < 660.0:
        return q @ k.T / temperature, False
    a, b = np.frexp(sq)[1], np.frexp(sk)[1]
    S = np.ldexp(q, -a) @ np.ldexp(k, -b).T
    D = S - np.diagonal(S)[:, None]
    log_factor = (a + b) * np.log(2.0) - np.log(temperature)
    with np.errstate(over="ignore", invalid="ignore"):
        Z = D * np.exp(log_factor) if log_factor < 700.0 else D * np.inf
    Z[D == 0.0] = 0.0  # 0·inf: no difference, no logit difference
    return Z, True


def _info_nce(q, k, temperature):
    Z, scaled = _info_nce_logits(q, k, temperature)
    labels = np.arange(q.shape[0])
    if not scaled:
        return softmax_cross_entropy(labels, Z)
    # Z_ii = 0, so ℓ_i = log Σ_j e^{Z_ij}; a row with a logit of +inf has the loss +inf (the
    # true loss exceeds the float64 range), and −inf logits contribute e^{−inf} = 0.
    out = np.full(q.shape[0], np.inf)
    finite = np.isfinite(Z.max(axis=1))
    if finite.any():
        out[finite] = softmax_cross_entropy(labels[finite], Z[finite])
    return out


def _info_nce_gradient(q, k, temperature):
    Z, scaled = _info_nce_logits(q, k, temperature)
    labels = np.arange(q.shape[0])
    if not scaled:
        G = softmax_cross_entropy_gradient(labels, Z)
        with np.errstate(over="ignore"):  # (G K)/τ, not (G/τ)K: a tiny τ may overflow G/τ alone
            return (G @ k) / temperature, (G.T @ q) / temperature
    # softmax − I row by row; where a row has +inf logits, the softmax puts equal weight on them
    G = np.zeros(Z.shape)
    finite = np.isfinite(Z.max(axis=1))
    if finite.any():
        G[finite] = softmax_cross_entropy_gradient(labels[finite], Z[finite])
    if not finite.all():
        top = Z[~finite] == np.inf
        G[~finite] = top / top.sum(axis=1, keepdims=True)
        G[~finite, labels[~finite]] -= 1.0
    with np.errstate(over="ignore"):  # beyond the float64 range is ±inf; 0/τ stays 0
        return (G @ k) / temperature, (G.T @ q) / temperature


info_nce = register(
    Loss(
        "info_nce",
        summary="InfoNCE: each query must pick its own key among all keys of the batch (softmax over similarities).",
        task="ranking",
        formula=r"\ell_i = -\log\frac{\exp(q_i\cdot k_i/\tau)}{\sum_j \exp(q_i\cdot k_j/\tau)}",
        gradient_formula=r"\partial\textstyle\sum\ell/\partial Q = G K,\ \partial\textstyle\sum\ell/\partial K = G^\top Q,\ G = (\operatorname{softmax}(QK^\top/\tau) - I)/\tau",
        year=2018, reference="oord2018", convex=False, robust=False,
        inputs=("queries", "keys"),
        params={"temperature": positive(0.1, "temperature")},
        prepare=_embeddings("info_nce", ("queries", "keys")),
        value=_info_nce, gradient=_info_nce_gradient,
        counterparts={'PyTorch': 'torch.nn.functional.cross_entropy(q @ k.T / τ, torch.arange(n))'},
        notes="queries, keys: (n, d); row i of keys is the positive for query i, the other rows are "
              "its in-batch negatives. Similarity is the dot product: L2-normalise the rows first for "
              "cosine similarity (as CLIP does). The gradient is a tuple (∂/∂queries, ∂/∂keys) of Σℓ. "
              "Not robust: a wild query (or key) enters the gradient of the keys (queries) "
              "linearly, unbounded. Similarities beyond the float64 range are handled on a "
              "scaled copy (see _info_nce_logits): the loss is then 0, finite or inf, never NaN.",
    )
)
