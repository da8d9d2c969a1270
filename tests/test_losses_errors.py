"""Bad inputs give a ValueError whose message names the parameter — and nothing ever warns.

Every loss in REGISTRY is called with a valid set of inputs with one thing broken at a time:
NaN or inf, empty arrays, mismatched lengths or shapes, probabilities outside [0, 1], labels
outside the loss's label set, bad sample weights, an unknown reduction, invalid
hyper-parameters. Each must raise ValueError, and the message must say which parameter is wrong.

pyproject.toml turns RuntimeWarning into an error for the whole suite; the last section also
checks explicitly that extreme but valid inputs (logits of ±1e300, probabilities of exactly 0
and 1, losses beyond the float64 range) give a value without any warning.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import lossbook.losses as L

REG = ([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
PROB = ([0.0, 1.0, 1.0], [0.2, 0.7, 0.9])
PM1 = ([-1.0, 1.0, 1.0], [0.5, 2.0, -0.3])
LOGITS3 = [[2.0, 0.0, -1.0], [0.0, 1.0, 3.0], [1.0, 1.0, 0.0]]
EMB = [[0.0, 1.0], [1.0, 0.5], [2.0, -1.0]]
EMB2 = [[0.5, 1.0], [1.0, 0.0], [0.0, 0.0]]
EMB3 = [[3.0, 1.0], [1.0, 2.0], [2.0, 2.0]]

# Valid inputs for every loss (3 samples each), in the order of loss.inputs.
VALID = {
    "mse": REG, "mae": REG, "rmse": REG, "huber": REG, "pseudo_huber": REG, "log_cosh": REG,
    "quantile": REG, "epsilon_insensitive": REG,
    "zero_one": ([0.0, 1.0, 2.0], [0.0, 2.0, 2.0]),
    "binary_cross_entropy": PROB, "brier": PROB, "focal": PROB,
    "binary_cross_entropy_with_logits": ([0.0, 1.0, 0.5], [-1.0, 2.0, 0.5]),
    "categorical_cross_entropy": ([0, 2, 1], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]]),
    "categorical_cross_entropy_with_logits": ([0, 2, 1], LOGITS3),
    "multiclass_hinge": ([0, 2, 1], LOGITS3),
    "hinge": PM1, "squared_hinge": PM1, "exponential": PM1,
    "kl_divergence": ([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0]],
                      [[0.4, 0.4, 0.2], [0.3, 0.3, 0.4], [0.8, 0.1, 0.1]]),
    "contrastive": (EMB, EMB2, [1.0, 0.0, 1.0]),
    "triplet": (EMB, EMB2, EMB3),
    "margin_ranking": ([1.0, 2.0, 0.5], [0.5, 2.5, 0.0], [1.0, -1.0, 1.0]),
    "info_nce": (EMB, EMB2),
}

NAMES = list(L.REGISTRY)


def call(name, args, **kwargs):
    return L.REGISTRY[name](*args, **kwargs)


def replaced(name, index, new):
    args = list(VALID[name])
    args[index] = new
    return args


def raises(match):
    return pytest.raises(ValueError, match=match)


def test_every_registered_loss_has_valid_inputs_here():
    assert set(VALID) == set(L.REGISTRY)


@pytest.mark.parametrize("name", NAMES)
def test_valid_inputs_are_accepted(name):
    value = call(name, VALID[name])
    assert isinstance(value, float) and np.isfinite(value)


# --------------------------------------------------------------------------------------------
# NaN, inf, empty, not numbers
# --------------------------------------------------------------------------------------------

INPUT_CASES = [pytest.param(name, i, id=f"{name}-{L.REGISTRY[name].inputs[i]}")
               for name in NAMES for i in range(len(L.REGISTRY[name].inputs))]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("name, index", INPUT_CASES)
def test_non_finite_inputs_are_rejected(name, index, bad):
    x = np.array(VALID[name][index], dtype=float)
    x.flat[1] = bad
    input_name = L.REGISTRY[name].inputs[index]
    with raises(rf"{name}: {input_name} must contain only finite numbers \(no NaN or inf\); got -?(nan|inf)"):
        call(name, replaced(name, index, x))
    # .gradient checks its inputs the same way
    with raises(rf"{input_name} must contain only finite numbers"):
        L.REGISTRY[name].gradient(*replaced(name, index, x))


@pytest.mark.parametrize("name, index", INPUT_CASES)
def test_empty_inputs_are_rejected(name, index):
    shape = np.shape(VALID[name][index])
    input_name = L.REGISTRY[name].inputs[index]
    with raises(rf"{name}: {input_name} is empty; it needs at least one sample"):
        call(name, replaced(name, index, np.empty((0,) + shape[1:])))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad, match", [
    (["a", "b", "c"], "must be numeric"),
    ([[1.0, 2.0], [3.0]], "must be numeric"),  # ragged
    (np.array([1 + 1j, 2.0, 3.0]), "must be real numbers; got complex"),
    (None, "must contain only finite numbers"),
], ids=["strings", "ragged", "complex", "None"])
def test_non_numeric_inputs_are_rejected(name, bad, match):
    with raises(rf"{name}: {L.REGISTRY[name].inputs[0]} {match}"):
        call(name, replaced(name, 0, bad))


# --------------------------------------------------------------------------------------------
# Lengths and shapes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, index", INPUT_CASES)
def test_mismatched_lengths_are_rejected(name, index):
    """One input one sample short: the message names it and says what must match."""
    short = np.asarray(VALID[name][index], dtype=float)[:-1]
    with raises(r"same (length|shape|number of samples)") as error:
        call(name, replaced(name, index, short))
    assert L.REGISTRY[name].inputs[index] in str(error.value)


@pytest.mark.parametrize("name", [n for n in NAMES if L.REGISTRY[n].task == "regression"]
                         + ["binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge", "brier"])
def test_two_dimensional_predictions_are_rejected_where_one_per_sample_is_expected(name):
    with raises(rf"{name}: y_pred must be 1-D \(n_samples,\); got shape \(3, 1\)"):
        call(name, (VALID[name][0], np.reshape(VALID[name][1], (3, 1))))


@pytest.mark.parametrize("name", ["categorical_cross_entropy", "categorical_cross_entropy_with_logits",
                                  "multiclass_hinge"])
def test_multiclass_losses_need_a_row_per_sample(name):
    """One row (k,) is one sample (see test_losses_registry); labels for several samples with it
    are a mismatch the message explains, and more than two dimensions are an error."""
    with raises(rf"{name}: y_true must be .*y_pred of shape \(3,\) is one sample, so y_true must be one "
                rf"label or one target row; for several samples give y_pred as an \(n_samples, 3\) array"):
        call(name, (VALID[name][0], [0.2, 0.3, 0.5]))
    with raises(rf"{name}: y_true and y_pred must have the same number of samples; got y_true 2 and y_pred 1; "
                rf"y_pred of shape \(3,\) is one sample"):
        call(name, ([0, 1], [0.2, 0.3, 0.5]))
    with raises(rf"{name}: y_pred must be 2-D \(n_samples, n_columns\); got shape \(3, 1, 1\)"):
        call(name, (VALID[name][0], np.full((3, 1, 1), 1.0)))
    with raises(rf"{name}: y_true as a \(n_samples, n_classes\) array must have 3 columns"):
        call(name, (np.eye(4)[:3], VALID[name][1]))


@pytest.mark.parametrize("name", ["contrastive", "triplet", "info_nce"])
def test_embeddings_must_be_two_dimensional_and_match(name):
    first = L.REGISTRY[name].inputs[0]
    with raises(rf"{name}: {first} must be 2-D .* Use x.reshape\(-1, 1\)"):
        call(name, replaced(name, 0, [1.0, 2.0, 3.0]))
    second = L.REGISTRY[name].inputs[1]
    with raises(rf"{name}: {first} and {second} must have the same shape; got {first} \(3, 2\) and {second} \(3, 3\)"):
        call(name, replaced(name, 1, np.ones((3, 3))))


def test_kl_divergence_shape_errors():
    with raises(r"kl_divergence: y_true and y_pred must have the same shape"):
        L.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with raises(r"kl_divergence: y_true must be one distribution \(k,\) or rows \(n, k\)"):
        L.kl_divergence(np.full((2, 2, 2), 0.5), np.full((2, 2, 2), 0.5))


def test_multiclass_hinge_needs_two_classes():
    with raises(r"multiclass_hinge: y_pred needs at least 2 columns"):
        L.multiclass_hinge([0, 0], [[1.0], [2.0]])


# --------------------------------------------------------------------------------------------
# Probabilities and labels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["binary_cross_entropy", "brier", "focal"])
@pytest.mark.parametrize("p", [-0.1, 1.1, 1.0000001])
def test_predicted_probabilities_outside_unit_interval(name, p):
    with raises(rf"{name}: y_pred must be probabilities in \[0, 1\]; got {p}"):
        call(name, (VALID[name][0], [0.5, p, 0.5]))


@pytest.mark.parametrize("name", ["binary_cross_entropy", "brier", "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("y", [-0.5, 2.0])
def test_binary_targets_outside_unit_interval(name, y):
    with raises(rf"{name}: y_true must be targets in \[0, 1\]; got {y}"):
        call(name, ([0.0, y, 1.0], VALID[name][1]))


@pytest.mark.parametrize("name", ["categorical_cross_entropy", "kl_divergence"])
def test_probability_rows_must_be_distributions(name):
    good = VALID[name][1]
    with raises(rf"{name}: y_pred must be probabilities in \[0, 1\]; got 1.5"):
        call(name, (VALID[name][0], [[1.5, -0.5, 0.0], *good[1:]]))
    with raises(rf"{name}: each row of y_pred must be a probability distribution summing to 1 "
                r"\(within 1e-6\); row 1 sums to 1\.2"):
        call(name, (VALID[name][0], [good[0], [0.5, 0.5, 0.2], good[2]]))


def test_categorical_cross_entropy_hints_at_logits():
    """Logits passed as probabilities: the message says what to use instead."""
    hint = r"If these are scores \(logits\), use categorical_cross_entropy_with_logits"
    with raises(r"categorical_cross_entropy: y_pred must be probabilities in \[0, 1\]; got 2.0\. " + hint):
        L.categorical_cross_entropy([0, 1], [[2.0, 0.0], [0.0, 1.0]])
    with raises(r"categorical_cross_entropy: each row of y_pred must be .* sums to 0\.5\. " + hint):
        L.categorical_cross_entropy([0, 1], [[0.2, 0.3], [0.0, 1.0]])


def test_soft_targets_must_be_distributions():
    with raises(r"categorical_cross_entropy_with_logits: each row of y_true must be a probability distribution"):
        L.categorical_cross_entropy_with_logits([[0.5, 0.6, 0.0]], [[1.0, 2.0, 3.0]])
    with raises(r"kl_divergence: each row of y_true must be a probability distribution"):
        L.kl_divergence([[0.5, 0.6]], [[0.5, 0.5]])


@pytest.mark.parametrize("name", ["hinge", "squared_hinge", "exponential"])
@pytest.mark.parametrize("y", [0.0, 2.0, 0.5])
def test_margin_losses_need_pm1_labels(name, y):
    with raises(rf"{name}: y_true must contain only the labels \{{-1, 1\}}; got {y:g}\. "
                r"Labels for margin losses are -1/\+1: convert 0/1 labels with 2\*y - 1"):
        call(name, ([1.0, y, -1.0], VALID[name][1]))


@pytest.mark.parametrize("y", [-1.0, 0.5, 2.0])
def test_focal_needs_01_labels(y):
    with raises(rf"focal: y_true must contain only the labels \{{0, 1\}}; got {y:g}"):
        L.focal([1.0, y, 0.0], [0.5, 0.5, 0.5])


@pytest.mark.parametrize("name", ["categorical_cross_entropy", "categorical_cross_entropy_with_logits",
                                  "multiclass_hinge", "zero_one"])
@pytest.mark.parametrize("label", [3, -1, 0.5])
def test_class_labels_must_be_integers_in_range(name, label):
    y_pred = VALID[name][1] if name != "zero_one" else LOGITS3
    with raises(rf"{name}: y_true given as labels must be integers in 0\.\.2 \(one per column of y_pred\); "
                rf"got {label:g}"):
        call(name, ([0, label, 1], y_pred))


def test_multiclass_hinge_needs_hard_targets():
    with raises(r"multiclass_hinge: y_true must contain only the labels \{0, 1\}; got 0.5"):
        L.multiclass_hinge([[0.5, 0.5, 0.0]], [[1.0, 2.0, 3.0]])


def test_pair_and_ranking_labels():
    with raises(r"contrastive: same must contain only the labels \{0, 1\}; got -1\. 1 for a similar pair"):
        L.contrastive(EMB, EMB2, [1.0, -1.0, 0.0])
    with raises(r"margin_ranking: y must contain only the labels \{-1, 1\}; got 0\. y = 1 means s1"):
        L.margin_ranking([1.0, 2.0], [0.0, 1.0], [1.0, 0.0])


# --------------------------------------------------------------------------------------------
# sample_weight and reduction
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_bad_sample_weights(name):
    args = VALID[name]
    with raises(rf"{name}: sample_weight must be >= 0; got -1\.0"):
        call(name, args, sample_weight=[1.0, -1.0, 1.0])
    with raises(rf"{name}: sample_weight must have shape \(3,\), one weight per sample; got \(2,\)"):
        call(name, args, sample_weight=[1.0, 1.0])
    with raises(rf"{name}: sample_weight must have shape \(3,\), one weight per sample; got \(3, 1\)"):
        call(name, args, sample_weight=[[1.0], [1.0], [1.0]])
    with raises(rf"{name}: sample_weight must contain only finite numbers"):
        call(name, args, sample_weight=[1.0, np.nan, 1.0])
    with raises(rf"{name}: sample_weight is empty"):
        call(name, args, sample_weight=[])
    with raises(rf"{name}: sample_weight sums to 0, so the weighted mean is undefined"):
        call(name, args, sample_weight=[0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", ["avg", "Mean", None])
def test_unknown_reduction(name, reduction):
    with raises(rf"{name}: reduction must be one of \('mean', 'sum', 'none'\); got {re.escape(repr(reduction))}"):
        call(name, VALID[name], reduction=reduction)


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_rmse_is_only_a_mean(reduction):
    with raises(rf"rmse: reduction must be one of \('mean',\) for this loss \(it is not a sum of per-sample "
                rf"terms\); got '{reduction}'"):
        L.rmse(*REG, reduction=reduction)


# --------------------------------------------------------------------------------------------
# Hyper-parameters
# --------------------------------------------------------------------------------------------

BAD_HYPER = [
    ("huber", "delta", 0.0, "delta > 0"), ("huber", "delta", -1.0, "delta > 0"),
    ("pseudo_huber", "delta", 0.0, "delta > 0"), ("pseudo_huber", "delta", -2.0, "delta > 0"),
    ("quantile", "q", 0.0, "0 < q < 1"), ("quantile", "q", 1.0, "0 < q < 1"),
    ("quantile", "q", -0.5, "0 < q < 1"), ("quantile", "q", 1.5, "0 < q < 1"),
    ("epsilon_insensitive", "epsilon", -0.1, "epsilon >= 0"),
    ("focal", "gamma", -1.0, "gamma >= 0"),
    ("focal", "alpha", -0.1, "0 <= alpha <= 1"), ("focal", "alpha", 1.5, "0 <= alpha <= 1"),
    ("contrastive", "margin", -1.0, "margin >= 0"),
    ("triplet", "margin", -0.5, "margin >= 0"),
    ("margin_ranking", "margin", -1.0, "margin >= 0"),
    ("info_nce", "temperature", 0.0, "temperature > 0"), ("info_nce", "temperature", -0.1, "temperature > 0"),
]


@pytest.mark.parametrize("name, param, value, allowed", BAD_HYPER,
                         ids=[f"{n}-{p}={v}" for n, p, v, _ in BAD_HYPER])
def test_hyper_parameters_outside_their_range(name, param, value, allowed):
    match = rf"{name}: {param} must satisfy {re.escape(allowed)}; got {param}={re.escape(repr(value))}"
    with raises(match):
        call(name, VALID[name], **{param: value})
    with raises(match):
        L.REGISTRY[name].gradient(*VALID[name], **{param: value})


HYPER = [(name, param) for name in NAMES for param in L.REGISTRY[name].params]


@pytest.mark.parametrize("name, param", HYPER, ids=[f"{n}-{p}" for n, p in HYPER])
@pytest.mark.parametrize("value", [np.nan, np.inf, "1", True, [1.0]], ids=["nan", "inf", "str", "bool", "list"])
def test_hyper_parameters_must_be_finite_numbers(name, param, value):
    with raises(rf"{name}: {param} must be a finite number with .*; got {re.escape(repr(value))}"):
        call(name, VALID[name], **{param: value})


def test_only_focal_alpha_may_be_none():
    assert np.isfinite(L.focal(*PROB, alpha=None))
    with raises(r"huber: delta must be a finite number with delta > 0; got None"):
        L.huber(*REG, delta=None)


def test_unknown_keywords_and_missing_inputs_are_type_errors():
    """Wrong *calls* (as opposed to wrong values) are TypeErrors, like any Python function."""
    with pytest.raises(TypeError, match=r"huber: unexpected keyword argument 'epsilon'; it accepts delta"):
        L.huber(*REG, epsilon=1.0)
    with pytest.raises(TypeError, match=r"mse: unexpected keyword argument 'delta'; it accepts no hyper-parameters"):
        L.mse(*REG, delta=1.0)
    with pytest.raises(TypeError, match=r"triplet\(\) is missing input\(s\): negative"):
        L.triplet(EMB, EMB2)
    with pytest.raises(TypeError, match=r"mse\(\) takes 2 inputs"):
        L.mse(*REG, REG[0])


def test_unknown_loss_name_suggests_the_closest():
    with raises(r"unknown loss 'msee'; known losses: .*Did you mean 'mse'\?"):
        L.get("msee")


# --------------------------------------------------------------------------------------------
# No RuntimeWarning, ever: extreme but valid inputs give a value
# --------------------------------------------------------------------------------------------

EXTREME = [
    # (loss, args, kwargs, expected value; None means "finite")
    ("mse", ([1e200], [-1e200]), {}, np.inf),  # (2e200)² is beyond float64: +inf is the answer
    ("mae", ([1e308], [-1e308]), {}, np.inf),
    ("rmse", ([1e150, 0.0], [0.0, 1e150]), {}, 1e150),
    ("huber", ([1e300], [-1e300]), {}, 2e300 - 0.5),
    ("pseudo_huber", ([1e300], [0.0]), {}, 1e300),
    ("log_cosh", ([1e300, 1e-300], [0.0, 0.0]), {"reduction": "none"}, None),
    ("quantile", ([1e300], [-1e300]), {"q": 0.9}, 1.8e300),
    ("epsilon_insensitive", ([1e300], [0.0]), {}, 1e300),
    ("zero_one", ([0, 1], [[1e308, -1e308], [-1e308, 1e308]]), {}, 0.0),
    ("binary_cross_entropy", ([1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]), {}, None),
    ("binary_cross_entropy_with_logits", ([1.0, 0.0, 0.5, 1.0], [-1e300, 1e300, 1e300, 1e300]), {}, None),
    ("categorical_cross_entropy", ([0, 1], [[0.0, 1.0], [0.0, 1.0]]), {}, None),
    ("categorical_cross_entropy_with_logits", ([0, 1], [[1e300, -1e300], [1e300, -1e300]]), {}, None),
    ("hinge", ([1.0, -1.0], [1e300, 1e300]), {}, 0.5 * (1e300 + 1.0)),
    ("squared_hinge", ([1.0], [-1e200]), {}, np.inf),
    ("multiclass_hinge", ([0, 1], [[1e300, -1e300], [1e300, -1e300]]), {}, None),
    ("exponential", ([1.0, -1.0], [-1e4, 1e300]), {}, np.inf),
    ("brier", ([1.0, 0.0], [0.0, 1.0]), {}, 1.0),
    ("focal", ([1.0, 0.0, 1.0], [0.0, 1.0, 1.0]), {"gamma": 0.5}, None),
    ("kl_divergence", ([[1.0, 0.0], [0.5, 0.5]], [[1.0, 0.0], [1.0, 0.0]]), {"reduction": "none"}, [0.0, np.inf]),
    ("contrastive", ([[0.0, 0.0]] * 2, [[0.0, 0.0]] * 2, [0.0, 1.0]), {}, 0.25),  # d = 0
    ("contrastive", ([[1e200, 0.0]], [[-1e200, 0.0]], [0.0]), {}, 0.0),  # d² overflows; far apart: 0
    ("triplet", ([[0.0, 0.0]], [[0.0, 0.0]], [[0.0, 0.0]]), {}, 1.0),
    ("margin_ranking", ([1e300], [-1e300], [-1.0]), {}, 2e300),
    ("info_nce", (np.eye(3), np.eye(3)), {"temperature": 1e-6}, 0.0),
]


@pytest.mark.parametrize("name, args, kwargs, expected", EXTREME, ids=[c[0] for c in EXTREME])
def test_extreme_valid_inputs_give_values_without_warnings(name, args, kwargs, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning at all fails, not only RuntimeWarning
        value = call(name, args, **kwargs)
        gradient = L.REGISTRY[name].gradient(*args)
    if expected is None:
        assert np.all(np.isfinite(value))
    else:
        np.testing.assert_allclose(value, expected, rtol=1e-12)
    for g in gradient if isinstance(gradient, tuple) else (gradient,):
        assert not np.isnan(g).any()


def test_extreme_test_covers_every_loss():
    assert {c[0] for c in EXTREME} == set(L.REGISTRY)
