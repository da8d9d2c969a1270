"""lossbook.check: learners' self-checks accept correct answers and explain wrong ones precisely
(the regime, the input, expected and received values), never crashing on the learner's code."""

from __future__ import annotations

import numpy as np
import pytest

import lossbook.losses as L
from lossbook import check


def lossbook_values(name):
    loss = L.get(name)
    if loss.reductions != L.REDUCTIONS:  # rmse: one value per batch
        return lambda *a: loss(*a)
    return lambda *a: loss(*a, reduction="none")


# ------------------------------------------------------------------------------------------------
# Correct answers pass
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(L.REGISTRY))
def test_every_registered_loss_has_inputs_and_accepts_itself(name):
    assert check.loss_function(lossbook_values(name), name, verbose=False)
    assert check.loss_gradient(lambda *a: L.get(name).gradient(*a), name, verbose=False)


@pytest.mark.parametrize("name, hp", [("huber", {"delta": 0.3}), ("huber", {"delta": 2.5}),
                                      ("pseudo_huber", {"delta": 4.0}), ("quantile", {"q": 0.9}),
                                      ("epsilon_insensitive", {"epsilon": 0.0}),
                                      ("focal", {"gamma": 0.0, "alpha": 0.25}), ("contrastive", {"margin": 2.0}),
                                      ("info_nce", {"temperature": 1.0})])
def test_hyper_parameters_shape_the_inputs(name, hp):
    loss = L.get(name)
    assert check.loss_function(lambda *a: loss(*a, reduction="none", **hp), name, verbose=False, **hp)
    assert check.loss_gradient(lambda *a: loss.gradient(*a, **hp), name, verbose=False, **hp)


def learner_huber(y_true, y_pred, delta=1.0):
    r = y_true - y_pred
    return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))


def learner_log_cosh(y_true, y_pred):
    a = np.abs(y_true - y_pred)
    small = np.minimum(a, 20.0)
    near = np.log1p(np.expm1(small) ** 2 / (2 * np.exp(small)))
    return np.where(a <= 20.0, near, a + np.log1p(np.exp(-2 * a)) - np.log(2.0))


def test_independent_correct_implementations_pass(capsys):
    result = check.loss_function(learner_huber, "huber", delta=1.0)
    assert result and result.passed and not result.failures
    out = capsys.readouterr().out
    assert out.startswith("✓ huber: correct on ") and f"on {result.n_inputs} inputs" in out
    assert result.n_inputs >= 15
    assert check.loss_gradient(lambda y, p: -np.clip(y - p, -1, 1), "huber", verbose=False)
    assert check.loss_function(learner_log_cosh, "log_cosh", verbose=False)
    assert check.loss_gradient(lambda y, p: -np.tanh(y - p), "log_cosh", verbose=False)
    stable_bce = lambda y, z: np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))  # noqa: E731
    assert check.loss_function(stable_bce, "binary_cross_entropy_with_logits", verbose=False)
    assert check.loss_function(lambda y, p: (y - p) ** 2, L.mse, verbose=False)  # a Loss object works too


def test_lists_and_integer_outputs_are_accepted():
    assert check.loss_function(lambda y, p: [float(v) for v in np.abs(y - p)], "mae", verbose=False)
    assert check.loss_function(lambda y, p: (y != p).astype(int), "zero_one", verbose=False)


# ------------------------------------------------------------------------------------------------
# Wrong answers: specific feedback
# ------------------------------------------------------------------------------------------------


def test_the_regime_the_input_and_both_values_are_named(capsys):
    def no_half_delta(y_true, y_pred, delta=1.0):  # forgot the -delta/2 of the linear part
        r = y_true - y_pred
        return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * np.abs(r))

    result = check.loss_function(no_half_delta, "huber", delta=1.0)
    assert not result
    first = result.feedback.splitlines()[0]
    assert first.startswith("✗ huber: wrong for residuals larger than delta")
    assert "at y_true=0, y_pred=2 (r=-2, delta=1) expected 1.5, got 2.0" in first
    assert result.failures[0].regime == "residuals larger than delta" and result.failures[0].kind == "wrong"
    assert capsys.readouterr().out.strip() == result.feedback
    # the quadratic part is right: no complaint about small residuals
    assert not any("smaller than delta" in f.regime for f in result.failures)
    assert repr(result) == "<CheckResult huber: failed, 2 problem(s) on 21 inputs>"  # a summary, not the feedback again
    assert str(result) == result.feedback


def test_missing_absolute_value_is_found_on_negative_residuals_only():
    def no_abs(y_true, y_pred, delta=1.0):
        r = y_true - y_pred
        return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))

    result = check.loss_function(no_abs, "huber", verbose=False)
    assert "(r=-2, delta=1) expected 1.5, got -2.5" in result.feedback
    assert "2 of 4 samples" in result.feedback


def test_naive_log_cosh_overflows_for_large_residuals():
    result = check.loss_function(lambda y, p: np.log(np.cosh(y - p)), "log_cosh", verbose=False)
    kinds = {f.regime: f.kind for f in result.failures}
    assert kinds["large residuals (|r| up to 800)"] == "unstable"
    assert "not numerically stable for large residuals" in result.feedback
    assert "got inf" in result.feedback
    assert kinds["tiny residuals (|r| = 1e-8)"] == "inaccurate"  # log(cosh(1e-8)) = log(1) = 0


def test_cancellation_of_logaddexp_form_is_reported_as_inaccurate():
    naive = lambda y, z: np.logaddexp(0, z) - y * z  # noqa: E731
    result = check.loss_function(naive, "binary_cross_entropy_with_logits", verbose=False)
    assert [f.kind for f in result.failures] == ["inaccurate"]
    assert "y_true=1, y_pred=40" in result.feedback and "got 0.0" in result.feedback


def test_clipping_convention_and_unclipped_logs():
    clip_1e15 = lambda y, p: -(y * np.log(np.clip(p, 1e-15, 1 - 1e-15))  # noqa: E731
                               + (1 - y) * np.log(1 - np.clip(p, 1e-15, 1 - 1e-15)))
    result = check.loss_function(clip_1e15, "binary_cross_entropy", verbose=False)
    assert [f.regime for f in result.failures] == ["probabilities exactly 0 or 1"]
    assert "expected 36.0437, got 34.5396" in result.feedback and "eps = 2.22e-16" in result.feedback

    unclipped = lambda y, p: -(y * np.log(p) + (1 - y) * np.log(1 - p))  # noqa: E731
    result = check.loss_function(unclipped, "binary_cross_entropy", verbose=False)
    assert result.failures[0].kind == "unstable" and "got nan" in result.feedback


def test_swapped_arguments_are_recognised():
    swapped = lambda y, p: -(p * np.log(y) + (1 - p) * np.log(1 - y))  # noqa: E731
    result = check.loss_function(swapped, "binary_cross_entropy", verbose=False)
    assert "check the order of the arguments" in result.feedback
    assert "y_true and y_pred swapped" in result.feedback
    quantile_swapped = lambda y, p, q=0.9: np.maximum(q * (p - y), (q - 1) * (p - y))  # noqa: E731
    result = check.loss_function(quantile_swapped, "quantile", q=0.9, verbose=False)
    assert "y_true and y_pred swapped" in result.feedback


def test_naive_softmax_overflows_for_large_logits():
    def naive(y, z):
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return -(y * np.log(p)).sum(axis=1)

    result = check.loss_function(naive, "categorical_cross_entropy_with_logits", verbose=False)
    assert [f.kind for f in result.failures] == ["unstable"]
    assert "large logits" in result.feedback and "log-sum-exp" in result.feedback
    assert "y_true=[1, 0, 0], y_pred=[1000, 0, -1000]" in result.feedback


def test_a_mean_instead_of_per_sample_losses():
    result = check.loss_function(lambda y, p: np.mean((y - p) ** 2), "mse", verbose=False)
    assert not result and [f.kind for f in result.failures] == ["scalar"]
    assert "a single number" in result.feedback and "the mean of the per-sample values" in result.feedback


def test_wrong_shape_none_and_non_numbers():
    result = check.loss_function(lambda y, p: ((y - p) ** 2)[:, None], "mse", verbose=False)
    assert result.failures[0].kind == "shape" and "(3, 1)" in result.feedback
    result = check.loss_function(lambda y, p: None, "mse", verbose=False)
    assert "returned None" in result.feedback and "return" in result.feedback
    result = check.loss_function(lambda y, p: "oops", "mse", verbose=False)
    assert result.failures[0].kind == "type" and "not an array of numbers" in result.feedback


def test_exceptions_in_the_learners_code_are_reported_not_raised():
    def boom(y, p):
        raise KeyError("delta")

    result = check.loss_function(boom, "huber", verbose=False)
    assert not result and result.failures[0].kind == "error"
    assert "raised KeyError" in result.feedback and "a perfect prediction" in result.feedback


def test_the_learners_function_cannot_corrupt_the_inputs():
    def mutating(y, p):
        out = (y - p) ** 2
        y[:] = 1e9
        return out

    assert check.loss_function(mutating, "mse", verbose=False)


def test_gradient_mistakes_get_names():
    result = check.loss_gradient(lambda y, p: 2 * (y - p), "mse", verbose=False)
    assert "wrong sign" in result.feedback and "instead of y_pred" in result.feedback
    result = check.loss_gradient(lambda y, p: -2 * (y - p) / len(y), "mse", verbose=False)
    assert "divided by n = 3" in result.feedback
    result = check.loss_gradient(lambda y, p: -(y - p), "mse", verbose=False)
    assert "half of lossbook's" in result.feedback
    result = check.loss_gradient(lambda y, p: -np.clip(y - p, -2, 2), "huber", delta=1.0, verbose=False)
    assert result.failures[0].regime == "residuals larger than delta"


def test_any_subgradient_is_accepted_at_a_kink():
    assert check.loss_gradient(lambda y, p: -np.sign(y - p), "mae", verbose=False)
    assert check.loss_gradient(lambda y, p: np.where(y == p, 0.7, -np.sign(y - p)), "mae", verbose=False)
    assert not check.loss_gradient(lambda y, p: np.where(y == p, 3.0, -np.sign(y - p)), "mae", verbose=False)
    # hinge at y·s = 1: -y (inclusive) or 0 (lossbook's) are both subgradients
    assert check.loss_gradient(lambda y, s: -y * (y * s <= 1), "hinge", verbose=False)


def test_tuple_gradients_of_ranking_losses():
    good = lambda s1, s2, y: L.margin_ranking.gradient(s1, s2, y)  # noqa: E731
    assert check.loss_gradient(good, "margin_ranking", verbose=False)
    result = check.loss_gradient(lambda s1, s2, y: good(s1, s2, y)[0], "margin_ranking", verbose=False)
    assert "returned 1 array(s); expected 2" in result.feedback and "s1, s2" in result.feedback
    result = check.loss_gradient(lambda s1, s2, y: (good(s1, s2, y)[0], -good(s1, s2, y)[0] * 2), "margin_ranking",
                                 verbose=False)
    assert "(∂/∂s2)" in result.feedback


def test_rmse_is_checked_as_one_number():
    assert check.loss_function(lambda y, p: np.sqrt(np.mean((y - p) ** 2)), "rmse", verbose=False)
    result = check.loss_function(lambda y, p: np.mean((y - p) ** 2), "rmse", verbose=False)
    assert not result and result.failures[0].kind == "wrong"


# ------------------------------------------------------------------------------------------------
# check.gradient: finite differences
# ------------------------------------------------------------------------------------------------


def test_gradient_against_finite_differences(capsys):
    f = lambda w: float(np.sum(np.log1p(w**2)))  # noqa: E731
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    result = check.gradient(f, lambda w: 2 * w / (1 + w**2), x)
    assert result and capsys.readouterr().out.startswith("✓ gradient: matches finite differences in all 4")
    result = check.gradient(f, lambda w: 2 * w, x, verbose=False)
    assert not result
    assert "worst is component (1, 0)" in result.feedback  # 2w vs 2w/(1+w²): largest gap at w = 2
    assert "finite differences give 0.8, grad_f gives 4.0" in result.feedback
    assert "3 of 4 components" in result.feedback


def test_gradient_names_sign_and_factor_two():
    f = lambda w: float(w @ w)  # noqa: E731
    x = np.array([1.0, -2.0, 3.0])
    assert "wrong sign" in check.gradient(f, lambda w: -2 * w, x, verbose=False).feedback
    assert "half of the numerical one" in check.gradient(f, lambda w: w, x, verbose=False).feedback


def test_gradient_reports_learner_problems():
    f = lambda w: float(w @ w)  # noqa: E731
    x = np.ones(3)
    assert check.gradient(f, lambda w: 2 * w[:2], x, verbose=False).failures[0].kind == "shape"
    assert check.gradient(lambda w: w**2, lambda w: 2 * w, x, verbose=False).failures[0].kind == "shape"
    assert "raised ZeroDivisionError" in check.gradient(f, lambda w: 1 / 0, x, verbose=False).feedback
    assert "returned None" in check.gradient(f, lambda w: None, x, verbose=False).feedback
    assert check.gradient(f, lambda w: w / 0.0, x, verbose=False).failures[0].kind in ("unstable", "wrong")


# ------------------------------------------------------------------------------------------------
# Arguments of the checks themselves
# ------------------------------------------------------------------------------------------------


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="fn must be a function"):
        check.loss_function("mse", "mse")
    with pytest.raises(ValueError, match="unknown loss 'hubber'.*Did you mean 'huber'"):
        check.loss_function(learner_huber, "hubber")
    with pytest.raises(ValueError, match="delta must satisfy delta > 0"):
        check.loss_function(learner_huber, "huber", delta=-1.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'delta'"):
        check.loss_function(learner_huber, "mse", delta=1.0)
    with pytest.raises(ValueError, match="rtol must be a number >= 0; got -1"):
        check.loss_gradient(learner_huber, "huber", rtol=-1)
    with pytest.raises(ValueError, match="eps must be a finite number > 0; got 0"):
        check.gradient(np.sum, np.ones_like, [1.0], eps=0)
    with pytest.raises(ValueError, match="grad_f must be a function"):
        check.gradient(np.sum, None, [1.0])
    with pytest.raises(ValueError, match="x must be a non-empty array of finite numbers"):
        check.gradient(np.sum, np.ones_like, [np.nan])


def test_check_does_not_import_the_top_layer():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(check.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(m.startswith(("plots", "widgets")) for m in imported), imported


# ------------------------------------------------------------------------------------------------
# In a notebook: the feedback is shown once
# ------------------------------------------------------------------------------------------------


CELLS = {
    "setup": "import numpy as np\nfrom lossbook import check\n"
             "def no_half_delta(y_true, y_pred, delta=1.0):\n"
             "    r = y_true - y_pred\n"
             "    return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * np.abs(r))",
    "ends-with-a-failing-check": 'check.loss_function(no_half_delta, "huber")',
    "ends-with-a-passing-check": 'check.loss_function(lambda y, p: (y - p) ** 2, "mse")',
    "keeps-the-result": 'r = check.loss_function(no_half_delta, "huber")',
    "shows-it-later": "r",
    "quiet": "q = check.gradient(np.sum, np.ones_like, np.ones(3), verbose=False)",
    "shows-the-quiet-one": "q",
}


@pytest.fixture(scope="module")
def notebook_outputs():
    """The cells above, run in a real Jupyter kernel: {cell: [(output type, text), ...]}."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in CELLS.values()])
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    return {name: [(o.output_type, o.get("text") or o.get("data", {}).get("text/plain", "")) for o in cell.outputs]
            for name, cell in zip(CELLS, nb.cells)}


def test_a_check_ending_a_cell_shows_its_feedback_once(notebook_outputs):
    (kind, text), = notebook_outputs["ends-with-a-failing-check"]  # one output: no execute_result
    assert kind == "stream" and text.count("✗ huber: wrong for residuals larger than delta") == 1
    assert notebook_outputs["ends-with-a-passing-check"] == [("stream", "✓ mse: correct on 17 inputs\n")]


def test_a_result_displayed_later_or_made_quietly_shows_its_feedback(notebook_outputs):
    assert [k for k, _ in notebook_outputs["keeps-the-result"]] == ["stream"]
    (kind, text), = notebook_outputs["shows-it-later"]
    assert kind == "stream" and text.startswith("✗ huber: wrong for residuals larger than delta")
    assert notebook_outputs["quiet"] == []
    assert notebook_outputs["shows-the-quiet-one"] == [
        ("stream", "✓ gradient: matches finite differences in all 3 components\n")]


def test_the_instructor_guide_example_prints_what_it_says():
    """The example of the instructor guide runs as printed, and its comments are its output."""
    import contextlib
    import io
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "book" / "instructor_guide.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", guide, re.S) if "check.loss_function" in b)
    code, _, shown = block.partition("check.loss_function(my_huber")
    call = "check.loss_function(my_huber" + shown.splitlines()[0]
    expected = [line.removeprefix("# ") for line in shown.splitlines()[1:] if line.startswith("#")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code + call, {})
    assert out.getvalue().splitlines() == expected
