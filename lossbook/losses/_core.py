"""What every loss shares: input checks, hyper-parameters, reductions and the registry.

Pure NumPy. Must not import anything else from lossbook.
"""

from __future__ import annotations

import difflib
import inspect
import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

REDUCTIONS = ("mean", "sum", "none")
TASKS = ("regression", "classification", "ranking", "distribution")

# Probabilities are clipped to [EPS, 1 - EPS] before a logarithm, as scikit-learn's log_loss does
# (it clips at the float eps of y_pred's dtype). So -log(EPS) ≈ 36.04 is the largest per-sample
# value of the probability-based cross-entropies; PyTorch instead clamps log(p) at -100, and many
# tutorials clip at 1e-15 (cap 34.54). The *_with_logits losses need no clipping at all.
EPS = float(np.finfo(np.float64).eps)


# --------------------------------------------------------------------------------------------
# Checking inputs: each helper raises ValueError naming the parameter, what is allowed and what
# was received.
# --------------------------------------------------------------------------------------------


def _show(value) -> str:
    """A short, readable rendering of a received value for an error message."""
    try:
        text = np.array2string(np.asarray(value), threshold=6, precision=4) if np.ndim(value) else repr(value)
    except (TypeError, ValueError):  # not even an array, e.g. a ragged list
        text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def _sum_is_finite(a: np.ndarray) -> bool:
    """True when Σa is finite, which proves every element finite, in one pass (an overflowing
    sum of finite values gives a false alarm, resolved by the caller looking element by element).

    einsum's plain sum is faster than a.sum() (whose pairwise summation only matters for a
    value); a BLAS dot product a·a would be faster still on an idle machine, but its threads
    make it erratic on a busy one.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # e.g. [1e308, 1e308] or [inf, -inf]
        return bool(np.isfinite(np.einsum("i->", a.reshape(-1))))


def _raise_if_not_finite(a: np.ndarray, name: str, owner: str) -> None:
    """The ValueError for a NaN or inf in `a`, naming its first position; nothing if all finite."""
    bad = ~np.isfinite(a)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        where = where[0] if len(where) == 1 else where
        raise ValueError(
            f"{owner}: {name} must contain only finite numbers (no NaN or inf); "
            f"got {a[bad].flat[0]} at index {where}"
        )


def as_float_array(x, name: str, owner: str, check_finite: bool = True) -> np.ndarray:
    """`x` as a float64 array with at least one dimension, finite and not empty.

    ``check_finite=False`` skips only the NaN/inf check, for a caller that proves finiteness
    another way: a range or label check that NaN and inf fail (and whose error path calls
    ``_raise_if_not_finite`` first), or the result (see ``Loss(finite_from_result=True)``).
    """
    try:
        a = np.asarray(x)
        is_complex = a.dtype.kind == "c"
        if not is_complex:
            a = a.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner}: {name} must be numeric (an array, a list or a number); "
            f"got {type(x).__name__} {_show(x) if not isinstance(x, np.ndarray) else x.dtype}"
        ) from None
    if is_complex:  # casting would silently drop the imaginary part (with a ComplexWarning)
        raise ValueError(f"{owner}: {name} must be real numbers; got complex values {_show(a)}")
    if a.ndim == 0:
        a = a.reshape(1)
    if a.size == 0:
        raise ValueError(f"{owner}: {name} is empty; it needs at least one sample (got shape {a.shape})")
    # One fast pass for the common case; only when it fails (a NaN/inf, or a sum of finite
    # values that overflows) do we look element by element.
    if check_finite and not _sum_is_finite(a):
        _raise_if_not_finite(a, name, owner)
    return a


def check_ndim(a: np.ndarray, name: str, owner: str, ndim: int, hint: str = "") -> None:
    if a.ndim != ndim:
        kind = {1: "1-D (n_samples,)", 2: "2-D (n_samples, n_columns)"}[ndim]
        raise ValueError(f"{owner}: {name} must be {kind}; got shape {a.shape}.{' ' + hint if hint else ''}")


def check_same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str], owner: str) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{owner}: {names[0]} and {names[1]} must have the same shape; "
            f"got {names[0]} {a.shape} and {names[1]} {b.shape}"
        )


def check_same_length(arrays: dict[str, np.ndarray], owner: str) -> int:
    lengths = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise ValueError(f"{owner}: inputs must have the same number of samples; got {shown}")
    return next(iter(lengths.values()))


def broadcast_scalar(a: np.ndarray, b: np.ndarray, raw_a, raw_b, names: tuple[str, str], owner: str):
    """(a, b) with a scalar (0-d) input broadcast to the other's shape, as NumPy would.

    Only a true scalar is broadcast: a one-element list is a length, and a mismatch raises.
    """
    if a.shape != b.shape:
        if np.ndim(raw_a) == 0:
            a = np.broadcast_to(a.reshape(()), b.shape)
        elif np.ndim(raw_b) == 0:
            b = np.broadcast_to(b.reshape(()), a.shape)
        else:
            raise ValueError(
                f"{owner}: {names[0]} and {names[1]} must have the same length; "
                f"got {names[0]} {a.shape[0]} and {names[1]} {b.shape[0]}"
                if a.ndim == b.ndim == 1 else
                f"{owner}: {names[0]} and {names[1]} must have the same shape; "
                f"got {names[0]} {a.shape} and {names[1]} {b.shape}"
            )
    return a, b


def check_interval(a: np.ndarray, name: str, owner: str, low: float, high: float, what: str,
                   hint: str = "") -> tuple[float, float]:
    """All of `a` in [low, high], finite; returns (min, max). One min and one max pass: a NaN
    fails the comparisons below and an inf lies outside the interval, so no separate NaN/inf
    pass is needed — the error path tells them apart."""
    lo, hi = a.min(), a.max()
    if not (lo >= low and hi <= high):  # written so that NaN fails
        _raise_if_not_finite(a, name, owner)
        bad = float(a[(a < low) | (a > high)].flat[0])
        raise ValueError(f"{owner}: {name} must be {what} in [{low:g}, {high:g}]; got {bad!r}"
                         f"{'. ' + hint if hint else ''}")
    return float(lo), float(hi)


_ONE_BITS = np.float64(1.0).view(np.uint64)


def check_unit_interval(a: np.ndarray, name: str, owner: str, what: str, hint: str = "") -> None:
    """All of `a` in [0, 1] (and so finite), in one pass over the bits.

    Read as unsigned integers, the float64 numbers in [+0, 1] are exactly those whose bits are
    at most those of 1.0: negative numbers (sign bit set), numbers above 1, inf and NaN all have
    larger bit patterns. Anything else (including -0.0, which is allowed) goes to the precise
    check, which also produces the error message.
    """
    if a.view(np.uint64).max() > _ONE_BITS:
        check_interval(a, name, owner, 0.0, 1.0, what, hint)


_SIGN_BIT = np.uint64(1 << 63)
_MINUS_ONE_BITS = _ONE_BITS | _SIGN_BIT


def check_labels(a: np.ndarray, name: str, owner: str, allowed: tuple[float, ...], hint: str = "") -> None:
    """Every element of `a` is one of `allowed` (NaN and inf fail too, so no separate NaN/inf
    pass is needed)."""
    if allowed == (-1.0, 1.0):
        # ±1 differ only in the sign bit: every element's bits lie between those of +1 and −1
        # (bitwise) exactly when the AND of all of them contains +1's and the OR lies within −1's
        # — two integer reductions instead of comparisons.
        bits = a.view(np.uint64)
        ok = (np.bitwise_and.reduce(bits, axis=None) & _ONE_BITS == _ONE_BITS
              and np.bitwise_or.reduce(bits, axis=None) & ~_MINUS_ONE_BITS == 0)
    else:
        equal = a == allowed[0]
        for value in allowed[1:]:
            np.logical_or(equal, a == value, out=equal)
        ok = equal.all()
    if not ok:
        _raise_if_not_finite(a, name, owner)
        good = np.isin(a, allowed)
        bad = a[~good].flat[0]
        shown = "{" + ", ".join(f"{v:g}" for v in allowed) + "}"
        raise ValueError(
            f"{owner}: {name} must contain only the labels {shown}; got {bad:g}.{' ' + hint if hint else ''}"
        )


def row_sums(a: np.ndarray) -> np.ndarray:
    """Σ over the last axis; einsum is 3-4x faster than a.sum(axis=-1) when rows are short."""
    return np.einsum("...i->...", a)


def check_rows_sum_to_one(a: np.ndarray, name: str, owner: str, hint: str = "", *,
                          range_checked: bool = False) -> None:
    """Rows (the last axis) must be probability distributions: entries in [0, 1] summing to 1.

    ``range_checked=True``: the entries are known to lie in [0, 1] already.
    """
    if not range_checked:
        check_unit_interval(a, name, owner, "probabilities", hint)
    sums = row_sums(a)
    # two reductions instead of a full |sums − 1| array in the common case
    if np.min(sums) < 1.0 - 1e-6 or np.max(sums) > 1.0 + 1e-6:
        bad = np.abs(sums - 1.0) > 1e-6
        row = int(np.argwhere(np.atleast_1d(bad))[0][0])
        raise ValueError(
            f"{owner}: each row of {name} must be a probability distribution summing to 1 "
            f"(within 1e-6); row {row} sums to {np.atleast_1d(sums)[row]:.6g}.{' ' + hint if hint else ''}"
        )


def class_targets(y_true, n_classes: int, name: str, owner: str, *, n_samples: int | None = None) -> np.ndarray:
    """Targets for k-class losses: integer labels (n,) of dtype intp, or target rows (n, k).

    Accepts integer labels 0..k-1 of shape (n,) (of an integer or a float dtype), or target
    distributions (one-hot or soft) of shape (n, k), returned as float64 rows summing to one.
    Labels stay labels — no (n, k) one-hot matrix is built for them. A scalar label is
    broadcast to ``n_samples`` rows when that is given.
    """
    try:
        given = np.asarray(y_true)
    except (TypeError, ValueError):  # e.g. ragged: as_float_array below says what is wrong
        given = None
    if given is not None and given.dtype.kind in "iub" and given.ndim <= 1 and given.size:
        # Integer labels: finite and integral by their dtype, so only the range is checked.
        labels = given.astype(np.intp, copy=False).reshape(-1)
        if labels.min() < 0 or labels.max() > n_classes - 1:
            bad = labels[(labels < 0) | (labels > n_classes - 1)][0]
            raise ValueError(
                f"{owner}: {name} given as labels must be integers in 0..{n_classes - 1} "
                f"(one per column of y_pred); got {bad:g}"
            )
        return np.broadcast_to(labels, (n_samples,)) if given.ndim == 0 and n_samples else labels
    y = as_float_array(y_true, name, owner, check_finite=False)
    if y.ndim == 1:
        # Range first (which NaN and inf fail), so that the cast to integers is safe; then
        # integrality via that cast.
        lo, hi = y.min(), y.max()
        labels = y.astype(np.intp) if lo >= 0 and hi <= n_classes - 1 else None
        if labels is None or not np.array_equal(labels, y):
            _raise_if_not_finite(y, name, owner)
            bad = y[(y != np.round(y)) | (y < 0) | (y > n_classes - 1)].flat[0]
            raise ValueError(
                f"{owner}: {name} given as labels must be integers in 0..{n_classes - 1} "
                f"(one per column of y_pred); got {bad:g}"
            )
        return np.broadcast_to(labels, (n_samples,)) if np.ndim(y_true) == 0 and n_samples else labels
    if y.ndim == 2:
        if y.shape[1] != n_classes:
            raise ValueError(
                f"{owner}: {name} as a (n_samples, n_classes) array must have {n_classes} columns "
                f"like y_pred; got shape {y.shape}"
            )
        check_rows_sum_to_one(y, name, owner)
        return y
    raise ValueError(
        f"{owner}: {name} must be integer labels (n_samples,) or one-hot rows (n_samples, n_classes); "
        f"got shape {y.shape}"
    )


# --------------------------------------------------------------------------------------------
# Hyper-parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HyperParameter:
    """A hyper-parameter: its default and the set of allowed values, as data that checks itself."""

    default: float | None
    allowed: str  # for messages, e.g. "delta > 0"
    accepts: Callable[[float], bool]
    optional: bool = False  # may be None

    def check(self, name: str, value, owner: str):
        if value is None and self.optional:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            allowed = self.allowed + (" or None" if self.optional else "")
            raise ValueError(f"{owner}: {name} must be a finite number with {allowed}; got {value!r}")
        if not self.accepts(value):
            raise ValueError(f"{owner}: {name} must satisfy {self.allowed}; got {name}={value!r}")
        return float(value)


def positive(default: float, name: str) -> HyperParameter:
    return HyperParameter(default, f"{name} > 0", lambda v: v > 0)


def non_negative(default: float, name: str) -> HyperParameter:
    return HyperParameter(default, f"{name} >= 0", lambda v: v >= 0)


def open_unit(default: float, name: str) -> HyperParameter:
    return HyperParameter(default, f"0 < {name} < 1", lambda v: 0 < v < 1)


# --------------------------------------------------------------------------------------------
# The loss object
# --------------------------------------------------------------------------------------------


class Loss:
    """A loss function: callable for its value, with `.gradient` and metadata.

    ``loss(*inputs, sample_weight=None, reduction="mean", **hyper_parameters)``

    - ``reduction="mean"``: the (weighted) mean of the per-sample losses, Σwℓ/Σw;
      ``"sum"``: Σwℓ; ``"none"``: the per-sample array wℓ, of shape (n_samples,).
    - ``loss.gradient(*inputs, **hyper_parameters)``: the per-sample derivatives ∂ℓ_i with
      respect to each input after the target (a tuple when there are several), each with the
      shape of that input as given — a scalar ``y_pred`` gets a scalar, a single row (k,) a row
      (k,). Summed, they are the derivative of Σℓ (the unweighted ``"sum"``); divided by n,
      that of the mean; multiplied by weights w_i and divided by Σw, that of the weighted mean.
      Where a scalar ``y_pred`` is broadcast against n targets, its gradient is the sum of the n
      per-sample derivatives: the derivative of Σℓ with respect to that one number.
    - ``loss.per_sample_gradient(...)``: the same derivatives laid out per sample, with the
      sample axis first — shape (n,) or (n, k), (1,) or (1, k) for one sample, and one entry per
      sample where a scalar was broadcast. That is what weights and reductions act on (the
      autodiff engine and the linear models use it).
    - Lists and scalars are accepted like arrays, and computation is float64. A scalar is one
      sample, and so is a single row (k,) where the loss takes rows (a distribution, class
      scores): ``reduction="none"`` always has the sample axis, shape (1,) for them. Where a loss
      compares one value per sample, a scalar target or prediction is broadcast against the
      other input (NumPy style).

    Metadata, with the definitions the flags follow (the tests check every loss against them):

    - ``convex``: the per-sample loss is a convex function of the prediction *as the loss takes
      it* — probabilities for the losses on probabilities, logits or scores for the others, all
      embeddings (or scores) jointly for the ranking losses — with the target fixed, on the set
      of valid predictions and for every allowed hyper-parameter. (Convex in p is not convex in
      a model's logit: the focal loss is convex in p, not in z.)
    - ``robust``: a single wild target or prediction has a bounded effect on the gradient — the
      derivative with respect to the prediction(s) stays bounded as any one input goes to an
      extreme of its domain (a residual or score to ±∞, a probability to 0 or 1, an embedding
      to infinity). rmse is not a sum over samples: there the wild sample's share of the
      gradient, relative to an ordinary sample's, is what must stay bounded.

    Parameters of the constructor are the loss's metadata (kept in ``REGISTRY``) and three pure
    functions: ``prepare(*raw_inputs) -> arrays`` (checks), ``value(*arrays, **hp) -> per-sample
    losses`` and ``gradient(*arrays, **hp) -> array or tuple of arrays``; a loss that is not a
    mean of per-sample terms (rmse) gives ``aggregate(*arrays, sample_weight, **hp) -> float``
    instead of a per-sample ``value``. With ``finite_from_result`` the inputs are first tried
    unchecked and the result is kept if finite; ``checked_value`` (default: ``value``) is the
    per-sample function for every other call — it may do extra work that only matters when
    some value is not finite. ``total(*arrays, **hp) -> (Σℓ, n)`` may give the unweighted sum
    without the per-sample array, when it is exactly the sum of that array (the 0–1 loss
    counts its errors).
    """

    def __init__(
        self,
        name: str,
        *,
        summary: str,
        task: str,
        formula: str,
        gradient_formula: str,
        year: int,
        reference: str,
        convex: bool,
        robust: bool,
        inputs: tuple[str, ...],
        prepare: Callable,
        value: Callable | None,
        gradient: Callable,
        params: dict[str, HyperParameter] | None = None,
        differentiable: bool = True,
        reductions: tuple[str, ...] = REDUCTIONS,
        aggregate: Callable[..., float] | None = None,
        checked_value: Callable | None = None,
        total: Callable[..., float] | None = None,
        finite_from_result: bool = False,
        counterparts: dict[str, str] | None = None,
        notes: str = "",
        example: str = "",
    ):
        if task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}; got {task!r}")
        if (value is None) == (aggregate is None):
            raise ValueError("give a loss either a per-sample value function or an aggregate, not both")
        self.name = name
        self.summary = summary
        self.task = task
        self.formula = formula
        self.gradient_formula = gradient_formula
        self.year = year
        self.reference = reference
        self.convex = convex
        self.robust = robust
        self.inputs = inputs
        self.params = dict(params or {})
        self.differentiable = differentiable
        self.reductions = reductions
        self.counterparts = dict(counterparts or {})
        self._prepare = prepare
        self._value = value
        self._gradient = gradient
        self._aggregate = aggregate
        self._checked_value = checked_value or value
        self._total = total
        self._finite_from_result = finite_from_result
        self.__doc__ = self._docstring(notes, example)
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in inputs]
            + [
                inspect.Parameter("sample_weight", inspect.Parameter.KEYWORD_ONLY, default=None),
                inspect.Parameter("reduction", inspect.Parameter.KEYWORD_ONLY, default="mean"),
            ]
            + [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=p.default) for k, p in self.params.items()]
        )

    # -- metadata ------------------------------------------------------------------------------

    @property
    def defaults(self) -> dict[str, float | None]:
        return {k: p.default for k, p in self.params.items()}

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v}" for k, v in self.defaults.items())
        return f"<loss {self.name}({hp}): {self.task}, {self.year}>"

    def _docstring(self, notes: str, example: str) -> str:
        lines = [self.summary, "", f"Per sample: ${self.formula}$", ""]
        lines.append(f"Signature: {self.name}({', '.join(self.inputs)}, *, sample_weight=None, reduction='mean'"
                     + "".join(f", {k}={p.default}" for k, p in self.params.items()) + ")")
        if self.params:
            lines += ["", "Hyper-parameters: " + "; ".join(f"{k} ({p.allowed}, default {p.default})"
                                                            for k, p in self.params.items())]
        if notes:
            lines += ["", notes]
        lines += ["", f"Gradient: ${self.gradient_formula}$", "",
                  f"Reference: {self.reference} ({self.year}); task: {self.task}; "
                  f"convex: {self.convex}; robust: {self.robust}"]
        if example:
            lines += ["", "Example:", example]
        return "\n".join(lines)

    # -- checking ------------------------------------------------------------------------------

    def _hyper(self, given: dict) -> dict:
        unknown = set(given) - set(self.params)
        if unknown:
            name = sorted(unknown)[0]
            accepted = ", ".join(self.params) or "no hyper-parameters"
            raise TypeError(f"{self.name}: unexpected keyword argument {name!r}; it accepts {accepted}")
        return {k: p.check(k, given.get(k, p.default), self.name) for k, p in self.params.items()}

    def check_params(self, loss_params, owner: str) -> dict:
        """Hyper-parameters given as a dict (as estimators take them), checked.

        ``None`` means the defaults. A name the loss does not take, or an invalid value, raises a
        ValueError naming `owner`, the parameter, what is allowed and what was received.
        """
        if loss_params is None:
            return {}
        if not isinstance(loss_params, dict):
            example = next(iter(self.defaults), "delta")
            raise ValueError(f"{owner}: loss_params must be a dict of the loss's hyper-parameters "
                             f"(e.g. {{{example!r}: ...}}) or None; got {type(loss_params).__name__} "
                             f"{_show(loss_params)}")
        unknown = sorted(set(loss_params) - set(self.params), key=str)
        if unknown:
            accepted = ", ".join(self.params) or "no hyper-parameters"
            raise ValueError(f"{owner}: loss_params has {unknown[0]!r}, but loss {self.name!r} accepts {accepted}")
        return {k: self.params[k].check(k, v, f"{owner} (loss_params of {self.name})")
                for k, v in loss_params.items()}

    def _arrays(self, args: tuple, kwargs: dict, **prepare_options) -> tuple:
        if len(args) > len(self.inputs):
            raise TypeError(f"{self.name}() takes {len(self.inputs)} inputs ({', '.join(self.inputs)}); "
                            f"got {len(args)}")
        args = list(args) + [kwargs.pop(n) for n in self.inputs[len(args):] if n in kwargs]
        if len(args) != len(self.inputs):
            missing = ", ".join(self.inputs[len(args):])
            raise TypeError(f"{self.name}() is missing input(s): {missing}")
        return self._prepare(*args, **prepare_options)

    # -- value and gradient --------------------------------------------------------------------

    def __call__(self, *args, sample_weight=None, reduction: str = "mean", **kwargs):
        if reduction not in self.reductions:
            if reduction in REDUCTIONS:
                raise ValueError(f"{self.name}: reduction must be one of {self.reductions} for this loss "
                                 f"(it is not a sum of per-sample terms); got {reduction!r}")
            raise ValueError(f"{self.name}: reduction must be one of {REDUCTIONS}; got {reduction!r}")
        if self._finite_from_result and sample_weight is None:
            # Fast path for losses whose value is NaN or ±inf whenever an input is (every
            # regression loss): skip the NaN/inf pass over the inputs and look at the result
            # instead. A finite result proves finite inputs; otherwise we fall through to the
            # fully checked path, which raises the clear ValueError (or returns inf on overflow).
            # Not with weights: a weight of 0 removes a sample, NaN included.
            fast_kwargs = dict(kwargs)
            arrays = self._arrays(args, fast_kwargs, check_finite=False)
            hp = self._hyper(fast_kwargs)
            with np.errstate(all="ignore"):
                result = self._compute(arrays, hp, None, reduction, fast=True)
            if _sum_is_finite(result) if reduction == "none" else np.isfinite(result):
                return result
        arrays = self._arrays(args, kwargs)
        hp = self._hyper(kwargs)
        # Overflow is not an error: a loss (or a sum of losses) beyond the float64 range is +inf,
        # its correctly rounded value — e.g. mse of a residual of 1e200. Invalid operations
        # (NaN) and division by zero still warn: those would be bugs.
        with np.errstate(over="ignore"):
            return self._compute(arrays, hp, sample_weight, reduction)

    def _compute(self, arrays: tuple, hp: dict, sample_weight, reduction: str, fast: bool = False):
        """The reduced value from prepared arrays.

        ``fast``: the fast path of ``finite_from_result``, whose result is only used when it is
        finite. A loss may then skip work that only matters for a non-finite result
        (``value`` instead of ``checked_value``).
        """
        if self._aggregate is not None:
            return self._aggregate(*arrays, sample_weight=sample_weight, **hp)
        if self._total is not None and sample_weight is None and reduction != "none":
            total, n = self._total(*arrays, **hp)
            return float(total / n) if reduction == "mean" else float(total)
        value = self._value if fast else self._checked_value
        return reduce(value(*arrays, **hp), sample_weight, reduction, self.name)

    def gradient(self, *args, **kwargs):
        """Derivatives with respect to the inputs after the target, each of the shape of its input
        (see the class docstring): summed, the derivative of Σℓ."""
        shape = None
        if self.inputs[:2] == ("y_true", "y_pred"):
            raw = args[1] if len(args) > 1 else kwargs.get("y_pred")
            shape = np.shape(raw) if raw is not None else None
        grad = self.per_sample_gradient(*args, **kwargs)
        if shape is None or isinstance(grad, tuple) or grad.shape == shape:
            return grad
        if grad.size == math.prod(shape):  # one sample given as a scalar or a single row
            return grad.reshape(shape)
        # y_pred was broadcast against the targets: sum over the axes it was broadcast along
        lead = grad.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1)
        return grad.sum(axis=axes, keepdims=True).reshape(shape) if axes else grad

    def per_sample_gradient(self, *args, **kwargs):
        """Per-sample derivatives with respect to the inputs after the target, the sample axis
        first (see the class docstring): summed, the derivative of Σℓ."""
        arrays = self._arrays(args, kwargs)
        hp = self._hyper(kwargs)
        with np.errstate(over="ignore"):  # as in __call__: beyond the float64 range is ±inf
            return self._gradient(*arrays, **hp)

    def per_sample(self, *args, **kwargs) -> np.ndarray:
        """Per-sample losses, unweighted (the same as ``reduction="none"``)."""
        return self(*args, reduction="none", **kwargs)


def check_weights(sample_weight, n: int, owner: str) -> np.ndarray:
    """sample_weight as a float64 array of shape (n,), finite and >= 0."""
    w = as_float_array(sample_weight, "sample_weight", owner)
    if w.shape != (n,):
        raise ValueError(f"{owner}: sample_weight must have shape ({n},), one weight per sample; got {w.shape}")
    if w.min() < 0:
        raise ValueError(f"{owner}: sample_weight must be >= 0; got {float(w[w < 0][0])!r}")
    return w


def reduce(per_sample: np.ndarray, sample_weight, reduction: str, owner: str):
    n = per_sample.shape[0]
    if sample_weight is None:
        if reduction == "none":
            return per_sample
        total = per_sample.sum()
        return float(total / n) if reduction == "mean" else float(total)
    w = check_weights(sample_weight, n, owner)
    # A sample of weight 0 is absent (integer weights are repetitions), even when its loss is
    # +inf: 0·inf would be NaN, so those products are set to 0.
    with np.errstate(invalid="ignore"):
        if reduction == "none":
            return np.where(w > 0, w * per_sample, 0.0)
        total = np.dot(w, per_sample)
    if np.isnan(total):
        kept = w > 0
        total = np.dot(w[kept], per_sample[kept])
    if reduction == "sum":
        return float(total)
    w_sum = w.sum()
    if w_sum == 0:
        raise ValueError(f"{owner}: sample_weight sums to 0, so the weighted mean is undefined; "
                         "give at least one positive weight")
    return float(total / w_sum)


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------

REGISTRY: dict[str, Loss] = {}


def register(loss: Loss, *, replace: bool = False) -> Loss:
    """Add a loss to ``REGISTRY`` so that estimators and the cheat sheet can find it by name."""
    if not isinstance(loss, Loss):
        raise ValueError(f"register: loss must be a lossbook.losses.Loss; got {type(loss).__name__}")
    if loss.name in REGISTRY and not replace:
        raise ValueError(f"register: a loss named {loss.name!r} is already registered; "
                         "pass replace=True to replace it")
    REGISTRY[loss.name] = loss
    return loss


def get(name_or_loss) -> Loss:
    """The loss called `name_or_loss` in ``REGISTRY`` (a Loss is returned as it is)."""
    if isinstance(name_or_loss, Loss):
        return name_or_loss
    if name_or_loss in REGISTRY:
        return REGISTRY[name_or_loss]
    close = difflib.get_close_matches(str(name_or_loss), REGISTRY, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown loss {name_or_loss!r}; known losses: {', '.join(REGISTRY)}.{hint}")
