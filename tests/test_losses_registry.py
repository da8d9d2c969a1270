"""REGISTRY: the 24 losses of the contract, each with complete, checkable metadata.

Also the calling conventions shared by all losses: lists and scalars are accepted like arrays,
results are float64, ``get`` and ``register`` behave as documented.
"""

from __future__ import annotations

import datetime
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import lossbook.losses as L
from lossbook.losses import REGISTRY, TASKS, HyperParameter, Loss

CONTRACT = """
    mse mae rmse huber pseudo_huber log_cosh quantile epsilon_insensitive zero_one
    binary_cross_entropy binary_cross_entropy_with_logits categorical_cross_entropy
    categorical_cross_entropy_with_logits hinge squared_hinge multiclass_hinge exponential brier
    focal kl_divergence contrastive triplet margin_ranking info_nce
""".split()

BIB = Path(__file__).resolve().parents[1] / "references.bib"


def bib_keys() -> set[str]:
    """Citation keys of references.bib: the word after '@type{'."""
    return set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", BIB.read_text(encoding="utf-8")))


def test_tasks_are_the_four_of_the_contract():
    assert set(TASKS) == {"regression", "classification", "ranking", "distribution"}


def test_the_contract_has_24_losses_and_all_are_registered():
    assert len(CONTRACT) == len(set(CONTRACT)) == 24
    missing = set(CONTRACT) - set(REGISTRY)
    assert not missing, f"missing from REGISTRY: {sorted(missing)}"


def test_bibliography_parses():
    keys = bib_keys()
    assert len(keys) >= 20 and "huber1964" in keys


@pytest.mark.parametrize("name", list(REGISTRY))
def test_metadata_is_complete(name):
    loss = REGISTRY[name]
    assert isinstance(loss, Loss)
    assert loss.name == name
    assert loss.task in {"regression", "classification", "ranking", "distribution"}
    assert isinstance(loss.summary, str) and loss.summary.strip()
    for formula in (loss.formula, loss.gradient_formula):
        assert isinstance(formula, str) and formula.strip()
        assert formula.count("{") == formula.count("}"), f"unbalanced braces in {formula!r}"
        assert "$" not in formula, "formulas are stored without $ delimiters"
    assert "\\" in loss.formula or "^" in loss.formula, f"not LaTeX? {loss.formula!r}"
    assert type(loss.year) is int and 1700 <= loss.year <= datetime.date.today().year
    assert loss.reference in bib_keys(), f"{name}: {loss.reference!r} is not a key of references.bib"
    for flag in (loss.convex, loss.robust, loss.differentiable):
        assert type(flag) is bool


@pytest.mark.parametrize("name", list(REGISTRY))
def test_hyper_parameters_and_signature(name):
    """Defaults satisfy their own constraints; the signature shows inputs, weights, reduction, hp."""
    loss = REGISTRY[name]
    for param, hp in loss.params.items():
        assert isinstance(hp, HyperParameter)
        assert hp.check(param, hp.default, name) == hp.default
        assert param in loss.__doc__
    signature = inspect.signature(loss)
    assert list(signature.parameters) == [*loss.inputs, "sample_weight", "reduction", *loss.params]
    assert signature.parameters["reduction"].default == "mean"
    assert loss.defaults == {k: p.default for k, p in loss.params.items()}
    assert loss.formula in loss.__doc__ and loss.reference in loss.__doc__
    assert name in repr(loss)


def test_module_exports_every_loss():
    for name, loss in REGISTRY.items():
        assert getattr(L, name) is loss
        assert name in L.__all__


def test_metadata_facts():
    """A few facts from the literature that the cheat sheet relies on."""
    assert REGISTRY["huber"].year == 1964 and REGISTRY["huber"].robust and REGISTRY["huber"].convex
    assert not REGISTRY["mse"].robust
    assert not REGISTRY["zero_one"].convex and not REGISTRY["zero_one"].differentiable
    assert REGISTRY["info_nce"].task == "ranking" and REGISTRY["kl_divergence"].task == "distribution"
    assert {loss.task for loss in REGISTRY.values()} == set(TASKS)  # every task has losses


# --------------------------------------------------------------------------------------------
# get / register
# --------------------------------------------------------------------------------------------


def test_get_by_name_or_object():
    assert L.get("huber") is L.huber
    assert L.get(L.huber) is L.huber
    with pytest.raises(ValueError, match=r"unknown loss 'hubber'.*Did you mean 'huber'\?"):
        L.get("hubber")


def make_loss(name="test_only_loss", task="regression"):
    return Loss(name, summary="s", task=task, formula=r"\ell", gradient_formula=r"0", year=2000,
                reference="huber1964", convex=True, robust=True, inputs=("y_true", "y_pred"),
                prepare=lambda a, b: (np.asarray(a, float), np.asarray(b, float)),
                value=lambda a, b: (a - b) ** 2, gradient=lambda a, b: 2 * (b - a))


def test_register_rejects_duplicates_and_non_losses():
    with pytest.raises(ValueError, match=r"register: a loss named 'mse' is already registered; pass replace=True"):
        L.register(make_loss("mse"))
    with pytest.raises(ValueError, match=r"register: loss must be a lossbook.losses.Loss; got function"):
        L.register(lambda y, p: 0.0)
    with pytest.raises(ValueError, match=r"task must be one of"):
        make_loss(task="clustering")


def test_register_adds_and_replaces():
    loss = make_loss()
    try:
        assert L.register(loss) is loss and L.get("test_only_loss") is loss
        other = make_loss()
        L.register(other, replace=True)
        assert L.get("test_only_loss") is other
    finally:
        REGISTRY.pop("test_only_loss", None)


# --------------------------------------------------------------------------------------------
# Lists, scalars, integer inputs; float64 results
# --------------------------------------------------------------------------------------------

ARRAYS = {
    "regression": (np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.5])),
    "zero_one": (np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0, 2.0])),
    "binary_cross_entropy": (np.array([0.0, 1.0, 1.0]), np.array([0.2, 0.7, 0.9])),
    "binary_cross_entropy_with_logits": (np.array([0.0, 1.0, 1.0]), np.array([-1.0, 2.0, 0.5])),
    "brier": (np.array([0.0, 1.0, 1.0]), np.array([0.2, 0.7, 0.9])),
    "focal": (np.array([0.0, 1.0, 1.0]), np.array([0.2, 0.7, 0.9])),
    "margin": (np.array([-1.0, 1.0, 1.0]), np.array([0.5, 2.0, -0.3])),
    "categorical_cross_entropy": (np.array([0, 2, 1]), np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])),
    "multiclass": (np.array([0, 2, 1]), np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 3.0], [1.0, 1.0, 0.0]])),
    "kl_divergence": (np.array([[0.5, 0.5], [0.2, 0.8]]), np.array([[0.4, 0.6], [0.3, 0.7]])),
    "contrastive": (np.array([[0.0, 1.0], [1.0, 0.5]]), np.array([[0.5, 1.0], [1.0, 0.0]]), np.array([1.0, 0.0])),
    "triplet": (np.array([[0.0, 1.0], [1.0, 0.5]]), np.array([[0.5, 1.0], [1.0, 0.0]]),
                np.array([[2.0, 1.0], [0.0, 0.0]])),
    "margin_ranking": (np.array([1.0, 2.0]), np.array([0.5, 2.5]), np.array([1.0, -1.0])),
    "info_nce": (np.array([[0.0, 1.0], [1.0, 0.5]]), np.array([[0.5, 1.0], [1.0, 0.0]])),
}


def arrays_for(name):
    loss = REGISTRY[name]
    if loss.task == "regression":
        return ARRAYS["regression"]
    if name in ("hinge", "squared_hinge", "exponential"):
        return ARRAYS["margin"]
    if name in ("categorical_cross_entropy_with_logits", "multiclass_hinge"):
        return ARRAYS["multiclass"]
    return ARRAYS[name]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_lists_work_like_arrays_and_results_are_float64(name):
    loss = REGISTRY[name]
    arrays = arrays_for(name)
    lists = [a.tolist() for a in arrays]
    value = loss(*arrays)
    assert isinstance(value, float) and np.asarray(value).dtype == np.float64  # float or np.float64
    assert loss(*lists) == value
    if name != "rmse":
        for reduction in ("sum", "none"):
            assert np.array_equal(loss(*lists, reduction=reduction), loss(*arrays, reduction=reduction))
        per_sample = loss(*arrays, reduction="none")
        assert per_sample.dtype == np.float64 and per_sample.shape == (len(arrays[0]),)
        assert isinstance(loss(*arrays, reduction="sum"), float)
        np.testing.assert_array_equal(loss.per_sample(*arrays), per_sample)
    gradients = loss.gradient(*lists)
    for g in gradients if isinstance(gradients, tuple) else (gradients,):
        assert g.dtype == np.float64
    # Inputs can also be given by keyword, under the names in the signature.
    assert loss(**dict(zip(loss.inputs, arrays))) == value


@pytest.mark.parametrize("name", list(REGISTRY))
def test_other_dtypes_are_converted(name):
    """float32 (and int, for labels) inputs give the float64 result of the same values."""
    single = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays_for(name)]
    widened = [a.astype(np.float64) for a in single]
    assert REGISTRY[name](*single) == REGISTRY[name](*widened)


@pytest.mark.parametrize("name, y_true, y_pred, expected", [
    ("mse", 1.0, 3.0, 4.0),
    ("mae", 1, 3, 2.0),  # Python ints
    ("huber", 0.0, 3.0, 2.5),
    ("quantile", 2.0, 0.0, 1.0),
    ("hinge", 1, 0.25, 0.75),
    ("exponential", -1, 0.0, 1.0),
    ("brier", True, 0.5, 0.25),  # bool labels
    ("binary_cross_entropy", 1, 0.5, float(np.log(2))),
    ("binary_cross_entropy_with_logits", 0, 0.0, float(np.log(2))),
    ("zero_one", 1, 0, 1.0),
])
def test_scalars_are_one_sample(name, y_true, y_pred, expected):
    loss = REGISTRY[name]
    assert loss(y_true, y_pred) == pytest.approx(expected, rel=1e-15)
    assert loss(y_true, y_pred, reduction="none").shape == (1,)


def test_a_scalar_target_is_broadcast_against_predictions_in_regression():
    """Documented for the regression losses: one scalar is compared with every prediction."""
    assert L.mse(0.0, [1.0, 2.0, 3.0]) == pytest.approx(14 / 3)
    assert L.mae([1.0, 2.0, 3.0], 2.0) == pytest.approx(2 / 3)
    # but a one-element list is a length, not a scalar
    message = r"mse: y_true and y_pred must have the same length; got y_true 1 and y_pred 3"
    with pytest.raises(ValueError, match=message):
        L.mse([0.0], [1.0, 2.0, 3.0])


# --------------------------------------------------------------------------------------------
# Scalars and single rows: the same rules for every loss
# --------------------------------------------------------------------------------------------

PROBS = np.array([0.5, 0.2, 0.9])
SCORES = np.array([0.5, -2.0, 1.5])


@pytest.mark.parametrize("name, y, y_pred", [
    ("mse", 1.0, PROBS), ("huber", 0.0, SCORES),
    ("binary_cross_entropy", 1.0, PROBS), ("brier", 0.0, PROBS), ("focal", 1.0, PROBS),
    ("binary_cross_entropy_with_logits", 0.3, SCORES),
    ("hinge", -1.0, SCORES), ("squared_hinge", 1.0, SCORES), ("exponential", -1.0, SCORES),
    ("zero_one", 1.0, np.array([1.0, 0.0, 2.0])),
])
def test_a_scalar_target_is_broadcast_against_one_value_per_sample(name, y, y_pred):
    """Every loss that compares one value per sample broadcasts a scalar target (or prediction),
    as NumPy does; the per-sample values are those of the repeated target."""
    loss = REGISTRY[name]
    repeated = np.full(len(y_pred), y)
    np.testing.assert_array_equal(loss(y, y_pred, reduction="none"), loss(repeated, y_pred, reduction="none"))
    assert loss(y, y_pred) == loss(repeated, y_pred)
    np.testing.assert_array_equal(loss.gradient(y, y_pred), loss.gradient(repeated, y_pred))
    # a scalar prediction against n targets, too: per sample, n derivatives; as .gradient, their
    # sum, the derivative of Σℓ with respect to the one scalar (documented)
    one = float(y_pred[1])
    np.testing.assert_array_equal(loss(repeated, one, reduction="none"), loss(repeated, np.full(3, one), reduction="none"))
    per_sample = loss.gradient(repeated, np.full(3, one))
    np.testing.assert_array_equal(loss.per_sample_gradient(repeated, one), per_sample)
    assert np.shape(loss.gradient(repeated, one)) == () and loss.gradient(repeated, one) == per_sample.sum()


@pytest.mark.parametrize("name", ["binary_cross_entropy", "hinge", "focal", "zero_one"])
def test_a_one_element_list_is_a_length_not_a_scalar(name):
    y = [1.0]
    with pytest.raises(ValueError, match=rf"{name}: y_true and y_pred must have the same length; got y_true 1 "
                                         r"and y_pred 3"):
        REGISTRY[name](y, [0.0, 1.0, 1.0] if name != "focal" else [0.5, 0.5, 0.5])


@pytest.mark.parametrize("name, row, expected", [
    ("categorical_cross_entropy", [0.2, 0.8], -np.log(0.8)),
    ("categorical_cross_entropy_with_logits", [0.0, np.log(4.0)], -np.log(0.8)),
    ("multiclass_hinge", [0.0, 0.25], 0.75),
])
def test_one_row_of_class_predictions_is_one_sample(name, row, expected):
    """As kl_divergence takes one distribution (k,), the k-class losses take one row (k,) with one
    label, one target row or a one-element list; per-sample outputs keep the sample axis."""
    loss = REGISTRY[name]
    for y in (1, np.int64(1), 1.0, [1], [0.0, 1.0]):
        assert loss(y, row) == pytest.approx(expected, rel=1e-15), y
        assert loss(y, row, reduction="none").shape == (1,)
        assert loss.gradient(y, row).shape == (2,)  # the shape of y_pred
        assert loss.per_sample_gradient(y, row).shape == (1, 2)
    np.testing.assert_array_equal(loss.gradient(1, row), loss.gradient([1], [row])[0])
    # a scalar label is broadcast over n rows
    rows = np.array([row, row[::-1]])
    np.testing.assert_array_equal(loss(1, rows, reduction="none"), loss([1, 1], rows, reduction="none"))


def test_gradient_shapes_are_documented():
    """.gradient has the shape of y_pred as given (a broadcast scalar gets the sum of its per-sample
    derivatives); .per_sample_gradient and reduction="none" keep the sample axis."""
    doc = " ".join(L.Loss.__doc__.split())
    assert "each with the shape of that input as given" in doc
    assert "its gradient is the sum of the n per-sample derivatives" in doc
    assert "with the sample axis first" in doc
    assert L.mse.gradient(1.0, 3.0).shape == ()
    assert L.mse.gradient([1.0, 2.0, 3.0], 0.0) == -12.0  # d(Σℓ)/dŷ for the one broadcast ŷ
    assert L.mse.per_sample_gradient([1.0, 2.0, 3.0], 0.0).tolist() == [-2.0, -4.0, -6.0]  # ∂ℓ_i/∂ŷ
    assert L.kl_divergence([0.5, 0.5], [0.25, 0.75], reduction="none").shape == (1,)


def test_references_are_worded_as_what_they_support():
    """The 0–1 loss cites Wald's framework of loss functions, not a first use; the triplet loss
    says that its distances are not squared, unlike FaceNet's."""
    zero_one = " ".join(L.zero_one.__doc__.split())
    assert "wald1939" in zero_one and "simplest case" in zero_one and "not as the first to count errors" in zero_one
    triplet = " ".join(L.triplet.__doc__.split())
    assert "FaceNet squares them" in L.triplet.summary and "TripletMarginLoss" in L.triplet.summary
    assert "uses squared distances" in triplet
