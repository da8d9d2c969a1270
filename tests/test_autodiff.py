"""lossbook.autodiff: random graphs against finite differences, broadcasting, and every loss.

Three kinds of evidence that backpropagation is right:

* random expression graphs (seeded) built from every primitive, with broadcasting, whose leaf
  gradients must match central finite differences;
* hand-made broadcasting and reduction cases with known answers;
* every differentiable loss in ``REGISTRY``, written out from primitives, must give exactly
  (to 1e-10) the loss's own ``.gradient``; and ``loss_node``, which uses that ``.gradient`` as one
  primitive, must scale it correctly for every reduction and for sample weights.
"""

from __future__ import annotations

import numpy as np
import pytest

import lossbook.losses as L
from lossbook.autodiff import (
    Tensor,
    as_tensor,
    grad,
    logsumexp,
    loss_node,
    topological_order,
    unbroadcast,
    value_and_grad,
)
from lossbook.models import linear_objective

# Inputs for every loss chosen away from kinks (tests/test_losses_gradients.py), so that both
# finite differences and the comparison of two exact gradients are meaningful.
from test_losses_gradients import CASES, WRT  # noqa: E402  (tests/ is on sys.path under pytest)


def central_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


# --------------------------------------------------------------------------------------------
# Random expression graphs
# --------------------------------------------------------------------------------------------

UNARY = {
    "exp": lambda t: t.tanh().exp(),            # bounded argument: values stay moderate
    "log": lambda t: (t * t + 1.0).log(),
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "relu": Tensor.relu,
    "abs": Tensor.abs,
    "pow": lambda t: (t * t + 0.5) ** 1.5,
    "rpow": lambda t: 2.0 ** t.tanh(),          # c ** t, bounded exponent
    "neg": lambda t: -t,
    "sum0": lambda t: t.sum(axis=0, keepdims=True) if t.ndim else t,
    "mean-1": lambda t: t.mean(axis=-1) if t.ndim else t,
    "max0": lambda t: t.max(axis=0) if t.ndim else t,
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 1.0),       # denominator kept away from 0
    "const": lambda a, b: 2.0 * a - b * np.float64(0.5) + 1.0,
}
LEAF_SHAPES = [(3, 4), (4,), (3, 1), (), (1, 4), (2, 3, 4)]


def random_graph(seed: int, n_ops: int = 14):
    """(function of the leaf arrays, leaf arrays): a random expression mixing every primitive."""
    rng = np.random.default_rng(seed)
    shapes = [LEAF_SHAPES[i] for i in rng.choice(len(LEAF_SHAPES), size=3, replace=False)]
    leaves = [rng.normal(size=s) for s in shapes] + [rng.normal(size=(4, 2))]  # last: a weight matrix
    recipe = []
    shapes_pool = list(shapes)
    for _ in range(n_ops):
        kind = rng.choice(["unary", "binary", "matmul"], p=[0.45, 0.45, 0.10])
        if kind == "unary":
            i, op = int(rng.integers(len(shapes_pool))), str(rng.choice(list(UNARY)))
            shape = UNARY[op](Tensor(np.zeros(shapes_pool[i]))).shape
            recipe.append(("unary", op, i))
        elif kind == "binary":
            i, j = (int(k) for k in rng.integers(len(shapes_pool), size=2))
            try:
                shape = np.broadcast_shapes(shapes_pool[i], shapes_pool[j])
            except ValueError:
                continue
            recipe.append(("binary", str(rng.choice(list(BINARY))), i, j))
        else:
            candidates = [k for k, s in enumerate(shapes_pool) if len(s) >= 1 and s[-1] == 4]
            if not candidates:
                continue
            i = int(rng.choice(candidates))
            shape = shapes_pool[i][:-1] + (2,)
            recipe.append(("matmul", i))
        shapes_pool.append(tuple(shape))
    weights = [rng.normal(size=s) for s in shapes_pool[-3:]]

    def f(*tensors):
        pool = list(tensors[:3])
        for step in recipe:
            if step[0] == "unary":
                pool.append(UNARY[step[1]](pool[step[2]]))
            elif step[0] == "binary":
                pool.append(BINARY[step[1]](pool[step[2]], pool[step[3]]))
            else:
                pool.append(pool[step[1]] @ tensors[3])
        out = as_tensor(0.0)
        for node, w in zip(pool[-3:], weights):
            out = out + (as_tensor(node) * w).sum()
        return out

    return f, leaves, recipe


@pytest.mark.parametrize("seed", range(40))
def test_random_graph_matches_finite_differences(seed):
    f, leaves, recipe = random_graph(seed)
    tensors = [Tensor(x) for x in leaves]
    out = f(*tensors)
    out.backward()
    for k, (t, x) in enumerate(zip(tensors, leaves)):
        def f_k(xk, k=k):
            args = [Tensor(a) for a in leaves]
            args[k] = Tensor(xk)
            return f(*args).item()

        numeric = central_differences(f_k, x)
        analytic = t.grad if t.grad is not None else np.zeros_like(x)
        assert analytic.shape == x.shape, f"leaf {k}: gradient shape {analytic.shape} for data {x.shape}"
        scale = max(1.0, float(np.abs(numeric).max()))
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6 * scale,
                                   err_msg=f"seed {seed}, leaf {k}, recipe {recipe}")


def test_random_graphs_use_every_primitive():
    used = set()
    for seed in range(40):
        for step in random_graph(seed)[2]:
            used.add(step[1] if step[0] != "matmul" else "@")
    assert used >= set(UNARY) | set(BINARY) | {"@"}


# --------------------------------------------------------------------------------------------
# Broadcasting and reductions with known answers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (4,)), ((3, 4), (3, 1)), ((3, 4), ()),
                                              ((2, 1, 4), (3, 1)), ((1, 4), (3, 1)), ((4,), (2, 3, 4))])
@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_broadcast_gradients_are_summed_back_to_each_shape(shape_a, shape_b, op):
    rng = np.random.default_rng(0)
    a_data, b_data = rng.normal(size=shape_a), rng.uniform(1.0, 2.0, size=shape_b)
    a, b = Tensor(a_data), Tensor(b_data)
    out = {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]
    out.sum().backward()
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    full = np.broadcast_shapes(shape_a, shape_b)
    ones = np.ones(full)
    local_a = {"+": ones, "-": ones, "*": np.broadcast_to(b_data, full), "/": np.broadcast_to(1 / b_data, full)}[op]
    local_b = {"+": ones, "-": -ones, "*": np.broadcast_to(a_data, full),
               "/": np.broadcast_to(-a_data / b_data**2, full)}[op]
    np.testing.assert_allclose(a.grad, unbroadcast(local_a, shape_a), rtol=1e-14)
    np.testing.assert_allclose(b.grad, unbroadcast(local_b, shape_b), rtol=1e-14)


def test_unbroadcast_sums_added_and_stretched_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())
    assert unbroadcast(g, (2, 3, 4)) is g


def test_bias_of_a_linear_layer_gets_the_column_sums():
    X, W, b = np.random.default_rng(1).normal(size=(5, 3)), Tensor(np.ones((3, 2))), Tensor(np.zeros(2))
    out = X @ W + b
    upstream = np.arange(10.0).reshape(5, 2)
    out.backward(upstream)
    np.testing.assert_allclose(b.grad, upstream.sum(axis=0))
    np.testing.assert_allclose(W.grad, X.T @ upstream)


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,))])
def test_matmul_with_one_and_two_dimensional_operands(shapes):
    rng = np.random.default_rng(2)
    a_data, b_data = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    a, b = Tensor(a_data), Tensor(b_data)
    ((a @ b) ** 2).sum().backward()
    fa = lambda x: float(((x @ b_data) ** 2).sum())
    fb = lambda x: float(((a_data @ x) ** 2).sum())
    np.testing.assert_allclose(a.grad, central_differences(fa, a_data), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad, central_differences(fb, b_data), rtol=1e-6, atol=1e-8)


def test_numpy_array_on_the_left_defers_to_the_tensor():
    W = Tensor(np.eye(2))
    out = np.array([[1.0, 2.0]]) @ W
    assert isinstance(out, Tensor)
    assert isinstance(np.ones(2) * W, Tensor) and isinstance(np.ones(2) - W, Tensor)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), (-1, False), ((0, 1), False)])
def test_sum_and_mean_over_axes(axis, keepdims):
    x = Tensor(np.arange(6.0).reshape(2, 3))
    x.sum(axis=axis, keepdims=keepdims).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))
    y = Tensor(np.arange(6.0).reshape(2, 3))
    m = y.mean(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(m.data, y.data.mean(axis=axis, keepdims=keepdims))
    m.sum().backward()
    np.testing.assert_allclose(y.grad, np.full((2, 3), m.data.size / 6))


def test_max_sends_the_gradient_to_the_winner_and_splits_ties():
    x = Tensor(np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]]))
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    y = Tensor(np.array([3.0, 9.0, 1.0]))
    assert y.max().shape == ()
    y.max().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 1.0, 0.0])


def test_indexing_with_repeated_indices_adds_up():
    x = Tensor(np.arange(4.0))
    x[np.array([0, 2, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 2.0, 0.0])


def test_reshape_and_transpose():
    x = Tensor(np.arange(6.0))
    (x.reshape(2, 3).T * np.arange(6.0).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(x.grad, np.arange(6.0).reshape(3, 2).T.ravel())


def test_relu_and_abs_use_subgradient_zero_at_zero():
    x = Tensor(np.array([-1.0, 0.0, 2.0]))
    (x.relu() + x.abs()).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 2.0])


def test_sigmoid_is_stable_for_extreme_inputs():
    x = Tensor(np.array([-800.0, 0.0, 800.0]))
    s = x.sigmoid()
    s.sum().backward()
    np.testing.assert_array_equal(s.data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.25, 0.0])


def test_logsumexp_is_stable_and_its_gradient_is_the_softmax():
    z = Tensor(np.array([[1000.0, 1000.0], [-5.0, 3.0]]))
    lse = logsumexp(z, axis=1)
    np.testing.assert_allclose(lse.data, [1000 + np.log(2), np.log(np.exp(-5) + np.exp(3))])
    lse.sum().backward()
    np.testing.assert_allclose(z.grad, L.softmax(z.data), rtol=1e-14)


# --------------------------------------------------------------------------------------------
# The graph machinery
# --------------------------------------------------------------------------------------------


def test_a_shared_subexpression_gets_the_sum_of_its_paths():
    x = Tensor(3.0)
    y = x * x            # used twice below
    z = y + y * x        # x² + x³
    z.backward()
    assert x.grad == pytest.approx(2 * 3 + 3 * 9)


def test_topological_order_puts_parents_first_and_handles_deep_graphs():
    x = Tensor(1.0)
    y = x
    for _ in range(5000):  # deeper than Python's recursion limit
        y = y * 1.0001
    order = topological_order(y)
    assert order[0] is x and order[-1] is y and len(order) == 5001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000)


def test_backward_twice_accumulates_into_leaves_only():
    x = Tensor(2.0)
    y = (x * 3.0).exp() * 0.0 + x * x
    y.backward()
    y.backward()
    assert x.grad == pytest.approx(2 * 4.0)  # leaves accumulate (2 × 4); intermediates start afresh
    x.zero_grad()
    assert x.grad is None


def test_constants_get_no_gradient_and_build_no_graph():
    c = as_tensor(np.ones(3))
    assert not c.requires_grad
    out = c * 2.0 + 1.0
    assert not out.requires_grad and out._parents == ()
    frozen = Tensor(np.ones(3), requires_grad=False)
    w = Tensor(np.ones(3))
    (frozen * w).sum().backward()
    assert frozen.grad is None and w.grad is not None


def test_value_and_grad_and_grad():
    f = lambda p: (p[0] - 1.0) ** 2 + 10.0 * (p[1] - p[0] ** 2) ** 2
    value, g = value_and_grad(f)(np.array([0.0, 1.0]))
    assert value == pytest.approx(11.0)
    np.testing.assert_allclose(g, [-2.0, 20.0])
    np.testing.assert_allclose(grad(f)([1.0, 1.0]), [0.0, 0.0])


def test_repr_shows_label_value_and_operation():
    x = Tensor(2.0, label="x")
    assert repr(x) == "Tensor(x=2)"
    assert repr(Tensor([0.5, 1.0])) == "Tensor([0.5 1. ])"
    assert "op='×'" in repr(x * x)
    y = (x * x).named("y")
    assert y.label == "y" and repr(y) == "Tensor(y=4, op='×')"


def test_power_of_a_constant_base():
    x = Tensor([-1.0, 0.0, 0.5, 3.0])
    out = 2 ** x                                           # int base, as well as floats
    np.testing.assert_allclose(out.data, 2.0 ** x.data)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, 2.0 ** x.data * np.log(2.0))
    y = Tensor(1.5)
    (np.float64(10.0) ** y).backward()                     # a NumPy scalar base defers to Tensor too
    assert y.grad == pytest.approx(10.0**1.5 * np.log(10.0))


def test_zeroth_power_has_zero_gradient_everywhere_even_at_zero():
    x = Tensor([0.0, -2.0, 3.0])
    out = (x**0).sum()                                     # the constant 3
    out.backward()                                         # no 0 · ∞ = NaN, no RuntimeWarning
    assert out.item() == 3.0
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
    z = Tensor(0.0)
    (z**1 + z**2).backward()                               # 1·0⁰ + 2·0¹ = 1
    assert z.grad == 1.0


@pytest.mark.parametrize("call, message", [
    (lambda: Tensor(2.0) ** Tensor(2.0), "exponent must be a real number"),
    (lambda: 0.0 ** Tensor(2.0), "base must be a positive real number"),
    (lambda: (-2.0) ** Tensor(2.0), r"base must be a positive real number.*got -2\.0"),
    (lambda: "a" ** Tensor(2.0), "base must be a positive real number"),
    (lambda: Tensor(np.ones(3)).backward(), "gradient must be given for a non-scalar output"),
    (lambda: Tensor(np.ones(3)).backward(np.ones(2)), r"gradient must have the output's shape \(3,\)"),
    (lambda: value_and_grad(lambda p: p * 2.0)(np.ones(2)), "f must return a scalar Tensor"),
    (lambda: loss_node("zero_one", [0, 1], Tensor([0.0, 1.0])), "loss must be differentiable"),
    (lambda: loss_node("mse", [0.0], Tensor([1.0]), reduction="average"), "reduction must be one of"),
    (lambda: loss_node("rmse", [0.0, 1.0], Tensor([1.0, 1.0]), sample_weight=[1, 2]), "only reduction='mean'"),
    (lambda: loss_node("rmse", [0.0, 1.0], Tensor([1.0, 1.0]), reduction="sum"), "only reduction='mean'"),
    (lambda: loss_node("info_nce", Tensor(np.eye(2)), Tensor(np.eye(2)), reduction="none"),
     "only reduction='mean' or 'sum'"),
])
def test_errors_name_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------------------------
# Every differentiable loss: composed from primitives, and as a loss_node, against .gradient
# --------------------------------------------------------------------------------------------


def _one_hot(y, k):
    y = np.asarray(y)
    return np.eye(k)[y.astype(int)] if y.ndim == 1 else y


def _focal(y, p, gamma, alpha):
    pt = y * p + (1 - y) * (1 - p)
    at = 1.0 if alpha is None else y * alpha + (1 - y) * (1 - alpha)
    return (-(at * (1 - pt) ** gamma * pt.log())).sum()


def _huber(y, p, delta):
    a = (y - p).abs()
    excess = (a - delta).relu()
    return (0.5 * (a - excess) ** 2 + delta * excess).sum()  # ½min(|r|,δ)² + δ·max(|r|−δ, 0)


def _distance(a, b):
    return (((a - b) ** 2).sum(axis=1)) ** 0.5


def _kl(p, q):
    p = np.asarray(p)
    entropy_part = float(np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)))
    return entropy_part - (p * q.log()).sum()


def _info_nce(q, k, temperature):
    logits = q @ k.T / temperature
    return (logsumexp(logits, axis=1) - (np.eye(q.shape[0]) * logits).sum(axis=1)).sum()


# Σℓ (for rmse: n·RMSE, what its .gradient differentiates) written with autodiff primitives only.
COMPOSED = {
    "mse": lambda y, p: ((y - p) ** 2).sum(),
    "mae": lambda y, p: (y - p).abs().sum(),
    "rmse": lambda y, p: ((y - p) ** 2).mean() ** 0.5 * len(y),
    "huber": _huber,
    "pseudo_huber": lambda y, p, delta: (delta**2 * ((1 + ((y - p) / delta) ** 2) ** 0.5 - 1)).sum(),
    "log_cosh": lambda y, p: (((y - p).exp() + (p - y).exp()) * 0.5).log().sum(),
    "quantile": lambda y, p, q: (q * (y - p).relu() + (1 - q) * (p - y).relu()).sum(),
    "epsilon_insensitive": lambda y, p, epsilon: ((y - p).abs() - epsilon).relu().sum(),
    "binary_cross_entropy": lambda y, p: (-(y * p.log() + (1 - y) * (1 - p).log())).sum(),
    "binary_cross_entropy_with_logits": lambda y, z: ((1 + z.exp()).log() - y * z).sum(),
    "categorical_cross_entropy": lambda y, p: (-(_one_hot(y, p.shape[1]) * p.log())).sum(),
    "categorical_cross_entropy_with_logits":
        lambda y, z: (logsumexp(z, axis=1) - (_one_hot(y, z.shape[1]) * z).sum(axis=1)).sum(),
    "hinge": lambda y, s: (1 - y * s).relu().sum(),
    "squared_hinge": lambda y, s: ((1 - y * s).relu() ** 2).sum(),
    "multiclass_hinge": lambda y, s: (1 + (s - 1e6 * _one_hot(y, s.shape[1])).max(axis=1)
                                      - (_one_hot(y, s.shape[1]) * s).sum(axis=1)).relu().sum(),
    "exponential": lambda y, s: (-(y * s)).exp().sum(),
    "brier": lambda y, p: ((y - p) ** 2).sum(),
    "focal": _focal,
    "kl_divergence": _kl,
    "contrastive": lambda x1, x2, same, margin: (same * 0.5 * _distance(x1, x2) ** 2 + (1 - same) * 0.5
                                                 * (margin - _distance(x1, x2)).relu() ** 2).sum(),
    "triplet": lambda a, p, n, margin: (_distance(a, p) - _distance(a, n) + margin).relu().sum(),
    "margin_ranking": lambda s1, s2, y, margin: (-y * (s1 - s2) + margin).relu().sum(),
    "info_nce": _info_nce,
}

DIFFERENTIABLE = [name for name, loss in L.REGISTRY.items() if loss.differentiable]
LOSS_CASES = [pytest.param(name, i, id=f"{name}-{i}") for name in DIFFERENTIABLE for i in range(len(CASES[name]))]


def test_every_differentiable_loss_is_composed_from_primitives():
    assert set(COMPOSED) == set(DIFFERENTIABLE)


def _wrt(name):
    return WRT.get(name, (1,))


def _as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def _close(actual, expected, what):
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-10 * scale, err_msg=what)


@pytest.mark.parametrize("name, case", LOSS_CASES)
def test_composed_loss_matches_the_loss_value_and_gradient(name, case):
    loss = L.REGISTRY[name]
    inputs, hp = CASES[name][case]
    tensors = [Tensor(x) if i in _wrt(name) else np.asarray(x, dtype=float) for i, x in enumerate(inputs)]
    out = COMPOSED[name](*tensors, **{**loss.defaults, **hp})
    out.backward()
    reference = len(inputs[0]) * loss(*inputs, **hp) if name == "rmse" else loss(*inputs, reduction="sum", **hp)
    _close(out.item(), reference, f"{name}: value")
    for g, i in zip(_as_tuple(loss.gradient(*inputs, **hp)), _wrt(name)):
        _close(tensors[i].grad, g, f"{name}: ∂/∂{loss.inputs[i]} with {hp}")


def _node_gradients(name, inputs, hp, upstream=None, **kwargs):
    tensors = [Tensor(x) if i in _wrt(name) else x for i, x in enumerate(inputs)]
    out = loss_node(name, *tensors, **hp, **kwargs)
    out.backward(upstream)
    return out, [tensors[i].grad for i in _wrt(name)]


@pytest.mark.parametrize("name, case", LOSS_CASES)
def test_loss_node_sum_and_mean_use_the_loss_gradient(name, case):
    loss = L.REGISTRY[name]
    inputs, hp = CASES[name][case]
    n = len(inputs[0])
    reference = _as_tuple(loss.gradient(*inputs, **hp))
    if name != "rmse":
        out, grads = _node_gradients(name, inputs, hp, reduction="sum")
        assert out.item() == loss(*inputs, reduction="sum", **hp)
        for g, r in zip(grads, reference):
            _close(g, r, f"{name}: sum")
    out, grads = _node_gradients(name, inputs, hp, reduction="mean")
    assert out.item() == loss(*inputs, **hp)
    for g, r in zip(grads, reference):
        _close(g, r / n, f"{name}: mean")


SEPARABLE = [p for p in LOSS_CASES if p.values[0] not in ("rmse", "info_nce")]


@pytest.mark.parametrize("name, case", SEPARABLE)
def test_loss_node_with_sample_weights_and_reduction_none(name, case):
    loss = L.REGISTRY[name]
    inputs, hp = CASES[name][case]
    n = len(inputs[0])
    w = np.random.default_rng(case).uniform(0.1, 2.0, size=n)
    reference = _as_tuple(loss.gradient(*inputs, **hp))
    shaped = lambda v, g: v.reshape((-1,) + (1,) * (g.ndim - 1))
    _, grads = _node_gradients(name, inputs, hp, sample_weight=w)
    for g, r in zip(grads, reference):
        _close(g, r * shaped(w, r) / w.sum(), f"{name}: weighted mean")
    _, grads = _node_gradients(name, inputs, hp, sample_weight=w, reduction="sum")
    for g, r in zip(grads, reference):
        _close(g, r * shaped(w, r), f"{name}: weighted sum")
    upstream = np.random.default_rng(100 + case).normal(size=n)
    out, grads = _node_gradients(name, inputs, hp, upstream=upstream, reduction="none")
    np.testing.assert_array_equal(out.data, loss(*inputs, reduction="none", **hp))
    for g, r in zip(grads, reference):
        _close(g, r * shaped(upstream, r), f"{name}: none")


@pytest.mark.parametrize("name, hp", [("mse", {}), ("huber", {"delta": 0.5}), ("log_cosh", {})])
def test_loss_node_inside_a_model_matches_the_linear_objective(name, hp):
    rng = np.random.default_rng(3)
    X, y, params = rng.normal(size=(30, 2)), rng.normal(size=30), rng.normal(size=3)
    w, b = Tensor(params[:2]), Tensor(params[2])
    objective = loss_node(name, y, X @ w + b, **hp)
    objective.backward()
    value, gradient = linear_objective(params, X, y, name, loss_params=hp)
    assert objective.item() == pytest.approx(value, rel=1e-14)
    _close(np.append(w.grad, b.grad), gradient, name)


def test_loss_node_with_a_scalar_prediction_sums_the_broadcast_gradient():
    b = Tensor(0.5)
    loss_node("mse", np.array([1.0, 2.0, 4.0]), b, reduction="sum").backward()
    assert b.grad.shape == () and b.grad == pytest.approx(-2 * (0.5 + 1.5 + 3.5))


def test_loss_node_one_distribution_keeps_its_shape():
    q = Tensor(np.array([0.2, 0.3, 0.5]))
    loss_node("kl_divergence", np.array([0.5, 0.25, 0.25]), q).backward()
    np.testing.assert_allclose(q.grad, -np.array([0.5, 0.25, 0.25]) / q.data)
