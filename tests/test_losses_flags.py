"""The ``robust`` and ``convex`` flags of every loss, checked against their definitions.

The definitions are in the docstring of ``lossbook.losses.Loss`` (and the book's cheat sheet):

- **robust**: a single wild target or prediction has a bounded effect on the gradient. Here each
  loss gets one sample whose input is pushed to an extreme of its domain (a residual or score
  of ±10^L, a probability 10^-L away from 0 or 1, an embedding at distance 10^L), L = 1 … 8, and
  the size of the gradient is followed: it must level off for a robust loss and grow without
  bound (by at least 10³, or to inf) for the others. Every wild case a loss has is tried; a
  loss is robust only if none of them grows. rmse is not a sum over samples, so there the wild
  sample's share of the gradient relative to an ordinary sample's is what is followed.
- **convex**: convex in the prediction as the loss takes it. For a loss flagged convex, second
  differences along random lines through valid predictions are ≥ 0 (to rounding), for several
  hyper-parameter values; for a loss flagged non-convex, a line is exhibited along which the
  second difference is clearly negative. The focal loss, the one whose convexity is not
  textbook knowledge, also gets its second derivative in p from mpmath on a fine grid.

A loss added to REGISTRY without cases here fails ``test_every_loss_has_flag_cases``.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import lossbook.losses as L

LEVELS = range(1, 9)
GROWS = 1e3  # growth of the gradient over the levels that counts as unbounded
LEVELS_OFF = 10.0  # growth that counts as bounded (the gradient saturates)

REG_Y, REG_P = np.array([0.2, -0.4, 0.7, 0.0]), np.array([0.1, 0.3, 0.2, 0.0])


def regression(sign):
    """The last target at ±10^L (the same as a wild prediction: only r = y − ŷ matters)."""
    def case(level):
        y = REG_Y.copy()
        y[-1] = sign * 10.0**level
        return (y, REG_P), {}
    return case


def binary(y_wild, p_wild, y=(1.0, 0.0, 1.0), p=(0.6, 0.3, 0.8)):
    def case(level):
        return (np.array([*y, y_wild]), np.array([*p, p_wild(level)])), {}
    return case


PROB_LOW = lambda level: 10.0**-level  # noqa: E731  a probability going to 0
PROB_HIGH = lambda level: 1.0 - 10.0**-level  # noqa: E731  … and to 1
SCORE_LOW = lambda level: -(10.0**level)  # noqa: E731
SCORE_HIGH = lambda level: 10.0**level  # noqa: E731


def multiclass_probabilities(level):
    eps = 10.0**-level
    P = np.array([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2], [eps, 0.5, 0.5 - eps]])
    return (np.array([1, 0, 0]), P), {}


def multiclass_scores(level):
    S = np.array([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2], [-(10.0**level), 0.5, 0.1]])
    return (np.array([1, 0, 0]), S), {}


def kl(level):
    eps = 10.0**-level
    return (np.array([[0.5, 0.5], [1.0, 0.0]]), np.array([[0.4, 0.6], [eps, 1.0 - eps]])), {}


X1 = np.array([[0.0, 1.0], [1.0, 0.5], [0.3, -0.2]])
X2 = np.array([[0.5, 1.0], [1.0, 0.0], [0.1, 0.1]])


def contrastive(same):
    def case(level):
        x2 = X2.copy()
        x2[-1] = X1[-1] + [10.0**level, 0.0]
        return (X1, x2, np.array([1.0, 0.0, same])), {}
    return case


def triplet(which):
    def case(level):
        a, p, n = X1.copy(), X2.copy(), X2[::-1].copy()
        target = p if which == "positive" else n if which == "negative" else a
        target[-1] = [10.0**level, -(10.0**level)]
        return (a, p, n), {}
    return case


def margin_ranking(level):
    return (np.array([0.2, 1.0, -(10.0**level)]), np.array([0.1, 0.3, 0.0]), np.array([1.0, -1.0, 1.0])), {}


def info_nce(which):
    def case(level):
        q, k = X1.copy(), X2.copy()
        if which == "query":  # a wild query aligned with another sample's key
            q[0] = 10.0**level * k[1]
        else:  # a wild key aligned with another sample's query
            k[1] = 10.0**level * q[0]
        return (q, k), {"temperature": 1.0}
    return case


# name -> the wild cases to try (each a function of the level)
WILD = {
    "mse": [regression(1), regression(-1)],
    "mae": [regression(1), regression(-1)],
    "rmse": [regression(1), regression(-1)],
    "huber": [regression(1), regression(-1)],
    "pseudo_huber": [regression(1), regression(-1)],
    "log_cosh": [regression(1), regression(-1)],
    "quantile": [regression(1), regression(-1)],
    "epsilon_insensitive": [regression(1), regression(-1)],
    "zero_one": [lambda level: ((np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 10.0**level])), {})],
    "binary_cross_entropy": [binary(1.0, PROB_LOW), binary(0.0, PROB_HIGH)],
    "binary_cross_entropy_with_logits": [binary(1.0, SCORE_LOW, p=(0.5, -1.0, 2.0)),
                                         binary(0.0, SCORE_HIGH, p=(0.5, -1.0, 2.0))],
    "categorical_cross_entropy": [multiclass_probabilities],
    "categorical_cross_entropy_with_logits": [multiclass_scores],
    "hinge": [binary(1.0, SCORE_LOW, y=(1.0, -1.0, 1.0), p=(0.5, -1.0, 2.0)),
              binary(-1.0, SCORE_HIGH, y=(1.0, -1.0, 1.0), p=(0.5, -1.0, 2.0))],
    "squared_hinge": [binary(1.0, SCORE_LOW, y=(1.0, -1.0, 1.0), p=(0.5, -1.0, 2.0))],
    "multiclass_hinge": [multiclass_scores],
    "exponential": [binary(1.0, SCORE_LOW, y=(1.0, -1.0, 1.0), p=(0.5, -1.0, 2.0))],
    "brier": [binary(1.0, PROB_LOW), binary(0.0, PROB_HIGH)],
    "focal": [binary(1.0, PROB_LOW), binary(0.0, PROB_HIGH)],
    "kl_divergence": [kl],
    "contrastive": [contrastive(1.0), contrastive(0.0)],
    "triplet": [triplet("positive"), triplet("negative"), triplet("anchor")],
    "margin_ranking": [margin_ranking],
    "info_nce": [info_nce("query"), info_nce("key")],
}


def gradient_size(name, case, level):
    """max |∂ℓ| over every gradient array; for rmse the wild sample's share (see the module doc)."""
    inputs, hp = case(level)
    loss = L.REGISTRY[name]
    g = loss.gradient(*inputs, **hp)
    arrays = g if isinstance(g, tuple) else (g,)
    if name == "rmse":
        g = np.abs(arrays[0])
        return g[-1] / np.max(g[:-1])
    return max(float(np.max(np.abs(a))) for a in arrays)


def growth(name, case):
    sizes = np.array([gradient_size(name, case, level) for level in LEVELS])
    assert not np.isnan(sizes).any(), (name, sizes)
    if not np.any(sizes > 0):
        return 1.0  # a zero gradient (the 0–1 loss) is as bounded as it gets
    with np.errstate(divide="ignore", over="ignore"):
        return float(np.max(sizes) / sizes[0])


def test_every_loss_has_flag_cases():
    assert set(WILD) == set(L.REGISTRY)
    assert set(LINES) | set(COUNTEREXAMPLES) == set(L.REGISTRY)


@pytest.mark.parametrize("name", list(WILD))
def test_robust_flag_matches_how_the_gradient_grows(name):
    growths = [growth(name, case) for case in WILD[name]]
    for g in growths:  # every case is clearly one or the other: the test cannot sit on the fence
        assert g <= LEVELS_OFF or g >= GROWS, (name, growths)
    bounded = all(g <= LEVELS_OFF for g in growths)
    assert L.REGISTRY[name].robust == bounded, (
        f"{name}: robust={L.REGISTRY[name].robust}, but the gradient grows by {growths} "
        f"as one input goes to an extreme ({'bounded' if bounded else 'unbounded'})")


def test_the_flags_the_audit_questioned():
    """Gradients −y/p and −p/q are unbounded: the cross-entropies on probabilities, the focal loss and
    KL are not robust; from logits they are. The focal loss is convex in p."""
    for name in ("binary_cross_entropy", "categorical_cross_entropy", "focal", "kl_divergence"):
        assert not L.REGISTRY[name].robust, name
    for name in ("binary_cross_entropy_with_logits", "categorical_cross_entropy_with_logits"):
        assert L.REGISTRY[name].robust, name
    assert L.focal.convex and L.binary_cross_entropy.convex and L.kl_divergence.convex


def test_the_definitions_are_documented():
    doc = " ".join(L.Loss.__doc__.split())
    assert "a single wild target or prediction has a bounded effect on the gradient" in doc
    assert "convex function of the prediction *as the loss takes it*" in doc


# --------------------------------------------------------------------------------------------
# Convexity
# --------------------------------------------------------------------------------------------

RNG = np.random.default_rng(7)


def simplex_points(n, k):
    return RNG.dirichlet(np.full(k, 2.0), size=n)


def simplex_direction(n, k):
    v = RNG.normal(size=(n, k))
    return v - v.mean(axis=1, keepdims=True)  # rows sum to 0: the line stays on the simplex


# name -> (inputs, index of the prediction inputs that move, hyper-parameter sets, domain)
# domain: "real", "unit" (probabilities in (0, 1)) or "simplex" (rows of probabilities).
N = 6
Y_REG = RNG.normal(size=N)
Y01 = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
YPM = 2 * Y01 - 1
SOFT = RNG.uniform(size=N)
LABELS = np.array([0, 2, 1, 1, 0, 2])
LINES = {
    **{name: ((Y_REG, RNG.normal(size=N) * 2), (1,), params, "real") for name, params in [
        ("mse", [{}]), ("mae", [{}]), ("rmse", [{}]), ("huber", [{"delta": 0.3}, {"delta": 1.0}]),
        ("pseudo_huber", [{"delta": 0.3}, {"delta": 2.0}]), ("log_cosh", [{}]),
        ("quantile", [{"q": 0.1}, {"q": 0.5}, {"q": 0.9}]),
        ("epsilon_insensitive", [{"epsilon": 0.0}, {"epsilon": 0.5}])]},
    "binary_cross_entropy": ((SOFT, RNG.uniform(0.05, 0.95, N)), (1,), [{}], "unit"),
    "binary_cross_entropy_with_logits": ((SOFT, RNG.normal(size=N) * 3), (1,), [{}], "real"),
    "categorical_cross_entropy": ((LABELS, simplex_points(N, 3)), (1,), [{}], "simplex"),
    "categorical_cross_entropy_with_logits": ((simplex_points(N, 3), RNG.normal(size=(N, 3))), (1,), [{}], "real"),
    "hinge": ((YPM, RNG.normal(size=N)), (1,), [{}], "real"),
    "squared_hinge": ((YPM, RNG.normal(size=N)), (1,), [{}], "real"),
    "multiclass_hinge": ((LABELS, RNG.normal(size=(N, 3))), (1,), [{}], "real"),
    "exponential": ((YPM, RNG.normal(size=N)), (1,), [{}], "real"),
    "brier": ((SOFT, RNG.uniform(0.05, 0.95, N)), (1,), [{}], "unit"),
    "focal": ((Y01, RNG.uniform(0.05, 0.95, N)), (1,),
              [{"gamma": g, "alpha": a} for g in (0.0, 0.3, 1.0, 2.0, 5.0) for a in (None, 0.25)], "unit"),
    "kl_divergence": ((simplex_points(N, 4), simplex_points(N, 4)), (1,), [{}], "simplex"),
    "margin_ranking": ((RNG.normal(size=N), RNG.normal(size=N), YPM), (0, 1), [{"margin": 0.0}, {"margin": 1.0}],
                       "real"),
}


def moved(inputs, wrt, directions, t):
    out = list(inputs)
    for i, v in zip(wrt, directions):
        out[i] = np.asarray(inputs[i], dtype=float) + t * v
    return out


def per_sample(name, inputs, hp):
    loss = L.REGISTRY[name]
    return np.atleast_1d(loss(*inputs, **hp)) if name == "rmse" else loss(*inputs, reduction="none", **hp)


@pytest.mark.parametrize("name", list(LINES))
def test_losses_flagged_convex_are_convex_along_random_lines(name):
    assert L.REGISTRY[name].convex
    inputs, wrt, params, domain = LINES[name]
    for hp in params:
        for _ in range(20):
            directions = []
            for i in wrt:
                shape = np.shape(inputs[i])
                directions.append(simplex_direction(*shape) if domain == "simplex" else RNG.normal(size=shape))
            # the largest step that keeps every moved probability inside (0, 1)
            h = 0.5
            if domain != "real":
                x, v = np.asarray(inputs[wrt[0]]), directions[0]
                room = np.minimum(x, 1 - x) / np.maximum(np.abs(v), 1e-12)
                h = 0.9 * float(room.min())
            for step in (h, h / 10):
                f = [per_sample(name, moved(inputs, wrt, directions, t), hp) for t in (-step, 0.0, step)]
                second = f[0] - 2 * f[1] + f[2]
                assert np.all(second >= -1e-12 * (1 + np.abs(f[1]))), (name, hp, second)


def counterexample_zero_one():
    # labels: ŷ = y is right, ŷ = y + 2 wrong, and the midpoint y + 1 wrong too: 1 > (0 + 1)/2
    return [L.zero_one([1.0], [p]) for p in (1.0, 2.0, 3.0)]


def counterexample_contrastive():
    # a dissimilar pair pushed apart: ½max(0, 1 − d)² is a bump around d = 0
    return [L.contrastive([[t, 0.0]], [[0.0, 0.0]], [0.0]) for t in (-0.5, 0.0, 0.5)]


def counterexample_triplet():
    # the negative moving through the anchor: −‖a − n‖ has a concave kink
    return [L.triplet([[0.0, 0.0]], [[0.3, 0.0]], [[t, 0.0]]) for t in (-0.5, 0.0, 0.5)]


def counterexample_info_nce():
    # queries = keys = t·I: similarities t²/τ on the diagonal, log(1 + e^{−t²/τ}) per row
    return [L.info_nce(t * np.eye(2), t * np.eye(2), temperature=1.0) for t in (-0.5, 0.0, 0.5)]


COUNTEREXAMPLES = {"zero_one": counterexample_zero_one, "contrastive": counterexample_contrastive,
                   "triplet": counterexample_triplet, "info_nce": counterexample_info_nce}


@pytest.mark.parametrize("name", list(COUNTEREXAMPLES))
def test_losses_flagged_non_convex_have_a_counterexample(name):
    assert not L.REGISTRY[name].convex
    left, middle, right = COUNTEREXAMPLES[name]()
    assert middle > (left + right) / 2 + 1e-3, (name, left, middle, right)


@pytest.mark.parametrize("gamma", [0.0, 0.05, 0.25, 0.5, 1.0, 1.5, 2.0, 5.0])
def test_focal_loss_is_convex_in_p_by_mpmath(gamma):
    """d²/dp² of −(1 − p)^γ log p (y = 1; y = 0 is its mirror image p → 1 − p) is > 0 on (0, 1)."""
    with mpmath.workdps(30):
        f = lambda p: -(1 - p) ** gamma * mpmath.log(p)  # noqa: E731
        grid = [mpmath.mpf(i) / 200 for i in range(1, 200)] + [mpmath.mpf("1e-8"), 1 - mpmath.mpf("1e-6")]
        assert all(mpmath.diff(f, p, 2) > 0 for p in grid)
