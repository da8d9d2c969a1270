"""lossbook.nn: layers, initialisation, SGD with momentum, the training loop, and the MLP on digits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from lossbook import nn
from lossbook.autodiff import Tensor, grad, loss_node


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)


def test_mlp_reaches_95_percent_on_digits(digits):
    X_train, X_test, y_train, y_test = digits
    model = nn.MLP([64, 64, 10], activation="relu", init="he", seed=0)
    history = nn.fit(model, X_train, y_train, epochs=30, batch_size=32, learning_rate=0.1, momentum=0.9,
                     seed=0, validation=(X_test, y_test))
    assert model.score(X_test, y_test) >= 0.95
    assert history.loss.shape == (30,) and history.val_accuracy.shape == (30,)
    assert history.loss[-1] < 0.1 * history.loss[0]
    assert history.val_accuracy[-1] == model.score(X_test, y_test)


def test_training_is_reproducible_with_a_seed(digits):
    X_train, _, y_train, _ = digits
    runs = []
    for _ in range(2):
        model = nn.MLP([64, 16, 10], seed=3)
        runs.append(nn.fit(model, X_train[:300], y_train[:300], epochs=2, seed=5).loss)
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_mlp_gradient_matches_finite_differences(activation):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)
    model = nn.MLP([3, 5, 4, 4], activation=activation, init="glorot", seed=1)
    loss_node("categorical_cross_entropy_with_logits", y, model(X)).backward()
    for p in model.parameters():
        analytic = p.grad.copy()
        original = p.data.copy()
        numeric = np.zeros_like(original)
        for i in np.ndindex(original.shape):
            values = []
            for h in (1e-6, -1e-6):
                p.data = original.copy()
                p.data[i] += h
                values.append(loss_node("categorical_cross_entropy_with_logits", y, model(X)).item())
            numeric[i] = (values[0] - values[1]) / 2e-6
        p.data = original
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_initialisations_have_the_documented_variance():
    he = nn.init_weights(400, 300, init="he", seed=0)
    glorot = nn.init_weights(400, 300, init="glorot", seed=0)
    assert he.var() == pytest.approx(2 / 400, rel=0.02)
    assert glorot.var() == pytest.approx(2 / 700, rel=0.02)
    assert np.abs(glorot).max() <= np.sqrt(6 / 700)
    assert nn.init_weights(300, 300, init=0.5, seed=0).std() == pytest.approx(0.5, rel=0.02)


def test_sgd_with_momentum_is_the_heavy_ball_update():
    w = Tensor(np.array([1.0, -2.0]))
    opt = nn.SGD([w], learning_rate=0.1, momentum=0.5)
    expected, v = w.data.copy(), np.zeros(2)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()              # gradient 2w
        v = 0.5 * v - 0.1 * 2 * expected
        expected = expected + v
        opt.step()
        np.testing.assert_allclose(w.data, expected, rtol=1e-15)


def test_gradient_norms_vanish_for_deep_sigmoid_and_not_for_relu_with_he(digits):
    X_train, _, y_train, _ = digits
    sizes = [64] + [64] * 8 + [10]
    sigmoid = nn.gradient_norms(nn.MLP(sizes, activation="sigmoid", init="glorot", seed=0), X_train[:256], y_train[:256])
    relu = nn.gradient_norms(nn.MLP(sizes, activation="relu", init="he", seed=0), X_train[:256], y_train[:256])
    assert sigmoid.shape == relu.shape == (9,)
    assert sigmoid[0] < 1e-3 * sigmoid[-1]           # shrinks by orders of magnitude towards the input
    assert 0.1 < relu[0] / relu[-1] < 10             # stays within an order of magnitude


def test_descend_on_a_quadratic_with_and_without_momentum():
    f = lambda p: 0.5 * (p[0] ** 2 + 10 * p[1] ** 2)
    g = grad(f)
    plain = nn.descend(g, [1.0, 1.0], learning_rate=0.05, n_steps=100)
    heavy = nn.descend(g, [1.0, 1.0], learning_rate=0.05, momentum=0.7, n_steps=100)
    assert plain.shape == (101, 2)
    assert np.linalg.norm(heavy[-1]) < np.linalg.norm(plain[-1]) < 1e-2
    np.testing.assert_allclose(plain[1], [1 - 0.05, 1 - 0.5])


def test_descend_stops_a_diverging_path_without_warnings():
    f = lambda p: (p**4).sum()
    with np.errstate(all="raise"):
        path = nn.descend(grad(f), [3.0], learning_rate=1.0, n_steps=20)
    assert np.isinf(path[-1]).all() and np.isfinite(path[:2]).all()


def test_tilted_double_well_has_two_minima_with_the_left_one_deeper():
    right = nn.descend(grad(lambda p: nn.tilted_double_well(p[0], p[1])), [1.5, 0.0], learning_rate=0.02, n_steps=2000)[-1]
    left = nn.descend(grad(lambda p: nn.tilted_double_well(p[0], p[1])), [-1.5, 0.0], learning_rate=0.02, n_steps=2000)[-1]
    np.testing.assert_allclose(right, [0.9625, 0.48], atol=0.01)
    np.testing.assert_allclose(left, [-1.0375, -0.52], atol=0.01)
    assert nn.tilted_double_well(*left) < nn.tilted_double_well(*right)
    assert nn.tilted_double_well(np.zeros((2, 2)), np.zeros((2, 2))).shape == (2, 2)


def test_sklearn_twin_trains_the_same_configuration(digits):
    twin = nn.sklearn_twin(64, epochs=30, batch_size=32, learning_rate=0.1, momentum=0.9, seed=0)
    params = twin.get_params()
    assert params["hidden_layer_sizes"] == (64,) and params["solver"] == "sgd" and params["alpha"] == 0.0
    assert params["nesterovs_momentum"] is False and params["max_iter"] == 30 and params["batch_size"] == 32


def test_compare_with_sklearn_reports_accuracies_and_a_ratio(digits):
    X_train, X_test, y_train, y_test = digits
    c = nn.compare_with_sklearn(X_train, y_train, X_test, y_test, epochs=5, repeats=1)
    assert c.accuracy > 0.9 and c.sklearn_accuracy > 0.9
    assert c.seconds > 0 and c.sklearn_seconds > 0 and c.time_ratio == c.seconds / c.sklearn_seconds
    assert c.loss_curve.shape == c.sklearn_loss_curve.shape == (5,)
    assert c.repeats == 1


def test_sigmoid_output_gradient_is_the_chain_rule_through_the_sigmoid():
    z = np.linspace(-8, 8, 33)
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(nn.sigmoid_output_gradient("mse", z), 2 * (p - 1) * p * (1 - p), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nn.sigmoid_output_gradient("binary_cross_entropy", z), p - 1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(nn.sigmoid_output_gradient("binary_cross_entropy", z, target=0.0), p, rtol=1e-9,
                               atol=1e-12)


def _one_unit(x, y, loss, w0, epochs, learning_rate):
    """The loop train_sigmoid_units replaces: one unit, one graph per step, mean loss."""
    w, b = Tensor(float(w0)), Tensor(0.0)
    optimizer = nn.SGD([w, b], learning_rate=learning_rate)
    brier = []
    for _ in range(epochs):
        p = (w * x + b).sigmoid()
        brier.append(np.mean((p.data - y) ** 2))
        optimizer.zero_grad()
        loss_node(loss, y, p).backward()
        optimizer.step()
    return np.array(brier)


@pytest.mark.parametrize("loss", ["mse", "binary_cross_entropy"])
def test_sigmoid_units_trained_together_match_units_trained_alone(loss):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 0.6, 20), rng.normal(1, 0.6, 20)])
    y = np.repeat([0.0, 1.0], 20)
    together = nn.train_sigmoid_units(x, y, [-2, -6], loss=loss, epochs=30, learning_rate=1.0)
    assert together.shape == (2, 30)
    for row, w0 in zip(together, (-2, -6)):
        np.testing.assert_allclose(row, _one_unit(x, y, loss, w0, 30, 1.0), rtol=1e-12, atol=1e-15)


def test_cross_entropy_recovers_from_a_confident_mistake_faster():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 0.6, 50), rng.normal(1, 0.6, 50)])
    y = np.repeat([0.0, 1.0], 50)
    mse, ce = (nn.train_sigmoid_units(x, y, [-6], loss=name, epochs=200)[0] for name in ("mse", "binary_cross_entropy"))
    assert np.argmax(ce < 0.1) < 20 < np.argmax(mse < 0.1)


@pytest.mark.parametrize("call, message", [
    (lambda: nn.init_weights(3, 2, init="xavier"), r"init must be one of \('glorot', 'he'\)"),
    (lambda: nn.init_weights(0, 2), "n_in must be a positive integer"),
    (lambda: nn.MLP([4, 3], activation="gelu"), "activation must be one of"),
    (lambda: nn.MLP([4]), "sizes must list at least"),
    (lambda: nn.SGD([], learning_rate=0.0), "learning_rate must be a number with learning_rate > 0"),
    (lambda: nn.SGD([], momentum=1.0), "momentum must be a number with 0 <= momentum < 1"),
    (lambda: nn.fit(nn.MLP([2, 2]), np.ones((3, 2)), [0, 1, 1], epochs=0), "epochs must be a positive integer"),
    (lambda: nn.fit(nn.MLP([2, 2]), np.ones(3), [0, 1, 1]), "X must be 2-D"),
    (lambda: nn.fit(nn.MLP([2, 2]), np.ones((3, 2)), [0, 1]), "same number of samples"),
    (lambda: nn.fit(nn.MLP([2, 2]), np.ones((3, 2)), [0, 1, 1], seed=-1), "seed must be a non-negative integer"),
    (lambda: nn.descend(lambda p: p, [1.0], learning_rate=-1.0), "learning_rate must be a number"),
    (lambda: nn.sigmoid_output_gradient("mse", np.ones((2, 2))), "z must be 1-D"),
    (lambda: nn.sigmoid_output_gradient("zero_one", np.ones(2)), "loss must be differentiable"),
    (lambda: nn.train_sigmoid_units(np.ones(3), np.ones(2), [1.0], loss="mse"), "same number of samples"),
    (lambda: nn.train_sigmoid_units(np.ones(3), np.ones(3), [1.0], loss="mse", epochs=0),
     "epochs must be a positive integer"),
    (lambda: nn.train_sigmoid_units(np.ones((3, 1)), np.ones(3), [1.0], loss="mse"), "x must be 1-D"),
])
def test_errors_name_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()
