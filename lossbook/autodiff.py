"""Reverse-mode automatic differentiation on NumPy arrays, small enough to read in one sitting.

Builds on `lossbook.losses` only (every loss can be a node of a graph); must not import
`models`, `nn`, `plots`, `widgets` or anything from a notebook.

A :class:`Tensor` holds an array and remembers how it was computed. Every operation creates a new
tensor whose ``_backward`` closure knows the local derivative of that one operation; ``backward()``
visits the graph from the output back to the inputs in reverse topological order and applies the
chain rule, adding each contribution to ``.grad``. That is backpropagation — micrograd's design,
vectorised:

>>> w = Tensor([1.0, 2.0], label="w")
>>> loss = ((w * w).sum() - 1.0) ** 2          # (w·w − 1)²
>>> loss.backward()
>>> w.grad                                     # 2 (w·w − 1) · 2w
array([16., 32.])

Broadcasting works as in NumPy: when an operand was broadcast in the forward pass, its gradient
is summed over the broadcast axes on the way back (:func:`unbroadcast`). Plain numbers and NumPy
arrays mixed into an expression are constants: they get no gradient.
"""

from __future__ import annotations

import numbers

import numpy as np

from .losses import REDUCTIONS, get
from .losses import sigmoid as _sigmoid

__all__ = ["Tensor", "as_tensor", "unbroadcast", "logsumexp", "loss_node", "grad", "value_and_grad",
           "topological_order"]


def unbroadcast(gradient: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `gradient` over the axes that NumPy broadcasting added or stretched to reach its shape.

    If ``a`` of shape ``shape`` was broadcast in ``a + b``, every copy of ``a[i]`` received a
    gradient, and the derivative with respect to ``a[i]`` is their sum.
    """
    if gradient.shape == shape:
        return gradient
    extra = gradient.ndim - len(shape)                       # leading axes that broadcasting added
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and gradient.shape[extra + i] != 1)
    gradient = gradient.sum(axis=tuple(range(extra)) + stretched, keepdims=True)
    return gradient.reshape(shape)


class Tensor:
    """An array in a computational graph: ``data`` (float64), ``grad`` (after ``backward()``).

    ``Tensor(data, label="w")`` is a leaf that wants a gradient; ``requires_grad=False`` makes it a
    constant. Tensors support ``+ - * / @ **`` (``t ** p`` and ``c ** t`` for numbers p and c > 0),
    ``exp``, ``log``, ``tanh``, ``sigmoid``, ``relu``, ``abs``, ``sum``, ``mean``, ``max``, indexing,
    ``.T`` and ``reshape``, with NumPy's broadcasting rules.
    """

    __array_ufunc__ = None  # `ndarray @ Tensor` must call Tensor.__rmatmul__, not NumPy's version

    def __init__(self, data, *, requires_grad: bool = True, label: str = "", _parents=(), _op: str = ""):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None
        self.requires_grad = requires_grad
        self.label = label
        self._parents = _parents
        self._op = _op
        self._backward = None  # set by the operation that created this tensor: g ↦ parents' grads

    # -- basics --------------------------------------------------------------------------------

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def item(self) -> float:
        return self.data.item()

    def named(self, label: str) -> Tensor:
        """Give this tensor a label (shown by ``repr`` and in graph figures) and return it."""
        self.label = label
        return self

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        op = f", op={self._op!r}" if self._op else ""
        value = f"{self.data.item():.6g}" if self.data.ndim == 0 else np.array2string(self.data, precision=4, threshold=6)
        return f"Tensor({name}{value}{op})"

    def _accumulate(self, gradient: np.ndarray) -> None:
        """Add one path's contribution (the multivariate chain rule sums over paths)."""
        if self.requires_grad:
            self.grad = gradient if self.grad is None else self.grad + gradient

    # -- arithmetic ----------------------------------------------------------------------------

    def __add__(self, other) -> Tensor:
        other = as_tensor(other)

        def backward(g):
            self._accumulate(unbroadcast(g, self.shape))
            other._accumulate(unbroadcast(g, other.shape))

        return _node(self.data + other.data, (self, other), "+", backward)

    def __mul__(self, other) -> Tensor:
        other = as_tensor(other)

        def backward(g):
            self._accumulate(unbroadcast(g * other.data, self.shape))
            other._accumulate(unbroadcast(g * self.data, other.shape))

        return _node(self.data * other.data, (self, other), "×", backward)

    def __truediv__(self, other) -> Tensor:
        other = as_tensor(other)

        def backward(g):                                  # d(a/b) = da/b − a db/b²
            self._accumulate(unbroadcast(g / other.data, self.shape))
            other._accumulate(unbroadcast(-g * self.data / other.data**2, other.shape))

        return _node(self.data / other.data, (self, other), "÷", backward)

    def __pow__(self, exponent) -> Tensor:
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise ValueError(f"Tensor.__pow__: exponent must be a real number (a constant); "
                             f"got {type(exponent).__name__}")
        p = float(exponent)

        def backward(g):  # p x^(p−1); for p = 0 the derivative of the constant 1 is 0 (not 0·∞ at x = 0)
            self._accumulate(np.zeros_like(g) if p == 0 else g * p * self.data ** (p - 1.0))

        return _node(self.data**p, (self,), f"^{exponent:g}", backward)

    def __rpow__(self, base) -> Tensor:
        """``base ** tensor`` for a constant base > 0: the derivative of cˣ is cˣ log c."""
        if isinstance(base, bool) or not isinstance(base, numbers.Real) or not base > 0:
            raise ValueError(f"Tensor.__rpow__: base must be a positive real number (a constant); got {base!r}")
        value = np.power(float(base), self.data)
        return self._elementwise(value, value * np.log(float(base)), f"{float(base):g}^")

    def __matmul__(self, other) -> Tensor:
        other = as_tensor(other)
        a, b = self.data, other.data
        if b.ndim > 2:
            raise ValueError(f"Tensor.__matmul__: the right operand must be 1-D or 2-D; got shape {b.shape}")

        def backward(g):
            # As matrices: a 1-D left operand is a row, a 1-D right operand a column; a left
            # operand with more than two axes is a stack of rows sharing the same right matrix.
            a2, b2 = a.reshape(1, -1) if a.ndim == 1 else a, b.reshape(-1, 1) if b.ndim == 1 else b
            g2 = np.reshape(g, a2.shape[:-1] + b2.shape[-1:])
            if self.requires_grad:
                self._accumulate((g2 @ b2.T).reshape(a.shape))                      # ∂/∂A: G Bᵀ
            if other.requires_grad:
                rows, cols = a2.reshape(-1, a2.shape[-1]), g2.reshape(-1, g2.shape[-1])
                other._accumulate((rows.T @ cols).reshape(b.shape))                 # ∂/∂B: Aᵀ G

        return _node(a @ b, (self, other), "@", backward)

    def __sub__(self, other) -> Tensor:
        other = as_tensor(other)

        def backward(g):
            self._accumulate(unbroadcast(g, self.shape))
            other._accumulate(unbroadcast(-g, other.shape))

        return _node(self.data - other.data, (self, other), "−", backward)

    def __neg__(self) -> Tensor:
        return _node(-self.data, (self,), "neg", lambda g: self._accumulate(-g))

    def __radd__(self, other) -> Tensor:
        return self + other

    def __rsub__(self, other) -> Tensor:
        return as_tensor(other) - self

    def __rmul__(self, other) -> Tensor:
        return self * other

    def __rtruediv__(self, other) -> Tensor:
        return as_tensor(other) / self

    def __rmatmul__(self, other) -> Tensor:
        return as_tensor(other) @ self

    # -- element-wise functions: each passes g times its own derivative ------------------------

    def _elementwise(self, value: np.ndarray, derivative: np.ndarray, op: str) -> Tensor:
        return _node(value, (self,), op, lambda g: self._accumulate(g * derivative))

    def exp(self) -> Tensor:
        e = np.exp(self.data)
        return self._elementwise(e, e, "exp")

    def log(self) -> Tensor:
        return self._elementwise(np.log(self.data), 1.0 / self.data, "log")

    def tanh(self) -> Tensor:
        t = np.tanh(self.data)
        return self._elementwise(t, 1.0 - t * t, "tanh")

    def sigmoid(self) -> Tensor:
        s = _sigmoid(self.data)  # stable for any finite input
        return self._elementwise(s, s * (1.0 - s), "σ")

    def relu(self) -> Tensor:
        positive = self.data > 0  # derivative 0 at 0: the convention of every framework
        return self._elementwise(np.maximum(self.data, 0.0), positive, "relu")

    def abs(self) -> Tensor:
        return self._elementwise(np.abs(self.data), np.sign(self.data), "abs")  # subgradient 0 at 0

    # -- reductions and shapes -----------------------------------------------------------------

    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        def backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self._accumulate(np.broadcast_to(g, self.shape))  # every summand gets g

        return _node(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum", backward)

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        axes = range(self.ndim) if axis is None else np.atleast_1d(axis)
        count = int(np.prod([self.shape[a] for a in axes]))
        return self.sum(axis=axis, keepdims=keepdims) / count

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        top = self.data.max(axis=axis, keepdims=True)
        winners = (self.data == top).astype(np.float64)
        winners /= winners.sum(axis=axis, keepdims=True)  # ties share the gradient equally

        def backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self._accumulate(g * winners)

        value = top if keepdims else (top.reshape(()) if axis is None else np.squeeze(top, axis))
        return _node(value, (self,), "max", backward)

    def __getitem__(self, index) -> Tensor:
        def backward(g):
            full = np.zeros_like(self.data)
            np.add.at(full, index, g)  # repeated indices add up
            self._accumulate(full)

        return _node(self.data[index], (self,), "[]", backward)

    def reshape(self, *shape) -> Tensor:
        return _node(self.data.reshape(*shape), (self,), "reshape",
                            lambda g: self._accumulate(np.reshape(g, self.shape)))

    @property
    def T(self) -> Tensor:
        return _node(self.data.T, (self,), "T", lambda g: self._accumulate(np.transpose(g)))

    # -- backpropagation -----------------------------------------------------------------------

    def backward(self, gradient=None) -> None:
        """Fill ``.grad`` of every tensor this one depends on with d(self)/d(tensor).

        For a scalar output the seed d(self)/d(self) is 1; otherwise pass ``gradient``, an array
        of the output's shape (the vector in a vector–Jacobian product). Gradients accumulate:
        call ``zero_grad`` on leaves (or create new ones) before a second backward pass.
        """
        if gradient is None:
            if self.data.size != 1:
                raise ValueError(f"Tensor.backward: gradient must be given for a non-scalar output; "
                                 f"got an output of shape {self.shape} and gradient=None")
            gradient = np.ones_like(self.data)
        gradient = np.asarray(gradient, dtype=np.float64)
        if gradient.shape != self.shape:
            raise ValueError(f"Tensor.backward: gradient must have the output's shape {self.shape}; "
                             f"got {gradient.shape}")
        order = topological_order(self)
        for node in order:          # intermediate results from an earlier pass start afresh
            if node._backward is not None:
                node.grad = None
        self.grad = gradient
        for node in reversed(order):  # outputs before the inputs they were computed from
            if node._backward is not None and node.grad is not None:
                node._backward(node.grad)

    def zero_grad(self) -> None:
        self.grad = None


def _node(data, parents, op: str, backward) -> Tensor:
    """The output of an operation: remembers its parents and how to send gradients to them.

    ``backward(g)`` receives the gradient of the final output with respect to this node and adds
    each parent's share to ``parent.grad``. Parents that need no gradient are dropped.
    """
    parents = tuple(p for p in parents if p.requires_grad)
    out = Tensor(data, requires_grad=bool(parents), _parents=parents, _op=op)
    if parents:
        out._backward = backward  # not a closure over `out`: no reference cycle, freed at once
    return out


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor `root` depends on, each after all of its parents (depth-first, no recursion)."""
    order, seen, stack = [], {root}, [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:           # descend into the first parent not yet seen ...
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(parent._parents)))
                break
        else:                            # ... or, when all of them are done, emit the node
            stack.pop()
            order.append(node)
    return order


def as_tensor(x) -> Tensor:
    """`x` itself if it is a Tensor, else a constant Tensor (no gradient) holding it."""
    return x if isinstance(x, Tensor) else Tensor(x, requires_grad=False)


def logsumexp(z: Tensor, axis: int = -1) -> Tensor:
    """log Σ exp(z) along `axis`, from primitives, shifted by the maximum so exp cannot overflow.

    The shift m is a constant: log Σ e^{z} = m + log Σ e^{z − m} for every m, so its gradient
    (the softmax) does not depend on m either.
    """
    z = as_tensor(z)
    m = z.data.max(axis=axis, keepdims=True)
    return (z - m).exp().sum(axis=axis).log() + np.squeeze(m, axis)


# ------------------------------------------------------------------------------------------------
# Every lossbook loss as one node of a graph
# ------------------------------------------------------------------------------------------------

# Losses whose per-sample value depends on other samples too (each query's softmax runs over the
# whole batch of keys): per-sample weights cannot be pushed through their gradient of Σℓ.
_BATCH_COUPLED = frozenset({"info_nce"})


def _gradient_inputs(loss) -> tuple[int, ...]:
    """Which inputs `loss.gradient` differentiates: y_pred after a target, else all it returns."""
    return (1,) if loss.inputs[0] == "y_true" else tuple(range(len(loss.inputs)))


def loss_node(loss, *inputs, sample_weight=None, reduction: str = "mean", **hyper_parameters) -> Tensor:
    """A lossbook loss as one primitive of a graph: its own value forward, its own gradient back.

    ``loss_node("mse", y, y_pred)`` with a Tensor ``y_pred`` returns a scalar Tensor; calling
    ``backward()`` on anything built from it sends ``∂loss/∂y_pred`` — taken from
    ``loss.per_sample_gradient`` (summed, the derivative of Σℓ), scaled for the reduction and the sample weights —
    into ``y_pred``. Inputs that are Tensors after the target (``y_pred``; for ranking losses, the
    embeddings or scores) receive gradients; targets and labels are constants.

    ``reduction`` is ``"mean"`` (Σwℓ/Σw), ``"sum"`` (Σwℓ) or ``"none"`` (the vector wℓ), as for
    the loss itself. ``rmse`` allows only the unweighted mean, and ``info_nce`` no weights and
    no ``"none"``: their value is not a sum of independent per-sample terms.
    """
    loss = get(loss)
    owner = f"loss_node({loss.name})"
    if not loss.differentiable:
        raise ValueError(f"{owner}: loss must be differentiable; {loss.name!r} has zero gradient almost "
                         "everywhere, so nothing could be learned through it — use a surrogate loss")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{owner}: reduction must be one of {REDUCTIONS}; got {reduction!r}")
    coupled = loss.name in _BATCH_COUPLED or loss.reductions != REDUCTIONS
    if coupled and (sample_weight is not None or reduction not in loss.reductions or reduction == "none"):
        allowed = "'mean'" if loss.reductions != REDUCTIONS else "'mean' or 'sum'"
        raise ValueError(f"{owner}: only reduction={allowed} without sample_weight is supported, because "
                         f"{loss.name} is not a sum of independent per-sample terms; got "
                         f"reduction={reduction!r}, sample_weight={'given' if sample_weight is not None else None}")
    arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
    value = loss(*arrays, sample_weight=sample_weight, reduction=reduction, **hyper_parameters)
    wanted = [i for i in _gradient_inputs(loss) if i < len(inputs) and isinstance(inputs[i], Tensor)]

    def backward(g):
        grads = loss.per_sample_gradient(*arrays, **hyper_parameters)
        grads = grads if isinstance(grads, tuple) else (grads,)
        n = grads[0].shape[0]
        # ∂(reduced)/∂ℓ_i per sample: 1/n (mean), 1 (sum) or the upstream gradient (none); × weights.
        if loss.reductions != REDUCTIONS:          # rmse: .gradient is that of n·RMSE
            scale = g / n
        else:
            w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
            scale = g * w / (w.sum() if reduction == "mean" else 1.0)
        for i in wanted:
            index = _gradient_inputs(loss).index(i)
            gi = grads[index] * np.reshape(scale, np.shape(scale) + (1,) * (grads[index].ndim - np.ndim(scale)))
            inputs[i]._accumulate(unbroadcast(gi, inputs[i].shape) if gi.size != inputs[i].data.size
                                  else gi.reshape(inputs[i].shape))

    parents = [inputs[i] for i in wanted]
    return _node(value, parents, loss.name, backward)


# ------------------------------------------------------------------------------------------------
# Functional helpers
# ------------------------------------------------------------------------------------------------


def value_and_grad(f):
    """``value_and_grad(f)(x)`` → ``(f(x), ∇f(x))`` for a scalar function `f` of one Tensor."""

    def wrapped(x):
        t = Tensor(np.array(x, dtype=np.float64))
        out = f(t)
        if not isinstance(out, Tensor) or out.data.size != 1:
            raise ValueError("value_and_grad: f must return a scalar Tensor (one element); got "
                             f"{type(out).__name__} of shape {np.shape(getattr(out, 'data', out))}")
        out.backward()
        gradient = t.grad if t.grad is not None else np.zeros_like(t.data)
        return out.item(), np.array(gradient)

    return wrapped


def grad(f):
    """``grad(f)(x)`` → ∇f(x), the gradient of a scalar function `f` of one Tensor, as an array."""
    vg = value_and_grad(f)
    return lambda x: vg(x)[1]
