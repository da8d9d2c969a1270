"""Self-checks for learners: compare your own loss, gradient or derivative with lossbook's, with
feedback that names the regime where it goes wrong ("wrong for residuals larger than delta ...").

Builds on `lossbook.losses` only; must not import `plots`, `widgets` or anything from a notebook.

Three checks, each printing its feedback and returning a :class:`CheckResult` (truthy when correct):

- ``loss_function(fn, "huber", delta=1.0)``: ``fn(y_true, y_pred)`` -> one loss per sample;
- ``loss_gradient(fn, "huber", delta=1.0)``: ``fn(y_true, y_pred)`` -> d loss / d y_pred per sample;
- ``gradient(f, grad_f, x)``: ``grad_f(x)`` against central finite differences of a scalar ``f``.

The inputs are fixed (deterministic) and chosen per loss to visit every regime of its formula:
both sides of each kink or threshold, both signs, perfect predictions, extreme values where a
naive formula overflows (residuals up to 800, logits up to ±800, probabilities exactly 0 or 1)
and tiny values where it cancels (residuals of 1e-8).
"""

from __future__ import annotations

import builtins
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .losses import REDUCTIONS, Loss, get

__all__ = ["CheckResult", "Failure", "loss_function", "loss_gradient", "gradient"]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One thing found wrong: the regime, what kind of problem, and a sentence explaining it."""

    regime: str
    kind: str  # "wrong", "unstable", "inaccurate", "shape", "scalar", "error", "type"
    message: str


def _execution_count():
    """The number of the IPython cell being run, or None outside IPython (no import of IPython:
    an IPython session puts `get_ipython` into the builtins)."""
    shell = getattr(builtins, "get_ipython", lambda: None)()
    return getattr(shell, "execution_count", None)


@dataclass
class CheckResult:
    """The outcome of a check: truthy when everything matched; ``feedback`` says what and where.

    The feedback is shown once. A check prints it when it runs (unless ``verbose=False``), so in a
    notebook a check as the last line of a cell shows its feedback, not the feedback and then the
    result again; displaying a result in a later cell, or one made with ``verbose=False``, shows
    the feedback. ``str(result)`` is the feedback; ``repr(result)`` a short summary.
    """

    name: str
    passed: bool
    n_inputs: int
    feedback: str
    failures: list[Failure] = field(default_factory=list)
    printed_in: object = field(default=None, repr=False, compare=False)  # IPython cell that printed it

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        outcome = "passed" if self.passed else f"failed, {len(self.failures)} problem(s)"
        return f"<CheckResult {self.name}: {outcome} on {self.n_inputs} inputs>"

    def __str__(self) -> str:
        return self.feedback

    def _ipython_display_(self) -> None:
        """IPython's display protocol: the feedback, unless this very cell has already printed it."""
        if self.printed_in is not None and self.printed_in == _execution_count():
            return
        print(self.feedback)


def _report(result: CheckResult, verbose: bool) -> CheckResult:
    """Print the feedback (verbose) and remember in which IPython cell it was printed."""
    if verbose:
        print(result.feedback)
        result.printed_in = _execution_count()
    return result


# --------------------------------------------------------------------------------------------
# Formatting numbers for people
# --------------------------------------------------------------------------------------------


def _num(x) -> str:
    """An input value: integers without a decimal point (y_pred=2), others with 6 digits."""
    x = float(x)
    if np.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _val(x) -> str:
    """A computed value: always recognisably a float (2.0, 1.5, 5e-17, inf, nan)."""
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    return repr(float(f"{x:.6g}"))


def _show(a, i) -> str:
    """Sample i of an input: a number, or a short row for 2-D inputs."""
    v = np.asarray(a)[i]
    if np.ndim(v) == 0:
        return _num(v)
    items = [_num(t) for t in v[:6]]
    return "[" + ", ".join(items) + (", ..." if v.size > 6 else "") + "]"


def _show_value(v) -> str:
    v = np.asarray(v)
    if v.ndim == 0:
        return _val(v)
    return "[" + ", ".join(_val(t) for t in v.ravel()[:4]) + (", ..." if v.size > 4 else "") + "]"


# --------------------------------------------------------------------------------------------
# The inputs: regimes per loss
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Regime:
    name: str
    inputs: tuple  # arrays, in the loss's input order
    kink: bool = False  # the loss is not differentiable here: any subgradient is accepted
    precise: bool = False  # compare relatively (tiny values): absolute tolerance 0
    gradient: bool = True  # also used by loss_gradient (False where lossbook's clipping decides)
    hint: str = ""

    @property
    def extreme(self) -> bool:
        """Inputs chosen to make naive formulas overflow or cancel (as opposed to ordinary ones)."""
        return any(w in self.name for w in ("large", "tiny", "confident", "exactly 0", "extreme",
                                             "probability 0", "zeros", "identical"))


def _a(*values) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def _residual_pairs(residuals, y_true=None):
    """(y_true, y_pred) with y_true - y_pred = residuals exactly (y_pred = y_true - r in float)."""
    r = _a(*residuals)
    yt = np.zeros_like(r) if y_true is None else _a(*y_true)
    return yt, yt - r


def _regression_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    name = loss.name
    kinked_at_zero = name in ("mae", "quantile") or (name == "epsilon_insensitive" and hp["epsilon"] == 0)
    regimes = [_Regime("a perfect prediction (r = 0)", (_a(0.0, 3.5, -2.0), _a(0.0, 3.5, -2.0)),
                       kink=kinked_at_zero)]
    threshold = {"huber": "delta", "pseudo_huber": "delta", "epsilon_insensitive": "epsilon"}.get(name)
    t = hp.get(threshold) if threshold else None
    if t:  # a loss that changes regime at |r| = t
        regimes += [
            _Regime(f"residuals smaller than {threshold}",
                    _residual_pairs([0.5 * t, -0.5 * t, 0.9 * t, -0.25 * t], [1.0, -2.0, 0.0, 4.0])),
            _Regime(f"residuals equal to {threshold}", _residual_pairs([t, -t], [0.0, 1.5]),
                    kink=name == "epsilon_insensitive"),
            # the first one is y_true=0, y_pred=2t: the example of the classic mistake (no abs / no 1/2)
            _Regime(f"residuals larger than {threshold}",
                    _residual_pairs([-2 * t, 3 * t, -10 * t, 1.5 * t], [0.0, 1.0, -3.0, 2.0])),
        ]
    else:
        regimes += [
            _Regime("positive residuals (y_true > y_pred)", _residual_pairs([0.5, 2.0, 3.75], [1.0, 0.0, -2.0])),
            _Regime("negative residuals (y_pred > y_true)", _residual_pairs([-0.5, -2.0, -3.75], [0.0, 1.0, 2.5])),
        ]
    regimes += [
        _Regime("large residuals (|r| up to 800)", _residual_pairs([50.0, -120.0, 400.0, -800.0, 800.0])),
        _Regime("tiny residuals (|r| = 1e-8)", _residual_pairs([1e-8, -1e-8, 3e-9]), precise=True),
    ]
    return regimes


_CLIP_HINT = "lossbook clips probabilities to [eps, 1 - eps] with eps = 2.22e-16 (as scikit-learn's log_loss)"


def _probability_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    """Binary losses on probabilities: binary_cross_entropy, brier, focal."""
    regimes = [
        _Regime("labels y = 1", (_a(1, 1, 1), _a(0.9, 0.5, 0.2))),
        _Regime("labels y = 0", (_a(0, 0, 0), _a(0.1, 0.5, 0.8))),
    ]
    if loss.name != "focal":  # focal loss is defined for hard labels only
        regimes.append(_Regime("soft labels (0 < y < 1)", (_a(0.3, 0.8, 0.5), _a(0.6, 0.2, 0.5))))
    regimes += [
        _Regime("confident predictions (p within 1e-6 of 0 or 1)",
                (_a(1, 0, 1, 0), _a(1 - 1e-6, 1e-6, 1e-6, 1 - 1e-6))),
        _Regime("probabilities exactly 0 or 1", (_a(1, 0, 0, 1), _a(1, 0, 1, 0)),
                gradient=False, hint=_CLIP_HINT if loss.name != "brier" else ""),
    ]
    return regimes


def _logit_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    return [
        _Regime("labels y = 1", (_a(1, 1, 1, 1), _a(2.0, 0.0, -1.5, 0.3))),
        _Regime("labels y = 0", (_a(0, 0, 0, 0), _a(-2.0, 0.0, 1.5, -0.3))),
        _Regime("soft labels (0 < y < 1)", (_a(0.3, 0.8), _a(0.6, -1.2))),
        _Regime("confident correct logits (loss ≈ e^-|z|, |z| = 40)", (_a(1, 0), _a(40.0, -40.0)), precise=True,
                hint="max(z, 0) - y*z + log1p(exp(-|z|)) keeps these digits; logaddexp(0, z) - y*z cancels"),
        _Regime("extreme logits (|z| up to 800)", (_a(0, 1, 0, 1), _a(800.0, -800.0, 50.0, -50.0))),
    ]


def _margin_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    """Labels -1/+1 and real scores: hinge, squared_hinge, exponential."""
    big = 700.0 if loss.name == "exponential" else 800.0  # e^700 is finite, e^800 is not
    return [
        _Regime("correct beyond the margin (y*s > 1)", (_a(1, -1, 1), _a(2.5, -1.75, 10.0))),
        _Regime("on the margin (y*s = 1)", (_a(1, -1), _a(1.0, -1.0)), kink=loss.name == "hinge"),
        _Regime("inside the margin (0 < y*s < 1)", (_a(1, -1, 1), _a(0.4, -0.2, 0.75))),
        _Regime("misclassified (y*s < 0)", (_a(1, -1, -1), _a(-0.5, 2.0, 3.0))),
        _Regime(f"large scores (|s| up to {big:g})", (_a(1, -1, 1, -1), _a(big, big, -big / 2, -big))),
    ]


def _rows(*rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


def _categorical_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    onehot = _rows([1, 0, 0], [0, 1, 0], [0, 0, 1])
    soft = _rows([0.2, 0.8, 0.0], [0.5, 0.25, 0.25])
    if loss.name == "categorical_cross_entropy":
        return [
            _Regime("one-hot targets", (onehot, _rows([0.7, 0.2, 0.1], [0.25, 0.25, 0.5], [0.1, 0.1, 0.8]))),
            _Regime("soft targets (rows of y_true summing to 1)", (soft, _rows([0.3, 0.6, 0.1], [0.2, 0.2, 0.6]))),
            _Regime("probability 0 for some class", (onehot, _rows([0.0, 0.5, 0.5], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0])),
                    gradient=False,
                    hint="lossbook clips p below at eps = 2.22e-16, and a class with y_c = 0 contributes 0 "
                         "(0 * log 0 must not become nan)"),
        ]
    return [
        _Regime("one-hot targets", (onehot, _rows([2.0, 1.0, 0.1], [0.5, -0.5, 3.0], [0.0, 0.0, 0.0]))),
        _Regime("soft targets (rows of y_true summing to 1)", (soft, _rows([1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]))),
        _Regime("large logits (up to 1000)", (onehot, _rows([1000.0, 0.0, -1000.0], [1000.0, 999.0, 0.0],
                                                             [-800.0, 800.0, 0.0])),
                hint="subtract the row maximum before exp (log-sum-exp)"),
    ]


def _multiclass_hinge_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    return [
        _Regime("the true class wins by more than 1", (_a(0, 1, 2), _rows([3.0, 1.0, 0.5], [0.0, 2.5, -1.0], [1.0, 0.0, 2.5]))),
        _Regime("the true class wins by less than 1", (_a(0, 2), _rows([1.5, 1.0, 0.5], [0.0, 1.0, 1.25]))),
        _Regime("another class wins", (_a(0, 1, 2), _rows([0.0, 2.0, 1.0], [3.0, 1.0, -1.0], [1.0, 5.0, 0.0]))),
        _Regime("a margin of exactly 1", (_a(1,), _rows([0.0, 2.0, 1.0])), kink=True),
    ]


def _zero_one_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    return [
        _Regime("correct predictions", (_a(0, 1, 2, 1), _a(0, 1, 2, 1))),
        _Regime("wrong predictions", (_a(0, 1, 2, 1), _a(1, 2, 0, 0))),
    ]


def _kl_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    return [
        _Regime("identical distributions (KL = 0)", (_rows([0.2, 0.3, 0.5]), _rows([0.2, 0.3, 0.5]))),
        _Regime("different distributions", (_rows([0.2, 0.3, 0.5], [0.9, 0.05, 0.05]),
                                            _rows([0.5, 0.3, 0.2], [1 / 3, 1 / 3, 1 / 3]))),
        _Regime("zeros in y_true (0 * log 0 counts as 0)", (_rows([0.0, 0.5, 0.5], [0.0, 0.0, 1.0]),
                                                            _rows([0.2, 0.4, 0.4], [0.0, 0.5, 0.5]))),
        _Regime("zeros in y_pred where y_true > 0 (KL = +inf)", (_rows([0.5, 0.5, 0.0]), _rows([1.0, 0.0, 0.0]))),
    ]


def _contrastive_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    m = hp["margin"]
    x1 = _rows([0.0, 0.0], [1.0, 2.0])
    return [
        _Regime("similar pairs (same = 1)", (x1, _rows([0.3, 0.4], [-1.0, 0.0]), _a(1, 1))),
        _Regime("dissimilar pairs closer than the margin",
                (x1, x1 + _rows([0.3 * m, 0.4 * m], [0.0, -0.5 * m]), _a(0, 0))),
        _Regime("dissimilar pairs beyond the margin",
                (x1, x1 + _rows([1.2 * m + 0.1, 0.0], [-3.0 * m - 1, 2.0]), _a(0, 0))),
        _Regime("identical points (d = 0)", (x1, x1.copy(), _a(1, 0)), kink=True),
    ]


def _triplet_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    m = hp["margin"]
    a = _rows([0.0, 0.0], [1.0, -1.0])
    return [
        _Regime("violated triplets (the negative is too close)",
                (a, a + _rows([1.0, 0.0], [0.0, 2.0]), a + _rows([0.0, 0.5], [0.5, 0.0]))),
        _Regime("satisfied triplets (loss 0)",
                (a, a + _rows([0.1, 0.0], [0.0, 0.2]), a + _rows([0.0, m + 1.0], [-(m + 2.0), 0.0]))),
    ]


def _margin_ranking_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    m = hp["margin"]
    return [
        _Regime("pairs ordered as y asks, by more than the margin",
                (_a(3.0 + m, 0.0), _a(1.0, 2.0 + m), _a(1, -1))),
        _Regime("pairs ordered against y", (_a(0.0, 4.0, -1.0), _a(1.5, 2.0, 2.0), _a(1, -1, 1))),
    ]


def _info_nce_regimes(loss: Loss, hp: dict) -> list[_Regime]:
    rng = np.random.default_rng(0)
    q = rng.normal(size=(4, 3))
    k = q + 0.3 * rng.normal(size=(4, 3))
    return [
        _Regime("a batch of 4 queries and keys", (q, k)),
        _Regime("large similarities (q·k/temperature up to ~1000)", (30.0 * q, 30.0 * k),
                hint="softmax cross-entropy needs log-sum-exp"),
    ]


_BUILDERS: dict[str, Callable[[Loss, dict], list[_Regime]]] = {
    **{n: _regression_regimes for n in ("mse", "mae", "rmse", "huber", "pseudo_huber", "log_cosh",
                                        "quantile", "epsilon_insensitive")},
    **{n: _probability_regimes for n in ("binary_cross_entropy", "brier", "focal")},
    "binary_cross_entropy_with_logits": _logit_regimes,
    **{n: _margin_regimes for n in ("hinge", "squared_hinge", "exponential")},
    "categorical_cross_entropy": _categorical_regimes,
    "categorical_cross_entropy_with_logits": _categorical_regimes,
    "multiclass_hinge": _multiclass_hinge_regimes,
    "zero_one": _zero_one_regimes,
    "kl_divergence": _kl_regimes,
    "contrastive": _contrastive_regimes,
    "triplet": _triplet_regimes,
    "margin_ranking": _margin_ranking_regimes,
    "info_nce": _info_nce_regimes,
}


def _regimes(loss: Loss, hp: dict) -> list[_Regime]:
    if loss.name not in _BUILDERS:
        raise ValueError(f"lossbook.check: no test inputs are defined for the loss {loss.name!r}; "
                         f"checkable losses: {', '.join(_BUILDERS)}")
    return _BUILDERS[loss.name](loss, hp)


# --------------------------------------------------------------------------------------------
# Comparing a learner's answer with lossbook's
# --------------------------------------------------------------------------------------------


def _call(fn, args):
    """fn(*copies of args), with NumPy warnings silenced (we report overflow ourselves)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*(np.array(a, copy=True) for a in args))


def _where(loss: Loss, regime: _Regime, i: int, hp: dict) -> str:
    """'at y_true=0, y_pred=2 (r=-2, delta=1)': the failing sample, in the loss's own terms."""
    text = "at " + ("" if loss.task != "ranking" else f"row {i}: ")  # ranking: rows of embeddings
    text += ", ".join(f"{n}={_show(a, i)}" for n, a in zip(loss.inputs, regime.inputs))
    extra = []
    if loss.task == "regression":
        extra.append(f"r={_num(regime.inputs[0][i] - regime.inputs[1][i])}")
    elif loss.name in ("hinge", "squared_hinge", "exponential"):
        extra.append(f"y*s={_num(regime.inputs[0][i] * regime.inputs[1][i])}")
    extra += [f"{k}={_num(v) if v is not None else None}" for k, v in hp.items()]
    return text + (f" ({', '.join(extra)})" if extra else "")


# What each loss's .gradient differentiates with respect to (default: y_pred, the second input).
_GRADIENT_WRT = {"contrastive": ("x1", "x2"), "triplet": ("anchor", "positive", "negative"),
                 "margin_ranking": ("s1", "s2"), "info_nce": ("queries", "keys")}


def _wrt(loss: Loss) -> tuple[str, ...]:
    return _GRADIENT_WRT.get(loss.name, loss.inputs[1:])


def _ratio_hint(got: np.ndarray, expected: np.ndarray, n: int, what: str) -> str:
    """A name for a systematic difference: wrong sign, a factor 2, divided by n."""
    ok = np.isfinite(got) & np.isfinite(expected) & (np.abs(expected) > 1e-12)
    if ok.sum() < 1:
        return ""
    ratio = got[ok] / expected[ok]
    k = ratio.flat[0]
    if not np.allclose(ratio, k, rtol=1e-6, atol=0):
        return ""
    if np.isclose(k, -1.0):
        return (" — every value has the wrong sign" +
                ("; did you differentiate with respect to the residual r = y_true - y_pred (or y_true) "
                 "instead of y_pred?" if what == "gradient" else ""))
    if np.isclose(k, 2.0):
        return " — every value is exactly twice lossbook's (a missing factor 1/2?)"
    if np.isclose(k, 0.5):
        return " — every value is exactly half of lossbook's (a missing factor 2?)"
    if n > 1 and np.isclose(k, 1.0 / n):
        return (f" — every value is divided by n = {n}: lossbook's {what} is per sample "
                "(the derivative of the sum); return it before averaging")
    if np.isclose(k, 1.0):
        return ""
    return f" — every value is {k:.6g} times lossbook's"


def _as_outputs(got, n_expected: int, wrt: tuple[str, ...]):
    """The learner's output as a tuple of float arrays, or a Failure-ready message."""
    if got is None:
        return None, "returned None — did you forget `return`?"
    parts = got if isinstance(got, tuple) else (got,)
    if len(parts) != n_expected:
        return None, (f"returned {len(parts)} array(s); expected {n_expected} "
                      f"({'a tuple of derivatives, with respect to ' + ', '.join(wrt) if n_expected > 1 else 'one array'})")
    out = []
    for p in parts:
        try:
            out.append(np.asarray(p, dtype=np.float64))
        except (TypeError, ValueError):
            return None, f"returned {type(p).__name__} {str(p)[:60]!r}, which is not an array of numbers"
    return tuple(out), ""


def _compare(loss, regime, got, expected, hp, rtol, atol, what, scalar_loss):
    """Failures of one regime: shape, scalar-instead-of-per-sample, stability, values."""
    failures = []
    for j, (g, e) in enumerate(zip(got, expected)):
        label = f" (∂/∂{_wrt(loss)[j]})" if len(expected) > 1 else ""
        n = e.shape[0] if e.ndim else 1
        if g.shape != e.shape:
            if g.ndim == 0 or g.size == 1:
                g0 = float(g.ravel()[0])
                note = ""
                if np.isclose(g0, e.mean(), rtol=1e-6):
                    note = " — that is the mean of the per-sample values"
                elif np.isclose(g0, e.sum(), rtol=1e-6):
                    note = " — that is the sum of the per-sample values"
                failures.append(Failure(regime.name, "scalar",
                                        f"returned a single number ({_val(g0)}) for {n} samples instead of one "
                                        f"{'loss' if what == 'loss' else 'derivative'} per sample{label}{note}; "
                                        "return the array before taking the mean"))
            else:
                failures.append(Failure(regime.name, "shape",
                                        f"returned shape {g.shape}{label}; expected {e.shape} "
                                        f"({'the shape of ' + _wrt(loss)[j] if what == 'gradient' else 'one value per sample'})"))
            continue
        # Relative accuracy of tiny values is demanded of loss values only: a gradient of 4e-18
        # returned as 0 changes no training step.
        precise = regime.precise and what == "loss"
        e_flat, g_flat = np.atleast_1d(e), np.atleast_1d(g)
        same_inf = np.isinf(e_flat) & (g_flat == e_flat)
        finite_expected = np.isfinite(e_flat)
        with np.errstate(all="ignore"):
            tol = rtol * np.abs(e_flat) + (0.0 if precise else atol)
            good = same_inf | (finite_expected & (np.abs(g_flat - e_flat) <= tol))
        if regime.kink and what == "gradient" and regime.inputs[1].ndim == 1:
            good |= _in_subdifferential(loss, regime, g_flat, hp)
        if good.all():
            continue
        bad_rows = np.unique(np.argwhere(~good)[:, 0]) if e_flat.ndim > 1 else np.flatnonzero(~good)
        i = int(bad_rows[0])
        where = _where(loss, regime, i, hp) if not scalar_loss else "at " + ", ".join(
            f"{n_}={_show_value(a)}" for n_, a in zip(loss.inputs, regime.inputs))
        row_e, row_g = (e_flat[i], g_flat[i]) if not scalar_loss else (e_flat, g_flat)
        bad_values = g_flat[~good]
        if not np.all(np.isfinite(bad_values[np.isfinite(e_flat[~good])])) and np.any(finite_expected[~good]):
            kind, verb = "unstable", f"not numerically stable for {regime.name}"
            # show a sample where the answer is nan/inf
            k = next(int(r) for r in bad_rows if not np.all(np.isfinite(np.atleast_1d(g_flat[r]))))
            where = _where(loss, regime, k, hp) if not scalar_loss else where
            row_e, row_g = (e_flat[k], g_flat[k]) if not scalar_loss else (e_flat, g_flat)
        elif (precise and np.all(np.abs(g_flat - e_flat)[~good] <= atol)
              and not _ratio_hint(g_flat, e_flat, n, what)):
            kind, verb = "inaccurate", f"inaccurate for {regime.name}"
        else:
            kind, verb = "wrong", f"wrong for {regime.name}"
        count = f" ({len(bad_rows)} of {n} samples)" if n > 1 and len(bad_rows) < n else ""
        message = f"{verb}{label}{count}: {where} expected {_show_value(row_e)}, got {_show_value(row_g)}"
        if kind == "inaccurate":
            with np.errstate(all="ignore"):
                rel = float(np.max(np.abs(g_flat[~good] - e_flat[~good]) / np.abs(e_flat[~good])))
            message += f" (relative error {rel:.2g}: digits lost to cancellation)"
        elif kind == "unstable" and regime.extreme:
            message += " (overflow or 0·inf somewhere in the formula)"
        elif kind == "unstable":
            message += (" — nothing in these ordinary inputs should overflow: check the order of the "
                        f"arguments, fn({', '.join(loss.inputs)}), and logarithms of 0")
        elif kind == "wrong":
            message += _ratio_hint(g_flat, e_flat, n, what) or _swap_hint(loss, regime, g_flat, hp, what)
        if regime.hint:
            message += f". Hint: {regime.hint}"
        failures.append(Failure(regime.name, kind, message))
    return failures


def _swap_hint(loss, regime, got, hp, what) -> str:
    """' — y_true and y_pred look swapped' when the answer is lossbook's with the two exchanged."""
    if what != "loss" or len(regime.inputs) != 2 or regime.inputs[0].shape != regime.inputs[1].shape:
        return ""
    try:
        swapped = np.asarray(loss(regime.inputs[1], regime.inputs[0], reduction="none", **hp), dtype=np.float64)
    except (ValueError, TypeError):
        return ""
    if swapped.shape == got.shape and np.allclose(got, swapped, rtol=1e-6, atol=1e-12):
        return " — these are lossbook's values with y_true and y_pred swapped"
    return ""


def _in_subdifferential(loss, regime, g, hp):
    """At a kink, any value between the one-sided derivatives is a valid (sub)gradient."""
    yt, yp = regime.inputs
    h = 1e-7 * np.maximum(1.0, np.abs(yp))
    left = np.asarray(loss.gradient(yt, yp - h, **hp), dtype=np.float64)
    right = np.asarray(loss.gradient(yt, yp + h, **hp), dtype=np.float64)
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    return (g >= lo - 1e-9) & (g <= hi + 1e-9)


def _check(fn, loss, what: str, hp: dict, rtol: float, atol: float, verbose: bool) -> CheckResult:
    if not callable(fn):
        raise ValueError(f"lossbook.check: fn must be a function fn({', '.join(get(loss).inputs)}); "
                         f"got {type(fn).__name__}")
    loss = get(loss)
    for name, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value >= 0):
            raise ValueError(f"lossbook.check: {name} must be a number >= 0; got {value!r}")
    hp = loss._hyper(hp)
    title = loss.name if what == "loss" else f"{loss.name} gradient"
    scalar_loss = loss.reductions != REDUCTIONS  # rmse: one number per batch, not per sample
    failures: list[Failure] = []
    n_inputs = 0
    for regime in _regimes(loss, hp):
        if what == "gradient" and not regime.gradient:
            continue
        if what == "gradient" and regime.kink and regime.inputs[1].ndim != 1:
            continue  # a kink of a multi-dimensional input: no single subgradient to insist on
        n_inputs += regime.inputs[0].shape[0]
        if what == "loss":
            expected = loss(*regime.inputs, **hp) if scalar_loss else loss(*regime.inputs, reduction="none", **hp)
        else:
            expected = loss.gradient(*regime.inputs, **hp)
        expected = tuple(np.asarray(e, dtype=np.float64) for e in (expected if isinstance(expected, tuple) else (expected,)))
        try:
            raw = _call(fn, regime.inputs)
        except Exception as exc:  # the learner's code: report, never crash
            failures.append(Failure(regime.name, "error",
                                    f"raised {type(exc).__name__}: {exc} — on {regime.name}, "
                                    f"{_where(loss, regime, 0, hp)}"))
            continue
        got, problem = _as_outputs(raw, len(expected), _wrt(loss) if what == "gradient" else ("y_pred",))
        if got is None:
            failures.append(Failure(regime.name, "type", problem))
            break  # the same on every regime
        if scalar_loss and what == "loss":
            got = tuple(g.reshape(()) if g.size == 1 else g for g in got)
        found = _compare(loss, regime, got, expected, hp, rtol, atol, what, scalar_loss)
        failures += found
        if any(f.kind in ("scalar", "shape") for f in found):
            break  # the same on every regime; one message is enough
    if failures:
        lines = [f"✗ {title}: {failures[0].message}"]
        lines += [f"  also {f.message}" for f in failures[1:]]
    else:
        lines = [f"✓ {title}: correct on {n_inputs} inputs"]
    return _report(CheckResult(title, not failures, n_inputs, "\n".join(lines), failures), verbose)


def loss_function(fn: Callable, loss, *, rtol: float = 1e-6, atol: float = 1e-12, verbose: bool = True,
                  **hp) -> CheckResult:
    """Check a learner's per-sample loss ``fn(y_true, y_pred)`` against lossbook's `loss`.

    `loss` is a name in ``lossbook.losses.REGISTRY`` or a Loss; ``**hp`` are its hyper-parameters
    (``delta=1.0`` ...). `fn` is called once per regime with arrays laid out as lossbook's own
    inputs (multi-class targets as (n, k) rows for the cross-entropies, integer labels for
    ``multiclass_hinge`` and ``zero_one``) and must return one loss per sample (for ``rmse``,
    which is not a sum of per-sample terms, the single RMSE). Values agree when
    ``|got - expected| <= rtol·|expected| + atol``; regimes of tiny values are compared relatively
    (atol = 0), since a formula that returns 0 there has lost every digit.

    Prints the feedback (unless ``verbose=False``) and returns a :class:`CheckResult`, truthy
    when everything matched: ``assert check.loss_function(my_huber, "huber", delta=1.0)``.
    """
    return _check(fn, loss, "loss", hp, rtol, atol, verbose)


def loss_gradient(fn: Callable, loss, *, rtol: float = 1e-6, atol: float = 1e-12, verbose: bool = True,
                  **hp) -> CheckResult:
    """Check a learner's derivative ``fn(y_true, y_pred)`` = ∂ℓ/∂y_pred per sample against
    ``loss.gradient``.

    Same inputs and tolerances as :func:`loss_function`. The derivative is that of each sample's
    loss (of the sum, not the mean), with the shape of y_pred; for the ranking losses `fn`
    returns a tuple like ``loss.gradient`` does: (∂/∂x1, ∂/∂x2) for contrastive,
    (∂/∂anchor, ∂/∂positive, ∂/∂negative) for triplet, (∂/∂s1, ∂/∂s2) for margin_ranking,
    (∂/∂queries, ∂/∂keys) for info_nce. At kinks (|r| = 0 for mae, y·s = 1 for the hinge, ...) any value between the
    one-sided derivatives is accepted; inputs where lossbook's clipping convention alone decides
    the answer (probabilities exactly 0 or 1) are left out.
    """
    return _check(fn, loss, "gradient", hp, rtol, atol, verbose)


# --------------------------------------------------------------------------------------------
# Any gradient against finite differences
# --------------------------------------------------------------------------------------------


def gradient(f: Callable, grad_f: Callable, x, *, eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-8,
             verbose: bool = True) -> CheckResult:
    """Check ``grad_f(x)`` against central finite differences of the scalar function `f` at `x`.

    Component i of the numerical gradient is ``(f(x + h e_i) - f(x - h e_i)) / (2h)`` with
    ``h = eps·max(1, |x_i|)``. A component passes when it is within
    ``atol + rtol·max_j |numerical_j|`` of the numerical one (the scale is the whole gradient's,
    so that components near zero are judged by the size of the others). The feedback reports
    the worst component.
    """
    for name, value, allowed in (("eps", eps, "> 0"), ("rtol", rtol, ">= 0"), ("atol", atol, ">= 0")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) \
                or value < 0 or (allowed == "> 0" and value == 0):
            raise ValueError(f"lossbook.check.gradient: {name} must be a finite number {allowed}; got {value!r}")
    for name, fun in (("f", f), ("grad_f", grad_f)):
        if not callable(fun):
            raise ValueError(f"lossbook.check.gradient: {name} must be a function of x; got {type(fun).__name__}")
    try:
        x = np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"lossbook.check.gradient: x must be an array of numbers; got {type(x).__name__}") from None
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"lossbook.check.gradient: x must be a non-empty array of finite numbers; got {x!r}")

    def result(message: str | None, kind: str = "wrong") -> CheckResult:
        if message is None:
            text = f"✓ gradient: matches finite differences in all {x.size} components"
            failures = []
        else:
            text = f"✗ gradient: {message}"
            failures = [Failure("gradient", kind, message)]
        return _report(CheckResult("gradient", message is None, x.size, text, failures), verbose)

    def scalar(v):
        v = np.asarray(v, dtype=np.float64)
        if v.size != 1:
            raise _NotScalar(v.shape)
        return float(v.reshape(()))

    try:
        f0 = scalar(_call(f, (x,)))
    except _NotScalar as exc:
        return result(f"f(x) must return one number (a scalar); it returned shape {exc.shape}", "shape")
    except Exception as exc:
        return result(f"f(x) raised {type(exc).__name__}: {exc}", "error")
    try:
        g = _call(grad_f, (x,))
    except Exception as exc:
        return result(f"grad_f(x) raised {type(exc).__name__}: {exc}", "error")
    if g is None:
        return result("grad_f(x) returned None — did you forget `return`?", "type")
    try:
        g = np.asarray(g, dtype=np.float64)
    except (TypeError, ValueError):
        return result(f"grad_f(x) returned {type(g).__name__}, not an array of numbers", "type")
    if g.shape != x.shape:
        return result(f"grad_f(x) returned shape {g.shape}; a gradient has the shape of x, {x.shape}", "shape")
    if not np.all(np.isfinite(g)):
        i = tuple(int(t) for t in np.argwhere(~np.isfinite(g))[0])
        return result(f"grad_f(x) is not finite at index {i[0] if len(i) == 1 else i}: {g[i]}", "unstable")

    numerical = np.empty_like(x)
    for i in np.ndindex(x.shape):
        h = eps * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        try:
            numerical[i] = (scalar(_call(f, (xp,))) - scalar(_call(f, (xm,)))) / (xp[i] - xm[i])
        except Exception as exc:
            return result(f"f raised {type(exc).__name__} near x: {exc}", "error")
    if not np.all(np.isfinite(numerical)):
        return result("f is not finite near x, so finite differences are meaningless there; pick another x",
                      "unstable")
    error = np.abs(g - numerical)
    tol = atol + rtol * float(np.max(np.abs(numerical)))
    if np.all(error <= tol):
        return result(None)
    worst = tuple(int(t) for t in np.unravel_index(int(np.argmax(error)), x.shape))
    index = worst[0] if len(worst) == 1 else worst
    n_bad = int(np.sum(error > tol))
    message = (f"wrong in {n_bad} of {x.size} components; the worst is component {index}: "
               f"finite differences give {_val(numerical[worst])}, grad_f gives {_val(g[worst])} "
               f"(off by {error[worst]:.3g}, tolerance {tol:.3g})")
    message += _ratio_hint(g.ravel(), numerical.ravel(), 0, "numerical gradient").replace("lossbook's", "the numerical one")
    if f0 != f0:
        message += "; note that f(x) is nan"
    return result(message)


class _NotScalar(Exception):
    def __init__(self, shape):
        super().__init__(f"shape {shape}")
        self.shape = shape
