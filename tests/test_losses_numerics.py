"""Numerics at the edges: mpmath references where the naive formulas lose digits, and no NaN,
no RuntimeWarning and no wrong value from any valid finite input.

Each test here would have caught a defect found in an audit:

- focal.gradient lost digits for y = 1 and small p (p_t computed as 1 − (1 − p));
- kl_divergence was inf for a tiny q (p/q overflowed), though the true value is finite;
- binary_cross_entropy_with_logits lost digits for soft labels near 1 at large logits
  (z − y·z);
- pseudo_huber.gradient, rmse, triplet, contrastive and info_nce gave NaN, a RuntimeWarning,
  0 or inf for huge or tiny (but finite) inputs, and categorical_cross_entropy_with_logits
  warned for logits of ±1e308.

pyproject.toml turns RuntimeWarning into an error; the tests below also catch every other
warning explicitly.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import scipy.special

import lossbook.losses as L

TINY = 2.2250738585072014e-308  # smallest normal float64
HUGE = 1.7976931348623157e308  # largest float64
RTOL = 1e-12


@pytest.fixture(autouse=True)
def fifty_digits_and_no_warnings():
    with mpmath.workdps(50), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def assert_close_to(got, exact, rtol=RTOL):
    """|got − exact| ≤ rtol·max(|exact|, TINY): relative, with an absolute floor below the normal
    range; an exact value beyond the float64 range must come out as ±inf."""
    got = float(got)
    exact = mpmath.mpf(exact)
    if mpmath.isinf(exact) or abs(exact) > HUGE:
        assert got == (np.inf if exact > 0 else -np.inf), f"got {got!r}, exact {mpmath.nstr(exact, 20)}"
        return
    error = abs(mpmath.mpf(got) - exact)
    assert error <= rtol * max(abs(exact), TINY), f"got {got!r}, exact {mpmath.nstr(exact, 20)}"


# --------------------------------------------------------------------------------------------
# Focal loss and binary cross-entropy at extreme probabilities
# --------------------------------------------------------------------------------------------

EXTREME_P = [1e-15, 1e-12, 1e-8, 1e-4, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-4, 1 - 1e-8, 1 - 1e-12, 1 - 1e-15]


def exact_focal(y, p, gamma, alpha):
    """−α_t (1 − p_t)^γ log p_t and its derivative in p, in mpmath from the float p as given."""
    p = mpmath.mpf(p)
    pt = p if y == 1 else 1 - p
    q = 1 - pt
    alpha_t = 1 if alpha is None else (mpmath.mpf(alpha) if y == 1 else 1 - mpmath.mpf(alpha))
    value = -alpha_t * q**gamma * mpmath.log(pt)
    d_pt = alpha_t * ((gamma * q ** (gamma - 1) * mpmath.log(pt) if gamma else 0) - q**gamma / pt)
    return value, (d_pt if y == 1 else -d_pt)


@pytest.mark.parametrize("gamma, alpha", [(2.0, None), (0.0, None), (0.5, 0.25), (1.0, 0.9), (3.0, None)])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_focal_value_and_gradient_are_exact_at_extreme_probabilities(y, gamma, alpha):
    ps = np.array(EXTREME_P)
    ys = np.full(len(ps), y)
    values = L.focal(ys, ps, gamma=gamma, alpha=alpha, reduction="none")
    gradients = L.focal.gradient(ys, ps, gamma=gamma, alpha=alpha)
    for v, g, p in zip(values, gradients, ps):
        exact_value, exact_gradient = exact_focal(y, p, gamma, alpha)
        assert_close_to(v, exact_value)
        assert_close_to(g, exact_gradient)


def test_focal_gradient_for_a_confident_mistake_is_accurate():
    """The audited case: y = 1, p = 1e-15 (the old p_t = 1 − (1 − p) had a relative error of 8e-4)."""
    _, exact = exact_focal(1.0, 1e-15, 2.0, None)
    assert_close_to(L.focal.gradient([1.0], [1e-15])[0], exact)


@pytest.mark.parametrize("y", [0.0, 1.0, 1e-10, 0.3, 1 - 1e-10])
def test_binary_cross_entropy_value_and_gradient_are_exact_at_extreme_probabilities(y):
    ps = np.array(EXTREME_P)
    ys = np.full(len(ps), y)
    values = L.binary_cross_entropy(ys, ps, reduction="none")
    gradients = L.binary_cross_entropy.gradient(ys, ps)
    Y = mpmath.mpf(y)
    for v, g, p in zip(values, gradients, ps):
        P = mpmath.mpf(p)
        assert_close_to(v, -(Y * mpmath.log(P) + (1 - Y) * mpmath.log1p(-P)))
        assert_close_to(g, -Y / P + (1 - Y) / (1 - P), rtol=1e-11 if 0 < y < 1 else RTOL)


def test_focal_with_gamma_zero_and_no_alpha_is_binary_cross_entropy_value_and_gradient():
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    p = np.array([1e-15, 1e-15, 0.3, 0.7, 1 - 1e-15, 1 - 1e-15, 0.0])  # 0.0: both clip to eps
    np.testing.assert_allclose(L.focal.gradient(y, p, gamma=0.0, alpha=None),
                               L.binary_cross_entropy.gradient(y, p), rtol=1e-15, atol=0)
    np.testing.assert_allclose(L.focal(y, p, gamma=0.0, alpha=None, reduction="none"),
                               L.binary_cross_entropy(y, p, reduction="none"), rtol=1e-15, atol=0)


# --------------------------------------------------------------------------------------------
# KL divergence with tiny q
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("q0", [1e-310, 5e-324, 1e-300, 1e-200, 1e-20])
def test_kl_divergence_with_tiny_q_is_finite_and_exact(q0):
    """p/q overflows for q ≲ 5.6e-309; the term is then p(log p − log q), as scipy's rel_entr has it."""
    p = np.array([[1.0, 0.0], [0.5, 0.5], [1e-300, 1.0 - 1e-300]])
    q = np.array([[q0, 1.0], [q0, 1.0 - q0], [q0, 1.0 - q0]])
    got = L.kl_divergence(p, q, reduction="none")
    np.testing.assert_allclose(got, scipy.special.rel_entr(p, q).sum(axis=1), rtol=1e-14)
    for g, pr, qr in zip(got, p, q):
        exact = mpmath.fsum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b)) for a, b in zip(pr, qr) if a)
        assert_close_to(g, exact)
    assert np.isfinite(L.kl_divergence.gradient(p[1:], q[1:])).all() or q0 < 1e-308  # −p/q may overflow


def test_kl_divergence_audited_case():
    assert L.kl_divergence([[1.0, 0.0]], [[1e-310, 1.0]]) == pytest.approx(713.8013788281542, rel=1e-14)


# --------------------------------------------------------------------------------------------
# Binary cross-entropy from logits with soft labels
# --------------------------------------------------------------------------------------------

LOGITS = np.concatenate([-np.geomspace(1e-8, 1e4, 60), [0.0], np.geomspace(1e-8, 1e4, 60)])


@pytest.mark.parametrize("y", [0.0, 1e-10, 0.3, 0.5, 1 - 1e-10, 1.0])
def test_bce_with_logits_is_exact_for_soft_labels_and_logits_up_to_1e4(y):
    """(1 − y)max(z, 0) + y·max(−z, 0) + log1p(e^{−|z|}): no z − y·z cancellation for y near 1."""
    got = L.binary_cross_entropy_with_logits(np.full(len(LOGITS), y), LOGITS, reduction="none")
    Y = mpmath.mpf(y)
    for g, z in zip(got, LOGITS):
        Z = mpmath.mpf(z)
        assert_close_to(g, Y * mpmath.log1p(mpmath.exp(-Z)) + (1 - Y) * mpmath.log1p(mpmath.exp(Z)))


def test_bce_with_logits_audited_case():
    y, z = 1 - 1e-10, 1e4
    Y, Z = mpmath.mpf(y), mpmath.mpf(z)
    assert_close_to(L.binary_cross_entropy_with_logits([y], [z]), (1 - Y) * Z + mpmath.log1p(mpmath.exp(-Z)))


# --------------------------------------------------------------------------------------------
# Regression losses: huge, tiny and overflowing residuals
# --------------------------------------------------------------------------------------------

HUGE_AND_TINY = [s * v for s in (1, -1) for v in (1e-300, 1e-150, 1e-20, 1e-8, 0.7, 3.0, 1e8, 1e150, 1e300)]


@pytest.mark.parametrize("delta", [1e-10, 1e-3, 1e10])
def test_pseudo_huber_is_exact_for_extreme_deltas(delta):
    got = L.pseudo_huber(HUGE_AND_TINY, 0.0, delta=delta, reduction="none")
    grad = L.pseudo_huber.per_sample_gradient(HUGE_AND_TINY, 0.0, delta=delta)
    D = mpmath.mpf(delta)
    for v, g, r in zip(got, grad, HUGE_AND_TINY):
        R = mpmath.mpf(r)
        assert_close_to(v, D**2 * mpmath.expm1(mpmath.log1p((R / D) ** 2) / 2))
        assert_close_to(-g, R / mpmath.sqrt(1 + (R / D) ** 2))


def test_pseudo_huber_gradient_audited_cases():
    assert L.pseudo_huber.gradient([1e308], [-1e308]).tolist() == [-1.0]  # r overflows: the limit −δ
    assert_close_to(L.pseudo_huber.gradient([1e300], [0.0], delta=1e-10)[0],
                    -mpmath.mpf(1e300) / mpmath.sqrt(1 + (mpmath.mpf(1e300) / mpmath.mpf(1e-10)) ** 2))


# Residuals beyond the float64 range (r = 2e308 from two finite inputs) whose loss is finite.
OVERFLOWING = [
    ("huber", {"delta": 0.5}, lambda r: mpmath.mpf(0.5) * (abs(r) - mpmath.mpf(0.25))),
    ("quantile", {"q": 0.5}, lambda r: abs(r) / 2),
    ("quantile", {"q": 0.1}, lambda r: r / 10 if r > 0 else -9 * r / 10),
    ("pseudo_huber", {"delta": 1e-10},
     lambda r: mpmath.mpf(1e-10) ** 2 * mpmath.expm1(mpmath.log1p((r / mpmath.mpf(1e-10)) ** 2) / 2)),
    ("epsilon_insensitive", {"epsilon": 1e308}, lambda r: max(0, abs(r) - mpmath.mpf(1e308))),
]


@pytest.mark.parametrize("name, hp, exact", OVERFLOWING, ids=[f"{c[0]}-{c[1]}" for c in OVERFLOWING])
def test_losses_of_residuals_beyond_the_float64_range_are_finite_where_the_truth_is(name, hp, exact):
    y, p = np.array([1e308, -1e308, 1.0]), np.array([-1e308, 1e308, 0.5])
    got = L.REGISTRY[name](y, p, reduction="none", **hp)
    for g, a, b in zip(got, y, p):
        assert_close_to(g, exact(mpmath.mpf(a) - mpmath.mpf(b)))
    assert not np.isnan(L.REGISTRY[name].gradient(y, p, **hp)).any()
    # and the same through the fast (unweighted) and the checked (weighted) paths
    assert L.REGISTRY[name](y, p, **hp) == pytest.approx(L.REGISTRY[name](y, p, sample_weight=np.ones(3), **hp))


def exact_rmse(y, p):
    return mpmath.sqrt(mpmath.fsum((mpmath.mpf(a) - mpmath.mpf(b)) ** 2 for a, b in zip(y, p)) / len(y))


@pytest.mark.parametrize("y, p", [
    ([1e-200, 0.0], [0.0, 1e-200]),        # r² underflows: was 0.0
    ([1e200], [0.0]),                      # r² overflows: was inf
    ([1e200, 3e199, 0.0], [0.0, 0.0, 5.0]),
    ([1e308, 0.0], [-1e308, 0.0]),         # r itself overflows, RMSE does not
    ([1e-320, 2e-320], [0.0, 0.0]),        # subnormal residuals
    ([1.0, 2.0, 3.0], [1.5, 2.0, 2.0]),
])
def test_rmse_is_exact_without_overflow_or_underflow(y, p):
    # (subnormal results have fewer digits: assert_close_to measures them against TINY)
    assert_close_to(L.rmse(y, p), exact_rmse(y, p), rtol=1e-14)
    assert L.rmse(y, p, sample_weight=np.full(len(y), 2.0)) == pytest.approx(L.rmse(y, p), rel=1e-15)
    g = L.rmse.gradient(y, p)
    root = exact_rmse(y, p)
    for gi, a, b in zip(g, y, p):
        assert_close_to(gi, -(mpmath.mpf(a) - mpmath.mpf(b)) / root)


def test_rmse_gradient_audited_cases():
    np.testing.assert_allclose(L.rmse.gradient([1e200, 0.0], [0.0, 0.0]), [-np.sqrt(2), 0.0], rtol=1e-15)
    assert L.rmse.gradient([1e308], [-1e308]).tolist() == [-1.0]
    assert L.rmse([1e308], [-1e308]) == np.inf  # 2e308: beyond the float64 range, honestly inf


def test_rmse_weights_ignore_an_absent_sample_with_an_overflowing_residual():
    assert L.rmse([1e308, 1.0], [-1e308, 0.0], sample_weight=[0.0, 1.0]) == 1.0


@pytest.mark.parametrize("r", list(np.linspace(19.0, 21.0, 41)) + list(np.linspace(0.0, 40.0, 81)))
def test_log_cosh_is_exact_around_its_branch_point(r):
    if r == 0:
        assert L.log_cosh([0.0], [0.0]) == 0.0
        return
    assert_close_to(L.log_cosh([r], [0.0]), mpmath.log(mpmath.cosh(mpmath.mpf(r))))


# --------------------------------------------------------------------------------------------
# Embeddings and similarities at ±1e200 and beyond
# --------------------------------------------------------------------------------------------


def exact_norm(u):
    return mpmath.sqrt(mpmath.fsum(mpmath.mpf(x) ** 2 for x in u))


def exact_diff(a, b):
    return [mpmath.mpf(x) - mpmath.mpf(y) for x, y in zip(a, b)]


SCALES = [1e-200, 1e-160, 1.0, 1e160, 1e200, 1e307]


@pytest.mark.parametrize("scale", SCALES)
def test_triplet_and_contrastive_at_any_scale(scale):
    """Distances as scaled norms: finite wherever the true distance is, and never NaN."""
    rng = np.random.default_rng(3)
    a, p, n = (rng.normal(size=(4, 3)) * scale for _ in range(3))
    margin = 0.0 if scale != 1.0 else 1.0
    got = L.triplet(a, p, n, margin=margin, reduction="none")
    for g, ai, pi, ni in zip(got, a, p, n):
        exact = exact_norm(exact_diff(ai, pi)) - exact_norm(exact_diff(ai, ni)) + margin
        assert_close_to(g, max(exact, 0), rtol=1e-11)
    for g in L.triplet.gradient(a, p, n, margin=margin):
        assert np.isfinite(g).all() and np.all(np.abs(g) <= 2.0 + 1e-12)
    same = np.array([1.0, 0.0, 1.0, 0.0])
    values = L.contrastive(a, p, same, margin=2 * scale, reduction="none")
    for v, ai, pi, s in zip(values, a, p, same):
        d = exact_norm(exact_diff(ai, pi))
        assert_close_to(v, d**2 / 2 if s else max(0, 2 * scale - d) ** 2 / 2, rtol=1e-11)
    for g in L.contrastive.gradient(a, p, same, margin=2 * scale):
        assert not np.isnan(g).any()


def test_embedding_losses_audited_cases():
    big = [[1e200, 0.0]], [[-1e200, 0.0]]
    assert L.contrastive(*big, [0.0]) == 0.0
    assert L.contrastive(*big, [1.0]) == np.inf  # ½(2e200)² is beyond float64
    np.testing.assert_allclose(L.contrastive.gradient(*big, [1.0])[0], [[2e200, 0.0]])
    assert L.triplet(*big, [[0.0, 1e200]]) == pytest.approx(2e200 - np.sqrt(2) * 1e200, rel=1e-15)
    # both distances beyond the float64 range: compared on a common scale
    assert L.triplet([[1e308, 1e308]], [[-1e308, -1e308]], [[-1e308, -1e308]]) == 1.0
    assert L.triplet([[1e308, 1e308]], [[-1e308, -1.5e308]], [[-1e308, -1e308]]) > 1e307
    for g in L.triplet.gradient([[1e308, 1e308]], [[-1e308, -1e308]], [[-1e308, -1.5e308]]):
        assert np.isfinite(g).all()


def exact_info_nce(q, k, temperature):
    Q = [[mpmath.mpf(x) for x in row] for row in q]
    K = [[mpmath.mpf(x) for x in row] for row in k]
    T = mpmath.mpf(temperature)
    out = []
    for i, qi in enumerate(Q):
        s = [mpmath.fsum(a * b for a, b in zip(qi, kj)) / T for kj in K]
        out.append(mpmath.log(mpmath.fsum(mpmath.exp(sj - s[i]) for sj in s)))
    return out


@pytest.mark.parametrize("scale, temperature", [
    (1.0, 0.1), (1e-160, 1e-320), (1e-100, 1e-200), (1e100, 1e200), (1e150, 1e300), (1e-3, 1e-7),
])
def test_info_nce_is_exact_when_similarities_leave_the_float64_range(scale, temperature):
    """(1e-160)² similarities over τ = 1e-320 are O(1): scaled first, they keep their digits."""
    rng = np.random.default_rng(5)
    q, k = rng.normal(size=(4, 3)) * scale, rng.normal(size=(4, 3)) * scale
    got = L.info_nce(q, k, temperature=temperature, reduction="none")
    for g, e in zip(got, exact_info_nce(q, k, temperature)):
        assert_close_to(g, e, rtol=1e-11)
    for g in L.info_nce.gradient(q, k, temperature=temperature):
        assert np.isfinite(g).all()


@pytest.mark.parametrize("q, k, temperature", [
    (np.eye(3) * 1e200, np.eye(3) * 1e200, 0.1),
    (np.eye(3), np.eye(3), 1e-310),
    (np.ones((3, 2)) * 1e200, np.ones((3, 2)) * 1e200, 1e-300),
    (np.array([[1.0, 0.0], [0.0, 1.0]]) * 1e200, np.array([[0.0, 1.0], [1.0, 0.0]]) * 1e200, 0.1),
], ids=["diagonal-1e200", "tau-1e-310", "all-equal", "wrong-keys"])
def test_info_nce_never_nan_for_overflowing_similarities(q, k, temperature):
    values = L.info_nce(q, k, temperature=temperature, reduction="none")
    assert not np.isnan(values).any()
    for g in L.info_nce.gradient(q, k, temperature=temperature):
        assert not np.isnan(g).any()


def test_info_nce_values_for_overflowing_similarities():
    assert L.info_nce(np.eye(3) * 1e200, np.eye(3) * 1e200) == 0.0  # the positive wins by e^{1e401}
    assert L.info_nce(np.eye(3), np.eye(3), temperature=1e-310) == 0.0
    assert L.info_nce(np.ones((3, 2)) * 1e200, np.ones((3, 2)) * 1e200, temperature=1e-300) == pytest.approx(np.log(3))
    # each query's own key is the worst one, by a similarity gap beyond float64: the loss is inf
    wrong = L.info_nce(np.eye(2) * 1e200, np.eye(2)[::-1] * 1e200, reduction="none")
    assert wrong.tolist() == [np.inf, np.inf]


def test_softmax_cross_entropy_with_logits_of_1e308_has_no_warning():
    assert L.categorical_cross_entropy_with_logits([0], [[1e308, -1e308]]) == 0.0
    assert L.categorical_cross_entropy_with_logits([1], [[1e308, -1e308]]) == np.inf  # 2e308
    np.testing.assert_array_equal(L.categorical_cross_entropy_with_logits.gradient([1], [[1e308, -1e308]]),
                                  [[1.0, -1.0]])
