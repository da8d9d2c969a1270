"""A tiny multilayer perceptron trained by backpropagation through `lossbook.autodiff`.

Builds on `lossbook.autodiff` and `lossbook.losses` (scikit-learn only for the side-by-side
comparison); must not import `plots`, `widgets` or anything from a notebook.

The pieces are the ones every deep-learning library has, each a few lines long: :class:`Linear`
layers with Glorot or He initialisation, an :class:`MLP` that stacks them with an activation,
:class:`SGD` with (heavy-ball) momentum, and :func:`fit`, the minibatch training loop, seeded. The
loss is any lossbook loss, used as one node of the graph (:func:`lossbook.autodiff.loss_node`).
Around them, the chapter's experiments: descent paths on a surface (:func:`descend`), the gradient
a loss sends through a sigmoid output (:func:`sigmoid_output_gradient`, :func:`train_sigmoid_units`),
gradient norms per layer, and the side-by-side run with scikit-learn (:func:`compare_with_sklearn`).
"""

from __future__ import annotations

import numbers
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .autodiff import Tensor, loss_node
from .losses import get
from .losses._core import as_float_array, check_ndim, check_same_length

__all__ = ["INITS", "ACTIVATIONS", "init_weights", "Linear", "MLP", "SGD", "History", "fit",
           "gradient_norms", "descend", "tilted_double_well", "sigmoid_output_gradient", "train_sigmoid_units",
           "Comparison", "sklearn_twin", "compare_with_sklearn"]

INITS = ("glorot", "he")
ACTIVATIONS = {"relu": Tensor.relu, "sigmoid": Tensor.sigmoid, "tanh": Tensor.tanh}


# ------------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------------


def _positive_int(value, name: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer; got {value!r}")
    return int(value)


def _number(value, name: str, owner: str, low: float, high: float, allowed: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value < high:
        raise ValueError(f"{owner}: {name} must be a number with {allowed}; got {value!r}")
    return float(value)


def _one_blas_thread():
    """A context in which NumPy's matrix products run on one thread.

    The matrices of a small network are tiny (a batch of 32 × 64): starting BLAS threads costs
    more than it saves, and on a busy machine threads waiting for each other can make a training
    run many times slower. scikit-learn ships threadpoolctl, so it is always available.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _rng(seed, owner: str) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{owner}: seed must be a non-negative integer or a numpy Generator; got {seed!r}")
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------------------------
# Layers and the network
# ------------------------------------------------------------------------------------------------


def init_weights(n_in: int, n_out: int, *, init="he", seed=0) -> np.ndarray:
    """An (n_in, n_out) weight matrix drawn so that signals neither shrink nor grow layer by layer.

    - ``"glorot"``: uniform on ±√(6/(n_in + n_out)), variance 2/(n_in + n_out) (Glorot & Bengio,
      2010), for tanh and sigmoid layers;
    - ``"he"``: normal with variance 2/n_in (He et al., 2015), for ReLU layers, which zero half of
      their inputs;
    - a positive number s: normal with standard deviation s (to show what goes wrong otherwise).
    """
    owner = "init_weights"
    n_in, n_out = _positive_int(n_in, "n_in", owner), _positive_int(n_out, "n_out", owner)
    rng = _rng(seed, owner)
    if init == "glorot":
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=(n_in, n_out))
    if init == "he":
        return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
    if not isinstance(init, bool) and isinstance(init, numbers.Real) and init > 0:
        return rng.normal(0.0, float(init), size=(n_in, n_out))
    raise ValueError(f"{owner}: init must be one of {INITS} or a positive standard deviation; got {init!r}")


class Linear:
    """An affine layer x ↦ x W + b, with W of shape (n_in, n_out) and b = 0 at the start."""

    def __init__(self, n_in: int, n_out: int, *, init="he", seed=0):
        self.weight = Tensor(init_weights(n_in, n_out, init=init, seed=seed), label="W")
        self.bias = Tensor(np.zeros(n_out), label="b")

    def __call__(self, x) -> Tensor:
        return x @ self.weight + self.bias  # b is broadcast over the rows; its gradient summed

    def parameters(self) -> list[Tensor]:
        return [self.weight, self.bias]


class MLP:
    """A multilayer perceptron: Linear, activation, ..., Linear (the last layer gives logits).

    ``MLP([64, 64, 10])`` has one hidden layer of 64 units for 64 inputs and 10 classes.
    """

    def __init__(self, sizes, *, activation: str = "relu", init="he", seed=0):
        owner = "MLP"
        sizes = [_positive_int(s, "sizes[i]", owner) for s in sizes]
        if len(sizes) < 2:
            raise ValueError(f"{owner}: sizes must list at least the input and output widths; got {sizes}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"{owner}: activation must be one of {tuple(ACTIVATIONS)}; got {activation!r}")
        rng = _rng(seed, owner)
        self.sizes, self.activation = sizes, activation
        self.layers = [Linear(a, b, init=init, seed=rng) for a, b in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x) -> Tensor:
        act = ACTIVATIONS[self.activation]
        for layer in self.layers[:-1]:
            x = act(layer(x))
        return self.layers[-1](x)

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]

    def predict(self, X) -> np.ndarray:
        """The class with the largest logit, for each row of X."""
        return self(np.asarray(X, dtype=np.float64)).data.argmax(axis=1)

    def score(self, X, y) -> float:
        """Accuracy: the fraction of rows of X whose predicted class is y."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


class SGD:
    """Stochastic gradient descent with heavy-ball momentum (Polyak, 1964).

    ``v ← μ v − η ∇L;  θ ← θ + v`` for every parameter θ; ``momentum=0`` is plain SGD. The same
    update as scikit-learn's ``MLPClassifier(solver="sgd", nesterovs_momentum=False)``.
    """

    def __init__(self, parameters, *, learning_rate: float = 0.1, momentum: float = 0.0):
        owner = "SGD"
        self.parameters = list(parameters)
        self.learning_rate = _number(learning_rate, "learning_rate", owner, 0.0, np.inf, "learning_rate > 0")
        if self.learning_rate == 0:
            raise ValueError(f"{owner}: learning_rate must be a number with learning_rate > 0; got {learning_rate!r}")
        self.momentum = _number(momentum, "momentum", owner, 0.0, 1.0, "0 <= momentum < 1")
        self.velocities = [np.zeros_like(p.data) for p in self.parameters]

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = None

    def step(self) -> None:
        for p, v in zip(self.parameters, self.velocities):
            if p.grad is not None:
                v *= self.momentum
                v -= self.learning_rate * p.grad
                p.data += v


# ------------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """Per epoch: the mean training loss over its minibatches, and the accuracy on held-out data
    (empty when no validation set was given)."""

    loss: np.ndarray
    val_accuracy: np.ndarray


def _data(X, y, owner: str) -> tuple[np.ndarray, np.ndarray]:
    X = as_float_array(X, "X", owner)
    check_ndim(X, "X", owner, 2, "Pass one row per sample, one column per feature.")
    y = np.asarray(y)
    check_same_length({"X": X, "y": y}, owner)
    return X, y


def fit(model: MLP, X, y, *, loss="categorical_cross_entropy_with_logits", epochs: int = 30,
        batch_size: int = 32, learning_rate: float = 0.1, momentum: float = 0.9, seed=0,
        validation=None) -> History:
    """Train `model` by minibatch SGD on ``loss(y, model(X))``, shuffling every epoch.

    Each epoch visits every sample once, in batches of `batch_size` (the last one may be smaller).
    Each step is: forward pass, the loss as a graph node, ``backward()``, ``SGD.step()``.
    `validation` is an optional ``(X_val, y_val)`` whose accuracy is recorded after every epoch.
    """
    owner = "fit"
    X, y = _data(X, y, owner)
    loss = get(loss)
    epochs = _positive_int(epochs, "epochs", owner)
    batch_size = _positive_int(batch_size, "batch_size", owner)
    rng = _rng(seed, owner)
    optimizer = SGD(model.parameters(), learning_rate=learning_rate, momentum=momentum)
    n = X.shape[0]
    losses, accuracy = [], []
    with _one_blas_thread():
        for _ in range(epochs):
            order = rng.permutation(n)
            total = 0.0
            for start in range(0, n, batch_size):
                batch = order[start:start + batch_size]
                batch_loss = loss_node(loss, y[batch], model(X[batch]))
                optimizer.zero_grad()
                batch_loss.backward()
                optimizer.step()
                total += batch_loss.item() * batch.size
            losses.append(total / n)
            if validation is not None:
                accuracy.append(model.score(*validation))
    return History(np.array(losses), np.array(accuracy))


def gradient_norms(model: MLP, X, y, *, loss="categorical_cross_entropy_with_logits") -> np.ndarray:
    """‖∂L/∂W‖ (Frobenius norm) for the weight matrix of each layer, first layer first.

    One forward and one backward pass on (X, y); the parameters are not changed. Norms that shrink
    towards the first layer are vanishing gradients, norms that grow are exploding ones.
    """
    X, y = _data(X, y, "gradient_norms")
    for p in model.parameters():
        p.grad = None
    with _one_blas_thread():
        loss_node(loss, y, model(X)).backward()
    return np.array([np.linalg.norm(layer.weight.grad) for layer in model.layers])


def descend(gradient, start, *, learning_rate: float, momentum: float = 0.0, n_steps: int = 50) -> np.ndarray:
    """The path of (momentum) gradient descent from `start`: an array of shape (n_steps + 1, d).

    `gradient` maps a point (1-D array) to the gradient there — exact, from :func:`autodiff.grad`,
    or a noisy minibatch estimate. A path that leaves the float range stops early (its remaining
    rows are inf), so that a too-large learning rate can be drawn rather than raise.
    """
    owner = "descend"
    learning_rate = _number(learning_rate, "learning_rate", owner, 0.0, np.inf, "learning_rate > 0")
    momentum = _number(momentum, "momentum", owner, 0.0, 1.0, "0 <= momentum < 1")
    n_steps = _positive_int(n_steps, "n_steps", owner)
    x = as_float_array(start, "start", owner).copy()
    path = np.full((n_steps + 1, x.size), np.inf)
    path[0] = x
    v = np.zeros_like(x)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected below, not warned
        for k in range(1, n_steps + 1):
            v = momentum * v - learning_rate * np.asarray(gradient(x), dtype=np.float64)
            x = x + v
            if not np.all(np.abs(x) < 1e50):  # also False for NaN
                break
            path[k] = x
    return path


def tilted_double_well(u, v):
    """A small non-convex test surface: two basins, the left one deeper, and a narrow valley.

    ``(u² − 1)² + 0.3 u + 2 (v − 0.5 u)²`` has a shallow minimum near (0.96, 0.48), a deeper one
    near (−1.04, −0.52) and a saddle between them. Works on NumPy arrays (to draw contours) and on
    Tensors (to differentiate).
    """
    return (u**2 - 1.0) ** 2 + 0.3 * u + 2.0 * (v - 0.5 * u) ** 2


# ------------------------------------------------------------------------------------------------
# A sigmoid output: which loss lets it learn
# ------------------------------------------------------------------------------------------------


def sigmoid_output_gradient(loss, z, *, target: float = 1.0) -> np.ndarray:
    """∂ℓ(target, σ(z))/∂z for every logit in the 1-D array `z`: what a loss on a sigmoid output
    sends back to the logit, computed by autodiff (``loss_node`` after ``Tensor.sigmoid``).

    Each logit is its own sample, so entry i is the derivative of that sample's loss alone.
    """
    owner = "sigmoid_output_gradient"
    z = as_float_array(z, "z", owner)
    check_ndim(z, "z", owner, 1, "Pass one logit per sample.")
    logits = Tensor(z)
    loss_node(loss, np.full(z.shape, float(target)), logits.sigmoid(), reduction="sum").backward()
    return logits.grad


def train_sigmoid_units(x, y, w0, *, loss, b0: float = 0.0, epochs: int = 400,
                        learning_rate: float = 1.0) -> np.ndarray:
    """Full-batch gradient descent on one sigmoid unit p = σ(w x + b), from several starts at once.

    Row k of the result holds the Brier score — the mean squared error of the probabilities,
    mean((p − y)²) — of the unit started at ``(w0[k], b0)``, measured before each of the
    `epochs` updates. Every unit minimises its own mean ``loss(y, p)`` over the 1-D data
    (x, y); the units are independent and share one graph (one row each) only to be quick:
    the gradient of Σ_k (mean loss of unit k) with respect to unit k's parameters is that of its
    own mean loss.
    """
    owner = "train_sigmoid_units"
    x, y = as_float_array(x, "x", owner), as_float_array(y, "y", owner)
    check_ndim(x, "x", owner, 1, "Pass one input per sample.")
    check_same_length({"x": x, "y": y}, owner)
    starts = as_float_array(w0, "w0", owner).reshape(-1, 1)
    epochs = _positive_int(epochs, "epochs", owner)
    w, b = Tensor(starts), Tensor(np.full_like(starts, float(b0)))
    optimizer = SGD([w, b], learning_rate=learning_rate)
    targets = np.broadcast_to(y, (starts.shape[0], y.size)).ravel()
    brier = np.empty((starts.shape[0], epochs))
    for epoch in range(epochs):
        p = (w * x + b).sigmoid()                                # (units, samples)
        brier[:, epoch] = np.mean((p.data - y) ** 2, axis=1)
        optimizer.zero_grad()
        (loss_node(loss, targets, p.reshape(-1), reduction="sum") / y.size).backward()
        optimizer.step()
    return brier


# ------------------------------------------------------------------------------------------------
# Side by side with scikit-learn
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Test accuracy, training loss per epoch and best-of-`repeats` training time (in seconds) of
    lossbook's MLP and of MLPClassifier. The times depend on the machine: show them in a figure,
    never in a text output that must be reproducible."""

    accuracy: float
    sklearn_accuracy: float
    seconds: float
    sklearn_seconds: float
    loss_curve: np.ndarray
    sklearn_loss_curve: np.ndarray
    repeats: int = 1

    @property
    def time_ratio(self) -> float:
        """lossbook's training time divided by scikit-learn's (below 1: lossbook is faster)."""
        return self.seconds / self.sklearn_seconds


def sklearn_twin(hidden: int, *, epochs: int, batch_size: int, learning_rate: float, momentum: float, seed: int):
    """The scikit-learn MLPClassifier that trains like :func:`fit`: one ReLU hidden layer, softmax
    cross-entropy, SGD with heavy-ball momentum, constant learning rate, no L2 penalty, shuffled
    minibatches, exactly `epochs` epochs (no early stopping)."""
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(hidden,), activation="relu", solver="sgd", alpha=0.0,
                         batch_size=batch_size, learning_rate="constant", learning_rate_init=learning_rate,
                         momentum=momentum, nesterovs_momentum=False, max_iter=epochs, shuffle=True,
                         tol=0.0, n_iter_no_change=epochs + 1, random_state=seed)


def compare_with_sklearn(X_train, y_train, X_test, y_test, *, hidden: int = 64, epochs: int = 30,
                         batch_size: int = 32, learning_rate: float = 0.1, momentum: float = 0.9,
                         seed: int = 0, repeats: int = 3) -> Comparison:
    """Train lossbook's MLP and scikit-learn's twin with the same settings and compare them.

    The two are timed alternately, `repeats` times each, both with one BLAS thread, and the best
    (minimum) time of each is kept: the cost of the code, not the noise of a shared machine. MLPClassifier warns that it has
    "not converged" whenever it stops at ``max_iter``; here a fixed number of epochs is the chosen
    stopping rule for both models, so that one warning is silenced (and only it).
    """
    from sklearn.exceptions import ConvergenceWarning

    owner = "compare_with_sklearn"
    X_train, y_train = _data(X_train, y_train, owner)
    X_test, y_test = _data(X_test, y_test, owner)
    repeats = _positive_int(repeats, "repeats", owner)
    n_classes = int(np.max(y_train)) + 1
    settings = dict(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, momentum=momentum)
    ours, theirs = [], []
    with _one_blas_thread():  # both on one BLAS thread: the cost of the code, not of the machine
        for _ in range(repeats):
            model = MLP([X_train.shape[1], hidden, n_classes], activation="relu", init="he", seed=seed)
            start = time.perf_counter()
            history = fit(model, X_train, y_train, seed=seed, **settings)
            ours.append(time.perf_counter() - start)

            twin = sklearn_twin(hidden, seed=seed, **settings)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                twin.fit(X_train, y_train)
            theirs.append(time.perf_counter() - start)
    return Comparison(model.score(X_test, y_test), float(twin.score(X_test, y_test)), min(ours), min(theirs),
                      history.loss, np.array(twin.loss_curve_), repeats)
