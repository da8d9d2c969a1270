"""Loss functions written to be read: value, gradient and metadata, numerically stable.

The bottom layer of lossbook: pure NumPy, imports nothing else from lossbook.

Every loss is a callable object ``loss(*inputs, sample_weight=None, reduction="mean", **hp)``
with ``loss.gradient(*inputs, **hp)`` and metadata (task, formula, year, reference, convex,
robust), and is listed by name in ``REGISTRY``. ``help(Loss)`` states the conventions: shapes of
scalars and single rows, what the gradient is, and the definitions of the ``convex`` ("convex in
the prediction as the loss takes it") and ``robust`` ("a single wild target or prediction has a
bounded effect on the gradient") flags, which tests/test_losses_flags.py checks for every loss.
"""

from ._core import EPS, REDUCTIONS, REGISTRY, TASKS, HyperParameter, Loss, get, register
from .regression import epsilon_insensitive, huber, log_cosh, mae, mse, pseudo_huber, quantile, rmse
from .classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    brier,
    categorical_cross_entropy,
    categorical_cross_entropy_with_logits,
    exponential,
    focal,
    hinge,
    multiclass_hinge,
    sigmoid,
    softmax,
    squared_hinge,
    zero_one,
)
from .distribution import kl_divergence
from .ranking import contrastive, info_nce, margin_ranking, triplet

__all__ = ["EPS", "REDUCTIONS", "REGISTRY", "TASKS", "HyperParameter", "Loss", "get", "register",
           "sigmoid", "softmax", *REGISTRY]
