"""Every analytic gradient in REGISTRY against central finite differences.

``loss.gradient(*inputs)`` is documented as the derivative of Σℓ — the unweighted
``reduction="sum"`` — with respect to each input after the target, with the shape of that input
(a tuple for the multi-input losses). RMSE is not a sum of per-sample terms; its gradient is
documented as that of n·RMSE, so that gradient / n is the gradient of RMSE itself.

Inputs are chosen away from kinks (|r| = δ for Huber, y·s = 1 for the hinge, d = margin, ...),
where finite differences are meaningful; the subgradients chosen *at* the kinks are checked
separately.
"""

from __future__ import annotations

import numpy as np
import pytest

import lossbook.losses as L

N = 7


def rng(seed):
    return np.random.default_rng(seed)


def residuals(seed, avoid=()):
    """Residuals of random sign with |r| in [0.05, 3], at least 0.05 away from each |r| in `avoid`."""
    r = rng(seed)
    values = []
    while len(values) < N:
        v = r.uniform(0.05, 3.0)
        if all(abs(v - a) > 0.05 for a in avoid):
            values.append(v * r.choice([-1.0, 1.0]))
    return np.array(values)


def regression(seed, avoid=()):
    y = rng(seed + 100).normal(size=N)
    return (y, y - residuals(seed, avoid))


def probabilities(seed, n=N):
    return rng(seed).uniform(0.05, 0.95, size=n)


def labels01(seed):
    y = rng(seed).integers(0, 2, size=N).astype(float)
    y[:2] = [0.0, 1.0]
    return y


def scores_away_from_margin(seed, y):
    """Scores s with y·s at least 0.1 away from 1 (the hinge kink), both sides represented."""
    margins = np.array([-1.5, -0.3, 0.4, 0.8, 1.3, 2.0, 0.1])[:N]
    return y * margins * rng(seed).choice([0.9, 1.0, 1.05], size=N)


def multiclass_scores(seed, k=4):
    """(labels, scores) with every true-class margin at least 0.1 away from 1 and no ties."""
    r = rng(seed)
    labels = r.integers(0, k, size=N)
    S = r.normal(size=(N, k))
    margins = S[np.arange(N), labels] - np.max(np.where(np.eye(k)[labels] == 1, -np.inf, S), axis=1)
    S[np.abs(margins - 1.0) < 0.1, :] *= 1.5  # nudge away from the kink
    return labels, S


def prob_rows(seed, k=4):
    return rng(seed).dirichlet(np.full(k, 3.0), size=N)


def pairs(seed, d=3):
    """x1, x2 with distances well inside and well outside the default margin 1, and same 0/1."""
    r = rng(seed)
    x1 = r.normal(size=(N, d))
    direction = r.normal(size=(N, d))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    distance = np.array([0.3, 0.6, 1.4, 2.0, 0.5, 1.7, 0.8])[:N]
    same = np.array([1, 0, 0, 1, 0, 0, 1], dtype=float)[:N]
    return x1, x1 + direction * distance[:, None], same


def triplets(seed, d=3):
    """(anchor, positive, negative) with d(a,p) − d(a,n) + 1 at least 0.1 away from 0."""
    r = rng(seed)
    a = r.normal(size=(N, d))
    p = a + r.normal(size=(N, d)) * 0.5
    n = a + r.normal(size=(N, d))
    z = np.linalg.norm(a - p, axis=1) - np.linalg.norm(a - n, axis=1) + 1.0
    n[np.abs(z) < 0.1] *= 3.0
    return a, p, n


def ranking(seed):
    r = rng(seed)
    s1 = r.normal(size=N)
    y = np.array([1, -1, 1, -1, 1, 1, -1], dtype=float)[:N]
    gap = np.array([-1.0, -0.7, -0.2, 0.3, 0.7, 1.4, 2.0])[:N]  # −y(s1 − s2) = gap; gap + margin ≠ 0
    return s1, s1 + y * gap, y


def embeddings(seed, d=5):
    r = rng(seed)
    return r.normal(size=(N, d)) * 0.3, r.normal(size=(N, d)) * 0.3


# name -> list of (inputs, hyper-parameters): at least the defaults, and non-default values
# where a hyper-parameter changes the gradient.
CASES = {
    "mse": [(regression(1), {})],
    "mae": [(regression(2), {})],
    "rmse": [(regression(3), {})],
    "huber": [(regression(4, avoid=(1.0,)), {}), (regression(5, avoid=(0.5,)), {"delta": 0.5})],
    "pseudo_huber": [(regression(6), {}), (regression(7), {"delta": 0.3})],
    "log_cosh": [(regression(8), {})],
    "quantile": [(regression(9), {}), (regression(10), {"q": 0.1})],
    "epsilon_insensitive": [(regression(11, avoid=(0.1,)), {}), (regression(12, avoid=(0.5,)), {"epsilon": 0.5})],
    "zero_one": [],  # not differentiable: see test_zero_one_gradient_is_zero
    "binary_cross_entropy": [((rng(13).uniform(size=N), probabilities(14)), {}),
                             ((labels01(15), probabilities(16)), {})],
    "binary_cross_entropy_with_logits": [((rng(17).uniform(size=N), rng(18).normal(size=N) * 3), {}),
                                         ((labels01(19), rng(20).normal(size=N) * 3), {})],
    "categorical_cross_entropy": [((rng(21).integers(0, 4, size=N), prob_rows(22)), {}),
                                  ((prob_rows(23), prob_rows(24)), {})],
    "categorical_cross_entropy_with_logits": [((rng(25).integers(0, 4, size=N), rng(26).normal(size=(N, 4))), {}),
                                              ((prob_rows(27), rng(28).normal(size=(N, 4)) * 3), {})],
    "hinge": [((2 * labels01(29) - 1, scores_away_from_margin(30, 2 * labels01(29) - 1)), {})],
    "squared_hinge": [((2 * labels01(31) - 1, scores_away_from_margin(32, 2 * labels01(31) - 1)), {})],
    "multiclass_hinge": [(multiclass_scores(33), {})],
    "exponential": [((2 * labels01(34) - 1, rng(35).normal(size=N)), {})],
    "brier": [((rng(36).uniform(size=N), probabilities(37)), {})],
    "focal": [((labels01(38), probabilities(39)), {}), ((labels01(40), probabilities(41)), {"gamma": 0.0}),
              ((labels01(42), probabilities(43)), {"gamma": 0.5, "alpha": 0.25}),
              ((labels01(44), probabilities(45)), {"gamma": 1.0, "alpha": 0.8})],
    "kl_divergence": [((prob_rows(46), prob_rows(47)), {}),
                      ((np.array([[0.5, 0.5, 0.0, 0.0]] * N), prob_rows(48)), {})],  # zeros in p
    "contrastive": [(pairs(49), {}), (pairs(50), {"margin": 1.0})],
    "triplet": [(triplets(51), {}), (triplets(52), {"margin": 0.5})],
    "margin_ranking": [(ranking(53), {}), (ranking(54), {"margin": 0.5})],
    "info_nce": [(embeddings(55), {}), (embeddings(56), {"temperature": 0.5})],
}

# Inputs the gradient is taken with respect to (indices into loss.inputs); default: (1,), y_pred.
WRT = {"contrastive": (0, 1), "triplet": (0, 1, 2), "margin_ranking": (0, 1), "info_nce": (0, 1)}

# Losses whose y_pred rows must sum to 1 (within 1e-6): a perturbation of one entry by h moves
# the sum by h, so the step must stay well below 1e-6.
ROW_CONSTRAINED = {"categorical_cross_entropy", "kl_divergence"}


def objective(name, loss, inputs, hp):
    """The function loss.gradient differentiates: Σℓ, or n·RMSE for rmse."""
    if name == "rmse":
        return len(inputs[0]) * loss(*inputs, **hp)
    return loss(*inputs, reduction="sum", **hp)


def finite_differences(name, loss, inputs, hp, index, h):
    x = np.array(inputs[index], dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        values = []
        for step in (h, -h):
            moved = list(inputs)
            xi = x.copy()
            xi[i] += step
            moved[index] = xi
            values.append(objective(name, loss, moved, hp))
        grad[i] = (values[0] - values[1]) / (2 * h)
    return grad


def as_tuple(gradient):
    return gradient if isinstance(gradient, tuple) else (gradient,)


def test_every_registered_loss_has_gradient_cases():
    """A loss added to REGISTRY without a finite-difference case here fails this test."""
    assert set(CASES) == set(L.REGISTRY)
    for name, loss in L.REGISTRY.items():
        assert bool(CASES[name]) == loss.differentiable, name


PARAMS = [pytest.param(name, i, id=f"{name}-{i}") for name, cases in CASES.items() for i in range(len(cases))]


@pytest.mark.parametrize("name, case", PARAMS)
def test_gradient_matches_finite_differences(name, case):
    loss = L.REGISTRY[name]
    inputs, hp = CASES[name][case]
    analytic = as_tuple(loss.gradient(*inputs, **hp))
    wrt = WRT.get(name, (1,))
    assert len(analytic) == len(wrt)
    h = 1e-7 if name in ROW_CONSTRAINED else 1e-6
    for g, index in zip(analytic, wrt):
        numeric = finite_differences(name, loss, inputs, hp, index, h)
        assert g.shape == np.shape(inputs[index]), f"{name}: gradient shape for {loss.inputs[index]}"
        assert g.dtype == np.float64
        scale = max(1.0, float(np.max(np.abs(numeric))))
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-6 * scale,
                                   err_msg=f"{name}: d/d{loss.inputs[index]} with {hp}")


@pytest.mark.parametrize("name", [n for n, loss in L.REGISTRY.items() if loss.differentiable])
def test_gradient_divided_by_n_is_the_gradient_of_the_mean(name):
    """The documented convention: gradient / n is the gradient of reduction='mean' (for rmse: of RMSE)."""
    loss = L.REGISTRY[name]
    inputs, hp = CASES[name][0]
    n = len(inputs[0])
    index = WRT.get(name, (1,))[0]
    g = as_tuple(loss.gradient(*inputs, **hp))[0] / n
    h = 1e-7 if name in ROW_CONSTRAINED else 1e-6
    x = np.array(inputs[index], dtype=float)
    i = (0,) * x.ndim
    values = []
    for step in (h, -h):
        moved = list(inputs)
        xi = x.copy()
        xi[i] += step
        moved[index] = xi
        values.append(loss(*moved, **hp))
    assert g[i] == pytest.approx((values[0] - values[1]) / (2 * h), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("y_pred", [[0.0, 1.0, 2.0, 1.0], np.eye(4)[[0, 1, 3, 2]] * 0.9 + 0.025],
                         ids=["labels", "scores"])
def test_zero_one_gradient_is_zero(y_pred):
    """Documented: the 0–1 loss has zero gradient almost everywhere, with the shape of y_pred."""
    assert not L.zero_one.differentiable
    g = L.zero_one.gradient([0.0, 1.0, 2.0, 2.0], y_pred)
    assert g.shape == np.shape(y_pred)
    assert not g.any()


# --------------------------------------------------------------------------------------------
# Subgradients at the kinks: the documented choices
# --------------------------------------------------------------------------------------------


def test_subgradients_at_zero_residual_are_zero():
    """mae, quantile: subgradient 0 at r = 0 (documented); rmse at a perfect fit: 0."""
    y = [1.0, 2.0, 3.0]
    for loss in (L.mae, L.quantile, L.rmse):
        np.testing.assert_array_equal(loss.gradient(y, y), np.zeros(3))
    np.testing.assert_array_equal(L.epsilon_insensitive.gradient([0.0, 0.0], [0.1, -0.05]), [0.0, 0.0])


def test_hinge_subgradient_at_the_margin_is_zero():
    """At y·s = 1 exactly the hinge is not differentiable; the gradient is the one from the flat side."""
    np.testing.assert_array_equal(L.hinge.gradient([1.0, -1.0], [1.0, -1.0]), [0.0, 0.0])
    np.testing.assert_array_equal(L.squared_hinge.gradient([1.0, -1.0], [1.0, -1.0]), [0.0, 0.0])


def test_distance_losses_at_zero_distance_are_finite():
    """At d = 0 the unit vector (x1 − x2)/d is undefined: the gradient uses 0 there, never NaN."""
    x = np.ones((2, 3))
    g1, g2 = L.contrastive.gradient(x, x, [0.0, 1.0])
    np.testing.assert_array_equal(g1, np.zeros((2, 3)))
    np.testing.assert_array_equal(g2, np.zeros((2, 3)))
    grads = L.triplet.gradient(x, x, x)
    assert all(np.isfinite(g).all() for g in grads)


def test_huber_gradient_is_continuous_at_delta():
    """Huber is C¹: at |r| = δ both pieces give the same derivative ±δ."""
    np.testing.assert_array_equal(L.huber.gradient([0.0, 0.0], [-2.0, 2.0], delta=2.0), [-2.0, 2.0])


def test_gradient_shapes_for_scalars_lists_and_one_hot_targets():
    """.gradient has the shape of y_pred as given; .per_sample_gradient keeps the sample axis."""
    assert L.mse.gradient(1.0, 3.0).shape == ()
    assert L.mse.per_sample_gradient(1.0, 3.0).shape == (1,)
    assert L.mse.gradient([1.0, 2.0], [0.0, 0.0]).shape == (2,)
    P = prob_rows(60)
    assert L.categorical_cross_entropy.gradient(np.eye(4)[[0, 1, 2, 3, 0, 1, 2]], P).shape == P.shape
    assert L.kl_divergence.gradient(P[0], P[1]).shape == (4,)
    assert L.kl_divergence.per_sample_gradient(P[0], P[1]).shape == (1, 4)  # one distribution is one row
    np.testing.assert_array_equal(L.kl_divergence.gradient(P[0], P[1]), L.kl_divergence.gradient(P[:1], P[1:2])[0])
    assert L.categorical_cross_entropy_with_logits.gradient(1, [0.2, 0.3]).shape == (2,)
    assert np.shape(L.binary_cross_entropy_with_logits.gradient(1, 0.3)) == ()


def test_gradient_of_a_broadcast_scalar_prediction_is_the_sum_over_samples():
    """A scalar y_pred against n targets: its gradient is d(Σℓ)/dŷ, the sum of the per-sample
    derivatives (which per_sample_gradient gives one by one)."""
    y = np.array([1.0, 2.0, 3.0])
    per_sample = L.huber.per_sample_gradient(y, 0.5, delta=1.0)
    np.testing.assert_array_equal(per_sample, L.huber.gradient(y, np.full(3, 0.5), delta=1.0))
    g = L.huber.gradient(y, 0.5, delta=1.0)
    assert np.shape(g) == () and g == per_sample.sum()
    h = 1e-6
    fd = (L.huber(y, 0.5 + h, reduction="sum") - L.huber(y, 0.5 - h, reduction="sum")) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-8)
    assert np.shape(L.hinge.gradient([1, -1, 1], 0.2)) == ()
