"""How fast does lossbook train a small network? lossbook.nn's MLP against scikit-learn's MLPClassifier.

A script, not a test::

    python benchmarks/bench_mlp.py                       # 30 epochs, batch 32, best of 5 repeats
    python benchmarks/bench_mlp.py --epochs 50 --batch-size 64 --repeats 7

Both models get the same problem and the same recipe: ``load_digits`` (1797 images of 8×8 pixels,
scaled to [0, 1]), a stratified 75/25 split, one hidden layer of ReLU units, softmax
cross-entropy, minibatch SGD with heavy-ball momentum (MLPClassifier with
``nesterovs_momentum=False``), a constant learning rate, no L2 penalty, shuffled batches, exactly
``--epochs`` epochs (no early stopping). The two are trained alternately, each with one BLAS
thread, and the best (minimum) of the repeats is reported: the cost of the code rather than the
noise of the machine (see ``lossbook.nn.compare_with_sklearn``).

Target: lossbook's training time at most 2 × MLPClassifier's. lossbook builds a graph of Python
objects at every step and its loss checks its inputs at every call; scikit-learn's loop is
hand-written backpropagation. The ratio says what the readable version costs.
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from lossbook import nn

TARGET = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    result = nn.compare_with_sklearn(
        X_train, y_train, X_test, y_test, hidden=args.hidden, epochs=args.epochs, batch_size=args.batch_size,
        learning_rate=args.learning_rate, momentum=args.momentum, seed=args.seed, repeats=args.repeats)

    steps = args.epochs * int(np.ceil(len(X_train) / args.batch_size))
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"{platform.machine()}")
    print(f"load_digits: {len(X_train)} training / {len(X_test)} test images; MLP 64-{args.hidden}-10 (ReLU), "
          f"SGD lr={args.learning_rate} momentum={args.momentum}, batch {args.batch_size}, {args.epochs} epochs "
          f"({steps} steps); best of {args.repeats}, one BLAS thread")
    print()
    print(f"{'':16s}{'test accuracy':>15s}{'train time':>13s}{'per step':>11s}")
    for name, accuracy, seconds in (("lossbook.nn", result.accuracy, result.seconds),
                                    ("MLPClassifier", result.sklearn_accuracy, result.sklearn_seconds)):
        print(f"{name:16s}{accuracy:15.4f}{seconds:12.3f}s{1e6 * seconds / steps:9.0f}µs")
    print()
    verdict = "meets" if result.time_ratio <= TARGET else "MISSES"
    print(f"time ratio lossbook / MLPClassifier: {result.time_ratio:.2f}  ({verdict} the target ≤ {TARGET:g}×)")


if __name__ == "__main__":
    main()
