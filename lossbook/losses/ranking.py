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
    """Checker for (n, d) embeddings of the same shape, plus an optional 1-D label column."""

    def prepare(*args):
        arrays = [as_float_array(a, n, owner) for a, n in zip(args, names)]
        for a, n in zip(arrays, names):
            check_ndim(a, n, owner, 2, _EMBEDDING_HINT)
        for a, n in zip(arrays[1:], names[1:]):
            check_same_shape(arrays[0], a, (names[0], n), owner)
        if label is not None:
            y = as_float_array(args[-1], label, owner)
            check_ndim(y, label, owner, 1)
            check_same_length({names[0]: arrays[0], label: y}, owner)
            check_labels(y, label, owner, (0.0, 1.0), "1 for a similar pair, 0 for a dissimilar one.")
            arrays.append(y)
        return tuple(arrays)

    return prepare


def _distance(a, b):
    diff = a - b
    d = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return diff, d


def _unit(diff, d):
    """diff / d row-wise, with 0 where d = 0 (the subgradient we choose at the kink)."""
    return np.divide(diff, d[:, None], out=np.zeros_like(diff), where=d[:, None] > 0)


# -- contrastive --------------------------------------------------------------------------------


def _contrastive(x1, x2, same, margin):
    _, d = _distance(x1, x2)
    # np.where rather than s·½d² + (1−s)·½max(0, m−d)²: for a dissimilar pair so far apart that
    # d² overflows, 0·inf would be NaN instead of the true 0.
    return np.where(same == 1.0, 0.5 * d**2, 0.5 * np.maximum(0.0, margin - d) ** 2)


def _contrastive_gradient(x1, x2, same, margin):
    diff, d = _distance(x1, x2)
    push = np.maximum(0.0, margin - d)
    g1 = same[:, None] * diff - ((1.0 - same) * push)[:, None] * _unit(diff, d)
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
        counterparts={"PyTorch": "nn.CosineEmbeddingLoss (cosine variant)",
                      "TensorFlow Addons": "losses.ContrastiveLoss"},
        notes="x1, x2: (n, d) embeddings; same: 1 for a similar pair, 0 for a dissimilar one. "
              "The gradient is a tuple (∂/∂x1, ∂/∂x2); at d = 0 a dissimilar pair gets 0.",
    )
)


# -- triplet ------------------------------------------------------------------------------------


def _triplet_parts(a, p, n, margin):
    dap, d_ap = _distance(a, p)
    dan, d_an = _distance(a, n)
    return dap, d_ap, dan, d_an, d_ap - d_an + margin


def _triplet(a, p, n, margin):
    return np.maximum(0.0, _triplet_parts(a, p, n, margin)[-1])


def _triplet_gradient(a, p, n, margin):
    dap, d_ap, dan, d_an, z = _triplet_parts(a, p, n, margin)
    active = (z > 0).astype(np.float64)[:, None]
    u_ap, u_an = _unit(dap, d_ap), _unit(dan, d_an)
    return active * (u_ap - u_an), -active * u_ap, active * u_an


triplet = register(
    Loss(
        "triplet",
        summary="Triplet loss: the anchor must be closer to the positive than to the negative by a margin.",
        task="ranking",
        formula=r"\ell = \max\!\left(0,\ \lVert a-p\rVert - \lVert a-n\rVert + m\right)",
        gradient_formula=r"\partial\ell/\partial a = [\text{active}]\left(\tfrac{a-p}{\lVert a-p\rVert} - \tfrac{a-n}{\lVert a-n\rVert}\right)",
        year=2015, reference="schroff2015", convex=False, robust=True,
        inputs=("anchor", "positive", "negative"),
        params={"margin": non_negative(1.0, "margin")},
        prepare=_embeddings("triplet", ("anchor", "positive", "negative")),
        value=_triplet, gradient=_triplet_gradient,
        counterparts={"PyTorch": "nn.TripletMarginLoss (p=2)"},
        notes="anchor, positive, negative: (n, d) embeddings; Euclidean distances (not squared). "
              "The gradient is a tuple (∂/∂anchor, ∂/∂positive, ∂/∂negative).",
    )
)


# -- margin ranking -----------------------------------------------------------------------------


def _prepare_ranking(s1, s2, y):
    arrays = {n: as_float_array(a, n, "margin_ranking") for n, a in (("s1", s1), ("s2", s2), ("y", y))}
    for n, a in arrays.items():
        check_ndim(a, n, "margin_ranking", 1, "One score per item.")
    check_same_length(arrays, "margin_ranking")
    check_labels(arrays["y"], "y", "margin_ranking", (-1.0, 1.0),
                 "y = 1 means s1 should rank higher than s2, y = -1 the reverse.")
    return tuple(arrays.values())


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
        value=lambda s1, s2, y, margin: np.maximum(0.0, -y * (s1 - s2) + margin),
        gradient=_margin_ranking_gradient,
        counterparts={"PyTorch": "nn.MarginRankingLoss"},
        notes="With margin 1 it is the hinge loss of the score difference s1 − s2 with label y.",
    )
)


# -- InfoNCE ------------------------------------------------------------------------------------


def _info_nce_logits(q, k, temperature):
    return q @ k.T / temperature


def _info_nce(q, k, temperature):
    return softmax_cross_entropy(np.eye(q.shape[0]), _info_nce_logits(q, k, temperature))


def _info_nce_gradient(q, k, temperature):
    g = softmax_cross_entropy_gradient(np.eye(q.shape[0]), _info_nce_logits(q, k, temperature)) / temperature
    return g @ k, g.T @ q


info_nce = register(
    Loss(
        "info_nce",
        summary="InfoNCE: each query must pick its own key among all keys of the batch (softmax over similarities).",
        task="ranking",
        formula=r"\ell_i = -\log\frac{\exp(q_i\cdot k_i/\tau)}{\sum_j \exp(q_i\cdot k_j/\tau)}",
        gradient_formula=r"\partial\textstyle\sum\ell/\partial Q = G K,\ \partial\textstyle\sum\ell/\partial K = G^\top Q,\ G = (\operatorname{softmax}(QK^\top/\tau) - I)/\tau",
        year=2018, reference="oord2018", convex=False, robust=True,
        inputs=("queries", "keys"),
        params={"temperature": positive(0.1, "temperature")},
        prepare=_embeddings("info_nce", ("queries", "keys")),
        value=_info_nce, gradient=_info_nce_gradient,
        counterparts={"PyTorch": "nn.CrossEntropyLoss on q @ k.T / τ with labels arange(n)"},
        notes="queries, keys: (n, d); row i of keys is the positive for query i, the other rows are "
              "its in-batch negatives. Similarity is the dot product: L2-normalise the rows first for "
              "cosine similarity (as CLIP does). The gradient is a tuple (∂/∂queries, ∂/∂keys) of Σℓ.",
    )
)
