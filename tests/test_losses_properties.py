"""Properties every loss in REGISTRY must have, checked with hypothesis on random valid inputs.

- non-negativity of every per-sample loss;
- zero at a perfect prediction, where the loss has one (regression losses at y_pred = y_true, the
  hinge once y·s ≥ 1, KL(p‖p), ...);
- sample weights act exactly as documented: ``reduction="none"`` with weights is w·ℓ bit for bit,
  integer weights are repetitions for ``"mean"``, uniform weights change nothing;
- ``"sum"`` is the sum of ``"none"``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossbook.losses as L

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------
# Strategies: valid inputs for each loss, n from 1 to 12
# --------------------------------------------------------------------------------------------

sizes = st.integers(1, 12)


def reals(n, bound=1e3, shape=None):
    return hnp.arrays(np.float64, shape or n, elements=st.floats(-bound, bound, allow_subnormal=False))


def units(n, shape=None):
    return hnp.arrays(np.float64, shape or n, elements=st.floats(0.0, 1.0, allow_subnormal=False))


def labels(n, values):
    return hnp.arrays(np.float64, n, elements=st.sampled_from(values))


@st.composite
def distributions(draw, n, k):
    """(n, k) rows summing to 1: non-negative entries, normalised (some may be exactly 0)."""
    raw = draw(hnp.arrays(np.float64, (n, k), elements=st.one_of(st.just(0.0), st.floats(1e-3, 1.0))))
    raw[:, 0] += 1e-3  # no all-zero row
    return raw / raw.sum(axis=1, keepdims=True)


@st.composite
def inputs(draw, name):
    """Valid inputs for loss `name`, as a tuple in the order of loss.inputs.

    A loss added to REGISTRY without a branch here fails every property test below.
    """
    n = draw(sizes)
    k = draw(st.integers(2, 4))
    if L.REGISTRY[name].task == "regression":
        return draw(reals(n)), draw(reals(n))
    if name == "zero_one":
        return draw(labels(n, [0.0, 1.0, 2.0])), draw(labels(n, [0.0, 1.0, 2.0]))
    if name in ("binary_cross_entropy", "brier"):
        return draw(units(n)), draw(units(n))
    if name == "focal":
        return draw(labels(n, [0.0, 1.0])), draw(units(n))
    if name == "binary_cross_entropy_with_logits":
        return draw(units(n)), draw(reals(n, 50.0))
    if name in ("hinge", "squared_hinge", "exponential"):
        return draw(labels(n, [-1.0, 1.0])), draw(reals(n, 50.0))
    if name == "categorical_cross_entropy":
        return draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1))), draw(distributions(n, k))
    if name == "categorical_cross_entropy_with_logits":  # integer labels or soft target rows
        targets = st.one_of(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)), distributions(n, k))
        return draw(targets), draw(reals(n, 50.0, (n, k)))
    if name == "multiclass_hinge":
        return draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1))), draw(reals(n, 50.0, (n, k)))
    if name == "kl_divergence":
        p = draw(distributions(n, k))
        q = draw(distributions(n, k))
        return p, 0.5 * (p + q)  # q > 0 wherever p > 0: a finite divergence
    if name == "contrastive":
        return draw(reals(n, 10.0, (n, 3))), draw(reals(n, 10.0, (n, 3))), draw(labels(n, [0.0, 1.0]))
    if name == "triplet":
        return tuple(draw(reals(n, 10.0, (n, 3))) for _ in range(3))
    if name == "margin_ranking":
        return draw(reals(n, 50.0)), draw(reals(n, 50.0)), draw(labels(n, [-1.0, 1.0]))
    if name == "info_nce":
        return draw(reals(n, 3.0, (n, 4))), draw(reals(n, 3.0, (n, 4)))
    raise AssertionError(f"no strategy for {name}: add one")


@st.composite
def inputs_and_weights(draw, name, integer=False):
    args = draw(inputs(name))
    n = len(args[0])
    if integer:
        w = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 3)))
        assume(w.sum() > 0)
    else:
        w = draw(hnp.arrays(np.float64, n, elements=st.floats(0.0, 10.0, allow_subnormal=False)))
    return args, w


NAMES = list(L.REGISTRY)
PER_SAMPLE = [n for n in NAMES if n != "rmse"]  # rmse allows only reduction="mean"
BATCH = {"info_nce"}  # a sample's loss depends on the other samples (in-batch negatives)


# --------------------------------------------------------------------------------------------
# Non-negativity
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_loss_is_non_negative(name):
    loss = L.REGISTRY[name]

    @SETTINGS
    @given(inputs(name))
    def check(args):
        if name == "rmse":
            assert loss(*args) >= 0
            return
        values = loss(*args, reduction="none")
        assert values.dtype == np.float64
        assert np.all(values >= 0), values

    check()


# --------------------------------------------------------------------------------------------
# Zero at a perfect prediction
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in NAMES if L.REGISTRY[n].task == "regression"])
@SETTINGS
@given(y=reals(st.integers(1, 12)))
def test_regression_loss_is_zero_at_a_perfect_prediction(name, y):
    assert L.REGISTRY[name](y, y) == 0.0
    if name != "rmse":
        assert not L.REGISTRY[name](y, y, reduction="none").any()


@SETTINGS
@given(y=labels(st.integers(1, 12), [-1.0, 1.0]), extra=st.floats(0.0, 1e3))
def test_margin_losses_are_zero_beyond_the_margin(y, extra):
    """hinge and squared hinge are 0 once y·s ≥ 1; margin ranking once the order beats the margin."""
    s = y * (1.0 + extra)
    assert L.hinge(y, s) == 0.0
    assert L.squared_hinge(y, s) == 0.0
    assert L.margin_ranking(s, 0.0 * s, y, margin=1.0) == 0.0


@SETTINGS
@given(y=hnp.arrays(np.int64, st.integers(1, 12), elements=st.integers(0, 3)), gap=st.floats(1.0, 100.0))
def test_classification_losses_are_zero_when_certain_and_right(y, gap):
    onehot = np.eye(4)[y]
    assert L.zero_one(y, y) == 0.0
    assert L.zero_one(y, onehot) == 0.0
    assert L.categorical_cross_entropy(y, onehot) == 0.0
    assert L.multiclass_hinge(y, gap * onehot) == 0.0  # true class ahead by ≥ 1
    y01 = (y % 2).astype(float)
    assert L.brier(y01, y01) == 0.0
    # Probabilities 0 and 1 are clipped to [eps, 1 − eps]: "zero" is −log(1 − eps) ≈ 1.1e-16.
    assert L.binary_cross_entropy(y01, y01) <= 2 * L.EPS
    assert L.focal(y01, y01) <= 2 * L.EPS


@SETTINGS
@given(p=st.integers(1, 12).flatmap(lambda n: distributions(n, 3)))
def test_kl_divergence_of_a_distribution_from_itself_is_zero(p):
    assert L.kl_divergence(p, p) == 0.0


@SETTINGS
@given(x=reals((5, 3), 10.0), far=st.floats(1.0, 100.0))
def test_embedding_losses_are_zero_when_satisfied(x, far):
    """Contrastive: identical similar pairs, and dissimilar pairs beyond the margin; triplet:
    positive at the anchor, negative beyond the margin."""
    n = len(x)
    assert L.contrastive(x, x, np.ones(n)) == 0.0
    shift = np.zeros_like(x)
    shift[:, 0] = 1.0 + far  # distance 1 + far ≥ margin 1
    assert L.contrastive(x, x + shift, np.zeros(n)) == 0.0
    assert L.triplet(x, x, x + shift) == 0.0


# --------------------------------------------------------------------------------------------
# Sample weights and reductions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PER_SAMPLE)
def test_weights_multiply_the_per_sample_losses_exactly(name):
    loss = L.REGISTRY[name]

    @SETTINGS
    @given(inputs_and_weights(name))
    def check(data):
        args, w = data
        np.testing.assert_array_equal(loss(*args, sample_weight=w, reduction="none"), w * loss(*args, reduction="none"))

    check()


@pytest.mark.parametrize("name", [n for n in NAMES if n not in BATCH])
def test_integer_weights_are_repetitions(name):
    """mean with weights w equals the plain mean over the data with sample i repeated w_i times."""
    loss = L.REGISTRY[name]

    @SETTINGS
    @given(inputs_and_weights(name, integer=True))
    def check(data):
        args, w = data
        repeated = [np.repeat(np.asarray(a), w, axis=0) for a in args]
        expected = loss(*repeated)
        assert loss(*args, sample_weight=w) == pytest.approx(expected, rel=1e-12, abs=1e-300)
        if name != "rmse":
            assert loss(*args, sample_weight=w, reduction="sum") == pytest.approx(
                loss(*repeated, reduction="sum"), rel=1e-12, abs=1e-300)

    check()


@pytest.mark.parametrize("name", PER_SAMPLE)
def test_sum_is_the_sum_of_none(name):
    loss = L.REGISTRY[name]

    @SETTINGS
    @given(inputs_and_weights(name))
    def check(data):
        args, w = data
        assert loss(*args, reduction="sum") == loss(*args, reduction="none").sum()
        assert loss(*args, reduction="sum", sample_weight=w) == pytest.approx(
            loss(*args, reduction="none", sample_weight=w).sum(), rel=1e-12, abs=1e-300)

    check()


@pytest.mark.parametrize("name", NAMES)
def test_uniform_weights_do_not_change_the_mean(name):
    loss = L.REGISTRY[name]

    @SETTINGS
    @given(inputs(name), st.floats(1e-3, 1e3))
    def check(args, c):
        n = len(args[0])
        assert loss(*args, sample_weight=np.full(n, c)) == pytest.approx(loss(*args), rel=1e-12, abs=1e-300)

    check()


@pytest.mark.parametrize("name", PER_SAMPLE)
def test_mean_is_sum_over_n_and_weighted_mean_is_weighted_sum_over_total_weight(name):
    loss = L.REGISTRY[name]

    @SETTINGS
    @given(inputs_and_weights(name))
    def check(data):
        args, w = data
        n = len(args[0])
        assert loss(*args) == pytest.approx(loss(*args, reduction="sum") / n, rel=1e-12, abs=1e-300)
        if w.sum() > 0:
            assert loss(*args, sample_weight=w) == pytest.approx(
                loss(*args, sample_weight=w, reduction="sum") / w.sum(), rel=1e-12, abs=1e-300)

    check()


@SETTINGS
@given(data=inputs_and_weights("mse"))
def test_rmse_squared_is_mse(data):
    (y, p), w = data
    assert L.rmse(y, p) ** 2 == pytest.approx(L.mse(y, p), rel=1e-12, abs=1e-300)
    if w.sum() > 0:
        assert L.rmse(y, p, sample_weight=w) ** 2 == pytest.approx(L.mse(y, p, sample_weight=w), rel=1e-12, abs=1e-300)


def test_a_zero_weight_removes_a_sample_even_with_an_infinite_loss():
    """Weight 0 = repeated 0 times: an infinite loss there must not turn the result into NaN."""
    y, s = [1.0, 1.0], [-800.0, 2.0]  # exponential loss e^{800} = inf for the first sample
    w = [0.0, 1.0]
    assert L.exponential(y, s, sample_weight=w) == pytest.approx(np.exp(-2.0))
    assert L.exponential(y, s, sample_weight=w, reduction="sum") == pytest.approx(np.exp(-2.0))
    np.testing.assert_array_equal(L.exponential(y, s, sample_weight=w, reduction="none"), [0.0, np.exp(-2.0)])


# --------------------------------------------------------------------------------------------
# Gradient shapes
# --------------------------------------------------------------------------------------------

GRADIENT_INPUTS = {"contrastive": (0, 1), "triplet": (0, 1, 2), "margin_ranking": (0, 1), "info_nce": (0, 1)}


@pytest.mark.parametrize("name", NAMES)
def test_gradient_has_the_shape_of_each_prediction(name):
    """The contract: .gradient has the shape of y_pred (a tuple, one per input, for the ranking
    losses), float64 and never NaN, on every valid input with a sample axis."""
    loss = L.REGISTRY[name]

    @SETTINGS
    @given(inputs(name))
    def check(args):
        g = loss.gradient(*args)
        grads = g if isinstance(g, tuple) else (g,)
        wrt = GRADIENT_INPUTS.get(name, (1,))
        assert len(grads) == len(wrt)
        for gi, i in zip(grads, wrt):
            assert gi.shape == np.shape(args[i]), (name, loss.inputs[i])
            assert gi.dtype == np.float64 and not np.isnan(gi).any()

    check()
