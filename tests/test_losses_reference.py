"""Values of lossbook.losses against independent references.

1. scikit-learn and SciPy, where they have the same loss, with and without ``sample_weight``.
2. The textbook formula written directly in NumPy/SciPy for the losses they do not have.
3. mpmath at 50 significant digits for the numerically delicate forms at extreme inputs
   (logits up to ±1e4, log-cosh up to r = 800, tiny and huge residuals): relative error ≤ 1e-12.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import scipy.special
import sklearn.metrics as skm

import lossbook.losses as L

RTOL = 1e-12  # agreement with the references: float64 round-off only


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.fixture(params=[False, True], ids=["unweighted", "weighted"])
def weights(request):
    """None, or positive weights for n = 40 samples (the same draw every time)."""
    return rng(99).uniform(0.1, 3.0, size=40) if request.param else None


N = 40


# --------------------------------------------------------------------------------------------
# 1. scikit-learn and SciPy
# --------------------------------------------------------------------------------------------


def regression_data():
    r = rng(1)
    y = r.normal(size=N) * 3
    return y, y + r.normal(size=N)


@pytest.mark.parametrize(
    "loss, metric",
    [
        (L.mse, skm.mean_squared_error),
        (L.mae, skm.mean_absolute_error),
        (L.rmse, skm.root_mean_squared_error),
    ],
    ids=["mse", "mae", "rmse"],
)
def test_regression_matches_sklearn(loss, metric, weights):
    y, p = regression_data()
    expected = metric(y, p, sample_weight=weights)
    assert loss(y, p, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize("q", [0.05, 0.3, 0.5, 0.9])
def test_quantile_matches_sklearn_pinball(q, weights):
    y, p = regression_data()
    expected = skm.mean_pinball_loss(y, p, alpha=q, sample_weight=weights)
    assert L.quantile(y, p, q=q, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


def binary_data():
    r = rng(2)
    y = r.integers(0, 2, size=N).astype(float)
    y[:2] = [0, 1]  # both classes present, as scikit-learn needs
    return y, r.uniform(0.01, 0.99, size=N)


def test_binary_cross_entropy_matches_sklearn_log_loss(weights):
    y, p = binary_data()
    expected = skm.log_loss(y, p, sample_weight=weights)
    assert L.binary_cross_entropy(y, p, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


def test_binary_cross_entropy_clips_like_sklearn():
    """At p = 0 or 1 both clip to [eps, 1 - eps] with eps the float64 machine epsilon."""
    y, p = [1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]
    assert L.binary_cross_entropy(y, p) == pytest.approx(skm.log_loss(y, p), rel=RTOL)
    assert L.binary_cross_entropy([1.0], [0.0]) == pytest.approx(-np.log(L.EPS), rel=RTOL)


def test_binary_cross_entropy_with_logits_matches_log_loss_of_sigmoid(weights):
    y, _ = binary_data()
    z = rng(3).normal(size=N) * 4
    expected = skm.log_loss(y, scipy.special.expit(z), sample_weight=weights)
    assert L.binary_cross_entropy_with_logits(y, z, sample_weight=weights) == pytest.approx(expected, rel=1e-10)


def multiclass_data(k=4):
    r = rng(4)
    labels = r.integers(0, k, size=N)
    labels[:k] = np.arange(k)  # every class present
    return labels, r.dirichlet(np.ones(k), size=N), r.normal(size=(N, k)) * 3


def test_categorical_cross_entropy_matches_sklearn_log_loss(weights):
    labels, P, _ = multiclass_data()
    expected = skm.log_loss(labels, P, labels=np.arange(4), sample_weight=weights)
    assert L.categorical_cross_entropy(labels, P, sample_weight=weights) == pytest.approx(expected, rel=RTOL)
    # One-hot rows are the same targets as integer labels.
    onehot = np.eye(4)[labels]
    assert L.categorical_cross_entropy(onehot, P, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


def test_categorical_cross_entropy_with_logits_matches_scipy_logsumexp(weights):
    labels, _, Z = multiclass_data()
    per_sample = scipy.special.logsumexp(Z, axis=1) - Z[np.arange(N), labels]
    np.testing.assert_allclose(
        L.categorical_cross_entropy_with_logits(labels, Z, reduction="none"), per_sample, rtol=RTOL
    )
    expected = skm.log_loss(labels, scipy.special.softmax(Z, axis=1), labels=np.arange(4), sample_weight=weights)
    assert L.categorical_cross_entropy_with_logits(labels, Z, sample_weight=weights) == pytest.approx(
        expected, rel=1e-10
    )


def test_soft_targets_with_logits_are_expected_cross_entropy():
    """Soft target rows: Σ_c y_c (logsumexp(z) − z_c)."""
    _, Y, Z = multiclass_data()
    expected = np.sum(Y * (scipy.special.logsumexp(Z, axis=1, keepdims=True) - Z), axis=1)
    np.testing.assert_allclose(L.categorical_cross_entropy_with_logits(Y, Z, reduction="none"), expected, rtol=1e-11)


def test_hinge_matches_sklearn(weights):
    y, _ = binary_data()
    ypm = 2 * y - 1
    s = rng(5).normal(size=N) * 2
    expected = skm.hinge_loss(ypm, s, sample_weight=weights)
    assert L.hinge(ypm, s, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


def test_multiclass_hinge_matches_sklearn_crammer_singer(weights):
    """scikit-learn's multiclass hinge_loss is Crammer–Singer: max(0, 1 + max_{j≠y} s_j − s_y)."""
    labels, _, Z = multiclass_data()
    expected = skm.hinge_loss(labels, Z, labels=np.arange(4), sample_weight=weights)
    assert L.multiclass_hinge(labels, Z, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


def test_brier_matches_sklearn(weights):
    y, p = binary_data()
    expected = skm.brier_score_loss(y, p, sample_weight=weights)
    assert L.brier(y, p, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


def test_zero_one_matches_sklearn(weights):
    r = rng(6)
    y = r.integers(0, 3, size=N).astype(float)
    predicted = np.where(r.uniform(size=N) < 0.7, y, (y + 1) % 3)
    expected = skm.zero_one_loss(y, predicted, sample_weight=weights)
    assert L.zero_one(y, predicted, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


def test_zero_one_of_scores_uses_the_argmax(weights):
    labels, P, _ = multiclass_data()
    expected = skm.zero_one_loss(labels, P.argmax(axis=1), sample_weight=weights)
    assert L.zero_one(labels, P, sample_weight=weights) == pytest.approx(expected, rel=RTOL)


def test_kl_divergence_matches_scipy_rel_entr(weights):
    _, P, _ = multiclass_data()
    Q = rng(7).dirichlet(np.ones(4), size=N)
    per_row = scipy.special.rel_entr(P, Q).sum(axis=1)
    np.testing.assert_allclose(L.kl_divergence(P, Q, reduction="none"), per_row, rtol=1e-11)
    expected = np.average(per_row, weights=weights)
    assert L.kl_divergence(P, Q, sample_weight=weights) == pytest.approx(expected, rel=1e-11)


def test_kl_divergence_zeros_follow_scipy():
    """p_c = 0 contributes 0 (also where q_c = 0); p_c > 0 with q_c = 0 is +inf."""
    p = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    q = np.array([[0.25, 0.75, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    expected = scipy.special.rel_entr(p, q).sum(axis=1)
    np.testing.assert_allclose(L.kl_divergence(p, q, reduction="none"), expected, rtol=RTOL)
    assert np.isinf(expected[2])
    # One distribution (k,) is one row.
    assert L.kl_divergence(p[0], q[0]) == pytest.approx(expected[0], rel=RTOL)


# --------------------------------------------------------------------------------------------
# 2. Direct formulas
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_is_the_piecewise_formula(delta):
    y, p = regression_data()
    r = y - p
    expected = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    np.testing.assert_allclose(L.huber(y, p, delta=delta, reduction="none"), expected, rtol=RTOL)


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_pseudo_huber_is_the_textbook_formula(delta):
    y, p = regression_data()
    r = y - p
    expected = delta**2 * (np.sqrt(1 + (r / delta) ** 2) - 1)  # fine at these moderate r
    np.testing.assert_allclose(L.pseudo_huber(y, p, delta=delta, reduction="none"), expected, rtol=1e-10)


def test_log_cosh_is_log_of_cosh():
    y, p = regression_data()
    np.testing.assert_allclose(L.log_cosh(y, p, reduction="none"), np.log(np.cosh(y - p)), rtol=1e-12)


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 1.5])
def test_epsilon_insensitive_is_the_formula(epsilon):
    y, p = regression_data()
    expected = np.maximum(0.0, np.abs(y - p) - epsilon)
    np.testing.assert_allclose(L.epsilon_insensitive(y, p, epsilon=epsilon, reduction="none"), expected, rtol=RTOL)
    if epsilon == 0.0:
        assert L.epsilon_insensitive(y, p, epsilon=0.0) == pytest.approx(L.mae(y, p), rel=RTOL)


def test_quantile_one_half_is_half_the_absolute_error():
    y, p = regression_data()
    assert L.quantile(y, p, q=0.5) == pytest.approx(0.5 * L.mae(y, p), rel=RTOL)


def test_rmse_is_the_root_of_mse(weights):
    y, p = regression_data()
    assert L.rmse(y, p, sample_weight=weights) == pytest.approx(np.sqrt(L.mse(y, p, sample_weight=weights)), rel=RTOL)


def test_focal_with_gamma_zero_is_binary_cross_entropy(weights):
    y, p = binary_data()
    assert L.focal(y, p, gamma=0.0, sample_weight=weights) == pytest.approx(
        L.binary_cross_entropy(y, p, sample_weight=weights), rel=RTOL
    )


@pytest.mark.parametrize("gamma, alpha", [(2.0, None), (0.5, 0.25), (1.0, 0.9)])
def test_focal_is_the_formula(gamma, alpha):
    y, p = binary_data()
    pt = np.where(y == 1, p, 1 - p)
    alpha_t = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    expected = -alpha_t * (1 - pt) ** gamma * np.log(pt)
    np.testing.assert_allclose(L.focal(y, p, gamma=gamma, alpha=alpha, reduction="none"), expected, rtol=1e-12)


def test_margin_losses_are_their_formulas():
    y, _ = binary_data()
    ypm = 2 * y - 1
    s = rng(8).normal(size=N) * 2
    hinge = np.maximum(0, 1 - ypm * s)
    np.testing.assert_allclose(L.squared_hinge(ypm, s, reduction="none"), hinge**2, rtol=RTOL)
    np.testing.assert_allclose(L.exponential(ypm, s, reduction="none"), np.exp(-ypm * s), rtol=RTOL)


def test_binary_cross_entropy_with_logits_and_pm1_labels_is_the_logistic_margin_loss():
    """With t = 2y − 1 ∈ {−1, +1}: log(1 + e^{−t z})."""
    y, _ = binary_data()
    z = rng(9).normal(size=N) * 3
    expected = np.log1p(np.exp(-(2 * y - 1) * z))
    np.testing.assert_allclose(L.binary_cross_entropy_with_logits(y, z, reduction="none"), expected, rtol=1e-12)


def embeddings(d=3, seed=10):
    r = rng(seed)
    return [r.normal(size=(N, d)) for _ in range(3)]


@pytest.mark.parametrize("margin", [0.0, 1.0, 2.5])
def test_contrastive_is_the_formula(margin):
    x1, x2, _ = embeddings()
    same = rng(11).integers(0, 2, size=N).astype(float)
    d = np.linalg.norm(x1 - x2, axis=1)
    expected = np.where(same == 1, 0.5 * d**2, 0.5 * np.maximum(0, margin - d) ** 2)
    np.testing.assert_allclose(L.contrastive(x1, x2, same, margin=margin, reduction="none"), expected, rtol=RTOL)


@pytest.mark.parametrize("margin", [0.0, 0.5, 2.0])
def test_triplet_is_the_formula(margin):
    a, p, n = embeddings()
    expected = np.maximum(0, np.linalg.norm(a - p, axis=1) - np.linalg.norm(a - n, axis=1) + margin)
    np.testing.assert_allclose(L.triplet(a, p, n, margin=margin, reduction="none"), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0])
def test_margin_ranking_is_the_formula(margin):
    """max(0, −y(s1 − s2) + m), written out without any framework (PyTorch's MarginRankingLoss)."""
    r = rng(12)
    s1, s2 = r.normal(size=N), r.normal(size=N)
    y = np.where(r.uniform(size=N) < 0.5, -1.0, 1.0)
    expected = [max(0.0, -yi * (a - b) + margin) for a, b, yi in zip(s1, s2, y)]
    np.testing.assert_allclose(L.margin_ranking(s1, s2, y, margin=margin, reduction="none"), expected, rtol=RTOL)
    if margin == 1.0:  # the documented identity: hinge of the score difference
        assert L.margin_ranking(s1, s2, y, margin=1.0) == pytest.approx(L.hinge(y, s1 - s2), rel=RTOL)


@pytest.mark.parametrize("temperature", [0.05, 0.1, 1.0])
def test_info_nce_is_cross_entropy_over_the_batch(temperature):
    """Row i: −log softmax(q_i·K/τ)_i, with logsumexp from SciPy."""
    q, k, _ = embeddings(d=8, seed=13)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    k /= np.linalg.norm(k, axis=1, keepdims=True)
    logits = q @ k.T / temperature
    expected = scipy.special.logsumexp(logits, axis=1) - np.diag(logits)
    np.testing.assert_allclose(L.info_nce(q, k, temperature=temperature, reduction="none"), expected, rtol=1e-11)
    labels = np.arange(N)
    assert L.info_nce(q, k, temperature=temperature) == pytest.approx(
        L.categorical_cross_entropy_with_logits(labels, logits), rel=RTOL
    )


def test_docstring_examples():
    """The examples shown in the loss docstrings (and hence the book) are right."""
    assert L.mse([1.0, 2.0], [1.5, 2.0]) == 0.125
    assert L.huber([0.0], [2.0], delta=1.0) == 1.5
    assert L.binary_cross_entropy([1, 0], [0.9, 0.2]) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=RTOL)


# --------------------------------------------------------------------------------------------
# 3. mpmath at 50 digits: stable forms at extreme inputs
# --------------------------------------------------------------------------------------------

TINY = 2.2250738585072014e-308  # smallest normal float64


@pytest.fixture(autouse=True)
def fifty_digits():
    with mpmath.workdps(50):
        yield


def assert_close_to(got, exact, rtol=RTOL):
    """Relative error of the float `got` against the mpmath value `exact` at most `rtol`.

    Below the smallest normal float64 (about 2.2e-308) float64 itself has fewer than 12
    significant digits, so there the error is measured in absolute terms against TINY·rtol.
    """
    got = float(got)
    exact = mpmath.mpf(exact)
    if mpmath.isinf(exact):
        assert got == float(exact)
        return
    error = abs(mpmath.mpf(got) - exact)
    assert error <= rtol * max(abs(exact), TINY), f"got {got!r}, exact {mpmath.nstr(exact, 20)}"


LOGITS = sorted(
    {s * v for s in (1, -1) for v in (0.0, 1e-8, 1e-3, 0.5, 1.0, 5.0, 20.0, 35.0, 36.0, 36.7, 37.0, 50.0,
                                     100.0, 700.0, 710.0, 745.0, 1000.0, 1e4)}
)


def exact_bce_logits(y, z):
    """−[y log σ(z) + (1−y) log(1−σ(z))] with log σ(z) = −log(1+e^{−z}), evaluated in mpmath."""
    y, z = mpmath.mpf(y), mpmath.mpf(z)
    return y * mpmath.log1p(mpmath.exp(-z)) + (1 - y) * mpmath.log1p(mpmath.exp(z))


@pytest.mark.parametrize("y", [0.0, 1.0, 0.25, 0.5])
def test_bce_with_logits_is_exact_for_logits_up_to_1e4(y):
    """Including y = 1 with z ≈ 36, where log(1 + e^z) − z cancels catastrophically."""
    got = L.binary_cross_entropy_with_logits(np.full(len(LOGITS), y), LOGITS, reduction="none")
    for g, z in zip(got, LOGITS):
        assert_close_to(g, exact_bce_logits(y, z))


@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_bce_with_logits_gradient_is_exact(y):
    """σ(z) − y, without the 1 − σ(z) cancellation for y = 1 and large z."""
    got = L.binary_cross_entropy_with_logits.gradient(np.full(len(LOGITS), y), LOGITS)
    for g, z in zip(got, LOGITS):
        z = mpmath.mpf(z)
        # σ(z) − y = (1 − y)σ(z) − yσ(−z): in mpmath too, σ(z) − 1 at z = 100 would leave only
        # 6 of the 50 digits.
        exact = (1 - y) / (1 + mpmath.exp(-z)) - y / (1 + mpmath.exp(z))
        assert_close_to(g, exact)


def test_sigmoid_and_softmax_are_exact():
    for z in LOGITS:
        assert_close_to(L.sigmoid(z), 1 / (1 + mpmath.exp(-mpmath.mpf(z))))
    row = np.array([1e4, 1e4 - 3.0, -1e4, 0.0])
    exact = [mpmath.exp(mpmath.mpf(v)) for v in row]
    for got, e in zip(L.softmax(row), exact):
        assert_close_to(got, e / mpmath.fsum(exact))


def exact_softmax_cross_entropy(y, z):
    """Σ_c y_c · (−log softmax(z)_c) with −log softmax(z)_c = log(1 + Σ_{j≠c} e^{z_j − z_c})."""
    z = [mpmath.mpf(v) for v in z]
    total = mpmath.mpf(0)
    for c, yc in enumerate(y):
        if yc:
            others = mpmath.fsum(mpmath.exp(zj - z[c]) for j, zj in enumerate(z) if j != c)
            total += mpmath.mpf(yc) * mpmath.log1p(others)
    return total


def extreme_logit_rows():
    r = rng(20)
    rows = [r.normal(size=4) * scale for scale in (1, 10, 100, 1e3, 1e4) for _ in range(4)]
    rows += [np.array(v, dtype=float) for v in (
        [1e4, -1e4, 0.0, 0.0], [1e4, 1e4 - 1.0, -1e4, 5.0], [36.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
        [-1e4, -1e4, -1e4, -1e4 + 1e-3], [745.0, 0.0, -745.0, 1.0],
    )]
    return np.array(rows)


@pytest.mark.parametrize("label", [0, 1, 2, 3])
def test_categorical_cross_entropy_with_logits_is_exact_for_logits_up_to_1e4(label):
    Z = extreme_logit_rows()
    got = L.categorical_cross_entropy_with_logits(np.full(len(Z), label), Z, reduction="none")
    target = np.eye(4)[label]
    for g, z in zip(got, Z):
        assert_close_to(g, exact_softmax_cross_entropy(target, z))


def test_categorical_cross_entropy_with_logits_soft_targets_are_exact():
    Z = extreme_logit_rows()
    Y = rng(21).dirichlet(np.ones(4), size=len(Z))
    got = L.categorical_cross_entropy_with_logits(Y, Z, reduction="none")
    for g, y, z in zip(got, Y, Z):
        assert_close_to(g, exact_softmax_cross_entropy(y, z))


RESIDUALS = np.concatenate([np.geomspace(1e-8, 800, 60), -np.geomspace(1e-8, 800, 60)])


def test_log_cosh_is_exact_from_1e8_to_800():
    got = L.log_cosh(RESIDUALS, 0.0, reduction="none")
    for g, r in zip(got, RESIDUALS):
        assert_close_to(g, mpmath.log(mpmath.cosh(mpmath.mpf(r))))
    # and its gradient, tanh, to the same accuracy (the gradient w.r.t. y_pred is −tanh r)
    for g, r in zip(L.log_cosh.per_sample_gradient(RESIDUALS, 0.0), RESIDUALS):
        assert_close_to(-g, mpmath.tanh(mpmath.mpf(r)))


def test_log_cosh_far_beyond_overflow_of_cosh():
    """cosh(r) overflows above r ≈ 710; log cosh r ≈ |r| − log 2 does not."""
    for r in (1e3, 1e10, 1e300):
        r = mpmath.mpf(r)
        assert_close_to(L.log_cosh([float(r)], [0.0]), r + mpmath.log1p(mpmath.exp(-2 * r)) - mpmath.log(2))


HUGE_AND_TINY = [s * v for s in (1, -1) for v in (1e-300, 1e-150, 1e-20, 1e-8, 1e-3, 0.7, 1.0, 3.0, 1e3, 1e8,
                                                 1e20, 1e150, 1e200, 1e300)]


@pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
def test_pseudo_huber_is_exact_for_tiny_and_huge_residuals(delta):
    got = L.pseudo_huber(HUGE_AND_TINY, 0.0, delta=delta, reduction="none")
    for g, r in zip(got, HUGE_AND_TINY):
        t2 = (mpmath.mpf(r) / delta) ** 2
        # δ²(√(1+t²) − 1), with √(1+x) − 1 = expm1(log1p(x)/2) so that 50 digits are 50 digits
        assert_close_to(g, delta**2 * mpmath.expm1(mpmath.log1p(t2) / 2))
    grad = L.pseudo_huber.per_sample_gradient(HUGE_AND_TINY, 0.0, delta=delta)
    for g, r in zip(grad, HUGE_AND_TINY):
        r = mpmath.mpf(r)
        assert_close_to(-g, r / mpmath.sqrt(1 + (r / delta) ** 2))


@pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
def test_huber_is_exact_for_tiny_and_huge_residuals(delta):
    got = L.huber(HUGE_AND_TINY, 0.0, delta=delta, reduction="none")
    for g, r in zip(got, HUGE_AND_TINY):
        a = abs(mpmath.mpf(r))
        assert_close_to(g, a**2 / 2 if a <= delta else delta * (a - mpmath.mpf(delta) / 2))


def test_exponential_is_exact_where_finite_and_inf_beyond():
    margins = np.array([-709.0, -300.0, -1.0, -1e-8, 0.0, 1e-8, 1.0, 36.0, 300.0, 700.0, 745.0])
    y = np.where(np.arange(len(margins)) % 2 == 0, 1.0, -1.0)  # both labels
    got = L.exponential(y, y * margins, reduction="none")  # y·s = margin
    for g, m in zip(got, margins):
        assert_close_to(g, mpmath.exp(-mpmath.mpf(m)))
    # e^{710} exceeds the float64 range: the loss is +inf, with no warning.
    assert L.exponential([1.0, -1.0], [-710.0, 1e4], reduction="none").tolist() == [np.inf, np.inf]


def test_binary_cross_entropy_on_probabilities_near_0_and_1():
    """log1p(−p) keeps 1 − p exact for tiny p; p = 1 − 2⁻⁵³-style inputs use the clip at eps."""
    ps = np.array([1e-300, 1e-20, 1e-8, 0.5, 1 - 1e-8, 1 - 2**-52])
    for y in (0.0, 1.0):
        got = L.binary_cross_entropy(np.full(len(ps), y), ps, reduction="none")
        for g, p in zip(got, ps):
            pc = min(max(mpmath.mpf(p), mpmath.mpf(L.EPS)), 1 - mpmath.mpf(L.EPS))
            assert_close_to(g, -(y * mpmath.log(pc) + (1 - y) * mpmath.log1p(-pc)))
